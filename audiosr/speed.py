"""Speed benchmark: training throughput, inference real-time factor, FLOPs, peak memory.

    python -m audiosr.speed                     # CPU (2 threads) and, if present, the GPU
    python -m audiosr.speed --out bench/h100    # also writes results.json / results.md there
    python -m audiosr.speed --profile           # adds a torch-profiler summary of one step
    python -m audiosr.speed --files             # `audiosr upsample` on 1 and 60 min files: RTF, peak memory
    python -m audiosr.speed --amp               # does bf16 autocast pay for the shipped training here?

Numbers, not asserts: training throughput is seconds of audio per wall second; the real-time
factor (RTF) is compute seconds per second of audio (the paper: 0.11 on a Titan X). FLOPs per
audio second come from torch's FLOP counter on one forward pass, so GPU throughput can be read
as a fraction of the card's peak.

`--files` runs each `audiosr upsample` in a fresh process (`python -m audiosr.speed --timed
...`, `timed_command`), whose clock starts once torch and the command's module are loaded, as
`audiosr upsample` itself starts. So that this process loads nothing more before its clock
starts, this module imports the rest of the package (and scipy with it) inside the functions that
use it.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from audiosr.core.paths import atomic_path, write_json


def bench_models(quick: bool = False) -> dict:
    """The models timed: the paper's full AudioUNet and the shipped width; `quick`, a tiny one."""
    from audiosr.networks.config import ModelConfig

    if quick:
        return {"tiny (width 1/32, B 2)": ModelConfig(width=1 / 32, blocks=2)}
    return {
        "full (paper, width 1)": ModelConfig(),
        "small (width 1/16)": ModelConfig(width=1 / 16),
    }


@torch.no_grad()
def time_inference(
    cfg, device, seconds, batch=1, repeats=3, amp=False, torch_compile=False
) -> float:
    """Real-time factor: compute seconds per second of audio, `batch` clips of `seconds` at once."""
    from audiosr.core.dsp import HR_RATE
    from audiosr.networks.config import build_model
    from audiosr.training.throughput import sync

    model = build_model(cfg).to(device).eval()
    fn = torch.compile(model) if torch_compile else model
    x = torch.randn(batch, 1, int(HR_RATE * seconds), device=device)
    with torch.autocast(device.type, torch.bfloat16, enabled=amp):
        for _ in range(2 if torch_compile else 1):
            fn(x)
        sync(device)
        t = time.perf_counter()
        for _ in range(repeats):
            fn(x)
        sync(device)
    return (time.perf_counter() - t) / repeats / (batch * seconds)


def profile_step(cfg, device, batch, length, rows: int = 15) -> str:
    """Top operators of one training step by self time (torch.profiler)."""
    from torch.profiler import ProfilerActivity, profile

    from audiosr.networks.config import build_model
    from audiosr.training.throughput import sync

    model = build_model(cfg).to(device)
    opt = torch.optim.Adam(model.parameters())
    x = torch.randn(batch, 1, length, device=device)
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    F.mse_loss(model(x), x).backward()  # warm-up
    with profile(activities=acts) as prof:
        opt.zero_grad()
        F.mse_loss(model(x), x).backward()
        opt.step()
        sync(device)
    key = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
    return prof.key_averages().table(sort_by=key, row_limit=rows)


def run_benchmarks(
    quick: bool = False,
    cpu_threads: int = 2,
    gpu: bool = True,
    profile: bool = False,
    cpu: bool = True,
    compile_options=(False, True),
) -> dict:
    """All measurements as rows; `quick` shrinks everything (for tests and smoke runs)."""
    from audiosr.networks.config import build_model, count_parameters, flops_per_audio_second
    from audiosr.training.throughput import time_training

    models = bench_models(quick)
    batch, length, steps, secs = (2, 2048, 1, 0.5) if quick else (16, 6000, 2, 10.0)
    rows, profiles = [], {}
    torch.set_num_threads(cpu_threads)
    cpu_dev = torch.device("cpu")
    if gpu and torch.cuda.is_available():
        torch.backends.cudnn.benchmark = True
    for name, cfg in models.items():
        base = {
            "model": name,
            "parameters": count_parameters(build_model(cfg)),
            "gflop_per_audio_s": flops_per_audio_second(cfg) / 1e9,
        }
        # bf16 doubles CPU throughput where the CPU has bf16 units
        for amp in (False, True) if cpu else ():
            rows.append(
                {
                    **base,
                    "device": f"cpu ({cpu_threads} threads)",
                    "dtype": "bf16" if amp else "fp32",
                    "compile": False,
                    "train_audio_s_per_s": time_training(cfg, cpu_dev, batch, length, steps, amp),
                    "rtf_batch1": time_inference(cfg, cpu_dev, secs, repeats=1, amp=amp),
                }
            )
        if profile and cpu:
            profiles[f"{name} cpu"] = profile_step(cfg, cpu_dev, batch, length)
        if gpu and torch.cuda.is_available():
            dev = torch.device("cuda")
            gbatch = 4 if quick else 128
            for amp in (False, True):
                for comp in compile_options:
                    torch.cuda.reset_peak_memory_stats()
                    row = {
                        **base,
                        "device": torch.cuda.get_device_name(),
                        "dtype": "bf16" if amp else "fp32",
                        "compile": comp,
                        "train_audio_s_per_s": time_training(
                            cfg, dev, gbatch, length, 5 if not quick else 1, amp, comp
                        ),
                        "rtf_batch1": time_inference(cfg, dev, secs, 1, 10, amp, comp),
                        "rtf_batch32_chunks": time_inference(
                            cfg, dev, 1.0 if not quick else 0.25, 32, 10, amp, comp
                        ),
                        "peak_gpu_gib": torch.cuda.max_memory_allocated() / 2**30,
                    }
                    row["train_tflop_s"] = (
                        3 * base["gflop_per_audio_s"] * row["train_audio_s_per_s"] / 1e3
                    )
                    rows.append(row)
            if profile:
                profiles[f"{name} cuda"] = profile_step(cfg, dev, gbatch, length)
    return {
        "rows": rows,
        "profiles": profiles,
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
        "settings": {"train_batch_cpu": batch, "patch_len": length, "inference_seconds": secs},
    }


def amp_rows(steps: int = 5) -> list[dict]:
    """Seconds per training step of the shipped speech network (1/16 width, resize-convolution,
    front end; batch 16 x 6,000 samples) in fp32 and in bf16 autocast on this CPU: whether the
    recipe's `amp: true` pays here (it does on CPUs with native bf16, not on AVX2-only ones)."""
    from audiosr.core.distrib import cpu_bf16
    from audiosr.core.dsp import HR_RATE
    from audiosr.networks.config import ModelConfig
    from audiosr.training.throughput import time_training

    torch.manual_seed(0)
    cfg = ModelConfig(ratio=4, width=0.0625, upsample="resize", front_end=True)
    batch, length = 16, 6000
    rows = []
    for amp in (False, True):
        audio_s = time_training(cfg, torch.device("cpu"), batch, length, steps, amp)
        rows.append(
            {
                "dtype": "bf16 autocast" if amp else "fp32",
                "s / step": round(batch * length / HR_RATE / audio_s, 2),
                "audio s / s": round(audio_s, 1),
                "native bf16": cpu_bf16(),
                "threads": torch.get_num_threads(),
            }
        )
    return rows


def make_input(path: Path, minutes: float, rate: int, seed: int = 0) -> Path:
    """A synthetic low-res speech-band file (harmonics + noise bursts), written 10 s at a time."""
    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(seed)
    n, block = int(minutes * 60 * rate), 10 * rate
    with sf.SoundFile(str(path), "w", rate, 1, subtype="PCM_16") as f:
        for start in range(0, n, block):
            t = np.arange(start, min(n, start + block)) / rate
            f0 = 120 + 40 * np.sin(2 * np.pi * 0.3 * t)
            x = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / rate) / k for k in range(1, 8))
            x *= 0.5 + 0.5 * np.sin(2 * np.pi * 2 * t) ** 2
            f.write((0.15 * x + 0.01 * rng.standard_normal(len(t))).astype(np.float32))
    return path


def timed_command(argv: list[str], threads: int = 2) -> dict:
    """Run the `audiosr` command `argv` in this process on `threads` CPU threads: its exit code,
    its wall seconds from the moment its module is loaded, and this process's peak memory.
    `measure_upsample` runs it in a fresh process (`python -m audiosr.speed --timed ...`)."""
    import resource

    torch.set_num_threads(threads)
    from audiosr.cli import main

    t0 = time.perf_counter()
    code = main(argv)
    return {
        "code": code,
        "seconds": time.perf_counter() - t0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_upsample(
    src: Path,
    dst: Path,
    ratio: int,
    checkpoint: Path | None,
    device: str = "cpu",
    threads: int = 2,
    batch: int = 1,
) -> dict:
    """`audiosr upsample` in a fresh process: wall seconds and that process's peak memory."""
    import subprocess
    import sys

    args = [
        "upsample",
        str(src),
        "-o",
        str(dst),
        "--ratio",
        str(ratio),
        "--device",
        device,
        "--force",
        "-q",
        "--batch",
        str(batch),
    ] + (["--checkpoint", str(checkpoint)] if checkpoint else [])
    done = subprocess.run(
        [sys.executable, "-m", "audiosr.speed", "--threads", str(threads), "--timed", *args],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def file_bench(
    minutes=(1, 60),
    ratio: int = 4,
    full_minutes: float = 1,
    threads: int = 2,
    folder: str | Path = "results/bench-files",
    cpu: bool = True,
    models: tuple[str, ...] = (),
) -> list[dict]:
    """RTF and peak memory of `audiosr upsample` on whole files (shipped small model and any
    `models` (files) at every length, the full-size model on the shortest), and the DSP
    baselines on the shortest file."""
    from dataclasses import asdict

    import soundfile as sf
    import soxr

    from audiosr.core.dsp import HR_RATE, lowres_rate, spline_upsample
    from audiosr.core.paths import resolve
    from audiosr.inference.shipped import save_model, shipped_path
    from audiosr.networks.config import ModelConfig, build_model

    folder = resolve(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lowres_sr = lowres_rate(ratio)
    full_ckpt = folder / f"full-random-r{ratio}.safetensors"  # speed does not depend on the weights
    if not full_ckpt.is_file():
        save_model(
            build_model(ModelConfig(ratio=ratio)).state_dict(),
            full_ckpt,
            {
                "model_config": asdict(ModelConfig(ratio=ratio)),
                "note": "random weights, for timing only",
            },
        )
    devices = ([("cpu", 1)] if cpu else []) + ([("cuda", 32)] if torch.cuda.is_available() else [])
    rows = []
    for m in minutes:
        src = make_input(folder / f"in-{m:g}min.wav", m, lowres_sr)
        runs = [("shipped small (width 1/16)", shipped_path(ratio))]
        runs += [(Path(m).stem, resolve(m)) for m in models]
        if m <= full_minutes:
            runs.append(("full (paper, width 1)", full_ckpt))
        for label, ckpt in runs:
            for dev, batch in devices:
                r = measure_upsample(src, folder / "out.wav", ratio, ckpt, dev, threads, batch)
                rows.append(
                    {
                        "method": label,
                        "device": dev if dev == "cpu" else torch.cuda.get_device_name(),
                        "batch": batch,
                        "minutes": m,
                        "rtf": r["seconds"] / (m * 60),
                        "peak_rss_mib": round(r["peak_rss_mib"]),
                    }
                )
        if m == min(minutes):
            x_lr, _ = sf.read(str(src), dtype="float32")
            for label, fn in (
                ("cubic spline (scipy)", lambda x: spline_upsample(x, ratio)),
                ("soxr HQ", lambda x: soxr.resample(x, lowres_sr, HR_RATE, "HQ")),
            ):
                t0 = time.perf_counter()
                fn(x_lr)
                rows.append(
                    {
                        "method": label,
                        "device": "cpu",
                        "batch": 1,
                        "minutes": m,
                        "rtf": (time.perf_counter() - t0) / (m * 60),
                        "peak_rss_mib": "",
                    }
                )
        (folder / "out.wav").unlink(missing_ok=True)
        src.unlink()
    return rows


def to_markdown(result: dict) -> str:
    from audiosr.core.tables import markdown_table

    cols = [
        "model",
        "device",
        "dtype",
        "compile",
        "parameters",
        "gflop_per_audio_s",
        "train_audio_s_per_s",
        "rtf_batch1",
        "rtf_batch32_chunks",
        "peak_gpu_gib",
        "train_tflop_s",
    ]
    cols = [c for c in cols if any(c in r for r in result["rows"])]
    return markdown_table(result["rows"], cols)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m audiosr.speed", description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="folder for results.json, results.md (and profile.txt)")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    ap.add_argument("--no-gpu", action="store_true")
    ap.add_argument(
        "--quick", action="store_true", help="tiny sizes: checks the script, not the speed"
    )
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--no-cpu", action="store_true", help="GPU rows only")
    ap.add_argument(
        "--no-compile", action="store_true", help="skip the torch.compile rows (slow to build)"
    )
    ap.add_argument(
        "--files", action="store_true", help="time `audiosr upsample` on 1 and 60 minute files"
    )
    ap.add_argument("--minutes", type=float, nargs="*", default=[1, 60])
    ap.add_argument(
        "--amp", action="store_true", help="fp32 against bf16 autocast for the shipped training"
    )
    ap.add_argument("--steps", type=int, default=5, help="with --amp: training steps timed")
    ap.add_argument("--model", nargs="*", default=[], help="with --files: also these model files")
    ap.add_argument(
        "--timed",
        nargs=argparse.REMAINDER,
        metavar="ARGS",
        help="run `audiosr ARGS` here and print its exit code, seconds and peak memory as JSON "
        "(what --files runs in a fresh process per file)",
    )
    args = ap.parse_args(argv)
    if args.timed is not None:
        print(json.dumps(timed_command(args.timed, args.threads)))
        return 0
    if args.amp:
        from audiosr.core.tables import markdown_table

        torch.set_num_threads(args.threads)
        print(markdown_table(amp_rows(args.steps)))
        return 0
    if args.files:
        from audiosr.core.tables import markdown_table

        rows = file_bench(
            args.minutes,
            threads=args.threads,
            folder=args.out or "results/bench-files",
            cpu=not args.no_cpu,
            models=tuple(args.model),
        )
        md = markdown_table(rows)
        print(md)
        if args.out:
            write_json(Path(args.out) / "files.json", rows)
        return 0
    result = run_benchmarks(
        args.quick,
        args.threads,
        not args.no_gpu,
        args.profile,
        cpu=not args.no_cpu,
        compile_options=(False,) if args.no_compile else (False, True),
    )
    md = to_markdown(result)
    print(md)
    for name, table in result["profiles"].items():
        print(f"\n## profile: {name}\n{table}")
    if args.out:
        out = Path(args.out)
        write_json(out / "results.json", {k: v for k, v in result.items() if k != "profiles"})
        with atomic_path(out / "results.md", ".md") as tmp:
            tmp.write_text(f"torch {result['torch']}\n\n{md}\n")
        if result["profiles"]:
            with atomic_path(out / "profile.txt", ".txt") as tmp:
                tmp.write_text("\n\n".join(f"## {k}\n{v}" for k, v in result["profiles"].items()))
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))  # Ctrl-C / SIGTERM: one line, not a traceback
