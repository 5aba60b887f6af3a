"""What a training example goes through: its low-res input drawn from many makers
(`audiosr.data.makers`), and the degradations real files carry (level, hiss, hum, microphone
colour), so a model learns from the audio it will meet rather than from `decimate` alone.

Training draws one `Draw` per example (`draw`, a function of a numpy Generator, so a seed fixes
every choice), `degrade` applies it, and `Examples` makes a cache's patches afresh this way each
epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from audiosr.core.audio import fit_length
from audiosr.core.dsp import HR_RATE
from audiosr.data.makers import CODECS, SOXR_QUALITIES, DegradeError, Maker, make_lowres, supports


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
