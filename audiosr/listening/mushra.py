"""MUSHRA listening tests (ITU-R BS.1534-3), the paper's Table 1: export a ready-to-serve
webMUSHRA experiment, then analyse the ratings it collects.

Export: per trial (clip) the reference, the hidden reference (webMUSHRA adds it), the 3.5 kHz
low-pass anchor and one stimulus per method, cut to the same 2-10 s excerpt, loudness-matched
(BS.1770, `audiosr.listening.loudness`) and written as 16-bit wav; a webMUSHRA YAML config, a manifest
(`stimuli.csv`) and a README. Analysis: webMUSHRA's `mushra.csv`, BS.1534-3 post-screening
(a rater who scores the hidden reference below 90 in more than 15% of trials is dropped),
mean per clip and method with 95% confidence intervals, a box plot.
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


class MushraError(ValueError):
    """Bad input to the export or the analysis; the message names what is missing."""


def condition_id(name: str) -> str:
    """A method name as a webMUSHRA condition id: 'AudioUNet, width 0.0625' -> 'audiounet',
    'cubic spline' -> 'spline'."""
    first = re.split(r"[,(]", name)[0].strip().lower().replace("cubic spline", "spline")
    return re.sub(r"[^a-z0-9]+", "", first) or "method"


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
    conditions = sorted({m["condition"] for m in manifest})
    return f"""# {title}: a webMUSHRA experiment

Written by audiosr (`notebooks/06_mushra`). {len(trials)} trials, conditions per trial:
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

    path, manifest = resolve(path), resolve(manifest)
    if not path.is_file():
        raise MushraError(f"{path}: no such results file.")
    with open(manifest, newline="") as f:
        stimuli = list(csv.DictReader(f))
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


def table1(ratings: list[dict], order: list[str] | None = None) -> list[dict]:
    """The paper's Table 1 layout: one row per condition, its mean score per clip and on
    average, with the 95% confidence interval of each mean."""
    clips = list(dict.fromkeys(r["clip"] for r in ratings))
    conds = order or sorted({r["condition"] for r in ratings})
    rows = []
    for c in conds:
        sel = [r for r in ratings if r["condition"] == c]
        row = {"condition": c}
        for clip in clips:
            s = [r["score"] for r in sel if r["clip"] == clip]
            row[clip] = f"{np.mean(s):.1f} ± {ci95(s):.1f}"
        row["average"] = (
            f"{np.mean([r['score'] for r in sel]):.1f} ± {ci95([r['score'] for r in sel]):.1f}"
        )
        row["raters"] = len({r["rater"] for r in sel})
        rows.append(row)
    return rows


def boxplot(ratings: list[dict], order: list[str] | None = None, title: str = "MUSHRA scores"):
    import matplotlib.pyplot as plt

    conds = order or sorted({r["condition"] for r in ratings})
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
    from audiosr.core.paths import resolve

    rng = np.random.default_rng(seed)
    with open(resolve(manifest), newline="") as f:
        stimuli = list(csv.DictReader(f))
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


CONDITION_ORDER = ("reference", "audiounet", "dnn", "spline", "lowres", "anchor35")
PAPER_TABLE1 = "Ours 61.3, DNN 56.3, Spline 35.3 on average"  # the paper's VCTK test, 10 raters


def trials_from_cache(cache, indices: list[int], methods: dict) -> list[dict]:
    """One MUSHRA trial per test clip: the high-res reference, the low-res signal brought to the
    reference's rate (so it plays as heard, band-limited) and each method's estimate."""
    from audiosr.core.audio import resample
    from audiosr.listening.listen import clip_versions

    trials = []
    for i in indices:
        name, versions = clip_versions(cache, i, methods)
        (hr, sr), (x_lr, lowres_sr) = list(versions.values())[:2]
        lowres = resample(np.asarray(x_lr, np.float64), lowres_sr, sr, length=len(hr))
        estimates = {condition_id(k): x for k, (x, _) in list(versions.items())[2:]}
        trials.append({"name": name, "reference": hr, "versions": {"lowres": lowres, **estimates}})
    return trials


def analyse(results: str | Path, manifest: str | Path, label: str, out: str | Path) -> dict:
    """Post-screened ratings as Table 1 (`out`/table1-mushra.md) and a box plot
    (`out`/mushra-boxplot.*); returns the kept ratings, the dropped raters, the table and its
    Markdown."""
    from audiosr.core.paths import resolve, write_text
    from audiosr.core.tables import markdown_table
    from audiosr.listening.plots import save_figure

    ratings = read_results(results, manifest)
    kept, dropped = post_screen(ratings)
    present = [c for c in CONDITION_ORDER if any(r["condition"] == c for r in kept)]
    table = table1(kept, present)
    md = (
        f"# Table 1 layout: MUSHRA, {label}\n\nmean ± 95% CI per clip and on average; "
        f"{len({r['rater'] for r in kept})} raters after post-screening. Paper (VCTK, 10 raters): "
        f"{PAPER_TABLE1}.\n\n{markdown_table(table)}\n"
    )
    out = resolve(out)
    write_text(out / "table1-mushra.md", md)
    save_figure(boxplot(kept, present, title=f"MUSHRA, {label}"), out, "mushra-boxplot")
    raters = len({r["rater"] for r in ratings})
    return {"kept": kept, "dropped": dropped, "raters": raters, "table": table, "markdown": md}
