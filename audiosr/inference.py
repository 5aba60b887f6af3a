"""Super-resolve audio of any length in bounded memory.

The network is fully convolutional: an output sample depends only on the input within its
receptive field. So the low-res stream is cut into hops of H samples, each processed with C
samples of context on either side (spline, then network), and only the hop's own output is
kept. Hop and context are multiples of the network's alignment (2^(B+1) high-res samples for
AudioUNet's strided convolutions and SubPixel shuffles), so every window sees the same sample
phase as the whole file would, and the result equals whole-file processing to float precision
(tests/test_inference.py). Memory depends on H + 2C, not on the file's length.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np
import torch

from .dsp import spline_upsample

SPLINE_MARGIN = 32  # low-res samples: the cubic spline's influence decays ~0.27x per sample
HR_RATE = 16000     # what every model is trained to produce
RATE_TOLERANCE = 1.0  # Hz: file headers hold whole hertz, so 16000 / 6 arrives as 2666 or 2667


def alignment(model) -> int:
    """High-res sample phase the model must see preserved (1 for shift-invariant models)."""
    cfg = getattr(model, "config", None)
    if cfg is not None and getattr(cfg, "multiple", None):
        return int(cfg.multiple)
    from .dnn import HOP, BandDNN

    return HOP if isinstance(model, BandDNN) else 1


def context_hr(model) -> int:
    """High-res samples of context each side that make a window's kept output exact."""
    from .dnn import CONTEXT, HOP, N_FFT, BandDNN
    from .model import AudioUNet, receptive_field

    if isinstance(model, AudioUNet):
        return receptive_field(model.config) // 2 + 1
    if isinstance(model, BandDNN):
        return N_FFT + CONTEXT * HOP
    raise TypeError(f"unknown model type {type(model).__name__}: cannot bound its receptive field.")


class Upsampler:
    """Low-res samples in, high-res samples out, in windows of bounded size.

    Args:
        model: a trained network in eval mode (spline-upsampled input, same-length output).
        ratio: the upsampling ratio r it was trained for.
        hop: low-res samples kept per window (rounded up to the alignment).
        batch: windows run through the network together (useful on a GPU).
        device, amp: where to run; bf16 autocast when `amp` (CUDA).
    """

    def __init__(self, model: torch.nn.Module, ratio: int, hop: int = 16384, batch: int = 1,
                 device: str | torch.device = "cpu", amp: bool = False):
        self.model, self.r, self.batch, self.amp = model.eval(), int(ratio), max(1, batch), amp
        self.device = torch.device(device)
        a_lr = math.lcm(alignment(model), self.r) // self.r  # low-res step that keeps the high-res phase
        self.context = _round_up(math.ceil(context_hr(model) / self.r) + SPLINE_MARGIN, a_lr)
        self.hop = _round_up(max(hop, a_lr), a_lr)

    def window_samples(self) -> int:
        """Low-res samples per window: what memory scales with."""
        return self.hop + 2 * self.context

    @torch.no_grad()
    def _net(self, splines: list[np.ndarray]) -> list[np.ndarray]:
        """Run windows through the network, `batch` equal-length windows at a time."""
        out, i = [], 0
        while i < len(splines):
            j = i + 1
            while j < len(splines) and j - i < self.batch and len(splines[j]) == len(splines[i]):
                j += 1
            x = torch.from_numpy(np.stack(splines[i:j])).to(self.device).unsqueeze(1)
            with torch.autocast(self.device.type, torch.bfloat16, enabled=self.amp):
                y = self.model(x)
            out += list(y.squeeze(1).float().cpu().numpy())
            i = j
        return out

    def stream(self, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """Yield high-res blocks for low-res `blocks` of any sizes (one channel)."""
        state = self.open()
        for block in blocks:
            yield from state.push(block)
        yield from state.finish()

    def open(self) -> "Stream":
        """A push-style stream: `push(lr block)` and `finish()` return high-res blocks."""
        return Stream(self)

    def process(self, lr: np.ndarray) -> np.ndarray:
        """A whole low-res array (one channel) to high-res, windowed internally."""
        lr = np.asarray(lr, np.float32).ravel()
        if len(lr) < 4:
            raise ValueError(f"{len(lr)} low-res samples: the cubic spline needs at least 4.")
        return np.concatenate(list(self.stream([lr])))


class Stream:
    """One channel's state: buffered low-res samples and windows waiting for a batch."""

    def __init__(self, up: Upsampler):
        self.up = up
        self.buf, self.buf_start, self.next, self.total = np.zeros(0, np.float32), 0, 0, 0
        self.pending: list[tuple[np.ndarray, int, int]] = []  # (window, keep from, keep to), low-res units

    def _run(self, force: bool = False) -> list[np.ndarray]:
        if not self.pending or (not force and len(self.pending) < self.up.batch):
            return []
        r = self.up.r
        outs = self.up._net([spline_upsample(w, r) for w, _, _ in self.pending])
        kept = [y[a * r:b * r] for y, (_, a, b) in zip(outs, self.pending)]
        self.pending = []
        return kept

    def push(self, block: np.ndarray) -> list[np.ndarray]:
        H, C = self.up.hop, self.up.context
        block = np.asarray(block, np.float32).ravel()
        self.buf = np.concatenate([self.buf, block])
        self.total += len(block)
        out = []
        while self.total >= self.next + H + C:  # the window for hop [next, next + H) is complete
            ws = max(0, self.next - C)
            lo = ws - self.buf_start
            self.pending.append((self.buf[lo:lo + self.next + H + C - ws], self.next - ws, self.next + H - ws))
            out += self._run()
            self.next += H
            drop = max(0, self.next - C) - self.buf_start
            self.buf, self.buf_start = self.buf[drop:], self.buf_start + drop
        return out

    def finish(self) -> list[np.ndarray]:
        """The tail: windows end where the signal ends, as whole-file processing does."""
        H, C = self.up.hop, self.up.context
        if self.total < 4:
            raise ValueError(f"{self.total} low-res samples: the cubic spline needs at least 4.")
        while self.next < self.total:
            ws, end = max(0, self.next - C), min(self.total, self.next + H)
            self.pending.append((self.buf[ws - self.buf_start:], self.next - ws, end - ws))
            self.next = end
        return self._run(force=True)


def upsample(x: np.ndarray, sr: float, ratio: int = 4, model=None, device: str = "cpu",
             hop: int = 16384) -> np.ndarray:
    """Super-resolve an array to 16 kHz: the Python face of `audiosr upsample`.

    Args:
        x: samples, shape (n,) or (n, channels), any float or int dtype.
        sr: its sample rate; a rate more than 1 Hz from the model's low-res rate (16000 / ratio)
            is first resampled to it (soxr HQ), a rate within 1 Hz is taken as that rate.
        ratio: the upsampling ratio r of the model.
        model: a loaded model, a shipped model's name or a file path (`load_model`), or None
            for the shipped model for `ratio`.
        device: where to run the network.

    Returns:
        float32 samples at 16 kHz, r times as many as the low-res input, same channel layout.
    """
    import soxr

    from .shipped import load_any

    x = np.asarray(x)
    if x.ndim not in (1, 2) or x.shape[0] < 1:
        raise ValueError(f"x must be (samples,) or (samples, channels), got shape {x.shape}.")
    if np.issubdtype(x.dtype, np.integer):
        x = x / float(np.iinfo(x.dtype).max)
    x = np.asarray(x, np.float32)
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or inf samples.")
    if not isinstance(model, torch.nn.Module):
        model = load_any(model, ratio, device)
    lr_rate = HR_RATE / ratio
    if abs(sr - lr_rate) > RATE_TOLERANCE:
        x = soxr.resample(x, sr, lr_rate, quality="HQ").astype(np.float32)
    up = Upsampler(model, ratio, hop=hop, device=device)
    cols = x[:, None] if x.ndim == 1 else x
    y = np.stack([up.process(cols[:, c]) for c in range(cols.shape[1])], axis=1)
    return y[:, 0] if x.ndim == 1 else y


def _round_up(n: int, m: int) -> int:
    return -(-int(n) // m) * m
