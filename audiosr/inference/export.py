"""TorchScript and ONNX export of a trained model, for serving without this package.

The exported graph takes (batch, 1, length) audio interpolated as the model expects (the
spline for AudioUNet; band-limited interpolation for frame models, `band.network_input`) and
returns the same shape. Its length must be a multiple of the model's alignment (2^(B+1) samples,
32 for B = 4): the padding AudioUNet does in Python is not part of the traced graph. Frame
models export as TorchScript only: ONNX's STFT takes no complex spectra. `audiosr.inference.windows.Upsampler`
windows are such multiples; pad other inputs at the end and crop the output.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch

from audiosr.core.paths import atomic_path, resolve

STFT_ARCHS = ("framenet", "magphase")  # networks on STFT frames


def example_input(model: torch.nn.Module, length: int = 8192) -> torch.Tensor:
    from audiosr.inference.windows import alignment

    a = alignment(model)
    return torch.randn(1, 1, -(-length // a) * a)


def export(
    model: torch.nn.Module, out: str | Path, replace: bool = False, source: str | Path | None = None
) -> Path:
    """Write `model` as TorchScript (`.pt`) or ONNX (`.onnx`, dynamic batch and length); an
    existing file (or one that appears meanwhile) is kept unless `replace` (FileExistsError),
    and the file the model came from (`source`) is never replaced."""
    out = resolve(out)
    if source is not None and resolve(source) == out:
        raise ValueError(f"{out}: the model being exported; give -o another name.")
    model = model.eval()
    x = example_input(model)
    if out.suffix not in (".pt", ".onnx"):
        raise ValueError(f"{out}: choose a .pt (TorchScript) or .onnx file name.")
    if (
        out.suffix == ".onnx"
        and getattr(getattr(model, "config", None), "arch", None) in STFT_ARCHS
    ):
        raise ValueError(
            f"{out}: a frame model does not export to ONNX (its STFT has no ONNX form for "
            "complex spectra); export TorchScript instead (a .pt file name)."
        )
    with (
        atomic_path(out, out.suffix, replace=replace) as tmp,
        torch.no_grad(),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # tracer warnings about the Python-side padding branch
        if out.suffix == ".pt":  # into memory first: TorchScript's writer aborts on a full disk
            tmp.write_bytes(torch.jit.trace(model, x).save_to_buffer())
        else:
            onnx = io.BytesIO()
            torch.onnx.export(
                model,
                (x,),
                onnx,
                dynamo=False,
                input_names=["spline"],
                output_names=["estimate"],
                opset_version=17,
                dynamic_axes={
                    "spline": {0: "batch", 2: "length"},
                    "estimate": {0: "batch", 2: "length"},
                },
            )
            tmp.write_bytes(onnx.getbuffer())
    return out
