"""Widths 1/16, 1/8, 1/4 (fp32) and 1/16 in bf16 autocast at equal wall time on a 2-core CPU:
r = 4, the embedded real voices, lr 1e-3, batch 16; scored on the validation split's whole files.

    .venv/bin/python scripts/compare-widths.py --minutes 5      # about 25 minutes in all
"""

import argparse
import json
import tempfile
import time

import numpy as np

from audiosr.data.patches import DataConfig
from audiosr.evaluation.baselines import all_baselines
from audiosr.evaluation.evaluate import evaluate_split, model_method, summarize
from audiosr.networks.audiounet import ModelConfig
from audiosr.networks.checkpoint import CHECKPOINT, load_model
from audiosr.training.runs import ensure_cache
from audiosr.training.train import TrainConfig, train

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--minutes", type=float, default=5.0)
args = ap.parse_args()

cache = ensure_cache(DataConfig(dataset="embedded-speech", ratio=4))
with tempfile.TemporaryDirectory() as tmp:
    for name, width, amp in [
        ("w1/16 fp32", 1 / 16, False),
        ("w1/16 bf16", 1 / 16, True),
        ("w1/8 fp32", 1 / 8, False),
        ("w1/4 fp32", 1 / 4, False),
    ]:
        run, t = f"{tmp}/{name.replace('/', '_').replace(' ', '-')}", time.time()
        history = train(
            cache,
            ModelConfig(ratio=4, width=width),
            TrainConfig(
                epochs=10_000,
                steps_per_epoch=100,
                batch_size=16,
                lr=1e-3,
                device="cpu",
                amp=amp,
                max_minutes=args.minutes,
                val_batches=20,
            ),
            run,
            progress=False,
        )
        methods = {
            "spline": all_baselines(4)["cubic spline"],
            name: model_method(load_model(f"{run}/{CHECKPOINT}")),
        }
        rows = {
            r["method"]: r for r in summarize(evaluate_split(cache, "val", methods, progress=False))
        }
        print(
            json.dumps(
                {
                    "model": name,
                    "steps": 100 * len(history),
                    "audio_s_per_s": round(
                        float(np.mean([h["audio_s_per_s"] for h in history])), 1
                    ),
                    "val files SNR / LSD": [
                        round(rows[name]["SNR (dB)"], 2),
                        round(rows[name]["LSD"], 2),
                    ],
                    "spline": [
                        round(rows["spline"]["SNR (dB)"], 2),
                        round(rows["spline"]["LSD"], 2),
                    ],
                    "val_loss curve (every 100 steps)": [
                        float(f"{h['val_loss']:.3g}") for h in history
                    ],
                    "wall_s": round(time.time() - t),
                }
            ),
            flush=True,
        )
