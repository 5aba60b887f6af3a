"""The reports made from tables already written: README's verdict from the committed tables in
figures/, the real-speech perceptual summary, the robustness matrix, the shipped runs'
validation curves, the scaling figure, and runs side by side (the one-off comparisons in docs).

    audiosr report verdict [--out figures/verdict]   # README's "Does it reproduce?" table
    audiosr report perceptual [CSV ...]             # default figures/real-speech-perceptual-r*.csv
    audiosr report robustness [CSV ...]             # default figures/robustness-r*.csv
    audiosr report shipped-training                 # figures/shipped-training.{png,svg,pdf}
    audiosr report scaling                          # figures/scaling.* redrawn from its .csv
    audiosr report runs RUN ... [--split val]       # runs' training and scores side by side
    audiosr report runs -f BASE.yaml --variants V.yaml ... [--cost] [--rescore 60]
                                                    # a comparison: each variant's run on the base
    audiosr report field TABLE.csv                  # the field's goals from a real-speech table

Each reads the tables through `audiosr.core.tables`; a table that is missing is named and skipped.
"""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from pathlib import Path

from audiosr.core.paths import FIGURES, resolve
from audiosr.core.tables import markdown_table, read_csv, write_table
from audiosr.evaluation.verdict import (
    ablation_claim,
    paper_margin,
    table2_claim,
    table2_claims_from_rows,
    table3_claim,
    transfer_claim,
)

# The baselines' names (`baselines.SPLINE`) are imported where they are used: `audiosr` builds
# this command's parser on every call, and the baselines module brings scipy.signal (a second).
SETS = {"vctk-sample": "VCTK sample", "librispeech-test-other": "LibriSpeech test-other"}


def _paths(given: list[str], pattern: str) -> list[Path]:
    """The tables named on the command line, else every committed one matching `pattern`."""
    return [resolve(p) for p in given] if given else sorted(FIGURES.glob(pattern))


def _rows(paths: list[Path]) -> list[dict]:
    return [row for p in paths for row in read_csv(p)]


# -- README's verdict ------------------------------------------------------------------------

DEMO = "3 minutes of CPU (`make demo`)"
SHIPPED = "about an hour of CPU (the shipped model)"
# the no-low-pass runs: the shipped recipe, as far as each got (their tables' notes)
NOLOWPASS = {
    2: "the shipped recipe without the low-pass filter, 2 epochs (about 15 CPU-minutes)",
    4: "the shipped recipe without the low-pass filter, 13 of 20 epochs (about 1 CPU-hour)",
    6: "the shipped recipe without the low-pass filter, 2 epochs (about 15 CPU-minutes)",
}
VERDICT_COMMAND = "audiosr report verdict --out figures/verdict"


def _committed(folder: Path, name: str) -> list[dict] | None:
    path = folder / f"{name}.csv"
    if not path.is_file():
        print(f"skipped: {path} is missing", file=sys.stderr)
        return None
    return read_csv(path)


def verdict_claims(folder: Path = FIGURES) -> list[dict]:
    """Each claim of the paper, our number with its budget, the paper's, and the verdict by the
    rules fixed in `audiosr.evaluation.verdict`, from the result tables in `folder` (run `make
    demo`, or the command in a table's own .md, to make one that is missing)."""
    from audiosr.evaluation.baselines import SPLINE

    claims = []
    table2 = _committed(folder, "table2-embedded-speech-multi")
    if table2:
        claims += table2_claims_from_rows(
            table2,
            "test data",
            lambda m: DEMO if m.startswith("AudioUNet") else SHIPPED if "shipped" in m else None,
            SPLINE,
        )
    shipped = _committed(folder, "real-speech-shipped")
    if shipped and not any(c["budget"] == SHIPPED for c in claims):  # else Table 2 has them
        claims += table2_claims_from_rows(
            shipped, "test set", lambda m: SHIPPED if m == "shipped model" else None, SPLINE
        )
    for path in sorted(folder.glob("real-speech-nolowpass-r*.csv")):
        r = int(path.stem.removeprefix("real-speech-nolowpass-r"))
        claims += table2_claims_from_rows(
            read_csv(path),
            "test set",
            lambda m: NOLOWPASS[r] if "nolowpass" in m else None,
            SPLINE,
            note=", input and training without the low-pass filter",
        )
    table3 = _committed(folder, "table3-lowpass")
    if table3:
        claims += _table3_claims(table3)
    transfer = _committed(folder, "transfer")
    if transfer:
        claims.append(_transfer_claim(transfer))
    figure3 = _committed(folder, "figure3-ablation")
    if figure3:
        loss = {row["model"]: float(row["val MSE"]) for row in figure3}
        a = ablation_claim(loss["full model"], loss["no residual"], loss["no residual, no skips"])
        claims.append(
            {
                "claim": "Figure 3 (r = 4): full < no residual < neither; skips matter most",
                "ours": f"val MSE {a['full']:.2e} < {a['no residual']:.2e} / "
                f"{a['no residual, no skips']:.2e}",
                "budget": DEMO,
                "paper": "full < no residual < neither; skips matter most",
                "verdict": a["verdict"],
            }
        )
    claims.append(
        {
            "claim": "Table 1 (MUSHRA, r = 4): listeners prefer the model to the spline",
            "ours": "no listening test has been run: objective proxies only (the real-speech table)",
            "budget": SHIPPED,
            "paper": "ours 61.3, DNN 56.3, spline 35.3",
            "verdict": "not measured",
        }
    )
    return claims


def _table3_claims(table3: list[dict]) -> list[dict]:
    """Table 3's two mismatched cells, and the piano r = 2 row of Table 2 from its matched one."""
    from audiosr.evaluation.baselines import SPLINE

    cell = {row["method"]: row for row in table3}
    col = {True: "tested with LPF (SNR / LSD)", False: "tested without LPF (SNR / LSD)"}
    name = {True: "trained with LPF", False: "trained without LPF"}

    def part(method, tested, k=0):
        return float(cell[method][col[tested]].split(" / ")[k])

    grid = {(tr, te): part(name[tr], te) for tr in (True, False) for te in (True, False)}
    spline = {te: part(SPLINE, te) for te in (True, False)}
    claims = [
        {
            "claim": f"Table 3 (piano, r = 2): trained {c['trained']}, tested {c['tested']}, "
            "the model fails",
            "ours": f"{c['SNR (dB)']} dB (matched {c['matched model (dB)']}, spline "
            f"{c['spline (dB)']})",
            "budget": DEMO,
            "paper": f"{c['paper (dB)']} dB (matched {c['paper matched (dB)']})",
            "verdict": c["verdict"],
        }
        for c in table3_claim(grid, spline)
    ]
    lsd, lsd_spline = part(name[True], True, 1), part(SPLINE, True, 1)
    piano = table2_claim("Piano", 2, (grid[(True, True)], lsd), (spline[True], lsd_spline))
    claims.append(
        {
            "claim": "Table 2, Piano r = 2: beats the spline by the paper's margin",
            "ours": f"{piano['SNR gain (dB)']:+.2f} dB, LSD {piano['LSD / spline']:.2f}x",
            "budget": DEMO,
            "paper": paper_margin("Piano", 2),
            "verdict": piano["verdict"],
        }
    )
    return claims


def _transfer_claim(transfer: list[dict]) -> dict:
    by = {
        (row["test data"].split(" ")[0], row["method"]): float(row["SNR (dB)"]) for row in transfer
    }
    domains = ("speech", "piano")
    t = transfer_claim({(a, b): by[(b, f"trained on {a}")] for a in domains for b in domains})
    return {
        "claim": "Transfer speech <-> piano (r = 2) degrades",
        "ours": f"speech model on piano {-t['speech -> piano loses (dB)']:+.2f} dB, piano "
        f"model on speech {-t['piano -> speech loses (dB)']:+.2f} dB against the "
        "test domain's own model",
        "budget": DEMO,
        "paper": "degrades (noisy output)",
        "verdict": t["verdict"],
    }


# -- the perceptual summary --------------------------------------------------------------------

PERCEPTUAL_MEASURES = (  # column, CSV field, digits
    ("SNR (dB)", "SNR (dB)", 1),
    ("LSD", "LSD", 1),
    ("PESQ-WB", "PESQ-WB (objective)", 2),
    ("STOI", "STOI (objective)", 2),
    ("ViSQOL", "ViSQOL (objective)", 2),
    ("DNSMOS OVRL", "DNSMOS-OVRL (objective)", 2),
    ("DNSMOS P.808", "DNSMOS-P808 (objective)", 2),
)


def _perceptual_kind(method: str, r: int) -> str | None:
    from audiosr.evaluation.baselines import SPLINE

    return {
        SPLINE: "spline",
        f"model audiounet-small-r{r}": "MSE",
        f"model audiounet-perceptual-r{r}": "perceptual",
    }.get(method)


def perceptual_summary(rows: list[dict]) -> str:
    """The real-speech table of docs/results.md from the perceptual benchmark's rows
    (`python -m audiosr.evaluation --real --ratios R --model audiounet-small-rR
    audiounet-perceptual-rR --perceptual PESQ-WB STOI ViSQOL DNSMOS-SIG DNSMOS-BAK DNSMOS-OVRL
    DNSMOS-P808 --out figures/real-speech-perceptual-rR`): per ratio and test set, each measure
    as spline / MSE model / perceptual model, the no-reference measures with the reference's
    score and the share of the spline-to-reference gap the perceptual model (else the MSE
    model) closes; then how far the perceptual model is from its goals (ViSQOL >= spline + 0.6,
    P.808 closing a third of the gap, LSD <= 0.4x the spline's, SNR >= the spline's, no added
    line above 3 dB)."""
    cells: dict[tuple[int, str], dict[str, dict]] = {}
    for row in rows:
        r = int(row["r"])
        if (k := _perceptual_kind(row["method"], r)) is not None:
            cells.setdefault((r, row["test set"]), {})[k] = row
    head = [name for name, _, _ in PERCEPTUAL_MEASURES]
    lines = ["| r | test set (files) | " + " | ".join(head) + " |"]
    lines.append("|---" * (2 + len(head)) + "|")
    short = []
    for (r, ds), by in sorted(cells.items()):
        order = [k for k in ("spline", "MSE", "perceptual") if k in by]
        out = []
        for _, field, digits in PERCEPTUAL_MEASURES:
            values = " / ".join(f"{float(by[k][field]):.{digits}f}" for k in order)
            ref = by["spline"].get(field.replace("(objective)", "(reference)"))
            last = order[-1]  # the perceptual model where one ships, else the MSE model
            if "(objective)" in field and ref and last != "spline":
                gap = float(by[last].get(field.split(" ")[0] + " gap closed"))
                closed = "no gap to close" if math.isnan(gap) else f"{gap:+.0%} of the gap"
                values += f" (ref {float(ref):.2f}; {closed})"
            out.append(values)
        where = f"{SETS.get(ds, ds)} ({by['spline']['files']})"
        lines.append(f"| {r} | {where} | " + " | ".join(out) + " |")
        if "perceptual" in by:
            short.append(f"r = {r}, {SETS.get(ds, ds)}: " + _perceptual_goals(by))
    lines += ["", "spline / MSE model / perceptual model; goals of the perceptual model:"]
    return "\n".join(lines + [f"- {line}" for line in short])


def _perceptual_goals(by: dict[str, dict]) -> str:
    """The perceptual model's goals it misses, each with how far, or "every goal met"."""
    s, p = by["spline"], by["perceptual"]

    def f(row, k):
        return float(row[k])

    checks = {
        "ViSQOL +0.6": f(p, "ViSQOL (objective)") - f(s, "ViSQOL (objective)") - 0.6,
        "P.808 1/3 of the gap": f(p, "DNSMOS-P808 gap closed") - 1 / 3,
        "LSD 0.4x": 0.4 - f(p, "LSD") / f(s, "LSD"),
        "SNR >= spline": f(p, "SNR (dB)") - f(s, "SNR (dB)"),
        "lines <= 3 dB": 3.0 - f(p, "strongest added line (dB)"),
    }
    missed = [f"{k} (short by {abs(v):.2f})" for k, v in checks.items() if v < 0]
    return "; ".join(missed) or "every goal met"


# -- the robustness matrix ---------------------------------------------------------------------


def robustness_summary(rows: list[dict]) -> str:
    """docs/robustness.md's matrix from the benchmark's rows (`python -m audiosr.evaluation
    --real --ratios R --lowres ... --out figures/robustness-rR`): per ratio and low-res maker,
    spline and shipped model on both test sets (SNR dB / LSD), the model's gain, its LSD ratio,
    its peak, and how far each row falls short of the goals (SNR +0.5 dB over the spline and
    LSD <= 0.6x; telephone: SNR >= the spline's, LSD <= 0.7x; a peak above 1.0 and 2 % above
    the spline's, which follows the reference's)."""
    from audiosr.evaluation.baselines import SPLINE

    cell = defaultdict(dict)  # (r, maker, method) -> {test set: row}
    for row in rows:
        told = row["method"].endswith("told decimate")
        method = "model" if row["method"].startswith(("shipped model", "model ")) else row["method"]
        maker = row["low-res made by"] + (", told so" if told else "")
        cell[(int(row["r"]), maker, method)][row["test set"]] = row
    lines = [
        "| r | low-res made by | VCTK sample: spline | model | LibriSpeech test-other: spline "
        "| model | SNR gain | LSD ratio | peak | short of the goal by |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r, maker, method in sorted(k for k in cell if k[2] == "model"):
        m, s = cell[(r, maker, "model")], cell[(r, maker.split(",")[0], SPLINE)]
        need_gain, need_lsd = (0.0, 0.7) if maker.startswith("telephone") else (0.5, 0.6)
        out, gains, ratios = [], [], []
        for ds in SETS:
            if ds not in m:
                out += ["", ""]
                continue
            out.append(f"{float(s[ds]['SNR (dB)']):.1f} / {float(s[ds]['LSD']):.1f}")
            out.append(f"**{float(m[ds]['SNR (dB)']):.1f} / {float(m[ds]['LSD']):.1f}**")
            gains.append(float(m[ds]["SNR (dB)"]) - float(s[ds]["SNR (dB)"]))
            ratios.append(float(m[ds]["LSD"]) / float(s[ds]["LSD"]))
        short = []
        if min(gains) < need_gain:
            short.append(f"{need_gain - min(gains):.2f} dB SNR")
        if max(ratios) > need_lsd:
            short.append(f"{max(ratios) - need_lsd:.2f} LSD ratio")
        peak = max(float(m[ds]["peak"]) for ds in m)
        ref_peak = max(float(s[ds]["peak"]) for ds in s)  # the spline's: near the reference's
        if peak > 1.02 * max(1.0, ref_peak):
            short.append(f"peak {peak:.2f}")
        lines.append(
            f"| {r} | {maker} | " + " | ".join(out) + f" | {' / '.join(f'{g:+.2f}' for g in gains)}"
            f" | {' / '.join(f'{x:.2f}' for x in ratios)} | {peak:.2f} | {'; '.join(short) or 'met'} |"
        )
    return "\n".join(lines)


# -- the shipped runs' training ----------------------------------------------------------------


def shipped_histories(models: Path | None = None, runs: Path | None = None) -> dict:
    """The history of each shipped model's run (label -> rows), from its run folder under
    `runs`; a run that is not here is named and left out."""
    from audiosr.inference.shipped import DEFAULTS, SHIPPED_DIR

    models, runs = models or SHIPPED_DIR, runs or resolve("runs")
    histories = {}
    for meta_path in sorted(p for p in models.glob("*.json") if p.name != DEFAULTS):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        history = runs / meta["run"] / "history.json"
        if not history.is_file():
            how = meta["recipe"].split(";")[0]
            print(f"skipped {meta_path.stem}: {history} not here (train it with {how})")
            continue
        label = f"{meta_path.stem} (r = {meta['model_config']['ratio']})"
        histories[label] = json.loads(history.read_text(encoding="utf-8"))
    return histories


def shipped_training(histories: dict, out: Path = FIGURES) -> list[Path]:
    """Whole-file validation curves of the runs behind the shipped models (best epoch starred):
    `out`/shipped-training.{png,svg,pdf}."""
    from audiosr.listening.plots import file_validation_curves, save_figure

    return save_figure(file_validation_curves(histories), out, "shipped-training")


# -- the gain with training compute ------------------------------------------------------------

SCALING = "python -m audiosr.scaling"  # the experiment: snapshots at training budgets, scored
# The paper's budget: "about 2 days for MultiSpeaker on a Titan X". In FLOPs, an estimate from
# the card's fp32 peak (11 TFLOPS): drawn at 30% of it, with a bar up to the peak itself.
PAPER_HOURS, TITAN_X_FLOPS, PAPER_UTILISATION = 48.0, 11e12, 0.3
SCORE_KEYS = ("SNR - spline (dB)", "LSD / spline")  # in this order (the scores file sorts keys)


def paper_flops(utilisation: float = PAPER_UTILISATION) -> float:
    return PAPER_HOURS * 3600 * TITAN_X_FLOPS * utilisation


def scaling_figure(rows: list[dict], ratio: int, out: Path) -> None:
    """The gain and the LSD ratio against training FLOPs, a colour per model and a marker per
    test set, the paper's point starred: `out`.{png,svg,pdf}."""
    import matplotlib.pyplot as plt

    from audiosr.evaluation.paper import TABLE2
    from audiosr.listening.plots import save_figure

    fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
    paper = TABLE2[("MultiSpeaker", ratio)]
    marks = {"vctk-sample": "o", "librispeech-test-other": "s"}
    series = sorted({(r["network"], r["width"]) for r in rows})
    for colour, (net, width) in enumerate(series):  # a colour per model, a marker per test set
        for test_set, mark in marks.items():
            pts = sorted(
                (
                    r
                    for r in rows
                    if (r["network"], r["width"], r["test set"]) == (net, width, test_set)
                ),
                key=lambda r: r["training TFLOPs"],
            )
            if not pts:
                continue
            xs = [r["training TFLOPs"] for r in pts]
            for ax, key in zip(axes, SCORE_KEYS):
                ax.plot(
                    xs,
                    [r[key] for r in pts],
                    marker=mark,
                    color=f"C{colour}",
                    ls="-" if test_set == "vctk-sample" else ":",
                    label=f"{net} width {width:g}, {test_set}",
                )
    px = paper_flops() / 1e12
    axes[0].errorbar(
        [px],
        [paper["Ours"][0] - paper["Spline"][0]],
        xerr=[[0], [paper_flops(1.0) / 1e12 - px]],
        color="k",
        capsize=3,
    )
    axes[0].scatter(
        [px],
        [paper["Ours"][0] - paper["Spline"][0]],
        marker="*",
        s=160,
        color="k",
        label="the paper (VCTK, full width; 2 days on a Titan X, FLOPs estimated)",
        zorder=5,
    )
    axes[1].scatter(
        [px], [paper["Ours"][1] / paper["Spline"][1]], marker="*", s=160, color="k", zorder=5
    )
    for ax, label in zip(axes, ("SNR gain over the spline (dB)", "LSD / spline's")):
        ax.set_xscale("log")
        ax.set_xlabel("training compute (TFLOPs)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].axhline(0, color="grey", lw=0.8)
    axes[1].axhline(1, color="grey", lw=0.8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="outside lower center", ncol=3)  # off the points
    fig.suptitle(
        f"Gain with training compute, r = {ratio}, real test speech (whole files); no extrapolation drawn"
    )
    save_figure(fig, out.parent, out.name)


def write_scaling(rows: list[dict], out: Path, ratio: int = 4, command: str = SCALING) -> str:
    """The scaling experiment's `rows` (`audiosr.scaling`) as the table `out`.{csv,md} and the
    figure `out`.{png,svg,pdf} (`scaling_figure`); the table's text."""
    notes = (
        f"The paper's point: {paper_flops() / 1e12:.3g} training TFLOPs, estimated as about 2 days on "
        f"a Titan X at {PAPER_UTILISATION:.0%} of its fp32 peak (up to {paper_flops(1.0) / 1e12:.3g} at the peak).\n\n"
        f"Made by `{command}` (its arguments in each snapshot's recipe); a growing run's points "
        "(`--growing STATE`) are the versions of its state committed to the repository, each "
        "scored with its fill as trained."
    )
    md = write_table(out, rows, f"Gain with training compute, r = {ratio}", notes)
    scaling_figure(rows, ratio, out)
    return md.read_text(encoding="utf-8")


# -- runs side by side -------------------------------------------------------------------------


def _model_and_spline(rows: list[dict]) -> tuple[dict, dict]:
    """Mean SNR / LSD of the model and the spline over the clips of an eval-<split>.csv (the
    evaluation command's per-file rows; the model is the method after the baselines)."""
    from audiosr.evaluation.baselines import SPLINE

    methods = list(dict.fromkeys(r["method"] for r in rows))

    def mean(method):
        sel = [r for r in rows if r["method"] == method]
        return {
            "files": len(sel),
            "snr": sum(float(r["snr"]) for r in sel) / len(sel),
            "lsd": sum(float(r["lsd"]) for r in sel) / len(sel),
        }

    return mean(methods[-1]), mean(SPLINE)


def run_row(run: Path, split: str | None = None, minutes: float | None = None) -> dict:
    """One run folder's training (epochs, steps, audio seconds trained per second, minutes) and
    scores: the model's whole `split` files beside the spline's where the evaluation command
    scored them (`python -m audiosr.evaluation RUN --split SPLIT`, its eval-<split>.csv), else
    the whole validation files training scored at its last epoch (`file_val`). `minutes`:
    the last epoch within that much training time, for runs compared at equal time."""
    history = [h for h in json.loads((run / "history.json").read_text()) if h["epoch"]]
    if minutes is not None:
        spent, within = 0.0, []
        for h in history:
            spent += h.get("seconds", 0.0)
            if spent <= 60 * minutes + 1e-6:
                within.append(h)
        history = within
    if not history:
        raise ValueError(f"{run}: no epoch within {minutes} training minutes")
    last = history[-1]
    row = {
        "run": run.name,
        "epochs": last["epoch"],
        "steps": sum(h.get("steps", 0) for h in history),
        "audio s / s": f"{sum(h['audio_s_per_s'] for h in history) / len(history):.1f}",
        "training minutes": f"{sum(h.get('seconds', 0.0) for h in history) / 60:.1f}",
    }
    evaluated = run / f"eval-{split}.csv" if split else None
    if evaluated is not None and evaluated.is_file():
        model, spline = _model_and_spline(read_csv(evaluated))
        scored = f"whole {split} files ({model['files']})"
        snr, lsd, snr0, lsd0 = model["snr"], model["lsd"], spline["snr"], spline["lsd"]
    elif "val_file_snr" in last:
        scored = f"whole validation files (epoch {last['epoch']})"
        snr, lsd = last["val_file_snr"], last["val_file_lsd"]
        snr0, lsd0 = last["spline_file_snr"], last["spline_file_lsd"]
    else:
        return row | {"val loss": f"{last['val_loss']:.3g}"}
    return row | {
        "scored on": scored,
        "SNR (dB)": f"{snr:.2f}",
        "SNR - spline (dB)": f"{snr - snr0:+.2f}",
        "LSD": f"{lsd:.2f}",
        "LSD / spline": f"{lsd / lsd0:.3f}",
        "spline SNR / LSD": f"{snr0:.2f} / {lsd0:.2f}",
        **({"line (dB)": f"{last['val_line_db']:.1f}"} if "val_line_db" in last else {}),
    }


# -- the field's goals ------------------------------------------------------------------------


def field_goals(rows: list[dict]) -> str:
    """The field's goals from a real-speech table (`python -m audiosr.evaluation --real ...
    --out PATH`'s .csv): per ratio, test set and low-res maker, each model's SNR against sinc's,
    LSD (log10) as a multiple of sinc's, ViSQOL against sinc's and DNSMOS P.808 against the
    spline's, each with its goal (r = 4, 6: SNR >= sinc's, LSD <= 0.35x, ViSQOL >= sinc's + 0.5;
    r = 2: ViSQOL >= sinc's + 0.2; P.808 not below the spline's; no added line above 3 dB).
    Benchmarks print; nothing is tuned on them."""
    from audiosr.evaluation.baselines import SINC, SPLINE

    def mark(ok):
        return "yes" if ok else "**no**"

    lines = [
        "| r | test set | low-res by | model | SNR - sinc (dB) | LSD log10 / sinc | ViSQOL - sinc "
        "| P.808 - spline | strongest added line |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    groups = defaultdict(list)
    for row in rows:
        groups[(row["r"], row["test set"], row.get("low-res made by", ""))].append(row)
    for (r, test_set, maker), group in groups.items():
        by = {row["method"]: row for row in group}
        if SINC not in by or SPLINE not in by:
            raise ValueError(f"r = {r}, {test_set}: the table has no {SINC} or {SPLINE} row")
        sinc, spline = by[SINC], by[SPLINE]
        visqol_goal = 0.2 if r == "2" else 0.5
        for method, row in by.items():
            if not method.startswith("model"):
                continue
            d_snr = float(row["SNR (dB)"]) - float(sinc["SNR (dB)"])
            ratio = float(row["LSD (log10)"]) / float(sinc["LSD (log10)"])
            cells = [f"{d_snr:+.2f} ({mark(d_snr >= 0)})", f"{ratio:.2f}x ({mark(ratio <= 0.35)})"]
            v, vs = row.get("ViSQOL (objective)"), sinc.get("ViSQOL (objective)")
            d_v = float(v) - float(vs) if v and vs else None
            cells.append("-" if d_v is None else f"{d_v:+.2f} ({mark(d_v >= visqol_goal)})")
            q, qs = row.get("DNSMOS-P808 (objective)"), spline.get("DNSMOS-P808 (objective)")
            d_q = float(q) - float(qs) if q and qs else None
            cells.append("-" if d_q is None else f"{d_q:+.2f} ({mark(d_q >= 0)})")
            line = float(row["strongest added line (dB)"])
            cells.append(f"{line:.1f} dB at {row['at (Hz)']} Hz ({mark(line <= 3)})")
            lines.append(
                f"| {r} | {test_set} | {maker or 'decimate'} | {method} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines)


# -- comparisons: variants of one recipe ------------------------------------------------------


def variant_label(path: str | Path) -> str:
    """A variant file's name for tables: its first comment line, else the file's stem."""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip() or Path(path).stem
        if line.strip():
            break
    return Path(path).stem


def variant_runs(bases: list[str], variants: list[str]) -> list[tuple[str, Path]]:
    """(label, run folder) of each variant file on top of the base params files: the folder
    `audiosr train -f BASE ... -f VARIANT` trains into (its data cache must exist)."""
    from audiosr.training.params import load_params
    from audiosr.training.runs import run_for_params

    return [(variant_label(v), run_for_params(load_params([*bases, v]))[2]) for v in variants]


def run_cost(run: Path, threads: int = 1, steps: int = 5) -> dict:
    """A run's network cost: parameters, forward GFLOPs per audio second and seconds per
    training step (batch 16 x 6,000 samples, the run's objective) on `threads` CPU threads."""
    import torch

    from audiosr.core.dsp import HR_RATE
    from audiosr.networks.config import (
        ModelConfig,
        build_model,
        count_parameters,
        flops_per_audio_second,
    )
    from audiosr.networks.losses import objective
    from audiosr.training.throughput import time_training

    config = json.loads((run / "config.json").read_text())
    cfg = ModelConfig(**config["model"])
    train = config["train"]
    criterion = objective(cfg, train["objective"], train["stft_weight"])
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        audio_s = time_training(cfg, torch.device("cpu"), 16, 6000, steps, criterion=criterion)
    finally:
        torch.set_num_threads(before)
    return {
        "parameters": f"{count_parameters(build_model(cfg)):,}",
        "GFLOPs / audio s": f"{flops_per_audio_second(cfg) / 1e9:.2f}",
        f"s / step ({threads} thread{'s' * (threads > 1)})": f"{16 * 6000 / HR_RATE / audio_s:.2f}",
    }


def rescore_run(
    run: Path, files: int, measures: tuple[str, ...] = ("ViSQOL",), cache_root="data/cache"
) -> dict:
    """The model a run chose (best.pt, else its last checkpoint) scored as a user runs it: through
    the whole inference pipeline on `files` whole validation files whose low-res input each
    validation maker makes in turn, beside the spline and sinc on the same inputs
    (`validation.validate_files`). Returns those scores and the chosen epoch."""
    import torch

    from audiosr.data.patches import DataConfig
    from audiosr.inference.shipped import load_any
    from audiosr.training.runs import ensure_cache
    from audiosr.training.validation import VAL_MAKERS, validate_files

    config = json.loads((run / "config.json").read_text())
    chosen = run / ("best.pt" if (run / "best.pt").is_file() else "checkpoint.pt")
    cache = ensure_cache(DataConfig(**config["data_config"]), cache_root, build=False)
    scores = validate_files(
        load_any(chosen), cache, torch.device("cpu"), files, False, VAL_MAKERS, measures
    )
    epoch = torch.load(chosen, weights_only=True)["epoch"]
    return scores | {"chosen": f"epoch {epoch}" + ("" if chosen.name == "best.pt" else " (last)")}


RESCORED = {"SNR (dB)": "snr", "LSD (log10)": "lsd_log10", "ViSQOL": "visqol"}


def rescored_cells(scores: dict, who: str = "val") -> dict:
    """The field's columns of a `rescore_run` result for the model ("val") or a baseline."""
    return {
        name: f"{scores[f'{who}_file_{key}']:.{3 if key != 'snr' else 2}f}"
        for name, key in RESCORED.items()
        if f"{who}_file_{key}" in scores
    }


def compare_runs(
    runs: list[tuple[str, Path]],
    split: str | None = None,
    minutes: float | str | None = None,
    cost_threads: int | None = None,
    rescore: int | None = None,
    measures: tuple[str, ...] = ("ViSQOL",),
    cache_root: str | Path = "data/cache",
) -> list[dict]:
    """Runs side by side, one row each (`run_row`), named by their labels. `minutes="equal"`
    reads each at the training time the shortest run reached; `cost_threads` adds each
    network's cost (`run_cost`); `rescore` scores each chosen model on that many whole
    validation files (`rescore_run`) and adds the spline's and sinc's rows on the same inputs."""
    if minutes == "equal":
        minutes = min(
            sum(h.get("seconds", 0.0) for h in json.loads((r / "history.json").read_text())) / 60
            for _, r in runs
        )
    rows, baselines = [], {}
    for label, run in runs:
        if rescore:  # the chosen model's scores, not the history's
            trained = run_row(run)
            row = {k: trained[k] for k in ("run", "epochs", "training minutes")}
        else:
            row = run_row(run, split, minutes)
        row["run"] = label
        if cost_threads:
            row |= run_cost(run, cost_threads)
        if rescore:
            scores = rescore_run(run, rescore, measures, cache_root)
            row |= {"chosen": scores["chosen"], **rescored_cells(scores)}
            baselines = baselines or {
                "cubic spline": rescored_cells(scores, "spline"),
                "sinc interpolation": rescored_cells(scores, "sinc"),
            }
        rows.append(row)
    return rows + [{"run": name, **cells} for name, cells in baselines.items()]


# -- the command -------------------------------------------------------------------------------


def add_arguments(ap) -> None:
    """The report command's subcommands, the same under `audiosr report` and
    `python -m audiosr.evaluation.report`."""
    sub = ap.add_subparsers(dest="report", required=True)
    v = sub.add_parser("verdict", help="README's claim-by-claim verdict from figures/")
    v.add_argument("--out", help="also write the table here (.csv and .md)")
    for name, what in (("perceptual", "real-speech-perceptual"), ("robustness", "robustness")):
        s = sub.add_parser(name, help=f"the summary of figures/{what}-r*.csv")
        s.add_argument("tables", nargs="*", help=f"default: every figures/{what}-r*.csv")
    sub.add_parser("shipped-training", help="the shipped runs' validation curves (runs/ needed)")
    s = sub.add_parser("scaling", help="figures/scaling.{md,png,svg,pdf} from figures/scaling.csv")
    s.add_argument("--table", default="figures/scaling.csv")
    s = sub.add_parser("runs", help="run folders side by side: training and scores")
    s.add_argument("run_dirs", nargs="*", help="run folders (or --variants on -f base files)")
    s.add_argument("-f", "--params", action="append", default=[], help="base params file(s)")
    s.add_argument("--variants", nargs="+", default=[], help="params files, one run each on -f")
    s.add_argument("--split", help="scores from the run's eval-SPLIT.csv where there")
    s.add_argument(
        "--minutes", help="each run at its last epoch within this many training minutes, or "
        "'equal': within the time the shortest run reached"
    )  # fmt: skip
    s.add_argument("--cost", type=int, nargs="?", const=1, metavar="THREADS",
                   help="add each network's parameters, GFLOPs and s / step on THREADS (1)")  # fmt: skip
    s.add_argument("--rescore", type=int, metavar="FILES",
                   help="score each chosen model on FILES whole validation files, made by each "
                   "validation maker in turn, beside the spline and sinc")  # fmt: skip
    s.add_argument("--out", help="also write the table here (.csv and .md)")
    s = sub.add_parser("field", help="the field's goals from a real-speech table (.csv)")
    s.add_argument("table", help="a .csv that `python -m audiosr.evaluation --real --out` wrote")


def command(args) -> int:
    """Make the report `add_arguments` parsed: printed, figures and tables written."""
    if args.report == "verdict":
        claims = verdict_claims()
        print(markdown_table(claims))
        if args.out:
            write_table(
                resolve(args.out), claims, "Does it reproduce?", f"Made by `{VERDICT_COMMAND}`."
            )
    elif args.report == "perceptual":
        print(perceptual_summary(_rows(_paths(args.tables, "real-speech-perceptual-r*.csv"))))
    elif args.report == "robustness":
        print(robustness_summary(_rows(_paths(args.tables, "robustness-r*.csv"))))
    elif args.report == "shipped-training":
        histories = shipped_histories()
        if not histories:
            print("error: no run histories found: train the shipped models first "
                  "(make shipped-models).", file=sys.stderr)  # fmt: skip
            return 1
        print(", ".join(str(p) for p in shipped_training(histories)))
    elif args.report == "scaling":
        table = resolve(args.table)
        print(write_scaling([_typed(r) for r in read_csv(table)], table.with_suffix("")))
    elif args.report == "runs":
        from audiosr.core.paths import CACHE
        from audiosr.training.params import load_params

        if bool(args.run_dirs) == bool(args.variants):
            print("error: give run folders, or --variants (on -f base params files)",
                  file=sys.stderr)  # fmt: skip
            return 2
        minutes = args.minutes
        if minutes not in (None, "equal"):
            try:
                minutes = float(minutes)
            except ValueError:
                print(f"error: --minutes {minutes}: a number or 'equal'", file=sys.stderr)
                return 2
        try:
            runs = variant_runs(args.params, args.variants) if args.variants else [
                (resolve(d).name, resolve(d)) for d in args.run_dirs
            ]  # fmt: skip
            root = load_params(args.params).get("cache_root", CACHE) if args.params else CACHE
            rows = compare_runs(runs, args.split, minutes, args.cost, args.rescore, cache_root=root)
        except (OSError, ValueError, KeyError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(markdown_table(rows))
        if args.out:
            write_table(resolve(args.out), rows, notes=f"Made by `{_runs_command(args)}`.")
    elif args.report == "field":
        try:
            print(field_goals(read_csv(resolve(args.table))))
        except (OSError, ValueError, KeyError) as e:
            print(f"error: {args.table}: {e}", file=sys.stderr)
            return 2
    return 0


def _runs_command(args) -> str:
    """The `audiosr report runs` command line that `args` came from, for a table's notes."""
    words = ["audiosr report runs", *args.run_dirs]
    words += [f"-f {b}" for b in args.params]
    words += ["--variants", *args.variants] if args.variants else []
    for key in ("split", "minutes", "cost", "rescore"):
        if getattr(args, key) is not None:
            words.append(f"--{key} {getattr(args, key)}")
    return " ".join(words)


def _typed(row: dict) -> dict:
    """A CSV row's cells as int or float where they are numbers, else as they are."""
    out = {}
    for k, v in row.items():
        for kind in (int, float):
            try:
                out[k] = kind(v)
                break
            except ValueError:
                continue
        else:
            out[k] = v
    return out


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m audiosr.evaluation.report", description=__doc__.split("\n\n")[0]
    )
    add_arguments(ap)
    return command(ap.parse_args(argv))


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))
