"""Super-resolving audio files: read and written in blocks in flat memory through the windows of
`inference.windows`, in the input's sample format, atomically, with every failure (unreadable
input, a failed write, a full disk) an AudioError that names the file at fault."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from audiosr.core import band
from audiosr.core.audio import AudioError, soundfile_reason, unusable_samples, warn_audio
from audiosr.core.dsp import HR_RATE
from audiosr.inference.rates import check_rate, rate_note, to_model_rate
from audiosr.inference.windows import BrokenModelError, Upsampler

FILE_BLOCK = 1 << 16  # input frames read at a time by `upsample_file`
PROGRESS_DELAY = 1.0  # seconds before a file's progress bar appears (short files show none)


def output_subtype(in_subtype: str, fmt: str, asked: str | None = None) -> str:
    """The output's sample format: `asked` if given (checked), else the input's when the output
    format can hold it (float in, float out; 24-bit in, 24-bit out), else 16-bit PCM (an MP3 into
    a .wav), Vorbis or MP3."""
    import soundfile as sf

    if asked:
        asked = asked.upper()
        if not _writable(fmt, asked):
            raise AudioError(
                f"--subtype {asked} cannot be written as {fmt}; choose one of "
                f"{', '.join(sorted(s for s in sf.available_subtypes(fmt) if _writable(fmt, s)))}."
            )
        return asked
    if fmt == "OGG":
        return "VORBIS"
    if fmt == "MP3":
        return "MPEG_LAYER_III"
    if in_subtype in ("FLOAT", "DOUBLE") and not _writable(fmt, in_subtype):
        return "PCM_24"  # FLAC holds no float: its deepest integer format
    return in_subtype if _writable(fmt, in_subtype) else "PCM_16"


def _writable(fmt: str, subtype: str) -> bool:
    """Whether libsndfile writes `subtype` into `fmt`. Its `check_format` also says yes to MPEG
    in WAV, which it reads but writes only as .mp3."""
    import soundfile as sf

    return sf.check_format(fmt, subtype) and (fmt == "MP3" or not subtype.startswith("MPEG"))


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
        cause = soundfile_reason(e)
        with contextlib.suppress(OSError):
            free = shutil.disk_usage(dst.parent if dst.parent.exists() else ".").free
            full = getattr(e, "errno", None) in (errno.ENOSPC, errno.EDQUOT, None)
            if free < 1 << 20 and full:  # a read-only disk is not a full one, however small
                cause = f"{cause}; the disk is full ({free // 1024} KiB free)"
        raise AudioError(
            f"{dst}: could not be written ({cause}); nothing was left there."
        ) from None


def _read_blocks(src: Path) -> Iterator[np.ndarray]:
    """The input in blocks; unreadable data or samples that are not audio (NaN, inf, far
    beyond full scale) are an AudioError naming `src`."""
    import soundfile as sf

    try:
        for block in sf.blocks(
            os.fsencode(src), blocksize=FILE_BLOCK, dtype="float32", always_2d=True
        ):
            if why := unusable_samples(block):
                raise AudioError(f"{src}: {why}; re-export the file.")
            yield block
    except (sf.LibsndfileError, OSError) as e:
        raise AudioError(f"{src}: corrupt audio ({soundfile_reason(e)}).") from None


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
        raise AudioError(f"{src}: not readable audio ({soundfile_reason(e)}).") from None
    if info.frames < 2:
        raise AudioError(f"{src}: {info.frames} sample(s); nothing to upsample.")
    try:
        check_rate(info.samplerate, "its header's sample rate")
    except ValueError as e:
        raise AudioError(f"{src}: {e}") from None
    resampler = to_model_rate(info.samplerate, ratio, info.channels)
    notes = [rate_note(info.samplerate, ratio)] if resampler is not None else []
    if resampler is not None:  # the input the network sees is made by `decimate` now
        made_by = "decimate"
    promised = declared_frames(src)
    if promised is not None and promised > info.frames:
        (warn or warn_audio)(
            f"{src}: truncated: its header promises {promised / info.samplerate:.2f} s, the file "
            f"holds {info.frames / info.samplerate:.2f} s; upsampled what is there."
        )
    up = Upsampler(model, ratio, hop=hop, batch=batch, device=device, amp=amp, made_by=made_by)
    edges = [None] * info.channels
    if up.keeps_band:  # a first pass: where each channel's band ends (band.band_edge)
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
        (warn or warn_audio)(
            f"{dst}: {over['n']} sample(s) ({share:.2g}%) beyond full scale, peak "
            f"{over['peak']:.2f} ({20 * np.log10(over['peak']):+.1f} dBFS); "
            + (
                f"clipped, as {subtype} cannot hold them (a float output keeps them)."
                if integer
                else f"kept, as {subtype} holds them; scale down before converting to integers."
            )
        )
    return "; ".join(notes)


def _band_edges(src: Path, info, ratio: int) -> list[float]:
    """Each channel's band edge (`band.EdgeMeter`) over the whole file, read once ahead at the
    model's low-res rate (resampled as the second pass resamples it)."""
    meters = [band.EdgeMeter() for _ in range(info.channels)]
    resampler = to_model_rate(info.samplerate, ratio, info.channels)
    for block in _read_blocks(src):
        if resampler is not None:
            block = resampler.resample_chunk(block, last=False)
        for c, m in enumerate(meters):
            m.add(block[:, c])
    return [m.edge() for m in meters]
