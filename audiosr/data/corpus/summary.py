"""What the embedded corpus holds, per part and source: the table `python -m audiosr.data.corpus`
prints and the README shows, with the real VCTK sample measured the same way beside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audiosr.core.dsp import HR_RATE, band_energy_fraction
from audiosr.core.paths import EMBEDDED
from audiosr.data.clips import load_clips, unavailable_reason
from audiosr.data.corpus import packaged_speech as ps
from audiosr.data.corpus.build import read_manifests

# recorded human voices: the one alsa-utils ships (tts part) and every package (speech part)
REAL_SOURCES = {"alsa"} | {p.name for p in ps.PACKAGES}


def _row(corpus_name, source, real, groups, clips, seconds, hf, excluded=0) -> dict:
    hf = np.asarray(hf)
    return {
        "corpus": corpus_name,
        "source": source,
        "real human": real,
        "voices / pieces": groups,
        "clips": clips,
        "minutes": round(seconds / 60, 1),
        "files left out": excluded,
        "energy > 4 kHz (mean, min-max)": f"{hf.mean():.2%} ({hf.min():.2%}-{hf.max():.2%})",
    }


def reference_row() -> dict | None:
    """The same measurements on the real VCTK sample (evaluation only), when it is there."""
    from audiosr.core.audio import load_audio

    if unavailable_reason("vctk-sample"):
        return None
    files = [c.path for c in load_clips("vctk-sample")]
    xs = [load_audio(f) for f in files]
    return _row(
        "speech (eval only)",
        "VCTK sample",
        "yes",
        len({f.parent.name for f in files}),
        len(xs),
        sum(len(x) for x in xs) / HR_RATE,
        [band_energy_fraction(x, HR_RATE) for x in xs],
    )


def summary(kind: str | None = None, root: Path = EMBEDDED, reference: bool = True) -> list[dict]:
    """Per part and source: voices or pieces, clips, minutes, files left out, energy above 4 kHz.

    With `reference`, speech summaries end with the real VCTK sample measured the same way.
    """
    rows = read_manifests(root, kind)
    out = []
    for key in dict.fromkeys((r["corpus"], r["source"]) for r in rows):
        every = [r for r in rows if (r["corpus"], r["source"]) == key]
        sel = [r for r in every if not r["excluded"]]
        out.append(
            _row(
                key[0],
                key[1],
                "yes" if key[1] in REAL_SOURCES else "no",
                len({r["group"] for r in sel}),
                len(sel),
                sum(float(r["duration_s"]) for r in sel),
                [float(r["hf_4k"]) for r in sel],
                len(every) - len(sel),
            )
        )
    ref = reference_row() if reference and kind in (None, "speech") else None
    return out + ([ref] if ref else [])
