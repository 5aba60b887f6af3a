"""What a frame model's fill of the missing band is worth, level by level: its output with the
correction above the low-res band scaled by each gain (`fill_gain`; 0 = no fill, 1 = as
trained) against sinc interpolation (soxr VHQ), on real speech no model trained on (whole
files, low-res made by a maker, the model blind through the pipeline): SNR, LSD (log10),
ViSQOL and the strongest added line at a multiple of 125 Hz (beside the same measure halfway
between the multiples: how far the meter reads on a fill with no comb). A fill that cannot know the true band's phase costs SNR
as the square of its level, while LSD and ViSQOL gain; the figure shows where the goals meet.

    .venv/bin/python scripts/fill-level.py --model audiosr/models/growing/framenet-r4.safetensors \
        --out figures/fill-level-r4
    .venv/bin/python scripts/fill-level.py --validation --gains 0 0.125 0.25 0.375 0.5 1
"""

import argparse
from pathlib import Path

import numpy as np

import audiosr
from audiosr.core.audio import load_audio
from audiosr.core.metrics import LINE_SPACING_HZ, LineMeter, lsd, snr
from audiosr.core.perceptual import installed
from audiosr.core.perceptual import scores as perceptual
from audiosr.core.tables import write_table
from audiosr.data.clips import load_clips, unavailable_reason
from audiosr.data.makers import make_lowres, named

SR = 16000
GAINS = (0.0, 0.25, 0.5, 0.75, 1.0)
HALF = LINE_SPACING_HZ / 2  # the line meter between its multiples: its own spread, a control


def outputs(net, lr: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    """The model's output with no fill and with its whole fill: every level in between is
    their blend, exactly (all that follows the correction is linear)."""
    net.fill_gain = 0.0
    y0 = np.asarray(audiosr.upsample(lr, SR / r, r, model=net), np.float64)
    net.fill_gain = 1.0
    y1 = np.asarray(audiosr.upsample(lr, SR / r, r, model=net), np.float64)
    return y0, y1


def main(argv=None) -> None:
    import soxr

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="audiosr/models/growing/framenet-r4.safetensors")
    ap.add_argument("--data", nargs="+", default=["vctk-sample", "librispeech-test-other"])
    ap.add_argument("--maker", default="soxr")
    ap.add_argument("--files", type=int, default=40, help="at most this many per test set")
    ap.add_argument("--gains", type=float, nargs="+", default=list(GAINS))
    ap.add_argument("--out", default=None, help="write OUT.md / OUT.csv and the figure OUT.png")
    ap.add_argument(
        "--validation",
        action="store_true",
        help="score the growing state's own whole validation files instead (the selection rule's "
        "ground: its data's validation split, low-res made by five makers in turn)",
    )
    args = ap.parse_args(argv)
    if args.validation:
        return validation(args.model, args.gains)
    net = audiosr.load_model(args.model)
    r = net.config.ratio
    visqol = installed("ViSQOL")
    rows = []
    for ds in args.data:
        if unavailable_reason(ds):
            print(f"skipped: {unavailable_reason(ds)}")
            continue
        clips = [c for c in load_clips(ds) if c.split == "test"]
        picks = np.linspace(0, len(clips) - 1, min(args.files, len(clips))).astype(int)
        per = {g: {"snr": [], "lsd": [], "visqol": []} for g in ["sinc", *args.gains]}
        meters = {g: LineMeter(SR, LINE_SPACING_HZ) for g in per}
        for i in picks:
            hr = load_audio(clips[i].path, SR).astype(np.float64)
            hr = hr[: len(hr) // r * r]
            lr = make_lowres(hr.astype(np.float32), r, named(args.maker))
            y0, y1 = outputs(net, lr, r)
            ests = {"sinc": soxr.resample(lr, SR / r, SR, quality="VHQ")[: len(hr)]}
            ests.update({g: (y0 + g * (y1 - y0))[: len(hr)] for g in args.gains})
            for g, est in ests.items():
                per[g]["snr"].append(float(snr(est, hr)))
                per[g]["lsd"].append(float(lsd(est, hr, "log10")))
                if visqol:
                    per[g]["visqol"].append(perceptual(est, hr, SR, ("ViSQOL",))["ViSQOL"])
                meters[g].add(est, hr)
        mean = {
            g: {k: float(np.nanmean(v)) if v else np.nan for k, v in m.items()}
            for g, m in per.items()
        }
        for g in args.gains:
            rows.append(
                {
                    "test set": ds,
                    "files": len(picks),
                    "fill gain": g,
                    "SNR - sinc (dB)": round(mean[g]["snr"] - mean["sinc"]["snr"], 3),
                    "LSD (log10) / sinc": round(mean[g]["lsd"] / mean["sinc"]["lsd"], 3),
                    "ViSQOL - sinc": round(mean[g]["visqol"] - mean["sinc"]["visqol"], 3),
                    "strongest added line (dB)": round(meters[g].strongest()[1], 1),
                    "between the multiples (dB)": round(meters[g].strongest(HALF)[1], 1),
                    "sinc's (dB)": round(meters["sinc"].strongest()[1], 1),
                }
            )
            print(rows[-1], flush=True)
    if args.out and rows:
        out = Path(args.out)
        cmd = "python scripts/fill-level.py " + " ".join(
            argv if argv is not None else __import__("sys").argv[1:]
        )
        note = f"Model {args.model}, r = {r}, low-res made by {named(args.maker).label}, blind. Made by `{cmd}`."
        write_table(out, rows, notes=note)
        title = f"{Path(args.model).stem}, r = {r}, low-res by {named(args.maker).label}, blind"
        figure(rows, out.with_suffix(".png"), title)


def validation(state: str, gains: list[float], n_files: int = 24) -> None:
    """The fill levels on the whole validation files a growing run selects by."""
    import torch

    from audiosr.data.patches import DataConfig
    from audiosr.training.growing import read_state
    from audiosr.training.runs import ensure_cache
    from audiosr.training.validation import VAL_MAKERS, validate_files

    _, meta = read_state(state)
    cache = ensure_cache(DataConfig(**meta["data"]["data_config"]), progress=False)
    net = audiosr.load_model(state)
    print(f"{state}: {n_files} whole validation files, low-res by {', '.join(VAL_MAKERS)} in turn")
    print("| fill gain | SNR - sinc (dB) | LSD (log10) / sinc | ViSQOL - sinc |")
    print("|---|---|---|---|")
    for g in gains:
        net.fill_gain = g
        row = validate_files(
            net, cache, torch.device("cpu"), n_files, makers=VAL_MAKERS, measures=("ViSQOL",)
        )
        print(
            f"| {g:g} | {row['val_file_snr'] - row['sinc_file_snr']:+.3f} | "
            f"{row['val_file_lsd_log10'] / row['sinc_file_lsd_log10']:.3f} | "
            f"{row['val_file_visqol'] - row['sinc_file_visqol']:+.3f} |",
            flush=True,
        )


def figure(rows: list[dict], path: Path, title: str) -> None:
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


if __name__ == "__main__":
    main()
