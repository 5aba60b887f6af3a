"""How much of the missing band a fill tied to the input could get in phase: for each carrier
(the phase of a nonlinearity of the band-limited input), the correlation with the true band above
the low-res Nyquist frequency of a fill with the true magnitude on that carrier's phase, rotated in
every bin by a complex weight fixed in time. The weights are fitted by least squares on training
speech and scored on held-out speakers, so the numbers say what a learned mix can reach.

A fill of level L (against the true band) on a carrier of correlation rho changes the band's error
energy by L^2 - 2 rho L: it pays for itself where rho > L / 2.

    .venv/bin/python scripts/carrier-coherence.py
"""

import argparse

import numpy as np
import torch

from audiosr.core.audio import load_audio
from audiosr.data.clips import load_clips, unavailable_reason
from audiosr.data.makers import make_lowres, named
from audiosr.networks.framenet import FRAME_HOP, FRAME_N_FFT, first_missing_bin

SR = 16000
CARRIERS = {
    "|x|": np.abs,
    "x^2": lambda x: x * x,
    "x^3": lambda x: x**3,
    "x|x|": lambda x: x * np.abs(x),
}
MIXES = [["|x|"], ["x^2"], ["x^3"], ["x|x|"], ["x|x|", "x^3"], ["|x|", "x|x|", "x^3"]]  # last: `powers`


def spectrum(x: np.ndarray, first: int) -> np.ndarray:
    win = torch.hann_window(FRAME_N_FFT, dtype=torch.float64)
    s = torch.stft(torch.as_tensor(x), FRAME_N_FFT, FRAME_HOP, window=win, return_complex=True)
    return s.numpy()[first:]


def phases(x: np.ndarray, first: int) -> dict[str, np.ndarray]:
    x = x / (np.sqrt(np.mean(x**2)) + 1e-9)
    return {
        name: (s := spectrum(f(x), first)) / (np.abs(s) + 1e-12) for name, f in CARRIERS.items()
    }


def examples(dataset: str, split: str, files: int, ratio: int, maker: str):
    """(true band, carrier phases) of `files` whole files, low-res made by `maker`, sinc up."""
    import soxr

    clips = [c for c in load_clips(dataset) if c.split == split]
    picks = np.linspace(0, len(clips) - 1, min(files, len(clips))).astype(int)
    first = first_missing_bin(ratio)
    for i in picks:
        hr = load_audio(clips[i].path, SR).astype(np.float64)
        hr = hr[: len(hr) // ratio * ratio]
        lr = make_lowres(hr.astype(np.float32), ratio, named(maker))
        x = soxr.resample(lr, SR / ratio, SR, quality="VHQ")[: len(hr)].astype(np.float64)
        yield spectrum(hr, first), phases(x, first)


def fit(data, names) -> np.ndarray:
    """Per bin, the complex weights of the named phases that best match the true band."""
    gram, proj = 0, 0
    for true, ph in data:
        x = np.stack([np.abs(true) * ph[n] for n in names], -1)  # bins, frames, carriers
        gram = gram + np.einsum("ktj,ktl->kjl", x.conj(), x)
        proj = proj + np.einsum("ktj,kt->kj", x.conj(), true)
    eye = 1e-9 * np.eye(len(names))
    return np.stack([np.linalg.lstsq(g + eye, p, rcond=None)[0] for g, p in zip(gram, proj)])


def correlation(data, names, weights) -> float:
    num = den = 0.0
    for true, ph in data:
        mix = sum(weights[:, j, None] * ph[n] for j, n in enumerate(names))
        power = np.abs(true) ** 2
        num += (power * np.cos(np.angle(true) - np.angle(mix))).sum()
        den += power.sum()
    return num / den


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ratio", type=int, default=4)
    ap.add_argument("--maker", default="soxr")
    ap.add_argument("--train", default="librispeech-train")
    ap.add_argument("--test", nargs="+", default=["vctk-sample", "librispeech-test-other"])
    ap.add_argument("--files", type=int, default=24, help="per set")
    args = ap.parse_args(argv)
    sets = [args.train, *args.test]
    missing = [f"{s}: {unavailable_reason(s)}" for s in sets if unavailable_reason(s)]
    if missing:
        print("skipped: " + "; ".join(missing))
        return
    train = list(examples(args.train, "train", args.files, args.ratio, args.maker))
    tests = {s: list(examples(s, "test", args.files, args.ratio, args.maker)) for s in args.test}
    print(f"r = {args.ratio}, low-res made by {named(args.maker).label}, weights fitted on")
    print(
        f"{len(train)} {args.train} files; correlation with the true band above the low-res band\n"
    )
    print("| carrier phases | no rotation | fitted (train) | " + " | ".join(tests) + " |")
    print("|---" * (3 + len(tests)) + "|")
    for names in MIXES:
        w = fit(train, names)
        plain = np.zeros_like(w)
        plain[:, 0] = 1
        row = [correlation(train, names[:1], plain[:, :1]), correlation(train, names, w)]
        row += [correlation(d, names, w) for d in tests.values()]
        print(f"| {' + '.join(names)} | " + " | ".join(f"{v:.3f}" for v in row) + " |")


if __name__ == "__main__":
    main()
