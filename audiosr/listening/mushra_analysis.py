"""The analysis of a MUSHRA test's ratings (ITU-R BS.1534-3), the paper's Table 1: webMUSHRA's
`mushra.csv` checked against the export's manifest (`mushra_export`), BS.1534-3 post-screening
(a rater who scores the hidden reference below 90 in more than 15% of trials is dropped), mean
per clip and condition with 95% confidence intervals, a box plot (`plots.mushra_scores`), and
the sentence the notebook ends on.

Table 1's rows are the conditions the export's manifest lists, so a condition that was exported
and rated is never left out. Simulated ratings (`simulate_ratings`, `write_simulated`) live here,
not only in the tests: notebook 06 shows the whole analysis on them before anyone has listened.
They give every method the same made-up mean and say so in the table, so they cannot be read as
a result.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from audiosr.core.tables import csv_text
from audiosr.listening.mushra_export import (
    ANCHORS,
    HIDDEN_REFERENCE,
    MushraError,
    conditions,
    read_manifest,
    table_order,
)

RATER_COLUMNS = ("rater", "session_uuid", "email", "name")  # first present identifies a rater
REQUIRED_COLUMNS = ("trial_id", "rating_stimulus", "rating_score")
PAPER_TABLE1 = {"audiounet": 61.3, "dnn": 56.3, "spline": 35.3}  # mean scores, VCTK, 10 raters
SIMULATED = "SIMULATED"
SIMULATED_MEANS = {"method": 50.0, "anchor": 20.0}  # made up: one value for every method


def read_results(path: str | Path, manifest: str | Path) -> list[dict]:
    """webMUSHRA's mushra.csv as rows {rater, trial_id, clip, condition, score}, checked against
    the export's `stimuli.csv`: same trials, every condition rated."""
    from audiosr.core.paths import resolve

    path = resolve(path)
    if not path.is_file():
        raise MushraError(f"{path}: no such results file.")
    stimuli = read_manifest(manifest)
    expected: dict[str, set] = {}
    clip_of = {}
    for s in stimuli:
        expected.setdefault(s["trial_id"], set()).add(s["condition"])
        clip_of[s["trial_id"]] = s["clip"]
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        rows = list(reader)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    rater_col = next((c for c in RATER_COLUMNS if c in columns), None)
    if missing or rater_col is None:
        need = missing + (
            [f"a rater column ({' or '.join(RATER_COLUMNS)})"] if rater_col is None else []
        )
        raise MushraError(
            f"{path.name}: missing {', '.join(need)}; it has {', '.join(columns) or 'no columns'}."
        )
    foreign = sorted({r["trial_id"] for r in rows} - set(expected))
    if foreign:
        raise MushraError(
            f"{path.name}: trials {', '.join(foreign)} are not in this export "
            f"({', '.join(sorted(expected))}): results from another experiment?"
        )
    out, seen = [], {}
    for r in rows:
        cond = r["rating_stimulus"]
        if cond not in expected[r["trial_id"]]:
            raise MushraError(
                f"{path.name}: condition {cond!r} in {r['trial_id']} is not in this export."
            )
        out.append(
            {
                "rater": r[rater_col],
                "trial_id": r["trial_id"],
                "clip": clip_of[r["trial_id"]],
                "condition": cond,
                "score": float(r["rating_score"]),
            }
        )
        seen.setdefault((r[rater_col], r["trial_id"]), set()).add(cond)
    for (rater, trial), conds in sorted(seen.items()):
        if conds != expected[trial]:
            raise MushraError(
                f"{path.name}: rater {rater} did not rate {', '.join(sorted(expected[trial] - conds))} in {trial}."
            )
    if not out:
        raise MushraError(f"{path.name}: no ratings.")
    return out


def post_screen(
    ratings: list[dict], threshold: float = 90.0, max_fraction: float = 0.15
) -> tuple[list[dict], dict]:
    """BS.1534-3 post-screening: drop every rater who scores the hidden reference below
    `threshold` in more than `max_fraction` of their trials. Returns (kept ratings, {dropped
    rater: fraction of trials})."""
    refs: dict[str, list[float]] = {}
    for r in ratings:
        if r["condition"] == HIDDEN_REFERENCE:
            refs.setdefault(r["rater"], []).append(r["score"])
    fractions = {k: float(np.mean(np.array(v) < threshold)) for k, v in refs.items()}
    dropped = {k: f for k, f in sorted(fractions.items()) if f > max_fraction}
    return [r for r in ratings if r["rater"] not in dropped], dropped


def ci95(scores) -> float:
    """Half-width of the 95% confidence interval of the mean (Student's t)."""
    from scipy.stats import t

    x = np.asarray(scores, np.float64)
    return (
        float(t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
        if len(x) > 1
        else float("nan")
    )


def table1(
    ratings: list[dict], order: list[str] | None = None, simulated: bool = False
) -> list[dict]:
    """The paper's Table 1 layout: one row per condition of `order` (default: every rated one, in
    Table 1's order), its mean score per clip and on average with the 95% confidence interval of
    each mean. `simulated` adds a `ratings` column reading SIMULATED to every row, so a table
    copied out of its caption still says it is no result."""
    clips = list(dict.fromkeys(r["clip"] for r in ratings))
    conds = order or table_order(r["condition"] for r in ratings)
    rows = []
    for c in conds:
        sel = [r for r in ratings if r["condition"] == c]
        if not sel:
            raise MushraError(
                f"no ratings of condition {c!r}: every exported condition needs them."
            )
        row = {"ratings": SIMULATED} if simulated else {}
        row["condition"] = c
        for clip in clips:
            s = [r["score"] for r in sel if r["clip"] == clip]
            row[clip] = f"{np.mean(s):.1f} ± {ci95(s):.1f}"
        row["average"] = (
            f"{np.mean([r['score'] for r in sel]):.1f} ± {ci95([r['score'] for r in sel]):.1f}"
        )
        row["raters"] = len({r["rater"] for r in sel})
        rows.append(row)
    return rows


def mean_scores(ratings: list[dict]) -> dict[str, float]:
    """Mean score per condition, as numbers (Table 1's cells are text): what a finding compares."""
    conds = table_order(r["condition"] for r in ratings)
    return {c: float(np.mean([r["score"] for r in ratings if r["condition"] == c])) for c in conds}


def simulate_ratings(
    manifest: str | Path,
    means: dict[str, float],
    raters: int = 10,
    spread: float = 8.0,
    seed: int = 0,
    careless: int = 0,
) -> str:
    """A webMUSHRA-style results CSV with known answers, for tests and for showing the analysis
    before real ratings exist: each rater scores condition c near `means[c]` (clipped 0-100)
    and recognises the hidden reference (100 minus a few points); the last `careless` raters
    score everything, the hidden reference included, near 50, so post-screening must drop
    them. Not listening data."""
    rng = np.random.default_rng(seed)
    stimuli = read_manifest(manifest)
    unknown = sorted({s["condition"] for s in stimuli} - set(means) - {HIDDEN_REFERENCE})
    if unknown:
        raise ValueError(f"simulate_ratings: no mean for condition(s) {', '.join(unknown)}.")
    rows = []
    for k in range(raters):
        bad = k >= raters - careless
        for s in stimuli:
            if bad:
                score = 50 + spread * rng.standard_normal()
            elif s["condition"] == HIDDEN_REFERENCE:
                score = 100 - abs(spread / 3 * rng.standard_normal())
            else:
                score = means[s["condition"]] + spread * rng.standard_normal()
            score = int(np.clip(round(score), 0, 100))
            rows.append(
                {
                    "session_test_id": "simulated",
                    "rater": f"rater{k + 1:02d}",
                    "trial_id": s["trial_id"],
                    "rating_stimulus": s["condition"],
                    "rating_score": score,
                    "rating_time": 1000,
                    "rating_comment": "",
                }
            )
    return csv_text(rows)


def simulated_means(conds) -> dict[str, float]:
    """Made-up means that cannot pass for a result: the same value for every model and baseline
    (no method is better than another), a lower one for the anchors."""
    role = lambda c: "anchor" if c in ANCHORS else "method"
    return {c: SIMULATED_MEANS[role(c)] for c in conds if c != HIDDEN_REFERENCE}


def write_simulated(manifest: str | Path, raters: int = 10, careless: int = 1) -> Path:
    """Simulated ratings of every exported condition (`simulated_means`), written beside the
    export as `simulated-mushra.csv`: what the analysis shows before anyone has listened."""
    from audiosr.core.paths import resolve, write_text

    means = simulated_means(conditions(manifest))
    text = simulate_ratings(manifest, means, raters=raters, careless=careless)
    return write_text(resolve(manifest).parent / "simulated-mushra.csv", text)


def _caption(simulated: bool, kept: int, raters: int) -> str:
    screened = f"{kept} of {raters} raters kept after post-screening"
    if simulated:
        return (
            f"# Table 1 layout: MUSHRA, {SIMULATED} ratings (not listening data)\n\n"
            f"Made-up scores: every model and baseline drawn around the same mean "
            f"({SIMULATED_MEANS['method']:g}), the anchors around {SIMULATED_MEANS['anchor']:g}, "
            f"the hidden reference near 100, one careless rater. They show what the analysis "
            f"does and say nothing about any method. Mean ± 95% CI per clip and on average; "
            f"{screened}."
        )
    paper = ", ".join(f"{c} {m}" for c, m in PAPER_TABLE1.items())
    return (
        f"# Table 1: MUSHRA, real ratings\n\nMean ± 95% CI per clip and on average; {screened}. "
        f"The paper (VCTK, r = 4, 10 raters), on average: {paper}."
    )


def analyse(
    results: str | Path, manifest: str | Path, out: str | Path, simulated: bool = False
) -> dict:
    """Post-screened ratings as Table 1 (`out`/table1-mushra.md), one row for every condition the
    manifest lists, and a box plot (`out`/mushra-boxplot.*). `simulated` ratings are labelled
    as such in the table and refused a place in figures/, which holds results only. Returns the
    box plot's PNG, the kept ratings, the dropped raters, the table, its Markdown and the mean per
    condition."""
    from audiosr.core.paths import FIGURES, resolve, write_text
    from audiosr.core.tables import markdown_table
    from audiosr.listening.plots import mushra_scores, save_figure

    out = resolve(out)
    if simulated and out.resolve().is_relative_to(FIGURES.resolve()):
        raise MushraError(f"{out}: simulated ratings are no result; keep them out of figures/.")
    ratings = read_results(results, manifest)
    kept, dropped = post_screen(ratings)
    raters = len({r["rater"] for r in ratings})
    if not kept:
        raise MushraError(f"post-screening dropped all {raters} raters: no Table 1 to show.")
    order = conditions(manifest)
    table = table1(kept, order, simulated)
    md = f"{_caption(simulated, raters - len(dropped), raters)}\n\n{markdown_table(table)}\n"
    write_text(out / "table1-mushra.md", md)
    label = f"{SIMULATED} ratings (not listening data)" if simulated else "real ratings"
    fig = mushra_scores(kept, order, title=f"MUSHRA, {label}")
    png = save_figure(fig, out, "mushra-boxplot")[0]
    return {
        "boxplot": png,
        "kept": kept,
        "dropped": dropped,
        "raters": raters,
        "table": table,
        "markdown": md,
        "means": mean_scores(kept),
        "simulated": simulated,
    }


def finding_text(manifest: str | Path, result: dict) -> str:
    """The notebook's closing sentence, from this run's numbers: what was exported (trials,
    speakers, conditions) and, with real ratings, AudioUNet's lead over the spline next to the
    paper's; with simulated ones, that there is no listening result yet."""
    rows = read_manifest(manifest)
    trials = len({r["trial_id"] for r in rows})
    voices = sorted({r.get("speaker", "") for r in rows} - {""})
    conds = conditions(manifest)
    head = (
        f"The export holds {trials} trials from {len(voices)} speaker(s) ({', '.join(voices)}), "
        f"each with {len(conds)} conditions ({', '.join(conds)}), every one a row of Table 1."
    )
    ours, spline = PAPER_TABLE1["audiounet"], PAPER_TABLE1["spline"]
    paper = f"the paper's Table 1 (AudioUNet {ours}, spline {spline}: {ours - spline:+.1f} points)"
    if result["simulated"]:
        return (
            f"{head} Its ratings are simulated, so no listening result exists yet; once raters "
            f"have taken the test, set `results_csv` to webMUSHRA's mushra.csv and this sentence "
            f"compares AudioUNet's mean with the spline's and with {paper}."
        )
    m = result["means"]
    kept = result["raters"] - len(result["dropped"])
    if not {"audiounet", "spline"} <= set(m):
        return f"{head} {kept} of {result['raters']} raters passed post-screening; no AudioUNet or spline to compare."
    others = [
        f"{c} {m[c]:.1f}" for c in conds if c not in ("audiounet", "spline", HIDDEN_REFERENCE)
    ]
    return (
        f"{head} {kept} of {result['raters']} raters passed post-screening. AudioUNet scores "
        f"{m['audiounet']:.1f} and the spline {m['spline']:.1f}: a gap of "
        f"{m['audiounet'] - m['spline']:+.1f} points, against {paper}. The others: "
        f"{', '.join(others)}."
    )
