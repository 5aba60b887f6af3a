"""The paper's learned baseline: the DNN of Li et al. (2015), as Kuleshov et al. describe it.

Each STFT frame's low band (log magnitudes, with two frames of context on either side) goes
through three dense hidden layers of 2048 ReLU units, which predict the frame's high-band log
magnitudes. The low band is kept as it is (magnitude and phase of the spline's STFT); the high
band's phase is the low band's, mirrored about the cutoff and negated (spectral folding), so
the inverse STFT gives a waveform of the input's length. The training objective is the MSE of
high-band log magnitudes (`log_spectral_loss`), computed on the STFT of that waveform, so the
shared training loop (`audiosr.training.train`) trains it like AudioUNet.

Our choices where the paper is silent: 512-sample frames (32 ms at 16 kHz), hop 256, Hann
window, log(|X| + 1e-5), a LayerNorm on the input. Like the paper, only for r a power of 2.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

DNN_N_FFT, DNN_HOP, CONTEXT, EPS, HIDDEN = 512, 256, 2, 1e-5, 2048


def supports_ratio(r: int) -> bool:
    """The DNN's bands need r a power of 2 (the paper reports it n/a at r = 6)."""
    return r >= 2 and not r & (r - 1)


def check_dnn_ratio(r: int) -> None:
    if not supports_ratio(r):
        raise ValueError(
            f"ratio {r}: the DNN baseline is defined for r a power of 2 (the paper "
            "reports it n/a at r = 6)."
        )


def edge_bin(r: int) -> int:
    """Index of the last STFT bin below the low-res Nyquist frequency (sr / 2r)."""
    return (DNN_N_FFT // 2) // r


def fold_index(r: int) -> torch.Tensor:
    """For each high-band bin, the low-band bin whose phase it takes: a triangle wave that
    mirrors about the cutoff, then about 0, and so on (r = 2: bin e + j takes bin e - j)."""
    e = edge_bin(r)
    k = torch.arange(e + 1, DNN_N_FFT // 2 + 1)
    t = k % (2 * e)
    return torch.where(t <= e, t, 2 * e - t)


def stft(x: torch.Tensor) -> torch.Tensor:
    """(N, T) -> (N, bins, frames), complex, centred frames."""
    return torch.stft(
        x.float(),
        DNN_N_FFT,
        DNN_HOP,
        window=torch.hann_window(DNN_N_FFT, device=x.device),
        center=True,
        return_complex=True,
    )


def with_context(feat: torch.Tensor, context: int = CONTEXT) -> torch.Tensor:
    """(N, bins, frames) -> (N, frames, bins * (2 context + 1)): each frame with its neighbours
    (edge frames repeated)."""
    padded = F.pad(feat, (context, context), mode="replicate")
    frames = feat.shape[-1]
    return torch.cat(
        [padded[..., i : i + frames] for i in range(2 * context + 1)], dim=1
    ).transpose(1, 2)


class BandDNN(nn.Module):
    """(N, 1, T) or (N, T) spline-upsampled waveform -> high-res estimate of the same shape."""

    def __init__(self, ratio: int, hidden: int = HIDDEN):
        super().__init__()
        check_dnn_ratio(ratio)
        self.ratio, self.edge_bin = ratio, edge_bin(ratio)
        n_in, n_out = (self.edge_bin + 1) * (2 * CONTEXT + 1), DNN_N_FFT // 2 - self.edge_bin
        self.net = nn.Sequential(
            nn.LayerNorm(n_in),
            nn.Linear(n_in, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_out),
        )
        self.register_buffer("fold", fold_index(ratio), persistent=False)

    alignment = DNN_HOP  # frames start every DNN_HOP samples: a window must keep that phase
    context = DNN_N_FFT + CONTEXT * DNN_HOP  # one frame plus the frames of context each side

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeeze = x.dim() == 2
        x2 = x.reshape(-1, x.shape[-1])
        length = x2.shape[-1]
        spec = stft(x2)
        low = spec[:, : self.edge_bin + 1]
        log_high = self.net(with_context(torch.log(low.abs() + EPS))).transpose(1, 2)
        phase = -torch.angle(low)[:, self.fold]
        high = torch.polar(torch.exp(log_high.float()), phase)
        out = torch.istft(
            torch.cat([low, high], dim=1),
            DNN_N_FFT,
            DNN_HOP,
            window=torch.hann_window(DNN_N_FFT, device=x.device),
            center=True,
            length=length,
        )
        return out if squeeze else out.unsqueeze(1)


def log_spectral_loss(estimate: torch.Tensor, target: torch.Tensor, ratio: int) -> torch.Tensor:
    """Li et al.'s objective: MSE between high-band log magnitudes of estimate and target."""
    e = edge_bin(ratio)
    est, ref = (
        torch.log(stft(t.reshape(-1, t.shape[-1]))[:, e + 1 :].abs() + EPS)
        for t in (estimate, target)
    )
    return F.mse_loss(est, ref)
