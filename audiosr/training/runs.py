"""Runs: one folder per (data, model, objective) under runs/, named and found here.

`default_run_dir` names the folder, `ensure_cache` finds (or builds) the data cache a run trains
on, `run_for_params` resolves a params file to (data cache, model config, run folder) for the
command line, and `ensure_run` gives a run trained to the epochs asked for, as 03_train would
(the training itself is `audiosr.training.train`). A run folder holds `checkpoint.pt`, `best.pt`
(with whole-file validation), `config.json` and `history.json` / `history.csv`, each written
atomically.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from audiosr.core.paths import resolve
from audiosr.data.patches import (
    DataConfig,
    DatasetError,
    PatchCache,
    build_cache,
    find_cache,
)
from audiosr.networks.config import ModelConfig
from audiosr.training.params import configs_from


def default_run_dir(
    cache: PatchCache,
    model_cfg: ModelConfig,
    root: str | Path = "runs",
    objective: str = "mse",
    degrade: bool = False,
    init: str | None = None,
    adversarial: bool = False,
) -> Path:
    """runs/<data cache>--<model>: one folder per (data, architecture, objective, degraded
    inputs or not, starting model, adversarial stage or not), so runs never collide."""
    m = model_cfg
    if m.arch == "dnn":
        return resolve(root) / f"{cache.folder.name}--dnn-w{m.width:g}"
    net = m.variant if m.arch == "audiounet" else m.arch
    name = f"{cache.folder.name}--{net}-B{m.blocks}-w{m.width:g}"
    name += "" if m.upsample == "subpixel" else f"-{m.upsample}"
    name += "" if m.residual else "-nores"
    name += "" if m.skips else "-noskip"
    name += "-frontend" if m.front_end else ""
    name += "" if m.interp == "spline" else f"-{m.interp}"
    name += "-degraded" if degrade else ""
    name += f"-from-{Path(str(init)).stem}" if init else ""
    name += "" if objective == "mse" else f"-{objective}-loss"
    name += "-adversarial" if adversarial else ""
    return resolve(root) / name


def ensure_cache(
    data_cfg: DataConfig,
    root: str | Path = "data/cache",
    build: bool = True,
    progress: bool = False,
) -> PatchCache:
    """The data cache 01_data builds for `data_cfg`; when it is missing, built here with the same
    function (saying so) if `build`, else an error that says how to build it."""
    try:
        return find_cache(data_cfg, root=root)
    except DatasetError:
        if not build:
            raise
        print(
            f"no data cache for {data_cfg.dataset} at r = {data_cfg.ratio} yet: building it (as 01_data would)."
        )
        return build_cache(data_cfg, root=root, progress=progress)


def run_for_params(p: dict, build: bool = False) -> tuple[PatchCache, ModelConfig, Path]:
    """(data cache, model config, run folder) that a params dict names; a missing cache is built
    when `build` (saying so), else an error that says how to build it."""
    spec = configs_from(p)
    cache = ensure_cache(spec.data, p.get("cache_root", "data/cache"), build, progress=True)
    run = p.get("run_dir") or default_run_dir(
        cache,
        spec.model,
        objective=spec.train.objective,
        degrade=spec.train.degrade,
        init=spec.train.init,
        adversarial=spec.train.adversarial,
    )
    return cache, spec.model, resolve(run)


def ensure_run(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg,
    root: str | Path = "data/cache",
    train_missing: bool = True,
    progress: bool = True,
    runs_root: str | Path = "runs",
) -> Path:
    """The run folder for (data, model, objective), trained to `train_cfg.epochs` if it has fewer.

    With `train_missing=False` a missing or short run is an error that says which 03_train
    parameters make it, instead of training here.
    """
    from audiosr.networks.checkpoint import CHECKPOINT, load_checkpoint
    from audiosr.training import train as loop

    model_cfg = replace(model_cfg, ratio=data_cfg.ratio)
    cache = ensure_cache(data_cfg, root, build=train_missing)
    run = default_run_dir(
        cache,
        model_cfg,
        runs_root,
        train_cfg.objective,
        train_cfg.degrade,
        train_cfg.init,
        train_cfg.adversarial,
    )
    ckpt = run / CHECKPOINT
    done = load_checkpoint(ckpt)["epoch"] if ckpt.is_file() else 0
    if done >= train_cfg.epochs:
        return run
    if not train_missing:
        raise FileNotFoundError(
            f"{run} has {done} of {train_cfg.epochs} epochs. Train it with 03_train (data {data_cfg}, "
            f"model {model_cfg}), or set train_missing=True."
        )
    if progress:
        print(f"training {run.name} ({train_cfg.epochs} epochs) ...")
    loop.train(cache, model_cfg, train_cfg, run, resume=True, progress=progress)
    return run
