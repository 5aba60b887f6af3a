"""Players for listening side by side: a row of labelled audio widgets in JupyterLab."""
from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

PLAYBACK_SR = 16000
MIN_PLAYABLE_SR = 8000  # browsers refuse wav below ~3 kHz; LR at r = 6 is 2.67 kHz


def playable(x: np.ndarray, sr: float) -> tuple[np.ndarray, int]:
    """A clip at a rate every browser plays: low or fractional rates are band-limited resampled
    to 16 kHz, which keeps exactly the sound of the low-res signal (nothing above its Nyquist)."""
    if float(sr).is_integer() and sr >= MIN_PLAYABLE_SR:
        return np.asarray(x, dtype=np.float32), int(sr)
    ratio = Fraction(PLAYBACK_SR / sr).limit_denominator(1000)
    y = resample_poly(np.asarray(x, dtype=np.float64), ratio.numerator, ratio.denominator)
    return y.astype(np.float32), PLAYBACK_SR


def wav_bytes(x: np.ndarray, sr: float) -> bytes:
    """16-bit wav bytes of a clip at a playable rate, peak-normalised only if it would clip."""
    x, sr = playable(x, sr)
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak > 1.0:
        x = x / peak
    buf = io.BytesIO()
    sf.write(buf, x, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def players(signals: dict[str, tuple[np.ndarray, int]]):
    """An ipywidgets row of labelled players (HR / LR / spline ...); each plays at its own rate.

    Falls back to IPython's static Audio elements where ipywidgets is unavailable.
    """
    try:
        import ipywidgets as w
    except ImportError:  # pragma: no cover - ipywidgets is a dependency, this is for bare kernels
        from IPython.display import Audio
        return [Audio(wav_bytes(x, sr)) for x, sr in signals.values()]
    cells = [w.VBox([w.HTML(f"<b>{label}</b> <small>{sr / 1000:g} kHz</small>"),
                     w.Audio(value=wav_bytes(x, sr), format="wav", autoplay=False, loop=False)])
             for label, (x, sr) in signals.items()]
    return w.HBox(cells)
