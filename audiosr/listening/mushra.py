"""MUSHRA listening tests (ITU-R BS.1534-3), the paper's Table 1: export a ready-to-serve
webMUSHRA experiment, then analyse the ratings it collects.

Export: per trial (clip) the reference, the hidden reference (webMUSHRA adds it), the 3.5 kHz
low-pass anchor and one stimulus per method, cut to the same 2-10 s excerpt, loudness-matched
(BS.1770, `audiosr.listening.loudness`) and written as 16-bit wav; a webMUSHRA YAML config, a manifest
(`stimuli.csv`) and a README. Analysis: webMUSHRA's `mushra.csv`, BS.1534-3 post-screening
(a rater who scores the hidden reference below 90 in more than 15% of trials is dropped),
mean per clip and condition with 95% confidence intervals, a box plot. Table 1's rows are the
conditions the export's manifest lists (`conditions`), so a condition that was exported and rated
is never left out; simulated ratings (`write_simulated`) give every method the same made-up
mean and say so in the table, so they cannot be read as a result.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from audiosr.core.tables import csv_text

MIN_S, MAX_S = 2.0, 10.0  # BS.1534-3 recommends excerpts of about 10 s at most
ANCHOR_HZ = 3500  # the low-pass anchor BS.1534-3 requires
HIDDEN_REFERENCE = "reference"  # webMUSHRA's id for the hidden reference in results
ANCHOR = "anchor35"
RATER_COLUMNS = ("rater", "session_uuid", "email", "name")  # first present identifies a rater
REQUIRED_COLUMNS = ("trial_id", "rating_stimulus", "rating_score")
# Table 1's order after the hidden reference: models (any other condition, in the export's
# order: AudioUNet, the shipped models), the paper's baselines, then the anchors (the low-res
# input as heard and BS.1534-3's 3.5 kHz low-pass).
BASELINES = ("dnn", "spline")
ANCHORS = ("lowres", ANCHOR)
PAPER_TABLE1 = {"audiounet": 61.3, "dnn": 56.3, "spline": 35.3}  # mean scores, VCTK, 10 raters
SIMULATED = "SIMULATED"
SIMULATED_MEANS = {"method": 50.0, "anchor": 20.0}  # made up: one value for every method


class MushraError(ValueError):
    """Bad input to the export or the analysis; the message names what is missing."""


def condition_id(name: str) -> str:
    """A method name as a webMUSHRA condition id: 'AudioUNet, width 0.0625' -> 'audiounet',
    'cubic spline' -> 'spline'."""
    first = re.split(r"[,(]", name)[0].strip().lower().replace("cubic spline", "spline")
    return re.sub(r"[^a-z0-9]+", "", first) or "method"


def table_order(conditions) -> list[str]:
    """Condition ids in Table 1's order: the hidden reference, the models (every id that is no
    baseline or anchor, in the order given), the baselines, the anchors. Nothing is dropped: an
    id this module has never heard of is a model, not a row to leave out."""
    given = list(dict.fromkeys(conditions))
    roles = ((HIDDEN_REFERENCE,), None, BASELINES, ANCHORS)
    known = {HIDDEN_REFERENCE, *BASELINES, *ANCHORS}
    return [
        c
        for role in roles
        for c in ([c for c in given if c not in known] if role is None else role)
        if c in given
    ]


def read_manifest(manifest: str | Path) -> list[dict]:
    """The export's `stimuli.csv`: one row per trial and condition (trial_id, clip, speaker,
    condition, file, ...)."""
    from audiosr.core.paths import resolve

    with open(resolve(manifest), newline="") as f:
        return list(csv.DictReader(f))


def conditions(manifest: str | Path) -> list[str]:
    """Every condition the export holds, in Table 1's order (`table_order`). Read from the
    manifest, not from a fixed list, so every exported condition gets a row."""
    return table_order(s["condition"] for s in read_manifest(manifest))


def choose_clips(clips: list[dict], sr: int, n: int = 4, min_s: float = MIN_S) -> list[int]:
    """The documented rule (never the model's scores): group the test clips by speaker
    (`group`), groups in sorted order, clips by file name; take the first clip of at least
    `min_s` seconds from each group in turn, round robin, until `n`."""
    groups: dict[str, list[int]] = {}
    for i, c in sorted(
        enumerate(clips), key=lambda ic: (ic[1].get("group", ""), Path(ic[1]["path"]).name)
    ):
        if c["length"] >= min_s * sr:
            groups.setdefault(c.get("group", ""), []).append(i)
    chosen, queues = [], [list(v) for _, v in sorted(groups.items())]
    while len(chosen) < n and any(queues):
        for q in queues:
            if q and len(chosen) < n:
                chosen.append(q.pop(0))
    if len(chosen) < n:
        raise MushraError(
            f"only {len(chosen)} test clips are at least {min_s} s long; asked for {n}."
        )
    return chosen


def excerpt(
    x: np.ndarray, sr: int, min_s: float = MIN_S, max_s: float = MAX_S, silence_db: float = -50.0
) -> slice:
    """Where to cut: leading and trailing silence (20 ms frames more than 50 dB below the
    loudest) trimmed, then at most `max_s` seconds; an error below `min_s`."""
    x = np.asarray(x, np.float64)
    hop = max(1, int(0.02 * sr))
    frames = (
        np.array([np.sqrt(np.mean(x[i : i + hop] ** 2)) for i in range(0, len(x), hop)])
        if len(x)
        else np.zeros(0)
    )
    loud = (
        np.nonzero(frames > frames.max() * 10 ** (silence_db / 20))[0]
        if len(frames) and frames.max() > 0
        else []
    )
    if len(loud) == 0:
        raise MushraError("the clip is silent.")
    start, stop = loud[0] * hop, min(len(x), (loud[-1] + 1) * hop)
    stop = min(stop, start + int(max_s * sr))
    if stop - start < min_s * sr:
        raise MushraError(
            f"the clip has {(stop - start) / sr:.2f} s of sound; a MUSHRA excerpt needs at least {min_s} s."
        )
    return slice(start, stop)


def lowpass_anchor(x: np.ndarray, sr: int, cutoff: float = ANCHOR_HZ) -> np.ndarray:
    """BS.1534-3's low-quality anchor: the reference low-passed at 3.5 kHz (zero-phase)."""
    from scipy.signal import butter, sosfiltfilt

    return sosfiltfilt(butter(8, cutoff, fs=sr, output="sos"), np.asarray(x, np.float64)).astype(
        np.float32
    )


def export_webmushra(
    out_dir: str | Path,
    trials: list[dict],
    sr: int,
    test_id: str = "audiosr",
    title: str = "Audio super-resolution",
    overwrite: bool = False,
) -> Path:
    """Write a webMUSHRA experiment into `out_dir` (all at once: built beside it, then renamed).

    `trials`: one dict per clip with `name`, `reference` (the high-res clip) and `versions`
    (condition id -> audio at `sr`, same length as the reference). Refuses to replace an
    existing folder unless `overwrite`.
    """
    import soundfile as sf
    import yaml

    from audiosr.core.paths import resolve
    from audiosr.listening.loudness import loudness, match_loudness

    out = resolve(out_dir)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists: choose another folder or pass overwrite=True.")
    if out.exists() and not (out / "stimuli.csv").is_file():
        raise FileExistsError(
            f"{out} exists and is not an audiosr MUSHRA export: refusing to replace it."
        )
    if not trials:
        raise MushraError("no trials to export.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        audio_rel = Path("configs/resources/audio") / test_id
        pages, manifest = [], []
        for n, t in enumerate(trials, 1):
            ref = np.asarray(t["reference"], np.float32)
            missing = [k for k, v in t["versions"].items() if v is None]
            if missing:
                raise MushraError(f"trial {t['name']}: no audio for {', '.join(missing)}.")
            bad = [k for k, v in t["versions"].items() if len(v) != len(ref)]
            if bad:
                raise MushraError(
                    f"trial {t['name']}: {', '.join(bad)} differ in length from the reference."
                )
            if HIDDEN_REFERENCE in t["versions"] or ANCHOR in t["versions"]:
                raise MushraError(
                    f"condition ids {HIDDEN_REFERENCE!r} and {ANCHOR!r} are reserved."
                )
            cut = excerpt(ref, sr)
            signals = {
                "ref": ref[cut],
                ANCHOR: lowpass_anchor(ref, sr)[cut],
                **{k: np.asarray(v, np.float32)[cut] for k, v in t["versions"].items()},
            }
            matched, lufs = match_loudness(signals, sr)
            trial_id = f"trial{n}"
            files = {}
            for key, x in matched.items():
                rel = audio_rel / trial_id / f"{key}.wav"
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                sf.write(tmp / rel, x, sr, subtype="PCM_16")
                files[key] = rel.as_posix()
                manifest.append(
                    {
                        "trial_id": trial_id,
                        "clip": t["name"],
                        "speaker": t.get("speaker", ""),
                        "condition": HIDDEN_REFERENCE if key == "ref" else key,
                        "file": rel.as_posix(),
                        "sample_rate": sr,
                        "seconds": round(len(x) / sr, 3),
                        "lufs": round(loudness(x, sr), 2),
                        "peak": round(float(np.max(np.abs(x))), 4),
                    }
                )
            pages.append(
                {
                    "type": "mushra",
                    "id": trial_id,
                    "name": f"Trial {n} of {len(trials)}",
                    "content": "Rate each condition against the reference (0-100).",
                    "showWaveform": True,
                    "enableLooping": True,
                    "reference": files.pop("ref"),
                    "createAnchor35": False,
                    "createAnchor70": False,
                    "randomize": True,
                    "showConditionNames": False,
                    "stimuli": files,
                }
            )
        config = {
            "testname": title,
            "testId": test_id,
            "bufferSize": 2048,
            "stopOnErrors": True,
            "showButtonPreviousPage": True,
            "remoteService": "service/write.php",
            "pages": [
                {
                    "type": "generic",
                    "id": "instructions",
                    "name": "Instructions",
                    "content": (
                        "You will hear a reference recording and several processed versions of it, "
                        "one of which is the reference itself. Rate how close each sounds to the "
                        "reference, 0 (bad) to 100 (excellent). Use headphones in a quiet room; "
                        "set the volume once on the next page and keep it."
                    ),
                },
                {
                    "type": "volume",
                    "id": "volume",
                    "name": "Volume",
                    "content": "Set a comfortable level.",
                    "stimulus": pages[0]["reference"],
                    "defaultVolume": 0.5,
                },
                ["random", *pages],
                {
                    "type": "finish",
                    "name": "Thank you",
                    "content": "Thank you for taking part.",
                    "showResults": False,
                    "writeResults": True,
                    "questionnaire": [
                        {"type": "text", "label": "Rater ID", "name": "rater", "optional": False}
                    ],
                },
            ],
        }
        (tmp / "configs").mkdir(parents=True, exist_ok=True)
        (tmp / "configs" / f"{test_id}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        (tmp / "stimuli.csv").write_text(csv_text(manifest))
        (tmp / "README.md").write_text(_readme(test_id, title, trials, sr, manifest))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp made it private; an experiment folder is served
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _readme(test_id: str, title: str, trials: list[dict], sr: int, manifest: list[dict]) -> str:
    conditions = table_order(m["condition"] for m in manifest)
    speakers = sorted({str(t.get("speaker", "")) for t in trials} - {""})
    of = f" from {len(speakers)} speakers ({', '.join(speakers)})" if speakers else ""
    return f"""# {title}: a webMUSHRA experiment

Written by audiosr (`notebooks/06_mushra`). {len(trials)} trials{of}, conditions per trial:
{", ".join(conditions)} (`reference` is the hidden reference webMUSHRA adds; `{ANCHOR}` is the
3.5 kHz low-pass anchor of ITU-R BS.1534-3). Every file is a {sr} Hz 16-bit mono wav, cut to
the same 2-10 s excerpt within a trial and matched in loudness (ITU-R BS.1770-4); see
`stimuli.csv` for each file's clip, duration, loudness and peak.

## Serve it

1. Download webMUSHRA (https://github.com/audiolabs/webMUSHRA/releases) and unpack it.
2. Copy this folder's `configs/` into the webMUSHRA folder (it adds `configs/{test_id}.yaml`
   and `configs/resources/audio/{test_id}/`).
3. In the webMUSHRA folder: `php -S localhost:8000`, then open
   http://localhost:8000/?config={test_id}.yaml in Chrome or Firefox.
   (Browsers resample the {sr} Hz files to the device rate when they decode them.)
4. Ratings are appended to `results/{test_id}/mushra.csv`; each rater enters an ID at the end.

## Analyse

    papermill notebooks/06_mushra.ipynb out.ipynb -p results_csv /path/to/results/{test_id}/mushra.csv

applies the BS.1534-3 post-screening and writes the Table 1 layout and a box plot.
"""


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


def boxplot(ratings: list[dict], order: list[str] | None = None, title: str = "MUSHRA scores"):
    """Scores per condition as boxes (mean marked): the spread a mean hides."""
    import matplotlib.pyplot as plt

    conds = order or table_order(r["condition"] for r in ratings)
    fig, ax = plt.subplots(figsize=(1.2 * len(conds) + 2, 3.5), constrained_layout=True)
    ax.boxplot(
        [[r["score"] for r in ratings if r["condition"] == c] for c in conds], showmeans=True
    )
    ax.set_xticks(range(1, len(conds) + 1), conds, rotation=20)
    ax.set(ylim=(0, 100), ylabel="score (0-100)", title=title)
    ax.grid(axis="y", alpha=0.3)
    return fig


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


def trials_from_cache(cache, indices: list[int], methods: dict) -> list[dict]:
    """One MUSHRA trial per test clip: the high-res reference, the low-res signal brought to the
    reference's rate (so it plays as heard, band-limited) and each method's estimate, with the
    clip's speaker (its group) so the export can show how many voices the trials cover."""
    from audiosr.core.audio import resample
    from audiosr.listening.listen import clip_versions

    groups = [c.get("group", "") for c in cache.clips("test")]
    trials = []
    for i in indices:
        name, versions = clip_versions(cache, i, methods)
        (hr, sr), (x_lr, lowres_sr) = list(versions.values())[:2]
        lowres = resample(np.asarray(x_lr, np.float64), lowres_sr, sr, length=len(hr))
        estimates = {condition_id(k): x for k, (x, _) in list(versions.items())[2:]}
        trials.append(
            {
                "name": name,
                "speaker": groups[i],
                "reference": hr,
                "versions": {"lowres": lowres, **estimates},
            }
        )
    return trials


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
    import matplotlib.pyplot as plt

    from audiosr.core.paths import FIGURES, resolve, write_text
    from audiosr.core.tables import markdown_table
    from audiosr.listening.plots import save_figure

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
    fig = boxplot(kept, order, title=f"MUSHRA, {label}")
    png = save_figure(fig, out, "mushra-boxplot")[0]
    plt.close(fig)
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
