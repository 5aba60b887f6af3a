"""TFiLM (Birnbaum, Kuleshov et al., "Temporal FiLM", NeurIPS 2019): the original repository's
later model (`src/models/audiotfilm.py`), an AudioUNet whose every block's activations are
rescaled, block by block, by an LSTM that reads the whole sequence.

As the original code builds it:
- down block: convolution with dilation 2 (stride 1), max-pool 2, LeakyReLU 0.2, TFiLM;
- bottleneck: the same with dropout 0.5 before the activation;
- up block: convolution to 2F, dropout 0.5, ReLU, SubPixel, TFiLM, then the skip stacked on;
- last: convolution to 2 channels, SubPixel, plus the input (the additive residual).
Filters and kernels are the code's first list (128, 256, 512, 512, ...; 65, 33, 17, 9, ...),
times `width`; initialisation as Keras's: orthogonal convolutions, the last one N(0, 1e-3),
so the untrained network returns nearly the spline.

TFiLM: max-pool the activations over blocks of fixed length, run an LSTM (as wide as the layer)
over the sequence of blocks, multiply each block's activations by the LSTM's output for it.

Where the code and the TFiLM paper differ, we follow the code:
- The paper's modulation is affine (a scale and a shift per block and channel); the code only
  multiplies (the LSTM's output, in (-1, 1), is the scale).
- Block length: down block b (from 0) uses 128 / 2^b samples, so every down block and the
  bottleneck (128 / 2^B) split the input into length / 256 blocks. The up blocks reuse the
  bottleneck's block length (a loop variable left at its last value), so their block count
  grows toward the output: length / 128 at the deepest, length / 16 at the top for B = 4.
- Inputs are padded at the end to a multiple of 256 samples (block boundaries must fall on
  whole samples at every depth) and the output cropped back; the original needs multiples.

The LSTM gives the network an unbounded reach, so windowed inference is close to, not equal
to, whole-file inference: `context` adds `LSTM_CONTEXT` samples to the convolutions' reach
(tests/test_tfilm.py measures the difference).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from audiosr.networks.audiounet import UNet1d

DILATION = 2
TOP_BLOCK = 128  # the first down block's TFiLM block length; halved at each depth
MAX_BLOCKS = 7  # the bottleneck's block length 128 / 2^B must stay a whole sample
LSTM_CONTEXT = 2048  # high-res samples of context each side for the LSTM's state to settle


def tfilm_multiple(blocks: int) -> int:
    """Input lengths the network runs without padding: every TFiLM block whole at every depth."""
    return max(2 ** (blocks + 1), 2 * TOP_BLOCK)


class TFiLM(nn.Module):
    """(N, C, L) -> (N, C, L), L a multiple of `block`: each block scaled by an LSTM's output."""

    def __init__(self, channels: int, block: int):
        super().__init__()
        self.block = block
        self.lstm = nn.LSTM(channels, channels, batch_first=True)
        # Keras's LSTM init: Glorot-uniform input weights, orthogonal recurrent weights, zero
        # biases but the forget gate's 1. PyTorch keeps two bias vectors where Keras has one.
        nn.init.xavier_uniform_(self.lstm.weight_ih_l0)
        for gate in self.lstm.weight_hh_l0.chunk(4, 0):
            nn.init.orthogonal_(gate)
        nn.init.zeros_(self.lstm.bias_ih_l0)
        nn.init.zeros_(self.lstm.bias_hh_l0)
        with torch.no_grad():
            self.lstm.bias_ih_l0[channels : 2 * channels] = 1.0  # gates i, f, g, o: f is second

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, length = x.shape
        steps = length // self.block
        pooled = F.max_pool1d(x, self.block)  # (N, C, steps)
        scale, _ = self.lstm(pooled.transpose(1, 2))  # (N, steps, C)
        blocks = x.reshape(n, c, steps, self.block) * scale.transpose(1, 2).unsqueeze(-1)
        return blocks.reshape(n, c, length)


def _conv(c_in: int, c_out: int, kernel: int) -> nn.Conv1d:
    return nn.Conv1d(c_in, c_out, kernel, dilation=DILATION, padding=DILATION * (kernel // 2))


class DownBlock(nn.Module):
    def __init__(self, c_in, c_out, kernel, block, dropout=0.0):
        super().__init__()
        self.conv = _conv(c_in, c_out, kernel)
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.tfilm = TFiLM(c_out, block)

    def forward(self, x):
        h = F.max_pool1d(self.conv(x), 2)
        return self.tfilm(F.leaky_relu(self.dropout(h), 0.2))


class AudioTFiLM(UNet1d):
    """Maps the spline-upsampled signal (N, 1, L) or (N, L) to the high-res estimate, same shape.

    Reads `blocks` (B, 1 to 7), `width`, `upsample` (``subpixel`` as the original, or
    ``resize``: nearest x2 then the convolution, no added tones), `residual` and `skips`. The
    forward pass is the U-Net's that AudioUNet runs too (`audiounet.UNet1d`), with a TFiLM layer
    after each up block's upsampling (`up_step`).
    """

    def __init__(self, config: "ModelConfig"):  # noqa: F821 (networks.config's; built by build_model)
        super().__init__(config)
        cfg = config
        if not 1 <= cfg.blocks <= MAX_BLOCKS:
            raise ValueError(f"blocks={cfg.blocks}: TFiLM supports 1 to {MAX_BLOCKS} blocks.")
        filters, kernels = cfg.filters(), cfg.kernels()
        deepest = TOP_BLOCK >> cfg.blocks
        self.down = nn.ModuleList()
        c = 1
        for b, (f, k) in enumerate(zip(filters, kernels)):
            self.down.append(DownBlock(c, f, k, TOP_BLOCK >> b))
            c = f
        self.bottleneck = DownBlock(c, filters[-1], kernels[-1], deepest, dropout=0.5)
        c = filters[-1]
        shuffle = 2 if cfg.upsample == "subpixel" else 1
        self.up = nn.ModuleList()
        self.up_tfilm = nn.ModuleList()
        for f, k in zip(reversed(filters), reversed(kernels)):
            self.up.append(nn.Sequential(_conv(c, shuffle * f, k), nn.Dropout(0.5), nn.ReLU()))
            self.up_tfilm.append(TFiLM(f, deepest))
            c = 2 * f if cfg.skips else f
        self.last = nn.Conv1d(c, shuffle, 9, padding=4)
        for m in self.modules():
            if isinstance(m, nn.Conv1d):
                nn.init.orthogonal_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.normal_(self.last.weight, std=1e-3)

    front_end = False

    @property
    def alignment(self) -> int:
        """High-res sample phase a window must keep: where the TFiLM blocks start."""
        return tfilm_multiple(self.config.blocks)

    @property
    def context(self) -> int:
        """High-res samples of context each side: the convolutions' reach plus the LSTM's."""
        cfg, k = self.config, self.config.kernels()
        down = sum((kb - 1) * DILATION * 2**b + 2**b for b, kb in enumerate(k))
        bottleneck = (k[-1] - 1) * DILATION * 2**cfg.blocks + 2**cfg.blocks
        up = sum((kb - 1) * DILATION * 2 ** (b + 1) for b, kb in enumerate(k))
        reach = 1 + down + bottleneck + up + (9 - 1) * 2
        return reach // 2 + 1 + LSTM_CONTEXT

    def up_step(self, b: int, h: torch.Tensor) -> torch.Tensor:
        """Up block `b` as AudioUNet's, then its TFiLM layer."""
        return self.up_tfilm[b](super().up_step(b, h))
