"""The shipped models' report: spline, soxr and a model on real speech no model trained or was
tuned on, whole files, with the gain over the spline and the lines each method adds; with
`lowres`, for low-res input made each of several ways (the robustness benchmark)."""

from __future__ import annotations

from pathlib import Path

from audiosr.core.distrib import pick_device
from audiosr.core.metrics import LINE_SPACING_HZ, LineMeter
from audiosr.core.perceptual import NO_REFERENCE, gap_closed
from audiosr.data.patches import DataConfig
from audiosr.evaluation.baselines import POLYPHASE, SINC, SPLINE, all_baselines
from audiosr.evaluation.evaluate import evaluate_split, model_method, summarize, table_row

REAL_TEST_SETS = ("vctk-sample", "librispeech-test-other")


def real_speech_rows(
    ratios=(2, 4, 6),
    datasets=REAL_TEST_SETS,
    model: str | tuple[str, ...] | None = None,
    device: str = "cpu",
    progress: bool = True,
    lines: dict | None = None,
    cache_root: str | Path = "data/cache",
    lowpass: bool = True,
    perceptual: tuple[str, ...] = (),
    lowres: tuple[str, ...] = (),
) -> list[dict]:
    """Spline, soxr and a model (default: the shipped one per ratio; a name or path may hold
    ``{r}`` for the ratio; several side by side as a tuple) on real speech no model trained on, whole files: mean SNR / LSD, the model's
    gain over the spline, with no-reference `perceptual` measures (DNSMOS) the reference's
    score and the share of the spline-to-reference gap each method closes, and the strongest line each method adds at a multiple of 125 Hz
    (`LineMeter`). With `lines` (a dict), every method's lines land in
    ``lines[(r, test set, method)]`` for a figure. Absent sets are skipped with a printed reason.
    `lowpass=False` makes the low-res input with plain `x[::r]`, as the original code's
    MultiSpeaker pipeline did (its Makefiles omit the low-pass filter). `lowres` (names of
    `makers.NAMED`) repeats everything for low-res input made each of those ways (the
    robustness benchmark; a maker that does not apply at a ratio is skipped, saying why); the
    model then runs through the command's whole pipeline (`model_method` with the ratio), and,
    for `decimate` input, also as told how the input was made (`made_by`)."""
    from audiosr.data.clips import unavailable_reason
    from audiosr.data.makers import named, supports
    from audiosr.inference.shipped import load_any
    from audiosr.training.runs import ensure_cache

    makers = [named(m) for m in lowres] or [None]
    models = [model] if model is None or isinstance(model, str) else list(model)
    label_of = {m: "shipped model" if m is None else f"model {Path(m).stem}" for m in models}
    if len(set(label_of.values())) < len(models):  # the rows name a model by its file's stem
        raise ValueError(f"models {models} share a file name: score them in separate calls.")

    available = [ds for ds in datasets if not unavailable_reason(ds)]
    for ds in datasets:
        if ds not in available:
            print(f"skipped: {unavailable_reason(ds)}")
    dev = pick_device(device)
    rows = []
    for r in ratios:
        methods = {k: v for k, v in all_baselines(r).items() if k != POLYPHASE}
        nets = {}
        for name in models:
            path = name.replace("{r}", str(r)) if name else None
            label = label_of[name]
            nets[label] = load_any(path, r, dev)
            methods[label] = model_method(nets[label], dev, r if lowres else None)
        for ds, maker in ((ds, m) for ds in available for m in makers):
            if maker is not None and supports(maker, r):
                print(f"skipped {maker.label} at r = {r}: {supports(maker, r)}")
                continue
            cache = ensure_cache(DataConfig(dataset=ds, ratio=r, lowpass=lowpass), cache_root)
            here = dict(methods)
            for label, net in nets.items():
                if (
                    maker is not None
                    and maker.kind == "decimate"
                    and getattr(net, "front_end", False)
                ):
                    here[f"{label}, told decimate"] = model_method(net, dev, r, made_by="decimate")
            meters = {m: LineMeter(cache.config.sr, LINE_SPACING_HZ) for m in here}
            summary = summarize(
                evaluate_split(cache, "test", here, progress, meters, perceptual, maker)
            )
            spline = next(row for row in summary if row["method"] == SPLINE)
            sinc = next(row for row in summary if row["method"] == SINC)
            for row in summary:
                freq, db = meters[row["method"]].strongest()
                rows.append(
                    {
                        "r": r,
                        "test set": ds,
                        **({"low-res made by": maker.label} if maker is not None else {}),
                        **table_row(row),
                        "SNR - spline (dB)": round(row["SNR (dB)"] - spline["SNR (dB)"], 2),
                        "LSD / spline": round(row["LSD"] / spline["LSD"], 2),
                        # the field's comparison: band-limited interpolation, log10 LSD
                        "SNR - sinc (dB)": round(row["SNR (dB)"] - sinc["SNR (dB)"], 2),
                        "LSD (log10) / sinc": round(row["LSD (log10)"] / sinc["LSD (log10)"], 2),
                        "strongest added line (dB)": round(db, 1),
                        "peak": round(row["peak"], 2),
                        "at (Hz)": int(freq),
                        **{
                            f"{m} gap closed": round(
                                gap_closed(row[m], spline[m], row[f"{m} (reference)"]), 2
                            )
                            for m in NO_REFERENCE
                            if f"{m} (reference)" in row
                        },
                    }
                )
                if lines is not None:
                    lines[(r, ds, row["method"])] = meters[row["method"]].lines()
    return rows
