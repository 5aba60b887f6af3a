"""MUSHRA export and analysis: a valid webMUSHRA config whose files exist at the stated rate and
loudness, post-screening that drops the right rater, and the known answer on synthetic ratings."""

import csv

import numpy as np
import pytest
import soundfile as sf
import yaml
from helpers import tone_mix

from audiosr.listening import mushra
from audiosr.listening.loudness import LoudnessError, loudness, match_loudness
from audiosr.listening.mushra import MushraError

SR = 16000
MEANS = {"audiounet": 62, "dnn": 55, "spline": 35, "lowres": 25, "anchor35": 15}


def _trials(n=3, seconds=3.0):
    out = []
    for i in range(n):
        hr = tone_mix(int(seconds * SR), seed=i)
        hr[: SR // 4] = 0  # leading silence: trimmed from the excerpt
        out.append(
            {
                "name": f"clip{i}.wav",
                "reference": hr,
                "versions": {
                    "lowres": 0.3 * hr,
                    "spline": 0.5 * hr,
                    "dnn": 0.9 * hr,
                    "audiounet": hr,
                },
            }
        )
    return out


@pytest.fixture
def export(tmp_path):
    return mushra.export_webmushra(tmp_path / "mushra", _trials(), SR, test_id="t1")


def test_export_is_a_valid_webmushra_config_with_matched_files(export):
    config = yaml.safe_load((export / "configs/t1.yaml").read_text())
    assert config["testId"] == "t1" and config["pages"][-1]["type"] == "finish"
    pages = [p for p in config["pages"][2][1:]]
    assert config["pages"][2][0] == "random" and [p["id"] for p in pages] == [
        "trial1",
        "trial2",
        "trial3",
    ]
    for page in pages:
        assert page["type"] == "mushra" and set(page["stimuli"]) == {
            "anchor35",
            *_trials()[0]["versions"],
        }
        lengths = set()
        for f in [page["reference"], *page["stimuli"].values()]:
            x, sr = sf.read(export / f)
            assert sr == SR and x.ndim == 1 and np.max(np.abs(x)) <= 0.99 + 1e-4
            # equal loudness
            assert abs(loudness(x, sr) - loudness(*sf.read(export / page["reference"]))) < 0.1
            lengths.add(len(x))
        # silence trimmed, same excerpt
        assert len(lengths) == 1 and 2.0 <= lengths.pop() / SR <= 2.8
    rows = list(csv.DictReader(open(export / "stimuli.csv")))
    assert len(rows) == 3 * 6 and all((export / r["file"]).is_file() for r in rows)
    assert "php -S localhost:8000" in (export / "README.md").read_text()
    anchor, _ = sf.read(export / pages[0]["stimuli"]["anchor35"])
    spec = np.abs(np.fft.rfft(anchor)) ** 2
    assert spec[int(4500 * len(anchor) / SR) :].sum() < 1e-4 * spec.sum()  # low-passed at 3.5 kHz


def test_export_never_replaces_silently(export, tmp_path):
    with pytest.raises(FileExistsError, match="overwrite=True"):
        mushra.export_webmushra(export, _trials(1), SR, test_id="t1")
    mushra.export_webmushra(export, _trials(1), SR, test_id="t1", overwrite=True)
    assert len(list(csv.DictReader(open(export / "stimuli.csv")))) == 6
    foreign = tmp_path / "my-data"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not an audiosr"):
        mushra.export_webmushra(foreign, _trials(1), SR, overwrite=True)
    assert (foreign / "keep.txt").read_text() == "mine"


def test_export_bad_input_names_what_is_wrong(tmp_path):
    short = _trials(1, seconds=1.5)
    with pytest.raises(MushraError, match="at least 2.0 s"):
        mushra.export_webmushra(tmp_path / "a", short, SR)
    missing = _trials(1)
    missing[0]["versions"]["dnn"] = None
    with pytest.raises(MushraError, match="no audio for dnn"):
        mushra.export_webmushra(tmp_path / "b", missing, SR)
    reserved = _trials(1)
    reserved[0]["versions"]["reference"] = reserved[0]["reference"]
    with pytest.raises(MushraError, match="reserved"):
        mushra.export_webmushra(tmp_path / "c", reserved, SR)
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_analysis_reproduces_the_known_answer_and_screens_the_careless_rater(export, tmp_path):
    results = tmp_path / "mushra.csv"
    results.write_text(
        mushra.simulate_ratings(export / "stimuli.csv", MEANS, raters=6, spread=0, careless=1)
    )
    ratings = mushra.read_results(results, export / "stimuli.csv")
    kept, dropped = mushra.post_screen(ratings)
    assert dropped == {"rater06": 1.0}
    table = {r["condition"]: r for r in mushra.table1(kept, ["reference", *MEANS])}
    assert table["reference"]["average"] == "100.0 ± 0.0"
    for cond, mean in MEANS.items():
        assert table[cond]["average"] == f"{mean:.1f} ± 0.0" and table[cond]["raters"] == 5
        assert table[cond]["clip1.wav"] == f"{mean:.1f} ± 0.0"
    # t(0.975, 2) sd / sqrt(n)
    assert mushra.ci95([50, 60, 70]) == pytest.approx(4.3027 * 10 / np.sqrt(3), abs=1e-3)


def test_simulation_names_a_condition_without_a_mean(export):
    some = dict(list(MEANS.items())[1:])
    with pytest.raises(ValueError, match=f"no mean for condition.*{next(iter(MEANS))}"):
        mushra.simulate_ratings(export / "stimuli.csv", some)


def test_post_screening_threshold_is_more_than_15_percent_of_trials():
    rows = lambda rater, refs: [
        {"rater": rater, "condition": "reference", "score": s, "trial_id": f"t{i}", "clip": f"c{i}"}
        for i, s in enumerate(refs)
    ]
    # 12.5% vs 25% of trials
    ratings = rows("ok", [100] * 7 + [80]) + rows("bad", [100] * 6 + [80, 85])
    kept, dropped = mushra.post_screen(ratings)
    assert dropped == {"bad": 0.25} and {r["rater"] for r in kept} == {"ok"}


def test_results_from_elsewhere_are_refused(export, tmp_path):
    good = mushra.simulate_ratings(export / "stimuli.csv", MEANS, raters=2)
    cases = {
        "missing rating_score": good.replace("rating_score", "score"),
        "missing .*rater column": good.replace("rater,", "who,", 1),
        "not in this export": good.replace("trial1", "trialX"),
        "did not rate": "\n".join(
            row for row in good.splitlines() if ",trial2,dnn," not in row or "rater01" not in row
        ),
    }
    for message, text in cases.items():
        path = tmp_path / "r.csv"
        path.write_text(text)
        with pytest.raises(MushraError, match=message):
            mushra.read_results(path, export / "stimuli.csv")


def test_clip_rule_is_round_robin_over_speakers_and_skips_short_clips():
    clips = [
        {"path": f"/x/{g}-{i}.wav", "group": g, "length": (1 if i == 0 and g == "b" else 3) * SR}
        for g in ("b", "a", "c")
        for i in range(3)
    ]
    chosen = mushra.choose_clips(clips, SR, n=4)
    assert [clips[i]["path"].rsplit("/", 1)[1] for i in chosen] == [
        "a-0.wav",
        "b-1.wav",
        "c-0.wav",
        "a-1.wav",
    ]
    with pytest.raises(MushraError, match="only 8"):
        mushra.choose_clips(clips, SR, n=9)


def test_loudness_matching_equalises_without_clipping():
    t = np.arange(SR) / SR
    sine = np.sin(2 * np.pi * 997 * t)
    assert abs(loudness(sine, SR) - (-3.0)) < 0.2  # a full-scale ~1 kHz sine reads about -3 LUFS
    loud, quiet = 0.9 * np.sign(sine), 0.01 * sine  # a square wave is louder at the same peak
    out, common = match_loudness({"a": loud, "b": quiet}, SR, target=-3.0)
    assert max(np.max(np.abs(x)) for x in out.values()) <= 0.99 + 1e-6 and common < -3.0
    assert abs(loudness(out["a"], SR) - loudness(out["b"], SR)) < 0.05
    with pytest.raises(LoudnessError, match="silent"):
        loudness(np.zeros(SR), SR)
    with pytest.raises(LoudnessError, match="shorter"):
        loudness(sine[:1000], SR)
