"""Bringing input at any rate to the model's low-res rate, as the models were trained: what
`audiosr upsample` and `audiosr.upsample` do to a file or array at another rate, and which rates
are taken as audio at all."""

from __future__ import annotations

import numpy as np
from scipy import signal

from audiosr.core.dsp import HR_RATE, decimate_taps, lowres_rate

RATE_TOLERANCE = 1.0  # Hz: file headers hold whole hertz, so 16000 / 6 arrives as 2666 or 2667
RATE_RANGE = (1000.0, 768000.0)  # Hz: sample rates accepted for input audio


def check_rate(sr, what: str = "sample rate") -> float:
    """A usable input rate as a float; NaN, infinite or absurd rates are a ValueError naming
    `what` (a header claiming 1 Hz would make 800,000 samples of a few bytes)."""
    try:
        rate = float(sr)
    except (TypeError, ValueError):
        raise ValueError(f"{what}={sr!r}: a number of hertz.") from None
    lo, hi = RATE_RANGE
    if not lo <= rate <= hi:  # False for NaN too
        raise ValueError(f"{what}={sr!r}: audio rates here are {lo:g} to {hi:g} Hz.")
    return rate


class ToModelRate:
    """Brings audio at any rate to the model's low-res rate the way the models were trained:
    soxr (very high quality) to 16 kHz where it is not already there, then `decimate`'s own
    anti-aliasing filter (its zero-phase response as an FIR, `dsp.decimate_taps`) and every
    r-th sample. The result is input made by `decimate`, which the network handles best (soxr
    straight to the low rate keeps a band the network would boost). Streams block by block:
    `resample_chunk(block, last)` as soxr's streams, (frames, channels) in and out."""

    def __init__(self, rate: float, ratio: int, channels: int):
        import soxr

        self.r, self.taps = int(ratio), decimate_taps(int(ratio))
        self.reach = len(self.taps) // 2
        self.soxr = None
        if abs(rate - HR_RATE) > RATE_TOLERANCE:
            self.soxr = soxr.ResampleStream(rate, HR_RATE, channels, dtype="float32", quality="VHQ")
        self.buf = np.zeros((0, channels))  # 16 kHz samples from `start` on
        self.start = self.next = self.total = 0  # next: the next output's 16 kHz index

    def resample_chunk(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        x = block if self.soxr is None else self.soxr.resample_chunk(block, last=last)
        self.buf = np.concatenate([self.buf, np.asarray(x, np.float64)])
        self.total += len(x)
        R, r = self.reach, self.r
        end = self.total if last else self.total - R  # outputs whose taps have all arrived
        if end <= self.next:
            return np.zeros((0, self.buf.shape[1]), np.float32)
        n_out = (end - 1 - self.next) // r + 1
        lo, hi = self.next - R, self.next + (n_out - 1) * r + R + 1  # 16 kHz span they need
        seg = np.zeros((hi - lo, self.buf.shape[1]))
        a, b = max(lo, self.start), min(hi, self.total)
        seg[a - lo : b - lo] = self.buf[a - self.start : b - self.start]
        y = np.stack(
            [
                signal.oaconvolve(seg[:, c], self.taps, mode="valid")[::r]
                for c in range(seg.shape[1])
            ],
            axis=1,
        )
        self.next += n_out * r
        drop = max(0, self.next - R - self.start)
        self.buf, self.start = self.buf[drop:], self.start + drop
        return y.astype(np.float32)


def to_model_rate(rate: float, ratio: int, channels: int) -> ToModelRate | None:
    """The stream that brings audio at `rate` to the model's low-res rate (`ToModelRate`), or
    None for audio already at it (within `RATE_TOLERANCE`: headers hold whole hertz)."""
    if abs(rate - lowres_rate(ratio)) <= RATE_TOLERANCE:
        return None
    return ToModelRate(rate, ratio, channels)


def rate_note(rate: float, ratio: int) -> str:
    """What resampling an input at `rate` to the model's low-res rate does to it."""
    lowres_sr = lowres_rate(ratio)
    note = (
        f"resampled {rate:g} Hz -> {lowres_sr:g} Hz as decimate makes it, the model's input "
        f"rate for r = {ratio}"
    )
    if rate > lowres_sr:
        note += (
            f": its content above {lowres_sr / 2000:g} kHz was discarded and is re-created by "
            "the model; --ratio should match how the audio lost its band (a smaller ratio keeps "
            "more of a wideband file)"
        )
    return note
