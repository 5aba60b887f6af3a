"""Whole-file evaluation, as the paper reports it: every clip of a split, SNR and LSD per file,
then the mean per method. One function serves the notebooks and the command line.

    python -m audiosr.evaluate runs/<run> --split test     # writes runs/<run>/eval-test.csv
"""
from __future__ import annotations

import argparse
import csv
import io
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from .baselines import all_baselines
from .data import DataConfig, PatchCache, find_cache
from .metrics import lsd, snr
from .paths import atomic_path, resolve
from .train import CHECKPOINT, load_checkpoint, load_model, pick_device

Method = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (lr, spline) -> estimate, len(spline)


def model_method(model: torch.nn.Module, device: torch.device | str = "cpu") -> Method:
    device = torch.device(device)

    @torch.no_grad()
    def run(lr: np.ndarray, spline: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.array(spline, dtype=np.float32)).to(device)  # a writable copy
        return model(x.view(1, 1, -1)).view(-1).float().cpu().numpy()
    return run


def evaluate_split(cache: PatchCache, split: str, methods: dict[str, Method], progress: bool = True) -> list[dict]:
    """One row per (clip, method): SNR and LSD (paper eq. 2, 3) on the whole clip."""
    from tqdm.auto import tqdm

    rows = []
    arrays = zip(cache.clip_arrays(split, "hr"), cache.clip_arrays(split, "spline"), cache.clip_arrays(split, "lr"))
    n = len(cache.clips(split))
    for (clip, hr), (_, sp), (_, lr) in tqdm(arrays, total=n, desc=f"evaluate {split}", disable=not progress):
        for name, method in methods.items():
            t0 = time.perf_counter()
            est = method(lr, sp)
            compute = time.perf_counter() - t0
            rows.append({"clip": Path(clip["path"]).name, "group": clip.get("group", ""), "method": name,
                         "seconds": len(hr) / cache.config.sr, "compute_s": compute,
                         "snr": float(snr(est, hr)), "lsd": float(lsd(est, hr)),
                         "lsd_code": float(lsd(est, hr, "code")), "lsd_log10": float(lsd(est, hr, "log10"))})
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    """Mean SNR / LSD per method over files (the paper's aggregation)."""
    out = []
    for m in dict.fromkeys(r["method"] for r in rows):
        sel = [r for r in rows if r["method"] == m]
        out.append({"method": m, "files": len(sel), "SNR (dB)": float(np.mean([r["snr"] for r in sel])),
                    "LSD": float(np.mean([r["lsd"] for r in sel])),
                    "LSD (code)": float(np.mean([r["lsd_code"] for r in sel])),
                    "LSD (log10)": float(np.mean([r["lsd_log10"] for r in sel])),
                    "compute s per audio s": sum(r["compute_s"] for r in sel) / sum(r["seconds"] for r in sel)})
    return out


def write_rows(path: str | Path, rows: list[dict]) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    with atomic_path(path, ".csv") as tmp:
        tmp.write_text(buf.getvalue())
    return Path(path)


def evaluate_run(run_dir: str | Path, split: str = "test", device: str = "auto", progress: bool = True) -> list[dict]:
    """Spline vs the run's model on `split` of the data cache it was trained on; writes eval-<split>.csv."""
    run_dir = resolve(run_dir)
    state = load_checkpoint(run_dir / CHECKPOINT)
    cache = find_cache(DataConfig(**state["data"]["data_config"]))
    dev = pick_device(device)
    model = load_model(run_dir / CHECKPOINT, device=dev)
    methods = {**all_baselines(cache.config.ratio, cache.config.sr),
               f"AudioUNet (epoch {state['epoch']})": model_method(model, dev)}
    rows = evaluate_split(cache, split, methods, progress)
    write_rows(run_dir / f"eval-{split}.csv", rows)
    return rows


PAPER_NAMES = {"cubic spline": "Spline", "AudioUNet": "Ours", "DNN": "DNN"}


def table2_rows(summaries: dict[str, list[dict]], dataset: str, task: str, ratio: int) -> list[dict]:
    """The paper's Table 2 layout: our SNR / LSD per test set and method, the paper's beside."""
    from .paper import TABLE2, paper_task

    ptask = paper_task(dataset, task)
    paper = TABLE2.get((ptask, ratio), {})
    rows = []
    for data_label, summary in summaries.items():
        for r in summary:
            key = next((v for k, v in PAPER_NAMES.items() if r["method"].startswith(k)), None)
            theirs = paper.get(key) if key else None
            rows.append({"test data": data_label, "r": ratio, "method": r["method"], "files": r["files"],
                         "SNR (dB)": round(r["SNR (dB)"], 2), "LSD": round(r["LSD"], 2),
                         "compute s / audio s": float(f"{r['compute s per audio s']:.3g}"),
                         f"paper SNR ({ptask})": theirs[0] if theirs else "",
                         f"paper LSD ({ptask})": theirs[1] if theirs else ""})
    return rows


def table3_rows(grid: dict[bool, dict[str, dict]], dataset: str = "") -> list[dict]:
    """Table 3's layout: one row per method (spline, trained with / without the low-pass
    filter), SNR / LSD tested with and without it; `grid[test_lowpass][method]` is a summary
    row. The paper's piano numbers sit beside, labelled."""
    from .paper import TABLE3

    cell = lambda s: f"{s['SNR (dB)']:.2f} / {s['LSD']:.2f}"
    rows = []
    for method in grid[True]:
        trained_lp = {"trained with LPF": True, "trained without LPF": False}.get(method)
        row = {"method": method, "tested with LPF (SNR / LSD)": cell(grid[True][method]),
               "tested without LPF (SNR / LSD)": cell(grid[False][method])}
        if "piano" in str(dataset).lower():
            for test_lp, col in ((True, "paper, tested with"), (False, "paper, tested without")):
                row[col] = "%g / %g" % TABLE3[(trained_lp, test_lp)] if trained_lp is not None else ""
        rows.append(row)
    return rows


def main(argv=None) -> int:
    from .tables import markdown_table

    ap = argparse.ArgumentParser(prog="python -m audiosr.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("run_dir")
    ap.add_argument("--split", default="test", choices=("train", "val", "test"))
    ap.add_argument("--device", default="auto")
    args = ap.parse_args(argv)
    print(markdown_table(summarize(evaluate_run(args.run_dir, args.split, args.device))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
