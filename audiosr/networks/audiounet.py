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

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from audiosr.networks.subpixel import subpixel1d

VARIANTS = ("paper", "code2017", "code2019")
ARCHS = ("audiounet", "dnn", "framenet", "magphase", "tfilm")
UPSAMPLES = ("subpixel", "resize")
INTERPS = ("spline", "sinc")
CODE_FILTERS = {  # the original code's lists, per version
    "code2017": (128, 256, 512, 512, 512, 512, 512, 512),  # its first version, the paper's era
    "code2019": (128, 384, 512, 512, 512, 512, 512, 512),  # its head since 2019
}
CODE_KERNELS = (65, 33, 17, 9, 9, 9, 9, 9)


@dataclass
class ModelConfig:
    """Architecture. Defaults are the paper's.

    Attributes:
        ratio: the upsampling ratio the model is trained for (recorded, checked on load).
        blocks: B, the number of down / up blocks.
        variant: ``paper`` (batch norm + ReLU, filters min(2^(6+b), 512)), or the original
            code: LeakyReLU 0.2, no batch norm, dropout 0.5 in bottleneck and up blocks,
            orthogonal init, filters 128, 256, 512, 512 (``code2017``, the code of the paper's
            time) or 128, 384, 512, 512 (``code2019``, its head; ``code`` is read as this).
        width: multiplier on every filter count (0.25 = a quarter of the channels) for small models.
        residual: add the input to the output (Figure 3 ablation: False).
        skips: concatenate down-block features into up blocks (Figure 3 ablation: False; the up
            convolutions keep the same filter counts).
        arch: ``audiounet``, ``dnn`` for the paper's baseline (Li et al. 2015, `audiosr.networks.dnn`;
            uses only ratio and width, which scales its 2048 hidden units), or ``framenet``, a
            generator on STFT frames (`audiosr.networks.framenet`; uses blocks and width), or
            ``tfilm``, the original code's later model (`audiosr.networks.tfilm`: the code's
            filters and kernels, whatever the variant; uses blocks, width, upsample, residual
            and skips).
        upsample: ``subpixel`` (the paper's SubPixel shuffle) or ``resize`` (nearest x2, then
            the convolution: no periodic pattern, hence no added tones; ~1.6x the compute).
        front_end: every input gets `decimate`'s roll-off before the network, and the input's
            own band is put back after it (`audiosr.core.band`): the input the network learned,
            whatever resampler made the low-res audio. Training and inference both apply it
            (input known to be made by `decimate` skips it).
        interp: how the low-res input becomes the network's input: ``spline`` (the paper's cubic
            spline) or ``sinc`` (band-limited interpolation, `band.interpolate`: exact below
            the low-res Nyquist, where the spline droops, so the network spends itself on the
            missing band).
        fill: how a frame generator makes the missing band's phase (`networks.framenet`):
            ``free`` (its own), ``shift`` (the input's band shifted up, as spectral band
            replication does), ``rectify`` (the rectified input's harmonics) or ``powers``
            (|x|, x|x| and x^3's phases mixed per bin by learned weights).
        fill_gain: the level of a frame generator's correction above the low-res band (1: as
            trained): an unpredictable band's fill costs its own energy in SNR.
    """

    ratio: int = 4
    blocks: int = 4
    variant: str = "paper"
    width: float = 1.0
    residual: bool = True
    skips: bool = True
    arch: str = "audiounet"
    upsample: str = "subpixel"
    front_end: bool = False
    interp: str = "spline"
    fill: str = "free"
    fill_gain: float = 1.0

    def __post_init__(self):
        from audiosr.core.dsp import valid_ratio

        self.ratio = valid_ratio(self.ratio)  # a file's "4" is refused, not unequal to 4
        if self.arch not in ARCHS:
            raise ValueError(f"arch={self.arch!r}: choose one of {ARCHS}.")
        if self.arch == "dnn":
            from audiosr.networks.dnn import check_dnn_ratio

            check_dnn_ratio(self.ratio)
        if self.variant == "code":  # the name before the two code versions were told apart
            raise ValueError(
                "variant='code': say which version of the original code, 'code2017' (its first, "
                "the paper's era) or 'code2019' (its head since 2019)."
            )
        if self.variant not in VARIANTS:
            raise ValueError(f"variant={self.variant!r}: choose one of {VARIANTS}.")
        from audiosr.networks.framenet import FILLS

        if self.fill not in FILLS:
            raise ValueError(f"fill={self.fill!r}: choose one of {FILLS}.")
        if self.interp not in INTERPS:
            raise ValueError(f"interp={self.interp!r}: choose one of {INTERPS}.")
        if self.upsample not in UPSAMPLES:
            raise ValueError(f"upsample={self.upsample!r}: choose one of {UPSAMPLES}.")
        if not 1 <= self.blocks <= 8:
            raise ValueError(f"blocks={self.blocks}: AudioUNet supports 1 to 8 blocks.")
        if not 0 <= self.fill_gain <= 4:
            raise ValueError(f"fill_gain={self.fill_gain}: a level from 0 to 4.")
        if self.width <= 0:
            raise ValueError(f"width={self.width} must be positive.")
        if self.width > 1:  # the paper's width and below fit; a wider model is counted first
            check_size(self)

    @property
    def multiple(self) -> int:
        """Input lengths must be multiples of this (B halvings + the bottleneck's)."""
        if self.arch == "tfilm":
            from audiosr.networks.tfilm import tfilm_multiple

            return tfilm_multiple(self.blocks)
        return 2 ** (self.blocks + 1) if self.arch == "audiounet" else 1

    @property
    def is_code(self) -> bool:
        """One of the original code's versions (not the paper's text); TFiLM is the code's."""
        return self.variant in CODE_FILTERS or self.arch == "tfilm"

    def filters(self) -> list[int]:
        code = "code2017" if self.arch == "tfilm" else self.variant  # audiotfilm.py's list
        base = (
            CODE_FILTERS[code][: self.blocks]
            if self.is_code
            else [min(2 ** (6 + b), 512) for b in range(1, self.blocks + 1)]
        )
        return [max(1, round(f * self.width)) for f in base]

    def kernels(self) -> list[int]:
        if self.is_code:
            return list(CODE_KERNELS[: self.blocks])
        return [max(2 ** (7 - b) + 1, 9) for b in range(1, self.blocks + 1)]


MAX_PARAMETERS = 500_000_000  # 2 GB of float32 weights; training holds 4x (gradients, Adam)


def parameter_count(config: ModelConfig) -> int:
    """Parameters of the network `config` describes, counted on the meta device: nothing is
    allocated, so a network too large for memory is refused before it is built."""
    with torch.device("meta"):
        return count_parameters(build_model(config))


def check_size(config: ModelConfig) -> None:
    """Refuse a network of more than MAX_PARAMETERS, saying how big it would be: building it
    would fail on an allocation of tens of GB, or swap the machine to a halt."""
    try:
        n = parameter_count(config)
        size = f"{n / 1e6:,.0f} M parameters ({4 * n / 1e9:,.1f} GB of float32 weights, "
        size += f"{16 * n / 1e9:,.1f} GB to train)"
    except RuntimeError:  # sizes beyond what torch can represent
        n, size = math.inf, "more parameters than torch can count"
    if n > MAX_PARAMETERS:
        raise ValueError(
            f"width={config.width:g}: {size}; at most {MAX_PARAMETERS / 1e6:.0f} M are built: "
            "lower the width."
        )


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


class AudioUNet(nn.Module):
    """Maps the spline-upsampled signal (N, 1, L) or (N, L) to the high-res estimate, same shape.

    Any length works: the input is padded at the end to a multiple of 2^(B+1) and the output
    cropped back. The paper variant's last convolution starts at zero, so the untrained model
    returns the spline exactly and training can only move away from it where that lowers the
    loss (on the demo's r = 2 validation split: SNR +0.9 dB over the spline instead of -0.7 dB
    with PyTorch's default init; see the README). The code variant keeps the original code's
    init: orthogonal convolutions, the last one N(0, 1e-3), so it too starts near the spline.
    """

    def __init__(self, config: ModelConfig | None = None, **kw):
        super().__init__()
        self.config = cfg = config or ModelConfig(**kw)
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeeze = x.dim() == 2
        if squeeze:
            x = x.unsqueeze(1)
        length = x.shape[-1]
        pad = -length % self.config.multiple
        inp = F.pad(x, (0, pad)) if pad else x
        h, skips = inp, []
        for block in self.down:
            h = block(h)
            skips.append(h)
        h = self.bottleneck(h)
        for block, skip in zip(self.up, reversed(skips)):
            h = self._upsample(block, h)
            if self.config.skips:
                h = torch.cat([h, skip], dim=1)
        h = self._upsample(self.last, h)
        if self.config.residual:
            h = h + inp
        h = h[..., :length]
        return h.squeeze(1) if squeeze else h

    def _upsample(self, layer: nn.Module, h: torch.Tensor) -> torch.Tensor:
        """Twice the length: the layer then a SubPixel shuffle, or nearest x2 then the layer."""
        if self.config.upsample == "subpixel":
            return subpixel1d(layer(h))
        return layer(F.interpolate(h, scale_factor=2, mode="nearest"))


def build_model(config: ModelConfig) -> nn.Module:
    """The network a config describes: AudioUNet, the DNN baseline, the frame-rate one or TFiLM."""
    if config.arch == "dnn":
        from audiosr.networks.dnn import HIDDEN, BandDNN

        return BandDNN(config.ratio, hidden=max(1, round(HIDDEN * config.width)))
    if config.arch == "framenet":
        from audiosr.networks.framenet import FrameNet

        net = FrameNet(config.blocks, config.width, config.fill, config.ratio, config.fill_gain)
        net.config = config
        return net
    if config.arch == "magphase":
        from audiosr.networks.magphase import MagPhaseNet

        return MagPhaseNet(config)
    if config.arch == "tfilm":
        from audiosr.networks.tfilm import AudioTFiLM

        return AudioTFiLM(config)
    return AudioUNet(config)


OBJECTIVES = ("mse", "paper", "rmse", "mse+stft", "field")
CODE_RMSE_EPS = 1e-6  # the original code's sqrt(mean + 1e-6)


def objective(
    config: ModelConfig, kind: str = "mse", stft_weight: float = 0.001, stft_floor: float = 0.0
):
    """The training loss (estimate, target) -> scalar for AudioUNet; the DNN always uses Li et
    al.'s high-band log-spectral MSE.

    - ``mse``: the mean squared error over every sample of the batch.
    - ``paper``: eq. 1 as printed: the mean over examples of ||y_i - f(x_i)||_2 (the square root
      of each example's summed squared error). The text calls it mean squared error, but the
      per-example square root weighs every patch alike: a quiet patch's error counts as much
      as a loud one's, where MSE lets loud patches dominate.
    - ``rmse``: the original code's: the mean over examples of sqrt(mean_t (y - f)^2 + 1e-6),
      the same per-example weighting (divided by sqrt(patch length); Adam ignores that scale)
      with a guard that keeps silent patches' gradients finite.
    - ``mse+stft``: the MSE + `stft_weight` x a multi-resolution STFT loss (spectral convergence
      + log-magnitude L1, `audiosr.networks.losses`): it asks for the high band's energy where
      the MSE alone settles for about zero. `stft_floor`: its log magnitudes' floor as a
      fraction of each example's loudest bin (0: an absolute floor only).
    - ``field``: bandwidth extension's generator losses (AP-BWE's log magnitude, anti-wrapping
      phase and complex-spectrum terms and weights, `losses.field_loss`).
    """
    if kind not in OBJECTIVES:
        raise ValueError(f"objective={kind!r}: choose one of {OBJECTIVES}.")
    if config.arch == "dnn":
        from audiosr.networks.dnn import log_spectral_loss

        return lambda est, ref: log_spectral_loss(est, ref, config.ratio)
    if kind == "paper":
        return lambda est, ref: (est - ref).flatten(1).pow(2).sum(-1).sqrt().mean()
    if kind == "mse+stft":
        from audiosr.networks.losses import mse_stft

        return mse_stft(stft_weight, stft_floor)
    if kind == "field":
        from audiosr.networks.losses import field_loss

        return field_loss()
    if kind == "rmse":
        return lambda est, ref: (
            ((est - ref).flatten(1).pow(2).mean(-1) + CODE_RMSE_EPS).sqrt().mean()
        )
    return F.mse_loss


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


def receptive_field(config: ModelConfig) -> int:
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


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def describe(config: ModelConfig) -> dict:
    return {**asdict(config), "filters": config.filters(), "kernels": config.kernels()}
