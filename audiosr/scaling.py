"""How the gain over the spline grows with training compute: AudioUNet at several widths trained
on the shipped models' data (params/shipped-speech.yaml + params/scaling.yaml), a snapshot at each
cumulative training budget, every snapshot scored on the same real test files, whole (the VCTK
sample and LibriSpeech test-other), then figures/scaling.{csv,md,png,svg,pdf}.

    python -m audiosr.scaling --widths 0.0625 --budgets 3 10 30             # trains what is missing
    python -m audiosr.scaling --arch tfilm --widths 0.0625 --budgets 3 10   # TFiLM beside it
    python -m audiosr.scaling --plot-only             # table and figure from the runs, no training
    audiosr report scaling                            # table and figure from figures/scaling.csv
    python -m audiosr.scaling --plot-only --growing audiosr/models/growing/framenet-r4.safetensors

Runs resume where they stopped (runs/scaling/<data>--<model>), snapshots and scores stay there,
so a later call with larger budgets only adds points. The x axis is training FLOPs (3x the
forward FLOPs of every trained sample); the table adds the CPU-hours they took here. The paper's
point (full width, about 2 days on a Titan X) is marked at FLOPs estimated from that GPU time.
`--growing STATE` adds a growing run (`audiosr.training.growing`): every version of its state
committed to the repository is a point at the training time it had reached, scored as trained.
A command beside the package's stages, as `audiosr.speed` is: it trains, scores and times.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from audiosr.core.paths import resolve, write_json
from audiosr.evaluation.report import SCALING, SCORE_KEYS, write_scaling

PARAMS = ["params/shipped-speech.yaml", "params/scaling.yaml"]
RUNS = resolve("runs/scaling")
SCORES = RUNS / "scores.json"


def trained_seconds(history: list[dict]) -> float:
    return sum(h.get("seconds", 0.0) for h in history if h["epoch"])


def snapshot(ratio: int, width: float, budget: float, overrides=(), arch="audiounet") -> Path:
    """Train (resuming) until `budget` minutes of training, then ship that point as a file."""
    from audiosr.inference.shipped import ship
    from audiosr.networks.checkpoint import CHECKPOINT, load_checkpoint
    from audiosr.training.params import configs_from, load_params
    from audiosr.training.runs import default_run_dir, ensure_cache
    from audiosr.training.train import train

    chosen = {"ratio": ratio, "width": width, "arch": arch}
    spec = configs_from(load_params(PARAMS, list(overrides)) | chosen)
    cache = ensure_cache(spec.data)
    folder = default_run_dir(cache, spec.model, RUNS)  # named by its data and model
    out = folder / f"at-{budget:g}min.safetensors"
    if out.is_file():
        return out
    done = 0.0
    if (folder / CHECKPOINT).is_file():
        done = trained_seconds(load_checkpoint(folder / CHECKPOINT)["history"])
    if done < 60 * budget:
        cfg = replace(spec.train, max_minutes=budget - done / 60)
        train(cache, spec.model, cfg, folder, resume=True)
    recipe = f"{SCALING} --ratio {ratio} --arch {arch} --widths {width:g} --budgets {budget:g}"
    recipe += f" --set {' '.join(overrides)}" if overrides else ""
    return ship(folder, out, recipe=recipe, replace=True)


def point(meta: dict, history: list[dict], budget: float) -> dict:
    """Network, width, budget, trained steps, training FLOPs and CPU-hours of a snapshot, from
    its metadata (the .json `ship` writes beside it) and its run's history: every epoch up to
    the snapshot's."""
    from audiosr.networks.config import ModelConfig, flops_per_audio_second

    m, t = meta["model_config"], meta["train_config"]
    history = [h for h in history if 0 < h["epoch"] <= meta["epoch"]]
    audio_s = sum(h["audio_s_per_s"] * h["seconds"] for h in history)  # audio seconds trained
    patch_len = meta["data"]["data_config"]["patch_len"]
    fwd = flops_per_audio_second(ModelConfig(**m))
    return {
        "network": m["arch"],
        "width": m["width"],
        "budget (min)": float(budget),
        "steps": round(audio_s * 16000 / (t["batch_size"] * patch_len)),
        "CPU-hours": round(trained_seconds(history) / 3600, 3),
        "training TFLOPs": float(f"{3 * fwd * audio_s / 1e12:.3g}"),
    }


def snapshot_point(path: Path) -> dict:
    """`point` of a snapshot file (runs/scaling/<run>/at-<budget>min.safetensors)."""
    from audiosr.networks.checkpoint import CHECKPOINT, load_checkpoint

    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    history = load_checkpoint(path.parent / CHECKPOINT)["history"]
    return point(meta, history, float(path.stem.split("-")[1].removesuffix("min")))


def committed_states(
    state: str | Path, folder: Path = RUNS / "growing", root: Path | None = None
) -> list[Path]:
    """Every version of a growing state in the repository's history, oldest first, as files
    `folder`/<stem>-<commit>.safetensors (taken from git once; the working copy where it has
    moved past the last commit). The points of a budget that grew session by session."""
    import subprocess

    from audiosr.core.paths import ROOT, atomic_path

    root = root or ROOT
    state = resolve(state)
    rel = state.relative_to(root).as_posix()
    commits = subprocess.run(
        ["git", "log", "--reverse", "--format=%h", "--", rel],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for commit in commits:
        path = folder / f"{state.stem}-{commit}.safetensors"
        if not path.is_file():
            blob = subprocess.run(
                ["git", "show", f"{commit}:{rel}"], cwd=root, capture_output=True, check=True
            ).stdout
            with atomic_path(path) as tmp:
                Path(tmp).write_bytes(blob)
        out.append(path)
    if state.is_file() and (not out or state.read_bytes() != out[-1].read_bytes()):
        out.append(state)
    return out


def growing_point(path: Path) -> dict:
    """`point` of a growing state: its training time so far is its budget."""
    from audiosr.training.growing import read_state

    meta = read_state(path)[1]
    return point(meta, meta["history"], float(f"{trained_seconds(meta['history']) / 60:.4g}"))


def score(paths: list[Path], ratio: int, test_sets=None) -> dict:
    """Each snapshot's SNR gain and LSD ratio per test set (cached in runs/scaling/scores.json)."""
    from audiosr.evaluation.real_speech import REAL_TEST_SETS, real_speech_rows

    test_sets = test_sets or REAL_TEST_SETS
    cached = json.loads(SCORES.read_text()) if SCORES.is_file() else {}
    todo = [p for p in paths if set(test_sets) - set(cached.get(str(p), {}))]
    for p in todo:  # one at a time: snapshots of different runs share file names (refused together)
        rows = real_speech_rows((ratio,), test_sets, (str(p),))
        cached.setdefault(str(p), {}).update(
            {
                row["test set"]: {k: row[k] for k in SCORE_KEYS}
                for row in rows
                if row["method"] == f"model {p.stem}"
            }
        )
        write_json(SCORES, cached)
    return cached


def scaling_rows(points: list[dict], scores: list[dict]) -> list[dict]:
    """The table's rows: each snapshot's point (`point`) with its scores on each test set
    (`scores[i]`: test set -> the SCORE_KEYS, for `points[i]`), by network, width, test set and
    compute; a budget the run had already passed when it was asked for is the same point as the
    one before, kept once."""
    return ordered(
        [
            {**p, "test set": ts, **{k: s[k] for k in SCORE_KEYS}}
            for p, by_set in zip(points, scores)
            for ts, s in by_set.items()
        ]
    )


def ordered(rows: list[dict]) -> list[dict]:
    """The table's rows by network, width, test set and compute, each point once."""
    rows = sorted(
        rows,
        key=lambda r: (
            r["network"],
            r["width"],
            r["test set"],
            r["training TFLOPs"],
            r["budget (min)"],
        ),
    )
    seen = set()
    return [
        r
        for r in rows
        if (k := (r["network"], r["width"], r["test set"], r["steps"])) not in seen
        and not seen.add(k)
    ]


def kept_rows(table: Path, rows: list[dict]) -> list[dict]:
    """`rows` with the rows of the table already at `table` that they do not remake (another
    network, width or budget, whose runs are not on this machine): a call adds points and never
    loses the ones it did not score."""
    from audiosr.core.tables import read_csv
    from audiosr.evaluation.report import _typed

    if not table.is_file():
        return rows

    def key(r):
        return (r["network"], float(r["width"]), r["test set"], int(r["steps"]))

    made = {key(r) for r in rows}
    old = [_typed(r) for r in read_csv(table)]
    return ordered([r for r in old if key(r) not in made] + rows)


def main(argv=None) -> int:
    import argparse

    from audiosr.evaluation.real_speech import REAL_TEST_SETS

    ap = argparse.ArgumentParser(
        prog="python -m audiosr.scaling", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--ratio", type=int, default=4)
    ap.add_argument("--arch", default="audiounet", help="audiounet or tfilm (same recipe)")
    ap.add_argument("--widths", type=float, nargs="+", default=[1 / 16, 1 / 8, 1 / 4])
    ap.add_argument("--budgets", type=float, nargs="+", default=[3, 10, 30, 100])
    ap.add_argument("--plot-only", action="store_true", help="no training: table and figure")
    ap.add_argument("--test-sets", nargs="+", default=list(REAL_TEST_SETS))
    ap.add_argument("--set", nargs="*", default=[], help="KEY=VALUE over the params (a quick try)")
    ap.add_argument(
        "--growing",
        nargs="*",
        default=[],
        metavar="STATE",
        help="growing states: each committed version of one is a point",
    )
    ap.add_argument("--out", default="figures/scaling")
    args = ap.parse_args(argv)
    if not args.plot_only:
        for width in args.widths:
            for budget in sorted(args.budgets):
                snapshot(args.ratio, width, budget, args.set, args.arch)
    # every snapshot of this ratio so far, from this call or earlier ones
    paths = sorted(RUNS.glob(f"*-r{args.ratio}-*/at-*min.safetensors"))
    grown = [p for s in args.growing for p in committed_states(s)]
    if not paths and not grown:  # the committed table stays; `audiosr report scaling` redraws it
        print(f"error: no snapshot at r = {args.ratio} in {RUNS}: nothing to tabulate.")
        return 1
    scores = score(paths + grown, args.ratio, tuple(args.test_sets))
    points = [snapshot_point(p) for p in paths] + [growing_point(p) for p in grown]
    rows = scaling_rows(points, [scores[str(p)] for p in paths + grown])
    rows = kept_rows(resolve(args.out).with_suffix(".csv"), rows)
    print(write_scaling(rows, resolve(args.out), args.ratio, SCALING))
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))
