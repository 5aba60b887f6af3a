"""The field-recipe comparison's table (after scripts/compare-field.sh): each network's cost
(parameters, forward GFLOPs per audio second, seconds per training step on one CPU thread) and
the model each run chose by the field's rule (its last epoch where no epoch qualified), scored
through the whole inference pipeline as a user runs it, on whole validation files whose
low-res input is made by several makers in turn: SNR, LSD (log10, the field's) and ViSQOL,
against the cubic spline and band-limited (sinc) interpolation on the same inputs.

    .venv/bin/python scripts/compare-field.py [--files 60]
"""

import argparse
import json
from pathlib import Path

import torch

from audiosr.core.dsp import HR_RATE
from audiosr.data.patches import DataConfig
from audiosr.inference.shipped import load_any
from audiosr.networks.config import ModelConfig, build_model, count_parameters
from audiosr.networks.losses import objective
from audiosr.speed import flops_per_audio_second, time_training
from audiosr.training.runs import ensure_cache
from audiosr.training.validation import VAL_MAKERS, validate_files

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--runs", default="runs")
ap.add_argument("--files", type=int, default=60, help="whole validation files scored")
ap.add_argument("--steps", type=int, default=5, help="training steps timed per network")
args = ap.parse_args()
torch.set_num_threads(1)

NETS = {  # name: run folder suffix
    "magnitude + phase streams, sinc input, field losses": "--magphase-B6-w0.375-resize-sinc-degraded-field-loss",
    "FrameNet, sinc input, field losses": "--framenet-B8-w0.5-resize-sinc-degraded-field-loss",
    "FrameNet, spline input, MSE + STFT": "--framenet-B8-w0.5-resize-degraded-mse+stft-loss",
    "AudioUNet 1/16, spline input, MSE + STFT": "--paper-B4-w0.0625-resize-degraded-mse+stft-loss",
}


def run_folder(suffix: str) -> Path:
    found = [p for p in sorted(Path(args.runs).glob(f"*-r4-*{suffix}")) if p.name.endswith(suffix)]
    if not found:
        raise SystemExit(f"no run *{suffix} in {args.runs}: run scripts/compare-field.sh")
    return found[-1]


rows = []
for name, suffix in NETS.items():
    run = run_folder(suffix)
    config = json.loads((run / "config.json").read_text())
    history = json.loads((run / "history.json").read_text())
    cfg = ModelConfig(**config["model"])
    chosen = "best.pt" if (run / "best.pt").is_file() else "checkpoint.pt"
    model = load_any(run / chosen)
    cache = ensure_cache(DataConfig(**config["data_config"]), build=False)
    scores = validate_files(
        model, cache, torch.device("cpu"), args.files, False, VAL_MAKERS, ("ViSQOL",)
    )
    crit = objective(cfg, config["train"]["objective"], config["train"]["stft_weight"])
    audio_s = time_training(cfg, torch.device("cpu"), 16, 6000, args.steps, criterion=crit)
    epoch = torch.load(run / chosen, weights_only=True)["epoch"]
    rows.append(
        (
            name,
            cfg,
            chosen,
            epoch,
            len(history),
            sum(r["seconds"] for r in history),
            audio_s,
            scores,
        )
    )

print(f"r = 4, {args.files} whole validation files, inputs made by {', '.join(VAL_MAKERS)} in turn")
print(
    "| network | parameters | GFLOPs / audio s | s / step | training min | chosen | SNR | LSD (log10) | ViSQOL |"
)
print("|---|---|---|---|---|---|---|---|---|")
for name, cfg, chosen, epoch, n, seconds, audio_s, s in rows:
    print(
        f"| {name} | {count_parameters(build_model(cfg)):,} | {flops_per_audio_second(cfg) / 1e9:.2f} | "
        f"{16 * 6000 / HR_RATE / audio_s:.2f} | {seconds / 60:.1f} | epoch {epoch} of {n}"
        f"{'' if chosen == 'best.pt' else ' (last: none qualified)'} | "
        f"{s['val_file_snr']:.2f} | {s['val_file_lsd_log10']:.3f} | {s['val_file_visqol']:.3f} |"
    )
s = rows[0][-1]
print(
    f"| cubic spline | | | | | | {s['spline_file_snr']:.2f} | {s['spline_file_lsd_log10']:.3f} | {s['spline_file_visqol']:.3f} |\n"
    f"| sinc interpolation | | | | | | {s['sinc_file_snr']:.2f} | {s['sinc_file_lsd_log10']:.3f} | {s['sinc_file_visqol']:.3f} |"
)
