"""Discriminators for the adversarial stage: small enough that a 2-core CPU trains them beside
AudioUNet.

- `WaveformDiscriminator` (MelGAN's, Kumar et al. 2019): strided grouped 1-D convolutions on the
  waveform, at three scales (the audio, then average-pooled x2 and x4): fine time structure, such
  as the onsets of plosives.
- `SpectralDiscriminator` (UnivNet's multi-resolution one, Jang et al. 2021): 2-D convolutions
  on log magnitudes at three STFT sizes: whether each band carries the texture speech has there
  (the noise of fricatives above 4 kHz, which an MSE model leaves faint).

`Discriminators` runs all six and returns, for each, its score map and its hidden activations
(for feature matching, `audiosr.networks.losses.feature_matching`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations

from audiosr.networks.losses import MAG_FLOOR, STFT_RESOLUTIONS, stft_magnitude

SLOPE = 0.2  # LeakyReLU slope, as in MelGAN and HiFi-GAN


def _norm(conv: nn.Module) -> nn.Module:
    return parametrizations.weight_norm(conv)


class WaveformDiscriminator(nn.Module):
    """Strided grouped 1-D convolutions over (N, 1, T) audio; `channels` sets the width."""

    def __init__(self, channels: int = 16):
        super().__init__()
        c = channels
        self.layers = nn.ModuleList(
            [
                _norm(nn.Conv1d(1, c, 15, padding=7)),
                _norm(nn.Conv1d(c, 2 * c, 41, stride=4, padding=20, groups=4)),
                _norm(nn.Conv1d(2 * c, 4 * c, 41, stride=4, padding=20, groups=8)),
                _norm(nn.Conv1d(4 * c, 8 * c, 41, stride=4, padding=20, groups=16)),
                _norm(nn.Conv1d(8 * c, 8 * c, 5, padding=2)),
            ]
        )
        self.out = _norm(nn.Conv1d(8 * c, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        for layer in self.layers:
            x = F.leaky_relu(layer(x), SLOPE)
            features.append(x)
        return self.out(x), features


class SpectralDiscriminator(nn.Module):
    """2-D convolutions over the log magnitude (frames x bins) of one STFT resolution."""

    def __init__(self, resolution: tuple[int, int, int], channels: int = 16):
        super().__init__()
        self.resolution = resolution
        c = channels
        self.layers = nn.ModuleList(
            [
                _norm(nn.Conv2d(1, c, (3, 9), padding=(1, 4))),
                _norm(nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4))),
                _norm(nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4))),
                _norm(nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4))),
                _norm(nn.Conv2d(c, c, (3, 3), padding=(1, 1))),
            ]
        )
        self.out = _norm(nn.Conv2d(c, 1, (3, 3), padding=(1, 1)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        mag = stft_magnitude(x.float(), *self.resolution).clamp_min(MAG_FLOOR).log()
        h, features = mag.unsqueeze(1), []
        for layer in self.layers:
            h = F.leaky_relu(layer(h), SLOPE)
            features.append(h)
        return self.out(h), features


class Discriminators(nn.Module):
    """Three waveform scales and three STFT resolutions; `channels` scales them all."""

    def __init__(self, channels: int = 16, resolutions=STFT_RESOLUTIONS):
        super().__init__()
        self.waveform = nn.ModuleList(WaveformDiscriminator(channels) for _ in range(3))
        self.spectral = nn.ModuleList(SpectralDiscriminator(r, channels) for r in resolutions)

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[list[torch.Tensor]]]:
        """Scores and hidden activations of every discriminator for (N, 1, T) audio."""
        scores, features = [], []
        for i, d in enumerate(self.waveform):
            s, f = d(F.avg_pool1d(x, 2**i, 2**i) if i else x)
            scores.append(s)
            features.append(f)
        for d in self.spectral:
            s, f = d(x)
            scores.append(s)
            features.append(f)
        return scores, features
