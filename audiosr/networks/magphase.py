"""A frame-rate generator with a magnitude stream and a phase stream (after AP-BWE, Lu et al.
2024), sized for a CPU.

The input is the low-res signal band-limited-interpolated to the high rate (`band.network_input`
with ``interp="sinc"``), so its known band is already exact. Its STFT (512-sample Hann frames,
hop 128: 125 frames a second) gives two feature sets: the log magnitude of every bin, and the
phase as a unit vector. Each goes through its own stack of ConvNeXt blocks, and after every
block each stream adds the other's features (the cross-connections that let the phase follow
the magnitude and back). The magnitude stream predicts a log-magnitude correction, the phase
stream a phase (the angle of a predicted 2-D vector, so it never wraps), and a gate per bin and
frame (from both streams) says how much of the generated spectrum replaces the input's:

    out = in + g * (|in| exp(d) e^{i phi} - in)

The gate starts near zero, so the untrained network returns its input (sinc interpolation), and
where the input's band is real the network can keep it exactly by leaving the gate shut.
Settings it reads from `ModelConfig`: `blocks` (per stream) and `width` (channels = 512 x width).
"""

from __future__ import annotations

import torch
from torch import nn

from audiosr.networks.framenet import (
    EPS,
    FRAME_HOP,
    FRAME_KERNEL,
    FRAME_N_FFT,
    ConvNeXtBlock,
    frame_spectrum,
    frame_waveform,
)

FULL_CHANNELS = 512
GATE_BIAS = -6.0  # sigmoid(-6) = 0.0025: the gate starts shut


class MagPhaseNet(nn.Module):
    """(N, 1, T) or (N, T) interpolated waveform -> high-res estimate of the same shape."""

    alignment = FRAME_HOP  # frames start every hop samples: a window must keep that phase

    def __init__(self, config):
        super().__init__()
        self.config = config
        bins, c = FRAME_N_FFT // 2 + 1, max(1, round(FULL_CHANNELS * config.width))
        self.blocks = config.blocks
        self.mag_in = nn.Conv1d(bins, c, FRAME_KERNEL, padding=FRAME_KERNEL // 2)
        self.pha_in = nn.Conv1d(2 * bins, c, FRAME_KERNEL, padding=FRAME_KERNEL // 2)
        self.mag_body = nn.ModuleList(ConvNeXtBlock(c) for _ in range(config.blocks))
        self.pha_body = nn.ModuleList(ConvNeXtBlock(c) for _ in range(config.blocks))
        self.mag_norm, self.pha_norm = nn.LayerNorm(c), nn.LayerNorm(c)
        self.mag_out = nn.Linear(c, bins)
        self.pha_out = nn.Linear(c, 2 * bins)
        self.gate_out = nn.Linear(2 * c, bins)
        nn.init.zeros_(self.mag_out.weight)
        nn.init.zeros_(self.mag_out.bias)
        nn.init.zeros_(self.gate_out.weight)
        nn.init.constant_(self.gate_out.bias, GATE_BIAS)
        self.register_buffer("window", torch.hann_window(FRAME_N_FFT), persistent=False)

    @property
    def front_end(self) -> bool:
        return self.config.front_end

    @property
    def context(self) -> int:
        """High-res samples of context each side that make an output sample exact: half a
        frame, the input convolutions' and each block's reach over frames, half a frame."""
        frames = (self.blocks + 1) * (FRAME_KERNEL // 2)
        return FRAME_N_FFT // 2 + frames * FRAME_HOP + FRAME_N_FFT // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeeze = x.dim() == 2
        x2 = x.reshape(-1, x.shape[-1]).float()
        length = x2.shape[-1]
        spec = frame_spectrum(x2, self.window)
        mag = spec.abs()
        unit = spec / (mag + EPS)
        logmag = torch.log(mag + EPS)
        hm = self.mag_in(logmag)
        hp = self.pha_in(torch.cat([unit.real, unit.imag], dim=1))
        for mb, pb in zip(self.mag_body, self.pha_body):
            hm, hp = mb(hm), pb(hp)
            hm, hp = hm + hp, hp + hm  # the cross-connections
        hm = self.mag_norm(hm.transpose(1, 2))  # (N, frames, C)
        hp = self.pha_norm(hp.transpose(1, 2))
        d = self.mag_out(hm).transpose(1, 2).float()
        re, im = self.pha_out(hp).transpose(1, 2).float().chunk(2, dim=1)
        g = torch.sigmoid(self.gate_out(torch.cat([hm, hp], -1)).transpose(1, 2).float())
        phase = torch.atan2(im, re + 1e-9)
        gen = torch.polar(torch.exp(logmag + d), phase)
        out = frame_waveform(spec + g * (gen - spec), self.window, length)
        return out if squeeze else out.unsqueeze(1)
