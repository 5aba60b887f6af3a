"""Which clips make up a dataset, and the paper's train / val / test splits over them.

A dataset is named by a string, the notebooks' `dataset` parameter:

- ``embedded-speech`` (real voices), ``embedded-tts`` (synthetic voices), ``embedded-piano``: the
  corpus `make corpus` builds from what the package registries ship (see `audiosr.data.corpus`);
  splits come from its manifests.
- the shared datasets (`SHARED_DATASETS`: ``vctk-sample``, ``librispeech-train``,
  ``librispeech-test-other``, ``speech-commands``): real recordings fetched from public
  repositories, read from the shared folder (`paths.shared()`, ``$AUDIOSR_SHARED``) and never
  copied into the project's tree. Where one is absent, `DatasetUnavailable` says why and what to
  do, and `unavailable_reason` gives that reason to whatever should skip.
- a path to VCTK (either release's layout, see `find_vctk_layout`), to LibriSpeech as distributed
  (see `librispeech_clips`), to SampleRNN's piano parts (the paper's piano split, see
  `samplernn_clips`), or to any other folder of audio files, taken as a piano-style corpus
  (88 / 6 / 6 split by file in natural order: our choice, see `folder_clips`).

Validation splits: the paper trains on its train split and reports on its test split; we carve a
validation split out of the *train* side (never the test side) to monitor training, so the test
split stays exactly the paper's.
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from audiosr.core.audio import AUDIO_EXTENSIONS, list_audio
from audiosr.core.paths import EMBEDDED, resolve, shared

SPLITS = ("train", "val", "test")
TASKS = ("single", "multi")

# Paper: SingleSpeaker = p225, first 223 utterances train, last 8 test;
# MultiSpeaker = first 99 speakers train, last 8 speakers test.
VCTK_SINGLE_SPEAKER = "p225"
VCTK_SINGLE_TEST = 8
VCTK_MULTI_TRAIN = 99
VCTK_MULTI_TEST = 8
VAL_UTTERANCES = 8  # single-speaker val: the last 8 of the paper's train utterances
VAL_SPEAKERS = 1  # multi-speaker val: the last of the paper's train speakers
PIANO_FRACTIONS = (0.88, 0.06, 0.06)
# SampleRNN's music set (the paper's piano data): 8-second parts p<i>.flac, sorted as strings,
# shuffled with seed 123; the last 256 test, the 256 before them validation.
SAMPLERNN_PART = re.compile(r"p\d+")
SAMPLERNN_SEED = 123
SAMPLERNN_HOLDOUT = 256
# LibriSpeech train-* subsets: the last 10 speakers (5 F, 5 M) test, the 4 before them val.
LIBRI_TEST_SPEAKERS = 10
LIBRI_VAL_SPEAKERS = 4
# dataset name -> part of the embedded corpus (audiosr.data.corpus): real voices, synthetic voices, piano
EMBEDDED_NAMES = {"embedded-speech": "speech", "embedded-tts": "tts", "embedded-piano": "piano"}


@dataclass(frozen=True)
class Clip:
    """One audio file and where it belongs."""

    path: Path
    group: str  # speaker, voice or piece: what splits keep together
    split: str  # train, val or test


class DatasetError(ValueError):
    """A dataset that cannot be used as given; the message says what to do."""


class DatasetUnavailable(DatasetError):
    """A named shared dataset whose folder is absent here; the one-line message gives the fix."""


def _natural_key(s: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def find_vctk_layout(root: Path) -> tuple[Path, str] | None:
    """Return (speaker-folder parent, pattern) for a VCTK tree, or None.

    Accepts the root of either release or its `VCTK-Corpus/` parent:
    0.80 `wav48/pNNN/pNNN_MMM.wav`, 0.92 `wav48_silence_trimmed/pNNN/pNNN_MMM_mic1.flac`,
    and the 16 kHz copies `wav16/pNNN/pNNN_MMM.wav` (the shared vctk-sample).
    """
    for base in (root, root / "VCTK-Corpus", root / "VCTK-Corpus-0.92"):
        if (base / "wav48_silence_trimmed").is_dir():
            return base / "wav48_silence_trimmed", "*_mic1.flac"
        for name in ("wav48", "wav16"):
            if (base / name).is_dir():
                return base / name, "*.wav"
    return None


# 0.92 adds a folder `s5`, which natural order puts among the test speakers
VCTK_SPEAKER = re.compile(r"p\d{3}")


def vctk_speakers(root: Path) -> dict[str, list[Path]]:
    """Speaker id -> that speaker's utterance files, both in natural sorted order. Only the
    paper's `pNNN` speakers count, so the splits are the paper's in both releases."""
    layout = find_vctk_layout(root)
    if layout is None:
        raise DatasetError(
            f"{root}: no VCTK layout (wav48/, wav48_silence_trimmed/ or wav16/) found."
        )
    folder, pattern = layout
    speakers = {}
    for d in sorted(
        (d for d in folder.iterdir() if d.is_dir() and VCTK_SPEAKER.fullmatch(d.name)),
        key=lambda d: _natural_key(d.name),
    ):
        files = sorted(d.glob(pattern), key=lambda p: _natural_key(p.name))
        if files:
            speakers[d.name] = files
    if not speakers:
        raise DatasetError(f"{folder}: speaker folders hold no {pattern} files.")
    return speakers


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


def vctk_clips(root: Path, task: str) -> list[Clip]:
    speakers = vctk_speakers(root)
    if task == "single":
        if VCTK_SINGLE_SPEAKER not in speakers:
            raise DatasetError(
                f"{root}: speaker {VCTK_SINGLE_SPEAKER} (the paper's SingleSpeaker) not found."
            )
        return split_single(speakers[VCTK_SINGLE_SPEAKER], VCTK_SINGLE_SPEAKER, VCTK_SINGLE_TEST)
    return split_multi(speakers, VCTK_MULTI_TRAIN, VCTK_MULTI_TEST)


def vctk_sample_clips(root: Path) -> list[Clip]:
    """A few real VCTK utterances for evaluation only: every clip test, grouped by speaker."""
    return [Clip(p, s, "test") for s, files in vctk_speakers(root).items() for p in files]


def folder_clips(root: Path, natural: bool = True) -> list[Clip]:
    """Any folder of audio files: 88 / 6 / 6 by file, contiguous, in natural order (p2 before
    p10). The paper's "standard 88-6-6" piano split is SampleRNN's shuffled one
    (`samplernn_clips`, chosen automatically for a folder of its parts); for any other folder
    this contiguous split is our own choice, which keeps neighbouring files (movements of one
    piece, takes of one session) on one side.

    `natural=False` sorts paths as strings: Picovoice's spoken commands (`speech-commands`),
    whose names are random UUIDs, keep the order the shipped models were trained on. Their
    names carry no speaker: a speaker may appear in more than one split, so numbers on that set
    measure other microphones and rooms, not unseen voices.
    """
    files = list_audio(root)
    if not files:
        raise DatasetError(
            f"{root}: no audio files ({', '.join(AUDIO_EXTENSIONS)}) found below it."
        )
    if is_samplernn_parts(files):
        return samplernn_clips(files)
    if natural:
        files = sorted(files, key=lambda p: _natural_key(str(p.relative_to(root))))
    return split_by_file(files)


def _uuid_order_clips(root: Path) -> list[Clip]:
    return folder_clips(root, natural=False)


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
    return [Clip(p, p.stem, split[p]) for p in sorted(files, key=lambda p: _natural_key(p.name))]


@dataclass(frozen=True)
class Reader:
    """One row of LibriSpeech's SPEAKERS.TXT (a LibriVox reader)."""

    id: str
    sex: str  # F or M
    subset: str  # e.g. train-clean-100
    minutes: float
    name: str


def read_speakers(path: Path) -> dict[str, Reader]:
    """Parse SPEAKERS.TXT: `;` comment lines, then rows `ID | SEX | SUBSET | MINUTES | NAME`.

    A row is split at its first four bars only: some reader names contain `|` (reader 60).
    """
    readers = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        cols = [c.strip() for c in line.split("|", 4)]
        try:
            if len(cols) != 5 or cols[1] not in ("F", "M"):
                raise ValueError
            readers[cols[0]] = Reader(cols[0], cols[1], cols[2], float(cols[3]), cols[4])
        except ValueError:
            raise DatasetError(
                f"{path}:{n}: expected 'ID | SEX | SUBSET | MINUTES | NAME', got {line.strip()!r}."
            ) from None
    return readers


def _is_librispeech_subset(folder: Path) -> bool:
    return any(
        p.name.startswith(f"{p.parent.parent.name}-{p.parent.name}-")
        for p in folder.glob("*/*/*.flac")
    )


def find_librispeech(root: Path) -> list[Path] | None:
    """The subset folders of a LibriSpeech tree, or None.

    Accepts one subset folder (`<subset>/<speaker>/<chapter>/<speaker>-<chapter>-<utt>.flac`),
    the `LibriSpeech/` folder holding subsets, or the folder its archives were unpacked in.
    """
    if _is_librispeech_subset(root):
        return [root]
    for base in (root, root / "LibriSpeech"):
        if base.is_dir():
            subsets = [d for d in base.iterdir() if d.is_dir() and _is_librispeech_subset(d)]
            if subsets:
                return sorted(subsets, key=lambda d: d.name)
    return None


def _speakers_file(subset: Path) -> Path:
    for f in (
        subset.parent / "SPEAKERS.TXT",
        subset.parent / f"SPEAKERS-{subset.name}.TXT",
        subset / "SPEAKERS.TXT",
    ):
        if f.is_file():
            return f
    raise DatasetError(
        f"{subset}: no SPEAKERS.TXT beside it; LibriSpeech's speaker list is needed "
        "for its split (keep the one from the official archive)."
    )


def _subset_speakers(subset: Path) -> dict[str, list[Path]]:
    """Speaker -> utterances; a .flac outside `<speaker>/<chapter>/<speaker>-<chapter>-*` is ignored
    with a warning, any other file (transcripts, READMEs) silently."""
    speakers, stray = {}, []
    for p in sorted(subset.rglob("*.flac"), key=lambda p: _natural_key(str(p))):
        parts = p.relative_to(subset).parts
        if len(parts) == 3 and p.name.startswith(f"{parts[0]}-{parts[1]}-"):
            speakers.setdefault(parts[0], []).append(p)
        else:
            stray.append(p)
    if stray:
        warnings.warn(
            f"{subset}: ignored {len(stray)} .flac file(s) outside <speaker>/<chapter>/"
            f"<speaker>-<chapter>-*.flac, e.g. {stray[0]}",
            stacklevel=3,
        )
    return speakers


def hold_out(ids: list[str], sex: dict[str, str], n: int) -> list[str]:
    """The last `n` of `ids`, half F (n // 2) and half M, as LibriSpeech balances its dev and
    test speakers; topped up from the end of `ids` if one sex runs short."""
    quota = {"F": n // 2, "M": n - n // 2}
    picked = []
    for s in reversed(ids):
        if quota.get(sex[s], 0) > 0:
            quota[sex[s]] -= 1
            picked.append(s)
    return picked + [s for s in reversed(ids) if s not in picked][: n - len(picked)]


def librispeech_clips(
    root: Path, n_test: int = LIBRI_TEST_SPEAKERS, n_val: int = LIBRI_VAL_SPEAKERS
) -> list[Clip]:
    """Clips of LibriSpeech as distributed (see `find_librispeech`), split by speaker.

    Speakers come from SPEAKERS.TXT beside the subset folders (SPEAKERS-<subset>.TXT also
    accepted); without it, or with a speaker it does not list, DatasetError: its SEX column
    balances the held-out speakers, so the split is the same for everyone.

    Args:
        root: a subset folder, the `LibriSpeech/` folder, or the folder holding `LibriSpeech/`.
        n_test: speakers held out as test from the train-* subsets when no test-* subset is loaded.
        n_val: speakers held out as val from the train-* subsets when no dev-* subset is loaded.

    Splits, by subset name as LibriSpeech intends: every clip of a `test-*` subset is test, of a
    `dev-*` subset val (never trained on). Speakers of the other subsets, in natural order: the
    last `n_test` (half F, half M, see `hold_out`) test, the last `n_val` of the others val, the
    rest train. The task (single / multi) is not used: LibriSpeech is always split by speaker.
    """
    subsets = find_librispeech(root)
    if subsets is None:
        raise DatasetError(
            f"{root}: no LibriSpeech layout (<subset>/<speaker>/<chapter>/*.flac) found."
        )
    role = {
        d: "test" if d.name.startswith("test") else "val" if d.name.startswith("dev") else "train"
        for d in subsets
    }
    files, split_of, sex = {}, {}, {}
    for d in subsets:
        speakers = _subset_speakers(d)
        readers = read_speakers(_speakers_file(d))
        unknown = [s for s in speakers if s not in readers]
        if unknown:
            raise DatasetError(f"{d}: speaker(s) {', '.join(unknown[:3])} not in its SPEAKERS.TXT.")
        for s, utts in speakers.items():
            if split_of.setdefault(s, role[d]) != role[d]:
                raise DatasetError(
                    f"speaker {s} is in {d.name} and in a {split_of[s]} subset: "
                    "it would be in two splits."
                )
            files.setdefault(s, []).extend(utts)
            sex[s] = readers[s].sex
    ids = sorted((s for s in split_of if split_of[s] == "train"), key=_natural_key)
    held = {r: n for r, n in (("test", n_test), ("val", n_val)) if r not in role.values()}
    if ids and len(ids) <= sum(held.values()):
        raise DatasetError(
            f"{root}: {len(ids)} training speakers; holding out "
            f"{' + '.join(f'{n} {r}' for r, n in held.items())} needs more."
        )
    for r, n in held.items():
        for s in hold_out(ids, sex, n):
            split_of[s] = r
        ids = [s for s in ids if split_of[s] == "train"]
    return [Clip(p, s, split_of[s]) for s in sorted(files, key=_natural_key) for p in files[s]]


@dataclass(frozen=True)
class SharedDataset:
    """A named dataset read from the shared folder, never from the project's tree."""

    name: str
    folder: str  # path under the shared folder
    loader: Callable[[Path], list[Clip]]
    about: str

    def path(self) -> Path:
        return shared() / self.folder


SHARED_DATASETS = {
    d.name: d
    for d in (
        SharedDataset(
            "vctk-sample",
            "vctk-sample",
            vctk_sample_clips,
            "16 real VCTK utterances of 4 speakers; evaluation only, every clip test",
        ),
        SharedDataset(
            "librispeech-train",
            "real-speech/LibriSpeech/train-clean-100",
            librispeech_clips,
            "LibriSpeech train-clean-100; by speaker: last 10 (5 F, 5 M) test, 4 val, rest train",
        ),
        SharedDataset(
            "librispeech-test-other",
            "real-speech/LibriSpeech/test-other",
            librispeech_clips,
            "LibriSpeech test-other; a test set: every clip test, never trained or tuned on",
        ),
        SharedDataset(
            "speech-commands",
            "real-speech/picovoice-speech-to-intent",
            _uuid_order_clips,
            "Picovoice spoken commands, many microphones and rooms; 88 / 6 / 6 by file",
        ),
    )
}


def dataset_names() -> list[str]:
    """Every dataset name `load_clips` knows (a folder path works too)."""
    return [*EMBEDDED_NAMES, *SHARED_DATASETS]


def unavailable_reason(dataset: str) -> str | None:
    """None if `dataset` can be read here, else a one-line reason to skip it (and its fix).

    Shared datasets and folder paths may be absent; for the embedded names this returns None
    (`make corpus` builds them, and `load_clips` says so where it has not).
    """
    if _is_mixture(dataset):
        reasons = [r for r in map(unavailable_reason, dataset.split(MIX)) if r]
        return "; ".join(reasons) or None
    if dataset in SHARED_DATASETS:
        d = SHARED_DATASETS[dataset]
        if d.path().is_dir():
            return None
        return (
            f"{d.name}: {d.path()} not found; set AUDIOSR_SHARED to the folder holding "
            f"{d.folder}, or pass the folder's path as dataset"
        )
    if dataset in EMBEDDED_NAMES or resolve(dataset).is_dir():
        return None
    return f"{dataset}: not a known name ({', '.join(dataset_names())}) and {resolve(dataset)} is not a folder"


def manifest_rows(path: Path) -> list[dict]:
    """One manifest file's rows as dicts (`corpus.build.read_manifests` reads every part's)."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def embedded_clips(kind: str, task: str) -> list[Clip]:
    """Clips of one part of the embedded corpus (`speech`, `tts`, `piano`), with the split its
    manifest assigns for `task`; files the build left out have no split and are skipped."""
    manifest = EMBEDDED / kind / "manifest.csv"
    if not manifest.is_file():
        raise DatasetError(
            f"{manifest} not found: build the embedded corpus first with `make corpus` "
            f"(or `python -m audiosr.data.corpus --parts {kind}`)."
        )
    column = "split" if kind == "piano" else f"split_{task}"
    rows = [r for r in manifest_rows(manifest) if r["corpus"] == kind and r.get(column) in SPLITS]
    if not rows:
        raise DatasetError(f"{manifest} lists no {kind} clips: rebuild with `make corpus`.")
    return [Clip(EMBEDDED / r["path"], r["group"], r[column]) for r in rows]


MIX = "+"  # "embedded-speech+librispeech-train": the union of datasets, each split its own way


def _is_mixture(dataset: str) -> bool:
    return MIX in dataset and not resolve(dataset).is_dir()


def load_clips(dataset: str, task: str = "multi") -> list[Clip]:
    """Resolve a dataset name or path to its clips with train / val / test splits.

    Args:
        dataset: a name from `dataset_names()`, a folder path, or several of them joined by
            ``+`` (their union: each keeps its own split, speaker groups are prefixed with the
            part's name so that two parts never share a speaker).
        task: ``single`` or ``multi`` (speech only): the paper's SingleSpeaker / MultiSpeaker.
    """
    if task not in TASKS:
        raise DatasetError(f"task must be one of {TASKS}, got {task!r}.")
    if _is_mixture(dataset):
        parts = dataset.split(MIX)
        if len(set(parts)) != len(parts) or not all(parts):
            raise DatasetError(f"dataset {dataset!r}: name each part once, joined by {MIX!r}.")
        return [
            Clip(c.path, f"{part}:{c.group}", c.split)
            for part in parts
            for c in load_clips(part, task)
        ]
    if dataset in EMBEDDED_NAMES:
        return embedded_clips(EMBEDDED_NAMES[dataset], task)
    if dataset in SHARED_DATASETS:
        reason = unavailable_reason(dataset)
        if reason:
            raise DatasetUnavailable(reason + ".")
        return SHARED_DATASETS[dataset].loader(SHARED_DATASETS[dataset].path())
    root = resolve(dataset)
    if not root.is_dir():
        raise DatasetError(
            f"dataset {dataset!r}: not a known name ({', '.join(dataset_names())}) and {root} is not a folder."
        )
    if find_vctk_layout(root):
        return vctk_clips(root, task)
    if find_librispeech(root):
        return librispeech_clips(root)
    return folder_clips(root)


def by_split(clips: list[Clip]) -> dict[str, list[Clip]]:
    return {s: [c for c in clips if c.split == s] for s in SPLITS}
