"""Which clips make up a dataset: the names the notebooks' `dataset` parameter takes, each
resolved to its corpus (`audiosr.data.corpora`) and split as the paper splits it.

- ``embedded-speech`` (real voices), ``embedded-tts`` (synthetic voices), ``embedded-piano``: the
  corpus `make corpus` builds from what the package registries ship (see `audiosr.data.corpus`);
  splits come from its manifests.
- the shared datasets (`SHARED_DATASETS`: ``vctk-sample``, ``librispeech-train``,
  ``librispeech-test-other``, ``speech-commands``): real recordings fetched from public
  repositories, read from the shared folder (`paths.shared()`, ``$AUDIOSR_SHARED``) and never
  copied into the project's tree. Where one is absent, `DatasetUnavailable` says why and what to
  do, and `unavailable_reason` gives that reason to whatever should skip.
- a path to VCTK (either release's layout, see `corpora.vctk`), to LibriSpeech as distributed
  (see `corpora.librispeech`), to SampleRNN's piano parts (the paper's piano split, see
  `corpora.samplernn`), or to any other folder of audio files, taken as a piano-style corpus
  (88 / 6 / 6 split by file in natural order: our choice, see `corpora.folder`).
- several of these joined by ``+`` (`MIX`): their union, each part split its own way.

The clips and the shapes of the splits are `audiosr.data.splits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from audiosr.core.paths import resolve, shared
from audiosr.data.corpora.embedded import embedded_clips
from audiosr.data.corpora.folder import folder_clips
from audiosr.data.corpora.librispeech import find_librispeech, librispeech_clips
from audiosr.data.corpora.vctk import find_vctk_layout, vctk_clips, vctk_sample_clips
from audiosr.data.splits import TASKS, Clip, DatasetError

# dataset name -> part of the embedded corpus (audiosr.data.corpus): real voices, synthetic voices, piano
EMBEDDED_NAMES = {"embedded-speech": "speech", "embedded-tts": "tts", "embedded-piano": "piano"}


class DatasetUnavailable(DatasetError):
    """A named shared dataset whose folder is absent here; the one-line message gives the fix."""


def _uuid_order_clips(root: Path) -> list[Clip]:
    return folder_clips(root, natural=False)


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
