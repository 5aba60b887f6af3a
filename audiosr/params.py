"""Parameters: the notebooks' plain values, read from params/*.yaml files and `--set` overrides,
and turned into the configs the package works with."""

from __future__ import annotations

from pathlib import Path

from .paths import resolve


def load_params(path: str | Path, overrides: list[str] = ()) -> dict:
    """A params/*.yaml file (the notebooks' parameters) with KEY=VALUE overrides (YAML values)."""
    import yaml

    path = resolve(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such params file.")
    p = yaml.safe_load(path.read_text()) or {}
    for kv in overrides:
        k, _, v = kv.partition("=")
        p[k] = yaml.safe_load(v)
    return p


def fields_for(cls, params: dict) -> dict:
    """The entries of `params` that are fields of the dataclass `cls`."""
    return {k: params[k] for k in cls.__dataclass_fields__ if k in params}
