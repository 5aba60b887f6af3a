"""audiosr: audio super-resolution (Kuleshov, Enam & Ermon, 2017), literate and reproducible.

One module per concept: `audio` (I/O), `dsp` (the paper's low-res simulation), `datasets`
(clips and splits), `data` (the patch cache), `corpus` (the embedded default corpus),
`plots` and `listen` (what the notebooks show and play).
"""
__version__ = "0.1.0"


def load_model(name_or_path=None, ratio: int | None = None, device: str = "cpu"):
    """A trained model, ready to run: a shipped model's name (`audiounet-small-r4`), a
    .safetensors or training checkpoint file, or None for the shipped model for `ratio`.
    Loading never executes code from the file."""
    from .shipped import load_any

    return load_any(name_or_path, ratio, device)


def upsample(x, sr: float, ratio: int = 4, model=None, device: str = "cpu"):
    """Super-resolve an array (samples,) or (samples, channels) at `sr` Hz to 16 kHz with the
    shipped model for `ratio` (or `model`: a loaded model, name or path); see
    `audiosr.inference.upsample`."""
    from .inference import upsample as _upsample

    return _upsample(x, sr, ratio, model, device)
