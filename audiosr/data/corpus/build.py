"""Building the embedded corpus: each part's recipe, the build that renders a part only when its
recipe changed, the manifests and SOURCES.md it writes, and `read_manifests` to read them back."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from audiosr.core.paths import EMBEDDED, PACKAGE_CACHE, atomic_path
from audiosr.core.tables import csv_text
from audiosr.data.corpora.embedded import (
    manifest_rows,  # one part's manifest; ours reads them all
)
from audiosr.data.corpus import packaged_speech as ps
from audiosr.data.corpus.piano import MAX_PIECE_S, PIECES, build_piano, piano_versions
from audiosr.data.corpus.render import MANIFEST_COLUMNS, CorpusError, tool_versions
from audiosr.data.corpus.speech import build_speech
from audiosr.data.corpus.tts import (
    MULTI_ROLES,
    SENTENCES_PER_VOICE,
    VOICES,
    build_tts,
    sentences,
    tts_versions,
)

RECIPE_VERSION = 2
PARTS = ("speech", "tts", "piano")


def recipe(
    part: str,
    voices=VOICES,
    per_voice=SENTENCES_PER_VOICE,
    pieces=PIECES,
    max_piece_s=MAX_PIECE_S,
    packages=ps.PACKAGES,
) -> dict:
    """What a part is made from. Package versions are not in it (knowing them would need a
    download); they are in the manifest, and `--force` rebuilds with the archive's newest."""
    r = {"recipe_version": RECIPE_VERSION, "part": part}
    if part == "speech":
        r.update(
            tools=tool_versions(),
            packages=[asdict(p) for p in packages],
            test_languages=ps.TEST_LANGUAGES,
            val_languages=ps.VAL_LANGUAGES,
            single_voice=ps.SINGLE_REAL_VOICE,
            min_bandwidth_hz=ps.MIN_BANDWIDTH_HZ,
            floor_db=ps.BANDWIDTH_FLOOR_DB,
            min_source_sr=ps.MIN_SOURCE_SR,
            min_seconds=ps.MIN_SECONDS,
        )
    elif part == "tts":
        r.update(
            tools=tts_versions(),
            voices=[asdict(v) for v in voices],
            per_voice=per_voice,
            multi_roles=MULTI_ROLES,
            sentences_sha256=hashlib.sha256("\n".join(sentences()).encode()).hexdigest(),
        )
    else:
        r.update(tools=piano_versions(), pieces=list(map(list, pieces)), max_piece_s=max_piece_s)
    return json.loads(json.dumps(r))  # tuples -> lists, as build.json reads back


def build(
    root: Path = EMBEDDED,
    parts=PARTS,
    voices=VOICES,
    per_voice: int = SENTENCES_PER_VOICE,
    pieces=PIECES,
    max_piece_s: float = MAX_PIECE_S,
    packages=ps.PACKAGES,
    package_cache: Path = PACKAGE_CACHE,
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
) -> Path:
    """Build (or confirm up to date) each part of the embedded corpus in `root/<part>/`.

    A part that cannot be built here (no package archive, a missing synthesiser) does not stop
    the others; the error, naming what is missing and the fallback, is raised at the end.
    """
    root, jobs = Path(root), jobs or min(2, os.cpu_count() or 1)
    for stale in ("manifest.csv", "build.json", "SOURCES.md"):  # the one-folder layout before parts
        (root / stale).unlink(missing_ok=True)
    errors = []
    for part in parts:
        if part not in PARTS:
            raise CorpusError(f"unknown part {part!r}; the parts are {', '.join(PARTS)}.")
        want = recipe(part, voices, per_voice, pieces, max_piece_s, packages)
        built = root / part / "build.json"
        if not force and built.is_file() and json.loads(built.read_text()).get("recipe") == want:
            if progress:
                print(f"embedded corpus, {part}: up to date ({root / part})")
            continue
        missing = [t for t, v in want["tools"].items() if v in ("missing", 0)]
        if missing:
            errors.append(
                f"{part}: {', '.join(missing)} not installed: run `bash scripts/install-system-deps.sh`."
            )
            continue
        try:
            with atomic_path(root / part) as tmp:
                tmp.mkdir()
                if part == "speech":
                    rows = build_speech(tmp, packages, Path(package_cache), jobs, progress)
                elif part == "tts":
                    rows = build_tts(tmp, voices, per_voice, jobs, progress)
                else:
                    rows = build_piano(tmp, pieces, max_piece_s, jobs, progress)
                _write_manifest(tmp / "manifest.csv", rows)
                (tmp / "build.json").write_text(
                    json.dumps({"recipe": want}, indent=2, sort_keys=True) + "\n"
                )
                (tmp / "SOURCES.md").write_text(sources_text(rows))
        except (ps.PackageError, CorpusError) as e:
            errors.append(f"{part}: {e}")
    if errors:
        raise CorpusError("\n".join(errors))
    return root


def _write_manifest(path: Path, rows: list[dict]) -> None:
    path.write_text(csv_text(rows, MANIFEST_COLUMNS))


def read_manifests(root: Path = EMBEDDED, part: str | None = None) -> list[dict]:
    """Rows of every built part (or of one), files left out included (their `excluded` says why)."""
    root = Path(root)
    paths = [root / p / "manifest.csv" for p in ((part,) if part else PARTS)]
    if not any(p.is_file() for p in paths):
        raise CorpusError(
            f"no manifest in {root}/{part or '<part>'}: build the corpus with `make corpus` "
            "(python -m audiosr.data.corpus)."
        )
    return [row for p in paths if p.is_file() for row in manifest_rows(p)]


def sources_text(rows: list[dict]) -> str:
    """SOURCES.md of a part: each source's version, voices or pieces, clips and licence."""
    lines = [
        "# Embedded corpus: sources and licences",
        "",
        "Built by `python -m audiosr.data.corpus` (see audiosr/data/corpus/); `manifest.csv` lists every clip.",
        "",
        "| corpus | source | version | groups | clips | licence |",
        "|---|---|---|---|---|---|",
    ]
    for key in dict.fromkeys((r["corpus"], r["source"], r["version"], r["license"]) for r in rows):
        sel = [
            r
            for r in rows
            if (r["corpus"], r["source"], r["version"], r["license"]) == key and not r["excluded"]
        ]
        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | {len({r['group'] for r in sel})} | {len(sel)} | {key[3]} |"
        )
    lines += [
        "",
        "Sentences: audiosr/assets/sentences.txt (written for audiosr, MIT).",
        "The alsa-utils recordings are a human voice reading channel names (Front Left, ...).",
        "",
    ]
    return "\n".join(lines)
