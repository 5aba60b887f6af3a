"""The training command, the same under `audiosr train`, `python -m audiosr.training.train` and
torchrun: params files and --set values to a run folder, errors as one line."""

from __future__ import annotations

import sys
from pathlib import Path

from audiosr.core import distrib


def add_arguments(ap) -> None:
    """The training command's flags, the same under `audiosr train` and `python -m audiosr.training.train`."""
    ap.add_argument(
        "-f",
        "--params",
        required=True,
        action="append",
        help="a params/*.yaml file (the notebooks' parameters); repeat to apply several in order",
    )
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override parameters")
    ap.add_argument("--run-dir", default=None, help="default: runs/<data>--<model>")
    ap.add_argument("--no-resume", action="store_true", help="refuse to continue an existing run")


def main(argv=None) -> int:
    """The training command, over the same functions as 03_train, and the torchrun entry point:

    audiosr train -f params/demo.yaml [--set epochs=2 ...]      (or python -m audiosr.training.train)
    torchrun --nproc_per_node 8 -m audiosr.training.train -f params/paper.yaml -f params/paper-multispeaker-r4.yaml
    """
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m audiosr.training.train", description="Train AudioUNet on a data cache."
    )
    add_arguments(ap)
    return command(ap.parse_args(argv))


def command(args) -> int:
    """Train what parsed `add_arguments` flags name; a bad params file, dataset or device is one
    line on stderr and exit code 2, a run that cannot go on exit code 1."""
    from audiosr.core.signals import interruptible
    from audiosr.data.splits import DatasetError
    from audiosr.networks.checkpoint import CheckpointError
    from audiosr.training.params import ParamsError, configs_from, load_params
    from audiosr.training.runs import run_for_params
    from audiosr.training.train import TrainingError, train

    with interruptible("the run keeps its last checkpoint; the same command resumes it") as stop:
        try:
            p = load_params(args.params, args.set, typed=_run_dir(args.run_dir))
            train_cfg = configs_from(p).train
            distrib.pick_device(train_cfg.device)  # a device this machine lacks: before any work
            cache, model_cfg, run_dir = run_for_params(p, build=True)
        except (ParamsError, DatasetError, distrib.DeviceError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        try:
            train(cache, model_cfg, train_cfg, run_dir, resume=not args.no_resume)
        except (TrainingError, CheckpointError, OSError) as e:  # OSError: a full disk, a
            print(f"error: {e}", file=sys.stderr)  # read-only folder, an existing run
            return 1
        finally:
            distrib.teardown()
    return stop.code


def _run_dir(typed: str | None) -> dict:
    """--run-dir as a run_dir value: relative to the current folder, as `--set run_dir=` and
    every path typed at the command line are (params files keep theirs relative to the project)."""
    from audiosr.training.params import ParamsError

    if typed == "":  # Path("") is the current folder: never what an empty argument meant
        raise ParamsError('--run-dir "": an empty path; name a folder, or leave it out.')
    return {} if typed is None else {"run_dir": str(Path(typed).resolve())}
