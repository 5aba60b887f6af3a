"""The paper's metrics: SNR (eq. 2) and log-spectral distance (eq. 3).

Both take batches (..., L) as torch tensors or numpy arrays and return one value per example;
sets are summarised by the mean over examples, as the paper's code does.
"""
from __future__ import annotations

import numpy as np
import torch

N_FFT = 2048          # the paper's frame length
HOP = N_FFT // 4      # librosa's default hop
POWER_FLOOR = 1e-10   # log(0) guard: silent frames compare at -23 nats instead of -inf


def _t(x) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.from_numpy(np.array(x, copy=True))  # memmaps are read-only


def _check(est: torch.Tensor, ref: torch.Tensor) -> None:
    if est.shape != ref.shape:
        raise ValueError(f"estimate {tuple(est.shape)} and reference {tuple(ref.shape)} differ in shape; "
                         "crop both to the same length first.")


def snr(est, ref) -> torch.Tensor:
    """10 log10(||ref||^2 / ||ref - est||^2) per example, in dB (inf if identical)."""
    est, ref = _t(est).double(), _t(ref).double()
    _check(est, ref)
    return 10 * torch.log10(ref.pow(2).sum(-1) / (ref - est).pow(2).sum(-1))


def log_power_spectrogram(x: torch.Tensor) -> torch.Tensor:
    """log |STFT|^2 (natural log), frames of 2048 with a Hann window, shape (..., freq, frames)."""
    shape = x.shape
    x = x.reshape(-1, shape[-1])
    spec = torch.stft(x, N_FFT, HOP, window=torch.hann_window(N_FFT, dtype=x.dtype, device=x.device),
                      center=True, pad_mode="constant", return_complex=True)
    power = spec.real.pow(2) + spec.imag.pow(2)
    return power.clamp_min(POWER_FLOOR).log().reshape(*shape[:-1], *power.shape[-2:])


def lsd(est, ref) -> torch.Tensor:
    """Paper eq. 3: mean over frames of sqrt(mean over frequencies of (X - X_hat)^2), per example."""
    est, ref = _t(est).double(), _t(ref).double()
    _check(est, ref)
    d = log_power_spectrogram(ref) - log_power_spectrogram(est)
    return d.pow(2).mean(-2).sqrt().mean(-1)
