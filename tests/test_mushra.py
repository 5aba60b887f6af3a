"""MUSHRA export and analysis: a valid webMUSHRA config whose files exist at the stated rate and
loudness, post-screening that drops the right rater, the known answer on synthetic ratings and on
a webMUSHRA results file written by hand, Table 1 with every exported condition, and simulated
ratings that cannot pass for a result."""

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml
from helpers import tone_mix

from audiosr.listening import mushra_analysis, mushra_export
from audiosr.listening.loudness import LoudnessError, loudness, match_loudness
from audiosr.listening.mushra_export import MushraError

SR = 16000
MEANS = {"audiounet": 62, "dnn": 55, "spline": 35, "lowres": 25, "anchor35": 15}
HAND_WRITTEN = Path(__file__).parent / "fixtures" / "webmushra-mushra.csv"


def _trials(n=3, seconds=3.0, shipped=False):
    out = []
    for i in range(n):
        hr = tone_mix(int(seconds * SR), seed=i)
        hr[: SR // 4] = 0  # leading silence: trimmed from the excerpt
        versions = {"lowres": 0.3 * hr, "spline": 0.5 * hr, "dnn": 0.9 * hr, "audiounet": hr}
        if shipped:  # in the order the notebook's methods come: after AudioUNet
            versions.update(shippedmse=0.8 * hr, shippedperceptual=0.7 * hr)
        out.append(
            {
                "name": f"clip{i}.wav",
                "speaker": f"p{225 + i}",
                "reference": hr,
                "versions": versions,
            }
        )
    return out


@pytest.fixture
def export(tmp_path):
    return mushra_export.export_webmushra(tmp_path / "mushra", _trials(), SR, test_id="t1")


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
    assert [r["speaker"] for r in rows[::6]] == ["p225", "p226", "p227"]
    readme = (export / "README.md").read_text()
    assert "php -S localhost:8000" in readme and "3 speakers (p225, p226, p227)" in readme
    anchor, _ = sf.read(export / pages[0]["stimuli"]["anchor35"])
    spec = np.abs(np.fft.rfft(anchor)) ** 2
    assert spec[int(4500 * len(anchor) / SR) :].sum() < 1e-4 * spec.sum()  # low-passed at 3.5 kHz


def test_export_never_replaces_silently(export, tmp_path):
    with pytest.raises(FileExistsError, match="overwrite=True"):
        mushra_export.export_webmushra(export, _trials(1), SR, test_id="t1")
    mushra_export.export_webmushra(export, _trials(1), SR, test_id="t1", overwrite=True)
    assert len(list(csv.DictReader(open(export / "stimuli.csv")))) == 6
    foreign = tmp_path / "my-data"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not an audiosr"):
        mushra_export.export_webmushra(foreign, _trials(1), SR, overwrite=True)
    assert (foreign / "keep.txt").read_text() == "mine"


def test_export_bad_input_names_what_is_wrong(tmp_path):
    short = _trials(1, seconds=1.5)
    with pytest.raises(MushraError, match="at least 2.0 s"):
        mushra_export.export_webmushra(tmp_path / "a", short, SR)
    missing = _trials(1)
    missing[0]["versions"]["dnn"] = None
    with pytest.raises(MushraError, match="no audio for dnn"):
        mushra_export.export_webmushra(tmp_path / "b", missing, SR)
    reserved = _trials(1)
    reserved[0]["versions"]["reference"] = reserved[0]["reference"]
    with pytest.raises(MushraError, match="reserved"):
        mushra_export.export_webmushra(tmp_path / "c", reserved, SR)
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_analysis_reproduces_the_known_answer_and_screens_the_careless_rater(export, tmp_path):
    results = tmp_path / "mushra.csv"
    results.write_text(
        mushra_analysis.simulate_ratings(
            export / "stimuli.csv", MEANS, raters=6, spread=0, careless=1
        )
    )
    ratings = mushra_analysis.read_results(results, export / "stimuli.csv")
    kept, dropped = mushra_analysis.post_screen(ratings)
    assert dropped == {"rater06": 1.0}
    table = {r["condition"]: r for r in mushra_analysis.table1(kept, ["reference", *MEANS])}
    assert table["reference"]["average"] == "100.0 ± 0.0"
    for cond, mean in MEANS.items():
        assert table[cond]["average"] == f"{mean:.1f} ± 0.0" and table[cond]["raters"] == 5
        assert table[cond]["clip1.wav"] == f"{mean:.1f} ± 0.0"
    # t(0.975, 2) sd / sqrt(n)
    assert mushra_analysis.ci95([50, 60, 70]) == pytest.approx(4.3027 * 10 / np.sqrt(3), abs=1e-3)


def test_simulation_names_a_condition_without_a_mean(export):
    some = dict(list(MEANS.items())[1:])
    with pytest.raises(ValueError, match=f"no mean for condition.*{next(iter(MEANS))}"):
        mushra_analysis.simulate_ratings(export / "stimuli.csv", some)


def test_post_screening_threshold_is_more_than_15_percent_of_trials():
    rows = lambda rater, refs: [
        {"rater": rater, "condition": "reference", "score": s, "trial_id": f"t{i}", "clip": f"c{i}"}
        for i, s in enumerate(refs)
    ]
    # 12.5% vs 25% of trials
    ratings = rows("ok", [100] * 7 + [80]) + rows("bad", [100] * 6 + [80, 85])
    kept, dropped = mushra_analysis.post_screen(ratings)
    assert dropped == {"bad": 0.25} and {r["rater"] for r in kept} == {"ok"}


def test_results_from_elsewhere_are_refused(export, tmp_path):
    good = mushra_analysis.simulate_ratings(export / "stimuli.csv", MEANS, raters=2)
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
            mushra_analysis.read_results(path, export / "stimuli.csv")


def test_clip_rule_is_round_robin_over_speakers_and_skips_short_clips():
    clips = [
        {"path": f"/x/{g}-{i}.wav", "group": g, "length": (1 if i == 0 and g == "b" else 3) * SR}
        for g in ("b", "a", "c")
        for i in range(3)
    ]
    chosen = mushra_export.choose_clips(clips, SR, n=4)
    assert [clips[i]["path"].rsplit("/", 1)[1] for i in chosen] == [
        "a-0.wav",
        "b-1.wav",
        "c-0.wav",
        "a-1.wav",
    ]
    with pytest.raises(MushraError, match="only 8"):
        mushra_export.choose_clips(clips, SR, n=9)


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


def test_table1_order_is_reference_models_baselines_anchors_and_drops_nothing():
    given = [
        "anchor35",
        "lowres",
        "spline",
        "dnn",
        "audiounet",
        "shippedmse",
        "newidea",
        "reference",
    ]
    assert mushra_export.table_order(given) == [
        "reference",
        "audiounet",
        "shippedmse",
        "newidea",
        "dnn",
        "spline",
        "lowres",
        "anchor35",
    ]
    assert mushra_export.table_order(["spline", "audiounet"]) == ["audiounet", "spline"]
    # sinc interpolation, the field's baseline, sits with the baselines, not the models
    sinc = mushra_export.condition_id("sinc (soxr VHQ)")
    assert mushra_export.table_order([sinc, "shippedframe", "spline"]) == [
        "shippedframe",
        "spline",
        "sinc",
    ]


@pytest.fixture
def shipped_export(tmp_path):
    """Two trials with every condition the notebook exports, the shipped models included: the
    export the hand-written results file below was rated on."""
    return mushra_export.export_webmushra(
        tmp_path / "mushra", _trials(2, shipped=True), SR, test_id="t1"
    )


def test_a_hand_written_webmushra_file_gives_table1_with_every_condition(shipped_export, tmp_path):
    """tests/fixtures/webmushra-mushra.csv is webMUSHRA's mushra.csv as its service writes it
    (session_test_id, the finish page's questionnaire answer `rater`, session_uuid, trial_id,
    rating_stimulus, rating_score, rating_time, rating_comment; responses in the order shown,
    comments quoted): 4 raters x 2 trials x 8 conditions. dora scores the hidden reference 70 in
    trial1 (below 90 in 50% > 15% of her trials) and must go; chris's 90 is not below 90."""
    manifest = shipped_export / "stimuli.csv"
    result = mushra_analysis.analyse(HAND_WRITTEN, manifest, tmp_path / "out")
    assert result["dropped"] == {"dora": 0.5} and result["raters"] == 4
    # means of anna, ben and chris, worked out by hand: clip0 (trial1), clip1 (trial2), average
    by_hand = {
        "reference": (95.0, 100.0, 97.5),
        "audiounet": (60.0, 70.0, 65.0),
        "shippedmse": (75.0, 70.0, 72.5),
        "shippedperceptual": (85.0, 85.0, 85.0),
        "dnn": (50.0, 55.0, 52.5),
        "spline": (35.0, 35.0, 35.0),
        "lowres": (25.0, 20.0, 22.5),
        "anchor35": (10.0, 15.0, 12.5),
    }
    table = result["table"]
    assert (
        [row["condition"] for row in table] == list(by_hand) == mushra_export.conditions(manifest)
    )
    mean = lambda cell: float(cell.split(" ± ")[0])
    for row in table:
        want = by_hand[row["condition"]]
        assert (mean(row["clip0.wav"]), mean(row["clip1.wav"]), mean(row["average"])) == want
        assert row["raters"] == 3 and "ratings" not in row
    assert result["means"] == pytest.approx({c: v[2] for c, v in by_hand.items()})
    # spline: 40 30 35 30 40 35, sd sqrt(20), t(0.975, 5) = 2.5706
    assert table[5]["average"] == f"35.0 ± {2.5706 * np.sqrt(20) / np.sqrt(6):.1f}" == "35.0 ± 4.7"
    written = (tmp_path / "out" / "table1-mushra.md").read_text()
    assert "real ratings" in written and "SIMULATED" not in written and "61.3" in written
    assert (
        result["boxplot"] == tmp_path / "out" / "mushra-boxplot.png" and result["boxplot"].is_file()
    )
    text = mushra_analysis.finding_text(manifest, result)
    assert "2 trials from 2 speaker(s) (p225, p226)" in text and "8 conditions" in text
    assert "3 of 4 raters" in text and "65.0" in text and "+30.0 points" in text


def test_simulated_ratings_are_labelled_and_rank_no_method(shipped_export, tmp_path):
    manifest = shipped_export / "stimuli.csv"
    ratings = mushra_analysis.write_simulated(manifest, raters=10, careless=1)
    assert ratings.parent == shipped_export
    result = mushra_analysis.analyse(ratings, manifest, shipped_export, simulated=True)
    assert list(result["dropped"]) == ["rater10"]
    assert [row["condition"] for row in result["table"]] == mushra_export.conditions(manifest)
    assert all(row["ratings"] == "SIMULATED" for row in result["table"])
    assert "SIMULATED" in result["markdown"].splitlines()[0]
    assert "61.3" not in result["markdown"]  # never printed next to the paper's numbers
    means = result["means"]
    methods = ["audiounet", "shippedmse", "shippedperceptual", "dnn", "spline"]
    assert max(means[c] for c in methods) - min(means[c] for c in methods) < 8  # no ranking
    assert abs(means["spline"] - mushra_analysis.PAPER_TABLE1["spline"]) > 10
    assert "no listening result exists yet" in mushra_analysis.finding_text(manifest, result)
    from audiosr.core.paths import FIGURES

    with pytest.raises(MushraError, match="no result"):
        mushra_analysis.analyse(ratings, manifest, FIGURES / "mushra", simulated=True)
    assert not (FIGURES / "mushra").exists()


def test_a_trial_per_speaker_from_a_cache(tmp_path):
    """trials_from_cache carries each clip's speaker, so the notebook can check the trials cover
    several voices."""

    class Cache:
        config = type("C", (), {"sr": SR, "ratio": 4})()

        def clips(self, split):
            return [{"path": f"/x/{g}.wav", "group": g, "length": 3 * SR} for g in ("a", "b")]

        def clip_array(self, split, kind, i):
            x = tone_mix(3 * SR, seed=i)
            return self.clips(split)[i], x[::4] if kind == "lowres" else x

    spline = lambda x_lr, sp: sp
    trials = mushra_export.trials_from_cache(Cache(), [0, 1], {"cubic spline": spline})
    assert [t["speaker"] for t in trials] == ["a", "b"]
    assert set(trials[0]["versions"]) == {"lowres", "spline"}


def test_the_webmushra_template_installs_with_the_package():
    from fnmatch import fnmatch

    import tomllib

    root = Path(__file__).resolve().parents[1]
    data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    template = f"listening/{mushra_export.TEMPLATE}"
    assert (root / "audiosr" / template).is_file()
    assert any(fnmatch(template, g) for g in data["package-data"]["audiosr"])
    assert set(mushra_export.webmushra_template()) == {"experiment", "trial"}
