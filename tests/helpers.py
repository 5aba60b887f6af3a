"""What tests share besides fixtures: generated signals, a wav writer, the LibriSpeech fixture's
speakers. Fixtures that build folders from these live in conftest.py."""

from pathlib import Path

import numpy as np
import soundfile as sf


def tone_mix(n: int, sr: int = 16000, seed: int = 0) -> np.ndarray:
    """A broadband test signal: harmonics from 100 Hz to 7 kHz plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    f0 = 100 + 50 * seed % 7
    x = sum(np.sin(2 * np.pi * f0 * k * t + k) / k for k in range(1, int(7000 / f0)))
    x = x + 0.05 * rng.standard_normal(n)
    return (0.5 * x / np.max(np.abs(x))).astype(np.float32)


def write(path: Path, x: np.ndarray, sr: int = 16000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), x, sr)
    return path


def piano_pieces(root: Path) -> Path:
    """A folder of 50 one-second 'pieces' (the paper's piano set is a flat folder of files)."""
    for i in range(50):
        write(root / f"piece_{i:03d}.wav", tone_mix(16000, seed=i))
    return root


# LibriSpeech readers of the fixture, in natural order, with their sex: the first ten alternate,
# then six M and four F, so a sex-balanced hold-out differs from simply taking the last ten.
LIBRI_TRAIN = dict(
    zip(
        [19, 26, 27, 32, 39, 40, 60, 78, 83, 87, 89, 103, 118, 125, 150, 163, 196, 198, 200, 201],
        "FMFMFMFMFM" + "MMMMMM" + "FFFF",
    )
)
LIBRI_SUBSETS = {
    "train-clean-100": LIBRI_TRAIN,
    "dev-clean": {84: "F", 174: "M"},
    "test-other": {367: "F", 533: "F", 1688: "M"},
}


def upsample(src, out, model_file, *extra) -> int:
    """`audiosr upsample SRC -o OUT --ratio 4 --checkpoint MODEL_FILE EXTRA...`: its exit code."""
    from audiosr.cli import main

    args = ["upsample", src, "-o", out, "--ratio", 4, "--checkpoint", model_file, *extra]
    return main([str(a) for a in args])


def frame_reach(model, length: int = 12_000) -> int:
    """How far (samples) the input that moves a frame generator's middle output sample reaches,
    by its gradient; nonzero somewhere, or the model is not connected."""
    import torch

    x = torch.randn(1, 1, length, requires_grad=True)
    model(x)[0, 0, length // 2].backward()
    reach = torch.nonzero(x.grad[0, 0].abs() > 0).ravel()
    assert reach.numel() > 0
    return int((reach - length // 2).abs().max())


TINY = {  # a check's data and steps: the recipe's model, a few seconds of training
    "patch_len": 2048,
    "stride": 1024,
    "max_clips": 6,
    "batch_size": 2,
    "steps_per_epoch": 2,
    "val_batches": 1,
    "file_val": 1,
}


def tiny_growing_params(folder, arch: str, **more) -> dict:
    """A growing recipe of `arch` at r = 4 on sinc input, sized for a check."""
    return {
        "dataset": str(folder),
        "ratio": 4,
        "arch": arch,
        "interp": "sinc",
        "blocks": 1,
        "width": 1 / 16,
        "device": "cpu",
        **TINY,
        **more,
    }
