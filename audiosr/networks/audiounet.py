"""AudioUNet (Kuleshov et al. 2017, Figure 1): a 1-D U-Net that adds a learned residual to the
cubic-spline upsampled input.

B downsampling blocks (strided conv), a bottleneck, B upsampling blocks (conv to 2F channels,
then a 1-D SubPixel shuffle that trades channels for time), each concatenated with its
downsampling block's features, then a last conv + SubPixel to one channel, plus the input.
The paper's version is the default; ``variant="code2017"`` / ``"code2019"`` are the original
TensorFlow code's (github.com/kuleshov/audio-super-res), as first published in 2017 and as at
its 2019 head: the same network but for the second block's filters (256, then 384).

``upsample="resize"`` replaces every SubPixel step by nearest-neighbour x2 upsampling followed
by the convolution (resize-convolution). The SubPixel shuffle interleaves channels that are
learned separately, so any difference between them repeats every 2^(B+1) samples: on real
speech the paper's model adds stationary lines at multiples of 500 Hz (+20 to +25 dB at
4 kHz). Resize-convolution has no such period (see the README's "Added tones").
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from audiosr.networks.subpixel import subpixel1d


class Block(nn.Sequential):
    """Conv1d (+ batch norm) + activation (+ dropout), 'same' padding."""

    def __init__(self, c_in, c_out, kernel, stride, variant, act="relu", dropout=0.0):
        layers = [
            nn.Conv1d(
                c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=variant != "paper"
            )
        ]
        if variant == "paper":
            layers.append(nn.BatchNorm1d(c_out))
        if dropout:
            layers.append(nn.Dropout(dropout))
        layers.append(nn.LeakyReLU(0.2) if act == "leaky" else nn.ReLU())
        super().__init__(*layers)


class UNet1d(nn.Module):
    """The U-Net that AudioUNet and TFiLM share, from the spline-upsampled signal (N, 1, L) or
    (N, L) to the high-res estimate of the same shape: the down blocks, the bottleneck, the up
    blocks, each followed by its down block's features (the skips), the last layer, plus the
    input (the residual). A subclass builds `down`, `bottleneck`, `up` and `last` and says its
    `alignment`; `up_step` is where TFiLM adds its layer.
    """

    def __init__(self, config: "ModelConfig"):  # noqa: F821 (networks.config's)
        super().__init__()
        self.config = config

    @property
    def alignment(self) -> int:
        """High-res sample phase the network must see preserved; inputs are padded to it."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeeze = x.dim() == 2
        if squeeze:
            x = x.unsqueeze(1)
        length = x.shape[-1]
        pad = -length % self.alignment
        inp = F.pad(x, (0, pad)) if pad else x
        h, skips = inp, []
        for block in self.down:
            h = block(h)
            skips.append(h)
        h = self.bottleneck(h)
        for b, skip in enumerate(reversed(skips)):
            h = self.up_step(b, h)
            if self.config.skips:
                h = torch.cat([h, skip], dim=1)
        h = self._upsample(self.last, h)
        if self.config.residual:
            h = h + inp
        h = h[..., :length]
        return h.squeeze(1) if squeeze else h

    def up_step(self, b: int, h: torch.Tensor) -> torch.Tensor:
        """Up block `b` (0: the deepest) on `h`: twice the length."""
        return self._upsample(self.up[b], h)

    def _upsample(self, layer: nn.Module, h: torch.Tensor) -> torch.Tensor:
        """Twice the length: the layer then a SubPixel shuffle, or nearest x2 then the layer."""
        if self.config.upsample == "subpixel":
            return subpixel1d(layer(h))
        return layer(F.interpolate(h, scale_factor=2, mode="nearest"))


class AudioUNet(UNet1d):
    """Maps the spline-upsampled signal (N, 1, L) or (N, L) to the high-res estimate, same shape.

    Any length works: the input is padded at the end to a multiple of 2^(B+1) and the output
    cropped back. The paper variant's last convolution starts at zero, so the untrained model
    returns the spline exactly and training can only move away from it where that lowers the
    loss (on the demo's r = 2 validation split: SNR +0.9 dB over the spline instead of -0.7 dB
    with PyTorch's default init; see the README). The code variant keeps the original code's
    init: orthogonal convolutions, the last one N(0, 1e-3), so it too starts near the spline.
    """

    def __init__(self, config: "ModelConfig"):  # noqa: F821 (networks.config's)
        super().__init__(config)
        cfg = config
        filters, kernels = cfg.filters(), cfg.kernels()
        code = cfg.is_code
        self.down = nn.ModuleList()
        c = 1
        for f, k in zip(filters, kernels):
            self.down.append(Block(c, f, k, 2, cfg.variant, act="leaky" if code else "relu"))
            c = f
        self.bottleneck = Block(
            c,
            filters[-1],
            kernels[-1],
            2,
            cfg.variant,
            act="leaky" if code else "relu",
            dropout=0.5 if code else 0.0,
        )
        c = filters[-1]
        self.up = nn.ModuleList()
        shuffle = 2 if cfg.upsample == "subpixel" else 1  # the shuffle turns 2f channels into f
        for f, k in zip(reversed(filters), reversed(kernels)):
            self.up.append(Block(c, shuffle * f, k, 1, cfg.variant, dropout=0.5 if code else 0.0))
            c = 2 * f if cfg.skips else f  # after the upsampling: f channels, plus f from the skip
        self.last = nn.Conv1d(c, shuffle, 9, padding=4)
        # The paper is silent on initialisation: start as the identity (output = spline).
        if not code:
            nn.init.zeros_(self.last.weight)
            nn.init.zeros_(self.last.bias)
        # The original code: orthogonal convolutions, but the last one drawn from N(0, 1e-3).
        if code:
            for m in self.modules():
                if isinstance(m, nn.Conv1d):
                    nn.init.orthogonal_(m.weight)
                    nn.init.zeros_(m.bias)
            nn.init.normal_(self.last.weight, std=1e-3)

    @property
    def front_end(self) -> bool:
        """Whether its inputs go through `band.front_end` (and outputs through `band.restore`)."""
        return self.config.front_end

    @property
    def alignment(self) -> int:
        """High-res sample phase the network must see preserved: 2^(B+1) (its strides)."""
        return self.config.multiple

    @property
    def context(self) -> int:
        """High-res samples of context each side that make an output sample exact."""
        return receptive_field(self.config) // 2 + 1


def layer_table(model: AudioUNet, length: int = 6000) -> list[dict]:
    """Each layer's output shape and parameter count for one input of `length` samples."""
    rows, hooks = [], []
    named = (
        [("input pad", None)]
        + [(f"down {i + 1}", m) for i, m in enumerate(model.down)]
        + [("bottleneck", model.bottleneck)]
        + [(f"up {len(model.up) - i}", m) for i, m in enumerate(model.up)]
        + [("last conv", model.last)]
    )
    for name, m in named[1:]:
        conv = m if isinstance(m, nn.Conv1d) else m[0]

        def hook(mod, inp, out, name=name, m=m, conv=conv):
            rows.append(
                {
                    "layer": name,
                    "kernel": conv.kernel_size[0],
                    "stride": conv.stride[0],
                    "output (channels x samples)": f"{out.shape[1]} x {out.shape[2]}",
                    "parameters": sum(p.numel() for p in m.parameters()),
                }
            )

        hooks.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, length))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return rows


def receptive_field(config: "ModelConfig") -> int:  # noqa: F821 (networks.config's)
    """Input samples that can influence one output sample, deepest path:
    1 + sum over convs of (kernel - 1) x (spacing of the conv's input samples).

    Down conv b sees spacing 2^(b-1), the bottleneck 2^B, up conv b 2^(b+1), the last conv 2.
    The SubPixel shuffle adds no extent of its own, but its phase can shift the span by up to
    2^B samples; tests/test_model.py checks the formula against gradients within that.
    With resize-convolution the up convs run after the upsampling (up conv b at spacing 2^b,
    the last at 1); depending on the phase, each nearest x2 step widens the span by 0 to its
    input spacing, counted here as half (2^B - 1 in all; checked against gradients too).
    """
    k = config.kernels()
    down = sum((kb - 1) * 2**b for b, kb in enumerate(k))
    bottleneck = (k[-1] - 1) * 2**config.blocks
    if config.upsample == "resize":
        up = sum((kb - 1) * 2 ** (b + 1) for b, kb in enumerate(k))
        return 1 + down + bottleneck + up + (9 - 1) + 2**config.blocks - 1
    up = sum((kb - 1) * 2 ** (b + 2) for b, kb in enumerate(k))
    return 1 + down + bottleneck + up + (9 - 1) * 2
