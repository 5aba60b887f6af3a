"""Checks of the shipped models and the command that the tables cannot show, each a table (no
threshold asserted; docs say what the numbers mean):

    python -m audiosr.evaluation.checks silence-gate [--ratios 2 4 6] [--data vctk-sample]
    python -m audiosr.evaluation.checks hiss [--ratios 2 4 6] [--makers soxr decimate]
    python -m audiosr.evaluation.checks resampling [--ratios 2 4 6] [--data vctk-sample ...]
    python -m audiosr.evaluation.checks line-origin [--data vctk-sample]

- silence-gate: the output level for silent and near-silent input, and SNR / LSD on real
  speech, with and without the gate (`inference.windows.silence_gate`).
- hiss: white noise at -60 and -40 dBFS at the low rate, upsampled by the model and by the
  cubic spline: a model should not turn hiss into louder hiss. With `--makers`, also white noise
  at 16 kHz made low-res by each maker, through the model blind: its level per Hz above the
  low-res band against the input's inside it (a fill should not be louder than the hiss it
  comes from), and the whole output's level against the input's.
- resampling: each 16 kHz test file given as it is to `audiosr upsample --ratio R` (the command
  brings it to 16/R kHz itself), scored against the file; beside it soxr HQ down and the cubic
  spline back up, the best a user could do without a model.
- line-origin: where the r = 4 models' line at 4 kHz (the low rate) comes from: the strongest
  line with the input's lowest band bypassed around the network, and with the network's
  outputs averaged over input shifts (`decimate` input, the network alone). A shift by a
  multiple of r keeps the low-res grid and moves the network's own; a shift by r / 2 moves the
  low-res grid by half a sample. A line that a shift of 16 leaves alone and a shift of 2
  halves is locked to the low-res samples, not to the network's strides.

`--model` names the model (a shipped name or a file, {r} for the ratio; default the shipped one).
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

from audiosr.core.dsp import HR_RATE, lowres, lowres_rate, spline_upsample
from audiosr.core.metrics import LineMeter, lsd, snr
from audiosr.core.paths import ROOT


def dbfs(x: np.ndarray) -> float:
    """Level as RMS in dB relative to full scale."""
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


def _model(model: str | None, r: int):
    from audiosr.inference.shipped import load_any

    return load_any(model.replace("{r}", str(r)) if model else None, r)


def _files(data: str) -> list[Path]:
    """Every clip of a dataset name or folder, whatever its split."""
    from audiosr.data.clips import load_clips

    return [Path(c.path) for c in load_clips(data)]


def silence_gate_rows(
    ratios=(2, 4, 6), data: str = "vctk-sample", model: str | None = None
) -> tuple[list[dict], list[dict]]:
    """(The output level for two seconds of digital silence and of -90 dBFS noise, raw and
    gated; each ratio's mean SNR / LSD on every file of `data`, raw and gated, and the largest
    difference the gate makes to one file.)"""
    from audiosr.core.audio import load_audio
    from audiosr.inference.windows import Upsampler

    files = _files(data)
    quiet, speech = [], []
    for r in ratios:
        net = _model(model, r)
        n = int(2 * lowres_rate(r))
        for name, x in [
            ("digital silence", np.zeros(n, np.float32)),
            ("-90 dBFS noise", np.random.default_rng(0).standard_normal(n) * 10 ** (-90 / 20)),
        ]:
            raw, gated = (Upsampler(net, r, gate=g).process(x) for g in (False, True))
            quiet.append({"r": r, "input": name, "raw (dBFS)": f"{dbfs(raw):.1f}",
                          "gated (dBFS)": f"{dbfs(gated):.1f}"})  # fmt: skip
        scores = {False: [], True: []}
        for f in files:
            x = load_audio(f)
            x = x[: len(x) // r * r]
            for gate in scores:
                y = Upsampler(net, r, gate=gate, made_by="decimate").process(lowres(x, r))
                scores[gate].append((float(snr(y[: len(x)], x)), float(lsd(y[: len(x)], x))))
        (s0, l0), (s1, l1) = (np.mean(scores[g], axis=0) for g in (False, True))
        diff = np.abs(np.array(scores[True]) - np.array(scores[False])).max(axis=0)
        speech.append(
            {
                "r": r, "data": data, "files": len(files),
                "raw SNR / LSD": f"{s0:.3f} / {l0:.3f}", "gated SNR / LSD": f"{s1:.3f} / {l1:.3f}",
                "largest change, one file (SNR dB / LSD)": f"{diff[0]:.2g} / {diff[1]:.2g}",
            }
        )  # fmt: skip
    return quiet, speech


def hiss_rows(ratios=(2, 4, 6), model: str | None = None) -> list[dict]:
    """Ten seconds of white noise at -60 and -40 dBFS at the low rate, through the command's
    pipeline (`audiosr.upsample`) and the cubic spline: each output's level and the model's
    excess over the spline's."""
    from audiosr.core.audio import AudioWarning
    from audiosr.inference.arrays import upsample

    rows = []
    for r in ratios:
        for level in (-60.0, -40.0):
            sr = lowres_rate(r)
            x = np.random.default_rng(0).standard_normal(int(10 * sr) // 32 * 32)
            x = (x * 10 ** (level / 20) / np.sqrt(np.mean(x**2))).astype(np.float32)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AudioWarning)
                y = upsample(x, sr, r, model=model.replace("{r}", str(r)) if model else None)
            s = spline_upsample(x, r)
            rows.append(
                {
                    "r": r,
                    "white noise in (dBFS)": level,
                    "spline out (dBFS)": round(dbfs(s), 1),
                    "model out (dBFS)": round(dbfs(y), 1),
                    "model - spline (dB)": round(dbfs(y) - dbfs(s), 1),
                }
            )
    return rows


def density_db(x: np.ndarray, sr: float, lo: float, hi: float) -> float:
    """Mean power spectral density (dB per Hz, Welch) of `x` between `lo` and `hi` Hz."""
    from scipy import signal

    f, p = signal.welch(np.asarray(x, np.float64), sr, nperseg=2048)
    return float(10 * np.log10(p[(f >= lo) & (f < hi)].mean() + 1e-30))


def hiss_maker_rows(
    ratios=(4,), model: str | None = None, makers=("soxr", "decimate"), seconds: float = 10.0
) -> list[dict]:
    """White noise at -60 and -40 dBFS at 16 kHz, made low-res by each of `makers`, through the
    model blind (`audiosr.upsample`): the input's level per Hz inside the low-res band (10-80 %
    of it), the output's above it (110 % of it to 95 % of 8 kHz), and the whole output's level
    against the input's."""
    from audiosr.data.makers import make_lowres, named
    from audiosr.inference.arrays import upsample

    rows = []
    for r in ratios:
        net, nyq = _model(model, r), HR_RATE / 2 / r
        rng = np.random.default_rng(0)
        for level in (-60.0, -40.0):
            hr = rng.standard_normal(int(seconds * HR_RATE)) * 10 ** (level / 20)
            for m in makers:
                lr = make_lowres(hr.astype(np.float32), r, named(m))
                y = np.asarray(upsample(lr, HR_RATE / r, r, model=net), np.float64)
                inside = density_db(lr, HR_RATE / r, 0.1 * nyq, 0.8 * nyq)
                above = density_db(y, HR_RATE, 1.1 * nyq, HR_RATE / 2 * 0.95)
                gain = 10 * np.log10(np.mean(y**2) / np.mean(np.asarray(lr, np.float64) ** 2))
                rows.append(
                    {
                        "r": r,
                        "white noise at 16 kHz (dBFS)": level,
                        "low-res by": named(m).label,
                        "in-band hiss (dB/Hz)": f"{inside:.1f}",
                        "model above the band (dB/Hz)": f"{above:.1f}",
                        "above - in-band (dB)": f"{above - inside:+.1f}",
                        "model out - low-res in (dB)": f"{gain:+.2f}",
                    }
                )
    return rows


def resampling_rows(
    ratios=(2, 4, 6), datasets=("vctk-sample",), model: str | None = None
) -> list[dict]:
    """Each test file of each dataset at 16 kHz through `audiosr upsample --ratio R` (run as a
    user runs it), and through soxr HQ down and the spline up: mean SNR and LSD against it."""
    import soundfile as sf
    import soxr

    from audiosr.data.clips import load_clips, unavailable_reason

    rows = []
    for ds in datasets:
        if reason := unavailable_reason(ds):
            print(f"skipped: {reason}")
            continue
        clips = [c for c in load_clips(ds) if c.split == "test"]
        for r in ratios:
            with tempfile.TemporaryDirectory() as tmp:
                src, out = Path(tmp) / "in", Path(tmp) / "out"
                src.mkdir()
                refs = {}
                for c in clips:
                    x, sr = sf.read(str(c.path), dtype="float32")
                    x = x.mean(1) if x.ndim > 1 else x
                    if sr != HR_RATE:
                        x = soxr.resample(x, sr, HR_RATE, "VHQ").astype(np.float32)
                    name = f"{c.group}-{c.path.stem}.wav".replace("/", "-")
                    sf.write(str(src / name), x, HR_RATE, subtype="FLOAT")
                    refs[name] = x
                cmd = [sys.executable, "-m", "audiosr.cli", "upsample", str(src), "-o", str(out)]
                cmd += ["--ratio", str(r), "--device", "cpu", "--quiet"]
                cmd += ["--checkpoint", model.replace("{r}", str(r))] if model else []
                subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
                got = {"command": [], "soxr + spline": []}
                for name, ref in refs.items():
                    y, _ = sf.read(str(out / name), dtype="float32")
                    x_lr = soxr.resample(ref, HR_RATE, lowres_rate(r), "HQ").astype(np.float32)
                    base = spline_upsample(x_lr, r)
                    m = min(len(y), len(ref), len(base))
                    got["command"].append((snr(y[:m], ref[:m]), lsd(y[:m], ref[:m])))
                    got["soxr + spline"].append((snr(base[:m], ref[:m]), lsd(base[:m], ref[:m])))
                for method, vals in got.items():
                    v = np.mean(np.array(vals, dtype=np.float64), axis=0)
                    rows.append(
                        {
                            "r": r,
                            "test set": ds,
                            "16 kHz file through": method,
                            "files": len(vals),
                            "SNR (dB)": round(float(v[0]), 2),
                            "LSD": round(float(v[1]), 2),
                        }
                    )
    return rows


def _net_on(net, spline: np.ndarray, shift: int, multiple: int) -> np.ndarray:
    """The network alone on the spline delayed by `shift` samples, the delay taken back (the
    spline's length a multiple of `multiple`, the network's alignment; so is the padded one)."""
    import torch

    padded = np.pad(spline, (shift, multiple - shift % multiple)).astype(np.float32)
    with torch.no_grad():
        out = net(torch.from_numpy(padded).view(1, 1, -1)).view(-1).numpy()
    return out[shift : shift + len(spline)]


def line_variants(net, x_lr: np.ndarray, n: int, ratio: int = 4) -> dict[str, np.ndarray]:
    """The network's output on `x_lr`'s spline as it is, with the input below 40 Hz bypassed
    around it, and averaged with its outputs for the input delayed by 16 and by ratio / 2."""
    from scipy.signal import butter, sosfiltfilt

    from audiosr.inference.windows import alignment

    multiple = alignment(net)
    spline = spline_upsample(x_lr, ratio)[:n]
    low = x_lr - sosfiltfilt(butter(2, 40, "hp", fs=HR_RATE / ratio, output="sos"), x_lr)
    bypassed = _net_on(net, spline_upsample(x_lr - low, ratio)[:n], 0, multiple)
    half = ratio // 2
    return {
        "as is": _net_on(net, spline, 0, multiple),
        "below 40 Hz bypassed": bypassed + spline_upsample(low, ratio)[:n],
        "shift 16 averaged": np.mean([_net_on(net, spline, k, multiple) for k in (0, 16)], 0),
        f"shift {half} averaged": np.mean(
            [_net_on(net, spline, k, multiple) for k in (0, half)], 0
        ),
    }


def line_origin_rows(
    models=("audiounet-small-r4", "audiounet-perceptual-r4"), data="vctk-sample", ratio=4
) -> list[dict]:
    """Per model and variant (`line_variants`) over every file of `data`: the line at the low
    rate (dB, `LineMeter`), mean SNR and LSD."""
    from audiosr.core.audio import load_audio
    from audiosr.inference.shipped import load_any
    from audiosr.inference.windows import alignment

    files = _files(data)
    rows = []
    for name in models:
        net = load_any(name, ratio)
        m = math.lcm(alignment(net), ratio)
        meters, scores = {}, {}
        for f in files:
            x = np.asarray(load_audio(f), np.float64)
            x = x[: len(x) // m * m]
            for label, est in line_variants(net, lowres(x, ratio), len(x), ratio).items():
                meters.setdefault(label, LineMeter(HR_RATE)).add(est, x)
                scores.setdefault(label, []).append((float(snr(est, x)), float(lsd(est, x))))
        for label, meter in meters.items():
            s, d = np.mean(scores[label], 0)
            line = meter.lines()[float(HR_RATE // ratio)]
            rows.append({"model": Path(name).stem, "variant": label, f"line at {HR_RATE // ratio} Hz (dB)":
                         f"{line:.1f}", "SNR (dB)": f"{s:.2f}", "LSD": f"{d:.2f}"})  # fmt: skip
    return rows


def main(argv=None) -> int:
    import argparse

    from audiosr.core.tables import markdown_table

    ap = argparse.ArgumentParser(
        prog="python -m audiosr.evaluation.checks", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("check", choices=("silence-gate", "hiss", "resampling", "line-origin"))
    ap.add_argument("--ratios", type=int, nargs="+", default=[2, 4, 6])
    ap.add_argument("--data", nargs="+", default=["vctk-sample"], help="dataset names or folders")
    ap.add_argument("--model", nargs="+", default=None, help="a model name or file, {r}: ratio")
    ap.add_argument(
        "--makers",
        nargs="+",
        default=[],
        help="with hiss: also noise at 16 kHz made low-res by each of these makers",
    )
    args = ap.parse_args(argv)
    model = args.model[0] if args.model else None
    if args.check == "silence-gate":
        for table in silence_gate_rows(args.ratios, args.data[0], model):
            print(markdown_table(table) + "\n")
    elif args.check == "hiss":
        print(markdown_table(hiss_rows(args.ratios, model)))
        if args.makers:
            print("\n" + markdown_table(hiss_maker_rows(args.ratios, model, args.makers)))
    elif args.check == "resampling":
        print(markdown_table(resampling_rows(args.ratios, args.data, model)))
    else:
        models = args.model or ("audiounet-small-r4", "audiounet-perceptual-r4")
        print(markdown_table(line_origin_rows(models, args.data[0])))
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))
