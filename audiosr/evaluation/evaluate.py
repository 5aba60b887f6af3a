"""Whole-file evaluation, as the paper reports it: every clip of a split, SNR and LSD per file,
then the mean per method. One function serves the notebooks and the command line.

    python -m audiosr.evaluation.evaluate runs/<run> --split test     # writes runs/<run>/eval-test.csv
    python -m audiosr.evaluation.evaluate --real                      # shipped models on real speech, r = 2, 4, 6
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from audiosr.core.distrib import pick_device
from audiosr.core.paths import resolve
from audiosr.core.tables import write_csv, write_table
from audiosr.data.degrade import NAMED as NAMED_MAKERS
from audiosr.data.patches import DataConfig, PatchCache, find_cache
from audiosr.evaluation.baselines import all_baselines
from audiosr.evaluation.metrics import LineMeter, MetricError, lsd, snr
from audiosr.evaluation.perceptual import MEASURES as PERCEPTUAL
from audiosr.evaluation.perceptual import scores as perceptual_scores
from audiosr.networks.checkpoint import CHECKPOINT, load_checkpoint, load_model

Method = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x_lr, spline) -> estimate, len(spline)


def model_method(
    model: torch.nn.Module,
    device: torch.device | str = "cpu",
    ratio: int | None = None,
    made_by: str | None = None,
) -> Method:
    """A model as a table's method. With `ratio`, the low-res input goes through the whole
    pipeline that `audiosr upsample` runs (`inference.Upsampler`: the front end and the band
    put back for models that have them, unless `made_by` says the input was made by
    `decimate`; the silence gate); without, the network alone on the spline, as the paper
    scores it."""
    device = torch.device(device)
    if ratio is not None:
        from audiosr.inference.windows import Upsampler

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
    label = "DNN (Li et al. 2015)" if m.get("arch") == "dnn" else f"AudioUNet, width {m['width']:g}"
    how = (
        f"`{Path(run).name}`: {state['epoch']} epochs x {t['steps_per_epoch'] or 'all'} steps of "
        f"batch {t['batch_size']}, lr {t['lr']}"
    )
    return label, model_method(load_model(Path(run) / CHECKPOINT, device=device), device), how


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
    (names from `audiosr.evaluation.perceptual.MEASURES`), those objective scores too, where installed.
    With `maker` (a `degrade.Maker`), each clip's low-res input is made by it from the
    high-res clip instead of the cache's `decimate` (the spline gets the same input)."""
    from audiosr.core.dsp import spline_upsample
    from audiosr.core.progress import bar as progress_bar
    from audiosr.data.degrade import make_lowres

    rows = []
    arrays = zip(
        cache.clip_arrays(split, "hr"),
        cache.clip_arrays(split, "spline"),
        cache.clip_arrays(split, "lowres"),
    )
    n = len(cache.clips(split))
    for (clip, hr), (_, sp), (_, x_lr) in progress_bar(
        arrays, total=n, desc=f"evaluate {split}", disable=not progress
    ):
        if maker is not None:
            x_lr = make_lowres(np.asarray(hr), cache.config.ratio, maker, cache.config.sr)
            sp = spline_upsample(x_lr, cache.config.ratio)
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
                    "peak": float(np.max(np.abs(est))),
                    **(
                        perceptual_scores(est, hr, cache.config.sr, perceptual)
                        if perceptual
                        else {}
                    ),
                }
            )
    return rows


def _lsd_code(est, ref) -> float:
    """The original code's LSD, or NaN for a clip too short for its reflect padding (64 ms):
    the code LSD's mean then skips it, the paper's LSD still counts it."""
    try:
        return float(lsd(est, ref, "code"))
    except MetricError:
        return float("nan")


def scores(summary: dict) -> dict:
    """A summary row's method, files, SNR and LSD, rounded as tables show them, and the
    objective perceptual scores where they were computed (the Table 1 proxy, not MUSHRA)."""
    return {
        "method": summary["method"],
        "files": summary["files"],
        "SNR (dB)": round(summary["SNR (dB)"], 2),
        "LSD": round(summary["LSD"], 2),
        **{f"{k} (objective)": round(summary[k], 2) for k in PERCEPTUAL if k in summary},
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
                "compute s per audio s": sum(r["compute_s"] for r in sel)
                / sum(r["seconds"] for r in sel),
                "peak": max(r["peak"] for r in sel),
                **{k: float(np.nanmean([r[k] for r in sel])) for k in PERCEPTUAL if k in sel[0]},
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
    model = load_model(run_dir / CHECKPOINT, device=dev)
    methods = {
        **all_baselines(cache.config.ratio, cache.config.sr),
        f"AudioUNet (epoch {state['epoch']})": model_method(model, dev),
    }
    rows = evaluate_split(cache, split, methods, progress)
    write_csv(run_dir / f"eval-{split}.csv", rows)
    return rows


PAPER_NAMES = {"cubic spline": "Spline", "AudioUNet": "Ours", "DNN": "DNN"}


def table2_rows(summaries: dict[str, list[dict]], ratio: int, paper_row: str) -> list[dict]:
    """The paper's Table 2 layout: our SNR / LSD per test set and method. The paper's numbers for
    `paper_row` (``SingleSpeaker``, ``MultiSpeaker`` or ``Piano``) stand beside the first test
    set only (the dataset's own test split): other sets, such as the VCTK sample, whose speakers
    the paper trained on, are not what the paper measured."""
    from audiosr.evaluation.paper import TABLE2

    rows_known = sorted({task for task, _ in TABLE2})
    if paper_row not in rows_known:
        raise ValueError(f"paper_row={paper_row!r}: choose one of {rows_known}.")
    paper = TABLE2.get((paper_row, ratio), {})
    compared = next(iter(summaries), None)
    rows = []
    for data_label, summary in summaries.items():
        for r in summary:
            key = next((v for k, v in PAPER_NAMES.items() if r["method"].startswith(k)), None)
            theirs = paper.get(key) if key and data_label == compared else None
            rows.append(
                {
                    "test data": data_label,
                    "r": ratio,
                    **scores(r),
                    "compute s / audio s": float(f"{r['compute s per audio s']:.3g}"),
                    f"paper SNR ({paper_row})": theirs[0] if theirs else "",
                    f"paper LSD ({paper_row})": theirs[1] if theirs else "",
                }
            )
    return rows


def table3_rows(grid: dict[bool, dict[str, dict]], dataset: str = "") -> list[dict]:
    """Table 3's layout: one row per method (spline, trained with / without the low-pass
    filter), SNR / LSD tested with and without it; `grid[test_lowpass][method]` is a summary
    row. The paper's piano numbers sit beside, labelled."""
    from audiosr.evaluation.paper import TABLE3

    cell = lambda s: f"{s['SNR (dB)']:.2f} / {s['LSD']:.2f}"
    rows = []
    for method in grid[True]:
        trained_lp = {"trained with LPF": True, "trained without LPF": False}.get(method)
        row = {
            "method": method,
            "tested with LPF (SNR / LSD)": cell(grid[True][method]),
            "tested without LPF (SNR / LSD)": cell(grid[False][method]),
        }
        if "piano" in str(dataset).lower():
            for test_lp, col in ((True, "paper, tested with"), (False, "paper, tested without")):
                row[col] = (
                    "%g / %g" % TABLE3[(trained_lp, test_lp)] if trained_lp is not None else ""
                )
        rows.append(row)
    return rows


REAL_TEST_SETS = ("vctk-sample", "librispeech-test-other")


def real_speech_rows(
    ratios=(2, 4, 6),
    datasets=REAL_TEST_SETS,
    model: str | None = None,
    device: str = "cpu",
    progress: bool = True,
    lines: dict | None = None,
    cache_root: str | Path = "data/cache",
    lowpass: bool = True,
    perceptual: tuple[str, ...] = (),
    lowres: tuple[str, ...] = (),
) -> list[dict]:
    """Spline, soxr and a model (default: the shipped one per ratio; a path may hold ``{r}``
    for the ratio) on real speech no model trained on, whole files: mean SNR / LSD, the model's
    gain over the spline, and the strongest line each method adds at a multiple of 500 Hz
    (`LineMeter`). With `lines` (a dict), every method's lines land in
    ``lines[(r, test set, method)]`` for a figure. Absent sets are skipped with a printed reason.
    `lowpass=False` makes the low-res input with plain `x[::r]`, as the original code's
    MultiSpeaker pipeline did (its Makefiles omit the low-pass filter). `lowres` (names of
    `degrade.NAMED`) repeats everything for low-res input made each of those ways (the
    robustness benchmark; a maker that does not apply at a ratio is skipped, saying why); the
    model then runs through the command's whole pipeline (`model_method` with the ratio), and,
    for `decimate` input, also as told how the input was made (`made_by`)."""
    from audiosr.data.clips import dataset_available
    from audiosr.data.degrade import named, supports
    from audiosr.inference.shipped import load_any
    from audiosr.training.runs import ensure_cache

    makers = [named(m) for m in lowres] or [None]

    available = [ds for ds in datasets if not dataset_available(ds)]
    for ds in datasets:
        if ds not in available:
            print(f"skipped: {dataset_available(ds)}")
    dev = pick_device(device)
    rows = []
    for r in ratios:
        path = model.replace("{r}", str(r)) if model else None
        net = load_any(path, r, dev)
        label = "shipped model" if model is None else f"model {Path(str(model)).stem}"
        methods = {k: v for k, v in all_baselines(r).items() if k != "polyphase (scipy)"}
        methods[label] = model_method(net, dev, r if lowres else None)
        for ds, maker in ((ds, m) for ds in available for m in makers):
            if maker is not None and supports(maker, r):
                print(f"skipped {maker.label} at r = {r}: {supports(maker, r)}")
                continue
            cache = ensure_cache(DataConfig(dataset=ds, ratio=r, lowpass=lowpass), cache_root)
            here = dict(methods)
            if maker is not None and maker.kind == "decimate" and getattr(net, "front_end", False):
                here[f"{label}, told decimate"] = model_method(net, dev, r, made_by="decimate")
            meters = {m: LineMeter(cache.config.sr) for m in here}
            summary = summarize(
                evaluate_split(cache, "test", here, progress, meters, perceptual, maker)
            )
            spline = next(row for row in summary if row["method"] == "cubic spline")
            for row in summary:
                freq, db = meters[row["method"]].strongest()
                rows.append(
                    {
                        "r": r,
                        "test set": ds,
                        **({"low-res made by": maker.label} if maker is not None else {}),
                        **scores(row),
                        "SNR - spline (dB)": round(row["SNR (dB)"] - spline["SNR (dB)"], 2),
                        "LSD / spline": round(row["LSD"] / spline["LSD"], 2),
                        "strongest added line (dB)": round(db, 1),
                        "peak": round(row["peak"], 2),
                        "at (Hz)": int(freq),
                    }
                )
                if lines is not None:
                    lines[(r, ds, row["method"])] = meters[row["method"]].lines()
    return rows


def main(argv=None) -> int:
    from audiosr.core.tables import markdown_table

    ap = argparse.ArgumentParser(
        prog="python -m audiosr.evaluation.evaluate", description=__doc__.split("\n")[0]
    )
    ap.add_argument("run_dir", nargs="?", help="a run folder: its model on its own data's split")
    ap.add_argument("--split", default="test", choices=("train", "val", "test"))
    ap.add_argument(
        "--real",
        action="store_true",
        help="instead: spline, soxr and a model on real speech (" + ", ".join(REAL_TEST_SETS) + ")",
    )
    ap.add_argument("--ratios", type=int, nargs="+", default=[2, 4, 6], help="with --real")
    ap.add_argument(
        "--data", nargs="+", default=list(REAL_TEST_SETS), help="with --real: test sets"
    )
    ap.add_argument(
        "--model",
        default=None,
        help="with --real: model name or file, {r} for the ratio (default: the shipped models)",
    )
    ap.add_argument(
        "--no-lowpass",
        action="store_true",
        help="with --real: low-res input without the low-pass filter (x[::r])",
    )
    ap.add_argument(
        "--lowres",
        nargs="+",
        default=[],
        metavar="MAKER",
        help="with --real: make the low-res input each of these ways ("
        + ", ".join(NAMED_MAKERS)
        + "; 'all' for every one), the model through the command's pipeline",
    )
    ap.add_argument(
        "--perceptual",
        nargs="*",
        default=None,
        metavar="MEASURE",
        help="with --real: also objective perceptual scores (default PESQ-WB and STOI; ViSQOL is "
        "slow), where their packages are installed; a Table 1 proxy, never MUSHRA",
    )
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", default=None, help="also write the table here (.csv and .md)")
    ap.add_argument(
        "--figure",
        default=None,
        help="with --real: also plot the added lines per ratio here (.png, .svg, .pdf)",
    )
    args = ap.parse_args(argv)
    if args.real == bool(args.run_dir):
        ap.error("give a run folder, or --real (not both).")
    if args.figure and not args.real:
        ap.error("--figure goes with --real.")
    unknown = [m for m in args.lowres if m not in NAMED_MAKERS and args.lowres != ["all"]]
    if unknown or (args.lowres and not args.real):
        ap.error(
            f"--lowres {' '.join(unknown)}: choose from {', '.join(NAMED_MAKERS)} or all"
            if unknown
            else "--lowres goes with --real."
        )
    lines = {}
    perceptual = ()
    if args.perceptual is not None:
        from audiosr.evaluation.perceptual import FAST, missing

        perceptual = tuple(args.perceptual) or FAST
        for line in missing(perceptual):
            print(f"skipped {line}")
    if args.real:
        rows = real_speech_rows(
            tuple(args.ratios),
            tuple(args.data),
            args.model,
            args.device,
            lines=lines,
            lowpass=not args.no_lowpass,
            perceptual=perceptual,
            lowres=tuple(NAMED_MAKERS if args.lowres == ["all"] else args.lowres),
        )
    else:
        rows = summarize(evaluate_run(args.run_dir, args.split, args.device))
    table = markdown_table(rows)
    print(table)
    cmd = "python -m audiosr.evaluation.evaluate " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    if args.figure and lines:
        from audiosr.listening.plots import added_lines, save_figure

        fig = added_lines(
            lines, title=f"Lines added at multiples of 500 Hz on real speech\nmade by {cmd}"
        )
        out = resolve(args.figure)
        print("figure:", ", ".join(str(p) for p in save_figure(fig, out.parent, out.stem)))
    if args.out and rows:
        write_table(resolve(args.out), rows, notes=f"Made by `{cmd}`.")
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))  # Ctrl-C / SIGTERM: one line, not a traceback
