"""Training: the paper's recipe (MSE, Adam) in named parts over one explicit state. Only training
lives here: validation is `audiosr.training.validation`, checkpoints `audiosr.networks.checkpoint`,
run folders `audiosr.training.runs`, the command line `audiosr.training.command`, devices and
multi-GPU `audiosr.core.distrib`.

`train()` reads as the recipe: build the networks (`build`), continue a run or start one
(`restore`), the data (`TrainingData`), then per epoch one pass (`one_epoch`), validation
(`validate_epoch`) and the checkpoint (`keep`), until the epochs or the time budget are spent.
It writes into its run folder, atomically and every epoch: `checkpoint.pt` (model, optimizer,
RNG states, epoch, history; loads with `weights_only=True`), `history.json` and `history.csv`,
and `config.json`; with `file_val`, also `best.pt`: the epoch whose whole validation files came
out best (patch scores swing with silent patches; whole files do not). `resume=True` continues
a killed run exactly where its last checkpoint left it: patch order is a function of (seed,
epoch), and RNG states are restored.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from audiosr.core import distrib
from audiosr.core.paths import clean_partials, resolve, write_json
from audiosr.core.tables import write_csv
from audiosr.data.patches import PatchCache
from audiosr.networks.checkpoint import (
    BEST,
    CHECKPOINT,
    CheckpointError,
    check_compatible,
    load_checkpoint,
    save_checkpoint,
)
from audiosr.networks.config import ModelConfig, build_model
from audiosr.networks.losses import objective
from audiosr.training.config import TrainConfig
from audiosr.training.validation import (
    VAL_MAKERS,
    files_line,
    selection_score,
    validate,
    validate_files,
)


class TrainingError(RuntimeError):
    """Training cannot go on; the message says why and what to change."""


def learning_rate(cfg: TrainConfig, step: int, total_steps: int, warm_from: int = 0) -> float:
    """The learning rate at global step `step` (0-based) of `total_steps`. The warm-up runs over
    the `warmup_steps` from `warm_from`: the run's start, or where a run resumed with fresh
    optimizer moments (`audiosr.training.growing`)."""
    since = step - warm_from
    warm = (since + 1) / cfg.warmup_steps if 0 <= since < cfg.warmup_steps else 1.0
    if step < cfg.warmup_steps:
        return cfg.lr * warm
    if cfg.schedule == "constant":
        return cfg.lr * warm
    done = (step - cfg.warmup_steps) / max(1, total_steps - cfg.warmup_steps)
    return cfg.lr * warm * 0.5 * (1 + math.cos(math.pi * min(1.0, done)))


def make_optimizer(model, cfg: TrainConfig) -> torch.optim.Optimizer:
    """The generator's optimizer: Adam (HiFi-GAN's betas 0.8 / 0.99 in an adversarial run), or
    bandwidth extension's AdamW (AP-BWE: betas 0.8 / 0.99, weight decay 0.01)."""
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(model.parameters(), cfg.lr, betas=(0.8, 0.99), weight_decay=0.01)
    betas = (0.8, 0.99) if cfg.adversarial else (0.9, 0.999)
    return torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=betas)


def load_patches(
    cache: PatchCache, split: str, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """(spline, hr) patches of a split as float32 tensors on `device` (pinned host memory for CUDA
    when they do not fit in a quarter of the free GPU memory; then moved per batch)."""
    spline = torch.from_numpy(cache.patches(split, "spline"))
    hr = torch.from_numpy(cache.patches(split, "hr"))
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        if 2 * spline.numel() * 4 < free / 4:
            return spline.to(device), hr.to(device)
        return spline.pin_memory(), hr.pin_memory()
    return spline.to(device), hr.to(device)


def train_step(
    model, optimizer, x: torch.Tensor, y: torch.Tensor, amp: bool = False, criterion=F.mse_loss
) -> torch.Tensor:
    """One Adam step on `criterion` (the MSE by default, which the paper's text names for eq. 1);
    bf16 autocast for the forward pass when `amp`."""
    with torch.autocast(x.device.type, torch.bfloat16, enabled=amp):
        out = model(x)
    loss = criterion(out.float(), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def adversarial_step(
    model, disc, optimizer, disc_optimizer, x, y, cfg: TrainConfig, amp: bool, criterion
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One step of each network (HiFi-GAN's order): the discriminators on real `y` against the
    model's estimate, then the model on `recon_weight` x `criterion` + the adversarial loss +
    `fm_weight` x feature matching. Returns the criterion (comparable with regression epochs)
    and the stage's own losses."""
    from audiosr.networks.losses import discriminator_loss, feature_matching, generator_loss

    with torch.autocast(x.device.type, torch.bfloat16, enabled=amp):
        out = model(x)
    out = out.float()
    floats = lambda scores: [s.float() for s in scores]
    with torch.autocast(x.device.type, torch.bfloat16, enabled=amp):
        real, _ = disc(y)
        fake, _ = disc(out.detach())
    d_loss = discriminator_loss(floats(real), floats(fake), cfg.gan_loss)
    disc_optimizer.zero_grad(set_to_none=True)
    d_loss.backward()
    disc_optimizer.step()
    with torch.autocast(x.device.type, torch.bfloat16, enabled=amp):
        with torch.no_grad():
            _, real_features = disc(y)
        fake, fake_features = disc(out)
    recon = criterion(out, y)
    adv = generator_loss(floats(fake), cfg.gan_loss)
    fm = feature_matching([floats(f) for f in real_features], [floats(f) for f in fake_features])
    loss = cfg.recon_weight * recon + adv + cfg.fm_weight * fm
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    parts = {"d_loss": d_loss.detach(), "g_adv": adv.detach(), "g_fm": fm.detach()}
    return recon.detach(), parts


def _diverged(what: str, ckpt: Path) -> TrainingError:
    """The error for a run whose loss stopped being finite, naming the checkpoint that is kept."""
    return TrainingError(
        f"{what}: training diverged, stopping. The last good checkpoint is "
        f"{ckpt if ckpt.exists() else 'none (first epoch)'}; try a lower lr."
    )


@dataclass
class Run:
    """One training run's state: where it writes, on what, the networks, and how far it got."""

    folder: Path
    cache: PatchCache
    model_cfg: ModelConfig
    cfg: TrainConfig
    device: torch.device
    amp: bool
    is_main: bool
    progress: bool
    model: torch.nn.Module = None
    optimizer: torch.optim.Optimizer = None
    criterion: object = None
    disc: torch.nn.Module | None = None
    disc_optimizer: torch.optim.Optimizer | None = None
    history: list = field(default_factory=list)
    start: int = 1  # the first epoch to train
    fresh_moments: bool = False  # resumed without optimizer moments: warm up again
    best: float = -math.inf

    @property
    def checkpoint(self) -> Path:
        return self.folder / CHECKPOINT

    @property
    def data_info(self) -> dict:
        return {"cache": self.cache.folder.name, "data_config": asdict(self.cache.config)}


def open_run(cache, model_cfg, cfg, run_dir, resume: bool, progress: bool) -> Run:
    """Check the run can start here, then the device and precision it runs with."""
    run_dir = resolve(run_dir)
    if model_cfg.ratio != cache.config.ratio:
        raise TrainingError(
            f"model ratio {model_cfg.ratio} but the data cache {cache.folder.name} was built "
            f"for ratio {cache.config.ratio}: run 01_data with ratio={model_cfg.ratio}."
        )
    if (run_dir / CHECKPOINT).exists() and not resume:
        raise FileExistsError(
            f"{run_dir} already holds a run: pass resume=True to continue it, "
            "or choose a new run directory."
        )
    _, rank = distrib.world()
    device = distrib.setup(distrib.pick_device(cfg.device))
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    # Fixed patch shapes: let cuDNN time its algorithms once (not for variable-length inference,
    # which it would re-time per length).
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    # Measured on an H100: bf16 autocast trains the full model 8x slower than fp32 with TF32
    # convolutions (33 vs 261 audio s/s, results/gpu-h100), so "auto" means off.
    amp = False if cfg.amp == "auto" else bool(cfg.amp)
    if amp and device.type == "cpu" and distrib.cpu_bf16() is False:
        print(
            "amp: this CPU has no native bf16 (AVX512-BF16 or AMX), so bf16 autocast is emulated "
            "and trains several times slower than fp32; --set amp=false trains in fp32."
        )
    is_main = rank == 0
    return Run(run_dir, cache, model_cfg, cfg, device, amp, is_main, progress and is_main)


def build(run: Run) -> None:
    """The model (seeded), its objective and optimizer, and the discriminators of an
    adversarial run; `init` loads a starting model's weights (fine-tuning)."""
    cfg, model_cfg = run.cfg, run.model_cfg
    torch.manual_seed(cfg.seed)
    run.model = build_model(model_cfg).to(run.device)
    run.criterion = objective(model_cfg, cfg.objective, cfg.stft_weight, cfg.stft_floor)
    run.optimizer = make_optimizer(run.model, cfg)
    if cfg.adversarial:
        from audiosr.networks.discriminators import Discriminators

        run.disc = Discriminators(cfg.disc_channels).to(run.device)
        run.disc_optimizer = torch.optim.Adam(
            run.disc.parameters(), lr=cfg.disc_lr or cfg.lr, betas=run.optimizer.defaults["betas"]
        )


def start_from_init(run: Run) -> None:
    """Fine-tuning: the weights of `init`, whose architecture must be this run's (the front
    end, a pipeline setting, may differ)."""
    from dataclasses import replace

    from audiosr.inference.shipped import load_any

    start_from = load_any(run.cfg.init)
    theirs = replace(start_from.config, front_end=run.model_cfg.front_end)
    if theirs != run.model_cfg:
        raise TrainingError(
            f"init={run.cfg.init}: its architecture ({theirs}) is not this run's ({run.model_cfg})."
        )
    run.model.load_state_dict(start_from.state_dict())


def restore(run: Run) -> None:
    """Continue from the run folder's checkpoint: networks, optimizers, history, RNG states.
    A checkpoint of another model, data cache or objective is refused."""
    cfg, ckpt = run.cfg, run.checkpoint
    state = load_checkpoint(ckpt)
    check_compatible(state, run.model_cfg, run.data_info, ckpt, cfg.objective)
    run.model.load_state_dict(state["model"])
    run.optimizer.load_state_dict(state["optimizer"])
    run.history, run.start = state["history"], state["epoch"] + 1
    run.fresh_moments = not state["optimizer"].get("state")
    if run.disc is not None and "discriminator" in state:
        run.disc.load_state_dict(state["discriminator"])
        run.disc_optimizer.load_state_dict(state["disc_optimizer"])
    elif run.disc is None and "discriminator" in state:
        raise CheckpointError(
            f"{ckpt}: an adversarial run (adversarial_from="
            f"{state['train_config'].get('adversarial_from')}); resume it with the same setting."
        )
    elif run.disc is not None and run.start > cfg.adversarial_from:
        raise CheckpointError(
            f"{ckpt}: its run has passed adversarial_from={cfg.adversarial_from} without "
            "discriminators (it was a regression run): start a new run directory, with "
            "init= this run's model for the adversarial stage."
        )
    if run.progress and run.start <= cfg.epochs:
        print(f"resuming {run.folder.name} after epoch {state['epoch']} of {cfg.epochs}")
    torch.set_rng_state(state["rng"]["torch"])
    if "cuda" in state["rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["rng"]["cuda"])


class TrainingData:
    """Training batches and validation patches: the cache's own patches, or examples made afresh
    each step (degraded inputs, a front end, or sinc input, which the cache does not hold),
    validation drawn once. Also how many steps an epoch has and how whole validation files
    are made."""

    def __init__(self, run: Run):
        cache, cfg, model_cfg, device = run.cache, run.cfg, run.model_cfg, run.device
        self.device, self.examples, self.spline, self.hr = device, None, None, None
        if cfg.degrade or model_cfg.front_end or model_cfg.interp != "spline":
            from audiosr.data.degrade import Examples

            how = (model_cfg.front_end, cfg.degrade)
            self.examples = Examples(cache, "train", cfg.seed, *how, interp=model_cfg.interp)
            val = Examples(cache, "val", cfg.seed, *how, interp=model_cfg.interp)
            n_val = (
                len(val)
                if cfg.val_batches is None
                else min(len(val), cfg.val_batches * cfg.batch_size)
            )
            if run.progress:
                print(f"making {n_val} validation patches ...")
            self.val_spline, self.val_hr = (
                torch.from_numpy(a).to(device) for a in val.batch(range(n_val), 0)
            )
        else:
            self.spline, self.hr = load_patches(cache, "train", device)
            self.val_spline, self.val_hr = load_patches(cache, "val", device)
        self.n_train = len(self.examples) if self.examples is not None else len(self.spline)
        if self.n_train == 0:
            raise TrainingError(
                f"{cache.folder}: no training patches (clips shorter than patch_len?)."
            )
        world, self.rank = distrib.world()
        self.world = world
        n_steps = math.ceil(self.n_train / cfg.batch_size)
        if world > 1:  # every rank needs a non-empty shard: drop the last partial batch
            n_steps = max(1, self.n_train // cfg.batch_size)
        self.n_steps = min(n_steps, cfg.steps_per_epoch) if cfg.steps_per_epoch else n_steps
        # how whole validation files' inputs are made: several makers for a degraded run; the
        # cache's own maker, through the pipeline as in use, for a front end or sinc input
        self.file_makers = VAL_MAKERS if cfg.degrade else ()
        if (model_cfg.front_end or model_cfg.interp != "spline") and not cfg.degrade:
            self.file_makers = ("decimate" if cache.config.lowpass else "aliased",)
        self.measures = measures_for(cfg)  # a selection rule's missing measure: before any work

    def order(self, cfg: TrainConfig, epoch: int) -> torch.Tensor:
        """The epoch's patch order: a function of (seed, epoch), so a resumed run repeats it."""
        g = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
        return torch.randperm(self.n_train, generator=g)

    def batch(self, idx: torch.Tensor, epoch: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(input, target) of the patches `idx`, (N, 1, L) on the device."""
        if self.examples is not None:
            xb, yb = self.examples.batch(idx.numpy(), epoch)
            x, y = torch.from_numpy(xb).to(self.device), torch.from_numpy(yb).to(self.device)
        else:
            x = self.spline[idx].to(self.device, non_blocking=True)
            y = self.hr[idx].to(self.device, non_blocking=True)
        return x.unsqueeze(1), y.unsqueeze(1)


def one_epoch(run: Run, data: TrainingData, step_fn, disc_fn, epoch: int) -> dict:
    """One pass: every step's learning rate, a regression or adversarial step, the running loss
    checked for divergence; returns the epoch's training row."""
    from audiosr.core.progress import bar as progress_bar

    cfg, optimizer, n_steps, sr = run.cfg, run.optimizer, data.n_steps, run.cache.config.sr
    total_steps = cfg.epochs * n_steps
    warm_from = (run.start - 1) * n_steps if run.fresh_moments else 0
    order = data.order(cfg, epoch)
    t0, total = time.perf_counter(), torch.zeros((), device=run.device)
    adversarial = run.disc is not None and epoch >= cfg.adversarial_from
    parts_total: dict[str, torch.Tensor] = {}
    bar = progress_bar(
        range(n_steps), desc=f"epoch {epoch}/{cfg.epochs}", leave=False, disable=not run.progress
    )
    for step in bar:
        batch = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
        idx = batch[data.rank :: data.world]  # the global batch, sharded across processes
        x, y = data.batch(idx, epoch)
        lr = learning_rate(cfg, (epoch - 1) * n_steps + step, total_steps, warm_from)
        for group in optimizer.param_groups:
            group["lr"] = lr
        try:
            if adversarial:
                for group in run.disc_optimizer.param_groups:
                    group["lr"] = lr * (cfg.disc_lr or cfg.lr) / cfg.lr
                loss, parts = adversarial_step(
                    step_fn,
                    disc_fn,
                    optimizer,
                    run.disc_optimizer,
                    x,
                    y,
                    cfg,
                    run.amp,
                    run.criterion,
                )
                for k, v in parts.items():
                    parts_total[k] = parts_total.get(k, 0) + v
            else:
                loss = train_step(step_fn, optimizer, x, y, run.amp, run.criterion)
        except torch.cuda.OutOfMemoryError:
            raise TrainingError(
                f"out of GPU memory at batch_size={cfg.batch_size}: try "
                f"batch_size={max(1, cfg.batch_size // 2)} or a smaller width."
            ) from None
        total += loss
        # No per-step host sync on a GPU: the loss is read every 50 steps there.
        if run.device.type == "cpu" or step % 50 == 49 or step == n_steps - 1:
            mean = total.item() / (step + 1)
            if not math.isfinite(mean):
                raise _diverged(
                    f"loss became {mean} at epoch {epoch}, step {step + 1}", run.checkpoint
                )
            seconds = time.perf_counter() - t0
            bar.set_postfix(
                loss=f"{mean:.2e}",
                audio_s_per_s=f"{(step + 1) * len(idx) * x.shape[-1] / sr / seconds:.1f}",
            )
    train_seconds = time.perf_counter() - t0
    return {
        "epoch": epoch,
        "train_loss": total.item() / n_steps,
        "seconds": round(train_seconds, 3),
        "audio_s_per_s": n_steps * cfg.batch_size * run.cache.config.patch_len / sr / train_seconds,
        "stage": "adversarial" if adversarial else "regression",
        "device": run.device.type,
        "steps": n_steps,
        **{k: v.item() / n_steps for k, v in parts_total.items()},
        "lr": optimizer.param_groups[0]["lr"],
    }


def measures_for(cfg: TrainConfig) -> tuple[str, ...]:
    """The perceptual measures whole-file validation needs for the selection rule."""
    measures = ("ViSQOL",) if cfg.select in ("visqol", "field") else ()
    if measures and cfg.file_val:
        from audiosr.core.perceptual import installed

        if not installed("ViSQOL"):
            raise TrainingError(
                f"select={cfg.select!r} chooses by ViSQOL, which is not installed: "
                "pip install 'audiosr[perceptual]', or choose select=snr or lsd."
            )
    return measures


def score_files(run: Run, data: TrainingData) -> dict:
    """Whole validation files through the pipeline (`validation.validate_files`)."""
    cfg = run.cfg
    return validate_files(
        run.model, run.cache, run.device, cfg.file_val, run.amp, data.file_makers, data.measures
    )


def validate_epoch(run: Run, data: TrainingData, epoch: int) -> dict:
    """Validation patches (every process), whole files (the main one); a non-finite loss stops."""
    cfg = run.cfg
    row = validate(
        run.model,
        data.val_spline,
        data.val_hr,
        cfg.batch_size,
        run.device,
        cfg.val_batches,
        run.amp,
    )
    if cfg.file_val and run.is_main:
        row.update(score_files(run, data))
    if not math.isfinite(row["val_loss"]):
        raise _diverged(
            f"validation loss became {row['val_loss']} at epoch {epoch}", run.checkpoint
        )
    return row


def score(run: Run, row: dict) -> float:
    return selection_score(row, run.cfg.select, run.cfg.snr_margin)


def best_so_far(run: Run, data: TrainingData) -> None:
    """The best selection score before this session's first epoch: in the history, in the kept
    best.pt (it may hold the starting model), or, fine-tuning from scratch, the starting model
    itself scored on the validation files as epoch 0, so the best epoch is never worse than
    where the run began."""
    cfg = run.cfg
    run.best = max((score(run, r) for r in run.history), default=-math.inf)
    if (run.folder / BEST).exists():
        kept = load_checkpoint(run.folder / BEST)["history"]
        run.best = max(run.best, score(run, kept[-1]) if kept else -math.inf)
    elif cfg.init and cfg.file_val and run.is_main and run.start == 1:
        row = {"epoch": 0, **score_files(run, data)}
        if "val_file_snr" in row:
            run.best = score(run, row)
            run.history.append(row)  # the curves start where the run began
            save_checkpoint(
                run.folder / BEST, run.model, None, 0, [row], run.model_cfg, cfg, run.data_info
            )
            if run.progress:
                print(f"epoch 0 ({cfg.init}):{files_line(row)}")


def keep(run: Run, row: dict, epoch: int) -> None:
    """The epoch into the history; best.pt when the selection rule ranks it first; the
    checkpoint and history files (main process), then every process waits for them."""
    run.history.append(row)
    if run.is_main:
        args = (run.model_cfg, run.cfg, run.data_info)
        if score(run, row) > run.best:
            run.best = score(run, row)
            save_checkpoint(run.folder / BEST, run.model, None, epoch, [row], *args)
        save_checkpoint(
            run.checkpoint,
            run.model,
            run.optimizer,
            epoch,
            run.history,
            *args,
            run.disc,
            run.disc_optimizer,
        )
        write_history(run.folder, run.history)
    distrib.barrier()


def epoch_line(row: dict) -> str:
    return (
        f"epoch {row['epoch']}: train {row['train_loss']:.3e}  val {row['val_loss']:.3e}  "
        f"SNR {row['val_snr']:.2f} dB  LSD {row['val_lsd']:.2f}{files_line(row)}  "
        f"({row['audio_s_per_s']:.0f} audio s/s)"
    )


def train(
    cache: PatchCache,
    model_cfg: ModelConfig,
    cfg: TrainConfig,
    run_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
) -> list[dict]:
    """Train on `cache`, writing into `run_dir`; returns the per-epoch history.

    Raises:
        TrainingError: a NaN loss (the last good checkpoint is kept) or out of GPU memory.
        CheckpointError: resuming from a checkpoint of another model, ratio or data cache.
        FileExistsError: `run_dir` already holds a run and `resume` is False (nothing is overwritten).
    """
    run = open_run(cache, model_cfg, cfg, run_dir, resume, progress)
    build(run)
    resuming = resume and run.checkpoint.exists()
    if cfg.init and not resuming:
        start_from_init(run)
    if resuming:
        restore(run)
    if run.start > cfg.epochs:
        if run.progress:
            print(
                f"{run.folder.name} already has {run.start - 1} epoch(s) >= epochs={cfg.epochs}: "
                "nothing to train."
            )
        return run.history
    run.folder.mkdir(parents=True, exist_ok=True)
    clean_partials(run.folder)  # checkpoints a killed run was writing
    if run.is_main:
        config = {"model": asdict(model_cfg), "train": asdict(cfg), **run.data_info}
        write_json(run.folder / "config.json", config)
    data = TrainingData(run)
    step_fn = distrib.wrap(run.model, run.device)
    step_fn = torch.compile(step_fn) if cfg.torch_compile else step_fn
    disc_fn = distrib.wrap(run.disc, run.device) if run.disc is not None else None
    best_so_far(run, data)
    started = time.perf_counter()
    for epoch in range(run.start, cfg.epochs + 1):
        row = one_epoch(run, data, step_fn, disc_fn, epoch)
        row.update(validate_epoch(run, data, epoch))
        keep(run, row, epoch)
        if run.progress:
            print(epoch_line(row))
        spent = time.perf_counter() - started
        if cfg.max_minutes is not None and spent > 60 * cfg.max_minutes and epoch < cfg.epochs:
            if run.progress:
                print(
                    f"stopping after epoch {epoch}: max_minutes={cfg.max_minutes} reached "
                    "(resume to continue)."
                )
            break
    return run.history


def write_history(run_dir: Path, history: list[dict]) -> None:
    """history.json and history.csv, one row per epoch (resumed runs may add columns)."""
    write_json(run_dir / "history.json", history)
    write_csv(run_dir / "history.csv", history)


if __name__ == "__main__":  # python -m audiosr.training.train, and torchrun
    from audiosr.training.command import main

    raise SystemExit(main())
