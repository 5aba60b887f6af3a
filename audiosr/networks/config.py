"""The model's settings and the networks they name: `ModelConfig` (the paper's values by
default) and `build_model`, which makes AudioUNet (`audiounet`), TFiLM (`tfilm`), the DNN
baseline (`dnn`) or a frame generator (`framenet`, `magphase`) from one. The networks read their
settings from the config; none of them imports this module.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

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
        tie_from: where a ``rectify`` fill starts, as a fraction of the low-res band (1: at its
            Nyquist frequency). Below it the correction is free to take any phase; where the
            input is attenuated there (`decimate` cuts at 0.8 of the band) and the network has
            not learned to restore it, a free correction repeats from frame to frame, a comb.
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
    tie_from: float = 1.0

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
        from audiosr.networks.framenet import FILLS

        for name, choices in (
            ("variant", VARIANTS),
            ("fill", FILLS),
            ("interp", INTERPS),
            ("upsample", UPSAMPLES),
        ):
            if getattr(self, name) not in choices:
                raise ValueError(f"{name}={getattr(self, name)!r}: choose one of {choices}.")
        if not 1 <= self.blocks <= 8:
            raise ValueError(f"blocks={self.blocks}: AudioUNet supports 1 to 8 blocks.")
        if not 0 <= self.fill_gain <= 4:
            raise ValueError(f"fill_gain={self.fill_gain}: a level from 0 to 4.")
        if not 0.5 <= self.tie_from <= 1:
            raise ValueError(f"tie_from={self.tie_from}: a fraction of the band from 0.5 to 1.")
        if self.tie_from != 1 and (self.arch, self.fill) != ("framenet", "rectify"):
            raise ValueError(
                f"tie_from={self.tie_from}: only a frame model with fill='rectify' starts its fill "
                "below the low-res band's edge."
            )
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


def build_model(config: ModelConfig) -> nn.Module:
    """The network `config.arch` names, built from `config`: AudioUNet, the DNN baseline, a
    frame generator or TFiLM."""
    if config.arch == "dnn":
        from audiosr.networks.dnn import HIDDEN, BandDNN

        return BandDNN(config.ratio, hidden=max(1, round(HIDDEN * config.width)))
    if config.arch == "framenet":
        from audiosr.networks.framenet import FrameNet

        net = FrameNet(
            config.blocks,
            config.width,
            config.fill,
            config.ratio,
            config.fill_gain,
            config.tie_from,
        )
        net.config = config
        return net
    if config.arch == "magphase":
        from audiosr.networks.magphase import MagPhaseNet

        return MagPhaseNet(config)
    if config.arch == "tfilm":
        from audiosr.networks.tfilm import AudioTFiLM

        return AudioTFiLM(config)
    from audiosr.networks.audiounet import AudioUNet

    return AudioUNet(config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def flops_per_audio_second(cfg, seconds: float = 1.0) -> float:
    """Forward FLOPs for one second of 16 kHz audio (torch.utils.flop_counter) of the model
    `cfg` (a `ModelConfig`) builds."""
    from torch.utils.flop_counter import FlopCounterMode

    from audiosr.core.dsp import HR_RATE

    model = build_model(cfg).eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(1, 1, int(HR_RATE * seconds)))
    return counter.get_total_flops() / seconds


def describe(config: ModelConfig) -> dict:
    return {**asdict(config), "filters": config.filters(), "kernels": config.kernels()}
