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

import contextlib
import errno
import math
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import torch
from scipy import signal

from audiosr.core import band
from audiosr.core.audio import AudioError
from audiosr.core.dsp import HR_RATE, decimate_taps, lowres_rate, spline_upsample

FILE_BLOCK = 1 << 16  # input frames read at a time by `upsample_file`
SPLINE_MARGIN = 32  # low-res samples: the cubic spline's influence decays ~0.27x per sample
RATE_TOLERANCE = 1.0  # Hz: file headers hold whole hertz, so 16000 / 6 arrives as 2666 or 2667
SILENCE_DBFS = -90.0  # input level at or below which the output is the spline alone
GATE_KNEE_DB = 20.0  # the network's correction fades in over the next 20 dB (full from -70 dBFS)
GATE_SPAN = 320  # high-res samples (20 ms) over which the input level is measured
PROGRESS_DELAY = 1.0  # seconds before a file's progress bar appears (short files show none)
MADE_BY = (None, "decimate")  # what `made_by` can say about how the low-res input was made


def alignment(model) -> int:
    """High-res sample phase the model must see preserved (its `alignment`; 1 if it has none)."""
    return int(getattr(model, "alignment", 1))


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
        edge: for a model with a front end (`band`), where the input's real band ends (a
            fraction of its Nyquist frequency); below it the output keeps the input's own
            content. ``None``: `process` estimates it from the input (`band.band_edge`), a
            stream keeps only what the front end passes.
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
        self.device = torch.device(device)
        # The low-res step that keeps the high-res phase.
        a_lr = math.lcm(alignment(model), self.r) // self.r
        reach = context_hr(model) + GATE_SPAN // 2  # the gate's level is measured around too
        margin = SPLINE_MARGIN
        if self.front_end:  # the front end before the spline, the restoring filter after the net
            reach += band.restore_reach(self.r)
            margin += band.front_reach()
        self.context = _round_up(math.ceil(reach / self.r) + margin, a_lr)
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
        if edge is None and self.front_end:
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
            spline_upsample(band.front_end(w, r) if fe else w, r) for w, _, _ in self.pending
        ]
        outs = self.up._net(splines)
        if not all(np.isfinite(y).all() for y in outs):
            raise BrokenModelError(
                "the network's output holds NaN or inf (damaged weights, or a run that "
                "diverged): nothing was written"
            )
        if self.up.gate:
            outs = [s + silence_gate(s) * (y - s) for s, y in zip(splines, outs)]
        if fe:
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


def upsample(
    x: np.ndarray,
    sr: float,
    ratio: int = 4,
    model=None,
    device: str = "cpu",
    hop: int = 16384,
    made_by: str | None = None,
) -> np.ndarray:
    """Super-resolve an array to 16 kHz: the Python face of `audiosr upsample`.

    Args:
        x: samples, shape (n,) or (n, channels), any float or int dtype.
        sr: its sample rate; a rate more than 1 Hz from the model's low-res rate (16000 / ratio)
            is first brought to it as `decimate` would make it (`ToModelRate`), a rate
            within 1 Hz is taken as that rate.
        ratio: the upsampling ratio r of the model.
        model: a loaded model, a shipped model's name or a file path (`load_model`), or None
            for the shipped model for `ratio`.
        device: where to run the network.
        made_by: "decimate" when the low-res input was made by scipy's `decimate` (the
            paper's pipeline); None (unknown) for anything else (`Upsampler`).

    Returns:
        float32 samples at 16 kHz, r times as many as the low-res input, same channel layout.
    """
    from audiosr.core.distrib import pick_device
    from audiosr.core.dsp import valid_ratio
    from audiosr.inference.shipped import load_any

    if isinstance(ratio, bool) or not isinstance(ratio, (int, np.integer)):
        raise ValueError(f"ratio={ratio!r}: an integer (2, 4, 6, ...).")
    ratio = valid_ratio(ratio)
    sr = check_rate(sr, "sr")
    x = as_float_samples(x)
    device = str(pick_device(str(device)))  # a device this machine lacks: DeviceError
    if not isinstance(model, torch.nn.Module):
        model = load_any(model, ratio, device)
    trained = getattr(getattr(model, "config", None), "ratio", ratio)
    if trained != ratio:
        raise ValueError(f"model: trained for ratio {trained}, asked for ratio {ratio}.")
    lowres_sr = lowres_rate(ratio)
    cols = x[:, None] if x.ndim == 1 else x
    if abs(sr - lowres_sr) > RATE_TOLERANCE:  # made by `decimate` now (`ToModelRate`)
        cols = ToModelRate(sr, ratio, cols.shape[1]).resample_chunk(cols, last=True)
        made_by = "decimate"
    up = Upsampler(model, ratio, hop=hop, device=device, made_by=made_by)
    y = np.stack([up.process(cols[:, c]) for c in range(cols.shape[1])], axis=1)
    peak = float(np.abs(y).max())
    if peak > 1.0:
        _warn(
            f"{int((np.abs(y) > 1).sum())} output sample(s) beyond full scale (peak {peak:.2f}); "
            "scale down before writing to an integer format, which would clip them."
        )
    return y[:, 0] if x.ndim == 1 else y


RATE_RANGE = (1000.0, 768000.0)  # Hz: sample rates accepted for input audio
MAX_CHANNELS = 64


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


def as_float_samples(x) -> np.ndarray:
    """Samples as float32 (n,) or (n, channels) in [-1, 1] for integer input (int8/16/32 scaled
    by their full scale, unsigned re-centred); what cannot be meant as audio is a ValueError."""
    x = np.asarray(x)
    if x.ndim not in (1, 2) or x.shape[0] < 1 or (x.ndim == 2 and x.shape[1] < 1):
        raise ValueError(f"x must be (samples,) or (samples, channels), got shape {x.shape}.")
    if x.ndim == 2 and x.shape[1] > MAX_CHANNELS:
        raise ValueError(
            f"x has shape {x.shape}: {x.shape[1]} channels? Arrays are (samples, channels); "
            "pass x.T for a (channels, samples) array."
        )
    if x.dtype.kind in "iu":
        if x.dtype.itemsize > 4:  # int64 (np.asarray of a list of ints): no full scale known
            raise ValueError(
                f"x is {x.dtype}: its full scale is unknown; pass floats in [-1, 1] (for 16-bit "
                "values, x / 32768)."
            )
        info = np.iinfo(x.dtype)
        mid = (info.max + 1) / 2 if x.dtype.kind == "u" else 0.0
        x = (x.astype(np.float64) - mid) / (info.max + 1 - mid)
    elif x.dtype.kind != "f":
        raise ValueError(f"x is {x.dtype}: pass audio samples (float or integer).")
    x = np.asarray(x, np.float32)
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or inf samples.")
    return x


def _round_up(n: int, m: int) -> int:
    return -(-int(n) // m) * m


def output_subtype(in_subtype: str, fmt: str, asked: str | None = None) -> str:
    """The output's sample format: `asked` if given (checked), else the input's when the output
    format can hold it (float in, float out; 24-bit in, 24-bit out), else 16-bit PCM or Vorbis."""
    import soundfile as sf

    if asked:
        asked = asked.upper()
        if not sf.check_format(fmt, asked):
            raise AudioError(
                f"--subtype {asked} cannot be written as {fmt}; choose one of "
                f"{', '.join(sorted(sf.available_subtypes(fmt)))}."
            )
        return asked
    if fmt == "OGG":
        return "VORBIS"
    if in_subtype in ("FLOAT", "DOUBLE") and not sf.check_format(fmt, in_subtype):
        return "PCM_24"  # FLAC holds no float: its deepest integer format
    return in_subtype if sf.check_format(fmt, in_subtype) else "PCM_16"


@contextlib.contextmanager
def _writing(dst: Path):
    """Failures to write `dst` (read-only folder, full disk, file size limit) as an AudioError
    that names the output and the cause, never the input; a file that is, or comes to be, at
    `dst` without `replace` (`atomic_path`'s rule) as an AudioError that says so."""
    import shutil

    import soundfile as sf

    try:
        yield
    except FileExistsError as e:
        raise AudioError(str(e)) from None
    except (OSError, sf.LibsndfileError) as e:
        cause = getattr(e, "strerror", None) or _libsndfile_cause() or str(e)
        with contextlib.suppress(OSError):
            free = shutil.disk_usage(dst.parent if dst.parent.exists() else ".").free
            full = getattr(e, "errno", None) in (errno.ENOSPC, errno.EDQUOT, None)
            if free < 1 << 20 and full:  # a read-only disk is not a full one, however small
                cause = f"{cause}; the disk is full ({free // 1024} KiB free)"
        raise AudioError(
            f"{dst}: could not be written ({cause}); nothing was left there."
        ) from None


def _libsndfile_cause() -> str | None:
    """The system's reason behind libsndfile's generic "System error" (its C errno)."""
    import os

    import soundfile as sf

    code = getattr(getattr(sf, "_ffi", None), "errno", 0)
    return os.strerror(code) if code else None


def _read_blocks(src: Path) -> Iterator[np.ndarray]:
    """The input in blocks; unreadable data or NaN/inf samples are an AudioError naming `src`."""
    import soundfile as sf

    try:
        for block in sf.blocks(
            os.fsencode(src), blocksize=FILE_BLOCK, dtype="float32", always_2d=True
        ):
            if not np.isfinite(block).all():
                raise AudioError(f"{src}: contains NaN or inf samples; re-export the file.")
            yield block
    except (sf.LibsndfileError, OSError) as e:
        raise AudioError(f"{src}: corrupt audio ({str(e)[:120]}).") from None


class AudioWarning(UserWarning):
    """Input that was used but may not be what its maker meant (a truncated file)."""


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, AudioWarning, stacklevel=3)


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


def upsample_file(
    src: Path,
    dst: Path,
    model,
    ratio: int,
    device="cpu",
    hop: int = 16384,
    batch: int = 1,
    amp: bool = False,
    subtype: str | None = None,
    replace: bool = False,
    progress: bool = False,
    warn: Callable[[str], None] | None = None,
    made_by: str | None = None,
) -> str:
    """Stream a file through the model into `dst` (written atomically) in flat memory, every
    channel alike, resampling input at another rate to the model's low-res rate; returns a note
    on what was done (resampling, a truncated input). Unusable input is an AudioError naming the
    file, a failed write one naming `dst`. Without `replace`, a file at `dst` (even one that
    appears while this runs) is never overwritten. `progress` shows seconds of audio done.
    Input that is used but suspect (a truncated file) is reported through `warn` (default: a
    Python warning, AudioWarning). `made_by`: how input at the model's rate was made
    (`Upsampler`); input at another rate is brought to it by `ToModelRate`, as `decimate`."""
    import soundfile as sf

    from audiosr.core.audio import declared_frames
    from audiosr.core.paths import atomic_path
    from audiosr.core.progress import bar

    try:
        info = sf.info(os.fsencode(src))  # bytes: any file name the OS allows
    except Exception as e:
        raise AudioError(f"{src}: not readable audio ({str(e).splitlines()[0][:120]}).") from None
    if info.frames < 2:
        raise AudioError(f"{src}: {info.frames} sample(s); nothing to upsample.")
    try:
        check_rate(info.samplerate, "its header's sample rate")
    except ValueError as e:
        raise AudioError(f"{src}: {e}") from None
    resampler = _resampler(info, ratio)
    notes = [rate_note(info.samplerate, ratio)] if resampler is not None else []
    if resampler is not None:  # the input the network sees is made by `decimate` now
        made_by = "decimate"
    promised = declared_frames(src)
    if promised is not None and promised > info.frames:
        (warn or _warn)(
            f"{src}: truncated: its header promises {promised / info.samplerate:.2f} s, the file "
            f"holds {info.frames / info.samplerate:.2f} s; upsampled what is there."
        )
    up = Upsampler(model, ratio, hop=hop, batch=batch, device=device, amp=amp, made_by=made_by)
    edges = [None] * info.channels
    if up.front_end:  # a first pass: where each channel's band ends (band.band_edge)
        edges = _band_edges(src, info, ratio)
    streams = [up.open(edge) for edge in edges]
    queues: list[list[np.ndarray]] = [[] for _ in range(info.channels)]
    fmt = dst.suffix.lstrip(".").upper()
    subtype = output_subtype(info.subtype, fmt, subtype)
    seconds = bar(
        total=round(info.frames / info.samplerate, 1),
        desc=src.name,
        unit="s",
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s audio [{elapsed}<{remaining}]",
        disable=not progress,
        leave=False,
        delay=PROGRESS_DELAY,
    )
    integer = subtype not in ("FLOAT", "DOUBLE")  # lossy codecs are clipped like integers
    over = {"n": 0, "peak": 0.0, "total": 0}
    with (
        seconds,
        _writing(dst),
        atomic_path(dst, dst.suffix, replace=replace) as tmp,
        sf.SoundFile(
            os.fsencode(tmp), "w", HR_RATE, info.channels, subtype=subtype, format=fmt
        ) as out,
    ):

        def emit():  # channels advance in step; write what all of them have
            n = min(sum(len(b) for b in q) for q in queues)
            if n == 0:
                return
            cols = []
            for i, q in enumerate(queues):
                data = np.concatenate(q)
                cols.append(data[:n])
                queues[i] = [data[n:]]
            y = np.stack(cols, axis=1)
            level = np.abs(y)
            over["n"] += int((level > 1.0).sum())
            over["total"] += y.size
            over["peak"] = max(over["peak"], float(level.max()))
            out.write(np.clip(y, -1.0, 1.0) if integer else y)

        try:
            for block in _read_blocks(src):
                seconds.update(round(len(block) / info.samplerate, 3))
                if resampler is not None:
                    block = resampler.resample_chunk(block, last=False)
                for c in range(info.channels):
                    queues[c] += streams[c].push(block[:, c])
                emit()
            if resampler is not None:
                tail = resampler.resample_chunk(np.zeros((0, info.channels), np.float32), last=True)
                for c in range(info.channels):
                    queues[c] += streams[c].push(tail[:, c])
            for c in range(info.channels):
                queues[c] += streams[c].flush()
            emit()
        except (AudioError, BrokenModelError):
            raise
        except ValueError as e:  # too short for the spline, and the like
            raise AudioError(f"{src}: {e}") from None
    if over["n"]:
        share = 100 * over["n"] / over["total"]
        (warn or _warn)(
            f"{dst}: {over['n']} sample(s) ({share:.2g}%) beyond full scale, peak "
            f"{over['peak']:.2f} ({20 * np.log10(over['peak']):+.1f} dBFS); "
            + (
                f"clipped, as {subtype} cannot hold them (a float output keeps them)."
                if integer
                else f"kept, as {subtype} holds them; scale down before converting to integers."
            )
        )
    return "; ".join(notes)


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


def _resampler(info, ratio: int) -> ToModelRate | None:
    """The stream that brings the file to the model's low-res rate (`ToModelRate`), or None for
    a file already at that rate (within `RATE_TOLERANCE`)."""
    if abs(info.samplerate - lowres_rate(ratio)) <= RATE_TOLERANCE:
        return None
    return ToModelRate(info.samplerate, ratio, info.channels)


def _band_edges(src: Path, info, ratio: int) -> list[float]:
    """Each channel's band edge (`band.EdgeMeter`) over the whole file, read once ahead at the
    model's low-res rate (resampled as the second pass resamples it)."""
    meters = [band.EdgeMeter() for _ in range(info.channels)]
    resampler = _resampler(info, ratio)
    for block in _read_blocks(src):
        if resampler is not None:
            block = resampler.resample_chunk(block, last=False)
        for c, m in enumerate(meters):
            m.add(block[:, c])
    return [m.edge() for m in meters]
