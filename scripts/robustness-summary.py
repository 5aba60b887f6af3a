"""The README's robustness matrix from the benchmark's tables (figures/robustness-r{2,4,6}.csv,
written by `python -m audiosr.evaluation --real --ratios R --lowres ... --out figures/robustness-rR`):
per ratio and low-res maker, spline and shipped model on both test sets (SNR dB / LSD), the
model's gain, its LSD ratio, its peak, and how far each row falls short of the goals (SNR +0.5
dB over the spline and LSD <= 0.6x; telephone: SNR >= the spline's, LSD <= 0.7x; a peak above
1.0 and 2 % above the spline's, which follows the reference's).

    python scripts/robustness-summary.py [figures/robustness-r2.csv ...]
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ("vctk-sample", "librispeech-test-other")


def main(paths: list[str]) -> int:
    paths = paths or sorted(str(p) for p in (ROOT / "figures").glob("robustness-r*.csv"))
    rows = [row for p in paths for row in csv.DictReader(open(p))]
    cell = defaultdict(dict)  # (r, maker, method) -> {test set: row}
    for row in rows:
        told = row["method"].endswith("told decimate")
        method = "model" if row["method"].startswith(("shipped model", "model ")) else row["method"]
        maker = row["low-res made by"] + (", told so" if told else "")
        cell[(int(row["r"]), maker, method)][row["test set"]] = row
    print(
        "| r | low-res made by | VCTK sample: spline | model | LibriSpeech test-other: spline "
        "| model | SNR gain | LSD ratio | peak | short of the goal by |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r, maker, method in sorted(k for k in cell if k[2] == "model"):
        m, s = cell[(r, maker, "model")], cell[(r, maker.split(",")[0], "cubic spline")]
        phone = maker.startswith("telephone")
        need_gain, need_lsd = (0.0, 0.7) if phone else (0.5, 0.6)
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
        print(
            f"| {r} | {maker} | " + " | ".join(out) + f" | {' / '.join(f'{g:+.2f}' for g in gains)}"
            f" | {' / '.join(f'{x:.2f}' for x in ratios)} | {peak:.2f} | {'; '.join(short) or 'met'} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
