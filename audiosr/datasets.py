"""Which clips make up a dataset, and the paper's train / val / test splits over them.

A dataset is named by a string, the notebooks' `dataset` parameter:

- ``embedded-speech`` / ``embedded-piano``: the corpus `make corpus` builds from what the package
  registries ship (see `audiosr.corpus`); splits come from its manifest.
- ``vctk-sample``: the 16 real VCTK utterances in ``data/vctk-sample`` (evaluation only).
- a path to VCTK (either release's layout, see `find_vctk_layout`), or to any folder of audio
  files, taken as a piano-style corpus (88 / 6 / 6 split by file, in sorted order).

Validation splits: the paper trains on its train split and reports on its test split; we carve a
validation split out of the *train* side (never the test side) to monitor training, so the test
split stays exactly the paper's.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from .audio import AUDIO_EXTENSIONS, list_audio
from .paths import EMBEDDED, VCTK_SAMPLE, resolve

SPLITS = ("train", "val", "test")
TASKS = ("single", "multi")

# Paper: SingleSpeaker = p225, first 223 utterances train, last 8 test;
# MultiSpeaker = first 99 speakers train, last 8 speakers test.
VCTK_SINGLE_SPEAKER = "p225"
VCTK_SINGLE_TEST = 8
VCTK_MULTI_TRAIN = 99
VCTK_MULTI_TEST = 8
VAL_UTTERANCES = 8   # single-speaker val: the last 8 of the paper's train utterances
VAL_SPEAKERS = 1     # multi-speaker val: the last of the paper's train speakers
PIANO_FRACTIONS = (0.88, 0.06, 0.06)


@dataclass(frozen=True)
class Clip:
    """One audio file and where it belongs."""

    path: Path
    group: str   # speaker, voice or piece: what splits keep together
    split: str   # train, val or test


class DatasetError(ValueError):
    """A dataset that cannot be used as given; the message says what to do."""


def _natural_key(s: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def find_vctk_layout(root: Path) -> tuple[Path, str] | None:
    """Return (speaker-folder parent, pattern) for a VCTK tree, or None.

    Accepts the root of either release or its `VCTK-Corpus/` parent:
    0.80 `wav48/pNNN/pNNN_MMM.wav`, 0.92 `wav48_silence_trimmed/pNNN/pNNN_MMM_mic1.flac`,
    and the 16 kHz copies `wav16/pNNN/pNNN_MMM.wav` (data/vctk-sample).
    """
    for base in (root, root / "VCTK-Corpus", root / "VCTK-Corpus-0.92"):
        if (base / "wav48_silence_trimmed").is_dir():
            return base / "wav48_silence_trimmed", "*_mic1.flac"
        for name in ("wav48", "wav16"):
            if (base / name).is_dir():
                return base / name, "*.wav"
    return None


def vctk_speakers(root: Path) -> dict[str, list[Path]]:
    """Speaker id -> that speaker's utterance files, both in natural sorted order."""
    layout = find_vctk_layout(root)
    if layout is None:
        raise DatasetError(f"{root}: no VCTK layout (wav48/, wav48_silence_trimmed/ or wav16/) found.")
    folder, pattern = layout
    speakers = {}
    for d in sorted((d for d in folder.iterdir() if d.is_dir()), key=lambda d: _natural_key(d.name)):
        files = sorted(d.glob(pattern), key=lambda p: _natural_key(p.name))
        if files:
            speakers[d.name] = files
    if not speakers:
        raise DatasetError(f"{folder}: speaker folders hold no {pattern} files.")
    return speakers


def split_single(files: list[Path], group: str, n_test: int, n_val: int = VAL_UTTERANCES) -> list[Clip]:
    """Last `n_test` utterances test, the `n_val` before them val, the rest train."""
    if len(files) < n_test + n_val + 1:
        raise DatasetError(
            f"speaker {group} has {len(files)} utterances; a single-speaker split needs more than "
            f"{n_test + n_val} ({n_test} test + {n_val} val)."
        )
    n_train = len(files) - n_test - n_val
    splits = ["train"] * n_train + ["val"] * n_val + ["test"] * n_test
    return [Clip(p, group, s) for p, s in zip(files, splits)]


def split_multi(speakers: dict[str, list[Path]], n_train: int, n_test: int, n_val: int = VAL_SPEAKERS) -> list[Clip]:
    """First `n_train` speakers train (their last `n_val` become val), last `n_test` speakers test."""
    names = list(speakers)
    if len(names) < n_train + n_test or n_train <= n_val:
        raise DatasetError(
            f"{len(names)} speakers; a multi-speaker split needs {n_train} train (incl. {n_val} val) "
            f"+ {n_test} test."
        )
    role = {s: "train" for s in names[: n_train - n_val]}
    role.update({s: "val" for s in names[n_train - n_val: n_train]})
    role.update({s: "test" for s in names[len(names) - n_test:]})
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


def vctk_clips(root: Path, task: str) -> list[Clip]:
    speakers = vctk_speakers(root)
    if task == "single":
        if VCTK_SINGLE_SPEAKER not in speakers:
            raise DatasetError(f"{root}: speaker {VCTK_SINGLE_SPEAKER} (the paper's SingleSpeaker) not found.")
        return split_single(speakers[VCTK_SINGLE_SPEAKER], VCTK_SINGLE_SPEAKER, VCTK_SINGLE_TEST)
    return split_multi(speakers, VCTK_MULTI_TRAIN, VCTK_MULTI_TEST)


def read_manifest(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def embedded_clips(kind: str, task: str) -> list[Clip]:
    """Clips of the embedded corpus, with the split its manifest assigns for `task`."""
    manifest = EMBEDDED / "manifest.csv"
    if not manifest.is_file():
        raise DatasetError(
            f"{manifest} not found: build the embedded corpus first with `make corpus` "
            "(or `python -m audiosr.corpus`)."
        )
    column = "split" if kind == "piano" else f"split_{task}"
    rows = [r for r in read_manifest(manifest) if r["corpus"] == kind and r.get(column) in SPLITS]
    if not rows:
        raise DatasetError(f"{manifest} lists no {kind} clips: rebuild with `make corpus`.")
    return [Clip(EMBEDDED / r["path"], r["group"], r[column]) for r in rows]


def load_clips(dataset: str, task: str = "multi") -> list[Clip]:
    """Resolve a dataset name or path to its clips with train / val / test splits.

    Args:
        dataset: ``embedded-speech``, ``embedded-piano``, ``vctk-sample`` or a folder path.
        task: ``single`` or ``multi`` (speech only): the paper's SingleSpeaker / MultiSpeaker.
    """
    if task not in TASKS:
        raise DatasetError(f"task must be one of {TASKS}, got {task!r}.")
    if dataset == "embedded-speech":
        return embedded_clips("speech", task)
    if dataset == "embedded-piano":
        return embedded_clips("piano", task)
    if dataset == "vctk-sample":  # real speech, evaluation only: every clip is test
        return [Clip(p, p.parent.name, "test") for p in list_audio(VCTK_SAMPLE)]
    root = resolve(dataset)
    if not root.is_dir():
        raise DatasetError(
            f"dataset {dataset!r}: not a known name (embedded-speech, embedded-piano, vctk-sample) "
            f"and {root} is not a folder."
        )
    if find_vctk_layout(root):
        return vctk_clips(root, task)
    files = list_audio(root)
    if not files:
        raise DatasetError(f"{root}: no audio files ({', '.join(AUDIO_EXTENSIONS)}) found below it.")
    return split_by_file(files)


def by_split(clips: list[Clip]) -> dict[str, list[Clip]]:
    return {s: [c for c in clips if c.split == s] for s in SPLITS}
