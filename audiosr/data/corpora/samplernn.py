"""SampleRNN's music set, the paper's piano data: 8-second parts `p<i>.flac` in one folder, and
the split SampleRNN's preprocessing made of them (sorted as strings, shuffled with seed 123, the
last 256 test, the 256 before them validation)."""

from __future__ import annotations

import re
from pathlib import Path

from audiosr.data.splits import Clip, DatasetError, natural_key

SAMPLERNN_PART = re.compile(r"p\d+")
SAMPLERNN_SEED = 123
SAMPLERNN_HOLDOUT = 256


def is_samplernn_parts(files: list[Path]) -> bool:
    """SampleRNN's preprocessing output: only p<i>.flac / .wav in one folder, more than 512."""
    return (
        len(files) > 2 * SAMPLERNN_HOLDOUT
        and len({p.parent for p in files}) == 1
        and all(SAMPLERNN_PART.fullmatch(p.stem) for p in files)
    )


def _python2_shuffle(items: list, seed: int) -> None:
    """random.shuffle as Python 2.7 did it (SampleRNN's script ran on Python 2): Python 3's
    Mersenne Twister gives the same random() stream for the same integer seed, but its
    shuffle draws indices differently, so the permutation must be rebuilt from random()."""
    import random

    rng = random.Random(seed)
    for i in reversed(range(1, len(items))):
        j = int(rng.random() * (i + 1))
        items[i], items[j] = items[j], items[i]


def samplernn_clips(files: list[Path], holdout: int = SAMPLERNN_HOLDOUT) -> list[Clip]:
    """The paper's piano split, SampleRNN's: parts sorted by path as strings (p10 before p2, as
    `sorted(glob(...))` did), shuffled with seed 123, the last `holdout` test, the `holdout`
    before them validation, the rest train. Each 8-second part is its own group."""
    if len(files) <= 2 * holdout:
        raise DatasetError(f"{len(files)} parts; SampleRNN's split holds out 2 x {holdout}.")
    order = sorted(files, key=str)
    _python2_shuffle(order, SAMPLERNN_SEED)
    split = {p: "train" for p in order[: -2 * holdout]}
    split.update({p: "val" for p in order[-2 * holdout : -holdout]})
    split.update({p: "test" for p in order[-holdout:]})
    return [Clip(p, p.stem, split[p]) for p in sorted(files, key=lambda p: natural_key(p.name))]
