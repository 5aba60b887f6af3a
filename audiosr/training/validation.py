"""Validation during training: patch scores each epoch, and whole validation files scored as a
user runs them (through the inference pipeline, low-res input made several ways), beside the
spline and band-limited (sinc) interpolation; how an epoch's scores rank it (`selection_score`)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from audiosr.core.metrics import LINE_SPACING_HZ, LineMeter, lsd, snr
from audiosr.data.patches import PatchCache

# Whole validation files of a degraded run are made by these in turn (telephone at r = 2 only).
VAL_MAKERS = ("decimate", "soxr", "poly", "butter", "telephone")
WHO = ("val_file", "spline_file", "sinc_file")  # the model's, the spline's and sinc's scores


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
    silent patches of recordings with pauses. With `makers` (names of `makers.NAMED`), the
    k-th file's low-res input is made by the k-th maker in turn (those that apply at the
    ratio) and goes through the whole inference pipeline (`inference.windows.Upsampler`); the
    baselines get the same input. `measures` (names of `perceptual.MEASURES`) are scored on
    every file too, the model's as ``val_file_<name>``, the spline's as ``spline_file_<name>``
    and sinc's as ``sinc_file_<name>`` (lower case). ``<who>_line_db`` is the strongest line
    each adds over all the files (`metrics.LineMeter`; a buzz or a whistle)."""
    from audiosr.core.band import interpolate
    from audiosr.core.dsp import spline_upsample
    from audiosr.core.perceptual import scores as perceptual_scores
    from audiosr.data.makers import make_lowres, named, supports
    from audiosr.inference.windows import Upsampler

    r = cache.config.ratio
    makers = [named(m) for m in makers if supports(named(m), r) is None]
    n = len(cache.clips("val"))
    picks = sorted(set(np.linspace(0, n - 1, min(n_files, n)).round().astype(int)))
    model.eval()
    up = Upsampler(model, r, device=device, amp=amp) if makers else None
    rows = []
    meters = {who: LineMeter(cache.config.sr, LINE_SPACING_HZ) for who in WHO}
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
            for who, x in zip(WHO, (est, spline, sinc))
        }
        row = {}
        for who, x in ests.items():
            meters[who].add(x.numpy(), ref_t.numpy())
            row[f"{who}_snr"], row[f"{who}_lsd"] = snr(x, ref_t).item(), lsd(x, ref_t).item()
            row[f"{who}_lsd_log10"] = lsd(x, ref_t, "log10").item()  # the field's LSD
            for m, v in perceptual_scores(
                x.numpy(), ref_t.numpy(), cache.config.sr, measures
            ).items():
                row[f"{who}_{m.lower()}"] = v
        rows.append(row)
    model.train()
    if not rows:
        return {}
    means = {k: float(np.nanmean([r.get(k, np.nan) for r in rows])) for k in rows[0]}
    return {**means, **{f"{who}_line_db": m.strongest()[1] for who, m in meters.items()}}


def selection_score(row: dict, select: str = "snr", snr_margin: float = 0.0) -> float:
    """How good an epoch's whole-file validation row is under `select` (higher is better;
    -inf: not eligible). ``snr``: its mean SNR; ``lsd`` / ``visqol``: minus its LSD / its
    ViSQOL, for epochs whose mean SNR is at least the spline's on the same files, less
    `snr_margin` dB; ``field``: its ViSQOL (LSD breaking ties), for epochs whose mean SNR is
    at least sinc interpolation's, less `snr_margin` dB."""
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
    if "val_file_line_db" in row:
        line += f" line {row['val_file_line_db']:.1f} dB"
    return line
