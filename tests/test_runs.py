"""Runs made on demand: trained once, found the second time, never silently when told not to."""

import pytest

import audiosr.training.train as train_mod
from audiosr.data.patches import DataConfig
from audiosr.data.splits import DatasetError
from audiosr.networks.checkpoint import load_checkpoint
from audiosr.networks.config import ModelConfig
from audiosr.training.config import TrainConfig
from audiosr.training.runs import ensure_run


def test_ensure_run_trains_once_then_finds_it(piano_folder, tmp_path, monkeypatch):
    data = DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=2048, max_clips=4)
    model = ModelConfig(blocks=2, width=1 / 16)  # ratio comes from the data
    cfg = TrainConfig(epochs=1, batch_size=4, steps_per_epoch=2, device="cpu")
    kw = dict(root=tmp_path / "cache", runs_root=tmp_path / "runs", progress=False)
    with pytest.raises(DatasetError, match="01_data"):  # no cache and no run: told, nothing built
        ensure_run(data, model, cfg, train_missing=False, **kw)
    run = ensure_run(data, model, cfg, **kw)
    assert load_checkpoint(run / "checkpoint.pt")["epoch"] == 1
    assert load_checkpoint(run / "checkpoint.pt")["model_config"]["ratio"] == 2

    def no_training(*a, **k):
        raise AssertionError("retrained a finished run")

    monkeypatch.setattr(train_mod, "train", no_training)
    assert ensure_run(data, model, cfg, **kw) == run
    assert ensure_run(data, model, cfg, train_missing=False, **kw) == run
    with pytest.raises(FileNotFoundError, match="03_train"):  # asks for more epochs than it has
        ensure_run(data, model, TrainConfig(epochs=2, device="cpu"), train_missing=False, **kw)
