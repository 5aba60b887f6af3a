"""Reading and writing audio with the conversions the paper's pipeline assumes.

Everything inside audiosr is mono float32 at one sample rate (16 kHz by default). Loading does
the documented conversions (multi-channel -> mono by averaging, any rate -> target rate by
polyphase resampling) and refuses, with the file's name and the fix, what cannot be used.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from audiosr.core.dsp import HR_RATE
from audiosr.core.paths import is_partial

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")  # MP3: libsndfile 1.1 or later


class AudioError(ValueError):
    """An audio file that cannot be used as it is; the message names the file and the fix."""


SF_ERR_SYSTEM = 2  # libsndfile's code for a failed system call (the rest are its own)


def soundfile_reason(e: Exception) -> str:
    """Why reading or writing a file failed, without the name soundfile's message carries (as
    b'...' where it was given as bytes, which any name the OS allows needs; a write's is the
    temporary's): the system's reason, libsndfile's own, or the system's behind its generic
    "System error" (its C errno)."""
    system = getattr(getattr(sf, "_ffi", None), "errno", 0)
    if getattr(e, "code", None) == SF_ERR_SYSTEM and system:
        return os.strerror(system)
    reason = getattr(e, "strerror", None) or getattr(e, "error_string", "") or str(e)
    return reason.rstrip(".").partition("\n")[0][:120]


MAX_LEVEL = 1000.0  # +60 dBFS: no recording is that far beyond full scale (1.0)


def unusable_samples(x: np.ndarray) -> str | None:
    """Why samples cannot be taken as audio, in words, or None: NaN or inf, or levels far beyond
    full scale (integers stored as floats, garbage), on which float32 arithmetic overflows and
    the network's output would look like a broken model's."""
    if not np.isfinite(x).all():
        return "contains NaN or inf samples"
    peak = float(np.abs(x).max(initial=0.0))
    if peak > MAX_LEVEL:
        return f"samples up to {peak:.3g}: far beyond full scale (1.0)"
    return None


def resample(x: np.ndarray, sr_in: float, sr_out: float, length: int | None = None) -> np.ndarray:
    """Band-limited polyphase resampling (scipy; deterministic, no extra dependency), computed
    in x's dtype, returned as float32. Rates may be fractional (a low-res rate of 16000/6 Hz);
    the result is cropped or zero-padded to `length` samples when given."""
    if sr_in != sr_out:
        if float(sr_in).is_integer() and float(sr_out).is_integer():
            ratio = Fraction(int(sr_out), int(sr_in))
        else:
            ratio = Fraction(sr_out / sr_in).limit_denominator(1000)
        x = resample_poly(x, ratio.numerator, ratio.denominator, axis=0).astype(np.float32)
    return x if length is None else fit_length(x, length)


def fit_length(y: np.ndarray, n: int) -> np.ndarray:
    """Crop or zero-pad to n samples, as float32 (resamplers may round the length by one)."""
    y = np.asarray(y, dtype=np.float32)
    return y[:n] if len(y) >= n else np.pad(y, (0, n - len(y)))


def load_audio(path: str | os.PathLike, sr: int = HR_RATE, min_samples: int = 2) -> np.ndarray:
    """Load a file as mono float32 at `sr`.

    Args:
        path: a wav, flac, ogg or mp3 file.
        sr: target sample rate; other rates are resampled (documented conversion).
        min_samples: fewer samples than this (after resampling) is an error.

    Raises:
        AudioError: missing, unreadable, empty, too short, non-finite or silent audio.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such file.")
    try:
        x, sr_in = sf.read(os.fsencode(path), dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises several types for corrupt / non-audio input
        raise AudioError(
            f"{path}: not readable as audio ({soundfile_reason(e)}). Convert it to "
            "wav/flac/ogg/mp3 or remove it."
        ) from None
    x = x.mean(axis=1) if x.shape[1] > 1 else x[:, 0]  # multi-channel -> mono
    x = resample(x, sr_in, sr)
    if len(x) < min_samples:
        raise AudioError(
            f"{path}: only {len(x)} sample(s) at {sr} Hz; at least {min_samples} are needed. "
            "Remove the file or use a longer recording."
        )
    if not np.all(np.isfinite(x)):
        raise AudioError(f"{path}: contains NaN or inf samples. Re-export the file.")
    if not np.any(x):
        raise AudioError(f"{path}: is digital silence. Remove it from the dataset.")
    return np.ascontiguousarray(x, dtype=np.float32)


def tidy_clip(
    x: np.ndarray, sr: float, max_s: float | None = None, sr_out: int = HR_RATE
) -> np.ndarray:
    """Mono `sr_out`, leading and trailing silence trimmed (50 ms kept), cut to `max_s` with a
    50 ms fade, peak at -1 dBFS: how every clip of the embedded corpus is stored.

    Silence is any 10 ms frame more than 50 dB below the loudest; trimming it keeps patches on
    signal, and the common peak level keeps quiet recordings from training as near-silence.
    """
    x = resample(np.asarray(x, np.float32), sr, sr_out).astype(np.float64)
    frame = sr_out // 100
    n = len(x) // frame
    rms = np.sqrt((x[: n * frame].reshape(n, frame) ** 2).mean(axis=1) + 1e-20)
    loud = np.flatnonzero(rms > rms.max() * 10 ** (-50 / 20))
    pad = 5
    x = x[max(0, loud[0] - pad) * frame : min(n, loud[-1] + 1 + pad) * frame]
    if max_s is not None and len(x) > max_s * sr_out:
        x = x[: int(max_s * sr_out)]
        fade = sr_out // 20
        x[-fade:] *= np.linspace(1.0, 0.0, fade)
    return (x * (10 ** (-1 / 20) / np.abs(x).max())).astype(np.float32)


def list_audio(folder: str | os.PathLike) -> list[Path]:
    """All audio files below `folder`, sorted by path, so the order is the same everywhere;
    files inside the temporaries of an unfinished write (ours) are never inputs."""
    folder = Path(folder)
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in AUDIO_EXTENSIONS
        and p.is_file()
        and not any(is_partial(part) for part in p.relative_to(folder).parts[:-1])
    )


def declared_frames(path: str | os.PathLike) -> int | None:
    """Frames a WAV file's header promises (its data chunk's size / block size), or None where
    the header does not say (other formats, streamed WAVs with an open-ended size). libsndfile
    reports the frames actually present, so a truncated file is only seen by comparing the two."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, block = 12, None
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if chunk == b"fmt " and pos + 22 <= len(head):
            block = int.from_bytes(head[pos + 20 : pos + 22], "little")
        if chunk == b"data":
            open_ended = size in (0, 0xFFFFFFFF) or not block
            return None if open_ended else size // block
        pos += 8 + size + (size & 1)
    return None


class AudioWarning(UserWarning):
    """Input that was used but may not be what its maker meant (a truncated file, an output
    beyond full scale)."""


def warn_audio(message: str) -> None:
    """`message` as an AudioWarning, shown at the caller of the function that calls this."""
    import warnings

    warnings.warn(message, AudioWarning, stacklevel=3)
