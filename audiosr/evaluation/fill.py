"""What a frame generator's fill of the missing band is worth, on real speech no model trained on
(whole files, evenly spaced through a test set, low-res made by a maker, the model blind through
the pipeline as a user runs it):

    python -m audiosr.evaluation.fill bands [--model M] [--ratio 4] [--data ...] [--maker soxr]
    python -m audiosr.evaluation.fill levels [--model M] [--gains 0 0.25 ...] [--out figures/X]
    python -m audiosr.evaluation.fill levels --validation --gains 0 0.125 0.25 0.375 0.5 1 \
        --beside audiounet-small-r4
    python -m audiosr.evaluation.fill carriers [--ratio 4] [--train librispeech-train] [--test ...]
    python -m audiosr.evaluation.fill carriers --magnitude model --model runs/fill/powers-r4.safetensors

- bands: the error each method leaves in each frequency band (error energy against the whole
  signal's, dB; lower is better) for sinc interpolation (soxr VHQ), the model, and the model
  with its fill cut off above the low-res Nyquist frequency; then the fill's level against the
  true band's and their correlation. A fill uncorrelated with the true band adds its own energy
  to the error: it can only cost SNR.
- levels: the model's output with its correction above the low-res band scaled by each gain
  (`fill_gain`; 0 = no fill, 1 = as trained) against sinc: SNR, LSD (log10), ViSQOL and the
  strongest added line at a multiple of 125 Hz, beside the same measure halfway between the
  multiples (how far the meter reads on a fill with no comb). A fill that cannot know the true
  band's phase costs SNR as the square of its level, while LSD and ViSQOL gain. `--validation`
  scores the growing state's own whole validation files instead (the selection rule's ground).
- carriers: how much of the missing band a fill tied to the input could get in phase: per
  carrier (the phase of a nonlinearity of the band-limited input), the correlation with the true
  band of a fill with the true magnitude on that carrier's phase, rotated in every bin by a
  complex weight fixed in time, fitted by least squares on training speech and scored on
  held-out speakers. A fill of level L (against the true band) on a carrier of correlation rho
  changes the band's error energy by L^2 - 2 rho L: it pays for itself where rho > L / 2.
  `--magnitude` chooses the fill's magnitude: the true band's (`true`, an upper bound), the true
  band's envelope smoothed over 16 bins (`envelope`, what a network could learn), or the model's
  own (`model`, with `--model`; its learned mix, as trained, is a row of its own).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import signal

from audiosr.core.dsp import HR_RATE as SR
from audiosr.core.metrics import LINE_SPACING_HZ, LineMeter, lsd, snr

MODEL = "audiosr/models/growing/framenet-r4.safetensors"
TEST_SETS = ("vctk-sample", "librispeech-test-other")
GAINS = (0.0, 0.25, 0.5, 0.75, 1.0)
HALF = LINE_SPACING_HZ / 2  # the line meter between its multiples: its own spread, a control
CARRIERS = {
    "|x|": np.abs,
    "x^2": lambda x: x * x,
    "x^3": lambda x: x**3,
    "x|x|": lambda x: x * np.abs(x),
}
MIXES = [["|x|"], ["x^2"], ["x^3"], ["x|x|"], ["x|x|", "x^3"], ["|x|", "x|x|", "x^3"]]  # `powers`


def held_out(
    dataset: str, split: str, files: int, ratio: int, maker: str
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(Original at 16 kHz as float64, its low-res version made by the named `maker`) for at
    most `files` whole files of `dataset`'s `split`, evenly spaced through it; each original cut
    to a multiple of `ratio` samples."""
    from audiosr.core.audio import load_audio
    from audiosr.data.clips import load_clips
    from audiosr.data.makers import make_lowres, named

    clips = [c for c in load_clips(dataset) if c.split == split]
    picks = np.linspace(0, len(clips) - 1, min(files, len(clips))).astype(int)
    pairs = []
    for i in picks:
        hr = load_audio(clips[i].path, SR).astype(np.float64)
        hr = hr[: len(hr) // ratio * ratio]
        pairs.append((hr, make_lowres(hr.astype(np.float32), ratio, named(maker))))
    return pairs


def sinc(lr: np.ndarray, ratio: int, n: int) -> np.ndarray:
    """Sinc interpolation (soxr VHQ) of `lr` to 16 kHz, its first `n` samples."""
    import soxr

    return soxr.resample(lr, SR / ratio, SR, quality="VHQ")[:n]


def blind(net, lr: np.ndarray, ratio: int) -> np.ndarray:
    """The model's output through the pipeline a user runs (`audiosr.upsample`), as float64."""
    from audiosr.inference.arrays import upsample

    return np.asarray(upsample(lr, SR / ratio, ratio, model=net), np.float64)


# bands


def band_edges(ratio: int) -> list[float]:
    """The bands' edges (Hz): finer around the low-res Nyquist frequency, octaves above it."""
    nyq = SR / 2 / ratio
    edges = [0, 0.75 * nyq, 0.9 * nyq, nyq, 1.25 * nyq, 2 * nyq, 4 * nyq, SR / 2]
    return sorted({e for e in edges if e <= SR / 2})


def band_energy(e: np.ndarray, edges: list[float]) -> np.ndarray:
    """The energy of `e` in each band between `edges` (Welch, 1024-sample segments)."""
    f, p = signal.welch(e, SR, nperseg=1024)
    return np.array([p[(f >= lo) & (f < hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])])


class BandErrors:
    """Error energy per band, summed over files, for the signal itself (the error of silence),
    sinc, a model and the model with its fill cut off; and the fill above the low-res band
    against the true band there."""

    def __init__(self, ratio: int):
        self.ratio, self.nyq, self.edges = ratio, SR / 2 / ratio, band_edges(ratio)
        self.cut = signal.firwin(1025, self.nyq + 25, fs=SR)  # the output below the missing band
        self.errors = {k: 0.0 for k in ("signal", "sinc", "model", "model, no fill")}
        self.dot = self.fill = self.true = 0.0
        self.files = 0

    def add(self, hr: np.ndarray, sinc: np.ndarray, y: np.ndarray) -> None:
        """One file: the original, sinc's estimate and the model's, all as long as `hr`."""
        low = signal.oaconvolve(y, self.cut, "same")
        for k, est in (("signal", 0 * hr), ("sinc", sinc), ("model", y), ("model, no fill", low)):
            self.errors[k] = self.errors[k] + band_energy(est - hr, self.edges)
        f_hb, t_hb = y - low, hr - signal.oaconvolve(hr, self.cut, "same")
        self.dot, self.fill = self.dot + f_hb @ t_hb, self.fill + f_hb @ f_hb
        self.true = self.true + t_hb @ t_hb
        self.files += 1

    def correlation(self) -> float:
        """The fill's correlation with the true band above the low-res band."""
        return self.dot / np.sqrt(self.fill * self.true + 1e-30)

    def table(self) -> str:
        """Per band each error against the whole signal's energy (dB), then each method's SNR."""
        e, edges = self.errors, self.edges
        total = e["signal"].sum()
        lines = ["| band (Hz) | " + " | ".join(e) + " |", "|---" * (len(e) + 1) + "|"]
        for i in range(len(edges) - 1):
            cells = " | ".join(f"{10 * np.log10(v[i] / total):.1f}" for v in e.values())
            lines.append(f"| {edges[i]:.0f}-{edges[i + 1]:.0f} | {cells} |")
        snrs = " | ".join(
            f"**{10 * np.log10(total / v.sum()):.2f}**" for k, v in e.items() if k != "signal"
        )
        return "\n".join([*lines, f"| SNR (dB) | | {snrs} |"])

    def summary(self) -> str:
        """The fill's level against the true band's, their correlation, its best scale."""
        return (
            f"fill above {self.nyq:.0f} Hz: {10 * np.log10(self.fill / self.true):.1f} dB against "
            f"the true band, correlation {self.correlation():.3f}; the SNR-optimal scale of this "
            f"fill is {self.dot / self.fill:.3f}."
        )


def bands(args) -> None:
    from audiosr.data.clips import unavailable_reason
    from audiosr.data.makers import named
    from audiosr.inference.shipped import load_any

    r = args.ratio
    net = load_any(args.model, r)
    print(f"model {args.model}, r = {r}, low-res made by {named(args.maker).label}, blind\n")
    for ds in args.data:
        if unavailable_reason(ds):
            print(f"skipped: {unavailable_reason(ds)}")
            continue
        errors = BandErrors(r)
        for hr, lr in held_out(ds, "test", args.files, r, args.maker):
            errors.add(hr, sinc(lr, r, len(hr)), blind(net, lr, r)[: len(hr)])
        print(f"### {ds} ({errors.files} files)\n")
        print(errors.table())
        print(f"\n{errors.summary()}\n")


# levels


def outputs(net, lr: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    """The model's output with no fill and with its whole fill: every level in between is
    their blend, exactly (all that follows the correction is linear)."""
    net.fill_gain = 0.0
    y0 = blind(net, lr, r)
    net.fill_gain = 1.0
    y1 = blind(net, lr, r)
    return y0, y1


def level_rows(
    pairs, ratio: int, gains, outputs_of, visqol: bool = False, dataset: str = ""
) -> list[dict]:
    """One row per gain over the (original, low-res) `pairs`: the blend of `outputs_of(lr)`
    (no fill, whole fill) at that gain against sinc, means over files."""
    from audiosr.core.perceptual import scores as perceptual

    per = {g: {"snr": [], "lsd": [], "visqol": []} for g in ["sinc", *gains]}
    meters = {g: LineMeter(SR, LINE_SPACING_HZ) for g in per}
    for hr, lr in pairs:
        y0, y1 = outputs_of(lr)
        ests = {"sinc": sinc(lr, ratio, len(hr))}
        ests.update({g: (y0 + g * (y1 - y0))[: len(hr)] for g in gains})
        for g, est in ests.items():
            per[g]["snr"].append(float(snr(est, hr)))
            per[g]["lsd"].append(float(lsd(est, hr, "log10")))
            if visqol:
                per[g]["visqol"].append(perceptual(est, hr, SR, ("ViSQOL",))["ViSQOL"])
            meters[g].add(est, hr)
    mean = {
        g: {k: float(np.nanmean(v)) if v else np.nan for k, v in m.items()} for g, m in per.items()
    }
    return [
        {
            "test set": dataset,
            "files": len(pairs),
            "fill gain": g,
            "SNR - sinc (dB)": round(mean[g]["snr"] - mean["sinc"]["snr"], 3),
            "LSD (log10) / sinc": round(mean[g]["lsd"] / mean["sinc"]["lsd"], 3),
            "ViSQOL - sinc": round(mean[g]["visqol"] - mean["sinc"]["visqol"], 3),
            "strongest added line (dB)": round(meters[g].strongest()[1], 1),
            "between the multiples (dB)": round(meters[g].strongest(HALF)[1], 1),
            "sinc's (dB)": round(meters["sinc"].strongest()[1], 1),
        }
        for g in gains
    ]


def levels(args, argv) -> None:
    from audiosr.core.perceptual import installed
    from audiosr.core.tables import write_table
    from audiosr.data.clips import unavailable_reason
    from audiosr.data.makers import named
    from audiosr.inference.shipped import load_any

    if args.validation:
        return validation(args.model, args.gains, others=tuple(args.beside), tie_from=args.tie_from)
    net = load_any(args.model)
    r = net.config.ratio
    visqol = installed("ViSQOL")
    rows = []
    for ds in args.data:
        if unavailable_reason(ds):
            print(f"skipped: {unavailable_reason(ds)}")
            continue
        pairs = held_out(ds, "test", args.files, r, args.maker)
        for row in level_rows(pairs, r, args.gains, lambda lr: outputs(net, lr, r), visqol, ds):
            rows.append(row)
            print(row, flush=True)
    if args.out and rows:
        out = Path(args.out)
        cmd = "python -m audiosr.evaluation.fill " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
        label = named(args.maker).label
        note = f"Model {args.model}, r = {r}, low-res made by {label}, blind. Made by `{cmd}`."
        write_table(out, rows, notes=note)
        title = f"{Path(args.model).stem}, r = {r}, low-res by {label}, blind"
        figure(rows, out.with_suffix(".png"), title)


def validation(
    state: str,
    gains: list[float],
    n_files: int = 24,
    others: tuple[str, ...] = (),
    tie_from: float | None = None,
) -> None:
    """The fill levels on the whole validation files a growing run selects by (the fill starting
    at `tie_from` of the low-res band where given), then `others` (models as `audiosr upsample
    --checkpoint` names them) on the same files, as they are."""
    import torch

    from audiosr.data.patches import DataConfig
    from audiosr.inference.shipped import load_any
    from audiosr.training.growing import read_state
    from audiosr.training.runs import ensure_cache
    from audiosr.training.validation import VAL_MAKERS, validate_files

    _, meta = read_state(state)
    cache = ensure_cache(DataConfig(**meta["data"]["data_config"]), progress=False)

    def scored(net) -> str:
        row = validate_files(
            net, cache, torch.device("cpu"), n_files, makers=VAL_MAKERS, measures=("ViSQOL",)
        )
        return (
            f"{row['val_file_snr'] - row['sinc_file_snr']:+.3f} | "
            f"{row['val_file_lsd_log10'] / row['sinc_file_lsd_log10']:.3f} | "
            f"{row['val_file_visqol'] - row['sinc_file_visqol']:+.3f} |"
        )

    net = load_any(state)
    if tie_from is not None:
        from audiosr.networks.config import ModelConfig

        ModelConfig(**{**meta["model_config"], "tie_from": tie_from})  # refused where it cannot
        net.tie_from = tie_from
    print(f"{state}: {n_files} whole validation files, low-res by {', '.join(VAL_MAKERS)} in turn")
    if tie_from is not None:
        print(f"the fill starting at {tie_from:g} of the low-res band")
    print("| fill gain | SNR - sinc (dB) | LSD (log10) / sinc | ViSQOL - sinc |")
    print("|---|---|---|---|")
    for g in gains:
        net.fill_gain = g
        print(f"| {g:g} | " + scored(net), flush=True)
    if others:
        print(
            "\n| model, on the same files | SNR - sinc (dB) | LSD (log10) / sinc | ViSQOL - sinc |"
        )
        print("|---|---|---|---|")
        for name in others:
            print(f"| {name} | " + scored(load_any(name)), flush=True)


def figure(rows: list[dict], path: Path, title: str) -> None:
    """SNR, LSD and ViSQOL against sinc per fill gain, a line per test set, beside the goals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from audiosr.listening.plots import save_figure

    panels = (
        ("SNR - sinc (dB)", 0.0, "goal: at least sinc's"),
        ("LSD (log10) / sinc", 0.35, "goal: at most 0.35x"),
        ("ViSQOL - sinc", 0.5, "goal: at least +0.5"),
    )
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, (key, goal, label) in zip(axes, panels):
        for ds in dict.fromkeys(row["test set"] for row in rows):
            mine = [row for row in rows if row["test set"] == ds]
            ax.plot([row["fill gain"] for row in mine], [row[key] for row in mine], "o-", label=ds)
        ax.axhline(goal, color="k", ls="--", lw=1, label=label)
        ax.set(xlabel="fill gain (0: no fill, 1: as trained)", title=key)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    save_figure(fig, path.parent, path.stem, formats=("png",))


# carriers


def spectrum(x: np.ndarray, first: int) -> np.ndarray:
    """The frame generator's STFT of `x` (float64), from bin `first` up."""
    import torch

    from audiosr.networks.framenet import FRAME_HOP, FRAME_N_FFT

    win = torch.hann_window(FRAME_N_FFT, dtype=torch.float64)
    s = torch.stft(torch.as_tensor(x), FRAME_N_FFT, FRAME_HOP, window=win, return_complex=True)
    return s.numpy()[first:]


def phases(x: np.ndarray, first: int) -> dict[str, np.ndarray]:
    """Per carrier, the unit phasors of its nonlinearity of `x` (at unit RMS), from bin `first`."""
    x = x / (np.sqrt(np.mean(x**2)) + 1e-9)
    return {
        name: (s := spectrum(f(x), first)) / (np.abs(s) + 1e-12) for name, f in CARRIERS.items()
    }


ENVELOPE_BINS = 16  # 500 Hz: an envelope across harmonics, as a network's magnitude could be


def magnitudes(true: np.ndarray, how: str) -> np.ndarray:
    """The fill's magnitude above the low-res band from the true band: its own (`true`) or its
    envelope (`envelope`: the true power smoothed over `ENVELOPE_BINS` bins)."""
    if how == "true":
        return np.abs(true)
    from scipy.ndimage import uniform_filter1d

    power = uniform_filter1d(np.abs(true) ** 2, ENVELOPE_BINS, axis=0, mode="nearest")
    return np.sqrt(power)


def network_fill(net, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The network's magnitude above the low-res band for input `x` and its fill as trained
    (that magnitude on its carrier; None for a free fill), from one forward pass."""
    import torch

    with torch.no_grad():
        x2 = torch.as_tensor(x, dtype=torch.float32)[None]
        spec, correction = net.predict(x2)
        mag = correction[:, net.first :].abs()
        own = None if net.fill == "free" else (mag * net.carrier(spec, x2))[0]
    return mag[0].double().numpy(), None if own is None else own.to(torch.complex128).numpy()


def examples(pairs, ratio: int, how: str = "true", net=None) -> list[tuple]:
    """(True band, carrier phases of the sinc-interpolated input, the fill's magnitude and, with
    a fill-tied network, its own fill) of each (original, low-res)."""
    from audiosr.networks.framenet import first_missing_bin

    first = first_missing_bin(ratio)
    out = []
    for hr, lr in pairs:
        true, x = spectrum(hr, first), sinc(lr, ratio, len(hr)).astype(np.float64)
        mag, own = network_fill(net, x) if how == "model" else (magnitudes(true, how), None)
        out.append((true, phases(x, first), mag, own))
    return out


def fit(data, names) -> np.ndarray:
    """Per bin, the complex weights of the named phases that best match the true band."""
    gram, proj = 0, 0
    for true, ph, mag, _ in data:
        x = np.stack([mag * ph[n] for n in names], -1)  # bins, frames, carriers
        gram = gram + np.einsum("ktj,ktl->kjl", x.conj(), x)
        proj = proj + np.einsum("ktj,kt->kj", x.conj(), true)
    eye = 1e-9 * np.eye(len(names))
    return np.stack([np.linalg.lstsq(g + eye, p, rcond=None)[0] for g, p in zip(gram, proj)])


def fill_correlation(pairs) -> float:
    """The correlation of fills with the true band over (true, fill) pairs: Re<f, t> / |f| |t|."""
    num = np.sum([np.real(np.vdot(f, t)) for t, f in pairs])
    norms = np.sum([np.vdot(t, t).real for t, _ in pairs]) * np.sum(
        [np.vdot(f, f).real for _, f in pairs]
    )
    return float(num / np.sqrt(norms))


def correlation(data, names, weights) -> float:
    """The correlation with the true band of a fill with its magnitude on the weighted phases."""
    fills = []
    for true, ph, mag, _ in data:
        mix = sum(weights[:, j, None] * ph[n] for j, n in enumerate(names))
        fills.append((true, mag * np.exp(1j * np.angle(mix))))
    return fill_correlation(fills)


def carrier_rows(train, tests: dict) -> list[list[float]]:
    """Per mix of `MIXES`: the first carrier unrotated and the fitted mix on `train`, then the
    fitted mix on each test set."""
    rows = []
    for names in MIXES:
        w = fit(train, names)
        plain = np.zeros_like(w)
        plain[:, 0] = 1
        row = [correlation(train, names[:1], plain[:, :1]), correlation(train, names, w)]
        rows.append(row + [correlation(d, names, w) for d in tests.values()])
    return rows


def carriers(args) -> None:
    from audiosr.data.clips import unavailable_reason
    from audiosr.data.makers import named

    sets = [args.train, *args.test]
    missing = [f"{s}: {unavailable_reason(s)}" for s in sets if unavailable_reason(s)]
    if missing:
        print("skipped: " + "; ".join(missing))
        return
    r, net = args.ratio, None
    if args.magnitude == "model":
        from audiosr.inference.shipped import load_any

        net = load_any(args.model).eval()
        if not hasattr(net, "predict"):
            raise SystemExit(f"{args.model}: not a frame generator (--magnitude model needs one)")
        r = net.config.ratio

    def data(dataset, split):
        return examples(held_out(dataset, split, args.files, r, args.maker), r, args.magnitude, net)

    train = data(args.train, "train")
    tests = {s: data(s, "test") for s in args.test}
    source = {"true": "the true band's", "envelope": "the true band's envelope"}
    print(f"r = {r}, low-res made by {named(args.maker).label}, fill magnitude: "
          f"{source.get(args.magnitude, args.model)}, weights fitted on")  # fmt: skip
    print(
        f"{len(train)} {args.train} files; correlation with the true band above the low-res band\n"
    )
    print("| carrier phases | no rotation | fitted (train) | " + " | ".join(tests) + " |")
    print("|---" * (3 + len(tests)) + "|")
    if net is not None and net.fill != "free":
        own = [fill_correlation([(t, f) for t, _, _, f in d]) for d in (train, *tests.values())]
        print(f"| as trained ({net.fill}) | | " + " | ".join(f"{v:.3f}" for v in own) + " |")
    for names, row in zip(MIXES, carrier_rows(train, tests)):
        print(f"| {' + '.join(names)} | " + " | ".join(f"{v:.3f}" for v in row) + " |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m audiosr.evaluation.fill", description=__doc__.split("\n")[0]
    )
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bands", help="the error each method leaves per frequency band")
    b.add_argument("--model", default=MODEL)
    b.add_argument("--ratio", type=int, default=4)
    lv = sub.add_parser("levels", help="the fill scaled by each gain against sinc")
    lv.add_argument("--model", default=MODEL)
    for p in (b, lv):
        p.add_argument("--data", nargs="+", default=list(TEST_SETS))
        p.add_argument("--maker", default="soxr")
        p.add_argument("--files", type=int, default=40, help="at most this many per test set")
    lv.add_argument("--gains", type=float, nargs="+", default=list(GAINS))
    lv.add_argument("--out", default=None, help="write OUT.md / OUT.csv and the figure OUT.png")
    lv.add_argument(
        "--validation",
        action="store_true",
        help="score the growing state's own whole validation files instead (the selection rule's "
        "ground: its data's validation split, low-res made by five makers in turn)",
    )
    lv.add_argument(
        "--beside", nargs="+", default=[], help="with --validation: other models on the same files"
    )
    lv.add_argument(
        "--tie-from",
        type=float,
        default=None,
        help="with --validation: where the rectified fill starts (a fraction of the band)",
    )
    c = sub.add_parser("carriers", help="how much of the band a carrier's phase could get right")
    c.add_argument("--ratio", type=int, default=4)
    c.add_argument("--maker", default="soxr")
    c.add_argument("--train", default="librispeech-train")
    c.add_argument("--test", nargs="+", default=list(TEST_SETS))
    c.add_argument("--files", type=int, default=24, help="per set")
    c.add_argument("--magnitude", choices=("true", "envelope", "model"), default="true")
    c.add_argument("--model", default=MODEL, help="with --magnitude model: a frame generator")
    args = ap.parse_args(argv)
    if args.command == "bands":
        bands(args)
    elif args.command == "levels":
        levels(args, argv)
    else:
        carriers(args)
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))
