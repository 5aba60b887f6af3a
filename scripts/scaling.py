"""How the gain over the spline grows with training compute: AudioUNet at several widths trained
on the shipped models' data (params/shipped-speech.yaml + params/scaling.yaml), a snapshot at each
cumulative training budget, every snapshot scored on the same real test files, whole (the VCTK
sample and LibriSpeech test-other), then figures/scaling.{csv,md,png,svg,pdf}.

    .venv/bin/python scripts/scaling.py --widths 0.0625 --budgets 3 10 30   # trains what is missing
    .venv/bin/python scripts/scaling.py --plot-only                          # table and figure only

Runs resume where they stopped (runs/scaling-r4-w<width>), snapshots and scores stay in runs/,
so a later call with larger budgets only adds points. The x axis is training FLOPs (3x the
forward FLOPs of every trained sample) and the CPU-hours they took here; the paper's point
(full width, 400 epochs on VCTK MultiSpeaker) is marked at its estimated FLOPs.
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
from audiosr.evaluation.bench import flops_per_audio_second  # noqa: E402
from audiosr.evaluation.paper import TABLE2  # noqa: E402
from audiosr.evaluation.real_speech import REAL_TEST_SETS, real_speech_rows  # noqa: E402
from audiosr.inference.shipped import ship  # noqa: E402
from audiosr.networks.checkpoint import CHECKPOINT, load_checkpoint  # noqa: E402
from audiosr.training.params import configs_from, load_params  # noqa: E402
from audiosr.training.runs import ensure_cache  # noqa: E402
from audiosr.training.train import train  # noqa: E402

PARAMS = [ROOT / "params/shipped-speech.yaml", ROOT / "params/scaling.yaml"]
SCORES = ROOT / "runs" / "scaling-scores.json"
# The paper's budget, estimated: 400 epochs over VCTK MultiSpeaker's 99 training speakers (taken
# as about 40 hours of speech; patches assumed at half-patch stride, so twice the audio per
# epoch) through the full model. An estimate, marked as one in the figure.
PAPER_AUDIO_HOURS, PAPER_OVERLAP, PAPER_EPOCHS = 40.0, 2.0, 400


def run_dir(ratio: int, width: float) -> Path:
    return ROOT / "runs" / f"scaling-r{ratio}-w{width:g}"


def trained_seconds(history: list[dict]) -> float:
    return sum(h.get("seconds", 0.0) for h in history if h["epoch"])


def snapshot(ratio: int, width: float, budget: float) -> Path:
    """Train (resuming) until `budget` minutes of training, then ship that point as a file."""
    out = run_dir(ratio, width) / f"at-{budget:g}min.safetensors"
    if out.is_file():
        return out
    spec = configs_from(load_params(PARAMS) | {"ratio": ratio, "width": width})
    cache = ensure_cache(spec.data)
    folder = run_dir(ratio, width)
    done = 0.0
    if (folder / CHECKPOINT).is_file():
        done = trained_seconds(load_checkpoint(folder / CHECKPOINT)["history"])
    if done < 60 * budget:
        left = budget - done / 60
        cfg = replace(spec.train, max_minutes=left)
        train(cache, spec.model, cfg, folder, resume=True)
    recipe = f"python scripts/scaling.py --ratio {ratio} --widths {width:g} --budgets {budget:g}"
    return ship(folder, out, recipe=recipe, replace=True)


def point(path: Path) -> dict:
    """Width, budget, trained steps, training FLOPs and CPU-hours of a snapshot."""
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    m, t = meta["model_config"], meta["train_config"]
    state = load_checkpoint(path.parent / CHECKPOINT)
    history = [h for h in state["history"] if 0 < h["epoch"] <= meta["epoch"]]
    steps = len(history) * t["steps_per_epoch"]
    audio_s = steps * t["batch_size"] * meta["data"]["data_config"]["patch_len"] / 16000
    from audiosr.networks.audiounet import ModelConfig

    fwd = flops_per_audio_second(ModelConfig(**m))
    return {
        "width": m["width"],
        "budget (min)": float(path.stem.split("-")[1].removesuffix("min")),
        "steps": steps,
        "CPU-hours": round(trained_seconds(history) / 3600, 3),
        "training FLOPs": float(f"{3 * fwd * audio_s:.3g}"),
    }


def paper_flops() -> float:
    from audiosr.networks.audiounet import ModelConfig

    audio_s = PAPER_AUDIO_HOURS * 3600 * PAPER_OVERLAP * PAPER_EPOCHS
    return 3 * flops_per_audio_second(ModelConfig(width=1.0)) * audio_s


def score(paths: list[Path], ratio: int, test_sets=REAL_TEST_SETS) -> dict:
    """Each snapshot's SNR gain and LSD ratio per test set (cached in runs/scaling-scores.json)."""
    cached = json.loads(SCORES.read_text()) if SCORES.is_file() else {}
    todo = [p for p in paths if set(test_sets) - set(cached.get(str(p), {}))]
    if todo:
        rows = real_speech_rows((ratio,), test_sets, tuple(str(p) for p in todo))
        for p in todo:
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
    for width in sorted({r["width"] for r in rows}):
        for test_set, mark in marks.items():
            pts = sorted(
                (r["training FLOPs"], r)
                for r in rows
                if r["width"] == width and r["test set"] == test_set
            )
            if not pts:
                continue
            xs = [x for x, _ in pts]
            for ax, key in zip(axes, ("SNR - spline (dB)", "LSD / spline")):
                ax.plot(
                    xs, [r[key] for _, r in pts], marker=mark, label=f"width {width:g}, {test_set}"
                )
    px = paper_flops()
    axes[0].scatter(
        [px],
        [paper["Ours"][0] - paper["Spline"][0]],
        marker="*",
        s=160,
        color="k",
        label="the paper (VCTK, full width; FLOPs estimated)",
        zorder=5,
    )
    axes[1].scatter(
        [px], [paper["Ours"][1] / paper["Spline"][1]], marker="*", s=160, color="k", zorder=5
    )
    for ax, label in zip(axes, ("SNR gain over the spline (dB)", "LSD / spline's")):
        ax.set_xscale("log")
        ax.set_xlabel("training FLOPs")
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
    ap.add_argument("--widths", type=float, nargs="+", default=[1 / 16, 1 / 8, 1 / 4])
    ap.add_argument("--budgets", type=float, nargs="+", default=[3, 10, 30, 100])
    ap.add_argument("--plot-only", action="store_true", help="no training: table and figure")
    ap.add_argument("--test-sets", nargs="+", default=list(REAL_TEST_SETS))
    ap.add_argument("--out", default="figures/scaling")
    args = ap.parse_args()
    os.chdir(ROOT)  # params, caches and runs are relative to the repository
    if not args.plot_only:
        for width in args.widths:
            for budget in sorted(args.budgets):
                snapshot(args.ratio, width, budget)
    # every snapshot of this ratio so far, from this call or earlier ones
    paths = sorted((ROOT / "runs").glob(f"scaling-r{args.ratio}-w*/at-*min.safetensors"))
    scores = score(paths, args.ratio, tuple(args.test_sets))
    rows = [{**point(p), "test set": ts, **s} for p in paths for ts, s in scores[str(p)].items()]
    rows.sort(key=lambda r: (r["width"], r["test set"], r["training FLOPs"]))
    out = ROOT / args.out
    notes = (
        f"The paper's point: {paper_flops():.3g} training FLOPs (estimated: 400 epochs over about "
        f"{PAPER_AUDIO_HOURS:g} h of VCTK, patches overlapping {PAPER_OVERLAP:g}x, full width).\n\n"
        "Made by `python scripts/scaling.py` (its arguments in each snapshot's recipe)."
    )
    write_table(out, rows, f"Gain with training compute, r = {args.ratio}", notes)
    plot(rows, args.ratio, out)
    print((out.with_suffix(".md")).read_text())


if __name__ == "__main__":
    main()
