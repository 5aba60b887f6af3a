"""A MUSHRA listening test (ITU-R BS.1534-3), the paper's Table 1, as a ready-to-serve webMUSHRA
experiment.

Per trial (clip): the reference, the hidden reference (webMUSHRA adds it), the 3.5 kHz low-pass
anchor and one stimulus per method, cut to the same 2-10 s excerpt, loudness-matched (BS.1770,
`audiosr.listening.loudness`) and written as 16-bit wav; the webMUSHRA config (from the template
`webmushra.yaml` beside this module), a manifest (`stimuli.csv`) and a README. The manifest
lists the conditions Table 1 will have (`conditions`); `mushra_analysis` reads the ratings.
"""

from __future__ import annotations

import csv
import re
from importlib.resources import files
from pathlib import Path

import numpy as np

from audiosr.core.tables import csv_text

MIN_S, MAX_S = 2.0, 10.0  # BS.1534-3 recommends excerpts of about 10 s at most
ANCHOR_HZ = 3500  # the low-pass anchor BS.1534-3 requires
HIDDEN_REFERENCE = "reference"  # webMUSHRA's id for the hidden reference in results
ANCHOR = "anchor35"
# Table 1's order after the hidden reference: models (any other condition, in the export's
# order: AudioUNet, the shipped models), the baselines (the paper's and sinc interpolation, the
# field's), then the anchors (the low-res input as heard and BS.1534-3's 3.5 kHz low-pass).
BASELINES = ("dnn", "spline", "sinc")
ANCHORS = ("lowres", ANCHOR)
TEMPLATE = "webmushra.yaml"  # package data beside this module


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


def webmushra_template() -> dict:
    """The experiment and trial page templates (`webmushra.yaml`, installed with the package)."""
    import yaml

    return yaml.safe_load((files(__package__) / TEMPLATE).read_text(encoding="utf-8"))


def webmushra_config(template: dict, title: str, test_id: str, pages: list[dict]) -> dict:
    """The experiment's webMUSHRA config: the template's with this test's title and id, the
    first trial's reference on the volume page, and the trial `pages` in the random group."""

    def fill(page):
        if isinstance(page, list) and page[:1] == ["random"]:
            return [*page, *pages]
        if isinstance(page, dict) and page.get("type") == "volume":
            return {**page, "stimulus": pages[0]["reference"]}
        return page

    config = {**template["experiment"], "testname": title, "testId": test_id}
    config["pages"] = [fill(p) for p in config["pages"]]
    return config


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

    from audiosr.core.paths import atomic_path, resolve
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
    template = webmushra_template()
    with atomic_path(out) as tmp:
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
            stimuli = {}
            for key, x in matched.items():
                rel = audio_rel / trial_id / f"{key}.wav"
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                sf.write(tmp / rel, x, sr, subtype="PCM_16")
                stimuli[key] = rel.as_posix()
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
                    **template["trial"],
                    "id": trial_id,
                    "name": f"Trial {n} of {len(trials)}",
                    "reference": stimuli.pop("ref"),
                    "stimuli": stimuli,
                }
            )
        config = webmushra_config(template, title, test_id, pages)
        (tmp / "configs").mkdir(parents=True, exist_ok=True)
        (tmp / "configs" / f"{test_id}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        (tmp / "stimuli.csv").write_text(csv_text(manifest))
        (tmp / "README.md").write_text(_readme(test_id, title, trials, sr, manifest))
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
