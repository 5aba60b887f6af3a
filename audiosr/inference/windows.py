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

from audiosr.core import band

SPLINE_MARGIN = 32  # low-res samples: the cubic spline's influence decays ~0.27x per sample
SILENCE_DBFS = -90.0  # input level at or below which the output is the spline alone
GATE_KNEE_DB = 20.0  # the network's correction fades in over the next 20 dB (full from -70 dBFS)
GATE_SPAN = 320  # high-res samples (20 ms) over which the input level is measured
MADE_BY = (None, "decimate")  # what `made_by` can say about how the low-res input was made


def alignment(model) -> int:
    """High-res sample phase the model must see preserved (its `alignment`; 1 if it has none)."""
    return int(getattr(model, "alignment", 1))


def input_interp(model) -> str:
    """How the model takes its input (`band.network_input`): its config's `interp`, else the
    paper's spline."""
    return getattr(getattr(model, "config", None), "interp", "spline")


def context_hr(model) -> int:
    """High-res samples of context each side that make a window's kept output exact: the
    model's `context` (AudioUNet: half its receptive field; the DNN: its STFT frames)."""
    if not hasattr(model, "context"):
        raise TypeError(
            f"unknown model type {type(model).__name__}: it has no `context` bounding its receptive field."
        )
    return int(model.context)


def silence_gate(spline: np.ndarray) -> np.ndarray:
    """Per-sample weight of the network's correction: 0 where the input is silence (its level
    over 20 ms at or below -90 dBFS), 1 from -70 dBFS up. A network's biases make a small signal
    out of nothing (-80 to -70 dBFS of hum and edge clicks from digital silence); gated, silence
    in is silence out, and speech (far above -70 dBFS) is untouched."""
    from scipy.ndimage import uniform_filter1d

    power = uniform_filter1d(np.asarray(spline, np.float64) ** 2, GATE_SPAN, mode="constant")
    level = 10 * np.log10(np.maximum(power, 1e-30))
    return np.clip((level - SILENCE_DBFS) / GATE_KNEE_DB, 0.0, 1.0).astype(np.float32)


class BrokenModelError(ValueError):
    """The network gave NaN or inf for finite input: the model, not the input, is at fault."""


class Upsampler:
    """Low-res samples in, high-res samples out, in windows of bounded size.

    Args:
        model: a trained network in eval mode (spline-upsampled input, same-length output).
        ratio: the upsampling ratio r it was trained for.
        hop: low-res samples kept per window (rounded up to the alignment).
        batch: windows run through the network together (useful on a GPU).
        device, amp: where to run; bf16 autocast when `amp` (CUDA).
        gate: keep silence silent (`silence_gate`); False gives the network's raw output.
        edge: for a model with a front end or on band-limited input (`band`), where the
            input's real band ends (a fraction of its Nyquist frequency); below it the output
            keeps the input's own content. ``None``: `process` estimates it from the input
            (`band.band_edge`), a stream keeps only what the front end passes.
        made_by: how the low-res input was made, where that is known: "decimate" (scipy's, the
            paper's and the training data's) skips the front end, since the input already has
            the roll-off it gives. ``None``: unknown, the blind pipeline.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        ratio: int,
        hop: int = 16384,
        batch: int = 1,
        device: str | torch.device = "cpu",
        amp: bool = False,
        gate: bool = True,
        edge: float | None = None,
        made_by: str | None = None,
    ):
        if made_by not in MADE_BY:
            raise ValueError(f"made_by={made_by!r}: one of {', '.join(map(str, MADE_BY))}.")
        self.model, self.r, self.batch, self.amp = model.eval(), int(ratio), max(1, batch), amp
        self.gate, self.edge = gate, edge
        self.front_end = bool(getattr(model, "front_end", False)) and made_by != "decimate"
        self.interp = input_interp(model)
        # The input's own band is put back below its edge (`band.restore`) after a front end,
        # and for a model on band-limited input, which that band already is exactly.
        self.keeps_band = self.front_end or self.interp == "sinc"
        self.device = torch.device(device)
        # The low-res step that keeps the high-res phase.
        a_lr = math.lcm(alignment(model), self.r) // self.r
        reach = context_hr(model) + GATE_SPAN // 2  # the gate's level is measured around too
        margin = SPLINE_MARGIN if self.interp == "spline" else band.interp_reach()
        if self.keeps_band:  # the restoring filter after the net
            reach += band.restore_reach(self.r)
        if self.front_end:  # the front end before the interpolation
            margin += band.front_reach()
        self.context = _round_up(math.ceil(reach / self.r) + margin, a_lr)
        self.hop = _round_up(max(hop, a_lr), a_lr)

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
        yield from state.flush()

    def open(self, edge: float | None = None) -> "Stream":
        """A push-style stream: `push(low-res block)` and `flush()` return high-res blocks.
        `edge`: the input's band edge (default: the Upsampler's; see its docstring)."""
        return Stream(self, self.edge if edge is None else edge)

    def process(self, x_lr: np.ndarray) -> np.ndarray:
        """A whole low-res array (one channel) to high-res, windowed internally."""
        x_lr = np.asarray(x_lr, np.float32).ravel()
        if len(x_lr) < 4:
            raise ValueError(f"{len(x_lr)} low-res samples: the cubic spline needs at least 4.")
        edge = self.edge
        if edge is None and self.keeps_band:
            edge = band.band_edge(x_lr)
        state = self.open(edge)
        return np.concatenate(state.push(x_lr) + state.flush())


class Stream:
    """One channel's state: buffered low-res samples and windows waiting for a batch."""

    def __init__(self, up: Upsampler, edge: float | None = None):
        self.up = up
        self.edge = band.FRONT_CUTOFF if edge is None else float(edge)
        self.ended = False  # the pending windows include the signal's last one
        self.buf, self.buf_start, self.next, self.total = np.zeros(0, np.float32), 0, 0, 0
        self.pending: list[
            tuple[np.ndarray, int, int]
        ] = []  # (window, keep from, keep to), low-res units

    def _run(self, force: bool = False) -> list[np.ndarray]:
        if not self.pending or (not force and len(self.pending) < self.up.batch):
            return []
        r, fe = self.up.r, self.up.front_end
        splines = [
            band.network_input(band.front_end(w, r) if fe else w, r, self.up.interp)
            for w, _, _ in self.pending
        ]
        outs = self.up._net(splines)
        if not all(np.isfinite(y).all() for y in outs):
            raise BrokenModelError(
                "the network's output holds NaN or inf (damaged weights, or a run that "
                "diverged): nothing was written"
            )
        if self.up.gate:
            outs = [s + silence_gate(s) * (y - s) for s, y in zip(splines, outs)]
        if self.up.keeps_band:
            outs = [band.restore(y, w, r, self.edge) for y, (w, _, _) in zip(outs, self.pending)]
        if self.ended:  # the signal's last r - 1 samples lie past its last low-res instant,
            w, y = self.pending[-1][0], outs[-1]  # where the spline extrapolates and can spike:
            y[(len(w) - 1) * r + 1 :] = y[(len(w) - 1) * r]  # hold the last known value
        kept = [y[a * r : b * r] for y, (_, a, b) in zip(outs, self.pending)]
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
            self.pending.append(
                (self.buf[lo : lo + self.next + H + C - ws], self.next - ws, self.next + H - ws)
            )
            out += self._run()
            self.next += H
            drop = max(0, self.next - C) - self.buf_start
            self.buf, self.buf_start = self.buf[drop:], self.buf_start + drop
        return out

    def flush(self) -> list[np.ndarray]:
        """The tail: windows end where the signal ends, as whole-file processing does."""
        H, C = self.up.hop, self.up.context
        if self.total < 4:
            raise ValueError(f"{self.total} low-res samples: the cubic spline needs at least 4.")
        while self.next < self.total:
            ws, end = max(0, self.next - C), min(self.total, self.next + H)
            self.pending.append((self.buf[ws - self.buf_start :], self.next - ws, end - ws))
            self.next = end
        self.ended = True
        return self._run(force=True)


def _round_up(n: int, m: int) -> int:
    return -(-int(n) // m) * m
