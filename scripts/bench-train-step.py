"""Seconds per training step of the shipped speech network (1/16 width, resize-convolution, batch
16 x 6,000 samples), fp32 against bf16 autocast on this machine's CPU (`speed.time_training`):
whether `amp: true` pays here (it does on CPUs with native bf16, not on AVX2-only ones).

    .venv/bin/python scripts/bench-train-step.py --steps 5      # under a minute on 2 cores
"""

import argparse

import torch

from audiosr.core.distrib import cpu_bf16
from audiosr.core.dsp import HR_RATE
from audiosr.networks.config import ModelConfig
from audiosr.speed import time_training

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--steps", type=int, default=5)
args = ap.parse_args()

torch.manual_seed(0)
cfg = ModelConfig(ratio=4, width=0.0625, upsample="resize", front_end=True)
batch, length = 16, 6000
print(f"native bf16: {cpu_bf16()}, torch threads: {torch.get_num_threads()}")
for amp in (False, True):
    audio_s_per_s = time_training(cfg, torch.device("cpu"), batch, length, args.steps, amp)
    step_s = batch * length / HR_RATE / audio_s_per_s
    print(
        f"{'bf16 autocast' if amp else 'fp32'}: {step_s:.2f} s/step ({audio_s_per_s:.1f} audio s/s)"
    )
