"""audiosr: audio super-resolution (Kuleshov, Enam & Ermon, 2017), literate and reproducible.

One module per concept. The paper's method: `dsp` (the low-res simulation), `degrade` (how
low-res audio is really made: resamplers, filters, codecs, telephone, level, noise), `band`
(the input band every model sees, and the real band put back), `datasets` (clips
and the paper's splits), `data` (the patch cache), `model` (AudioUNet), `dnn` (the DNN
baseline), `train`, `metrics` (SNR, LSD), `baselines` (spline, polyphase, soxr), `paper` (its
reported numbers); around training: `params` (params files), `runs` (run folders, found or
trained), `checkpoint` (saving and loading models, never executing code), `distrib` (device,
multi-GPU). Using it: `inference` (windowed upsampling of any length), `shipped` (models in the
package), `export` (TorchScript, ONNX), `cli` (the `audiosr` command), `evaluate`, `bench`. Data: `audio` (I/O), `corpus`
and `packaged_speech` (the embedded corpus), `paths`. Showing it: `plots`, `listen`,
`loudness`, `tables`, `mushra`, `notebook_params`.
"""

__version__ = "0.1.0"


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
