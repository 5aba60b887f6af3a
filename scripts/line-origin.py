"""Where the r = 4 models' line at 4 kHz (the low rate's sampling frequency) comes from: the
strongest added line (`LineMeter`, dB) with the low-res input's lowest band bypassed around the
network, and with the network's outputs averaged over input shifts, on the VCTK sample (whole
files, input made by `decimate`, the network alone as the paper scores it).

A shift by a multiple of 4 samples keeps the low-res grid and moves the network's own
period-32 grid; a shift by 2 moves the low-res grid by half a sample. A line that a shift of 16
leaves alone and a shift of 2 halves is locked to the low-res samples, not to the network's
strides.

    .venv/bin/python scripts/line-origin.py      # a few minutes on one core
"""

import numpy as np
import soundfile as sf
import torch
from scipy.signal import butter, sosfiltfilt

from audiosr.core.dsp import lowres, spline_upsample
from audiosr.core.metrics import LineMeter, lsd, snr
from audiosr.core.paths import VCTK_SAMPLE
from audiosr.inference.shipped import load_any

R = 4
files = sorted(VCTK_SAMPLE.rglob("*.wav"))
if not files:
    raise SystemExit("no VCTK sample here (../shared/vctk-sample): nothing to measure")


def net_on(net, spline: np.ndarray, shift: int) -> np.ndarray:
    padded = np.pad(spline, (shift, 32 - shift)).astype(np.float32)
    with torch.no_grad():
        out = net(torch.from_numpy(padded).view(1, 1, -1)).view(-1).numpy()
    return out[shift : shift + len(spline)]


def variants(net, x_lr: np.ndarray, n: int) -> dict:
    spline = spline_upsample(x_lr, R)[:n]
    low = x_lr - sosfiltfilt(butter(2, 40, "hp", fs=16000 / R, output="sos"), x_lr)
    bypassed = net_on(net, spline_upsample(x_lr - low, R)[:n], 0)
    return {
        "as is": net_on(net, spline, 0),
        "below 40 Hz bypassed": bypassed + spline_upsample(low, R)[:n],
        "shift 16 averaged": np.mean([net_on(net, spline, k) for k in (0, 16)], 0),
        "shift 2 averaged": np.mean([net_on(net, spline, k) for k in (0, 2)], 0),
    }


for name in ("audiounet-small-r4", "audiounet-perceptual-r4"):
    net = load_any(name, R)
    meters, scores = {}, {}
    for f in files:
        x, sr = sf.read(f)
        x = x[: len(x) // 32 * 32]
        for label, est in variants(net, lowres(x, R), len(x)).items():
            meters.setdefault(label, LineMeter(sr)).add(est, x)
            scores.setdefault(label, []).append((float(snr(est, x)), float(lsd(est, x))))
    for label, meter in meters.items():
        lines = meter.lines()
        s, d = np.mean(scores[label], 0)
        print(f"{name}, {label}: line at 4 kHz {lines[4000.0]:.1f} dB, SNR {s:.2f}, LSD {d:.2f}")
