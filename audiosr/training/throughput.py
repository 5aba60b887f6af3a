"""How fast a network trains: audio seconds per wall second of real training steps (the loop's
own `train_step`) on random batches, for the speed benchmark and for comparing runs' costs."""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F


def sync(device: torch.device) -> None:
    """Wait for the GPU's queued work, so a clock read after it counts it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_training(
    cfg, device, batch, length, steps, amp=False, torch_compile=False, criterion=F.mse_loss
) -> float:
    """Audio seconds trained per wall second (after warm-up), on `criterion` (the MSE default)."""
    from audiosr.core.dsp import HR_RATE
    from audiosr.networks.config import build_model
    from audiosr.training.train import train_step

    model = build_model(cfg).to(device)
    fn = torch.compile(model) if torch_compile else model
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.randn(batch, 1, length, device=device)
    y = torch.randn(batch, 1, length, device=device)

    step = lambda: train_step(fn, opt, x, y, amp, criterion)
    for _ in range(2 if torch_compile else 1):
        step()
    sync(device)
    t = time.perf_counter()
    for _ in range(steps):
        step()
    sync(device)
    return steps * batch * length / HR_RATE / (time.perf_counter() - t)
