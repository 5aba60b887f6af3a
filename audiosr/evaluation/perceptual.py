"""Objective perceptual scores beside SNR and LSD: wideband PESQ (ITU-T P.862.2, `pesq`), STOI
(`pystoi`) and ViSQOL in speech mode (`visqol-python`). They are what bandwidth-extension work
reports next to LSD until listeners rate a MUSHRA test; they are objective proxies, never
MUSHRA scores. Each package is optional (`pip install -e '.[perceptual]'`): a measure whose
package is missing is left out, and `missing()` says how to install it.
"""

from __future__ import annotations

import numpy as np

from audiosr.core.dsp import HR_RATE

MEASURES = ("PESQ-WB", "STOI", "ViSQOL")
PACKAGES = {"PESQ-WB": "pesq", "STOI": "pystoi", "ViSQOL": "visqol-python"}
MODULES = {"PESQ-WB": "pesq", "STOI": "pystoi", "ViSQOL": "visqol"}
FAST = ("PESQ-WB", "STOI")  # ViSQOL's Python port takes seconds per clip


def installed(measure: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(MODULES[measure]) is not None


def missing(measures=MEASURES) -> list[str]:
    """One line per measure that cannot run here, with the command that installs it."""
    return [f"{m}: not installed (pip install {PACKAGES[m]})" for m in measures if not installed(m)]


_visqol = None


def _visqol_api():
    global _visqol
    if _visqol is None:
        import logging

        from visqol import VisqolApi

        logging.getLogger("visqol").setLevel(logging.ERROR)
        _visqol = VisqolApi()
        _visqol.create(mode="speech", use_lattice_model=False)
    return _visqol


def undefined(measure: str, est, ref, sr: int) -> str | None:
    """Why `measure` has no value for this pair (None: it has one): PESQ-WB and ViSQOL's speech
    mode are defined at 16 kHz only, and no measure scores silence."""
    if measure in ("PESQ-WB", "ViSQOL") and sr != 16000:
        return "defined at 16 kHz only"
    for name, x in (("estimate", est), ("reference", ref)):
        if not np.any(np.asarray(x)):
            return f"the {name} is silent"
    return None


def scores(est, ref, sr: int = HR_RATE, measures=FAST) -> dict[str, float]:
    """The installed `measures` of an estimate against its reference (mono, same length, 16 kHz
    for PESQ-WB and ViSQOL speech mode). A measure undefined for this pair (PESQ finds no
    speech) gives NaN rather than stopping a table."""
    est, ref = np.asarray(est, np.float64).ravel(), np.asarray(ref, np.float64).ravel()
    if est.shape != ref.shape:
        raise ValueError(f"estimate {est.shape} and reference {ref.shape} differ in length.")
    out = {}
    for m in measures:
        if m not in MEASURES:
            raise ValueError(f"measure {m!r}: choose from {MEASURES}.")
        if not installed(m):
            continue
        if undefined(m, est, ref, sr):
            out[m] = float("nan")
            continue
        try:
            if m == "PESQ-WB":
                from pesq import pesq

                out[m] = float(pesq(sr, ref, est, "wb"))
            elif m == "STOI":
                from pystoi import stoi

                out[m] = float(stoi(ref, est, sr, extended=False))
            else:
                out[m] = float(_visqol_api().measure_from_arrays(ref, est, sr).moslqo)
        except Exception:  # e.g. pesq's NoUtterancesError on a clip without speech
            out[m] = float("nan")
    return out
