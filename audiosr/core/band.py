"""The input's band: the one band every model sees, where the input's own band ends, and that
band put back.

Low-res audio made by different tools ends at different places below its Nyquist frequency
f_c. scipy's `decimate`, which made the training data, keeps its band flat to 0.8 f_c and then
rolls off over 0.8-1.0 f_c (-4 dB at 0.84, -15 at 0.88, -28 at 0.92, -40 at 0.96): the signal
is still there, only attenuated, and undoing that roll-off is most of what a model trained on
it gains over the spline. soxr and polyphase resamplers keep their band flat to 0.9-0.97 f_c,
so a network trained on `decimate` boosts what should not be boosted (the paper's Table 3 in
small). So the pipeline is the same for every input whose maker is not known:

1. `front_end`: `decimate`'s own anti-aliasing response (zero-phase Chebyshev I, order 8, at
   0.8 f_c), applied at the low rate as a linear-phase FIR: any input whose band reaches at
   least 0.84 f_c then carries the roll-off the network learned to undo;
2. the network re-creates the band above;
3. `restore`: below the input's own edge (`band_edge`, estimated from the input's spectrum,
   so the pipeline stays blind), the output takes the input's real content (band-limited
   interpolation), which the front end had attenuated.

Input known to be made by `decimate` skips 1 and 3 (`inference.windows.Upsampler(made_by="decimate")`):
it already has the roll-off, and a second one would halve what the network can undo.
Both filters are FIRs, so a window with `reach` samples of context each side gives exactly
what the whole file gives (`inference.windows.Upsampler`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal

from audiosr.core.dsp import DECIMATE_REACH, decimate_taps

FRONT_CUTOFF = 0.84  # fraction of the low-res Nyquist: where `decimate`'s band is 4 dB down
EDGE_DROP_DB = 10.0  # a band ends where its spectrum falls this far below its 0.45-0.7 level
EDGE_MARGIN = 0.02  # the real band is taken up to this much below the detected edge
EDGE_SMOOTH = 5  # spectrum bins averaged (in dB) before looking for the edge
EDGE_MIN, EDGE_MAX = 0.5, 0.97
EDGE_NPERSEG = 256
RESTORE_WIDTH = 0.06  # transition of the restoring low-pass, a fraction of the low-res Nyquist
INTERP_TAPS_PER_PHASE = 32  # band-limited interpolation: taps per output phase


@lru_cache(maxsize=16)
def front_taps(r: int) -> np.ndarray:
    """The front end's FIR at the low rate: `decimate(x, r)`'s filter as the low-res signal
    sees it (its high-rate impulse response at every r-th tap, which aliases less than -50 dB
    since the filter has stopped by f_c), so the roll-off is exactly the one in training."""
    return r * decimate_taps(r)[::r]


def front_end(x_lr: np.ndarray, r: int) -> np.ndarray:
    """Give the low-res signal `decimate`'s roll-off (zero delay; zeros beyond its ends)."""
    x = np.asarray(x_lr, np.float64)
    return signal.oaconvolve(x, front_taps(r), mode="same").astype(np.float32)


def front_reach() -> int:
    """Low-res samples of context the front end needs each side."""
    return DECIMATE_REACH


class EdgeMeter:
    """Accumulates the low-res signal's power spectrum block by block (a file read in blocks
    gives the same estimate as the whole array)."""

    def __init__(self):
        self.power = np.zeros(EDGE_NPERSEG // 2 + 1)
        self.tail = np.zeros(0)
        self.window = signal.get_window("hann", EDGE_NPERSEG)

    def add(self, x_lr: np.ndarray) -> None:
        x = np.concatenate([self.tail, np.asarray(x_lr, np.float64).ravel()])
        hop = EDGE_NPERSEG // 2
        n = (len(x) - EDGE_NPERSEG) // hop + 1 if len(x) >= EDGE_NPERSEG else 0
        if n > 0:
            idx = np.arange(EDGE_NPERSEG)[None] + hop * np.arange(n)[:, None]
            frames = x[idx] * self.window
            self.power += (np.abs(np.fft.rfft(frames, axis=1)) ** 2).sum(0)
        self.tail = x[n * hop :]

    def edge(self) -> float:
        """The band edge as a fraction of the Nyquist frequency (`band_edge`)."""
        return edge_from_power(self.power)


def edge_from_power(power: np.ndarray) -> float:
    """Where the band ends: the first frequency above 0.7 f_c at which the spectrum is
    `EDGE_DROP_DB` below its median over 0.45-0.7 f_c, less `EDGE_MARGIN`, within
    [EDGE_MIN, EDGE_MAX]. A spectrum with no such cliff (aliased input, noise) gives EDGE_MAX."""
    power = np.asarray(power, np.float64)
    if not np.any(power > 0):
        return EDGE_MAX
    f = np.linspace(0, 1, len(power))
    db = 10 * np.log10(power + power.max() * 1e-12)
    db = np.convolve(
        np.pad(db, EDGE_SMOOTH // 2, mode="edge"), np.ones(EDGE_SMOOTH) / EDGE_SMOOTH, "valid"
    )
    ref = np.median(db[(f >= 0.45) & (f <= 0.7)])
    below = np.flatnonzero((f > 0.7) & (db < ref - EDGE_DROP_DB))
    if len(below) == 0:
        return EDGE_MAX
    return float(np.clip(f[below[0]] - EDGE_MARGIN, EDGE_MIN, EDGE_MAX))


def band_edge(x_lr: np.ndarray) -> float:
    """Where the low-res signal's real band ends, as a fraction of its Nyquist frequency: about
    0.84 for `decimate`, 0.9 and more for soxr and polyphase resamplers, 0.97 (the most) for
    input with no filter edge."""
    meter = EdgeMeter()
    meter.add(x_lr)
    return meter.edge()


@lru_cache(maxsize=64)
def interp_taps(r: int) -> np.ndarray:
    """resample_poly's FIR for upsampling by r (Kaiser, 5.0), `INTERP_TAPS_PER_PHASE` per phase."""
    n = 2 * INTERP_TAPS_PER_PHASE * r + 1
    return r * signal.firwin(n, 1.0 / r, window=("kaiser", 5.0))


def interpolate(x_lr: np.ndarray, r: int) -> np.ndarray:
    """Band-limited interpolation to r times the rate (exact below the low-res Nyquist, unlike
    the cubic spline, which droops there); sample r * k is low-res sample k's instant."""
    x = np.asarray(x_lr, np.float64)
    up = np.zeros(len(x) * r)
    up[::r] = x
    return signal.oaconvolve(up, interp_taps(r), mode="same")


def network_input(x_lr: np.ndarray, r: int, interp: str = "spline") -> np.ndarray:
    """The low-res signal on the high-res grid as a model takes it: the paper's cubic spline,
    or band-limited interpolation (``sinc``), len(x_lr) * r float32 samples either way."""
    from audiosr.core.dsp import spline_upsample

    if interp == "spline":
        return spline_upsample(x_lr, r)
    if interp == "sinc":
        return interpolate(x_lr, r).astype(np.float32)
    raise ValueError(f"interp={interp!r}: spline or sinc.")


def interp_reach() -> int:
    """Low-res samples of context band-limited interpolation needs each side."""
    return INTERP_TAPS_PER_PHASE


@lru_cache(maxsize=64)
def restore_taps(r: int, edge: float) -> np.ndarray:
    """The high-res low-pass that keeps the input's band below `edge` f_c."""
    width = RESTORE_WIDTH / r  # a fraction of the high-res Nyquist
    n = int(np.ceil(5.0 / width)) | 1  # Kaiser, ~60 dB
    return signal.firwin(n, (edge - RESTORE_WIDTH / 2) / r, window=("kaiser", 5.6))


def restore_reach(r: int) -> int:
    """High-res samples of context `restore` needs each side."""
    return len(restore_taps(r, FRONT_CUTOFF)) // 2 + len(interp_taps(r)) // 2


def restore(y: np.ndarray, x_lr: np.ndarray, r: int, edge: float) -> np.ndarray:
    """The network's output `y` with its band below `edge` f_c replaced by the input's own."""
    y = np.asarray(y, np.float64)
    diff = interpolate(x_lr, r)[: len(y)] - y
    return (y + signal.oaconvolve(diff, restore_taps(r, round(edge, 3)), mode="same")).astype(
        np.float32
    )
