"""Where training runs: the device, and one process per GPU under torchrun.

`torchrun --nproc_per_node N -m audiosr.training.train ...` sets WORLD_SIZE / RANK / LOCAL_RANK; each
process trains on its shard of every global batch and DistributedDataParallel averages the
gradients (NCCL on GPUs, gloo on the CPU). Without torchrun everything here is a no-op.
"""

from __future__ import annotations

import os

import torch


class DeviceError(ValueError):
    """A device that does not exist here; the message says which ones do."""


def available_devices() -> list[str]:
    """Device names this machine can run on, best first."""
    gpus = range(torch.cuda.device_count()) if torch.cuda.is_available() else ()
    cuda = ["cuda"] + [f"cuda:{i}" for i in gpus] if gpus else []
    mps = getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    return cuda + ["mps"] * bool(mps) + ["cpu"]


def cpu_bf16(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> bool | None:
    """Whether this CPU does bf16 arithmetic natively (AVX512-BF16 or AMX-BF16); None where it
    cannot be told. Without it, bf16 autocast is emulated: about 5x slower than fp32 for the small
    AudioUNet's training step on a 2-core AVX2 machine."""
    try:
        with open(cpuinfo) as f:
            flags = next(
                (line.split(":", 1)[1].split() for line in f if line.startswith("flags")), None
            )
    except OSError:
        return None
    return None if flags is None else bool({"avx512_bf16", "amx_bf16"} & set(flags))


def pick_device(name: str = "auto") -> torch.device:
    """The device to use: CUDA, then Apple's MPS, then the CPU. A named device that this machine
    does not have (`cuda` without a CUDA build or GPU, `cuda:7`, `gpu`, `meta`, which holds no
    values) is a DeviceError; `cpu:0` is the CPU, as torch reads it."""
    have = available_devices()
    if name == "auto":
        return torch.device(have[0])
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):  # not a device name torch knows
        device = None
    # a GPU by its number; the CPU and MPS are one device each, numbered 0 where numbered
    here = device is not None and (
        str(device) in have or (device.type in have and device.index in (None, 0))
    )
    if not here:
        raise DeviceError(
            f"device {name!r} is not available here; this machine has: auto, {', '.join(have)}."
        )
    return device


def world() -> tuple[int, int]:
    """(processes, this process's rank): (1, 0) without torchrun."""
    return int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("RANK", 0))


def setup(device: torch.device) -> torch.device:
    """Join the process group when launched by torchrun; returns this process's device."""
    size, _ = world()
    if size == 1:
        return device
    import torch.distributed as dist

    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def wrap(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """The model as the training step should call it: DDP-wrapped under torchrun."""
    if world()[0] == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None
    )


def barrier() -> None:
    if world()[0] > 1:
        torch.distributed.barrier()


def teardown() -> None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
