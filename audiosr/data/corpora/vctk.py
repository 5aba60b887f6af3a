"""VCTK in either release's layout, and the paper's splits over it: SingleSpeaker (speaker p225,
its last 8 utterances test) and MultiSpeaker (the first 99 speakers train, the last 8 test)."""

from __future__ import annotations

import re
from pathlib import Path

from audiosr.data.splits import Clip, DatasetError, natural_key, split_multi, split_single

# Paper: SingleSpeaker = p225, first 223 utterances train, last 8 test;
# MultiSpeaker = first 99 speakers train, last 8 speakers test.
VCTK_SINGLE_SPEAKER = "p225"
VCTK_SINGLE_TEST = 8
VCTK_MULTI_TRAIN = 99
VCTK_MULTI_TEST = 8


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
        key=lambda d: natural_key(d.name),
    ):
        files = sorted(d.glob(pattern), key=lambda p: natural_key(p.name))
        if files:
            speakers[d.name] = files
    if not speakers:
        raise DatasetError(f"{folder}: speaker folders hold no {pattern} files.")
    return speakers


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
