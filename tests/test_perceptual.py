"""Objective perceptual scores: on where installed, a one-line hint where not."""

import numpy as np
import pytest
from helpers import tone_mix

from audiosr.core import perceptual
from audiosr.core.dsp import make_triplet


def test_missing_measures_say_how_to_install_them(monkeypatch):
    monkeypatch.setattr(perceptual, "installed", lambda m: m == "STOI")
    assert perceptual.missing() == [
        "PESQ-WB: not installed (pip install pesq)",
        "ViSQOL: not installed (pip install visqol-python)",
        "DNSMOS-SIG, DNSMOS-BAK, DNSMOS-OVRL, DNSMOS-P808: not installed "
        "(pip install speechmos onnxruntime librosa)",
    ]
    assert set(perceptual.scores(np.zeros(16000), np.zeros(16000), measures=("PESQ-WB",))) == set()


@pytest.mark.skipif(
    not (perceptual.installed("PESQ-WB") and perceptual.installed("STOI")),
    reason="pesq / pystoi not installed (pip install -e '.[perceptual]')",
)
def test_pesq_and_stoi_rank_the_spline_below_the_original():
    x = tone_mix(32000, seed=3) * np.repeat(np.random.default_rng(0).random(40) > 0.3, 800)
    t = make_triplet(x, 4)
    same = perceptual.scores(t.hr, t.hr)
    spline = perceptual.scores(t.spline, t.hr)
    assert same["PESQ-WB"] > 4.5 and same["STOI"] > 0.99
    assert spline["PESQ-WB"] < same["PESQ-WB"] - 0.5 and spline["STOI"] < same["STOI"]
    with pytest.raises(ValueError, match="length"):
        perceptual.scores(t.spline[:-1], t.hr)


@pytest.mark.skipif(not perceptual.installed("STOI"), reason="pystoi not installed")
def test_scoring_in_a_pool_shows_a_bar_and_keeps_the_jobs_order(capsys):
    t = make_triplet(tone_mix(32000, seed=5), 4)
    jobs = [(t.spline, t.hr, ("STOI",)), (t.hr, t.hr, ("STOI",)), (t.spline, t.hr, ())]
    pooled = perceptual.score_jobs(jobs, workers=2, progress=True)
    assert "perceptual scores" in capsys.readouterr().err
    assert pooled == perceptual.score_jobs(jobs, workers=1)
    assert pooled[1]["STOI"] > pooled[0]["STOI"] and pooled[2] == {}
    perceptual.score_jobs(jobs, workers=1)
    assert "perceptual scores" not in capsys.readouterr().err


@pytest.mark.skipif(not perceptual.installed("STOI"), reason="pystoi not installed")
def test_tables_carry_perceptual_columns_only_when_asked(piano_folder, tmp_path):
    from audiosr.data.patches import DataConfig, build_cache
    from audiosr.evaluation.baselines import all_baselines
    from audiosr.evaluation.evaluate import evaluate_split, summarize, table_row

    cfg = DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=2048, max_clips=6)
    cache = build_cache(cfg, root=tmp_path / "cache", progress=False)
    methods = {"cubic spline": all_baselines(2)["cubic spline"]}
    rows = evaluate_split(cache, "test", methods, progress=False, perceptual=("STOI",))
    assert all(0 < r["STOI"] <= 1 for r in rows)
    summary = summarize(rows)[0]
    assert summary["STOI"] == pytest.approx(np.mean([r["STOI"] for r in rows]))
    assert "STOI (objective)" in table_row(summary)
    plain = summarize(evaluate_split(cache, "test", methods, progress=False))[0]
    assert "STOI" not in plain and "STOI (objective)" not in table_row(plain)


def test_gap_closed_by_hand():
    assert perceptual.gap_closed(3.2, 3.0, 3.6) == pytest.approx(1 / 3)
    assert perceptual.gap_closed(2.9, 3.0, 3.6) == pytest.approx(-1 / 6)
    assert perceptual.gap_closed(3.6, 3.0, 3.6) == pytest.approx(1)
    assert np.isnan(perceptual.gap_closed(3.2, 3.0, 3.005))  # no gap to close
    assert np.isnan(perceptual.gap_closed(float("nan"), 3.0, 3.6))
    with pytest.raises(ValueError, match="DNSMOS-P999"):
        perceptual.scores(np.ones(16000), np.ones(16000), measures=("DNSMOS-P999",))


def _real_speech(n=3):
    from audiosr.core.audio import load_audio
    from audiosr.data.clips import load_clips, unavailable_reason

    name = "vctk-sample" if not unavailable_reason("vctk-sample") else "embedded-speech"
    test = [c for c in load_clips(name) if c.split == "test"]
    return name, [load_audio(c.path) for c in test[:: max(1, len(test) // n)][:n]]


@pytest.mark.skipif(not perceptual.installed("DNSMOS-P808"), reason="speechmos not installed")
def test_dnsmos_hears_the_band_the_spline_leaves_out_on_real_speech():
    """No reference needed: the original scores above its spline from a quarter of the band."""
    _, clips = _real_speech(2)
    ref, spline = [], []
    for x in clips:
        t = make_triplet(x, 4)
        ref.append(perceptual.scores(t.hr, t.hr, measures=perceptual.DNSMOS))
        spline.append(perceptual.scores(t.spline, t.hr, measures=perceptual.DNSMOS))
    for m in ("DNSMOS-SIG", "DNSMOS-OVRL", "DNSMOS-P808"):
        assert all(1 <= s[m] <= 5 for s in ref + spline)
        assert np.mean([s[m] for s in ref]) > np.mean([s[m] for s in spline]) + 0.1, m


@pytest.mark.slow  # worker processes each load DNSMOS's models
@pytest.mark.skipif(not perceptual.installed("DNSMOS-P808"), reason="speechmos not installed")
def test_no_reference_measures_also_score_the_reference_in_parallel(tmp_path):
    from audiosr.data.patches import DataConfig, build_cache
    from audiosr.evaluation.baselines import all_baselines
    from audiosr.evaluation.evaluate import evaluate_split, summarize, table_row

    name, _ = _real_speech()
    cfg = DataConfig(dataset=name, ratio=4, max_clips=3)
    cache = build_cache(cfg, root=tmp_path / "cache", progress=False)
    base = all_baselines(4)
    methods = {"cubic spline": base["cubic spline"], "soxr HQ": base["soxr HQ"]}
    rows = evaluate_split(cache, "test", methods, progress=False, perceptual=("DNSMOS-P808",))
    by_clip = {}
    for r in rows:
        by_clip.setdefault(r["clip"], set()).add(r["DNSMOS-P808 (reference)"])
        assert 1 <= r["DNSMOS-P808"] <= 5
    assert all(len(v) == 1 for v in by_clip.values())  # one reference score per clip
    # in-process scores equal the workers' (the pool changes nothing but the time)
    first = rows[0]
    _, hr = next(iter(cache.clip_arrays("test", "hr")))
    assert perceptual.scores(hr, hr, measures=("DNSMOS-P808",))["DNSMOS-P808"] == pytest.approx(
        first["DNSMOS-P808 (reference)"], abs=1e-6
    )
    table = table_row(summarize(rows)[0])
    assert table["DNSMOS-P808 (reference)"] > table["DNSMOS-P808 (objective)"]
