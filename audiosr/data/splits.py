"""A clip, the split it belongs to, and the shapes of the paper's splits: the last utterances of
one speaker (SingleSpeaker), whole speakers (MultiSpeaker), contiguous files (88 / 6 / 6).

Validation splits: the paper trains on its train split and reports on its test split; we carve a
validation split out of the *train* side (never the test side) to monitor training, so the test
split stays exactly the paper's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("train", "val", "test")
TASKS = ("single", "multi")
VAL_UTTERANCES = 8  # single-speaker val: the last 8 of the paper's train utterances
VAL_SPEAKERS = 1  # multi-speaker val: the last of the paper's train speakers
PIANO_FRACTIONS = (0.88, 0.06, 0.06)


@dataclass(frozen=True)
class Clip:
    """One audio file and where it belongs."""

    path: Path
    group: str  # speaker, voice or piece: what splits keep together
    split: str  # train, val or test


class DatasetError(ValueError):
    """A dataset that cannot be used as given; the message says what to do."""


def natural_key(s: str):
    """Sort key that puts p2 before p10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def split_single(
    files: list[Path], group: str, n_test: int, n_val: int = VAL_UTTERANCES
) -> list[Clip]:
    """Last `n_test` utterances test, the `n_val` before them val, the rest train."""
    if len(files) < n_test + n_val + 1:
        raise DatasetError(
            f"speaker {group} has {len(files)} utterances; a single-speaker split needs more than "
            f"{n_test + n_val} ({n_test} test + {n_val} val)."
        )
    n_train = len(files) - n_test - n_val
    splits = ["train"] * n_train + ["val"] * n_val + ["test"] * n_test
    return [Clip(p, group, s) for p, s in zip(files, splits)]


def split_multi(
    speakers: dict[str, list[Path]], n_train: int, n_test: int, n_val: int = VAL_SPEAKERS
) -> list[Clip]:
    """First `n_train` speakers train (their last `n_val` become val), last `n_test` speakers test."""
    names = list(speakers)
    if len(names) < n_train + n_test or n_train <= n_val:
        raise DatasetError(
            f"{len(names)} speakers; a multi-speaker split needs {n_train} train (incl. {n_val} val) "
            f"+ {n_test} test."
        )
    role = {s: "train" for s in names[: n_train - n_val]}
    role.update({s: "val" for s in names[n_train - n_val : n_train]})
    role.update({s: "test" for s in names[len(names) - n_test :]})
    return [Clip(p, s, role[s]) for s in names if s in role for p in speakers[s]]


def split_by_file(files: list[Path], fractions=PIANO_FRACTIONS) -> list[Clip]:
    """Contiguous 88 / 6 / 6 split in sorted order (the paper's piano split); each split >= 1 file."""
    n = len(files)
    if n < 3:
        raise DatasetError(f"{n} audio file(s); a train / val / test split needs at least 3.")
    n_val = max(1, round(fractions[1] * n))
    n_test = max(1, round(fractions[2] * n))
    splits = ["train"] * (n - n_val - n_test) + ["val"] * n_val + ["test"] * n_test
    return [Clip(p, p.stem, s) for p, s in zip(files, splits)]


def by_split(clips: list[Clip]) -> dict[str, list[Clip]]:
    return {s: [c for c in clips if c.split == s] for s in SPLITS}
