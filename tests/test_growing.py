"""A growing run: its state lives in the repository and every run continues it, on a machine
that has only the state (no run folder) as on the one that trained it."""

import json
from pathlib import Path

import pytest
import torch
from helpers import TINY, piano_pieces, tiny_growing_params

from audiosr.networks.checkpoint import load_model_file, read_safetensors
from audiosr.training.growing import (
    MAX_STATE_MB,
    GrowingError,
    branch_state,
    budget,
    grow,
    main,
    new_state,
    pack_subset,
    read_state,
    stretch,
    write_state,
)

COMMITTED = sorted((Path(__file__).parents[1] / "audiosr/models/growing").glob("*.safetensors"))


@pytest.fixture
def state(piano_folder, tmp_path):
    params = tiny_growing_params(
        piano_folder,
        "magphase",
        objective="field",
        optimizer="adamw",
        lr=1e-3,
        warmup_steps=8,
        degrade=True,
        select="field",
    )
    return new_state(tmp_path / "state" / "tiny-r4.safetensors", params)


def _grow(state, tmp_path, **kw):
    return grow(state, 0, runs_root=tmp_path / "runs", progress=False, **kw)


def test_a_run_continues_from_the_state_alone(state, tmp_path):
    start, meta0 = read_state(state)
    assert meta0["epoch"] == 0 and meta0["growing"]["cpu_hours"] == 0
    _grow(state, tmp_path)
    one, meta1 = read_state(state)
    assert meta1["epoch"] == 1 and meta1["growing"]["cpu_hours"] > 0
    assert meta1["growing"]["steps"] == 2
    assert any(not torch.equal(start[k], one[k]) for k in start)
    # a fresh machine: no run folder, only the state
    for f in (tmp_path / "runs").rglob("*"):
        f.unlink() if f.is_file() else None
    _grow(state, tmp_path)
    _, meta2 = read_state(state)
    assert meta2["epoch"] == 2 and len(meta2["history"]) == 2
    assert meta2["history"][0] == meta1["history"][0]
    assert meta2["growing"]["cpu_hours"] > meta1["growing"]["cpu_hours"]
    # fresh optimizer moments warm up again: 2 steps into an 8-step warm-up
    assert meta2["history"][1]["lr"] == pytest.approx(1e-3 * 2 / 8)
    assert json.loads(state.with_suffix(".json").read_text())["epoch"] == 2
    assert load_model_file(state, ratio=4).config.arch == "magphase"  # a model file too


def test_out_writes_elsewhere_and_leaves_the_state(state, tmp_path):
    before = state.read_bytes()
    written = _grow(state, tmp_path, out=tmp_path / "back")
    assert written == tmp_path / "back" / state.name and written.is_file()
    assert state.read_bytes() == before
    assert read_state(written)[1]["epoch"] == 1


def test_a_state_is_small_and_new_refuses_to_overwrite(state, tmp_path):
    with pytest.raises(GrowingError, match="at most"):
        big = {"w": torch.zeros(MAX_STATE_MB * 2**18 + 1)}
        write_state(tmp_path / "big.safetensors", big, 0, [], {"model_config": {}})
    with pytest.raises(FileExistsError):
        new_state(state, {})
    with pytest.raises(GrowingError, match="not a growing"):
        from audiosr.inference.shipped import SHIPPED_DIR

        read_state(SHIPPED_DIR / "audiounet-small-r4.safetensors")


def test_budget_counts_training_time_per_kind_of_machine():
    rows = [{"seconds": 1800, "device": "cpu"}, {"seconds": 120, "device": "cuda"}, {}]
    assert budget(rows) == {"cpu_hours": 0.5, "gpu_minutes": 2.0}


def test_the_committed_states_exist_and_are_small():
    assert COMMITTED, "no growing state in audiosr/models/growing"
    for path in COMMITTED:
        assert path.stat().st_size <= MAX_STATE_MB * 2**20
        _, meta = read_safetensors(path)
        assert meta["growing"]["cpu_hours"] + meta["growing"]["gpu_minutes"] > 0


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_the_committed_state_resumes(path, piano_folder, tmp_path):
    """The committed run goes on from where it stopped (here on a fixture folder, for a few
    steps, written elsewhere: the committed file is left as it is)."""
    tensors, meta = read_state(path)
    patches = {"patch_len": 3072, "stride": 1536}  # multiples of every ratio (2, 4, 6) and a frame
    over = {**TINY, **patches, "dataset": str(piano_folder)}
    written = _grow(path, tmp_path, out=tmp_path / "back", overrides=over)
    _, after = read_state(written)
    assert after["epoch"] == meta["epoch"] + 1
    assert after["history"][: len(meta["history"])] == meta["history"]
    assert after["growing"]["cpu_hours"] > meta["growing"]["cpu_hours"]


def test_the_gpu_command_runs_on_a_cpu_and_brings_back_only_the_state(
    state, piano_folder, tmp_path
):
    import os
    import subprocess
    import sys

    root = Path(__file__).parents[1]
    out = tmp_path / "out"
    env = {
        **os.environ,
        "PY": sys.executable,
        "STATE": str(state),
        "DEVICE": "cpu",
        "MINUTES": "0",
        "DATA": str(piano_folder),
        "OUT": str(out),
        "SET": "max_clips=6 steps_per_epoch=1",
    }
    done = subprocess.run(
        ["bash", str(root / "scripts/on-gpu.sh"), "grow"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == [
        "grow.log",
        "tiny-r4.json",
        "tiny-r4.safetensors",
    ]
    assert read_state(out / "tiny-r4.safetensors")[1]["epoch"] == 1
    assert read_state(state)[1]["epoch"] == 0  # the state here is left for the copy back


@pytest.mark.parametrize("job", [[], ["nope"], ["grow", "paper-r4"]], ids=str)
def test_the_gpu_command_wants_one_known_job(job, tmp_path):
    import os
    import subprocess

    script = Path(__file__).parents[1] / "scripts/on-gpu.sh"
    env = {**os.environ, "OUT": str(tmp_path)}
    done = subprocess.run(["bash", str(script), *job], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "usage: bash scripts/on-gpu.sh grow|paper-r4" in done.stderr and done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing ran


def test_pack_takes_a_seeded_subset_of_the_training_speech_as_flac(state, tmp_path, capsys):
    import soundfile as sf

    from audiosr.data.patches import DataConfig, find_cache

    def packed(folder):
        info = [sf.info(str(f)) for f in sorted(folder.iterdir())]
        assert info and all(i.format == "FLAC" for i in info)
        seconds = sum(i.frames / i.samplerate for i in info)
        return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}, seconds

    every, _ = packed(pack_subset(state, tmp_path / "all", 100, progress=False))
    cache = find_cache(DataConfig(**read_state(state)[1]["data"]["data_config"]))
    assert len(every) == len(cache.clips("train"))  # less than asked for: all of them
    some, seconds = packed(pack_subset(state, tmp_path / "a", 1.5 / 60, seed=3, progress=False))
    assert seconds >= 1.5 and len(some) < len(every)  # at least what was asked, not all
    again, _ = packed(pack_subset(state, tmp_path / "b", 1.5 / 60, seed=3, progress=False))
    assert again == some  # the same seed, the same clips
    assert main(["pack", str(state), "--out", str(tmp_path / "a")]) == 2  # never mixed
    assert "not an empty folder" in capsys.readouterr().err
    assert packed(tmp_path / "a")[0] == some
    with pytest.raises(GrowingError, match="more than 0"):
        pack_subset(state, tmp_path / "c", 0)


def test_a_run_that_fails_midway_still_hands_its_epochs_to_the_state(state, tmp_path, monkeypatch):
    import audiosr.training.train as loop

    real = loop.one_epoch

    def fails_in_the_second(run, data, step_fn, disc_fn, epoch):
        if epoch == 2:
            raise RuntimeError("a bad example")
        return real(run, data, step_fn, disc_fn, epoch)

    monkeypatch.setattr(loop, "one_epoch", fails_in_the_second)
    with pytest.raises(RuntimeError, match="bad example"):
        grow(state, 10, runs_root=tmp_path / "runs", progress=False)  # 10 minutes: 2 epochs
    assert read_state(state)[1]["epoch"] == 1


def test_a_branch_goes_on_from_the_weights_and_budget_with_a_new_recipe(piano_folder, tmp_path):
    old = new_state(tmp_path / "old.safetensors", tiny_growing_params(piano_folder, "framenet"))
    _grow(old, tmp_path)
    weights, meta = read_state(old)
    new = branch_state(old, tmp_path / "new.safetensors", {"fill": "shift", "lr": 5e-4})
    got, branched = read_state(new)
    assert all(torch.equal(weights[k], got[k]) for k in weights)
    assert branched["epoch"] == meta["epoch"] == 1
    assert branched["history"] == meta["history"] and branched["growing"] == meta["growing"]
    assert branched["model_config"]["fill"] == "shift" and branched["train_config"]["lr"] == 5e-4
    assert branched["branches"] == [
        {"from": "old.safetensors", "epoch": 1, "set": {"fill": "shift", "lr": 5e-4}}
    ]
    assert load_model_file(new, ratio=4).fill == "shift"
    _grow(new, tmp_path)  # and it continues: epoch 2, its budget grown from the old one's
    assert read_state(new)[1]["epoch"] == 2
    assert read_state(new)[1]["growing"]["steps"] == 2 * meta["growing"]["steps"]
    # a branch put in the old state's place takes over its run folder with the new recipe
    again = branch_state(new, tmp_path / "again.safetensors", {"fill": "rectify"})
    again.replace(new)
    again.with_suffix(".json").replace(new.with_suffix(".json"))
    _grow(new, tmp_path)
    assert read_state(new)[1]["epoch"] == 3
    assert read_state(new)[1]["model_config"]["fill"] == "rectify"
    with pytest.raises(GrowingError, match="change shape"):
        branch_state(old, tmp_path / "wide.safetensors", {"width": 1 / 8})
    with pytest.raises(GrowingError, match="not a model"):
        branch_state(old, tmp_path / "typo.safetensors", {"fil": "shift"})
    # a recipe that adds weights starts them fresh and says so; dropping weights is refused
    mixed = branch_state(old, tmp_path / "mixed.safetensors", {"fill": "powers"})
    assert read_state(mixed)[1]["branches"][-1]["new_weights"] == ["carrier_mix"]
    assert "carrier_mix" in read_state(mixed)[0]
    assert load_model_file(mixed, ratio=4).fill == "powers"
    with pytest.raises(GrowingError, match="no place"):
        branch_state(mixed, tmp_path / "back.safetensors", {"fill": "rectify"})
    with pytest.raises(FileExistsError):
        branch_state(old, new, {"fill": "rectify"})


def test_a_branch_to_another_ratio_starts_its_history_afresh_and_carries_the_budget(
    piano_folder, tmp_path
):
    old = new_state(tmp_path / "r4.safetensors", tiny_growing_params(piano_folder, "framenet"))
    _grow(old, tmp_path)
    weights, meta = read_state(old)
    new = branch_state(old, tmp_path / "r2.safetensors", {"ratio": 2})
    got, branched = read_state(new)
    assert all(torch.equal(weights[k], got[k]) for k in weights)
    assert branched["model_config"]["ratio"] == branched["data"]["data_config"]["ratio"] == 2
    assert branched["epoch"] == 0 and branched["history"] == []
    assert branched["inherited"] == branched["growing"] == meta["growing"]
    _grow(new, tmp_path)  # its own epoch 1, on the new task's data, added to the old time
    grown = read_state(new)[1]
    assert grown["epoch"] == 1 and len(grown["history"]) == 1
    assert grown["data"]["data_config"]["ratio"] == 2 and "-r2-" in grown["data"]["cache"]
    assert grown["growing"]["cpu_hours"] > meta["growing"]["cpu_hours"]
    assert grown["growing"]["steps"] == 2 * meta["growing"]["steps"]
    load_model_file(new, ratio=2)  # a model for r = 2 now, refused at r = 4
    with pytest.raises(ValueError, match="ratio 2"):
        load_model_file(new, ratio=4)
    # a further branch at the same ratio keeps the carried time, counted once
    again = branch_state(new, tmp_path / "again.safetensors", {"lr": 5e-4})
    assert read_state(again)[1]["growing"] == grown["growing"]


def test_a_branch_to_other_audio_is_another_task_too(piano_folder, tmp_path):
    old = new_state(tmp_path / "speech.safetensors", tiny_growing_params(piano_folder, "framenet"))
    _grow(old, tmp_path)
    other = piano_pieces(tmp_path / "other")
    meta = read_state(old)[1]
    new = branch_state(old, tmp_path / "piano.safetensors", {"dataset": str(other)})
    branched = read_state(new)[1]
    assert branched["data"]["data_config"]["dataset"] == str(other)
    assert branched["epoch"] == 0 and branched["history"] == []
    assert branched["inherited"] == meta["growing"]
    same = branch_state(old, tmp_path / "lr.safetensors", {"lr": 5e-4})  # the same task
    assert read_state(same)[1]["history"] == meta["history"] != []


def test_fill_levels_on_the_states_validation_files_beside_other_models(
    piano_folder, model_file, tmp_path, capsys
):
    """`fill levels --validation --beside`: the state at each fill gain, then other models, on
    the run's own whole validation files (an untrained frame model is the identity: its fill is
    next to nothing at any gain: the same SNR)."""
    from audiosr.evaluation.fill import main as fill_main

    params = tiny_growing_params(piano_folder, "framenet", fill="rectify", degrade=True)
    path = new_state(tmp_path / "state" / "frames-r4.safetensors", params)
    args = ["levels", "--validation", "--model", str(path), "--gains", "0", "1"]
    assert fill_main([*args, "--beside", str(model_file)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    rows = [line.split(" | ")[1:] for line in lines if not line.startswith("| fill gain")]
    assert len(lines) == 5 and lines[3].startswith("| model, on the same files")
    assert rows[0][0] == rows[1][0]  # gains 0 and 1 of an identity network
    assert lines[4].startswith(f"| {model_file} | ") and rows[2] != rows[0]


def test_ship_writes_the_state_as_a_model_at_a_fill_level(state, piano_folder, tmp_path, capsys):
    from audiosr.inference.shipped import load_any

    frames = new_state(
        tmp_path / "f" / "frames-r4.safetensors",
        tiny_growing_params(piano_folder, "framenet", fill="rectify"),
    )
    out = tmp_path / "model.safetensors"
    assert main(["ship", str(frames), "-o", str(out), "--fill-gain", "0.25"]) == 0
    tensors, meta = read_safetensors(out)
    assert meta["model_config"]["fill_gain"] == 0.25 and "history" not in meta
    assert meta["shipped_from"] == "frames-r4.safetensors, epoch 0"
    assert load_any(out).fill_gain == 0.25
    assert all(torch.equal(tensors[k], v) for k, v in read_state(frames)[0].items())
    assert read_state(frames)[1]["model_config"]["fill_gain"] == 1.0  # the state is left as it is
    assert main(["ship", str(frames), "-o", str(out)]) == 2  # never over a file without --force
    assert main(["ship", str(frames), "-o", str(out), "--fill-gain", "9", "--force"]) == 2
    assert (
        main(["ship", str(state), "-o", str(tmp_path / "m.safetensors"), "--fill-gain", "1"]) == 2
    )
    assert "not a frame model with a tied fill" in capsys.readouterr().err
    tied = tmp_path / "tied.safetensors"
    assert (
        main(["ship", str(frames), "-o", str(tied), "--fill-gain", "0.5", "--tie-from", "0.8"]) == 0
    )
    assert load_any(tied).tie_from == 0.8 and load_any(tied).fill_gain == 0.5
    assert "--tie-from 0.8" in read_safetensors(tied)[1]["recipe"]
    assert (
        main(["ship", str(frames), "-o", str(tmp_path / "x.safetensors"), "--tie-from", "2"]) == 2
    )


def test_ship_half_stores_float16_weights_that_load_as_the_state_does(piano_folder, tmp_path):
    from audiosr.inference.shipped import load_any

    frames = new_state(
        tmp_path / "f" / "frames-r4.safetensors",
        tiny_growing_params(piano_folder, "framenet", fill="rectify"),
    )
    full, half = tmp_path / "full.safetensors", tmp_path / "half.safetensors"
    assert main(["ship", str(frames), "-o", str(full)]) == 0
    assert main(["ship", str(frames), "-o", str(half), "--half"]) == 0
    tensors, meta = read_safetensors(half)
    assert {v.dtype for v in tensors.values() if v.is_floating_point()} == {torch.float16}
    assert meta["weights"] == "float16" and "--half" in meta["recipe"]
    assert half.stat().st_size < 0.6 * full.stat().st_size
    a, b = load_any(full).state_dict(), load_any(half).state_dict()
    assert all(v.dtype == a[k].dtype for k, v in b.items())  # float32 again once loaded
    weights = [k for k, v in a.items() if v.is_floating_point() and v.abs().sum() > 0]
    err = sum((a[k] - b[k]).pow(2).sum() for k in weights) / sum(a[k].pow(2).sum() for k in weights)
    assert 0 < err < 1e-6  # rounded, not lost


def test_a_stretch_of_epochs_is_a_row_of_the_budget_table():
    def row(epoch, snr):
        return {
            "epoch": epoch,
            "seconds": 600.0,
            "val_file_snr": snr,
            "sinc_file_snr": 10.0,
            "val_file_lsd_log10": 0.3,
            "sinc_file_lsd_log10": 1.0,
            "val_file_visqol": 4.0,
            "sinc_file_visqol": 3.5,
        }

    meta = {"history": [row(e, 10.0 - e / 10) for e in range(1, 9)], "inherited": {"cpu_hours": 2}}
    got = stretch(meta, 3, 8)
    assert got["epochs"] == "3-8" and got["training (min)"] == 60
    assert got["cumulative CPU-hours"] == round(2 + 8 * 600 / 3600, 2)  # epochs 1-8 and carried
    assert got["SNR - sinc (dB)"] == -0.6  # the last five: epochs 4-8
    assert got["LSD log10 / sinc"] == 0.3 and got["ViSQOL - sinc"] == 0.5
    with pytest.raises(GrowingError, match="none"):
        stretch(meta, 20, 30)
