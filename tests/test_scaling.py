"""The scaling table: the numbers derived from a snapshot's metadata and history (steps, CPU-hours,
training FLOPs) are the committed table's, budgets a run had passed are one point, and the table
and figure come back the same from the committed CSV."""

import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
from helpers import tiny_growing_params

from audiosr.cli import main
from audiosr.evaluation.report import write_scaling
from audiosr.scaling import PARAMS, point, scaling_rows
from audiosr.training.params import configs_from, load_params

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = (ROOT / "figures/scaling.md").read_text()


def _snapshot(arch: str, epoch: int, steps_per_epoch: int, cpu_hours: float):
    """A snapshot's metadata and its run's history as `ship` and training write them: the
    scaling recipe (16 x 6000-sample patches a step), one epoch more than the snapshot's."""
    spec = configs_from(load_params(PARAMS) | {"ratio": 4, "width": 0.0625, "arch": arch})
    meta = {
        "model_config": asdict(spec.model),
        "train_config": asdict(spec.train),
        "data": {"data_config": asdict(spec.data)},
        "epoch": epoch,
    }
    seconds = cpu_hours * 3600 / epoch
    audio_s = steps_per_epoch * 16 * 6000 / 16000  # audio seconds trained per epoch
    history = [{"epoch": 0}] + [
        {"epoch": e, "seconds": seconds, "audio_s_per_s": audio_s / seconds}
        for e in range(1, epoch + 2)
    ]
    return meta, history


def test_a_snapshot_gives_the_committed_tables_numbers(tmp_path):
    unet = _snapshot("audiounet", 3, 100, 0.053)
    tfilm = _snapshot("tfilm", 2, 100, 0.072)
    p = point(*unet, 3)
    assert p == {
        "network": "audiounet", "width": 0.0625, "budget (min)": 3.0, "steps": 300,
        "CPU-hours": 0.053, "training TFLOPs": 4.34,
    }  # fmt: skip
    points = [point(*tfilm, 3), p, point(*unet, 5)]  # 5 minutes: the run had passed them
    scores = [
        {"vctk-sample": {"SNR - spline (dB)": 0.15, "LSD / spline": 0.81}},
        {"vctk-sample": {"SNR - spline (dB)": 0.38, "LSD / spline": 0.7},
         "librispeech-test-other": {"SNR - spline (dB)": 0.25, "LSD / spline": 0.72}},
        {"vctk-sample": {"SNR - spline (dB)": 0.38, "LSD / spline": 0.7}},
    ]  # fmt: skip
    rows = scaling_rows(points, scores)
    assert [(r["network"], r["test set"], r["budget (min)"]) for r in rows] == [
        ("audiounet", "librispeech-test-other", 3.0),
        ("audiounet", "vctk-sample", 3.0),
        ("tfilm", "vctk-sample", 3.0),
    ]
    table = write_scaling(rows, tmp_path / "scaling")
    lines = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert len(lines) == 3 and all(line in COMMITTED for line in lines)
    assert table.splitlines()[-1] in COMMITTED  # the note on the paper's point and the command
    assert (tmp_path / "scaling.png").is_file()


def test_the_committed_table_and_figure_come_back_from_its_csv(tmp_path, capsys):
    shutil.copy(ROOT / "figures/scaling.csv", tmp_path)
    assert main(["report", "scaling", "--table", str(tmp_path / "scaling.csv")]) == 0
    assert (tmp_path / "scaling.md").read_text() == COMMITTED
    assert (tmp_path / "scaling.csv").read_bytes() == (ROOT / "figures/scaling.csv").read_bytes()
    assert {p.suffix for p in tmp_path.iterdir()} == {".csv", ".md", ".png", ".svg", ".pdf"}


def test_every_committed_version_of_a_growing_state_is_a_point(piano_folder, tmp_path):
    """A growing run's budget grows commit by commit: each committed version of its state (and
    the working copy where it has moved on) is a point at the training time it had reached."""
    import subprocess

    from audiosr.scaling import committed_states, growing_point
    from audiosr.training.growing import budget, grow, new_state, read_state

    def git(*args):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    state = new_state(tmp_path / "state.safetensors", tiny_growing_params(piano_folder, "framenet"))
    for _ in range(2):  # two sessions, each committing the state it grew
        grow(state, 0, runs_root=tmp_path / "runs", progress=False)
        git("add", "state.safetensors")
        git("commit", "-q", "-m", "grown")
    grow(state, 0, runs_root=tmp_path / "runs", progress=False)  # a third, not yet committed
    paths = committed_states(state, tmp_path / "points", root=tmp_path)
    assert len(paths) == 3 and paths[-1] == state and paths[0].parent == tmp_path / "points"
    points = [growing_point(p) for p in paths]
    assert [p["steps"] for p in points] == [2, 4, 6]
    assert points[0]["network"] == "framenet" and points[0]["width"] == 1 / 16
    minutes = [p["budget (min)"] for p in points]
    assert 0 < minutes[0] < minutes[1] < minutes[2]
    assert minutes[2] / 60 == pytest.approx(
        budget(read_state(state)[1]["history"])["cpu_hours"], rel=1e-3
    )
    # taken from git once: a second call finds the same files
    assert committed_states(state, tmp_path / "points", root=tmp_path) == paths


def test_a_call_adds_its_points_to_the_table_and_keeps_the_others(tmp_path):
    from audiosr.scaling import kept_rows

    table = tmp_path / "scaling.csv"
    shutil.copy(ROOT / "figures/scaling.csv", table)
    old = (ROOT / "figures/scaling.csv").read_text().splitlines()[1:]
    point = {"width": 0.5, "budget (min)": 60.0, "steps": 9000, "CPU-hours": 1.0}
    new = {**point, "network": "framenet", "training TFLOPs": 50.0, "test set": "vctk-sample"}
    new |= {"SNR - spline (dB)": 0.5, "LSD / spline": 0.4}
    rows = kept_rows(table, [new])
    assert len(rows) == len(old) + 1 and new in rows
    # a point the call scored again replaces the table's
    first = rows[0]
    again = {**first, "SNR - spline (dB)": first["SNR - spline (dB)"] + 1}
    rows = kept_rows(table, [again])
    assert len(rows) == len(old) and again in rows and first not in rows
    assert kept_rows(tmp_path / "none.csv", [new]) == [new]
