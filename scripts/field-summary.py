"""The field's goals on real speech, from a real-speech table (python -m audiosr.evaluation --real
... --out PATH): per ratio, test set and low-res maker, each model's SNR against sinc's, LSD
(log10) as a multiple of sinc's, ViSQOL against sinc's and DNSMOS P.808 against the spline's,
each with the goal it is held to (r = 4, 6: SNR >= sinc, LSD <= 0.35x, ViSQOL >= sinc + 0.5;
r = 2: ViSQOL >= sinc + 0.2; P.808 not below the spline's; no added line above 3 dB).
Benchmarks print; nothing is tuned.

    .venv/bin/python scripts/field-summary.py figures/field-r4.csv
"""

import argparse
import csv

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("table", help="the .csv an --out of python -m audiosr.evaluation --real wrote")
args = ap.parse_args()
rows = list(csv.DictReader(open(args.table, encoding="utf-8")))
SINC, SPLINE = "sinc (soxr VHQ)", "cubic spline"
mark = lambda ok: "yes" if ok else "**no**"
print(
    "| r | test set | low-res by | model | SNR - sinc (dB) | LSD log10 / sinc | ViSQOL - sinc "
    "| P.808 - spline | strongest added line |"
)
print("|---|---|---|---|---|---|---|---|---|")
groups = {}
for row in rows:
    groups.setdefault((row["r"], row["test set"], row.get("low-res made by", "")), []).append(row)
for (r, ds, maker), group in groups.items():
    by = {row["method"]: row for row in group}
    sinc, spline = by[SINC], by[SPLINE]
    visqol_goal = 0.2 if r == "2" else 0.5
    for m, row in by.items():
        if not m.startswith("model"):
            continue
        d_snr = float(row["SNR (dB)"]) - float(sinc["SNR (dB)"])
        ratio = float(row["LSD (log10)"]) / float(sinc["LSD (log10)"])
        cells = [f"{d_snr:+.2f} ({mark(d_snr >= 0)})", f"{ratio:.2f}x ({mark(ratio <= 0.35)})"]
        v, vs = row.get("ViSQOL (objective)"), sinc.get("ViSQOL (objective)")
        cells.append(
            f"{float(v) - float(vs):+.2f} ({mark(float(v) - float(vs) >= visqol_goal)})"
            if v and vs
            else "-"
        )
        p, ps = row.get("DNSMOS-P808 (objective)"), spline.get("DNSMOS-P808 (objective)")
        cells.append(
            f"{float(p) - float(ps):+.2f} ({mark(float(p) >= float(ps))})" if p and ps else "-"
        )
        line = float(row["strongest added line (dB)"])
        cells.append(f"{line:.1f} dB at {row['at (Hz)']} Hz ({mark(line <= 3)})")
        print(f"| {r} | {ds} | {maker or 'decimate'} | {m} | " + " | ".join(cells) + " |")
