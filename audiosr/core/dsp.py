"""The paper's low-resolution simulation: low-pass + subsample, then cubic-spline back up.

High-res sample `r * k` and low-res sample `k` are the same instant, as in the original code:
`scipy.signal.decimate` keeps every r-th sample starting at 0, and the spline places low-res
sample k at high-res position r * k. So `spline_upsample(lowres(x, r), r)[::r] == lowres(x, r)`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import interpolate, signal

HR_RATE = 16000  # the paper's high-res rate: all data, and every model's output


def lowres_rate(ratio: int, sr: int = HR_RATE) -> int | float:
    """The low-res rate sr / r: an int where r divides sr (16000 / 4 = 4000), else the exact
    fraction as a float (16000 / 6 = 2666.67 Hz, not 2666)."""
    return sr // ratio if sr % ratio == 0 else sr / ratio


CHEBY_ORDER = 8  # scipy.signal.decimate's default IIR: Chebyshev type I, order 8,
CHEBY_RIPPLE_DB = 0.05  # 0.05 dB pass-band ripple, cut-off at 0.8 of the new Nyquist


def valid_ratio(r: int) -> int:
    """`r` as an int where it is a whole number of at least 2; text ("4") is refused, never
    compared with a number."""
    if isinstance(r, bool) or not isinstance(r, numbers.Real) or not float(r).is_integer() or r < 2:
        raise ValueError(f"ratio must be an integer >= 2 (the upsampling factor), got {r!r}.")
    return int(r)


def crop_to_multiple(x: np.ndarray, m: int) -> np.ndarray:
    """Drop the last len(x) % m samples (the original code crops HR to a multiple of r)."""
    return x[: len(x) - len(x) % m]


def lowpass_filter(r: int) -> tuple[np.ndarray, np.ndarray]:
    """The (b, a) anti-aliasing filter `decimate(x, r)` applies: cheby1(8, 0.05, 0.8 / r)."""
    return signal.cheby1(CHEBY_ORDER, CHEBY_RIPPLE_DB, 0.8 / valid_ratio(r))


DECIMATE_REACH = 128  # low-res samples each side kept of `decimate`'s impulse response


@lru_cache(maxsize=16)
def decimate_taps(r: int) -> np.ndarray:
    """`decimate(x, r)`'s filter as an FIR at the high rate (less than -60 dB of its energy
    left out): streaming code applies it to make the input `lowres` makes without holding
    the whole signal."""
    sos = signal.cheby1(CHEBY_ORDER, CHEBY_RIPPLE_DB, 0.8 / valid_ratio(r), output="sos")
    reach, n = DECIMATE_REACH * r, 8 * DECIMATE_REACH * r
    delta = np.zeros(2 * n + 1)
    delta[n] = 1.0
    return signal.sosfiltfilt(sos, delta)[n - reach : n + reach + 1]


def lowres(x: np.ndarray, r: int, lowpass: bool = True) -> np.ndarray:
    """Simulate the low-res signal: zero-phase order-8 Chebyshev I low-pass, keep every r-th sample.

    `lowpass=False` is Table 3's variant, plain `x[::r]` (aliasing included).
    `x` should already be cropped to a multiple of r; the result has len(x) // r samples.
    """
    r = valid_ratio(r)
    x = np.asarray(x, dtype=np.float64)
    if len(x) % r:
        raise ValueError(f"length {len(x)} is not a multiple of r={r}: crop_to_multiple first.")
    y = signal.decimate(x, r, ftype="iir", zero_phase=True) if lowpass else x[::r]
    return y.astype(np.float32)


def spline_upsample(x_lr: np.ndarray, r: int) -> np.ndarray:
    """Cubic B-spline through the low-res samples at positions 0, r, 2r, ..., on the high-res grid.

    Output length is len(x_lr) * r (the last r - 1 samples are spline extrapolation, as in the
    original code's `splrep`/`splev`).
    """
    r = valid_ratio(r)
    x_lr = np.asarray(x_lr, dtype=np.float64).ravel()
    if len(x_lr) < 4:
        raise ValueError(f"cubic spline needs at least 4 low-res samples, got {len(x_lr)}.")
    n_hr = len(x_lr) * r
    tck = interpolate.splrep(np.arange(0, n_hr, r), x_lr)
    return interpolate.splev(np.arange(n_hr), tck).astype(np.float32)


@dataclass
class Triplet:
    """One clip at the three resolutions the paper works with, all aligned."""

    hr: np.ndarray  # high-res target, cropped to a multiple of r
    lowres: np.ndarray  # low-res signal, len(hr) // r
    spline: np.ndarray  # network input: lowres back on the high-res grid, len(hr)


def make_triplet(x: np.ndarray, r: int, lowpass: bool = True) -> Triplet:
    """HR (cropped), LR and spline for one clip, exactly as the paper's data pipeline."""
    hr = crop_to_multiple(np.asarray(x, dtype=np.float32), valid_ratio(r))
    if len(hr) < 4 * r:
        raise ValueError(f"clip of {len(x)} samples is too short for r={r}: need at least {4 * r}.")
    x_lr = lowres(hr, r, lowpass)
    return Triplet(hr=hr, lowres=x_lr, spline=spline_upsample(x_lr, r))


def band_energy_fraction(x: np.ndarray, sr: int, above_hz: float = 4000.0) -> float:
    """Fraction of the signal's energy above `above_hz`: what a 16 kHz target must predict.

    An 8 kHz source has ~0 here and teaches a model nothing about the 4-8 kHz band.
    """
    spec = np.abs(np.fft.rfft(np.asarray(x, dtype=np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / sr)
    total = spec.sum()
    return float(spec[freqs > above_hz].sum() / total) if total > 0 else 0.0


def noise_above(reference: np.ndarray, sr: int, ratio: int, seed: int = 0) -> np.ndarray:
    """White noise above the low-res Nyquist frequency with the energy `reference` has there,
    each FFT bin at the reference's level with a random phase: what LSD (log spectra, no phase)
    scores as well as the real band, and SNR (the waveform) does not. Shows why LSD alone
    can reward hiss."""
    ref = np.fft.rfft(np.asarray(reference, dtype=np.float64))
    above = np.fft.rfftfreq(len(reference), 1.0 / sr) > sr / (2 * ratio)
    phase = np.random.default_rng(seed).uniform(0, 2 * np.pi, above.sum())
    noise = np.zeros_like(ref)
    noise[above] = np.abs(ref[above]) * np.exp(1j * phase)
    return np.fft.irfft(noise, len(reference)).astype(np.asarray(reference).dtype)


def bandwidth_hz(x: np.ndarray, sr: int, floor_db: float = 50.0) -> float:
    """The highest frequency whose power is within `floor_db` of the spectrum's peak.

    Welch's average over 32 ms frames, so one click or a single bin cannot decide it. A file
    recorded at 8 kHz, or through a telephone band, stops near 4 kHz however it is stored.
    """
    x = np.asarray(x, dtype=np.float64)
    freqs, power = signal.welch(x, sr, nperseg=min(len(x), 512))
    if not np.any(power > 0):
        return 0.0
    return float(freqs[np.flatnonzero(power >= power.max() * 10 ** (-floor_db / 10))].max())
