"""The paper's metrics: SNR (eq. 2) and log-spectral distance (eq. 3), with the variants people
compare against one argument away.

Both take batches (..., L) as torch tensors or numpy arrays and return one value per example;
sets are summarised by the mean over files, as the paper's code does.

LSD variants (``lsd(est, ref, variant=...)``), for X = log-power spectrogram of the reference
and X^ of the estimate, frames l and frequencies k (STFT of 2048, Hann, hop 512):

- ``paper`` (default, eq. 3): mean_l sqrt(mean_k (X - X^)^2), X = ln(|STFT|^2 + 1e-8). The paper
  does not say how it guards log(0); its numbers come from the original code, which adds 1e-8
  to the power, so we do too. The guard matters: the band a spline leaves empty sits at the
  guard, and a floor of 1e-10 instead puts the spline's LSD on real speech >1 dB higher (6.8
  instead of 5.5 at r = 2 on the VCTK sample).
- ``code``: the original code's `get_lsd`: the same X, but from librosa's STFT as it was then
  (centred frames, reflect padding at the ends), the mean over *time* inside the square root
  (+1e-8) and over frequency outside (the transpose of eq. 3), clipped at 10.
- ``log10``: eq. 3 with log10 instead of ln (later papers' LSD; values are ln(10) = 2.3 times
  smaller than ``paper``'s for the same error, so never compare the two).

Worked example: a 1 kHz sine against the same sine at half amplitude: every frame's log power
differs by ln(4) = 1.386 in the bins that carry the sine and by 0 elsewhere; the `paper` LSD is
then ln(4) x sqrt(fraction of bins that differ). tests/test_metrics.py checks these by hand.
"""

from __future__ import annotations

import numpy as np
import torch

from audiosr.core.dsp import HR_RATE

LSD_N_FFT = 2048  # the paper's frame length
LSD_HOP = LSD_N_FFT // 4  # librosa's default hop
POWER_EPS = 1e-8  # added to the power before the log, as in the original code (every variant)
CODE_EPS = 1e-8  # `code`: also inside the square root, as in the original
CODE_CLIP = 10.0  # `code`: LSD values clipped here, as in the original
LSD_VARIANTS = ("paper", "code", "log10")


class MetricError(ValueError):
    """Inputs a metric is undefined for; the message says why."""


def _as_tensor(x) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    return torch.from_numpy(np.array(x, copy=True))  # memmapped clips are read-only


def _check(est: torch.Tensor, ref: torch.Tensor) -> None:
    if est.shape != ref.shape:
        raise MetricError(
            f"estimate {tuple(est.shape)} and reference {tuple(ref.shape)} differ in shape; "
            "crop both to the same length first."
        )


def snr(est, ref) -> torch.Tensor:
    """10 log10(||ref||^2 / ||ref - est||^2) per example, in dB.

    Identical signals give +inf (no error to measure); a silent reference is an error (the ratio
    is undefined), never a silent NaN.
    """
    est, ref = _as_tensor(est).double(), _as_tensor(ref).double()
    _check(est, ref)
    signal = ref.pow(2).sum(-1)
    if bool((signal == 0).any()):
        raise MetricError(
            "SNR is undefined for a silent reference (all samples zero); drop the clip."
        )
    return 10 * torch.log10(signal / (ref - est).pow(2).sum(-1))


def stft_power(x: torch.Tensor, pad_mode: str = "constant") -> torch.Tensor:
    """|STFT|^2, centred frames of 2048 with a Hann window and hop 512, shape (..., freq, frames).

    The ends are zero-padded (`pad_mode="constant"`, librosa >= 0.10) or mirrored (``"reflect"``,
    the librosa of 2017 that the original code's LSD used)."""
    shape = x.shape
    x = x.reshape(-1, shape[-1])
    if pad_mode == "reflect" and x.shape[-1] <= LSD_N_FFT // 2:  # too short to mirror: as librosa
        raise MetricError(
            f"{x.shape[-1]} samples are too short for the code LSD's reflect padding "
            f"(needs more than {LSD_N_FFT // 2})."
        )
    spec = torch.stft(
        x,
        LSD_N_FFT,
        LSD_HOP,
        window=torch.hann_window(LSD_N_FFT, dtype=x.dtype, device=x.device),
        center=True,
        pad_mode=pad_mode,
        return_complex=True,
    )
    power = spec.real.pow(2) + spec.imag.pow(2)
    return power.reshape(*shape[:-1], *power.shape[-2:])


def lsd(est, ref, variant: str = "paper") -> torch.Tensor:
    """Log-spectral distance per example; see the module docstring for the variants."""
    if variant not in LSD_VARIANTS:
        raise ValueError(f"variant={variant!r}: choose one of {LSD_VARIANTS}.")
    est, ref = _as_tensor(est).double(), _as_tensor(ref).double()
    _check(est, ref)
    if variant == "code":
        pr, pe = stft_power(ref, "reflect") + POWER_EPS, stft_power(est, "reflect") + POWER_EPS
        d = pr.log() - pe.log()
        return (d.pow(2).mean(-1) + CODE_EPS).sqrt().mean(-1).clamp_max(CODE_CLIP)
    pr, pe = stft_power(ref) + POWER_EPS, stft_power(est) + POWER_EPS
    d = pr.log10() - pe.log10() if variant == "log10" else pr.log() - pe.log()
    return d.pow(2).mean(-2).sqrt().mean(-1)


def band_snr(est, ref, sr: int, above_hz: float) -> float:
    """SNR (eq. 2) of the part of the signal above `above_hz` (the band a low-res input lacks),
    in dB; NaN where the reference has nothing there. An empty band scores 0 dB (all of it
    missing), noise of the right level with random phase about -3 dB (its error adds to the
    missing band), a band predicted in phase above 0: unlike LSD, it does not reward hiss."""
    est, ref = np.asarray(est, np.float64), np.asarray(ref, np.float64)
    _check(torch.as_tensor(est), torch.as_tensor(ref))
    keep = np.fft.rfftfreq(ref.shape[-1], 1.0 / sr) > above_hz
    r, e = np.fft.rfft(ref)[..., keep], np.fft.rfft(est)[..., keep]
    signal, error = (np.abs(r) ** 2).sum(), (np.abs(r - e) ** 2).sum()
    if signal == 0:
        return float("nan")
    return float(10 * np.log10(signal / error)) if error > 0 else float("inf")


LINE_SPACING_HZ = 125.0  # frame models' hop rate (16000 / 128); AudioUNet's 500 Hz among them


class LineMeter:
    """Stationary spectral lines an estimate adds to a set of signals (a test split).

    Strided and sub-pixel layers can imprint a pattern that repeats every 2^(B+1) samples (32
    at B = 4): lines at multiples of 16000 / 32 = 500 Hz, heard as a whistle; a frame model
    whose correction repeats every 128-sample hop, a comb at multiples of 125 Hz, heard as a
    buzz (`LINE_SPACING_HZ` looks for both). For each multiple of
    `spacing_hz` below Nyquist, `lines()` gives how many dB the estimate's long-term spectrum
    exceeds the reference's in that bin, beyond its median excess in the bins around it (so a
    model that raises a whole band is not counted as a line). Spectra are Welch averages over
    every signal added, weighted by length; 0 dB means no line.
    """

    def __init__(self, sr: int = HR_RATE, spacing_hz: float = 500.0, nperseg: int = 4096):
        self.sr, self.spacing, self.nperseg = sr, spacing_hz, nperseg
        self.est = self.ref = 0.0

    def add(self, est: np.ndarray, ref: np.ndarray) -> None:
        from scipy.signal import welch

        est, ref = np.asarray(est, np.float64), np.asarray(ref, np.float64)
        if len(ref) < self.nperseg:  # too short for the frequency resolution: zero-pad one frame
            est, ref = (
                np.pad(est, (0, self.nperseg - len(est))),
                np.pad(ref, (0, self.nperseg - len(ref))),
            )
        self.est = self.est + welch(est, self.sr, nperseg=self.nperseg)[1] * len(ref)
        self.ref = self.ref + welch(ref, self.sr, nperseg=self.nperseg)[1] * len(ref)

    def lines(self, offset_hz: float = 0.0) -> dict[float, float]:
        """dB per multiple of the spacing; with `offset_hz` (half the spacing, say), the same
        measure between the multiples: the meter's own spread on this estimate, a control for
        a fill whose fine structure differs from the reference's everywhere."""
        if np.isscalar(self.ref):
            raise MetricError("LineMeter: no signals added.")
        excess = 10 * np.log10((self.est + 1e-20) / (self.ref + 1e-20))
        df = self.sr / self.nperseg
        out = {}
        for k in range(1, int(np.ceil(self.sr / 2 / self.spacing))):
            f = k * self.spacing + offset_hz
            i = int(round(f / df))
            if i + 13 > len(excess):
                break
            near = np.r_[excess[max(0, i - 12) : i - 3], excess[i + 4 : i + 13]]  # 16-47 Hz away
            out[f] = float(excess[i - 1 : i + 2].max() - np.median(near))
        return out

    def strongest(self, offset_hz: float = 0.0) -> tuple[float, float]:
        """(frequency, dB) of the strongest added line (see `lines` for `offset_hz`)."""
        return max(self.lines(offset_hz).items(), key=lambda kv: kv[1])
