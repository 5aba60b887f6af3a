"""Parameters: the notebooks' plain values, read from params/*.yaml files and `--set` overrides,
and turned into the configs the package works with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .data import DataConfig
from .model import ModelConfig
from .paths import resolve

if TYPE_CHECKING:  # train imports this module; the config class is imported where it is used
    from .train import TrainConfig


def load_params(paths: str | Path | list, overrides: list[str] = ()) -> dict:
    """Params files in order, each overriding the one before (params/paper.yaml, then a row's
    file), then KEY=VALUE overrides (YAML values)."""
    import yaml

    p = {}
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        path = resolve(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such params file.")
        p.update(yaml.safe_load(path.read_text()) or {})
    for kv in overrides:
        k, _, v = kv.partition("=")
        p[k] = yaml.safe_load(v)
    return p


def fields_for(cls, params: dict) -> dict:
    """The entries of `params` that are fields of the dataclass `cls`."""
    return {k: params[k] for k in cls.__dataclass_fields__ if k in params}


@dataclass
class Spec:
    """Which data, which model, which training: what a notebook's parameters or a params file name."""

    data: DataConfig
    model: ModelConfig
    train: TrainConfig


def configs_from(values: Mapping) -> Spec:
    """The configs that parameter values name: a notebook passes `globals()` right after its
    parameters cell, the command line a params file's dict. Values that are no config's field
    are ignored; fields without a value keep their defaults."""
    from .train import TrainConfig

    return Spec(
        DataConfig(**fields_for(DataConfig, values)),
        ModelConfig(**fields_for(ModelConfig, values)),
        TrainConfig(**fields_for(TrainConfig, values)),
    )
