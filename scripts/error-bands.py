"""Where a model's SNR goes: the error each method leaves in each frequency band, and what its
fill of the missing band is worth, on real speech no model trained on (whole files, low-res
made by a maker, the model blind through the pipeline as a user runs it).

A fill uncorrelated with the true band adds its own energy to the error: it can only cost SNR.
The table gives per band the error energy relative to the whole signal's (dB; lower is better),
for sinc interpolation (soxr VHQ), the model, and the model with its fill cut off above the
low-res Nyquist frequency; then the fill's level against the true band's and their correlation.

    .venv/bin/python scripts/error-bands.py --model audiosr/models/growing/framenet-r4.safetensors
"""

import argparse

import numpy as np
from scipy import signal

import audiosr
from audiosr.core.audio import load_audio
from audiosr.data.clips import load_clips, unavailable_reason
from audiosr.data.makers import make_lowres, named

SR = 16000


def band_energy(e: np.ndarray, edges: list[float]) -> np.ndarray:
    f, p = signal.welch(e, SR, nperseg=1024)
    return np.array([p[(f >= lo) & (f < hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])])


def main(argv=None) -> None:
    import soxr

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="audiosr/models/growing/framenet-r4.safetensors")
    ap.add_argument("--ratio", type=int, default=4)
    ap.add_argument("--data", nargs="+", default=["vctk-sample", "librispeech-test-other"])
    ap.add_argument("--maker", default="soxr")
    ap.add_argument("--files", type=int, default=40, help="at most this many per test set")
    args = ap.parse_args(argv)
    r, nyq = args.ratio, SR / 2 / args.ratio
    edges = [0, 0.75 * nyq, 0.9 * nyq, nyq, 1.25 * nyq, 2 * nyq, 4 * nyq, SR / 2]
    edges = sorted({e for e in edges if e <= SR / 2})
    net = audiosr.load_model(args.model, r)
    cut = signal.firwin(1025, nyq + 25, fs=SR)  # the model's output below the missing band
    print(f"model {args.model}, r = {r}, low-res made by {named(args.maker).label}, blind\n")
    for ds in args.data:
        if unavailable_reason(ds):
            print(f"skipped: {unavailable_reason(ds)}")
            continue
        clips = [c for c in load_clips(ds) if c.split == "test"]
        clips = [
            clips[i]
            for i in np.linspace(0, len(clips) - 1, min(args.files, len(clips))).astype(int)
        ]
        e = {k: 0.0 for k in ("signal", "sinc", "model", "model, no fill")}
        dot = fill = true = 0.0
        for c in clips:
            hr = load_audio(c.path, SR).astype(np.float64)
            hr = hr[: len(hr) // r * r]
            lr = make_lowres(hr.astype(np.float32), r, named(args.maker))
            sinc = soxr.resample(lr, SR / r, SR, quality="VHQ")[: len(hr)]
            y = np.asarray(audiosr.upsample(lr, SR / r, r, model=net), np.float64)[: len(hr)]
            low = signal.oaconvolve(y, cut, "same")
            for k, est in (
                ("signal", 0 * hr),
                ("sinc", sinc),
                ("model", y),
                ("model, no fill", low),
            ):
                e[k] = e[k] + band_energy(est - hr, edges)
            f_hb, t_hb = y - low, hr - signal.oaconvolve(hr, cut, "same")
            dot, fill, true = dot + f_hb @ t_hb, fill + f_hb @ f_hb, true + t_hb @ t_hb
        total = e["signal"].sum()
        print(f"### {ds} ({len(clips)} files)\n")
        print("| band (Hz) | " + " | ".join(e) + " |")
        print("|---" * (len(e) + 1) + "|")
        for i in range(len(edges) - 1):
            cells = " | ".join(f"{10 * np.log10(v[i] / total):.1f}" for v in e.values())
            print(f"| {edges[i]:.0f}-{edges[i + 1]:.0f} | {cells} |")
        snrs = " | ".join(
            f"**{10 * np.log10(total / v.sum()):.2f}**" for k, v in e.items() if k != "signal"
        )
        print(f"| SNR (dB) | | {snrs} |")
        rho = dot / np.sqrt(fill * true + 1e-30)
        print(
            f"\nfill above {nyq:.0f} Hz: {10 * np.log10(fill / true):.1f} dB against the true band, "
            f"correlation {rho:.3f}; the SNR-optimal scale of this fill is {dot / fill:.3f}.\n"
        )


if __name__ == "__main__":
    main()
