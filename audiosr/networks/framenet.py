"""A frame-rate generator: the network works on STFT frames, not on samples.

AudioUNet spends its compute on every one of 16,000 samples a second; this network (in the
spirit of AP-BWE and Vocos) spends it on 125 frames a second. The spline-upsampled input's STFT
(512-sample Hann frames, hop 128) becomes per-frame features (log magnitude and the phase's
cosine and sine in every bin), a stack of ConvNeXt blocks (depthwise convolution over frames,
LayerNorm, a pointwise MLP) maps them to a complex correction of every bin, and the inverse STFT
of the input's spectrum plus that correction is the estimate. The last layer starts at zero, so
the untrained network returns its input (the spline), as AudioUNet does.

Above the low-res band the true phase cannot be read off the input, and a correction free to
take any phase settles, where it cannot predict, on about the same complex value every frame: a
correction that repeats every hop is a comb of lines at multiples of 16000 / 128 = 125 Hz, a
buzz. So `fill` can tie the missing band's phase to the input, the way spectral band
replication does, and leave the network its magnitude (and a phase offset) there:

- ``free``: a complex correction in every bin (the network decides every phase);
- ``shift``: above the low-res band, the correction multiplies the phase of the input's own
  band shifted up by a multiple of 125 Hz (so the shifted phase advances from frame to frame as
  a real tone's does);
- ``rectify``: above the low-res band, it multiplies the phase of the rectified input |x|,
  whose harmonics sit at the input's own pitch multiples, in step with its glottal pulses;
- ``powers``: the phases of |x|, x|x| and x^3 mixed in every bin by learned complex weights
  (fixed in time, so still tied to the input; normalised, so they choose a phase and leave the
  level to the network; at the start |x| alone, as ``rectify``). On held-out speech a fixed
  rotation of x^3's phase is up to 0.19 correlated with the true band where |x|'s is about 0
  (audiosr.evaluation.fill carriers): a fill in phase with the truth pays for its level. Even
  powers flip against the truth with the recording's polarity; the odd ones do not.

Architecture settings it reads from `ModelConfig`: `blocks` (ConvNeXt blocks), `width`
(channels = 512 x width; 0.5 costs about AudioUNet small's multiply-adds per second of audio),
`fill` and `ratio` (where the low-res band ends), `fill_gain`, the level of its correction
above the low-res band (1: as trained), and `tie_from`, where a rectified fill starts (1: at
the band's edge; 0.8: where `decimate`'s input is already cut, so no free correction is left to
comb in the stretch the input lacks). A fill that cannot know the true band's phase is
uncorrelated with it and adds its own energy to the error, so its level trades SNR against
what is heard (docs/generators.md).
"""

from __future__ import annotations

import torch
from torch import nn

FRAME_N_FFT, FRAME_HOP, FRAME_KERNEL, FULL_CHANNELS, MLP_RATIO, EPS = 512, 128, 7, 512, 3, 1e-5
FILLS = ("free", "shift", "rectify", "powers")
POWERS = 3  # |x|, x|x|, x^3: the nonlinearities whose phases `powers` mixes
STEP_BINS = FRAME_N_FFT // FRAME_HOP  # a shift by a multiple of this keeps each frame's phase
SOURCE_TOP = 0.8  # the shifted band's top, as a fraction of the low-res band: below any roll-off


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


def first_missing_bin(ratio: int) -> int:
    """The first frame bin above the low-res Nyquist frequency at `ratio`."""
    return (FRAME_N_FFT // 2) // ratio


def shift_sources(ratio: int) -> torch.Tensor:
    """For each bin from `first_missing_bin` up, the input bin whose phase `shift` carries
    there: the band [top - W, top) repeated upward, W and the shift a multiple of
    `STEP_BINS` (125 Hz), top below the roll-off of any resampler."""
    first = first_missing_bin(ratio)
    top = STEP_BINS * int(SOURCE_TOP * first // STEP_BINS)
    width = STEP_BINS * max(1, top // 2 // STEP_BINS)
    k = torch.arange(first, FRAME_N_FFT // 2 + 1)
    return top - width + torch.remainder(k - top, width)


def unit(spec: torch.Tensor) -> torch.Tensor:
    """The phase of every bin as a unit vector (zero where there is no energy)."""
    return spec / (spec.abs() + EPS)


class FrameNet(nn.Module):
    """(N, 1, T) or (N, T) spline-upsampled waveform -> high-res estimate of the same shape."""

    alignment = FRAME_HOP  # frames start every hop samples: a window must keep that phase

    def __init__(
        self,
        blocks: int = 8,
        width: float = 0.5,
        fill: str = "free",
        ratio: int = 4,
        fill_gain: float = 1.0,
        tie_from: float = 1.0,
    ):
        super().__init__()
        if fill not in FILLS:
            raise ValueError(f"fill={fill!r}: choose one of {FILLS}.")
        bins, c = FRAME_N_FFT // 2 + 1, frame_channels(width)
        self.blocks, self.fill, self.ratio = blocks, fill, ratio
        self.fill_gain, self.tie_from = fill_gain, tie_from
        self.inp = nn.Conv1d(3 * bins, c, 1)
        self.body = nn.Sequential(*(ConvNeXtBlock(c) for _ in range(blocks)))
        self.norm = nn.LayerNorm(c)
        self.out = nn.Linear(c, 2 * bins)
        nn.init.zeros_(self.out.weight)  # start as the identity: output = input
        nn.init.zeros_(self.out.bias)
        self.register_buffer("window", torch.hann_window(FRAME_N_FFT), persistent=False)
        self.register_buffer("sources", shift_sources(ratio), persistent=False)
        if fill == "powers":  # (power, bin above, re/im): |x| alone to start
            mix = torch.zeros(POWERS, bins - self.first, 2)
            mix[0, :, 0] = 1.0
            self.carrier_mix = nn.Parameter(mix)

    @property
    def first(self) -> int:
        """The first bin the fill's carrier ties (and `fill_gain` scales): the low-res band's
        edge, or `tie_from` of the way up to it."""
        return round(self.tie_from * first_missing_bin(self.ratio))

    @property
    def context(self) -> int:
        """High-res samples of context each side that make an output sample exact: half a
        frame, plus each block's reach over neighbouring frames."""
        return FRAME_N_FFT // 2 + self.blocks * (FRAME_KERNEL // 2) * FRAME_HOP + FRAME_N_FFT // 2

    def predict(self, x2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(The input's frames, the network's complex correction of every bin) for (N, T) input;
        above the low-res band only the correction's magnitude is used where a carrier fills."""
        spec = frame_spectrum(x2, self.window)
        phase = unit(spec)
        feat = torch.cat([torch.log(spec.abs() + EPS), phase.real, phase.imag], dim=1)
        h = self.body(self.inp(feat))
        delta = self.out(self.norm(h.transpose(1, 2))).transpose(1, 2)  # (N, 2 bins, frames)
        re, im = delta.float().chunk(2, dim=1)
        return spec, torch.complex(re, im)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeeze = x.dim() == 2
        x2 = x.reshape(-1, x.shape[-1]).float()
        length = x2.shape[-1]
        spec, correction = self.predict(x2)
        above = correction[:, self.first :]
        if self.fill != "free":  # the magnitude alone: a phase of its own could undo the carrier's
            above = (above.abs().pow(2) + EPS**2).sqrt() * self.carrier(spec, x2)
        correction = torch.cat([correction[:, : self.first], above * self.fill_gain], dim=1)
        out = frame_waveform(spec + correction, self.window, length)
        return out if squeeze else out.unsqueeze(1)

    def carrier(self, spec: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The phase the missing band's correction rides on, from `first` up."""
        if self.fill == "shift":
            return unit(spec[:, self.sources])
        if self.fill == "rectify":
            return unit(frame_spectrum(x.abs(), self.window)[:, self.first :])
        xn = x / (x.pow(2).mean(-1, keepdim=True).sqrt() + EPS)  # a scale leaves every phase
        parts = [xn.abs(), xn * xn.abs(), xn * xn * xn]
        phases = torch.stack([unit(frame_spectrum(p, self.window)[:, self.first :]) for p in parts])
        mix = torch.view_as_complex(self.carrier_mix.float().contiguous())
        mix = mix / (mix.abs().pow(2).sum(0, keepdim=True) + EPS**2).sqrt()
        return (mix[:, None, :, None] * phases).sum(0)
