"""Figures the notebooks show: waveforms, spectrograms on shared axes, filter responses,
listening-test scores.

Every helper closes its figure before returning it: a notebook shows it once, as a cell's value
or with `display(fig)`, instead of once from pyplot and once more as the returned object.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
from scipy import signal

from audiosr.core.dsp import HR_RATE, lowpass_filter


def drawn_once(make):
    """Close the figure `make` returns, so that pyplot does not draw it a second time."""

    @functools.wraps(make)
    def wrapper(*args, **kwargs):
        fig = make(*args, **kwargs)
        plt.close(fig)
        return fig

    return wrapper


def note_single_points(ax, series: list) -> None:
    """Where every series has one point (a run of one epoch), say so on the axes and give the
    x axis a width, so a dot does not read as a broken curve on an axis from 0.95 to 1.05."""
    if series and all(len(s) == 1 for s in series):
        x = series[0][0]
        ax.set_xlim(x - 1, x + 1)
        ax.text(
            0.02,
            0.04,
            "one epoch: points, not curves",
            transform=ax.transAxes,
            fontsize=8,
            color="0.4",
        )


def spectrogram_db(
    x: np.ndarray, sr: int, n_fft: int = 512
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(freqs Hz, times s, power dB) with a Hann window and 75% overlap."""
    f, t, z = signal.stft(x, sr, nperseg=n_fft, noverlap=3 * n_fft // 4)
    return f, t, 10 * np.log10(np.abs(z) ** 2 + 1e-10)


@drawn_once
def compare_spectrograms(
    signals: dict[str, tuple[np.ndarray, int]],
    max_hz: float | None = None,
    dynamic_range_db: float = 80.0,
    title: str | None = None,
    cols: int = 3,
):
    """One spectrogram per version, on the same frequency axis and colour scale, `cols` to a
    row (a grid that reads at a notebook's width).

    `signals` maps a label to (audio, sample rate); a low-res version keeps its own rate, so the
    band it lacks shows as empty space above its Nyquist.
    """
    specs = {
        k: spectrogram_db(x, sr, n_fft=max(64, int(512 * sr / HR_RATE)))
        for k, (x, sr) in signals.items()
    }
    vmax = max(s[2].max() for s in specs.values())
    max_hz = max_hz or max(sr for _, sr in signals.values()) / 2
    cols = min(cols, len(specs))
    rows = -(-len(specs) // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(3.6 * cols, 2.9 * rows + 0.4),
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    for ax, (label, (f, t, db)) in zip(axes.flat, specs.items()):
        im = ax.pcolormesh(
            t,
            f / 1000,
            db,
            vmin=vmax - dynamic_range_db,
            vmax=vmax,
            shading="auto",
            cmap="magma",
            rasterized=True,  # vector files stay small
        )
        ax.set(title=label, xlabel="time (s)", ylim=(0, max_hz / 1000))
    for ax in axes[:, 0]:
        ax.set_ylabel("frequency (kHz)")
    for ax in list(axes.flat)[len(specs) :]:
        ax.axis("off")
    fig.colorbar(im, ax=axes, label="power (dB)", shrink=0.9 if rows == 1 else 0.6)
    if title:
        fig.suptitle(title)
    return fig


def loudest_window(x: np.ndarray, sr: int, dur_s: float) -> float:
    """Start (s) of the `dur_s` window with the most energy: a zoom that never lands in a pause."""
    n = max(1, int(dur_s * sr))
    energy = np.convolve(np.asarray(x, np.float64) ** 2, np.ones(n), mode="valid")
    return float(np.argmax(energy)) / sr


@drawn_once
def compare_waveforms(
    signals: dict[str, tuple[np.ndarray, int]], start_s: float | None = None, dur_s: float = 0.02
):
    """A short window of each version on one time axis: shows alignment and smoothing.

    `start_s=None` zooms on the loudest stretch of the first (reference) signal.
    """
    if start_s is None:
        ref, ref_sr = next(iter(signals.values()))
        start_s = loudest_window(ref, ref_sr, dur_s)
    fig, ax = plt.subplots(figsize=(10, 3), constrained_layout=True)
    for label, (x, sr) in signals.items():
        i0, i1 = int(np.ceil(start_s * sr)), int((start_s + dur_s) * sr)
        t = np.arange(i0, i1) / sr
        style = (
            dict(marker="o", ms=3, ls="none") if sr < max(s for _, s in signals.values()) else {}
        )
        ax.plot(t * 1000, x[i0:i1], label=label, **style)
    ax.set(xlabel="time (ms)", ylabel="amplitude")
    ax.legend(loc="upper right")
    return fig


@drawn_once
def lowpass_response(ratios=(2, 4, 6), sr: int = HR_RATE):
    """Magnitude response of the decimation filter for each ratio, with each new Nyquist marked."""
    fig, ax = plt.subplots(figsize=(7, 3), constrained_layout=True)
    for r in ratios:
        b, a = lowpass_filter(r)
        w, h = signal.freqz(b, a, worN=4096, fs=sr)
        (line,) = ax.plot(
            w / 1000,
            20 * np.log10(np.abs(h) ** 2 + 1e-20),
            label=f"r = {r} (zero-phase: applied twice)",
        )
        ax.axvline(sr / (2 * r) / 1000, color=line.get_color(), ls=":")
    ax.set(
        xlabel="frequency (kHz)",
        ylabel="gain (dB)",
        ylim=(-160, 5),
        title="Chebyshev I, order 8, 0.05 dB ripple",
    )
    ax.legend()
    return fig


@drawn_once
def training_curves(history: list[dict]):
    """One run over its epochs: train and validation MSE (log scale), and the validation LSD
    (a fine-tuning run's epoch 0, its starting model scored on whole files only, is left out)."""
    fig, ax = plt.subplots(1, 2, figsize=(10, 3), constrained_layout=True)
    history = [h for h in history if "train_loss" in h]
    ep = [h["epoch"] for h in history]
    ax[0].plot(ep, [h["train_loss"] for h in history], "o-", label="train")
    ax[0].plot(ep, [h["val_loss"] for h in history], "o-", label="validation")
    ax[0].set(xlabel="epoch", ylabel="MSE", yscale="log", title="loss")
    ax[0].legend()
    ax[1].plot(ep, [h["val_lsd"] for h in history], "o-", color="C2")
    ax[1].set(xlabel="epoch", ylabel="LSD", title="validation LSD")
    for a in ax:
        a.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        note_single_points(a, [ep])
    return fig


@drawn_once
def history_panels(
    histories: dict[str, list[dict]],
    keys: dict[str, str] | None = None,
):
    """Runs side by side over their epochs, one panel per history key (label -> axis name);
    a run without a key is left out of that panel. The committed runs beside a smoke run."""
    keys = keys or {"val_loss": "validation MSE", "val_snr": "validation SNR (dB)"}
    fig, axes = plt.subplots(
        1,
        len(keys),
        figsize=(5 * len(keys), 3.0 + 0.25 * len(histories)),
        squeeze=False,
        layout="constrained",
    )
    for ax, (key, name) in zip(axes[0], keys.items()):
        for i, (label, history) in enumerate(histories.items()):
            rows = [h for h in history if h.get(key) not in (None, "")]
            if rows:
                x, y = [h["epoch"] for h in rows], [float(h[key]) for h in rows]
                ax.plot(x, y, "o-", ms=3 if len(rows) > 1 else 8, color=f"C{i}", label=label)
        ax.set(xlabel="epoch", ylabel=name, yscale="log" if "loss" in key else "linear")
        ax.grid(alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", fontsize=8, ncols=1)
    return fig


@drawn_once
def residual(hr: np.ndarray, spline: np.ndarray, sr: int, ratio: int, dur_s: float = 0.01):
    """What the network learns: the loudest `dur_s` of HR, the spline and their difference, and
    the three power spectra with the low-res Nyquist marked; most of the difference lies above."""
    start = int(loudest_window(hr, sr, dur_s) * sr)
    span = slice(start, start + int(dur_s * sr))
    t = np.arange(span.start, span.stop) / sr * 1000
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.2), constrained_layout=True)
    versions = {"HR": hr, "spline": spline, "HR - spline (the target)": hr - spline}
    for label, x in versions.items():
        a.plot(t, x[span], lw=1.6 if "target" in label else 1, label=label)
        f, p = signal.welch(x, sr, nperseg=512)
        b.plot(f / 1000, 10 * np.log10(p + 1e-12), label=label)
    b.axvline(sr / (2 * ratio) / 1000, color="k", ls=":", label="low-res Nyquist")
    a.set(xlabel="time (ms)", ylabel="amplitude", title="the loudest 10 ms")
    b.set(xlabel="frequency (kHz)", ylabel="power (dB)", title="average spectrum")
    a.legend(fontsize=8)
    b.legend(fontsize=8)
    return fig


@drawn_once
def loss_curves(
    histories: dict[str, list[dict]], key: str = "val_loss", ylabel: str = "validation MSE"
):
    """One curve per run from its training history (Figure 3: the ablations)."""
    fig, ax = plt.subplots(figsize=(6, 3.5), constrained_layout=True)
    for label, history in histories.items():
        ax.plot([h["epoch"] for h in history], [h[key] for h in history], "o-", label=label)
    ax.set(xlabel="epoch", ylabel=ylabel, yscale="log")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    note_single_points(ax, [[h["epoch"] for h in history] for history in histories.values()])
    ax.legend()
    return fig


@drawn_once
def file_validation_curves(
    histories: dict[str, list[dict]], select: str = "snr", snr_margin: float = 0.0
):
    """Whole-file validation over training, one curve per run: SNR gain over the spline and LSD
    as a fraction of the spline's (the `file_val` columns of a run's history), and ViSQOL
    beside the spline's where the runs scored it; the epoch `select` keeps (as training chose
    it, `training.validation.selection_score`) starred."""
    from audiosr.training.validation import selection_score

    visqol = any("val_file_visqol" in row for h in histories.values() for row in h)
    fig, axes = plt.subplots(
        1, 3 if visqol else 2, figsize=(13 if visqol else 9, 3.2), constrained_layout=True
    )
    a, b = axes[:2]
    for label, h in histories.items():
        h = [row for row in h if "val_file_snr" in row]
        epochs = [row["epoch"] for row in h]
        gain = [row["val_file_snr"] - row["spline_file_snr"] for row in h]
        ratio = [row["val_file_lsd"] / row["spline_file_lsd"] for row in h]
        (line,) = a.plot(epochs, gain, "o-", ms=3, label=label)
        color = line.get_color()
        b.plot(epochs, ratio, "o-", ms=3, color=color)
        panels = [(a, gain), (b, ratio)]
        if visqol and "val_file_visqol" in h[0]:
            v = [row["val_file_visqol"] for row in h]
            axes[2].plot(epochs, v, "o-", ms=3, color=color)
            axes[2].plot(epochs, [row["spline_file_visqol"] for row in h], ":", color=color)
            panels.append((axes[2], v))
        scores = [selection_score(row, select, snr_margin) for row in h]
        if scores and max(scores) > -np.inf:
            best = int(np.argmax(scores))
            for ax, values in panels:
                ax.plot(epochs[best], values[best], "*", ms=12, color=color)
    a.set(xlabel="epoch", ylabel="SNR - spline (dB)", title="validation files: SNR gain")
    b.set(xlabel="epoch", ylabel="LSD / spline's", title="validation files: LSD ratio")
    if visqol:
        axes[2].set(
            xlabel="epoch", ylabel="ViSQOL (dotted: spline)", title="validation files: ViSQOL"
        )
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    a.legend(fontsize=8)
    return fig


@drawn_once
def added_lines(lines: dict[tuple, dict[float, float]], goal_db: float = 3.0, title: str = ""):
    """The lines each method adds (dB over the reference, beyond the neighbouring bins) at
    multiples of 125 Hz: one panel per (ratio, test set), one marker style per method, the goal
    as a dashed line. `lines[(r, test set, method)] = {frequency: dB}` (`metrics.LineMeter`)."""
    panels = list(dict.fromkeys(k[:2] for k in lines))
    methods = list(dict.fromkeys(k[2] for k in lines))
    cols = len({p[1] for p in panels})
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(4.2 * cols, 2.6 * rows),
        sharex=True,
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    for ax, (r, ds) in zip(axes.flat, panels):
        for i, m in enumerate(methods):
            if (r, ds, m) in lines:
                f, db = zip(*sorted(lines[(r, ds, m)].items()))
                ax.plot(np.array(f) / 1000, db, "os^vD<>"[i % 7] + "-", ms=3.5, lw=0.8, label=m)
        ax.axhline(goal_db, color="k", ls="--", lw=0.7)
        ax.set_title(f"{ds}, r = {r}", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("frequency (kHz)")
    for ax in axes[:, 0]:
        ax.set_ylabel("added line (dB)")
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=8)
    return fig


@drawn_once
def mushra_scores(ratings: list[dict], order: list[str], title: str = "MUSHRA scores"):
    """MUSHRA scores per condition of `order` as boxes (mean marked): the spread a mean hides.
    `ratings`: rows with `condition` and `score` (`mushra_analysis.read_results`)."""
    fig, ax = plt.subplots(figsize=(1.2 * len(order) + 2, 3.5), constrained_layout=True)
    ax.boxplot(
        [[r["score"] for r in ratings if r["condition"] == c] for c in order], showmeans=True
    )
    ax.set_xticks(range(1, len(order) + 1), order, rotation=20)
    ax.set(ylim=(0, 100), ylabel="score (0-100)", title=title)
    ax.grid(axis="y", alpha=0.3)
    return fig


def save_figure(fig, folder, name: str, formats=("png", "svg", "pdf")) -> list:
    """Write `fig` as folder/name.<fmt> for each format, each atomically (temp file + rename),
    without dates or random ids, so a rerun with the same numbers gives the same bytes."""
    import matplotlib

    from audiosr.core.paths import atomic_path, resolve

    no_date = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
    paths = []
    for fmt in formats:
        with (
            atomic_path(resolve(folder) / f"{name}.{fmt}", f".{fmt}") as tmp,
            matplotlib.rc_context({"svg.hashsalt": "audiosr"}),
        ):
            fig.savefig(tmp, format=fmt, dpi=150, metadata=no_date.get(fmt))
        paths.append(resolve(folder) / f"{name}.{fmt}")
    return paths
