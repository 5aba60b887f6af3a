"""Is quiet hiss amplified? White noise at a low level (default -60 dBFS RMS), made low-res by a
maker, through a model blind as a user runs it: the output's level per Hz above the low-res band
against the input's own level per Hz inside it (a fill should not be louder than the hiss it
comes from), and the whole output's level against the input's.

    .venv/bin/python scripts/hiss-check.py --model audiosr/models/growing/framenet-r4.safetensors
"""

import argparse

import numpy as np
from scipy import signal

import audiosr
from audiosr.data.makers import make_lowres, named

SR = 16000


def density_db(x: np.ndarray, sr: float, lo: float, hi: float) -> float:
    f, p = signal.welch(np.asarray(x, np.float64), sr, nperseg=2048)
    return float(10 * np.log10(p[(f >= lo) & (f < hi)].mean() + 1e-30))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="audiosr/models/growing/framenet-r4.safetensors")
    ap.add_argument("--levels", type=float, nargs="+", default=[-60.0, -40.0])
    ap.add_argument("--makers", nargs="+", default=["soxr", "decimate"])
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args(argv)
    net = audiosr.load_model(args.model)
    r = net.config.ratio
    nyq = SR / 2 / r
    print(f"model {args.model}, r = {r}, white noise, blind")
    print(
        "| level (dBFS) | low-res by | in-band hiss (dB/Hz) | output above the band (dB/Hz) "
        "| above - in-band (dB) | output level - input level (dB) |"
    )
    print("|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for level in args.levels:
        hr = rng.standard_normal(int(args.seconds * SR)) * 10 ** (level / 20)
        for m in args.makers:
            lr = make_lowres(hr.astype(np.float32), r, named(m))
            y = np.asarray(audiosr.upsample(lr, SR / r, r, model=net), np.float64)
            inside = density_db(lr, SR / r, 0.1 * nyq, 0.8 * nyq)
            above = density_db(y, SR, 1.1 * nyq, SR / 2 * 0.95)
            gain = 10 * np.log10(np.mean(y**2) / np.mean(np.asarray(lr, np.float64) ** 2))
            print(
                f"| {level:.0f} | {named(m).label} | {inside:.1f} | {above:.1f} | "
                f"{above - inside:+.1f} | {gain:+.2f} |"
            )


if __name__ == "__main__":
    main()
