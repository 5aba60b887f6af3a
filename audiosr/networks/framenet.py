"""A frame-rate generator: the network works on STFT frames, not on samples.

AudioUNet spends its compute on every one of 16,000 samples a second; this network (in the
spirit of AP-BWE and Vocos) spends it on 125 frames a second. The spline-upsampled input's STFT
(512-sample Hann frames, hop 128) becomes per-frame features (log magnitude and the phase's
cosine and sine in every bin), a stack of ConvNeXt blocks (depthwise convolution over frames,
LayerNorm, a pointwise MLP) maps them to a complex correction of every bin, and the inverse STFT
of the input's spectrum plus that correction is the estimate. The last layer starts at zero, so
the untrained network returns its input (the spline), as AudioUNet does.

Architecture settings it reads from `ModelConfig`: `blocks` (ConvNeXt blocks) and `width`
(channels = 512 x width; 0.5 costs about AudioUNet small's multiply-adds per second of audio).
"""

from __future__ import annotations

import torch
from torch import nn

FRAME_N_FFT, FRAME_HOP, FRAME_KERNEL, FULL_CHANNELS, MLP_RATIO, EPS = 512, 128, 7, 512, 3, 1e-5


class ConvNeXtBlock(nn.Module):
    """Depthwise conv over frames, LayerNorm over channels, pointwise MLP, residual."""

    def __init__(self, channels: int, kernel: int = FRAME_KERNEL):
        super().__init__()
        self.dw = nn.Conv1d(channels, channels, kernel, padding=kernel // 2, groups=channels)
        self.norm = nn.LayerNorm(channels)
        self.mlp = nn.Sequential(
            nn.Linear(channels, MLP_RATIO * channels),
            nn.GELU(),
            nn.Linear(MLP_RATIO * channels, channels),
        )

    def forward(self, h: torch.Tensor) -> torch.Tensor:  # (N, C, frames)
        y = self.norm(self.dw(h).transpose(1, 2))
        return h + self.mlp(y).transpose(1, 2)


def frame_spectrum(x: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """(N, T) waveforms -> their STFT (N, bins, frames): the frames every frame generator sees."""
    return torch.stft(x, FRAME_N_FFT, FRAME_HOP, window=window, center=True, return_complex=True)


def frame_waveform(spec: torch.Tensor, window: torch.Tensor, length: int) -> torch.Tensor:
    """The inverse of `frame_spectrum`, `length` samples."""
    return torch.istft(spec, FRAME_N_FFT, FRAME_HOP, window=window, center=True, length=length)


def frame_channels(width: float) -> int:
    return max(1, round(FULL_CHANNELS * width))


class FrameNet(nn.Module):
    """(N, 1, T) or (N, T) spline-upsampled waveform -> high-res estimate of the same shape."""

    alignment = FRAME_HOP  # frames start every hop samples: a window must keep that phase

    def __init__(self, blocks: int = 8, width: float = 0.5):
        super().__init__()
        bins, c = FRAME_N_FFT // 2 + 1, frame_channels(width)
        self.blocks = blocks
        self.inp = nn.Conv1d(3 * bins, c, 1)
        self.body = nn.Sequential(*(ConvNeXtBlock(c) for _ in range(blocks)))
        self.norm = nn.LayerNorm(c)
        self.out = nn.Linear(c, 2 * bins)
        nn.init.zeros_(self.out.weight)  # start as the identity: output = input
        nn.init.zeros_(self.out.bias)
        self.register_buffer("window", torch.hann_window(FRAME_N_FFT), persistent=False)

    @property
    def context(self) -> int:
        """High-res samples of context each side that make an output sample exact: half a
        frame, plus each block's reach over neighbouring frames."""
        return FRAME_N_FFT // 2 + self.blocks * (FRAME_KERNEL // 2) * FRAME_HOP + FRAME_N_FFT // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeeze = x.dim() == 2
        x2 = x.reshape(-1, x.shape[-1]).float()
        length = x2.shape[-1]
        spec = frame_spectrum(x2, self.window)
        mag = spec.abs()
        unit = spec / (mag + EPS)  # the phase as a unit vector (zero where there is no energy)
        feat = torch.cat([torch.log(mag + EPS), unit.real, unit.imag], dim=1)
        h = self.body(self.inp(feat))
        delta = self.out(self.norm(h.transpose(1, 2))).transpose(1, 2)  # (N, 2 bins, frames)
        re, im = delta.float().chunk(2, dim=1)
        out = frame_waveform(spec + torch.complex(re, im), self.window, length)
        return out if squeeze else out.unsqueeze(1)
