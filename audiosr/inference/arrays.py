"""Super-resolving an array in memory: the Python face of `audiosr upsample` (`audiosr.upsample`),
with the checks the command makes on a file made on the array instead."""

from __future__ import annotations

import numpy as np
import torch

from audiosr.core.audio import unusable_samples, warn_audio
from audiosr.inference.rates import check_rate, to_model_rate
from audiosr.inference.windows import Upsampler

MAX_CHANNELS = 64


def as_float_samples(x) -> np.ndarray:
    """Samples as float32 (n,) or (n, channels) in [-1, 1] for integer input (int8/16/32 scaled
    by their full scale, unsigned re-centred); what cannot be meant as audio is a ValueError."""
    x = np.asarray(x)
    if x.ndim not in (1, 2) or x.shape[0] < 1 or (x.ndim == 2 and x.shape[1] < 1):
        raise ValueError(f"x must be (samples,) or (samples, channels), got shape {x.shape}.")
    if x.ndim == 2 and x.shape[1] > MAX_CHANNELS:
        raise ValueError(
            f"x has shape {x.shape}: {x.shape[1]} channels? Arrays are (samples, channels); "
            "pass x.T for a (channels, samples) array."
        )
    if x.dtype.kind in "iu":
        if x.dtype.itemsize > 4:  # int64 (np.asarray of a list of ints): no full scale known
            raise ValueError(
                f"x is {x.dtype}: its full scale is unknown; pass floats in [-1, 1] (for 16-bit "
                "values, x / 32768)."
            )
        info = np.iinfo(x.dtype)
        mid = (info.max + 1) / 2 if x.dtype.kind == "u" else 0.0
        x = (x.astype(np.float64) - mid) / (info.max + 1 - mid)
    elif x.dtype.kind != "f":
        raise ValueError(f"x is {x.dtype}: pass audio samples (float or integer).")
    if why := unusable_samples(x):  # checked before float32, which would overflow float64's
        raise ValueError(f"x: {why}; pass floats in [-1, 1].")
    return np.asarray(x, np.float32)


def upsample(
    x: np.ndarray,
    sr: float,
    ratio: int = 4,
    model=None,
    device: str = "cpu",
    hop: int = 16384,
    made_by: str | None = None,
) -> np.ndarray:
    """Super-resolve an array to 16 kHz: the Python face of `audiosr upsample`.

    Args:
        x: samples, shape (n,) or (n, channels), any float or int dtype.
        sr: its sample rate; a rate more than 1 Hz from the model's low-res rate (16000 / ratio)
            is first brought to it as `decimate` would make it (`ToModelRate`), a rate
            within 1 Hz is taken as that rate.
        ratio: the upsampling ratio r of the model.
        model: a loaded model, a shipped model's name or a file path (`audiosr.load_model`), or None
            for the shipped model for `ratio`.
        device: where to run the network.
        made_by: "decimate" when the low-res input was made by scipy's `decimate` (the
            paper's pipeline); None (unknown) for anything else (`Upsampler`).

    Returns:
        float32 samples at 16 kHz, r times as many as the low-res input, same channel layout.
    """
    from audiosr.core.distrib import pick_device
    from audiosr.core.dsp import valid_ratio
    from audiosr.inference.shipped import load_any

    if isinstance(ratio, bool) or not isinstance(ratio, (int, np.integer)):
        raise ValueError(f"ratio={ratio!r}: an integer (2, 4, 6, ...).")
    ratio = valid_ratio(ratio)
    sr = check_rate(sr, "sr")
    x = as_float_samples(x)
    device = str(pick_device(str(device)))  # a device this machine lacks: DeviceError
    if not isinstance(model, torch.nn.Module):
        model = load_any(model, ratio, device)
    trained = getattr(getattr(model, "config", None), "ratio", ratio)
    if trained != ratio:
        raise ValueError(f"model: trained for ratio {trained}, asked for ratio {ratio}.")
    cols = x[:, None] if x.ndim == 1 else x
    resampler = to_model_rate(sr, ratio, cols.shape[1])
    if resampler is not None:  # the input the network sees is made by `decimate` now
        cols = resampler.resample_chunk(cols, last=True)
        made_by = "decimate"
    up = Upsampler(model, ratio, hop=hop, device=device, made_by=made_by)
    y = np.stack([up.process(cols[:, c]) for c in range(cols.shape[1])], axis=1)
    peak = float(np.abs(y).max())
    if peak > 1.0:
        warn_audio(
            f"{int((np.abs(y) > 1).sum())} output sample(s) beyond full scale (peak {peak:.2f}); "
            "scale down before writing to an integer format, which would clip them."
        )
    return y[:, 0] if x.ndim == 1 else y
