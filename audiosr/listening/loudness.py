"""Loudness matching for listening: every version of a clip at the same ITU-R BS.1770-4
integrated loudness (K-weighted, gated; pyloudnorm's implementation), with no clipping.

Why: listeners prefer the louder of two otherwise equal sounds, and removing a band lowers the
loudness of low-res and spline versions; matching it leaves only the band's content to judge.
"""

from __future__ import annotations

import numpy as np

from audiosr.core.extras import need

TARGET_LUFS = -26.0  # leaves ~20 dB of headroom for speech peaks at 16-bit
MAX_PEAK = 0.99
MIN_SECONDS = 0.4  # one BS.1770 gating block


class LoudnessError(ValueError):
    """A clip too short or too quiet to measure."""


def loudness(x: np.ndarray, sr: int) -> float:
    """Integrated loudness in LUFS (BS.1770-4)."""
    pyloudnorm = need("pyloudnorm")

    x = np.asarray(x, dtype=np.float64)
    if len(x) < MIN_SECONDS * sr:
        raise LoudnessError(
            f"{len(x) / sr:.2f} s is shorter than one {MIN_SECONDS} s BS.1770 block."
        )
    value = pyloudnorm.Meter(sr).integrated_loudness(x)
    if not np.isfinite(value):
        raise LoudnessError("the clip is silent (below the -70 LUFS gate): nothing to match.")
    return float(value)


def match_loudness(
    versions: dict[str, np.ndarray],
    sr: int,
    target: float = TARGET_LUFS,
    max_peak: float = MAX_PEAK,
) -> tuple[dict[str, np.ndarray], float]:
    """Scale each version to `target` LUFS; if any would then peak above `max_peak`, lower all
    of them by the same amount, so they stay equally loud and none clips.

    Returns the scaled versions and the common loudness they now have (LUFS).
    """
    scaled = {
        k: np.asarray(x, np.float64) * 10 ** ((target - loudness(x, sr)) / 20)
        for k, x in versions.items()
    }
    peak = max(float(np.max(np.abs(x))) for x in scaled.values())
    common = min(1.0, max_peak / peak) if peak > 0 else 1.0
    return {k: (x * common).astype(np.float32) for k, x in scaled.items()}, target + 20 * np.log10(
        common
    )
