"""The embedded corpus as a dataset: the clips of one of its parts, split as its manifest says
(`audiosr.data.corpus` builds it and writes the manifests)."""

from __future__ import annotations

import csv
from pathlib import Path

from audiosr.core.paths import EMBEDDED
from audiosr.data.splits import SPLITS, Clip, DatasetError


def manifest_rows(path: Path) -> list[dict]:
    """One manifest file's rows as dicts (`corpus.build.read_manifests` reads every part's)."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def embedded_clips(kind: str, task: str) -> list[Clip]:
    """Clips of one part of the embedded corpus (`speech`, `tts`, `piano`), with the split its
    manifest assigns for `task`; files the build left out have no split and are skipped."""
    manifest = EMBEDDED / kind / "manifest.csv"
    if not manifest.is_file():
        raise DatasetError(
            f"{manifest} not found: build the embedded corpus first with `make corpus` "
            f"(or `python -m audiosr.data.corpus --parts {kind}`)."
        )
    column = "split" if kind == "piano" else f"split_{task}"
    rows = [r for r in manifest_rows(manifest) if r["corpus"] == kind and r.get(column) in SPLITS]
    if not rows:
        raise DatasetError(f"{manifest} lists no {kind} clips: rebuild with `make corpus`.")
    return [Clip(EMBEDDED / r["path"], r["group"], r[column]) for r in rows]
