"""The runs a table or figure needs, found or made with the shared training code.

04_evaluate needs a model per ratio, the DNN baseline, piano models with and without the
low-pass filter; 05_figures needs the Figure 3 ablations. `03_train` makes one run and shows it;
`ensure_run` makes any other the same way (same functions, same run folder names), so each
notebook runs on its own and a second call finds the finished run instead of retraining.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .data import DataConfig, PatchCache, build_cache, find_cache
from .model import ModelConfig
from .train import CHECKPOINT, TrainConfig, default_run_dir, load_checkpoint, train


def ensure_cache(data_cfg: DataConfig, root: str | Path = "data/cache", build: bool = True) -> PatchCache:
    """The data cache for `data_cfg`, built (as 01_data would) when missing and `build`."""
    return build_cache(data_cfg, root=root, progress=False) if build else find_cache(data_cfg, root=root)


def ensure_run(data_cfg: DataConfig, model_cfg: ModelConfig, train_cfg: TrainConfig,
               root: str | Path = "data/cache", train_missing: bool = True, progress: bool = True,
               runs_root: str | Path = "runs") -> Path:
    """The run folder for (data, model), trained to `train_cfg.epochs` if it has fewer epochs.

    With `train_missing=False` a missing or short run is an error that says which 03_train
    parameters make it, instead of training here.
    """
    model_cfg = replace(model_cfg, ratio=data_cfg.ratio)
    cache = ensure_cache(data_cfg, root, build=train_missing)
    run = default_run_dir(cache, model_cfg, runs_root, train_cfg.objective)
    ckpt = run / CHECKPOINT
    done = load_checkpoint(ckpt)["epoch"] if ckpt.is_file() else 0
    if done >= train_cfg.epochs:
        return run
    if not train_missing:
        raise FileNotFoundError(
            f"{run} has {done} of {train_cfg.epochs} epochs. Train it with 03_train (data {data_cfg}, "
            f"model {model_cfg}), or set train_missing=True.")
    if progress:
        print(f"training {run.name} ({train_cfg.epochs} epochs) ...")
    train(cache, model_cfg, train_cfg, run, resume=True, progress=progress)
    return run
