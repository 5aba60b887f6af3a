"""Training: the paper's recipe (MSE, Adam) as small functions over explicit state. Only training
lives here: checkpoints are `audiosr.networks.checkpoint`, run folders `audiosr.training.runs`, devices and
multi-GPU `audiosr.core.distrib`.

`train()` runs epochs over the patch cache that notebooks/01_data wrote, validates on the held-out
split each epoch, and writes into its run folder, atomically and every epoch: `checkpoint.pt`
(model, optimizer, RNG states, epoch, history; loads with `weights_only=True`), `history.json`
and `history.csv`, and `config.json`; with `file_val`, also `best.pt`: the epoch whose whole
validation files came out best (patch scores swing with silent patches; whole files do not).
`resume=True` continues a killed run exactly where its last checkpoint left it: patch order is
a function of (seed, epoch), and RNG states are restored.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from audiosr.core import distrib
from audiosr.core.metrics import lsd, snr
from audiosr.core.paths import clean_partials, resolve, write_json
from audiosr.core.tables import write_csv
from audiosr.data.patches import DataConfig, PatchCache
from audiosr.networks.audiounet import ModelConfig, build_model, objective
from audiosr.networks.checkpoint import (
    BEST,
    CHECKPOINT,
    CheckpointError,
    check_compatible,
    load_checkpoint,
    save_checkpoint,
)
from audiosr.training.config import TrainConfig
from audiosr.training.runs import default_run_dir, ensure_cache, run_for_params

# Whole validation files of a degraded run are made by these in turn (telephone at r = 2 only).
VAL_MAKERS = ("decimate", "soxr", "poly", "butter", "telephone")


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


@torch.no_grad()
def validate(
    model,
    spline: torch.Tensor,
    hr: torch.Tensor,
    batch_size: int,
    device: torch.device,
    max_batches: int | None = None,
    amp: bool = False,
) -> dict:
    """Mean MSE loss, SNR and LSD (dB / paper eq. 3) over validation patches."""
    model.eval()
    losses, snrs, lsds = [], [], []
    n = len(spline) if max_batches is None else min(len(spline), max_batches * batch_size)
    for i in range(0, n, batch_size):
        x = spline[i : i + batch_size].to(device, non_blocking=True)
        y = hr[i : i + batch_size].to(device, non_blocking=True)
        with torch.autocast(device.type, torch.bfloat16, enabled=amp):
            out = model(x.unsqueeze(1)).squeeze(1)
        out = out.float()
        losses.append(F.mse_loss(out, y, reduction="none").mean(-1))
        keep = y.pow(2).sum(-1) > 0  # SNR is undefined on an all-silent patch
        snrs.append(snr(out[keep], y[keep]))
        lsds.append(lsd(out, y))
    model.train()
    cat = lambda v: torch.cat(v).float().mean().item()
    return {"val_loss": cat(losses), "val_snr": cat(snrs), "val_lsd": cat(lsds)}


@torch.no_grad()
def validate_files(
    model,
    cache: PatchCache,
    device: torch.device,
    n_files: int,
    amp: bool = False,
    makers: tuple[str, ...] = (),
    measures: tuple[str, ...] = (),
) -> dict:
    """Mean SNR and LSD over `n_files` whole validation clips (evenly spread over the split), the
    spline's and band-limited (sinc) interpolation's beside them: what a user gets on a file, unlike patch scores, which swing with the
    silent patches of recordings with pauses. With `makers` (names of `degrade.NAMED`), the
    k-th file's low-res input is made by the k-th maker in turn (those that apply at the
    ratio) and goes through the whole inference pipeline (`inference.windows.Upsampler`); the
    baselines get the same input. `measures` (names of `perceptual.MEASURES`) are scored on
    every file too, the model's as ``val_file_<name>``, the spline's as ``spline_file_<name>``
    and sinc's as ``sinc_file_<name>`` (lower case)."""
    from audiosr.core.band import interpolate
    from audiosr.core.dsp import spline_upsample
    from audiosr.core.perceptual import scores as perceptual_scores
    from audiosr.data.degrade import make_lowres, named, supports
    from audiosr.inference.windows import Upsampler

    r = cache.config.ratio
    makers = [named(m) for m in makers if supports(named(m), r) is None]
    n = len(cache.clips("val"))
    picks = sorted(set(np.linspace(0, n - 1, min(n_files, n)).round().astype(int)))
    model.eval()
    up = Upsampler(model, r, device=device, amp=amp) if makers else None
    rows = []
    for k, i in enumerate(picks):
        _, ref = cache.clip_array("val", "hr", int(i))
        if not np.any(ref):
            continue
        if makers:
            x_lr = make_lowres(np.array(ref), r, makers[k % len(makers)])
            spline, est = spline_upsample(x_lr, r), up.process(x_lr)
        else:
            _, spline = cache.clip_array("val", "spline", int(i))
            x_lr = cache.clip_array("val", "lowres", int(i))[1]
            x = torch.from_numpy(np.array(spline)).to(device).view(1, 1, -1)
            with torch.autocast(device.type, torch.bfloat16, enabled=amp):
                out = model(x)
            est = out.float().view(-1).cpu().numpy()
        ref_t = torch.from_numpy(np.array(ref))
        sinc = interpolate(x_lr, r)[: len(ref)]
        ests = {
            who: torch.from_numpy(np.array(x, np.float32))
            for who, x in (("val_file", est), ("spline_file", spline), ("sinc_file", sinc))
        }
        row = {}
        for who, x in ests.items():
            row[f"{who}_snr"], row[f"{who}_lsd"] = snr(x, ref_t).item(), lsd(x, ref_t).item()
            row[f"{who}_lsd_log10"] = lsd(x, ref_t, "log10").item()  # the field's LSD
        sr = cache.config.sr
        for who, x in ests.items():
            for m, v in perceptual_scores(x.numpy(), ref_t.numpy(), sr, measures).items():
                row[f"{who}_{m.lower()}"] = v
        rows.append(row)
    model.train()
    if not rows:
        return {}
    return {k: float(np.nanmean([r.get(k, np.nan) for r in rows])) for k in rows[0]}


def selection_score(row: dict, select: str = "snr", snr_margin: float = 0.0) -> float:
    """How good an epoch's whole-file validation row is under `select` (higher is better;
    -inf: not eligible). ``snr``: its mean SNR; ``lsd`` / ``visqol``: minus its LSD / its
    ViSQOL, for epochs whose mean SNR is at least the spline's on the same files, less
    `snr_margin` dB."""
    if "val_file_snr" not in row:
        return -math.inf
    if select == "snr":
        return row["val_file_snr"]
    baseline = "sinc" if select == "field" else "spline"
    if row["val_file_snr"] < row.get(f"{baseline}_file_snr", math.inf) - snr_margin:
        return -math.inf
    if select == "field":  # ViSQOL, then LSD (ViSQOL is read to 0.001; LSD breaks its ties)
        value = round(row.get("val_file_visqol", math.nan), 3) - 1e-6 * row["val_file_lsd"]
        return value if math.isfinite(value) else -math.inf
    if select == "lsd":
        return -row["val_file_lsd"]
    value = row.get(f"val_file_{select}", math.nan)
    return value if math.isfinite(value) else -math.inf


def files_line(row: dict) -> str:
    """An epoch's whole-file scores beside the spline's, for its progress line."""
    if "val_file_snr" not in row:
        return ""

    def cell(m: str) -> str:
        sinc = f", sinc {row[f'sinc_file_{m}']:.2f}" if f"sinc_file_{m}" in row else ""
        return f"{row[f'val_file_{m}']:.2f} (spline {row[f'spline_file_{m}']:.2f}{sinc})"

    line = f"  files: SNR {cell('snr')} LSD {cell('lsd')}"
    if "val_file_visqol" in row:
        line += f" ViSQOL {cell('visqol')}"
    return line


def _diverged(what: str, ckpt: Path) -> TrainingError:
    """The error for a run whose loss stopped being finite, naming the checkpoint that is kept."""
    return TrainingError(
        f"{what}: training diverged, stopping. The last good checkpoint is "
        f"{ckpt if ckpt.exists() else 'none (first epoch)'}; try a lower lr."
    )


def train(
    cache: PatchCache,
    model_cfg: ModelConfig,
    cfg: TrainConfig,
    run_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
) -> list[dict]:
    """Train AudioUNet on `cache`, writing into `run_dir`; returns the per-epoch history.

    Raises:
        TrainingError: a NaN loss (the last good checkpoint is kept) or out of GPU memory.
        CheckpointError: resuming from a checkpoint of another model, ratio or data cache.
        FileExistsError: `run_dir` already holds a run and `resume` is False (nothing is overwritten).
    """
    from audiosr.core.progress import bar as progress_bar

    run_dir = resolve(run_dir)
    ckpt = run_dir / CHECKPOINT
    if model_cfg.ratio != cache.config.ratio:
        raise TrainingError(
            f"model ratio {model_cfg.ratio} but the data cache {cache.folder.name} was built "
            f"for ratio {cache.config.ratio}: run 01_data with ratio={model_cfg.ratio}."
        )
    if ckpt.exists() and not resume:
        raise FileExistsError(
            f"{run_dir} already holds a run: pass resume=True to continue it, "
            "or choose a new run directory."
        )
    world, rank = distrib.world()
    device = distrib.setup(distrib.pick_device(cfg.device))
    is_main = rank == 0
    progress = progress and is_main
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
    data_info = {"cache": cache.folder.name, "data_config": asdict(cache.config)}

    torch.manual_seed(cfg.seed)
    model = build_model(model_cfg).to(device)
    criterion = objective(model_cfg, cfg.objective, cfg.stft_weight, cfg.stft_floor)
    optimizer = make_optimizer(model, cfg)
    betas = optimizer.defaults["betas"]
    disc = disc_optimizer = None
    if cfg.adversarial:
        from audiosr.networks.discriminators import Discriminators

        disc = Discriminators(cfg.disc_channels).to(device)
        disc_optimizer = torch.optim.Adam(disc.parameters(), lr=cfg.disc_lr or cfg.lr, betas=betas)
    history, start, fresh_moments = [], 1, False
    if cfg.init and not (resume and ckpt.exists()):
        from dataclasses import replace

        from audiosr.inference.shipped import load_any

        start_from = load_any(cfg.init)
        theirs = replace(start_from.config, front_end=model_cfg.front_end)
        if theirs != model_cfg:
            raise TrainingError(
                f"init={cfg.init}: its architecture ({theirs}) is not this run's ({model_cfg})."
            )
        model.load_state_dict(start_from.state_dict())
    if resume and ckpt.exists():
        state = load_checkpoint(ckpt)
        check_compatible(state, model_cfg, data_info, ckpt, cfg.objective)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        history, start = state["history"], state["epoch"] + 1
        fresh_moments = not state["optimizer"].get("state")
        if disc is not None and "discriminator" in state:
            disc.load_state_dict(state["discriminator"])
            disc_optimizer.load_state_dict(state["disc_optimizer"])
        elif disc is None and "discriminator" in state:
            raise CheckpointError(
                f"{ckpt}: an adversarial run (adversarial_from="
                f"{state['train_config'].get('adversarial_from')}); resume it with the same setting."
            )
        elif disc is not None and start > cfg.adversarial_from:
            raise CheckpointError(
                f"{ckpt}: its run has passed adversarial_from={cfg.adversarial_from} without "
                "discriminators (it was a regression run): start a new run directory, with "
                "init= this run's model for the adversarial stage."
            )
        if progress and is_main and start <= cfg.epochs:
            print(f"resuming {run_dir.name} after epoch {state['epoch']} of {cfg.epochs}")
        torch.set_rng_state(state["rng"]["torch"])
        if "cuda" in state["rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
    if start > cfg.epochs:
        if progress:
            print(
                f"{run_dir.name} already has {start - 1} epoch(s) >= epochs={cfg.epochs}: nothing to train."
            )
        return history
    run_dir.mkdir(parents=True, exist_ok=True)
    clean_partials(run_dir)  # checkpoints a killed run was writing
    if is_main:
        write_json(
            run_dir / "config.json", {"model": asdict(model_cfg), "train": asdict(cfg), **data_info}
        )

    examples = None
    afresh = cfg.degrade or model_cfg.front_end or model_cfg.interp != "spline"
    if afresh:  # made afresh per step (the cache holds spline inputs); validation drawn once
        from audiosr.data.degrade import Examples

        how = (model_cfg.front_end, cfg.degrade)
        examples = Examples(cache, "train", cfg.seed, *how, interp=model_cfg.interp)
        val = Examples(cache, "val", cfg.seed, *how, interp=model_cfg.interp)
        n_val = (
            len(val) if cfg.val_batches is None else min(len(val), cfg.val_batches * cfg.batch_size)
        )
        if progress:
            print(f"making {n_val} validation patches ...")
        val_spline, val_hr = (torch.from_numpy(a).to(device) for a in val.batch(range(n_val), 0))
        spline = hr = None
    else:
        spline, hr = load_patches(cache, "train", device)
        val_spline, val_hr = load_patches(cache, "val", device)
    n_train = len(examples) if examples is not None else len(spline)
    if n_train == 0:
        raise TrainingError(f"{cache.folder}: no training patches (clips shorter than patch_len?).")
    step_fn = distrib.wrap(model, device)
    step_fn = torch.compile(step_fn) if cfg.torch_compile else step_fn
    disc_fn = distrib.wrap(disc, device) if disc is not None else None
    n_steps = math.ceil(n_train / cfg.batch_size)
    if world > 1:  # every rank needs a non-empty shard: drop the last partial batch
        n_steps = max(1, n_train // cfg.batch_size)
    if cfg.steps_per_epoch:
        n_steps = min(n_steps, cfg.steps_per_epoch)
    sr = cache.config.sr
    total_steps = cfg.epochs * n_steps
    warm_from = (start - 1) * n_steps if fresh_moments else 0
    file_makers = VAL_MAKERS if cfg.degrade else ()  # how validation files' inputs are made
    if (model_cfg.front_end or model_cfg.interp != "spline") and not cfg.degrade:
        # the cache's own maker, through the pipeline as in use
        file_makers = ("decimate" if cache.config.lowpass else "aliased",)
    measures = ("ViSQOL",) if cfg.select in ("visqol", "field") else ()
    if measures and cfg.file_val:
        from audiosr.core.perceptual import installed

        if not installed("ViSQOL"):
            raise TrainingError(
                f"select={cfg.select!r} chooses by ViSQOL, which is not installed: "
                "pip install 'audiosr[perceptual]', or choose select=snr or lsd."
            )
    score = lambda row: selection_score(row, cfg.select, cfg.snr_margin)
    best = max((score(r) for r in history), default=-math.inf)
    if (run_dir / BEST).exists():  # it may hold the starting model (epoch 0), see below
        kept = load_checkpoint(run_dir / BEST)["history"]
        best = max(best, score(kept[-1]) if kept else -math.inf)
    elif cfg.init and cfg.file_val and is_main and start == 1:
        # Fine-tuning competes with its own start: the starting model is scored on the same
        # validation files as epoch 0, so the best epoch is never worse than where it began.
        row = {
            "epoch": 0,
            **validate_files(model, cache, device, cfg.file_val, amp, file_makers, measures),
        }
        if "val_file_snr" in row:
            best = score(row)
            history.append(row)  # the curves start where the run began
            save_checkpoint(run_dir / BEST, model, None, 0, [row], model_cfg, cfg, data_info)
            if progress:
                print(f"epoch 0 ({cfg.init}):{files_line(row)}")

    started = time.perf_counter()
    for epoch in range(start, cfg.epochs + 1):
        order = torch.randperm(
            n_train, generator=torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
        )
        t0, total = time.perf_counter(), torch.zeros((), device=device)
        adversarial = disc is not None and epoch >= cfg.adversarial_from
        parts_total: dict[str, torch.Tensor] = {}
        bar = progress_bar(
            range(n_steps), desc=f"epoch {epoch}/{cfg.epochs}", leave=False, disable=not progress
        )
        for step in bar:
            batch = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
            idx = batch[rank::world]  # the global batch, sharded across processes
            if examples is not None:
                xb, yb = examples.batch(idx.numpy(), epoch)
                x = torch.from_numpy(xb).to(device).unsqueeze(1)
                y = torch.from_numpy(yb).to(device).unsqueeze(1)
            else:
                x = spline[idx].to(device, non_blocking=True).unsqueeze(1)
                y = hr[idx].to(device, non_blocking=True).unsqueeze(1)
            lr = learning_rate(cfg, (epoch - 1) * n_steps + step, total_steps, warm_from)
            for group in optimizer.param_groups:
                group["lr"] = lr
            try:
                if adversarial:
                    for group in disc_optimizer.param_groups:
                        group["lr"] = lr * (cfg.disc_lr or cfg.lr) / cfg.lr
                    loss, parts = adversarial_step(
                        step_fn, disc_fn, optimizer, disc_optimizer, x, y, cfg, amp, criterion
                    )
                    for k, v in parts.items():
                        parts_total[k] = parts_total.get(k, 0) + v
                else:
                    loss = train_step(step_fn, optimizer, x, y, amp, criterion)
            except torch.cuda.OutOfMemoryError:
                raise TrainingError(
                    f"out of GPU memory at batch_size={cfg.batch_size}: try "
                    f"batch_size={max(1, cfg.batch_size // 2)} or a smaller width."
                ) from None
            total += loss
            # No per-step host sync on a GPU: the loss is read every 50 steps there.
            if device.type == "cpu" or step % 50 == 49 or step == n_steps - 1:
                mean = total.item() / (step + 1)
                if not math.isfinite(mean):
                    raise _diverged(f"loss became {mean} at epoch {epoch}, step {step + 1}", ckpt)
                seconds = time.perf_counter() - t0
                bar.set_postfix(
                    loss=f"{mean:.2e}",
                    audio_s_per_s=f"{(step + 1) * len(idx) * x.shape[-1] / sr / seconds:.1f}",
                )
        train_seconds = time.perf_counter() - t0
        row = {
            "epoch": epoch,
            "train_loss": total.item() / n_steps,
            "seconds": round(train_seconds, 3),
            "audio_s_per_s": n_steps * cfg.batch_size * cache.config.patch_len / sr / train_seconds,
            "stage": "adversarial" if adversarial else "regression",
            "device": device.type,
            "steps": n_steps,
            **{k: v.item() / n_steps for k, v in parts_total.items()},
        }
        row["lr"] = optimizer.param_groups[0]["lr"]
        row.update(
            validate(model, val_spline, val_hr, cfg.batch_size, device, cfg.val_batches, amp)
        )
        if cfg.file_val and is_main:
            row.update(
                validate_files(model, cache, device, cfg.file_val, amp, file_makers, measures)
            )
        if not math.isfinite(row["val_loss"]):
            raise _diverged(f"validation loss became {row['val_loss']} at epoch {epoch}", ckpt)
        history.append(row)
        if is_main:
            if score(row) > best:
                best = score(row)
                save_checkpoint(
                    run_dir / BEST, model, None, epoch, [row], model_cfg, cfg, data_info
                )
            save_checkpoint(
                ckpt,
                model,
                optimizer,
                epoch,
                history,
                model_cfg,
                cfg,
                data_info,
                disc,
                disc_optimizer,
            )
            write_history(run_dir, history)
        distrib.barrier()
        if progress:
            files = files_line(row)
            print(
                f"epoch {epoch}: train {row['train_loss']:.3e}  val {row['val_loss']:.3e}  "
                f"SNR {row['val_snr']:.2f} dB  LSD {row['val_lsd']:.2f}{files}  "
                f"({row['audio_s_per_s']:.0f} audio s/s)"
            )
        if (
            cfg.max_minutes is not None
            and time.perf_counter() - started > 60 * cfg.max_minutes
            and epoch < cfg.epochs
        ):
            if progress:
                print(
                    f"stopping after epoch {epoch}: max_minutes={cfg.max_minutes} reached (resume to continue)."
                )
            break
    return history


def write_history(run_dir: Path, history: list[dict]) -> None:
    """history.json and history.csv, one row per epoch (resumed runs may add columns)."""
    write_json(run_dir / "history.json", history)
    write_csv(run_dir / "history.csv", history)


def ensure_run(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg,
    root: str | Path = "data/cache",
    train_missing: bool = True,
    progress: bool = True,
    runs_root: str | Path = "runs",
) -> Path:
    """The run folder for (data, model, objective), trained to `train_cfg.epochs` if it has fewer.

    With `train_missing=False` a missing or short run is an error that says which 03_train
    parameters make it, instead of training here.
    """
    model_cfg = replace(model_cfg, ratio=data_cfg.ratio)
    cache = ensure_cache(data_cfg, root, build=train_missing)
    run = default_run_dir(
        cache,
        model_cfg,
        runs_root,
        train_cfg.objective,
        train_cfg.degrade,
        train_cfg.init,
        train_cfg.adversarial,
    )
    ckpt = run / CHECKPOINT
    done = load_checkpoint(ckpt)["epoch"] if ckpt.is_file() else 0
    if done >= train_cfg.epochs:
        return run
    if not train_missing:
        raise FileNotFoundError(
            f"{run} has {done} of {train_cfg.epochs} epochs. Train it with 03_train (data {data_cfg}, "
            f"model {model_cfg}), or set train_missing=True."
        )
    if progress:
        print(f"training {run.name} ({train_cfg.epochs} epochs) ...")
    train(cache, model_cfg, train_cfg, run, resume=True, progress=progress)
    return run


def add_arguments(ap) -> None:
    """The training command's flags, the same under `audiosr train` and `python -m audiosr.training.train`."""
    ap.add_argument(
        "-f",
        "--params",
        required=True,
        action="append",
        help="a params/*.yaml file (the notebooks' parameters); repeat to apply several in order",
    )
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override parameters")
    ap.add_argument("--run-dir", default=None, help="default: runs/<data>--<model>")
    ap.add_argument("--no-resume", action="store_true", help="refuse to continue an existing run")


def main(argv=None) -> int:
    """The training command, over the same functions as 03_train, and the torchrun entry point:

    audiosr train -f params/demo.yaml [--set epochs=2 ...]      (or python -m audiosr.training.train)
    torchrun --nproc_per_node 8 -m audiosr.training.train -f params/paper.yaml -f params/paper-multispeaker-r4.yaml
    """
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m audiosr.training.train", description="Train AudioUNet on a data cache."
    )
    add_arguments(ap)
    return command(ap.parse_args(argv))


def command(args) -> int:
    """Train what parsed `add_arguments` flags name; a bad params file, dataset or device is one
    line on stderr and exit code 2, a run that cannot go on exit code 1."""
    from audiosr.core.signals import interruptible
    from audiosr.data.clips import DatasetError
    from audiosr.training.params import ParamsError, configs_from, load_params

    with interruptible("the run keeps its last checkpoint; the same command resumes it") as stop:
        try:
            p = load_params(args.params, args.set)
            train_cfg = configs_from(p).train
            distrib.pick_device(train_cfg.device)  # a device this machine lacks: before any work
            cache, model_cfg, run_dir = run_for_params(p, build=True)
        except (ParamsError, DatasetError, distrib.DeviceError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        try:
            train(cache, model_cfg, train_cfg, args.run_dir or run_dir, resume=not args.no_resume)
        except (TrainingError, CheckpointError, OSError) as e:  # OSError: a full disk, a
            print(f"error: {e}", file=sys.stderr)  # read-only folder, an existing run
            return 1
        finally:
            distrib.teardown()
    return stop.code


if __name__ == "__main__":
    raise SystemExit(main())
