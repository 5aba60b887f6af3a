"""The makers of a low-res signal: how low-res audio is really made, by the paper's `decimate`
and by the tools users' audio comes from (IIR filters, polyphase and soxr resamplers, plain
subsampling, the telephone channel, lossy codecs).

The paper makes every low-res input with scipy's `decimate` (order-8 Chebyshev I, pass band to
0.8 of the low-res Nyquist frequency). Users' audio comes from soxr, polyphase resamplers,
analogue filters, telephone lines and codecs, whose bands end anywhere from 0.7 to 1.0 of it; a
model that only ever saw `decimate` amplifies whatever lies above 0.8. A `Maker` says how one
low-res signal is made and `make_lowres` makes it; the robustness benchmark uses the named makers
of `NAMED`, training draws among all of them (`audiosr.data.degrade`).

Every maker keeps the paper's alignment: high-res sample r * k and low-res sample k are the
same instant (zero-phase filters; soxr and resample_poly compensate their delay).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from scipy import signal

from audiosr.core.audio import fit_length
from audiosr.core.dsp import HR_RATE, crop_to_multiple, lowres, valid_ratio

KINDS = (
    "decimate",  # the paper's: scipy.signal.decimate, Chebyshev I order 8, 0.05 dB, 0.8
    "cheby1",
    "butter",
    "ellip",
    "bessel",
    "poly",  # scipy.signal.resample_poly, Kaiser-windowed FIR
    "soxr",
    "aliased",  # plain x[::r], no anti-aliasing filter (Table 3)
    "telephone",  # 300-3400 Hz at 8 kHz, 8-bit mu-law or A-law (r = 2 only)
    "mp3",
    "vorbis",
    "opus",
)
CODECS = {"mp3": ("MP3", "MPEG_LAYER_III"), "vorbis": ("OGG", "VORBIS"), "opus": ("OGG", "OPUS")}
CODEC_RATES = {"mp3": (8000, 11025, 12000, 16000), "opus": (8000, 12000, 16000)}  # else any
SOXR_QUALITIES = ("LQ", "MQ", "HQ", "VHQ")
MP3_MAX_LEVEL = 0.999  # libsndfile's MP3 encoder refuses levels within about 1e-4 of 1


class DegradeError(ValueError):
    """A maker that cannot be made here (a codec this libsndfile lacks, telephone at r != 2)."""


@dataclass(frozen=True)
class Maker:
    """How one low-res signal is made from the high-res one.

    Attributes:
        kind: one of `KINDS`.
        order: filter order (cheby1, butter, ellip, bessel).
        cutoff: the filter's edge as a fraction of the low-res Nyquist frequency (IIR kinds).
        ripple: pass-band ripple in dB (cheby1, ellip).
        atten: stop-band attenuation in dB (ellip).
        beta: Kaiser window parameter (poly).
        quality: soxr quality (LQ, MQ, HQ, VHQ).
        law: ``mu`` or ``a`` (telephone companding).
        compression: codec compression level, 0 (best) to 1 (smallest file) (mp3, vorbis, opus).
    """

    kind: str = "decimate"
    order: int = 8
    cutoff: float = 0.8
    ripple: float = 0.05
    atten: float = 60.0
    beta: float = 5.0
    quality: str = "HQ"
    law: str = "mu"
    compression: float = 0.5

    def __post_init__(self):
        if self.kind not in KINDS:
            raise DegradeError(f"low-res maker {self.kind!r}: choose one of {', '.join(KINDS)}.")
        if not 0.05 < self.cutoff < 1.0:
            raise DegradeError(f"cutoff={self.cutoff}: a fraction of the low-res Nyquist, 0-1.")

    @property
    def label(self) -> str:
        """A short readable name: ``butter6@0.90``, ``soxr-HQ``, ``mp3-0.5``."""
        k = self.kind
        if k in ("cheby1", "butter", "ellip", "bessel"):
            return f"{k}{self.order}@{self.cutoff:.2f}"
        if k == "soxr":
            return f"soxr-{self.quality}"
        if k == "poly":
            return f"poly-kaiser{self.beta:g}"
        if k == "telephone":
            return f"telephone-{self.law}law"
        if k in CODECS:
            return f"{k}-{self.compression:g}"
        return k


# The makers the robustness benchmark names (`python -m audiosr.evaluation --real --lowres ...`).
NAMED = {
    "decimate": Maker("decimate"),
    "soxr": Maker("soxr", quality="HQ"),
    "soxr-vhq": Maker("soxr", quality="VHQ"),
    "poly": Maker("poly"),
    "butter": Maker("butter", order=6, cutoff=0.9),
    "cheby-0.95": Maker("cheby1", order=8, ripple=0.1, cutoff=0.95),
    "ellip": Maker("ellip", order=6, ripple=0.1, atten=60, cutoff=0.9),
    "bessel": Maker("bessel", order=8, cutoff=0.75),
    "aliased": Maker("aliased"),
    "telephone": Maker("telephone"),
    "mp3": Maker("mp3", compression=0.9),
    "vorbis": Maker("vorbis", compression=0.9),
    "opus": Maker("opus", compression=0.9),
}


def named(name: str) -> Maker:
    """A maker of `NAMED` by name; an unknown name is a DegradeError listing them."""
    if name not in NAMED:
        raise DegradeError(f"low-res maker {name!r}: choose from {', '.join(NAMED)}.")
    return NAMED[name]


def codec_available(kind: str) -> bool:
    """Whether the installed libsndfile writes this codec (MP3 needs libsndfile >= 1.1)."""
    import soundfile as sf

    fmt, sub = CODECS[kind]
    return fmt in sf.available_formats() and sub in sf.available_subtypes(fmt)


def supports(maker: Maker, r: int) -> str | None:
    """None if `maker` can make low-res audio at ratio r here, else the one-line reason."""
    if maker.kind == "telephone" and r != 2:
        return "telephone audio is 8 kHz: only r = 2"
    if maker.kind in CODECS and not codec_available(maker.kind):
        return f"this libsndfile does not write {maker.kind}"
    return None


def make_lowres(hr: np.ndarray, r: int, maker: Maker, sr: int = HR_RATE) -> np.ndarray:
    """The low-res signal (len(hr) // r samples, float32) that `maker` makes from `hr`.

    `hr` should be a multiple of r long (see `dsp.crop_to_multiple`)."""
    r = valid_ratio(r)
    reason = supports(maker, r)
    if reason:
        raise DegradeError(f"{maker.label}: {reason}.")
    x = np.asarray(hr, np.float64)
    n = len(x) // r
    k = maker.kind
    if k in ("decimate", "aliased"):  # the paper's pipeline, with and without its filter
        y = lowres(crop_to_multiple(x, r), r, lowpass=k == "decimate")
    elif k in ("cheby1", "butter", "ellip", "bessel"):
        y = signal.sosfiltfilt(_iir(maker, maker.cutoff / r), x)[::r]
    elif k == "poly":
        y = signal.resample_poly(x, 1, r, window=("kaiser", maker.beta))
    elif k == "soxr":
        import soxr

        y = soxr.resample(x, sr, sr / r, quality=maker.quality)
    elif k == "telephone":
        y = _telephone(signal.resample_poly(x, 1, 2), sr // 2, maker.law)
    else:
        y = _codec(x, r, maker, sr)
    return fit_length(y, n)


def _iir(maker: Maker, wn: float) -> np.ndarray:
    """The maker's low-pass as second-order sections, `wn` a fraction of the high-res Nyquist."""
    k, n = maker.kind, maker.order
    if k == "cheby1":
        return signal.cheby1(n, maker.ripple, wn, output="sos")
    if k == "butter":
        return signal.butter(n, wn, output="sos")
    if k == "ellip":
        return signal.ellip(n, maker.ripple, maker.atten, wn, output="sos")
    return signal.bessel(n, wn, output="sos", norm="mag")


def _telephone(x8k: np.ndarray, sr: int, law: str) -> np.ndarray:
    """The narrowband telephone channel: a 300-3400 Hz band-pass, then 8-bit companding."""
    sos = signal.butter(6, (300, 3400), btype="bandpass", fs=sr, output="sos")
    x = signal.sosfiltfilt(sos, x8k)
    return _compand(np.clip(x, -1, 1), law)


def _compand(x: np.ndarray, law: str) -> np.ndarray:
    """Encode to 8 bits with mu-law (mu = 255) or A-law (A = 87.6) and decode again."""
    a = np.abs(x)
    if law == "mu":
        c = np.log1p(255 * a) / np.log1p(255)
    else:
        A = 87.6
        c = np.where(
            a < 1 / A,
            A * a / (1 + np.log(A)),
            (1 + np.log(np.maximum(A * a, 1e-12))) / (1 + np.log(A)),
        )
    q = np.round(c * 127) / 127  # 8 bits: sign + 7 bits of companded magnitude
    if law == "mu":
        d = np.expm1(q * np.log1p(255)) / 255
    else:
        A = 87.6
        t = q * (1 + np.log(A))
        d = np.where(q < 1 / (1 + np.log(A)), t / A, np.exp(t - 1) / A)
    return np.sign(x) * d


def _codec(x: np.ndarray, r: int, maker: Maker, sr: int) -> np.ndarray:
    """Through a lossy codec at the low rate where the codec has that rate, else at the lowest
    rate it has above it and then soxr down: what a user's low-bit-rate file went through."""
    import soundfile as sf
    import soxr

    low = sr / r
    rates = CODEC_RATES.get(maker.kind)
    rate = low if rates is None else next((q for q in rates if q >= low), rates[-1])
    src = x if rate == sr else soxr.resample(x, sr, rate, quality="VHQ")
    fmt, sub = CODECS[maker.kind]
    level = min(maker.compression, MP3_MAX_LEVEL) if maker.kind == "mp3" else maker.compression
    buf = io.BytesIO()
    # Vorbis at a fractional rate is written at the whole rate: the samples are what matter
    with sf.SoundFile(
        buf, "w", int(round(rate)), 1, subtype=sub, format=fmt, compression_level=level
    ) as f:
        f.write(np.clip(src, -1, 1).astype(np.float32))
    buf.seek(0)
    y, _ = sf.read(buf, dtype="float64")
    y = _align(y, src)
    return y if rate == low else soxr.resample(y, rate, low, quality="VHQ")


def _align(y: np.ndarray, ref: np.ndarray, reach: int = 2048) -> np.ndarray:
    """`y` shifted to line up with `ref` (codecs add a priming delay); same length as `ref`."""
    n = min(len(ref), len(y), 1 << 15)
    c = signal.correlate(y[:n], ref[:n], mode="full", method="fft")[n - 1 - reach : n + reach]
    lag = int(np.argmax(c)) - reach if np.any(c) else 0
    y = y[lag:] if lag >= 0 else np.pad(y, (-lag, 0))
    return fit_length(y, len(ref))
