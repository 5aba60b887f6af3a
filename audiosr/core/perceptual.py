"""Objective perceptual scores beside SNR and LSD: wideband PESQ (ITU-T P.862.2, `pesq`), STOI
(`pystoi`), ViSQOL in speech mode (`visqol-python`) and DNSMOS (Reddy et al. 2021-22,
`speechmos`: P.835 SIG / BAK / OVRL and P.808, from the ONNX models its wheel ships). They are
what bandwidth-extension work reports next to LSD until listeners rate a MUSHRA test; they are
objective proxies, never MUSHRA scores. Each package is optional (`pip install -e
'.[perceptual]'`): a measure whose package is missing is left out, and `missing()` says how to
install it.

DNSMOS needs no reference: it scores the estimate alone, so it can score the reference too, and
a table can say how much of the spline-to-reference gap a model closes (`gap_closed`).
"""

from __future__ import annotations

import math

import numpy as np

from audiosr.core.dsp import HR_RATE

DNSMOS = ("DNSMOS-SIG", "DNSMOS-BAK", "DNSMOS-OVRL", "DNSMOS-P808")
MEASURES = ("PESQ-WB", "STOI", "ViSQOL", *DNSMOS)
NO_REFERENCE = DNSMOS  # scored on the estimate alone
PACKAGES = {"PESQ-WB": "pesq", "STOI": "pystoi", "ViSQOL": "visqol-python"} | {
    m: "speechmos onnxruntime librosa" for m in DNSMOS
}
MODULES = {"PESQ-WB": ("pesq",), "STOI": ("pystoi",), "ViSQOL": ("visqol",)} | {
    m: ("speechmos", "onnxruntime", "librosa")
    for m in DNSMOS  # speechmos imports all three
}
FAST = ("PESQ-WB", "STOI")  # ViSQOL's Python port takes seconds per clip, DNSMOS about one
DNSMOS_KEYS = dict(zip(DNSMOS, ("sig_mos", "bak_mos", "ovrl_mos", "p808_mos")))
SPEECH_RATE_ONLY = ("PESQ-WB", "ViSQOL", *DNSMOS)  # defined at 16 kHz


def installed(measure: str) -> bool:
    import importlib.util

    return all(importlib.util.find_spec(n) is not None for n in MODULES[measure])


def missing(measures=MEASURES) -> list[str]:
    """One line per package that is missing here, naming the measures it would give and the
    command that installs it."""
    absent = [m for m in measures if not installed(m)]
    return [
        f"{', '.join(m for m in absent if PACKAGES[m] == pkg)}: not installed (pip install {pkg})"
        for pkg in dict.fromkeys(PACKAGES[m] for m in absent)
    ]


def check_measures(measures) -> None:
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise ValueError(f"measure(s) {', '.join(map(repr, unknown))}: choose from {MEASURES}.")


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


def _dnsmos(x: np.ndarray) -> dict[str, float]:
    """All four DNSMOS scores of one 16 kHz clip (clipped to [-1, 1], as the models require)."""
    from speechmos import dnsmos

    out = dnsmos.run(np.clip(x, -1.0, 1.0).astype(np.float32), HR_RATE)
    return {m: float(out[k]) for m, k in DNSMOS_KEYS.items()}


QUIETEST = 2.0**-24  # half a 24-bit step: a peak below it is silence in any PCM file


def undefined(measure: str, est, ref, sr: int) -> str | None:
    """Why `measure` has no value for this pair (None: it has one): PESQ-WB, ViSQOL's speech
    mode and DNSMOS are defined at 16 kHz only, and no measure scores silence, be it zeros or
    a float file's peak below any PCM file's (PESQ fails there rather than hear silence)."""
    if measure in SPEECH_RATE_ONLY and sr != 16000:
        return "defined at 16 kHz only"
    for name, x in (("estimate", est), ("reference", ref)):
        peak = float(np.max(np.abs(np.asarray(x, np.float64)), initial=0.0))
        if peak == 0:
            return f"the {name} is silent"
        if peak < QUIETEST:
            return (
                f"the {name} is silent: peak {20 * math.log10(peak):.0f} dBFS, below a 24-bit step"
            )
    return None


def why_none(measure: str, value: float, est, ref, sr: int) -> str | None:
    """Why a score is missing (None: it is there): `undefined`'s reason, or for a NaN that no
    rule foresaw, that the measure's package gave none, so no table shows a bare NaN."""
    if reason := undefined(measure, est, ref, sr):
        return reason
    return f"{MODULES[measure][0]} gave no score for this pair" if math.isnan(value) else None


def scores(est, ref, sr: int = HR_RATE, measures=FAST) -> dict[str, float]:
    """The installed `measures` of an estimate against its reference (mono, same length, 16 kHz
    for all but STOI). A measure undefined for this pair (PESQ finds no speech) gives NaN
    rather than stopping a table. DNSMOS scores `est` alone (`ref` only has to be given)."""
    est, ref = np.asarray(est, np.float64).ravel(), np.asarray(ref, np.float64).ravel()
    if est.shape != ref.shape:
        raise ValueError(f"estimate {est.shape} and reference {ref.shape} differ in length.")
    check_measures(measures)
    out, dns = {}, None
    for m in measures:
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
            elif m == "ViSQOL":
                out[m] = float(_visqol_api().measure_from_arrays(ref, est, sr).moslqo)
            else:
                dns = dns or _dnsmos(est)
                out[m] = dns[m]
        except Exception:  # e.g. pesq's NoUtterancesError on a clip without speech
            out[m] = float("nan")
    return out


def _scores_job(job):
    est, ref, sr, measures = job
    return scores(est, ref, sr, measures)


def score_jobs(
    jobs, sr: int = HR_RATE, workers: int | None = None, progress: bool = False
) -> list[dict]:
    """`scores` of (estimate, reference, measures) jobs, each with its own measures, in one pool
    of `workers` processes (default: one per core, at most one per job), so each worker loads
    the measures' models once: ViSQOL's Python port takes seconds per clip. `progress`: a bar
    (a hundred files with ViSQOL take minutes)."""
    import os

    from audiosr.core.progress import bar

    jobs = [(e, r, sr, tuple(m)) for e, r, m in jobs]
    for *_, measures in jobs:
        check_measures(measures)
    workers = min(len(jobs), workers or os.cpu_count() or 1)
    shown = lambda results: list(
        bar(results, total=len(jobs), desc="perceptual scores", unit="file", disable=not progress)
    )
    if workers <= 1:
        return shown(_scores_job(job) for job in jobs)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: the workers import numpy and the measures' packages only, never torch's threads
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return shown(pool.map(_scores_job, jobs))


def gap_closed(model: float, spline: float, reference: float) -> float:
    """How much of the spline-to-reference gap a model closes on a no-reference measure:
    (model - spline) / (reference - spline); 1 = the reference's score, 0 = the spline's,
    negative = below the spline. NaN where the gap is under 0.01 (nothing to close)."""
    gap = reference - spline
    if not all(map(math.isfinite, (model, spline, reference))) or abs(gap) < 0.01:
        return float("nan")
    return (model - spline) / gap
