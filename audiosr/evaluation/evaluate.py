"""Whole-file evaluation, as the paper reports it: every clip of a split, SNR and LSD per file,
then the mean per method. One engine serves the notebooks, the reports and the command
(`python -m audiosr.evaluation`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from audiosr.core.distrib import pick_device
from audiosr.core.metrics import LineMeter, MetricError, band_snr, lsd, snr
from audiosr.core.paths import resolve
from audiosr.core.perceptual import MEASURES as PERCEPTUAL
from audiosr.core.perceptual import NO_REFERENCE, score_jobs
from audiosr.core.tables import write_csv
from audiosr.data.patches import DataConfig, PatchCache, find_cache
from audiosr.evaluation.baselines import all_baselines
from audiosr.networks.checkpoint import CHECKPOINT, load_checkpoint, load_model_file

BAND_SNR = "missing-band SNR (dB)"  # SNR above the low-res Nyquist: 0 empty, < 0 noise
Method = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x_lr, spline) -> estimate, len(spline)


def model_method(
    model: torch.nn.Module,
    device: torch.device | str = "cpu",
    ratio: int | None = None,
    made_by: str | None = None,
) -> Method:
    """A model as a table's method. With `ratio`, the low-res input goes through the whole
    pipeline that `audiosr upsample` runs (`inference.windows.Upsampler`: the front end and the band
    put back for models that have them, unless `made_by` says the input was made by
    `decimate`; the silence gate); without, the network alone on the spline, as the paper
    scores it, unless the network takes band-limited input (a frame model): that one always
    runs the pipeline at its own ratio, as it was trained."""
    from audiosr.inference.windows import Upsampler, input_interp

    device = torch.device(device)
    if ratio is None and input_interp(model) != "spline":
        ratio = model.config.ratio
    if ratio is not None:
        up = Upsampler(model, ratio, device=device, made_by=made_by)
        return lambda x_lr, spline: up.process(x_lr)[: len(spline)]

    @torch.no_grad()
    def estimate(x_lr: np.ndarray, spline: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.array(spline, dtype=np.float32)).to(device)  # a writable copy
        return model(x.view(1, 1, -1)).view(-1).float().cpu().numpy()

    return estimate


def run_method(run: str | Path, device: torch.device | str = "cpu") -> tuple[str, Method, str]:
    """A run folder's model as a table's method: (label, method, a line saying how it was
    trained), read from its checkpoint."""
    state = load_checkpoint(Path(run) / CHECKPOINT)
    m, t = state["model_config"], state["train_config"]
    label = {
        "dnn": "DNN (Li et al. 2015)",
        "framenet": f"FrameNet, width {m['width']:g}",
        "tfilm": f"TFiLM, width {m['width']:g}",
    }.get(m.get("arch"), f"AudioUNet, width {m['width']:g}")
    how = (
        f"`{Path(run).name}`: {state['epoch']} epochs x {t['steps_per_epoch'] or 'all'} steps of "
        f"batch {t['batch_size']}, lr {t['lr']}"
    )
    return label, model_method(load_model_file(Path(run) / CHECKPOINT, device=device), device), how


def evaluate_split(
    cache: PatchCache,
    split: str,
    methods: dict[str, Method],
    progress: bool = True,
    meters: dict[str, LineMeter] | None = None,
    perceptual: tuple[str, ...] = (),
    maker=None,
) -> list[dict]:
    """One row per (clip, method): SNR and LSD (paper eq. 2, 3) on the whole clip; with `meters`
    (method -> LineMeter), each method's estimates also go to its meter; with `perceptual`
    (names from `audiosr.core.perceptual.MEASURES`), those objective scores too, where installed,
    scored in parallel processes once every estimate is made; a no-reference measure (DNSMOS)
    also scores the clip's reference, as ``<measure> (reference)`` in each of its rows.
    With `maker` (a `makers.Maker`), each clip's low-res input is made by it from the
    high-res clip instead of the cache's `decimate` (the spline gets the same input)."""
    from audiosr.core.dsp import spline_upsample
    from audiosr.core.progress import bar as progress_bar
    from audiosr.data.makers import make_lowres

    rows, pairs = [], []
    refs = tuple(m for m in perceptual if m in NO_REFERENCE)
    arrays = zip(
        cache.clip_arrays(split, "hr"),
        cache.clip_arrays(split, "spline"),
        cache.clip_arrays(split, "lowres"),
    )
    n = len(cache.clips(split))
    nyquist = cache.config.sr / (2 * cache.config.ratio)  # what the low-res input lacks is above
    for (clip, hr), (_, sp), (_, x_lr) in progress_bar(
        arrays, total=n, desc=f"evaluate {split}", disable=not progress
    ):
        if maker is not None:
            x_lr = make_lowres(np.asarray(hr), cache.config.ratio, maker, cache.config.sr)
            sp = spline_upsample(x_lr, cache.config.ratio)
        first = len(rows)
        for name, method in methods.items():
            t0 = time.perf_counter()
            est = method(x_lr, sp)
            compute = time.perf_counter() - t0
            if meters is not None and name in meters:
                meters[name].add(est, hr)
            rows.append(
                {
                    "clip": Path(clip["path"]).name,
                    **({"low-res": maker.label} if maker is not None else {}),
                    "group": clip.get("group", ""),
                    "method": name,
                    "seconds": len(hr) / cache.config.sr,
                    "compute_s": compute,
                    "snr": float(snr(est, hr)),
                    "lsd": float(lsd(est, hr)),
                    "lsd_code": _lsd_code(est, hr),
                    "lsd_log10": float(lsd(est, hr, "log10")),
                    "snr_band": band_snr(est, hr, cache.config.sr, nyquist),
                    "peak": float(np.max(np.abs(est))),
                }
            )
            if perceptual:
                pairs.append((rows[-1], (np.asarray(est), np.asarray(hr)), perceptual))
        if refs:
            pairs.append((rows[first:], (np.asarray(hr), np.asarray(hr)), refs))
    done = score_jobs(
        [(*pair, measures) for _, pair, measures in pairs], cache.config.sr, progress=progress
    )
    for (target, _, _), values in zip(pairs, done):
        if isinstance(target, list):  # the reference of these rows' clip
            for row in target:
                row.update({f"{m} (reference)": v for m, v in values.items()})
        else:
            target.update(values)
    return rows


def _lsd_code(est, ref) -> float:
    """The original code's LSD, or NaN for a clip too short for its reflect padding (64 ms):
    the code LSD's mean then skips it, the paper's LSD still counts it."""
    try:
        return float(lsd(est, ref, "code"))
    except MetricError:
        return float("nan")


def table_row(summary: dict) -> dict:
    """A summary row's method, files, SNR and LSD, rounded as tables show them, and the
    objective perceptual scores where they were computed (the Table 1 proxy, not MUSHRA)."""
    return {
        "method": summary["method"],
        "files": summary["files"],
        "SNR (dB)": round(summary["SNR (dB)"], 2),
        "LSD": round(summary["LSD"], 2),
        **({"LSD (log10)": round(summary["LSD (log10)"], 3)} if "LSD (log10)" in summary else {}),
        **{f"{k} (objective)": round(summary[k], 2) for k in PERCEPTUAL if k in summary},
        **{
            f"{k} (reference)": round(summary[f"{k} (reference)"], 2)
            for k in NO_REFERENCE
            if f"{k} (reference)" in summary
        },
    }


def evaluate_sets(
    sets: dict[str, PatchCache],
    methods: dict[str, Method],
    results: str | Path | None = None,
    prefix: str = "",
    split: str = "test",
    progress: bool = True,
    perceptual: tuple[str, ...] = (),
) -> dict[str, list[dict]]:
    """Every method on every clip of each set's split; per-file rows go to `results`
    (`<prefix><cache>-<split>.csv`, so any summary can be traced to its files); returns each
    set's summary."""
    summaries = {}
    for name, cache in sets.items():
        rows = evaluate_split(cache, split, methods, progress, perceptual=perceptual)
        if results is not None:
            write_csv(Path(results) / f"{prefix}{cache.folder.name}-{split}.csv", rows)
        summaries[name] = summarize(rows)
    return summaries


def summarize(rows: list[dict]) -> list[dict]:
    """Mean SNR / LSD per method over files (the paper's aggregation)."""
    out = []
    for m in dict.fromkeys(r["method"] for r in rows):
        sel = [r for r in rows if r["method"] == m]
        out.append(
            {
                "method": m,
                "files": len(sel),
                "SNR (dB)": float(np.mean([r["snr"] for r in sel])),
                "LSD": float(np.mean([r["lsd"] for r in sel])),
                "LSD (code)": float(np.nanmean([r["lsd_code"] for r in sel])),
                "LSD (log10)": float(np.mean([r["lsd_log10"] for r in sel])),
                **(
                    {BAND_SNR: float(np.nanmean([r["snr_band"] for r in sel]))}
                    if "snr_band" in sel[0]
                    else {}
                ),
                "compute s per audio s": sum(r["compute_s"] for r in sel)
                / sum(r["seconds"] for r in sel),
                "peak": max(r["peak"] for r in sel),
                **{
                    k: float(np.nanmean([r[k] for r in sel]))
                    for k in [*PERCEPTUAL, *(f"{m} (reference)" for m in NO_REFERENCE)]
                    if k in sel[0]
                },
            }
        )
    return out


def evaluate_run(
    run_dir: str | Path, split: str = "test", device: str = "auto", progress: bool = True
) -> list[dict]:
    """Spline vs the run's model on `split` of the data cache it was trained on; writes eval-<split>.csv."""
    run_dir = resolve(run_dir)
    state = load_checkpoint(run_dir / CHECKPOINT)
    cache = find_cache(DataConfig(**state["data"]["data_config"]))
    dev = pick_device(device)
    model = load_model_file(run_dir / CHECKPOINT, device=dev)
    methods = {
        **all_baselines(cache.config.ratio, cache.config.sr),
        f"AudioUNet (epoch {state['epoch']})": model_method(model, dev),
    }
    rows = evaluate_split(cache, split, methods, progress)
    write_csv(run_dir / f"eval-{split}.csv", rows)
    return rows
