"""How to train: `TrainConfig`, the one training config, apart from the loop that reads it so that
params files can be checked without importing training."""

from __future__ import annotations

from dataclasses import dataclass

from audiosr.networks.losses import GAN_LOSSES, OBJECTIVES

SCHEDULES = ("constant", "cosine")
# "adam": the paper's; "adamw": AP-BWE's (betas 0.8 / 0.99, weight decay 0.01).
OPTIMIZERS = ("adam", "adamw")
# How best.pt is chosen on the whole validation files: "snr" the highest mean SNR; the others
# the best of their measure (LSD lowest, ViSQOL highest) among epochs whose mean SNR is not below
# the spline's on the same files, so a perceptual choice never trades away the paper's metric.
# "field": bandwidth extension's rule, fixed in advance: among epochs whose SNR is not below
# band-limited (sinc) interpolation's, the highest ViSQOL, ties broken by the lowest LSD.
SELECTIONS = ("snr", "lsd", "visqol", "field")
# Seeds reach torch's generators (64 bits, the patch order's seed * 100_003 + epoch among them) and
# numpy's (no negatives): 32 bits leave room for both.
MAX_SEED = 2**32 - 1


@dataclass
class TrainConfig:
    """How to train. Defaults are the paper's (the original code used lr 1e-3, batch 128).

    Attributes:
        epochs: passes over the training patches (paper: 400).
        batch_size: patches per step.
        lr: Adam learning rate (paper 1e-4; original code 1e-3).
        device: ``auto`` (cuda > mps > cpu), or a torch device string.
        seed: fixes initialisation, patch order and dropout; 0 to `MAX_SEED`.
        steps_per_epoch: cap on steps per epoch (None = all patches); for quick demos.
        amp: bf16 autocast for the forward pass. ``auto`` = off: on an H100 it trained the full
            model 8x slower than fp32 with TF32 convolutions (results/gpu-h100).
        torch_compile: wrap the model in `torch.compile` (CUDA; off by default).
        threads: CPU threads for torch (None = torch's default).
        val_batches: cap on validation batches per epoch (None = the whole val split).
        max_minutes: stop after the epoch that passes this much training time (a time budget on a GPU, a
            deadline); the run resumes later from its checkpoint. None: train all epochs.
        schedule: ``constant`` (the paper) or ``cosine``: lr decays to zero over all
            epochs x steps (a function of the global step, so a resumed run follows it exactly).
        warmup_steps: linear warm-up from lr / warmup_steps to lr over the first steps.
        file_val: also score this many whole validation files each epoch (spread over the
            split; 0 = off) and keep the best epoch (see `select`) as best.pt.
        select: how the best epoch is chosen on those files (`SELECTIONS`): ``snr`` (default),
            or ``lsd`` / ``visqol`` among the epochs at least the spline's equal in SNR (less
            `snr_margin` dB), or ``field``: among the epochs at least sinc interpolation's
            equal in SNR, the highest ViSQOL, then the lowest LSD.
        objective: AudioUNet's loss, ``mse`` (default), ``paper`` (eq. 1 as printed: mean
            per-example L2 norm), ``rmse`` (the original code's mean per-example RMSE) or
            ``mse+stft`` (MSE + `stft_weight` x a multi-resolution STFT loss,
            `audiosr.networks.losses`); see `losses.objective`. Validation always reports
            the MSE, so runs stay comparable.
        stft_weight: the STFT term's weight in ``mse+stft``.
        stft_floor: the STFT term's log-magnitude floor as a fraction of each patch's loudest bin
            (0: only the absolute floor): quieter bins count only where the estimate exceeds it.
        adversarial_from: the epoch from which discriminators train beside the model (None: never):
            a regression warm start (the epochs before it, or `init`) then the adversarial stage,
            HiFi-GAN's recipe: the objective x `recon_weight`, plus the adversarial loss
            (`gan_loss`) and feature matching x `fm_weight`. Both networks and both optimizers
            are in the checkpoint, so a killed run resumes exactly.
        gan_loss: ``lsgan`` (least squares) or ``hinge``.
        disc_channels: the discriminators' width (`audiosr.networks.discriminators`).
        disc_lr: the discriminators' Adam learning rate (None: `lr`); both optimizers then use
            HiFi-GAN's betas (0.8, 0.99).
        recon_weight, fm_weight: the generator's loss weights in the adversarial stage.
        degrade: make every training example afresh, its low-res input drawn from many makers
            (filters, resamplers, codecs, telephone) with random level, EQ and noise
            (`audiosr.data.degrade`); validation patches are drawn once, and the whole validation
            files are made by several makers (`VAL_MAKERS`) and run as the command runs them.
        optimizer: ``adam`` (the paper's; HiFi-GAN's betas 0.8 / 0.99 in an adversarial run)
            or ``adamw`` (bandwidth extension's: AdamW, betas 0.8 / 0.99, weight decay 0.01).
        init: a model (a shipped model's name, a .safetensors or a checkpoint) whose weights
            start the run: fine-tuning. Its architecture must be this one's (the front end, a
            pipeline setting, may differ). The starting model is scored on the validation
            files as epoch 0, and stays the run's best (`best.pt`) unless an epoch beats it.
    """

    epochs: int = 400
    batch_size: int = 128
    lr: float = 1e-4
    device: str = "auto"
    seed: int = 0
    steps_per_epoch: int | None = None
    amp: bool | str = "auto"
    torch_compile: bool = False
    threads: int | None = None
    val_batches: int | None = None
    max_minutes: float | None = None
    schedule: str = "constant"
    warmup_steps: int = 0
    file_val: int = 0
    objective: str = "mse"
    degrade: bool = False
    init: str | None = None
    select: str = "snr"
    snr_margin: float = 0.0
    stft_weight: float = 0.001
    stft_floor: float = 0.0
    adversarial_from: int | None = None
    gan_loss: str = "lsgan"
    disc_channels: int = 16
    disc_lr: float | None = None
    recon_weight: float = 45.0
    fm_weight: float = 2.0
    optimizer: str = "adam"

    @property
    def adversarial(self) -> bool:
        return self.adversarial_from is not None

    def __post_init__(self):
        for name, choices in (
            ("objective", OBJECTIVES),
            ("optimizer", OPTIMIZERS),
            ("select", SELECTIONS),
            ("gan_loss", GAN_LOSSES),
            ("schedule", SCHEDULES),
        ):
            if getattr(self, name) not in choices:
                raise ValueError(f"{name}={getattr(self, name)!r}: choose one of {choices}.")
        if self.select != "snr" and not self.file_val:
            raise ValueError(
                f"select={self.select!r} chooses on whole validation files: set file_val."
            )
        for name in ("stft_weight", "stft_floor", "recon_weight", "fm_weight", "snr_margin"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name}={getattr(self, name)} must be >= 0.")
        if self.disc_lr is not None and not self.disc_lr > 0:
            raise ValueError(f"disc_lr={self.disc_lr} must be positive.")
        if self.warmup_steps < 0 or self.file_val < 0:
            raise ValueError("warmup_steps and file_val must be >= 0.")
        for name in (
            "epochs",
            "batch_size",
            "steps_per_epoch",
            "val_batches",
            "threads",
            "adversarial_from",
            "disc_channels",
        ):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name}={value} must be at least 1.")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed={self.seed} must be between 0 and {MAX_SEED}.")
        if not self.lr > 0:
            raise ValueError(f"lr={self.lr} must be positive.")
        if self.max_minutes is not None and not self.max_minutes >= 0:
            raise ValueError(
                f"max_minutes={self.max_minutes} must be >= 0 (0: stop after one epoch)."
            )
