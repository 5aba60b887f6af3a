"""How the gain over the spline grows with training compute: AudioUNet at several widths trained
on the shipped models' data (params/shipped-speech.yaml + params/scaling.yaml), a snapshot at each
cumulative training budget, every snapshot scored on the same real test files, whole (the VCTK
sample and LibriSpeech test-other), then figures/scaling.{csv,md,png,svg,pdf}.

    .venv/bin/python scripts/scaling.py --widths 0.0625 --budgets 3 10 30   # trains what is missing
    .venv/bin/python scripts/scaling.py --arch tfilm --widths 0.0625 --budgets 3 10   # TFiLM beside it
    .venv/bin/python scripts/scaling.py --plot-only                          # table and figure only

Runs resume where they stopped (runs/scaling/<data>--<model>), snapshots and scores stay there,
so a later call with larger budgets only adds points. The x axis is training FLOPs (3x the
forward FLOPs of every trained sample); the table adds the CPU-hours they took here. The paper's
point (full width, about 2 days on a Titan X) is marked at FLOPs estimated from that GPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiosr.core.paths import write_json  # noqa: E402
from audiosr.core.tables import write_table  # noqa: E402
from audiosr.evaluation.paper import TABLE2  # noqa: E402
from audiosr.evaluation.real_speech import REAL_TEST_SETS, real_speech_rows  # noqa: E402
from audiosr.inference.shipped import ship  # noqa: E402
from audiosr.networks.checkpoint import CHECKPOINT, load_checkpoint  # noqa: E402
from audiosr.speed import flops_per_audio_second  # noqa: E402
from audiosr.training.params import configs_from, load_params  # noqa: E402
from audiosr.training.runs import default_run_dir, ensure_cache  # noqa: E402
from audiosr.training.train import train  # noqa: E402

PARAMS = [ROOT / "params/shipped-speech.yaml", ROOT / "params/scaling.yaml"]
SCORES = ROOT / "runs" / "scaling" / "scores.json"
# The paper's budget: "about 2 days for MultiSpeaker on a Titan X". In FLOPs, an estimate from
# the card's fp32 peak (11 TFLOPS): drawn at 30% of it, with a bar up to the peak itself.
PAPER_HOURS, TITAN_X_FLOPS, PAPER_UTILISATION = 48.0, 11e12, 0.3


RUNS = ROOT / "runs" / "scaling"


def trained_seconds(history: list[dict]) -> float:
    return sum(h.get("seconds", 0.0) for h in history if h["epoch"])


def snapshot(ratio: int, width: float, budget: float, overrides=(), arch="audiounet") -> Path:
    """Train (resuming) until `budget` minutes of training, then ship that point as a file."""
    chosen = {"ratio": ratio, "width": width, "arch": arch}
    spec = configs_from(load_params(PARAMS, list(overrides)) | chosen)
    cache = ensure_cache(spec.data)
    folder = default_run_dir(cache, spec.model, RUNS)  # named by its data and model
    out = folder / f"at-{budget:g}min.safetensors"
    if out.is_file():
        return out
    done = 0.0
    if (folder / CHECKPOINT).is_file():
        done = trained_seconds(load_checkpoint(folder / CHECKPOINT)["history"])
    if done < 60 * budget:
        left = budget - done / 60
        cfg = replace(spec.train, max_minutes=left)
        train(cache, spec.model, cfg, folder, resume=True)
    recipe = f"python scripts/scaling.py --ratio {ratio} --arch {arch} --widths {width:g}"
    recipe += f" --budgets {budget:g}"
    recipe += f" --set {' '.join(overrides)}" if overrides else ""
    return ship(folder, out, recipe=recipe, replace=True)


def point(path: Path) -> dict:
    """Network, width, budget, trained steps, training FLOPs and CPU-hours of a snapshot."""
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    m, t = meta["model_config"], meta["train_config"]
    state = load_checkpoint(path.parent / CHECKPOINT)
    history = [h for h in state["history"] if 0 < h["epoch"] <= meta["epoch"]]
    audio_s = sum(h["audio_s_per_s"] * h["seconds"] for h in history)  # audio seconds trained
    steps = round(audio_s * 16000 / (t["batch_size"] * meta["data"]["data_config"]["patch_len"]))
    from audiosr.networks.audiounet import ModelConfig

    fwd = flops_per_audio_second(ModelConfig(**m))
    return {
        "network": m["arch"],
        "width": m["width"],
        "budget (min)": float(path.stem.split("-")[1].removesuffix("min")),
        "steps": steps,
        "CPU-hours": round(trained_seconds(history) / 3600, 3),
        "training TFLOPs": float(f"{3 * fwd * audio_s / 1e12:.3g}"),
    }


def paper_flops(utilisation: float = PAPER_UTILISATION) -> float:
    return PAPER_HOURS * 3600 * TITAN_X_FLOPS * utilisation


def score(paths: list[Path], ratio: int, test_sets=REAL_TEST_SETS) -> dict:
    """Each snapshot's SNR gain and LSD ratio per test set (cached in runs/scaling-scores.json)."""
    cached = json.loads(SCORES.read_text()) if SCORES.is_file() else {}
    todo = [p for p in paths if set(test_sets) - set(cached.get(str(p), {}))]
    for p in todo:  # one at a time: snapshots of different runs share file names (refused together)
        rows = real_speech_rows((ratio,), test_sets, (str(p),))
        cached.setdefault(str(p), {}).update(
            {
                row["test set"]: {k: row[k] for k in ("SNR - spline (dB)", "LSD / spline")}
                for row in rows
                if row["method"] == f"model {p.stem}"
            }
        )
        write_json(SCORES, cached)
    return cached


def plot(rows: list[dict], ratio: int, out: Path) -> None:
    import matplotlib.pyplot as plt

    from audiosr.listening.plots import save_figure

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    paper = TABLE2[("MultiSpeaker", ratio)]
    marks = {"vctk-sample": "o", "librispeech-test-other": "s"}
    series = sorted({(r["network"], r["width"]) for r in rows})
    for colour, (net, width) in enumerate(series):  # a colour per model, a marker per test set
        for test_set, mark in marks.items():
            pts = sorted(
                (
                    r
                    for r in rows
                    if (r["network"], r["width"], r["test set"]) == (net, width, test_set)
                ),
                key=lambda r: r["training TFLOPs"],
            )
            if not pts:
                continue
            xs = [r["training TFLOPs"] for r in pts]
            for ax, key in zip(axes, ("SNR - spline (dB)", "LSD / spline")):
                ax.plot(
                    xs,
                    [r[key] for r in pts],
                    marker=mark,
                    color=f"C{colour}",
                    ls="-" if test_set == "vctk-sample" else ":",
                    label=f"{net} width {width:g}, {test_set}",
                )
    px = paper_flops() / 1e12
    axes[0].errorbar(
        [px],
        [paper["Ours"][0] - paper["Spline"][0]],
        xerr=[[0], [paper_flops(1.0) / 1e12 - px]],
        color="k",
        capsize=3,
    )
    axes[0].scatter(
        [px],
        [paper["Ours"][0] - paper["Spline"][0]],
        marker="*",
        s=160,
        color="k",
        label="the paper (VCTK, full width; 2 days on a Titan X, FLOPs estimated)",
        zorder=5,
    )
    axes[1].scatter(
        [px], [paper["Ours"][1] / paper["Spline"][1]], marker="*", s=160, color="k", zorder=5
    )
    for ax, label in zip(axes, ("SNR gain over the spline (dB)", "LSD / spline's")):
        ax.set_xscale("log")
        ax.set_xlabel("training compute (TFLOPs)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].axhline(0, color="grey", lw=0.8)
    axes[1].axhline(1, color="grey", lw=0.8)
    axes[0].legend(fontsize=7)
    fig.suptitle(
        f"Gain with training compute, r = {ratio}, real test speech (whole files); no extrapolation drawn"
    )
    save_figure(fig, out.parent, out.name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ratio", type=int, default=4)
    ap.add_argument("--arch", default="audiounet", help="audiounet or tfilm (same recipe)")
    ap.add_argument("--widths", type=float, nargs="+", default=[1 / 16, 1 / 8, 1 / 4])
    ap.add_argument("--budgets", type=float, nargs="+", default=[3, 10, 30, 100])
    ap.add_argument("--plot-only", action="store_true", help="no training: table and figure")
    ap.add_argument("--test-sets", nargs="+", default=list(REAL_TEST_SETS))
    ap.add_argument("--set", nargs="*", default=[], help="KEY=VALUE over the params (a quick try)")
    ap.add_argument("--out", default="figures/scaling")
    args = ap.parse_args()
    os.chdir(ROOT)  # params, caches and runs are relative to the repository
    if not args.plot_only:
        for width in args.widths:
            for budget in sorted(args.budgets):
                snapshot(args.ratio, width, budget, args.set, args.arch)
    # every snapshot of this ratio so far, from this call or earlier ones
    paths = sorted(RUNS.glob(f"*-r{args.ratio}-*/at-*min.safetensors"))
    scores = score(paths, args.ratio, tuple(args.test_sets))
    keys = ("SNR - spline (dB)", "LSD / spline")  # in this order (the scores file sorts keys)
    rows = [
        {**point(p), "test set": ts, **{k: s[k] for k in keys}}
        for p in paths
        for ts, s in scores[str(p)].items()
    ]
    rows.sort(
        key=lambda r: (
            r["network"],
            r["width"],
            r["test set"],
            r["training TFLOPs"],
            r["budget (min)"],
        )
    )
    seen = set()  # a budget the run had already passed is the same point as the one before
    rows = [
        r
        for r in rows
        if (k := (r["network"], r["width"], r["test set"], r["steps"])) not in seen
        and not seen.add(k)
    ]
    out = ROOT / args.out
    notes = (
        f"The paper's point: {paper_flops() / 1e12:.3g} training TFLOPs, estimated as about 2 days on "
        f"a Titan X at {PAPER_UTILISATION:.0%} of its fp32 peak (up to {paper_flops(1.0) / 1e12:.3g} at the peak).\n\n"
        "Made by `python scripts/scaling.py` (its arguments in each snapshot's recipe)."
    )
    write_table(out, rows, f"Gain with training compute, r = {args.ratio}", notes)
    plot(rows, args.ratio, out)
    print((out.with_suffix(".md")).read_text())


if __name__ == "__main__":
    main()
