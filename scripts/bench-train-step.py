"""Seconds per training step of the shipped speech network (1/16 width, resize-convolution, batch
16 x 6,000 samples, MSE), fp32 against bf16 autocast on this machine's CPU: whether `amp: true`
pays here (it does on CPUs with native bf16, not on AVX2-only ones).

    .venv/bin/python scripts/bench-train-step.py --steps 5      # under a minute on 2 cores
"""

import argparse
import time

import torch

from audiosr.core.distrib import cpu_bf16
from audiosr.networks.audiounet import AudioUNet, ModelConfig

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--steps", type=int, default=5)
args = ap.parse_args()

torch.manual_seed(0)
model = AudioUNet(ModelConfig(ratio=4, width=0.0625, upsample="resize", front_end=True))
opt = torch.optim.Adam(model.parameters(), 1e-4)
x = 0.1 * torch.randn(16, 1, 6000)
y = x + 0.01 * torch.randn_like(x)
print(f"native bf16: {cpu_bf16()}, torch threads: {torch.get_num_threads()}")
for amp in (False, True):
    for i in range(args.steps + 1):  # the first step warms up and is not timed
        if i == 1:
            start = time.perf_counter()
        with torch.autocast("cpu", torch.bfloat16, enabled=amp):
            out = model(x)
        loss = ((out.float() - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(
        f"{'bf16 autocast' if amp else 'fp32'}: {(time.perf_counter() - start) / args.steps:.2f} s/step"
    )
