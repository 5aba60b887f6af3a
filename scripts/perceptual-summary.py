"""The README's real-speech table from the perceptual benchmark's tables
(figures/real-speech-perceptual-r{2,4,6}.csv, written by
`python -m audiosr.evaluation --real --ratios R --model audiounet-small-rR audiounet-perceptual-rR
--perceptual PESQ-WB STOI ViSQOL DNSMOS-SIG DNSMOS-BAK DNSMOS-OVRL DNSMOS-P808
--out figures/real-speech-perceptual-rR`): per ratio and test set, each measure as
spline / MSE model / perceptual model, the no-reference measures with the reference's score and
the share of the spline-to-reference gap the perceptual model (else the MSE model) closes; then
how far the default model is from the goals (ViSQOL >= spline + 0.6, P.808 closing a third of the gap, LSD <= 0.4x
the spline's, SNR >= the spline's, no added line above 3 dB).

    python scripts/perceptual-summary.py [figures/real-speech-perceptual-r4.csv ...]
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {"vctk-sample": "VCTK sample", "librispeech-test-other": "LibriSpeech test-other"}
MEASURES = (  # column, CSV field, digits
    ("SNR (dB)", "SNR (dB)", 1),
    ("LSD", "LSD", 1),
    ("PESQ-WB", "PESQ-WB (objective)", 2),
    ("STOI", "STOI (objective)", 2),
    ("ViSQOL", "ViSQOL (objective)", 2),
    ("DNSMOS OVRL", "DNSMOS-OVRL (objective)", 2),
    ("DNSMOS P.808", "DNSMOS-P808 (objective)", 2),
)


def kind(method: str, r: int) -> str | None:
    return {
        "cubic spline": "spline",
        f"model audiounet-small-r{r}": "MSE",
        f"model audiounet-perceptual-r{r}": "perceptual",
    }.get(method)


def main(paths: list[str]) -> int:
    paths = paths or sorted(
        str(p) for p in (ROOT / "figures").glob("real-speech-perceptual-r*.csv")
    )
    cells: dict[tuple[int, str], dict[str, dict]] = {}
    for row in (row for p in paths for row in csv.DictReader(open(p))):
        r = int(row["r"])
        if (k := kind(row["method"], r)) is not None:
            cells.setdefault((r, row["test set"]), {})[k] = row
    head = [name for name, _, _ in MEASURES]
    print("| r | test set (files) | " + " | ".join(head) + " |")
    print("|---" * (2 + len(head)) + "|")
    short = []
    for (r, ds), by in sorted(cells.items()):
        order = [k for k in ("spline", "MSE", "perceptual") if k in by]
        out = []
        for name, field, digits in MEASURES:
            values = " / ".join(f"{float(by[k][field]):.{digits}f}" for k in order)
            ref = by["spline"].get(field.replace("(objective)", "(reference)"))
            last = order[-1]  # the perceptual model where one ships, else the MSE model
            if "(objective)" in field and ref and last != "spline":
                gap = by[last].get(field.split(" ")[0] + " gap closed")
                closed = (
                    "no gap to close" if math.isnan(float(gap)) else f"{float(gap):+.0%} of the gap"
                )
                values += f" (ref {float(ref):.2f}; {closed})"
            out.append(values)
        print(f"| {r} | {SETS.get(ds, ds)} ({by['spline']['files']}) | " + " | ".join(out) + " |")
        if "perceptual" in by:
            s, p = by["spline"], by["perceptual"]
            f = lambda row, k: float(row[k])
            checks = {
                "ViSQOL +0.6": f(p, "ViSQOL (objective)") - f(s, "ViSQOL (objective)") - 0.6,
                "P.808 1/3 of the gap": f(p, "DNSMOS-P808 gap closed") - 1 / 3,
                "LSD 0.4x": 0.4 - f(p, "LSD") / f(s, "LSD"),
                "SNR >= spline": f(p, "SNR (dB)") - f(s, "SNR (dB)"),
                "lines <= 3 dB": 3.0 - f(p, "strongest added line (dB)"),
            }
            missed = [f"{k} (short by {abs(v):.2f})" for k, v in checks.items() if v < 0]
            short.append(f"r = {r}, {SETS.get(ds, ds)}: " + ("; ".join(missed) or "every goal met"))
    print("\nspline / MSE model / perceptual model; goals of the perceptual model:")
    for line in short:
        print(f"- {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
