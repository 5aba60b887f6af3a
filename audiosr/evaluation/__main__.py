"""The evaluation command: a run's model on its own data's split, or the shipped models (or any)
on real speech, printed as a table and written as .csv / .md.

    python -m audiosr.evaluation runs/<run> --split test     # runs/<run>/eval-test.csv
    python -m audiosr.evaluation --real                      # shipped models on real speech, r = 2, 4, 6
"""

from __future__ import annotations

import argparse
import sys

from audiosr.core.paths import resolve
from audiosr.core.tables import write_table
from audiosr.data.makers import NAMED as NAMED_MAKERS
from audiosr.evaluation.evaluate import evaluate_run, summarize
from audiosr.evaluation.real_speech import REAL_TEST_SETS, real_speech_rows


def main(argv=None) -> int:
    from audiosr.core.tables import markdown_table

    ap = argparse.ArgumentParser(
        prog="python -m audiosr.evaluation", description=__doc__.split("\n")[0]
    )
    ap.add_argument("run_dir", nargs="?", help="a run folder: its model on its own data's split")
    ap.add_argument("--split", default="test", choices=("train", "val", "test"))
    ap.add_argument(
        "--real",
        action="store_true",
        help="instead: spline, soxr and a model on real speech (" + ", ".join(REAL_TEST_SETS) + ")",
    )
    ap.add_argument("--ratios", type=int, nargs="+", default=[2, 4, 6], help="with --real")
    ap.add_argument(
        "--data", nargs="+", default=list(REAL_TEST_SETS), help="with --real: test sets"
    )
    ap.add_argument(
        "--model",
        nargs="+",
        default=None,
        help="with --real: model names or files, {r} for the ratio, several side by side "
        "(default: the shipped models)",
    )
    ap.add_argument(
        "--no-lowpass",
        action="store_true",
        help="with --real: low-res input without the low-pass filter (x[::r])",
    )
    ap.add_argument(
        "--lowres",
        nargs="+",
        default=[],
        metavar="MAKER",
        help="with --real: make the low-res input each of these ways ("
        + ", ".join(NAMED_MAKERS)
        + "; 'all' for every one), the model through the command's pipeline",
    )
    ap.add_argument(
        "--perceptual",
        nargs="*",
        default=None,
        metavar="MEASURE",
        help="with --real: also objective perceptual scores (default PESQ-WB and STOI; ViSQOL is "
        "slow), where their packages are installed; a Table 1 proxy, never MUSHRA",
    )
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", default=None, help="also write the table here (.csv and .md)")
    ap.add_argument(
        "--figure",
        default=None,
        help="with --real: also plot the added lines per ratio here (.png, .svg, .pdf)",
    )
    args = ap.parse_args(argv)
    if args.real == bool(args.run_dir):
        ap.error("give a run folder, or --real (not both).")
    if args.figure and not args.real:
        ap.error("--figure goes with --real.")
    unknown = [m for m in args.lowres if m not in NAMED_MAKERS and args.lowres != ["all"]]
    if unknown or (args.lowres and not args.real):
        ap.error(
            f"--lowres {' '.join(unknown)}: choose from {', '.join(NAMED_MAKERS)} or all"
            if unknown
            else "--lowres goes with --real."
        )
    lines = {}
    perceptual = ()
    if args.perceptual is not None:
        from audiosr.core.perceptual import FAST, missing

        perceptual = tuple(args.perceptual) or FAST
        for line in missing(perceptual):
            print(f"skipped {line}")
    if args.real:
        rows = real_speech_rows(
            tuple(args.ratios),
            tuple(args.data),
            tuple(args.model) if args.model else None,
            args.device,
            lines=lines,
            lowpass=not args.no_lowpass,
            perceptual=perceptual,
            lowres=tuple(NAMED_MAKERS if args.lowres == ["all"] else args.lowres),
        )
    else:
        rows = summarize(evaluate_run(args.run_dir, args.split, args.device))
    table = markdown_table(rows)
    print(table)
    cmd = "python -m audiosr.evaluation " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.figure and lines:
        from audiosr.listening.plots import added_lines, save_figure

        fig = added_lines(
            lines, title=f"Lines added at multiples of 125 Hz on real speech\nmade by {cmd}"
        )
        out = resolve(args.figure)
        print("figure:", ", ".join(str(p) for p in save_figure(fig, out.parent, out.stem)))
    if args.out and rows:
        write_table(resolve(args.out), rows, notes=f"Made by `{cmd}`.")
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))  # Ctrl-C / SIGTERM: one line, not a traceback
