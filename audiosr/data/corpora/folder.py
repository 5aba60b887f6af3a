"""Any folder of audio files as a corpus: 88 / 6 / 6 by file, contiguous, in natural order, or
SampleRNN's split where the folder holds its piano parts."""

from __future__ import annotations

from pathlib import Path

from audiosr.core.audio import AUDIO_EXTENSIONS, list_audio
from audiosr.data.corpora.samplernn import is_samplernn_parts, samplernn_clips
from audiosr.data.splits import Clip, DatasetError, natural_key, split_by_file


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
        files = sorted(files, key=lambda p: natural_key(str(p.relative_to(root))))
    return split_by_file(files)
