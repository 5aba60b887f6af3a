"""A run whose state lives in the repository, so that the training time of every day adds up.

A growing run trains one model for a time budget, then writes its compact state back in place:
one `.safetensors` file (the weights, and in its metadata the model, data and training settings,
the epoch its schedule has reached, every epoch's validation row and the cumulative training
time per kind of machine) and the same metadata as JSON beside it. The state is replaced, never
added to, and stays small (a few MB: no optimizer moments, which would triple it). The next run,
on this machine or a GPU machine, continues from it: the epoch count, the data order and the
schedule go on where they stopped; the optimizer's moments start afresh and the learning rate
warms up again over `warmup_steps`. The state is a model file too: `audiosr upsample
--checkpoint` takes it.

A new recipe whose network keeps the weights' shapes (another loss, learning rate, or how a
frame model fills the missing band) need not start from nothing: `branch` makes a new state
that goes on from an old one's weights, epoch and budget, and records the change. A frame
model's weights do not depend on the ratio, so a branch can also take them to another ratio
or other audio (speech to piano); that is another task, so its history and epoch start afresh
and the old training time is carried over as ``inherited`` (the budget counts both).

    python -m audiosr.training.growing new STATE -f params/growing-magphase-r4.yaml
    python -m audiosr.training.growing continue STATE --minutes 60
    python -m audiosr.training.growing continue STATE --minutes 8 --device cuda --out DIR
    python -m audiosr.training.growing branch STATE NEW_STATE --set fill=shift
    python -m audiosr.training.growing branch STATE_R4 STATE_R2 --set ratio=2
    python -m audiosr.training.growing branch STATE_R4 STATE_PIANO --set dataset=embedded-piano
    python -m audiosr.training.growing pack STATE --minutes 100 --out .gpuupload/speech-subset
    python -m audiosr.training.growing ship STATE -o model.safetensors --fill-gain 0.25
    python -m audiosr.training.growing ship STATE -o model.safetensors --fill-gain 0.375 --tie-from 0.8
    python -m audiosr.training.growing stretch STATE 360 375    # a row of the budget table

`pack` takes a seeded subset of the run's training speech, as FLAC files in one folder, to a GPU
machine that cannot read the shared corpora (`bash scripts/on-gpu.sh grow` trains on it there).
`ship` writes the state's weights as a model file of its own, a frame model's fill above the
low-res band at a level of its choosing (`fill_gain`: 1 as trained, 0 none); the state is left
as it is.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, replace
from pathlib import Path

import torch

from audiosr.core.paths import resolve
from audiosr.data.patches import DataConfig
from audiosr.inference.shipped import save_model  # at import: an hours-long run must still save
from audiosr.networks.checkpoint import (
    CHECKPOINT,
    load_checkpoint,
    read_safetensors,
    save_checkpoint,
)
from audiosr.networks.config import ModelConfig, build_model
from audiosr.training.config import TrainConfig

MAX_STATE_MB = 20  # what the repository may hold per growing model
RUN_ONLY = ("max_minutes", "device", "threads")  # set per run, not part of the recipe
TASK = ("dataset", "ratio", "sr", "task")  # data settings that make a branch another task
FOREVER = 1_000_000  # epochs: a growing run is stopped by its time budget, not by a count


class GrowingError(RuntimeError):
    """The state cannot be read, continued or written; the message says why."""


def budget(history: list[dict]) -> dict:
    """Training time so far, per kind of machine: CPU hours and GPU minutes (training steps
    only; validation is not counted)."""
    seconds = {"cpu": 0.0, "cuda": 0.0}
    for row in history:
        kind = "cuda" if row.get("device") == "cuda" else "cpu"
        seconds[kind] += float(row.get("seconds", 0.0))
    return {"cpu_hours": seconds["cpu"] / 3600, "gpu_minutes": seconds["cuda"] / 60}


def cumulative(history: list[dict], meta: dict) -> dict:
    """The state's training so far: its own epochs' time and steps, plus what the weights it
    was branched from had cost on another task (``inherited``)."""
    own = {**budget(history), "steps": sum(int(r.get("steps", 0)) for r in history)}
    before = meta.get("inherited", {})
    return {k: v + before.get(k, 0) for k, v in own.items()}


def read_state(path: str | Path) -> tuple[dict, dict]:
    """(weights, metadata) of a growing state."""
    path = resolve(path)
    tensors, meta = read_safetensors(path)
    if "growing" not in meta:
        raise GrowingError(f"{path}: a model file, but not a growing run's state.")
    return tensors, meta


def write_state(path: str | Path, model_state: dict, epoch: int, history: list[dict], meta: dict):
    """The state, atomically, in place (the JSON beside it too); refused over `MAX_STATE_MB`."""
    meta = {**meta, "epoch": epoch, "history": history, "growing": cumulative(history, meta)}
    size = sum(v.numel() * v.element_size() for v in model_state.values()) / 2**20
    if size > MAX_STATE_MB:
        raise GrowingError(
            f"{size:.1f} MB of weights: a growing state holds at most {MAX_STATE_MB}."
        )
    return save_model(model_state, path, meta, replace=True)


def new_state(path: str | Path, params: dict) -> Path:
    """An untrained state for the run `params` describe (refused where one exists)."""
    from audiosr.training.params import configs_from

    path = resolve(path)
    if path.exists():
        raise FileExistsError(f"{path}: a growing state is already there; continue it instead.")
    spec = configs_from(params)
    model_cfg = replace(spec.model, ratio=spec.data.ratio)
    torch.manual_seed(spec.train.seed)
    model = build_model(model_cfg)
    meta = {
        "model_config": asdict(model_cfg),
        "train_config": asdict(replace(spec.train, epochs=FOREVER, max_minutes=None)),
        "data": {"data_config": asdict(spec.data)},
    }
    return write_state(path, model.state_dict(), 0, [], meta)


def branch_state(source: str | Path, target: str | Path, changes: dict) -> Path:
    """A new state at `target` that goes on from `source`'s weights, epoch, history and budget
    with `changes` to its model, data or training settings (the network's weights must keep
    their shapes); the change is recorded in its metadata under ``branches``."""
    source, target = resolve(source), resolve(target)
    if target.exists():
        raise FileExistsError(f"{target}: a growing state is already there.")
    tensors, meta = read_state(source)
    groups = {"model_config": ModelConfig, "data": DataConfig, "train_config": TrainConfig}
    settings = {
        "model_config": dict(meta["model_config"]),
        "data": dict(meta["data"]["data_config"]),
        "train_config": dict(meta["train_config"]),
    }
    for key, value in changes.items():  # a setting two groups share (ratio) changes in both
        owners = [g for g, cls in groups.items() if key in cls.__dataclass_fields__]
        if not owners:
            raise GrowingError(f"{key}: not a model, data or training setting.")
        for group in owners:
            settings[group][key] = value
    model_cfg = ModelConfig(**settings["model_config"])
    model = build_model(model_cfg)
    try:  # weights the new recipe adds start from their own initial values
        added, unexpected = model.load_state_dict(tensors, strict=False)
    except RuntimeError as e:
        raise GrowingError(
            f"{changes}: the network's weights change shape; start a new state."
        ) from e
    if unexpected:
        raise GrowingError(f"{changes}: the new network has no place for {unexpected}.")
    tensors = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    data = {"data_config": asdict(DataConfig(**settings["data"]))}
    if settings["data"] == meta["data"]["data_config"]:
        data = meta["data"]  # the same data: keep its cache's name
    record = {"from": source.name, "epoch": meta["epoch"], "set": changes}
    if added:
        record["new_weights"] = added
    epoch, history = meta["epoch"], meta["history"]
    if any(settings["data"][k] != meta["data"]["data_config"][k] for k in TASK):
        # another task: its validation rows would rank the new one's epochs against the old
        # task's, so the history starts afresh and the old training time is carried over
        meta = {**meta, "inherited": meta["growing"]}
        epoch, history = 0, []
    meta = {
        **meta,
        "model_config": asdict(model_cfg),
        "train_config": asdict(TrainConfig(**settings["train_config"])),
        "data": data,
        "branches": [*meta.get("branches", []), record],
    }
    return write_state(target, tensors, epoch, history, meta)


def recipe(meta: dict) -> tuple[dict, dict]:
    """The model and training settings a state or checkpoint was made with, every field filled
    in (so files of different ages compare alike), less what is set per run."""
    train = asdict(TrainConfig(**meta["train_config"]))
    return asdict(ModelConfig(**meta["model_config"])), {
        k: v for k, v in train.items() if k not in RUN_ONLY
    }


def seed_run(tensors: dict, meta: dict, run_dir: Path, cache) -> None:
    """Write the run folder's checkpoint from the state, unless the folder's own is as far or
    further along with the same recipe (then it resumes with its optimizer moments; a branched
    state's new recipe always starts from the state)."""
    ckpt = run_dir / CHECKPOINT
    if ckpt.is_file():
        own = load_checkpoint(ckpt)
        same = recipe(own) == recipe(meta)
        if same and own["epoch"] >= meta["epoch"]:
            return
    from audiosr.training.train import make_optimizer

    model_cfg = ModelConfig(**meta["model_config"])
    train_cfg = TrainConfig(**meta["train_config"])
    model = build_model(model_cfg)
    model.load_state_dict(tensors)
    data_info = {"cache": cache.folder.name, "data_config": asdict(cache.config)}
    fresh = make_optimizer(model, train_cfg)  # empty moments: train() warms up again
    run_dir.mkdir(parents=True, exist_ok=True)
    save_checkpoint(
        ckpt, model, fresh, meta["epoch"], meta["history"], model_cfg, train_cfg, data_info
    )


def grow(
    state: str | Path,
    minutes: float,
    device: str | None = None,
    out: str | Path | None = None,
    runs_root: str | Path = "runs",
    threads: int | None = None,
    progress: bool = True,
    overrides: dict | None = None,
) -> Path:
    """Continue the growing run in `state` for about `minutes` of training (the epoch that
    passes it is finished), then write the state back (or to `out`, a folder, for a machine
    that only brings back files). Returns the written state. `overrides`: data or training
    settings changed for this run only (a smaller dataset or batch for a check, a subset of
    the data taken to a GPU machine): the state keeps its recipe's."""
    from audiosr.training.runs import ensure_cache
    from audiosr.training.train import train

    state = resolve(state)
    tensors, meta = read_state(state)
    over = dict(overrides or {})
    data = {k: over.pop(k) for k in list(over) if k in DataConfig.__dataclass_fields__}
    unknown = sorted(set(over) - set(TrainConfig.__dataclass_fields__))
    if unknown:
        raise GrowingError(f"{', '.join(unknown)}: not a data or training setting.")
    data_cfg = DataConfig(**{**meta["data"]["data_config"], **data})
    cache = ensure_cache(data_cfg, progress=progress)
    model_cfg = ModelConfig(**meta["model_config"])
    cfg = TrainConfig(**{**meta["train_config"], **over})
    cfg = replace(cfg, max_minutes=minutes, device=device or cfg.device, threads=threads)
    run_dir = resolve(runs_root) / f"growing-{state.stem}"
    seed_run(tensors, meta, run_dir, cache)
    target = state if out is None else resolve(out) / state.name
    try:
        train(cache, model_cfg, cfg, run_dir, resume=True, progress=progress)
    finally:  # stopped by an error or a signal, the epochs it finished still reach the state
        last = load_checkpoint(run_dir / CHECKPOINT)
        if not data:  # the recipe's data, now with its cache's name (a check's data stays out)
            meta = {**meta, "data": last["data"]}
        if last["epoch"] > meta["epoch"] or target != state:
            write_state(target, last["model"], last["epoch"], last["history"], meta)
    if progress:
        b = cumulative(last["history"], meta)
        print(
            f"{target}: epoch {last['epoch']}, {b['cpu_hours']:.2f} CPU-hours and "
            f"{b['gpu_minutes']:.1f} GPU-minutes of training so far."
        )
    return target


def pack_subset(
    state: str | Path,
    out: str | Path,
    minutes: float = 100.0,
    seed: int = 0,
    progress: bool = True,
) -> Path:
    """Write a seeded shuffle of the state's training clips into the folder `out` as FLAC until
    they hold `minutes` of audio (or all of them): the run's data for a machine that has only
    this folder. The data cache is built here if missing (as `continue` would). An `out` that
    holds anything is refused, so that two subsets never mix."""
    import numpy as np
    import soundfile as sf

    from audiosr.core.paths import atomic_path
    from audiosr.training.runs import ensure_cache

    if not math.isfinite(minutes) or minutes <= 0:
        raise GrowingError(f"--minutes {minutes}: more than 0 minutes of audio to pack.")
    out = resolve(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out}: not an empty folder; remove it or choose another --out.")
    _, meta = read_state(state)
    cache = ensure_cache(DataConfig(**meta["data"]["data_config"]), progress=progress)
    clips, hr, sr = cache.clips("train"), cache.array("train", "hr"), cache.config.sr
    if not clips:
        raise GrowingError(f"{cache.folder}: no training clips to pack.")
    total = 0
    with atomic_path(out) as tmp:  # all of the subset or nothing
        tmp.mkdir()
        for n, i in enumerate(np.random.default_rng(seed).permutation(len(clips))):
            c = clips[i]
            sf.write(tmp / f"clip-{n:05d}.flac", hr[c["offset"] : c["offset"] + c["length"]], sr)
            total += c["length"]
            if total >= minutes * 60 * sr:
                break
    if progress:
        print(f"{out}: {n + 1} clips, {total / sr / 60:.1f} minutes")
    return out


def ship_state(
    state: str | Path,
    out: str | Path,
    fill_gain: float | None = None,
    force=False,
    half=False,
    tie_from: float | None = None,
):
    """The state's weights as a model file (its recipe, epoch and budget in the metadata, the
    epoch-by-epoch history left out), a frame model's fill at `fill_gain` and starting at
    `tie_from` of the low-res band where given; `half` stores the weights as float16 (half the
    file; loading converts them back to float32)."""
    tensors, meta = read_state(state)
    config = dict(meta["model_config"])
    for key, value in (("fill_gain", fill_gain), ("tie_from", tie_from)):
        if value is None:
            continue
        if config.get("arch") != "framenet" or config.get("fill", "free") == "free":
            flag = "--" + key.replace("_", "-")
            raise GrowingError(f"{state}: not a frame model with a tied fill; {flag} needs one.")
        config[key] = value
    try:  # a level out of range is refused here, before anything is written
        ModelConfig(**config)
    except ValueError as e:
        raise GrowingError(f"{state}: {e}") from None
    shipped = {k: v for k, v in meta.items() if k != "history"}
    recipe = f"python -m audiosr.training.growing ship {state} -o {out}"
    recipe += f" --fill-gain {fill_gain:g}" if fill_gain is not None else ""
    recipe += f" --tie-from {tie_from:g}" if tie_from is not None else ""
    recipe += " --half" if half else ""
    shipped |= {
        "model_config": config,
        "shipped_from": f"{Path(state).name}, epoch {meta['epoch']}",
        "recipe": f"{recipe} (the state at epoch {meta['epoch']})",
        "weights": "float16" if half else "float32",
    }
    if half:
        tensors = {k: v.half() if v.is_floating_point() else v for k, v in tensors.items()}
    return save_model(tensors, out, shipped, replace=force)


def stretch(meta: dict, first: int, last: int, tail: int = 5) -> dict:
    """One row of the budget table: epochs `first`..`last` of a state's history, their training
    minutes, the cumulative CPU-hours at `last`, and the whole validation files' SNR and ViSQOL
    against sinc's and log10 LSD as a fraction of sinc's, averaged over the stretch's last
    `tail` epochs (one epoch's files swing)."""
    history = meta["history"]
    rows = [r for r in history if first <= r["epoch"] <= last and "val_file_snr" in r]
    if not rows:
        raise GrowingError(f"epochs {first}-{last}: none in the state's history.")
    # with what a branch carried over
    hours = cumulative([r for r in history if r["epoch"] <= last], meta)["cpu_hours"]
    end = rows[-tail:]

    def mean(f):
        return sum(f(r) for r in end) / len(end)

    return {
        "epochs": f"{rows[0]['epoch']}-{rows[-1]['epoch']}",
        "training (min)": round(sum(r.get("seconds", 0.0) for r in rows) / 60),
        "cumulative CPU-hours": round(hours, 2),
        "SNR - sinc (dB)": round(mean(lambda r: r["val_file_snr"] - r["sinc_file_snr"]), 2),
        "LSD log10 / sinc": round(
            mean(lambda r: r["val_file_lsd_log10"] / r["sinc_file_lsd_log10"]), 2
        ),
        "ViSQOL - sinc": round(mean(lambda r: r["val_file_visqol"] - r["sinc_file_visqol"]), 2),
    }


def main(argv=None) -> int:
    import argparse

    from audiosr.core.signals import interruptible
    from audiosr.training.params import ParamsError, load_params

    ap = argparse.ArgumentParser(
        prog="python -m audiosr.training.growing",
        description="Start or continue a training run whose state lives in the repository.",
    )
    sub = ap.add_subparsers(dest="action", required=True)
    a = sub.add_parser("new", help="an untrained state from params files")
    a.add_argument("state", help="the state's .safetensors path")
    a.add_argument("-f", "--params", action="append", required=True)
    a.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    c = sub.add_parser("continue", help="train for a time budget, then write the state back")
    c.add_argument("state")
    c.add_argument("--minutes", type=float, required=True, help="training time budget")
    c.add_argument("--device", default=None, help="cpu, cuda, ... (default: the recipe's)")
    c.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    c.add_argument("--out", default=None, help="write the state into this folder instead")
    c.add_argument("--runs-root", default="runs", help="where the run folder goes")
    c.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="for this run only")
    b = sub.add_parser("branch", help="a new state from an old one's weights, with a new recipe")
    b.add_argument("state", help="the state it goes on from")
    b.add_argument("new_state", help="the new state's .safetensors path")
    b.add_argument("--set", nargs="+", required=True, metavar="KEY=VALUE")
    p = sub.add_parser("pack", help="a seeded subset of the training speech as FLAC, for a GPU")
    p.add_argument("state")
    p.add_argument(
        "--minutes", type=float, default=100.0, help="audio to pack (FLAC: ~0.5 MB a minute)"
    )
    p.add_argument("--out", default=".gpuupload/speech-subset", help="an empty or new folder")
    p.add_argument("--seed", type=int, default=0, help="which clips, in which order")
    s = sub.add_parser("ship", help="the state's weights as a model file, at a fill level")
    s.add_argument("state")
    s.add_argument("-o", "--out", required=True, help="the model file (.safetensors)")
    s.add_argument("--fill-gain", type=float, default=None, help="a frame model's fill level")
    s.add_argument("--force", action="store_true", help="replace an existing file")
    s.add_argument("--half", action="store_true", help="float16 weights: half the file")
    s.add_argument(
        "--tie-from", type=float, default=None, help="where a rectified fill starts (band: 1)"
    )
    t = sub.add_parser("stretch", help="a row of the budget table: epochs FIRST to LAST")
    t.add_argument("state")
    t.add_argument("first", type=int)
    t.add_argument("last", type=int)
    args = ap.parse_args(argv)
    try:
        if args.action == "stretch":
            row = stretch(read_state(args.state)[1], args.first, args.last)
            print(" | ".join(row), "\n" + " | ".join(str(v) for v in row.values()))
            return 0
        if args.action == "new":
            print(new_state(args.state, load_params(args.params, args.set)))
            return 0
        if args.action == "branch":
            print(branch_state(args.state, args.new_state, load_params([], args.set)))
            return 0
        if args.action == "pack":
            pack_subset(args.state, args.out, args.minutes, args.seed)
            return 0
        if args.action == "ship":
            print(
                ship_state(
                    args.state, args.out, args.fill_gain, args.force, args.half, args.tie_from
                )
            )
            return 0
        if not math.isfinite(args.minutes) or args.minutes < 0:
            raise GrowingError(f"--minutes {args.minutes}: a budget of 0 or more minutes.")
        with interruptible("the run folder keeps its checkpoint; continue again to resume") as stop:
            over = load_params([], args.set) if args.set else {}
            grow(
                args.state,
                args.minutes,
                args.device,
                args.out,
                args.runs_root,
                threads=args.threads,
                overrides=over,
            )
        return stop.code
    except (GrowingError, ParamsError, FileExistsError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
