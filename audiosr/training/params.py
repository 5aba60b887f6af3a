"""Parameters: the notebooks' plain values, read from params/*.yaml files and `--set` overrides,
and turned into the configs the package works with."""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from audiosr.core.paths import resolve
from audiosr.data.patches import DataConfig
from audiosr.networks.config import ModelConfig
from audiosr.training.config import TrainConfig


class ParamsError(ValueError):
    """A params file or --set value that cannot be used; the message names the key and the fix."""


# Keys the command line reads besides the configs' fields (where caches and runs go).
PLACES = ("cache_root", "run_dir")


# The tiny CPU setting the notebooks share, at which nbval runs them: 01_data's data (and the
# patch cache it builds) and 03_train's training, as their parameters cells show them.
TINY_DATA = {
    "dataset": "embedded-speech", "task": "multi", "ratio": 4, "lowpass": True, "max_clips": 4,
    "patch_len": 6000, "stride": 3000, "cache_root": "data/cache",
}  # fmt: skip
TINY_TRAINING = {
    "width": 0.0625, "epochs": 1, "steps_per_epoch": 3, "batch_size": 8, "lr": 0.001,
    "val_batches": 2, "seed": 0,
}  # fmt: skip
_TRAINS = {**TINY_DATA, **TINY_TRAINING, "train_missing": True, "device": "auto"}  # trains runs

# Every setting a notebook reads, with the notebook's default; a config field not listed keeps
# its config's default (the paper's). A parameters cell shows a dozen of them, with these values
# (a test compares every cell with this table); every other one comes from here, a params file
# or the cell's one grouped value, `options` (`notebook_settings`). Kept in the package, not read
# from the notebooks, so that a params file is checked the same wherever the package is installed.
NOTEBOOK_DEFAULTS = {
    "01_data": {**TINY_DATA, "example": 0},
    "03_train": {**TINY_DATA, **TINY_TRAINING, "run_dir": None, "resume": True},
    "04_evaluate": {
        **_TRAINS, "ratios": [4], "paper_row": None, "dnn": True, "dnn_width": 1.0,
        "shipped": True, "piano_dataset": "embedded-piano", "table3_ratio": 2, "perceptual": False,
        "real_test_sets": ["vctk-sample"], "params_name": None, "figures_dir": "out/figures",
    },
    "05_figures": {
        **_TRAINS, "figure2_data": "vctk-sample", "figure2_clip": 0, "figure2_shipped": True,
        "params_name": None, "figures_dir": "out/figures",
    },
    "06_mushra": {
        **_TRAINS, "max_clips": 60, "n_clips": 4, "results_csv": None, "dnn": True,
        "dnn_width": 1.0, "shipped": True, "clips": None, "test_id": "audiosr-mushra",
        "mushra_dir": "out/mushra", "overwrite": True, "real_test_sets": ["vctk-sample"],
        "figures_dir": "out/figures",
    },
}  # fmt: skip


def config_classes() -> tuple:
    return DataConfig, ModelConfig, TrainConfig


def config_keys() -> set[str]:
    """The fields of the three configs: what a training or data command reads."""
    return {k for cls in config_classes() for k in cls.__dataclass_fields__}


def known_keys() -> set[str]:
    """Every key a params file may hold: a config field, a place, or a notebook's parameter."""
    return config_keys() | set(PLACES) | set(NOTEBOOK_KEYS)


# What the notebooks read besides the configs' fields and the places: which results to show,
# where figures and exports go, and `options`.
_READ = {"options", *(k for settings in NOTEBOOK_DEFAULTS.values() for k in settings)}
NOTEBOOK_KEYS = tuple(sorted(_READ - config_keys() - set(PLACES)))


TYPED_PATHS = ("run_dir", "cache_root", "dataset")  # --set keys that may name a folder


def load_params(
    paths: str | Path | list,
    overrides: list[str] = (),
    known: set[str] | None = None,
    typed: Mapping | None = None,
) -> dict:
    """Params files in order, each overriding the one before (params/paper.yaml, then a row's
    file), then KEY=VALUE overrides (YAML values), then `typed` values (a notebook's
    -p pairs). A key not in `known` (default: `known_keys()`) is an error (a typo would
    otherwise be dropped silently), as is a number that is not finite, or a missing, empty or
    unreadable file: one check for every way a value arrives."""
    import yaml

    p = {}
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        given, path = path, Path(path) if Path(path).is_file() else resolve(path)
        if not path.is_file():
            raise ParamsError(
                f"{given}: no such params file (looked in the current folder and {resolve('.')})."
            )
        try:
            values = yaml.safe_load(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise ParamsError(f"{path}: not a text file (a params file is YAML).") from None
        except yaml.YAMLError as e:
            raise ParamsError(f"{path}: not readable YAML ({str(e).splitlines()[0]}).") from None
        if values is None:  # every setting at its default would be the paper's full run
            raise ParamsError(f"{path}: empty; a params file holds KEY: VALUE lines.")
        if not isinstance(values, dict):
            raise ParamsError(f"{path}: holds {type(values).__name__}, not KEY: VALUE lines.")
        p.update(values)
    for kv in overrides:
        k, eq, v = kv.partition("=")
        if not eq or not k:
            raise ParamsError(f"--set {kv!r}: write KEY=VALUE, e.g. --set epochs=2.")
        try:
            p[k] = yaml.safe_load(v)
        except yaml.YAMLError:
            p[k] = v
        if k in TYPED_PATHS and isinstance(p[k], str) and not Path(p[k]).is_absolute():
            # typed at the command line: relative to the current folder, as -o is (params
            # files keep theirs relative to the project, which notebooks share)
            if k != "dataset" or (Path(p[k]).exists() and not resolve(p[k]).exists()):
                p[k] = str(Path(p[k]).resolve())  # (a dataset's name stays a name)
    p.update(typed or {})
    problem = unknown_keys(p, known_keys() if known is None else known)
    if problem:
        raise ParamsError(problem)
    for k, v in p.items():  # YAML reads .inf and .nan as numbers; no setting means them
        if isinstance(v, float) and not math.isfinite(v):
            raise ParamsError(f"{k}={v}: a finite number.")
    return p


def unknown_keys(given, known: set[str]) -> str | None:
    """What is wrong with the keys of `given` that are not `known` (naming the likely key for
    each typo, and all known ones), or None when every key is known."""
    unknown = sorted(set(given) - known)
    if not unknown:
        return None
    guesses = [g for k in unknown for g in difflib.get_close_matches(k, known, 1)]
    return (
        f"unknown key(s) {', '.join(unknown)}"
        + (f" (did you mean {', '.join(guesses)}?)" if guesses else "")
        + f"; known keys: {', '.join(sorted(known))}."
    )


def _typed(cls, name: str, value):
    """`value` as the type of `cls`'s field `name` (YAML reads 1e-4 as text, 2 where 2.0 is meant);
    a value that is not of that type is a ParamsError naming the key."""
    hint = typing.get_type_hints(cls)[name]
    kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in kinds:
        return None
    for kind in kinds:
        if kind is bool and isinstance(value, bool):
            return value
        if kind is str and isinstance(value, str):
            return value
        if kind in (int, float) and not isinstance(value, bool):
            try:
                number = float(value) if isinstance(value, str) else value
            except ValueError:
                continue
            if isinstance(number, float) and not math.isfinite(number):  # YAML reads "inf" as text
                raise ParamsError(f"{name}={value}: a finite number.")
            if kind is int and isinstance(number, float):
                if not number.is_integer():
                    continue
                number = int(number)
            if isinstance(number, (int, float)):
                return kind(number)
    wanted = " or ".join("none" if k is type(None) else k.__name__ for k in kinds)
    raise ParamsError(f"{name}={value!r}: must be {wanted}.")


def fields_for(cls, params: Mapping) -> dict:
    """The entries of `params` that are fields of the dataclass `cls`, as the fields' types."""
    return {k: _typed(cls, k, params[k]) for k in cls.__dataclass_fields__ if k in params}


@dataclass
class Spec:
    """Which data, which model, which training: what a notebook's parameters or a params file name."""

    data: DataConfig
    model: ModelConfig
    train: TrainConfig


def configs_from(values: Mapping) -> Spec:
    """The configs that parameter values name: a notebook passes `globals()` right after its
    parameters cell, the command line a params file's dict. Values that are no config's field
    are ignored; fields without a value keep their defaults. A value a config refuses (ratio=0)
    is a ParamsError with the config's reason."""
    configs = []
    for cls in config_classes():
        try:
            configs.append(cls(**fields_for(cls, values)))
        except ParamsError:
            raise
        except (TypeError, ValueError) as e:
            raise ParamsError(str(e)) from None
    return Spec(*configs)


def notebook_settings(notebook: str, values: Mapping) -> types.SimpleNamespace:
    """Every setting of `notebook` ("03_train") as one namespace: its defaults (NOTEBOOK_DEFAULTS),
    then the known keys of `values` (the notebook passes `globals()`: its parameters cell and
    whatever papermill injected), then `values["options"]`.
    A key in `options` that nothing reads is a ParamsError naming the likely one."""
    options = dict(values.get("options") or {})
    problem = unknown_keys(options, known_keys() - {"options"})
    if problem:
        raise ParamsError(f"options: {problem}")
    plain = (str, int, float, bool, list, tuple, dict, type(None))  # not a module of that name
    given = {
        k: v
        for k, v in values.items()
        if k in known_keys() and k != "options" and isinstance(v, plain)
    }
    return types.SimpleNamespace(**{**NOTEBOOK_DEFAULTS.get(notebook, {}), **given, **options})
