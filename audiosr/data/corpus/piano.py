"""The piano part of the embedded corpus: scores bundled with music21, played on the FluidR3 GM
sampled piano with fluidsynth, each cut to its first `MAX_PIECE_S` seconds."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

import soundfile as sf

from audiosr.core.audio import tidy_clip
from audiosr.core.dsp import HR_RATE
from audiosr.core.extras import need
from audiosr.data.corpus.render import (
    Job,
    measure,
    render_jobs,
    run_tool,
    tool_version,
    tool_versions,
)
from audiosr.data.splits import PIANO_FRACTIONS, split_by_file

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
MAX_PIECE_S = 120.0  # piano: the first two minutes of each piece
MUSIC21_LICENSE = "score: music21 corpus (BSD-3-Clause / public domain); piano: FluidR3 GM (MIT)"
# (name, music21 corpus path); keyboard works first, the last ones are held out. Left out: Chopin's
# mazurka op. 6/2 and Beethoven op. 18/3 (music21 10.5 cannot expand their repeats) and op. 18/4
# (7 minutes to convert to MIDI on one core).
PIECES = (
    ("mozart-k545-m1-exposition", "mozart/k545/movement1_exposition.mxl"),
    ("joplin-maple-leaf-rag", "joplin/maple_leaf_rag.mxl"),
    ("cpebach-h186", "cpebach/h186.mxl"),
    *[(f"beethoven-op18no1-m{m}", f"beethoven/opus18no1/movement{m}.mxl") for m in range(1, 5)],
    *[
        (f"beethoven-op59no{n}-m{m}", f"beethoven/opus59no{n}/movement{m}.mxl")
        for n in (1, 2, 3)
        for m in range(1, 5)
    ],
)


def piano_versions() -> dict:
    """The piano part's tool versions (its recipe's `tools`); a missing soundfont counts 0."""
    music21 = need("music21")

    return tool_versions(
        {
            "fluidsynth": tool_version(["fluidsynth", "--version"]),
            "music21": music21.__version__,
            "soundfont_bytes": SOUNDFONT.stat().st_size if SOUNDFONT.exists() else 0,
        }
    )


def render_piece(corpus_path: str, out: Path, max_s: float = MAX_PIECE_S) -> None:
    """A music21 score, every part on the acoustic grand, via fluidsynth (32 kHz -> 16 kHz)."""
    corpus, instrument = need("music21.corpus"), need("music21.instrument")

    score = corpus.parse(corpus_path)
    for part in score.parts:
        for old in list(part.recurse().getElementsByClass(instrument.Instrument)):
            old.activeSite.remove(old)
        part.insert(0, instrument.Piano())
    with tempfile.TemporaryDirectory() as tmp:
        midi, raw = Path(tmp) / "score.mid", Path(tmp) / "raw.wav"
        score.write("midi", fp=str(midi))
        run_tool(
            [
                "fluidsynth",
                "-ni",
                "-q",
                "-g",
                "0.6",
                "-F",
                str(raw),
                "-r",
                "32000",
                str(SOUNDFONT),
                str(midi),
            ]
        )
        x, sr = sf.read(str(raw), dtype="float32", always_2d=True)
    sf.write(str(out), tidy_clip(x.mean(axis=1), sr, max_s), HR_RATE, subtype="PCM_16")


def piano_jobs(pieces=PIECES, max_s: float = MAX_PIECE_S) -> list[Job]:
    names = [f"piano/{i:02d}-{name}.wav" for i, (name, _) in enumerate(pieces)]
    splits = [c.split for c in split_by_file([Path(n) for n in names], PIANO_FRACTIONS)]
    return [
        Job(
            {
                "path": n,
                "corpus": "piano",
                "source": "music21+fluidsynth",
                "group": name,
                "language": "-",
                "text": src,
                "split_single": "-",
                "split_multi": "-",
                "split": s,
                "license": MUSIC21_LICENSE,
            },
            partial(render_piece, src, max_s=max_s),
        )
        for n, (name, src), s in zip(names, pieces, splits)
    ]


def build_piano(folder: Path, pieces, max_piece_s, jobs, progress) -> list[dict]:
    todo = piano_jobs(pieces, max_piece_s)
    render_jobs(todo, folder, jobs, progress, "piano", processes=True)
    versions = piano_versions()
    return [measure(folder, j, f"music21 {versions['music21']}") for j in todo]
