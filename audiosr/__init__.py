"""audiosr: audio super-resolution (Kuleshov, Enam & Ermon, 2017), literate and reproducible.

The package is laid out by stage, each importing only from those before it: `core` (paths,
audio I/O, the paper's low-res simulation, the input band, SNR / LSD), `data` (clips and splits,
the patch cache, how low-res audio is made, the embedded corpus), `networks` (AudioUNet, the DNN
baseline, checkpoints), `inference` (windowed upsampling of arrays and files, shipped models,
export), `training` (the loop and its command, configs, params files, run folders), `listening`
(the panel, loudness, MUSHRA, plots) and `evaluation` (baselines, whole-file evaluation, the
paper's tables, models on real speech). On top: `cli` (the `audiosr` command), `notebook_params`
`speed` (the speed benchmarks) and `scaling` (quality against training compute).
The module map (docs/package.md) draws every module.
"""

from audiosr.core.version import __version__ as __version__


def load_model(name_or_path=None, ratio: int | None = None, device: str = "cpu"):
    """A trained model, ready to run: a shipped model's name (`audiounet-small-r4`), a
    .safetensors or training checkpoint file, or None for the shipped model for `ratio`.
    Loading never executes code from the file."""
    from audiosr.inference.shipped import load_any

    return load_any(name_or_path, ratio, device)


def upsample(x, sr: float, ratio: int = 4, model=None, device: str = "cpu", made_by=None):
    """Super-resolve an array (samples,) or (samples, channels) at `sr` Hz to 16 kHz with the
    shipped model for `ratio` (or `model`: a loaded model, name or path); `made_by="decimate"`
    for input made by scipy's `decimate`; see `audiosr.inference.arrays.upsample`."""
    from audiosr.inference.arrays import upsample as _upsample

    return _upsample(x, sr, ratio, model, device, made_by=made_by)
