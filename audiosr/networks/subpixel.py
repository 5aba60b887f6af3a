"""The 1-D SubPixel shuffle (Shi et al. 2016): the layer with which AudioUNet and TFiLM double
the length, trading channels for time."""

from __future__ import annotations

import torch


def subpixel1d(x: torch.Tensor, r: int = 2) -> torch.Tensor:
    """(N, C*r, L) -> (N, C, L*r): out[n, c, l*r + i] = x[n, c*r + i, l]. Channels become time."""
    n, c, length = x.shape
    return x.reshape(n, c // r, r, length).permute(0, 1, 3, 2).reshape(n, c // r, length * r)
