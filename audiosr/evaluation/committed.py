"""The committed results a notebook shows beside its own tiny run: what the repository's longer
runs measured (training histories and tables under figures/), each labelled with its budget, so
that a notebook at its defaults shows real numbers in seconds, not only a smoke run."""

from __future__ import annotations

from audiosr.core.paths import resolve
from audiosr.core.tables import read_csv

# label (recipe and budget) -> history CSV
HISTORIES = {
    # MINUTES=6.5 bash scripts/on-gpu.sh paper-r4
    "full width, the paper's recipe, 6.5 min on an H100 (27 of 400 epochs)": (
        "figures/gpu-h100/paper-multispeaker-r4-fp32-history.csv"
    ),
    # make nolowpass RATIOS=4
    "width 1/16, shipped recipe without low-pass, 1.5 CPU-hours (13 epochs)": (
        "figures/nolowpass-r4-history.csv"
    ),
}
SHIPPED_TABLE = "figures/real-speech-shipped.csv"
DEMO_TABLE2 = "figures/table2-embedded-speech-multi.csv"


def numbers(row: dict) -> dict:
    """A CSV row with its numeric cells as floats (the rest as they are)."""
    out = {}
    for k, v in row.items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            out[k] = v
    return out


def rows(path: str) -> list[dict]:
    """A committed table's rows, numbers as floats; [] where the file is absent."""
    p = resolve(path)
    return [numbers(r) for r in read_csv(p)] if p.is_file() else []


def histories() -> dict[str, list[dict]]:
    """The committed training histories (r = 4), by label; absent files are left out."""
    return {label: h for label, path in HISTORIES.items() if (h := rows(path))}


def shipped_on_real_speech(ratio: int, test_set: str = "vctk-sample") -> dict[str, dict]:
    """The committed whole-file scores of the shipped model and the baselines on a real test
    set at `ratio` (`python -m audiosr.evaluation --real`), by method."""
    return {
        r["method"]: r
        for r in rows(SHIPPED_TABLE)
        if int(r["r"]) == ratio and r["test set"] == test_set
    }
