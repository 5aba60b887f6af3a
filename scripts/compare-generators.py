"""The generator comparison's table: each network's cost (parameters, forward GFLOPs per audio
second, seconds per training step on this CPU) and its whole-validation-file SNR and LSD at the
training seconds both runs reached (the last epoch of each within the shorter run's time).

    .venv/bin/python scripts/compare-generators.py --ratio 6     # after scripts/compare-generators.sh
"""

import argparse
import json
from pathlib import Path

import torch

from audiosr.core.dsp import HR_RATE
from audiosr.networks.config import ModelConfig, build_model, count_parameters
from audiosr.networks.losses import mse_stft
from audiosr.speed import flops_per_audio_second, time_training

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--ratio", type=int, default=6)
ap.add_argument("--runs", default="runs")
ap.add_argument("--steps", type=int, default=5, help="training steps timed per network")
args = ap.parse_args()

NETS = {  # name: (model settings, run folder suffix)
    "AudioUNet, 1/16 width": (
        ModelConfig(ratio=args.ratio, width=0.0625, upsample="resize"),
        "--paper-B4-w0.0625-resize-mse+stft-loss",
    ),
    "FrameNet, 8 blocks, width 0.5": (
        ModelConfig(ratio=args.ratio, arch="framenet", blocks=8, width=0.5),
        "--framenet-B8-w0.5-resize-mse+stft-loss",
    ),
}


def history(suffix: str) -> list[dict]:
    runs = sorted(Path(args.runs).glob(f"*-r{args.ratio}-*{suffix}"))
    runs = [r for r in runs if r.name.endswith(suffix) and (r / "history.json").is_file()]
    if not runs:
        raise SystemExit(
            f"no run *-r{args.ratio}-*{suffix} in {args.runs}: run scripts/compare-generators.sh"
        )
    rows = json.loads((runs[-1] / "history.json").read_text())
    total = 0.0
    for row in rows:
        total += row.get("seconds", 0.0)
        row["train_seconds"] = total
    return rows


torch.manual_seed(0)
hists = {name: history(suffix) for name, (_, suffix) in NETS.items()}
budget = min(h[-1]["train_seconds"] for h in hists.values())
print(f"r = {args.ratio}; scores at {budget / 60:.1f} training minutes (the shorter run's)")
print(
    "| network | parameters | GFLOPs / audio s | s / step | epochs of 200 steps | SNR (spline) | LSD (spline) |"
)
print("|---|---|---|---|---|---|---|")
for name, (cfg, _) in NETS.items():
    audio_s = time_training(
        cfg, torch.device("cpu"), 16, 6000, args.steps, criterion=mse_stft(0.001)
    )
    step_s = 16 * 6000 / HR_RATE / audio_s
    row = [r for r in hists[name] if r["train_seconds"] <= budget + 1e-6][-1]
    print(
        f"| {name} | {count_parameters(build_model(cfg)):,} | "
        f"{flops_per_audio_second(cfg) / 1e9:.2f} | {step_s:.2f} | {row['epoch']} | "
        f"{row['val_file_snr']:.2f} ({row['spline_file_snr']:.2f}) | "
        f"{row['val_file_lsd']:.2f} ({row['spline_file_lsd']:.2f}) |"
    )
