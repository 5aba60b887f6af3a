"""Figure 3's committed history: written and read back unchanged, drawn beside a notebook's own
runs only where they differ, put in words that follow the numbers, and consistent with the
committed table and the params file that made it."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from audiosr.evaluation.figures import (  # noqa: E402
    ABLATIONS,
    COMMITTED_HISTORY,
    HISTORY_COLUMNS,
    AblationRuns,
    ablation_configs,
    ablation_figure,
    budget,
    closing_words,
    figure2_words,
    figure3_panels,
    is_smoke,
    model_label,
    run_kind,
)
from audiosr.evaluation.verdict import DIRECTION, NOT, REPRODUCED, ablation_words  # noqa: E402
from audiosr.training.config import TrainConfig  # noqa: E402


def _runs(losses: dict[str, list[float]], label="4 x 200 steps, batch 16") -> AblationRuns:
    return AblationRuns(
        label,
        {
            model: [
                {"epoch": e, "train_loss": 9.0, "val_loss": v, "val_snr": 1 / v, "val_lsd": 3.0}
                for e, v in enumerate(values, 1)
            ]
            for model, values in losses.items()
        },
    )


PAPERLIKE = {  # the full model best, the skips costing most
    "full model": [2.0e-3, 1.5e-3, 1.42e-3],
    "no residual": [2.1e-3, 1.6e-3, 1.528e-3],
    "no residual, no skips": [6.0e-3, 4.0e-3, 2.569e-3],
}


def test_history_round_trip(tmp_path):
    runs = _runs(PAPERLIKE)
    path = runs.write(tmp_path)
    assert path.name == "figure3-ablation-history.csv"
    assert path.read_text().splitlines()[0] == ",".join(HISTORY_COLUMNS)
    assert len(path.read_text().splitlines()) == 1 + 3 * 3  # one row per model and epoch
    back = AblationRuns.read(path)
    assert back.budget == runs.budget and list(back.histories) == list(ABLATIONS)
    assert back.rows() == runs.rows()  # floats come back exactly
    assert back.histories["full model"][-1] == {
        "epoch": 3,
        "val_loss": 1.42e-3,
        "val_snr": 1 / 1.42e-3,
        "val_lsd": 3.0,
    }
    assert back.claim() == runs.claim() and back.final() == runs.final()
    assert AblationRuns.read(tmp_path / "absent.csv") is None


def test_epochs_without_patch_validation_are_left_out(tmp_path):
    runs = _runs({"full model": [1.0]})
    runs.histories["full model"].insert(0, {"epoch": 0, "val_file_snr": 12.0})  # fine-tuning start
    assert [
        r["epoch"] for r in AblationRuns.read(runs.write(tmp_path)).histories["full model"]
    ] == [1]


def test_the_committed_runs_are_drawn_beside_a_smoke_run_not_beside_themselves():
    committed, smoke = _runs(PAPERLIKE), _runs({k: v[:1] for k, v in PAPERLIKE.items()}, "1 x 3")
    assert list(figure3_panels(committed, smoke, "smoke runs")) == ["committed runs", "smoke runs"]
    assert list(figure3_panels(None, smoke, "smoke runs")) == ["smoke runs"]
    same = _runs(PAPERLIKE)  # the notebook run with params/demo.yaml: it wrote the committed file
    assert list(figure3_panels(committed, same, "committed runs")) == ["committed runs"]

    fig = ablation_figure(figure3_panels(committed, smoke, "smoke runs"), "Figure 3")
    left, right = fig.axes[:2]
    assert left.get_title() == "committed runs: 4 x 200 steps, batch 16"
    assert right.get_title() == "smoke runs: 1 x 3"
    assert [len(line.get_xdata()) for line in left.lines] == [3, 3, 3]
    assert right.get_xlim() == (0, 2)  # one-epoch points on an axis with a width
    assert any("points, not curves" in t.get_text() for t in right.texts)
    assert not any(t.get_text() for t in left.texts)


def test_budget_names_the_steps_and_a_smoke_run():
    demo = TrainConfig(epochs=4, steps_per_epoch=200, batch_size=16)
    smoke = TrainConfig(epochs=1, steps_per_epoch=3, batch_size=8)
    assert budget(demo) == "4 x 200 steps, batch 16" and not is_smoke(demo)
    assert budget(smoke) == "1 x 3 steps, batch 8" and is_smoke(smoke)
    assert budget(TrainConfig(epochs=2, batch_size=8)) == "2 x full epochs, batch 8"
    assert not is_smoke(TrainConfig(epochs=1, steps_per_epoch=None))
    assert (run_kind(smoke), run_kind(demo)) == ("smoke runs", "runs of this notebook")
    assert run_kind(smoke, COMMITTED_HISTORY.parent) == "committed runs"  # params/demo.yaml's place
    assert model_label(demo) == "AudioUNet, 4 x 200 steps"
    assert model_label(smoke) == "AudioUNet, 1 x 3 steps (smoke run)"


def test_ablation_configs_differ_only_in_their_connections():
    from dataclasses import asdict

    from audiosr.networks.config import ModelConfig

    configs = ablation_configs(ModelConfig(width=0.0625))
    assert list(configs) == list(ABLATIONS)
    flags = [(c.residual, c.skips) for c in configs.values()]
    assert flags == [(True, True), (False, True), (False, False)]
    rest = [
        {k: v for k, v in asdict(c).items() if k not in ("residual", "skips")}
        for c in configs.values()
    ]
    assert rest[0] == rest[1] == rest[2]


@pytest.mark.parametrize(
    "losses, verdict, words",
    [  # (full, no residual, neither): what the sentences must say
        ((1.42e-3, 1.528e-3, 2.569e-3), REPRODUCED, ["full model ends", "7.6% above", "9.6 times"]),
        ((8.11e-4, 2.52e-2, 2.57e-2), DIRECTION, ["31 times the", "residual costs 48.8 times"]),
        ((1.0, 1.05, 2.5), REPRODUCED, ["5.0% above", "2.5 times the", "skips costs 29.0 times"]),
        ((1.2, 1.1, 2.0), NOT, ["without the residual ends", "8.3% below", "not the full one"]),
    ],
)
def test_ablation_words_follow_the_numbers(losses, verdict, words):
    from audiosr.evaluation.verdict import ablation_claim

    text = ablation_words(ablation_claim(*losses), "the runs (x)")
    assert text.startswith("In the runs (x), ") and f"a little: {verdict} (" in text
    for w in words:
        assert w in text, (w, text)


def test_figure2_and_closing_words_compare_with_the_spline():
    rows = [
        {"version": "cubic spline", "SNR (dB)": 13.4, "LSD": 8.0},
        {"version": "AudioUNet, 1 x 3 steps (smoke run)", "SNR (dB)": 13.0, "LSD": 8.8},
        {"version": "shipped MSE model", "SNR (dB)": 14.4, "LSD": 4.0},
    ]
    words = figure2_words(rows, "p225_001.wav", 4)
    assert "spline scores SNR 13.4 dB, LSD 8.00" in words
    assert "smoke run) -0.4 dB SNR and 1.10x its LSD" in words
    assert "shipped MSE model +1.0 dB SNR and 0.50x its LSD" in words
    assert "+3.1 dB, LSD 0.44x" in words  # the paper's MultiSpeaker r = 4 margin
    closing = closing_words(rows, "p225_001.wav", 4, "committed runs", _runs(PAPERLIKE))
    assert "the shipped MSE model scores SNR 14.4 dB and LSD 4.00" in closing
    assert "(+1.0 dB, 0.50x the LSD" in closing
    assert "committed runs (4 x 200 steps, batch 16): reproduced" in closing
    assert "frame model" not in closing  # none in the figure: not named
    frame = {"version": "shipped frame model", "SNR (dB)": 13.5, "LSD": 2.5}
    closing = closing_words([*rows, frame], "p225_001.wav", 4, "committed runs", _runs(PAPERLIKE))
    assert "the shipped frame model, which fills the missing band, +0.1 dB and 0.31x" in closing
    sinc = {"version": "sinc (soxr VHQ)", "SNR (dB)": 13.6, "LSD": 10.0}
    closing = closing_words([sinc, *rows], "p225_001.wav", 4, "committed runs", _runs(PAPERLIKE))
    assert "the shipped MSE model scores" in closing  # sinc is a baseline, never the model named
    assert "sinc interpolation +0.2 dB and 1.25x" in closing
    no_mse = [sinc, rows[0], rows[1]]
    assert "the AudioUNet, 1 x 3 steps" in closing_words(
        no_mse, "c", 4, "committed runs", _runs(PAPERLIKE)
    )
    assert "the paper's" not in figure2_words(rows[:2], "c", 3)  # no paper row at r = 3
    rows[1]["SNR (dB)"] = 13.37  # 0.03 dB below the spline: no "-0.0 dB"
    assert "smoke run) +0.0 dB SNR" in figure2_words(rows, "c", 4)


def test_the_committed_history_agrees_with_the_committed_table_and_its_params():
    """figures/figure3-ablation-history.csv and figure3-ablation.csv come from one run of 05 with
    params/demo.yaml: the history's last epochs are the table's rows, its budget the file's."""
    from audiosr.core.tables import read_csv
    from audiosr.training.params import configs_from, load_params

    committed = AblationRuns.read(COMMITTED_HISTORY)
    assert committed is not None, "run 05_figures with params/demo.yaml to write it"
    table = read_csv(COMMITTED_HISTORY.with_name("figure3-ablation.csv"))
    assert [{k: str(v) for k, v in row.items()} for row in committed.final()] == table
    assert committed.budget == budget(configs_from(load_params("params/demo.yaml")).train)
    assert all(len(h) > 1 for h in committed.histories.values())  # curves, not points


def test_a_smoke_runs_verdict_says_it_is_no_evidence():
    from audiosr.evaluation.figures import figure3_words

    smoke = _runs({k: v[:1] for k, v in PAPERLIKE.items()}, "1 x 3 steps, batch 8")
    words = figure3_words("smoke runs", smoke)
    assert words.startswith("In the smoke runs (1 x 3 steps, batch 8), the full model ends lowest")
    assert "no evidence" in words and "no evidence" not in figure3_words("committed runs", smoke)
