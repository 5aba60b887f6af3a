"""The training objective (`objective`: the waveform MSE, the paper's eq. 1, the original
code's, and the losses that ask for the band the way speech fills it), and the adversarial ones.

An MSE objective predicts about zero for content whose phase it cannot predict (the noise
bands of fricatives above 4 kHz): the estimate's high band comes out faint. A multi-resolution
STFT loss (Yamamoto et al., Parallel WaveGAN, 2020) compares magnitudes only, so missing energy
costs as much as energy at the wrong phase would: spectral convergence ||S - Ŝ||_F / ||S||_F
plus the L1 distance of log magnitudes, averaged over several FFT sizes. The adversarial losses
(least squares, Mao et al. 2017, or hinge) and feature matching (Kumar et al., MelGAN, 2019)
are those of HiFi-GAN-style bandwidth extension; their discriminators are
`audiosr.networks.discriminators`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from audiosr.networks.config import ModelConfig

# (FFT size, hop, window) per resolution: 20 to 100 ms at 16 kHz, Parallel WaveGAN's spread.
STFT_RESOLUTIONS = ((512, 128, 512), (1024, 256, 1024), (256, 64, 256))
MAG_FLOOR = 1e-5  # magnitudes below this count as silence in the log (about -100 dB)
GAN_LOSSES = ("lsgan", "hinge")


def stft_magnitude(x: torch.Tensor, n_fft: int, hop: int, win: int) -> torch.Tensor:
    """|STFT| of (N, 1, T) or (N, T) audio: (N, frames, bins), Hann window, centred frames."""
    x = x.reshape(-1, x.shape[-1])
    window = torch.hann_window(win, device=x.device, dtype=x.dtype)
    spec = torch.stft(x, n_fft, hop, win, window, center=True, return_complex=True)
    return spec.abs().transpose(1, 2)


def spectral_convergence(est_mag: torch.Tensor, ref_mag: torch.Tensor) -> torch.Tensor:
    """||ref - est||_F / ||ref||_F over the whole batch (0 for a perfect estimate)."""
    return torch.linalg.vector_norm(ref_mag - est_mag) / torch.linalg.vector_norm(
        ref_mag
    ).clamp_min(MAG_FLOOR)


def log_magnitude_l1(
    est_mag: torch.Tensor, ref_mag: torch.Tensor, relative_floor: float = 0.0
) -> torch.Tensor:
    """Mean |log ref - log est| with magnitudes floored at `MAG_FLOOR`, and, with
    `relative_floor`, at that fraction of each example's loudest reference bin: bins far below
    the example's peak (a pause, the noise floor) then count only where the estimate rises
    above that floor, so the loss does not ask for hiss in them."""
    floor = torch.full_like(ref_mag[:, :1, :1], MAG_FLOOR)
    if relative_floor:
        floor = torch.maximum(floor, relative_floor * ref_mag.detach().amax((1, 2), keepdim=True))
    return (torch.maximum(ref_mag, floor).log() - torch.maximum(est_mag, floor).log()).abs().mean()


def multi_resolution_stft(
    est: torch.Tensor, ref: torch.Tensor, resolutions=STFT_RESOLUTIONS, relative_floor: float = 0.0
) -> torch.Tensor:
    """Spectral convergence + log-magnitude L1, averaged over `resolutions`."""
    total = est.new_zeros(())
    for n_fft, hop, win in resolutions:
        e, r = stft_magnitude(est, n_fft, hop, win), stft_magnitude(ref, n_fft, hop, win)
        total = total + spectral_convergence(e, r) + log_magnitude_l1(e, r, relative_floor)
    return total / len(resolutions)


def mse_stft(stft_weight: float, relative_floor: float = 0.0):
    """The ``mse+stft`` objective: waveform MSE + `stft_weight` x the multi-resolution STFT loss.
    The MSE keeps the phase (and so SNR) of what the input predicts; the STFT term asks for the
    energy of what it does not."""

    def loss(est: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        stft = multi_resolution_stft(est, ref, relative_floor=relative_floor)
        return F.mse_loss(est, ref) + stft_weight * stft

    return loss


# AP-BWE's generator weights (Lu et al. 2024): log magnitude, phase, complex spectrum. Its fourth,
# STFT consistency (90), is zero here: the loss reads the STFT of the output waveform, which is
# consistent by construction.
FIELD_WEIGHTS = {"magnitude": 45.0, "phase": 100.0, "complex": 90.0}
FIELD_STFT = (512, 128)  # FFT size and hop: the frame generators' own


def anti_wrapped(x: torch.Tensor) -> torch.Tensor:
    """|x| after wrapping to [-pi, pi]: a phase error of 2 pi is no error."""
    return (x - 2 * torch.pi * torch.round(x / (2 * torch.pi))).abs()


def phase_losses(est_phase: torch.Tensor, ref_phase: torch.Tensor) -> torch.Tensor:
    """AP-BWE's anti-wrapping phase loss on (N, bins, frames) phases: instantaneous phase, group
    delay (its difference across frequency) and instantaneous angular frequency (across time)."""
    ip = anti_wrapped(est_phase - ref_phase).mean()
    gd = anti_wrapped(torch.diff(est_phase, dim=1) - torch.diff(ref_phase, dim=1)).mean()
    iaf = anti_wrapped(torch.diff(est_phase, dim=2) - torch.diff(ref_phase, dim=2)).mean()
    return ip + gd + iaf


def field_loss(weights: dict | None = None, n_fft: int = FIELD_STFT[0], hop: int = FIELD_STFT[1]):
    """The ``field`` objective, bandwidth extension's recipe without its discriminators: the MSE
    of log magnitudes, the anti-wrapping phase losses and the MSE of the complex spectrum (real
    and imaginary parts: the waveform's error, as SNR sees it), weighted by `FIELD_WEIGHTS`."""
    w = {**FIELD_WEIGHTS, **(weights or {})}

    def loss(est: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        est, ref = est.reshape(-1, est.shape[-1]), ref.reshape(-1, ref.shape[-1])
        window = torch.hann_window(n_fft, device=est.device, dtype=est.dtype)
        e = torch.stft(est, n_fft, hop, window=window, center=True, return_complex=True)
        r = torch.stft(ref, n_fft, hop, window=window, center=True, return_complex=True)
        mag = F.mse_loss((e.abs() + MAG_FLOOR).log(), (r.abs() + MAG_FLOOR).log())
        pha = phase_losses(torch.angle(e), torch.angle(r))
        com = F.mse_loss(torch.view_as_real(e), torch.view_as_real(r))
        return w["magnitude"] * mag + w["phase"] * pha + w["complex"] * com

    return loss


OBJECTIVES = ("mse", "paper", "rmse", "mse+stft", "field")
CODE_RMSE_EPS = 1e-6  # the original code's sqrt(mean + 1e-6)


def objective(
    config: ModelConfig, kind: str = "mse", stft_weight: float = 0.001, stft_floor: float = 0.0
):
    """The training loss (estimate, target) -> scalar that `kind` names, for every architecture
    but the DNN, which always uses Li et al.'s high-band log-spectral MSE.

    - ``mse``: the mean squared error over every sample of the batch.
    - ``paper``: eq. 1 as printed: the mean over examples of ||y_i - f(x_i)||_2 (the square root
      of each example's summed squared error). The text calls it mean squared error, but the
      per-example square root weighs every patch alike: a quiet patch's error counts as much
      as a loud one's, where MSE lets loud patches dominate.
    - ``rmse``: the original code's: the mean over examples of sqrt(mean_t (y - f)^2 + 1e-6),
      the same per-example weighting (divided by sqrt(patch length); Adam ignores that scale)
      with a guard that keeps silent patches' gradients finite.
    - ``mse+stft``: the MSE + `stft_weight` x a multi-resolution STFT loss (spectral convergence
      + log-magnitude L1, `mse_stft`): it asks for the high band's energy where
      the MSE alone settles for about zero. `stft_floor`: its log magnitudes' floor as a
      fraction of each example's loudest bin (0: an absolute floor only).
    - ``field``: bandwidth extension's generator losses (AP-BWE's log magnitude, anti-wrapping
      phase and complex-spectrum terms and weights, `field_loss`).
    """
    if kind not in OBJECTIVES:
        raise ValueError(f"objective={kind!r}: choose one of {OBJECTIVES}.")
    if config.arch == "dnn":
        from audiosr.networks.dnn import log_spectral_loss

        return lambda est, ref: log_spectral_loss(est, ref, config.ratio)
    if kind == "paper":
        return lambda est, ref: (est - ref).flatten(1).pow(2).sum(-1).sqrt().mean()
    if kind == "mse+stft":
        return mse_stft(stft_weight, stft_floor)
    if kind == "field":
        return field_loss()
    if kind == "rmse":
        return lambda est, ref: (
            ((est - ref).flatten(1).pow(2).mean(-1) + CODE_RMSE_EPS).sqrt().mean()
        )
    return F.mse_loss


def discriminator_loss(real: list[torch.Tensor], fake: list[torch.Tensor], kind: str = "lsgan"):
    """Mean over discriminators of the loss that pushes real scores up and fake scores down:
    least squares (real -> 1, fake -> 0) or hinge (real >= 1, fake <= -1)."""
    if kind not in GAN_LOSSES:
        raise ValueError(f"gan loss {kind!r}: choose one of {GAN_LOSSES}.")
    total = real[0].new_zeros(())
    for r, f in zip(real, fake):
        if kind == "lsgan":
            total = total + (r - 1).pow(2).mean() + f.pow(2).mean()
        else:
            total = total + F.relu(1 - r).mean() + F.relu(1 + f).mean()
    return total / len(real)


def generator_loss(fake: list[torch.Tensor], kind: str = "lsgan") -> torch.Tensor:
    """Mean over discriminators of the generator's adversarial loss: (fake - 1)^2, or -fake."""
    if kind not in GAN_LOSSES:
        raise ValueError(f"gan loss {kind!r}: choose one of {GAN_LOSSES}.")
    total = fake[0].new_zeros(())
    for f in fake:
        total = total + ((f - 1).pow(2).mean() if kind == "lsgan" else -f.mean())
    return total / len(fake)


def feature_matching(
    real_features: list[list[torch.Tensor]], fake_features: list[list[torch.Tensor]]
) -> torch.Tensor:
    """Mean L1 distance between the discriminators' hidden activations on real and on generated
    audio (real ones held fixed), averaged over layers and discriminators."""
    total, n = real_features[0][0].new_zeros(()), 0
    for rs, fs in zip(real_features, fake_features):
        for r, f in zip(rs, fs):
            total = total + (r.detach() - f).abs().mean()
            n += 1
    return total / max(1, n)
