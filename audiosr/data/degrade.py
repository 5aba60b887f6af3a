"""How low-res audio is really made: the makers of a low-res signal, and the degradations real
files carry (level, hiss, hum, microphone colour, lossy codecs).

The paper makes every low-res input with scipy's `decimate` (order-8 Chebyshev I, pass band to
0.8 of the low-res Nyquist frequency). Users' audio comes from soxr, polyphase resamplers,
analogue filters, telephone lines and codecs, whose bands end anywhere from 0.7 to 1.0 of it; a
model that only ever saw `decimate` amplifies whatever lies above 0.8. Training draws one
`Draw` per example (`draw`, a function of a numpy Generator, so a seed fixes every choice) and
`degrade` applies it; the robustness benchmark uses the named makers of `NAMED`.

Every maker keeps the paper's alignment: high-res sample r * k and low-res sample k are the
same instant (zero-phase filters; soxr and resample_poly compensate their delay).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

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


# ---- what a training example goes through -----------------------------------------------------


@dataclass(frozen=True)
class Draw:
    """One training example's degradation: how its low-res input is made, and what real files
    add. The target is the high-res signal with the same level and colour (and the added noise
    as the input band carries it): the network learns to extend speech, not hiss.

    Attributes:
        maker: how the low-res signal is made.
        gain_db: level change of input and target alike (quiet and loud recordings).
        eq: peaking filters (centre Hz, gain dB, Q) on input and target (microphones, rooms).
        noise: ``""``, ``white``, ``pink`` or ``hum`` (50 / 60 Hz mains and harmonics), added to
            the low-res input.
        noise_dbfs: its rms level.
    """

    maker: Maker = field(default_factory=Maker)
    gain_db: float = 0.0
    eq: tuple = ()
    noise: str = ""
    noise_dbfs: float = -120.0


# Shares of the makers in training (renormalised over those that apply at a ratio).
MAKER_SHARES = {
    "decimate": 0.25,
    "cheby1": 0.1,
    "butter": 0.1,
    "ellip": 0.08,
    "bessel": 0.05,
    "poly": 0.12,
    "soxr": 0.12,
    "aliased": 0.05,
    "telephone": 0.05,
    "mp3": 0.03,
    "vorbis": 0.03,
    "opus": 0.02,
}
NOISE_SHARE = 0.3  # examples with added hiss or hum
EQ_SHARE = 0.5  # examples with a gentle random EQ
LEVEL_DB = (-30.0, 0.0)  # gain range; the corpus is normalised near full scale
NOISE_DBFS = (-80.0, -45.0)  # rms of the added noise
RAW_DECIMATE = 0.5  # of the `decimate` examples, those that skip the front end, as input
# known to be made by `decimate` does in use (`inference.windows.Upsampler(made_by="decimate")`)


def draw_maker(rng: np.random.Generator, r: int) -> Maker:
    """A maker drawn by `MAKER_SHARES` among those that work at ratio r here."""
    kinds = [k for k in MAKER_SHARES if supports(Maker(k), r) is None]
    p = np.array([MAKER_SHARES[k] for k in kinds])
    k = kinds[rng.choice(len(kinds), p=p / p.sum())]
    cutoff = float(rng.uniform(0.7, 0.99))
    if k == "cheby1":
        return Maker(
            k, order=int(rng.integers(4, 11)), ripple=float(10 ** rng.uniform(-2, 0)), cutoff=cutoff
        )
    if k == "butter":
        return Maker(k, order=int(rng.integers(4, 13)), cutoff=cutoff)
    if k == "ellip":
        return Maker(
            k,
            order=int(rng.integers(4, 9)),
            ripple=float(10 ** rng.uniform(-2, 0)),
            atten=float(rng.uniform(40, 90)),
            cutoff=cutoff,
        )
    if k == "bessel":
        return Maker(k, order=int(rng.integers(4, 11)), cutoff=float(rng.uniform(0.7, 0.9)))
    if k == "poly":
        return Maker(k, beta=float(rng.uniform(2.0, 10.0)))
    if k == "soxr":
        return Maker(k, quality=SOXR_QUALITIES[rng.integers(len(SOXR_QUALITIES))])
    if k == "telephone":
        return Maker(k, law="mu" if rng.random() < 0.5 else "a")
    if k in CODECS:
        return Maker(k, compression=float(rng.uniform(0.3, 1.0)))
    return Maker(k)


def draw(rng: np.random.Generator, r: int) -> Draw:
    """One example's degradation (maker, level, EQ, noise), all from `rng`."""
    maker = draw_maker(rng, r)
    gain = float(rng.uniform(*LEVEL_DB))
    eq = ()
    if rng.random() < EQ_SHARE:
        eq = tuple(
            (
                float(np.exp(rng.uniform(np.log(100), np.log(7000)))),
                float(rng.uniform(-6, 6)),
                float(rng.uniform(0.5, 2.0)),
            )
            for _ in range(int(rng.integers(1, 4)))
        )
    noise, level = "", -120.0
    if rng.random() < NOISE_SHARE:
        noise = ("white", "pink", "hum")[rng.integers(3)]
        level = float(rng.uniform(*NOISE_DBFS))
    return Draw(maker, gain, eq, noise, level)


def peaking(f0: float, gain_db: float, q: float, sr: int = HR_RATE) -> np.ndarray:
    """An RBJ peaking biquad as one second-order section."""
    A, w = 10 ** (gain_db / 40), 2 * np.pi * min(f0, 0.45 * sr) / sr
    alpha = np.sin(w) / (2 * q)
    b = np.array([1 + alpha * A, -2 * np.cos(w), 1 - alpha * A])
    a = np.array([1 + alpha / A, -2 * np.cos(w), 1 - alpha / A])
    return np.concatenate([b / a[0], a / a[0]])[None]


def noise(kind: str, n: int, sr: float, dbfs: float, rng: np.random.Generator) -> np.ndarray:
    """n samples of white, pink (1/f) or mains hum (50 or 60 Hz and 4 harmonics) at `dbfs` rms."""
    if kind == "white":
        x = rng.standard_normal(n)
    elif kind == "pink":
        spec = np.fft.rfft(rng.standard_normal(n))
        f = np.fft.rfftfreq(n)
        spec[1:] /= np.sqrt(f[1:] / f[1])
        spec[0] = 0
        x = np.fft.irfft(spec, n)
    elif kind == "hum":
        t = np.arange(n) / sr
        base = 50.0 if rng.random() < 0.5 else 60.0
        x = sum(
            rng.uniform(0.2, 1.0) / h * np.sin(2 * np.pi * base * h * t + rng.uniform(0, 2 * np.pi))
            for h in range(1, 6)
            if base * h < sr / 2
        )
    else:
        raise DegradeError(f"noise {kind!r}: white, pink or hum.")
    rms = np.sqrt(np.mean(x**2)) or 1.0
    return x * (10 ** (dbfs / 20) / rms)


def degrade(
    hr: np.ndarray, r: int, d: Draw, rng: np.random.Generator, sr: int = HR_RATE
) -> tuple[np.ndarray, np.ndarray]:
    """(target, low-res input) for one example: level and EQ on both, the maker, then the noise
    on the input, and as the low band carries it on the target (band-limited interpolation).

    `hr` is a multiple of r long; the target has its length, the input len(hr) // r."""
    x = np.asarray(hr, np.float64) * 10 ** (d.gain_db / 20)
    for f0, g, q in d.eq:
        x = signal.sosfilt(peaking(f0, g, q, sr), x)
    target = x
    x_lr = make_lowres(x, r, d.maker, sr).astype(np.float64)
    if d.noise:
        n = noise(d.noise, len(x_lr), sr / r, d.noise_dbfs, rng)
        x_lr = x_lr + n
        target = target + fit_length(signal.resample_poly(n, r, 1), len(target))
    return target.astype(np.float32), x_lr.astype(np.float32)


class Examples:
    """Training examples made afresh from a cache's high-res clips: patch i of epoch e is
    degraded by `draw(default_rng([seed, e, i]))`, so a resumed or sharded run makes the same
    examples, and no example is seen twice in the same way.

    Each patch is degraded with `margin` low-res samples of its clip around it (filters,
    resamplers and codecs need them), then cut to the patch. With `degraded=False` every
    example is made by the cache's own maker (`decimate`, or plain x[::r] without low-pass).
    With `front_end`, inputs go through `band.front_end` as in use, except a share
    (`RAW_DECIMATE`) of the `decimate` ones, as input known to be made by it skips it.
    `interp` is how the model takes its input (`band.network_input`).
    """

    def __init__(
        self,
        cache,
        split: str,
        seed: int,
        front_end: bool,
        degraded: bool = True,
        margin: int = 256,
        interp: str = "spline",
    ):
        cfg = cache.config
        self.hr = cache.array(split, "hr")
        self.starts = np.asarray(cache.array(split, "starts"))
        clips = cache.clips(split)
        offsets = np.array([c["offset"] for c in clips], np.int64)
        ends = offsets + np.array([c["length"] for c in clips], np.int64)
        which = np.searchsorted(offsets, self.starts, side="right") - 1
        self.lo, self.hi = offsets[which], ends[which]
        self.r, self.L, self.seed = cfg.ratio, cfg.patch_len, seed
        self.front_end, self.degraded, self.interp = front_end, degraded, interp
        self.plain = Draw(Maker("decimate" if cfg.lowpass else "aliased"))
        self.margin = margin * self.r

    def __len__(self) -> int:
        return len(self.starts)

    def example(self, i: int, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        """(network input, target) of patch i in `epoch`, each patch_len samples."""
        from audiosr.core.band import front_end, network_input

        s, r, L = int(self.starts[i]), self.r, self.L
        a = max(int(self.lo[i]), s - self.margin)
        b = min(int(self.hi[i]), s + L + self.margin)
        rng = np.random.default_rng([self.seed, epoch, int(i)])
        d = draw(rng, r) if self.degraded else self.plain
        target, x_lr = degrade(np.asarray(self.hr[a:b]), r, d, rng)
        if self.front_end and not (d.maker.kind == "decimate" and rng.random() < RAW_DECIMATE):
            x_lr = front_end(x_lr, r)
        o = s - a
        return network_input(x_lr, r, self.interp)[o : o + L], target[o : o + L]

    def batch(self, idx, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets) as (len(idx), patch_len) float32 arrays."""
        pairs = [self.example(int(i), epoch) for i in idx]
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])
