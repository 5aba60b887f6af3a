"""What a learned model must beat: the paper's cubic spline, and the band-limited resamplers a
user would try first. Each baseline maps the low-res clip (and its spline, which the pipeline
already has) to a high-res estimate of exactly r times the length.

The DNN of Li et al. (2015), the paper's learned baseline, is a trained model: `audiosr.networks.dnn`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import soxr

from audiosr.core.audio import fit_length, resample
from audiosr.core.dsp import HR_RATE, lowres_rate

Baseline = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x_lr, spline) -> estimate, len(spline)
# The baselines' names: their keys in `all_baselines` and their rows in every table.
SPLINE, POLYPHASE, SOXR = "cubic spline", "polyphase (scipy)", "soxr HQ"
SINC = (
    "sinc (soxr VHQ)"  # band-limited interpolation: the baseline bandwidth-extension papers report
)


def spline(x_lr: np.ndarray, spline_x: np.ndarray) -> np.ndarray:
    """The paper's baseline: cubic B-spline through the low-res samples (computed by dsp)."""
    return np.asarray(spline_x, dtype=np.float32)


def polyphase(r: int) -> Baseline:
    """scipy's polyphase resampler (Kaiser-windowed FIR): ideal band-limited interpolation."""
    return lambda x_lr, sp: resample(np.asarray(x_lr, np.float64), 1, r, length=len(sp))


def soxr_hq(r: int, sr: int = HR_RATE, quality: str = "HQ") -> Baseline:
    """libsoxr's high-quality resampler (librosa's default backend); ``VHQ``: its very high
    quality, the field's sinc interpolation."""
    return lambda x_lr, sp: fit_length(
        soxr.resample(np.asarray(x_lr, np.float32), lowres_rate(r, sr), sr, quality), len(sp)
    )


def all_baselines(r: int, sr: int = HR_RATE) -> dict[str, Baseline]:
    return {
        SPLINE: spline,
        POLYPHASE: polyphase(r),
        SOXR: soxr_hq(r, sr),
        SINC: soxr_hq(r, sr, "VHQ"),
    }
