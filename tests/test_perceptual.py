"""Objective perceptual scores: on where installed, a one-line hint where not."""

import numpy as np
import pytest
from helpers import tone_mix

from audiosr.core.dsp import make_triplet
from audiosr.evaluation import perceptual


def test_missing_measures_say_how_to_install_them(monkeypatch):
    monkeypatch.setattr(perceptual, "installed", lambda m: m == "STOI")
    assert perceptual.missing() == [
        "PESQ-WB: not installed (pip install pesq)",
        "ViSQOL: not installed (pip install visqol-python)",
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
def test_tables_carry_perceptual_columns_only_when_asked(piano_folder, tmp_path):
    from audiosr.data.patches import DataConfig, build_cache
    from audiosr.evaluation.baselines import all_baselines
    from audiosr.evaluation.evaluate import evaluate_split, scores, summarize

    cfg = DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=2048, max_clips=6)
    cache = build_cache(cfg, root=tmp_path / "cache", progress=False)
    methods = {"cubic spline": all_baselines(2)["cubic spline"]}
    rows = evaluate_split(cache, "test", methods, progress=False, perceptual=("STOI",))
    assert all(0 < r["STOI"] <= 1 for r in rows)
    summary = summarize(rows)[0]
    assert summary["STOI"] == pytest.approx(np.mean([r["STOI"] for r in rows]))
    assert "STOI (objective)" in scores(summary)
    plain = summarize(evaluate_split(cache, "test", methods, progress=False))[0]
    assert "STOI" not in plain and "STOI (objective)" not in scores(plain)
