"""Players for listening side by side: a row of labelled audio widgets in JupyterLab."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf

from audiosr.core.audio import resample
from audiosr.core.dsp import HR_RATE, lowres_rate
from audiosr.core.extras import need

CELL_MIN_PX = 300  # one version's column: below ~300 px browsers shrink the seek bar
# versions side by side, as many per row as fit, wrapping on narrow screens; rows line up
GRID_COLUMNS = f"repeat(auto-fill, minmax({CELL_MIN_PX}px, 1fr))"
GRID_GAP = "8px"
GRID_CSS = f"display:grid;grid-template-columns:{GRID_COLUMNS};gap:{GRID_GAP}"
MIN_PLAYABLE_SR = 8000  # browsers refuse wav below ~3 kHz; LR at r = 6 is 2.67 kHz


def playable(x: np.ndarray, sr: float) -> tuple[np.ndarray, int]:
    """A clip at a rate every browser plays: low or fractional rates are band-limited resampled
    to 16 kHz, which keeps exactly the sound of the low-res signal (nothing above its Nyquist)."""
    if float(sr).is_integer() and sr >= MIN_PLAYABLE_SR:
        return np.asarray(x, dtype=np.float32), int(sr)
    return resample(np.asarray(x, dtype=np.float64), sr, HR_RATE), HR_RATE


def wav_bytes(x: np.ndarray, sr: float) -> bytes:
    """16-bit wav bytes of a clip at a playable rate, peak-normalised only if it would clip."""
    x, sr = playable(x, sr)
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak > 1.0:
        x = x / peak
    buf = io.BytesIO()
    sf.write(buf, x, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def players(signals: dict[str, tuple[np.ndarray, int]]):
    """An ipywidgets row of labelled players (HR / LR / spline ...); each plays at its own rate.

    Falls back to IPython's static Audio elements where ipywidgets is unavailable.
    """
    try:
        import ipywidgets as w
    except ImportError:  # pragma: no cover - a kernel without the notebooks extra
        from IPython.display import Audio

        return [Audio(wav_bytes(x, sr)) for x, sr in signals.values()]
    cells = [
        w.VBox(
            [
                w.HTML(f"<b>{label}</b> <small>{sr / 1000:g} kHz</small>"),
                w.Audio(
                    value=wav_bytes(x, sr),
                    format="wav",
                    autoplay=False,
                    loop=False,
                    layout=w.Layout(width="100%"),
                ),
            ],
            layout=w.Layout(min_width="0"),
        )
        for label, (x, sr) in signals.items()
    ]
    return w.GridBox(cells, layout=w.Layout(grid_template_columns=GRID_COLUMNS, grid_gap=GRID_GAP))


def clip_versions(
    cache, index: int, methods: dict, split: str = "test"
) -> tuple[str, dict[str, tuple[np.ndarray, int]]]:
    """One clip of a data cache in every version: high-res, low-res (at its own rate) and each
    method's estimate (`methods`: name -> (x_lr, spline) -> estimate). Returns (clip name, versions)."""
    from pathlib import Path

    pick = lambda kind: cache.clip_array(split, kind, index)
    clip, hr = pick("hr")
    hr, sp, x_lr = (
        np.array(a, dtype=np.float32) for a in (hr, pick("spline")[1], pick("lowres")[1])
    )
    sr, r = cache.config.sr, cache.config.ratio
    lowres_sr = lowres_rate(r, sr)
    versions = {"high-res": (hr, sr), f"low-res ({lowres_sr / 1000:g} kHz)": (x_lr, lowres_sr)}
    versions.update(
        {name: (np.asarray(m(x_lr, sp), np.float32), sr) for name, m in methods.items()}
    )
    return Path(clip["path"]).name, versions


def _spectrogram_png(x: np.ndarray, sr: float, vmax: float, max_hz: float) -> bytes:
    from matplotlib.figure import Figure  # not pyplot: the notebook's backend stays as it is

    from audiosr.listening.plots import spectrogram_db

    f, t, db = spectrogram_db(x, sr, n_fft=max(64, int(512 * sr / HR_RATE)))
    fig = Figure(figsize=(2.6, 1.9), dpi=80, layout="constrained")
    ax = fig.subplots()
    ax.pcolormesh(t, f / 1000, db, vmin=vmax - 80, vmax=vmax, shading="auto", cmap="magma")
    ax.set(ylim=(0, max_hz / 1000), xlabel="s", ylabel="kHz")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def comparison_cells(
    versions: dict[str, tuple[np.ndarray, float]], reference: str = "high-res"
) -> list[dict]:
    """For each version: label, loudness-matched wav bytes, spectrogram PNG (one colour scale)
    and SNR / LSD against the reference (same-length versions only)."""
    from audiosr.core.metrics import MetricError, lsd, snr
    from audiosr.listening.loudness import LoudnessError, match_loudness
    from audiosr.listening.plots import spectrogram_db

    ref, ref_sr = versions[reference]
    same = {
        k: x if sr == ref_sr else resample(np.asarray(x, np.float64), sr, ref_sr)
        for k, (x, sr) in versions.items()
    }
    try:  # all at the reference rate, so one loudness meter for all
        matched, _ = match_loudness(same, ref_sr)
    except LoudnessError:
        matched = same
    vmax = spectrogram_db(ref, ref_sr)[2].max()
    cells = []
    for k, (x, sr) in versions.items():
        score = ""
        if k != reference and len(x) == len(ref):
            try:
                score = f"SNR {snr(x, ref):.1f} dB · LSD {lsd(x, ref):.2f}"
            except MetricError:
                score = ""
        cells.append(
            {
                "label": k,
                "rate": sr,
                "score": score,
                "wav": wav_bytes(matched[k], ref_sr),
                "png": _spectrogram_png(x, sr, vmax, ref_sr / 2),
            }
        )
    return cells


def _caption(cell: dict) -> str:
    """Label, rate and scores in a block of fixed height, so players and spectrograms line up."""
    import html

    return (
        f"<div style='min-height:4.2em;line-height:1.3'><b>{html.escape(cell['label'])}</b><br>"
        f"<small>{cell['rate'] / 1000:g} kHz<br>{html.escape(cell['score']) or '&nbsp;'}</small></div>"
    )


def static_html(title: str, cells: list[dict]) -> str:
    """The same grid as plain HTML (embedded players and images): what a rendered notebook shows."""
    import base64
    import html

    b64 = lambda b: base64.b64encode(b).decode()
    cols = "".join(
        f"<div style='min-width:0'>{_caption(c)}"
        f"<audio controls style='width:100%' src='data:audio/wav;base64,{b64(c['wav'])}'></audio>"
        f"<img style='width:100%' src='data:image/png;base64,{b64(c['png'])}'></div>"
        for c in cells
    )
    return f"<div><b>{html.escape(title)}</b><div style='{GRID_CSS}'>{cols}</div></div>"


def default_clip(clips: list[dict], sr: int, target_s: float = 4.0) -> int:
    """The clip to show first: real speech of a few seconds, the one closest to `target_s`
    among those of at least 2 s, else the longest."""
    seconds = [c["length"] / sr for c in clips]
    long_enough = [i for i, s in enumerate(seconds) if s >= 2.0]
    if not long_enough:
        return max(range(len(clips)), key=seconds.__getitem__) if clips else 0
    return min(long_enough, key=lambda i: abs(seconds[i] - target_s))


class ComparisonPanel:
    """Pick a clip (and a ratio), hear every version side by side, loudness-matched, each with
    its spectrogram and its SNR / LSD; switching clip re-renders in place, no cell to re-run.

    `sources` maps a ratio to (data cache, methods); `split` is where clips come from. In
    JupyterLab this is live ipywidgets; a rendered notebook (nbviewer, GitHub, an HTML export)
    shows the first selection as static HTML players and images instead.
    """

    def __init__(self, sources: dict[int, tuple], split: str = "test", max_clips: int = 50):
        w = need("ipywidgets")

        self.sources, self.split = sources, split
        first = next(iter(sources.values()))[0]
        clips = first.clips(split)[:max_clips]
        names = [
            f"{c['path'].rsplit('/', 1)[-1]} ({c['length'] / first.config.sr:.1f} s)" for c in clips
        ]
        self.clip = w.Dropdown(
            options=list(zip(names, range(len(names)))),
            value=default_clip(clips, first.config.sr),
            description="clip",
            layout=w.Layout(width="auto", min_width="24em"),  # whole names, never cut off
        )
        self.ratio = w.Dropdown(options=list(sources), description="ratio r")
        if len(sources) == 1:
            self.ratio.layout.display = "none"
        self.row = w.GridBox(
            layout=w.Layout(
                grid_template_columns=GRID_COLUMNS,
                grid_gap=GRID_GAP,
                width="100%",
            )
        )
        self.box = w.VBox([w.HBox([self.clip, self.ratio]), self.row])
        self.clip.observe(self._update, "value")
        self.ratio.observe(self._update, "value")
        self._update()

    def _update(self, *_):
        w = need("ipywidgets")

        cache, methods = self.sources[self.ratio.value]
        name, versions = clip_versions(cache, self.clip.value, methods, self.split)
        self.title = f"{name}, r = {self.ratio.value}"
        self.cells = comparison_cells(versions)
        full = w.Layout(width="100%")
        self.row.children = [
            w.VBox(
                [
                    w.HTML(_caption(c)),
                    w.Audio(value=c["wav"], format="wav", autoplay=False, loop=False, layout=full),
                    w.Image(
                        value=c["png"], format="png", layout=w.Layout(width="100%", height="auto")
                    ),
                ],
                layout=w.Layout(min_width="0", overflow="hidden"),
            )
            for c in self.cells
        ]

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.box._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = static_html(self.title, self.cells)
        return bundle
