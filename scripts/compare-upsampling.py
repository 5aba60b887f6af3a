"""SubPixel versus resize-convolution at equal steps: the same 1/16-width AudioUNet trained the
same way on the embedded real voices at r = 4, then scored on real speech no model trained on
(gain in SNR over the spline, LSD, and the strongest lines each adds at multiples of 500 Hz).

    .venv/bin/python scripts/compare-upsampling.py --steps 600      # about 6 minutes on 2 cores
"""

import argparse

import torch

from audiosr.core.metrics import LineMeter
from audiosr.data.clips import unavailable_reason
from audiosr.data.patches import DataConfig
from audiosr.evaluation.baselines import all_baselines
from audiosr.evaluation.evaluate import evaluate_split, model_method, summarize
from audiosr.networks.audiounet import AudioUNet, ModelConfig
from audiosr.training.runs import ensure_cache
from audiosr.training.train import load_patches, train_step

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--steps", type=int, default=600)
ap.add_argument("--ratio", type=int, default=4)
ap.add_argument("--test", nargs="+", default=["vctk-sample", "librispeech-test-other"])
args = ap.parse_args()

cache = ensure_cache(DataConfig(dataset="embedded-speech", ratio=args.ratio))
spline, hr = load_patches(cache, "train", torch.device("cpu"))
for upsample in ("subpixel", "resize"):
    torch.manual_seed(0)
    model = AudioUNet(ModelConfig(ratio=args.ratio, width=1 / 16, upsample=upsample))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(args.steps):
        idx = torch.randint(len(spline), (16,), generator=g)
        train_step(model, opt, spline[idx].unsqueeze(1), hr[idx].unsqueeze(1))
    model.eval()
    for ds in args.test:
        if reason := unavailable_reason(ds):
            print(f"skipped: {reason}")
            continue
        test = ensure_cache(DataConfig(dataset=ds, ratio=args.ratio))
        meters = {upsample: LineMeter()}
        methods = {
            "cubic spline": all_baselines(args.ratio)["cubic spline"],
            upsample: model_method(model),
        }
        rows = {
            r["method"]: r for r in summarize(evaluate_split(test, "test", methods, False, meters))
        }
        top = sorted(meters[upsample].lines().items(), key=lambda kv: -kv[1])[:3]
        print(
            f"{upsample:8s} {args.steps} steps, {ds}: SNR - spline {rows[upsample]['SNR (dB)'] - rows['cubic spline']['SNR (dB)']:+.2f} dB, "
            f"LSD {rows[upsample]['LSD']:.2f} (spline {rows['cubic spline']['LSD']:.2f}), "
            f"strongest lines {', '.join(f'{f / 1000:g} kHz {d:+.1f} dB' for f, d in top)}",
            flush=True,
        )
