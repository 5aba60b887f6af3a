"""The embedded default corpus: speech and piano built offline from what the registries ship.

VCTK and the paper's piano set cannot be downloaded here, so `python -m audiosr.corpus` (run by
`make corpus`) renders a stand-in from Debian packages and PyPI:

- **speech**: one real human voice (the channel-test recordings that Debian's alsa-utils
  ships, 48 kHz) and twelve synthetic voices: flite's four 16 kHz CMU voices and eight
  espeak-ng voice variants (22.05 kHz, resampled). flite's `slt` reads all sentences and is the
  SingleSpeaker-style voice; MultiSpeaker-style splits hold whole voices out (`MULTI_ROLES`).
- **piano**: scores bundled with music21 (Beethoven's string quartets, the only Beethoven it
  ships, plus three keyboard pieces) played on the FluidR3 GM sampled piano with fluidsynth,
  each cut to its first `MAX_PIECE_S` seconds, split 88 / 6 / 6 by piece in list order.

Everything is deterministic (same bytes for the same tool versions), written to a temporary
folder and renamed into place, and skipped when `build.json` shows the same recipe was built.
`manifest.csv` records every clip: source, voice/piece, duration, splits, licence, energy above
4 kHz, and a SHA-256 of the file.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import multiprocessing
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import soundfile as sf

from .audio import DEFAULT_SR, resample
from .datasets import PIANO_FRACTIONS, split_by_file
from .dsp import band_energy_fraction
from .paths import EMBEDDED, atomic_path

RECIPE_VERSION = 1
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
ALSA_SOUNDS = Path("/usr/share/sounds/alsa")
MAX_PIECE_S = 120.0     # piano: the first two minutes of each piece
SINGLE_VOICE = "flite-slt"
SENTENCES_PER_VOICE = 48  # every other synthetic voice reads this many (a rotating window)
VAL_UTTERANCES = TEST_UTTERANCES = 8


@dataclass(frozen=True)
class Voice:
    name: str      # group name in the manifest
    engine: str    # flite | espeak-ng | alsa
    voice: str     # the engine's voice id
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
# MultiSpeaker-style split: whole voices held out. The real voice is in test so every evaluation
# shows how synthetic training carries to a human; val is one voice from the train side.
MULTI_ROLES = {"alsa-human": "test", "flite-rms": "test", "espeak-scot-f4": "test",
               "espeak-us-m3": "val"}

MUSIC21_LICENSE = "score: music21 corpus (BSD-3-Clause / public domain); piano: FluidR3 GM (MIT)"
# (name, music21 corpus path); keyboard works first, the last ones are held out. Left out: Chopin's
# mazurka op. 6/2 and Beethoven op. 18/3 (music21 10.5 cannot expand their repeats) and op. 18/4
# (7 minutes to convert to MIDI on one core).
PIECES = (
    ("mozart-k545-m1-exposition", "mozart/k545/movement1_exposition.mxl"),
    ("joplin-maple-leaf-rag", "joplin/maple_leaf_rag.mxl"),
    ("cpebach-h186", "cpebach/h186.mxl"),
    *[(f"beethoven-op18no1-m{m}", f"beethoven/opus18no1/movement{m}.mxl") for m in range(1, 5)],
    *[(f"beethoven-op59no{n}-m{m}", f"beethoven/opus59no{n}/movement{m}.mxl")
      for n in (1, 2, 3) for m in range(1, 5)],
)


class CorpusError(RuntimeError):
    """The corpus cannot be built here; the message says what to install."""


def sentences() -> list[str]:
    """The sentences the synthetic voices read (audiosr/assets/sentences.txt)."""
    text = resources.files("audiosr").joinpath("assets/sentences.txt").read_text()
    return [s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#")]


def _run(cmd: list[str]) -> None:
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    except FileNotFoundError:
        raise CorpusError(f"`{cmd[0]}` is not installed: run `bash scripts/install-system-deps.sh` "
                          "(or `make setup`).") from None
    except subprocess.CalledProcessError as e:
        raise CorpusError(f"{' '.join(cmd[:4])} ... failed: {e.stderr.decode(errors='replace')[-400:]}") from None


def tool_versions() -> dict:
    """Versions that determine the bytes; part of the recipe, so an upgrade triggers a rebuild."""
    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return " ".join((out.stdout + out.stderr).split("\n")[:2]).strip()
        except FileNotFoundError:
            return "missing"
    import music21
    return {"flite": first_line(["flite", "--version"]), "espeak-ng": first_line(["espeak-ng", "--version"]),
            "fluidsynth": first_line(["fluidsynth", "--version"]), "music21": music21.__version__,
            "numpy": np.__version__, "soundfont_bytes": SOUNDFONT.stat().st_size if SOUNDFONT.exists() else 0}


def finish(x: np.ndarray, sr: int, max_s: float | None = None) -> np.ndarray:
    """Mono 16 kHz, silence trimmed (50 ms kept), cut with a 50 ms fade, peak at -1 dBFS."""
    x = resample(np.asarray(x, np.float32), sr, DEFAULT_SR).astype(np.float64)
    frame = DEFAULT_SR // 100
    n = len(x) // frame
    rms = np.sqrt((x[: n * frame].reshape(n, frame) ** 2).mean(axis=1) + 1e-20)
    loud = np.flatnonzero(rms > rms.max() * 10 ** (-50 / 20))
    pad = 5
    x = x[max(0, loud[0] - pad) * frame: min(n, loud[-1] + 1 + pad) * frame]
    if max_s is not None and len(x) > max_s * DEFAULT_SR:
        x = x[: int(max_s * DEFAULT_SR)]
        fade = DEFAULT_SR // 20
        x[-fade:] *= np.linspace(1.0, 0.0, fade)
    return (x * (10 ** (-1 / 20) / np.abs(x).max())).astype(np.float32)


def render_speech(voice: Voice, text: str, out: Path) -> None:
    """One sentence by one synthetic voice, written to `out` (16-bit, 16 kHz)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        if voice.engine == "flite":
            _run(["flite", "-voice", voice.voice, "-t", text, "-o", str(raw)])
        else:
            _run(["espeak-ng", "-v", voice.voice, "-w", str(raw), text])
        x, sr = sf.read(str(raw), dtype="float32")
    sf.write(str(out), finish(x, sr), DEFAULT_SR, subtype="PCM_16")


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
        _run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-F", str(raw), "-r", "32000", str(SOUNDFONT), str(midi)])
        x, sr = sf.read(str(raw), dtype="float32", always_2d=True)
    sf.write(str(out), finish(x.mean(axis=1), sr, max_s), DEFAULT_SR, subtype="PCM_16")


def alsa_clips() -> list[Path]:
    files = sorted(p for p in ALSA_SOUNDS.glob("*.wav") if p.stem != "Noise")
    if not files:
        raise CorpusError(f"no speech in {ALSA_SOUNDS}: install Debian's alsa-utils "
                          "(`bash scripts/install-system-deps.sh`).")
    return files


def speech_jobs(voices=VOICES, per_voice: int = SENTENCES_PER_VOICE) -> list[dict]:
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
                single = ("test" if j >= n - TEST_UTTERANCES else
                          "val" if j >= n - TEST_UTTERANCES - VAL_UTTERANCES else "train")
            jobs.append({"path": f"speech/{v.name}/{v.name}-{j:03d}-{stem}.wav", "corpus": "speech",
                         "source": v.engine, "group": v.name, "text": text if v.engine != "alsa" else stem,
                         "split_single": single, "split_multi": MULTI_ROLES.get(v.name, "train"),
                         "split": "-", "license": v.license, "_voice": v})
    return jobs


def piano_jobs(pieces=PIECES) -> list[dict]:
    names = [f"piano/{i:02d}-{name}.wav" for i, (name, _) in enumerate(pieces)]
    splits = [c.split for c in split_by_file([Path(n) for n in names], PIANO_FRACTIONS)]
    return [{"path": n, "corpus": "piano", "source": "music21+fluidsynth", "group": name,
             "text": src, "split_single": "-", "split_multi": "-", "split": s,
             "license": MUSIC21_LICENSE} for n, (name, src), s in zip(names, pieces, splits)]


def _do(job: dict, folder: str) -> None:
    out = Path(folder) / job["path"]
    out.parent.mkdir(parents=True, exist_ok=True)
    if job["corpus"] == "piano":
        render_piece(job["text"], out, job.get("_max_s", MAX_PIECE_S))
    elif job["source"] == "alsa":
        x, sr = sf.read(str(ALSA_SOUNDS / f"{job['text']}.wav"), dtype="float32", always_2d=True)
        sf.write(str(out), finish(x.mean(axis=1), sr), DEFAULT_SR, subtype="PCM_16")
    else:
        render_speech(job["_voice"], job["text"], out)


MANIFEST_COLUMNS = ("path", "corpus", "source", "group", "duration_s", "split_single", "split_multi",
                    "split", "hf_4k", "license", "text", "sha256")


def recipe(voices, per_voice, pieces, max_piece_s) -> dict:
    return {"recipe_version": RECIPE_VERSION, "voices": [asdict(v) for v in voices],
            "per_voice": per_voice, "pieces": list(map(list, pieces)), "max_piece_s": max_piece_s,
            "sentences_sha256": hashlib.sha256("\n".join(sentences()).encode()).hexdigest(),
            "multi_roles": MULTI_ROLES, "tools": tool_versions()}


def build(root: Path = EMBEDDED, voices=VOICES, per_voice: int = SENTENCES_PER_VOICE,
          pieces=PIECES, max_piece_s: float = MAX_PIECE_S, jobs: int | None = None,
          force: bool = False, progress: bool = True) -> Path:
    """Build (or confirm up to date) the embedded corpus in `root`; returns the manifest path."""
    from tqdm.auto import tqdm

    root = Path(root)
    want = recipe(voices, per_voice, pieces, max_piece_s)
    built = root / "build.json"
    if not force and built.is_file() and json.loads(built.read_text()).get("recipe") == want:
        if progress:
            print(f"embedded corpus up to date: {root}")
        return root / "manifest.csv"
    for tool, v in want["tools"].items():
        if v in ("missing", 0):
            raise CorpusError(f"{tool} is not installed: run `bash scripts/install-system-deps.sh`.")
    todo = (speech_jobs(voices, per_voice) if voices else []) + piano_jobs(pieces)
    for j in todo:
        j["_max_s"] = max_piece_s
    jobs = jobs or min(2, os.cpu_count() or 1)
    with atomic_path(root) as tmp:
        tmp.mkdir()
        bar = tqdm(total=len(todo), desc="embedded corpus", unit="clip", disable=not progress)
        # piano: music21 parsing is Python-bound -> processes; speech: subprocess-bound -> threads
        # "spawn": forking while the speech threads run subprocesses can deadlock the children
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as procs, \
                ThreadPoolExecutor(jobs) as threads:
            futures = [(procs if j["corpus"] == "piano" else threads).submit(_do, j, str(tmp)) for j in todo]
            for f in as_completed(futures):
                f.result()
                bar.update()
        bar.close()
        rows = []
        for j in todo:
            path = tmp / j["path"]
            x, sr = sf.read(str(path), dtype="float32")
            rows.append({**{k: v for k, v in j.items() if not k.startswith("_")},
                         "duration_s": f"{len(x) / sr:.3f}", "hf_4k": f"{band_energy_fraction(x, sr):.6f}",
                         "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
        _check_voices_differ(rows)
        with open(tmp / "manifest.csv", "w", newline="") as f:
            w = csv.DictWriter(f, MANIFEST_COLUMNS)
            w.writeheader()
            w.writerows(rows)
        (tmp / "build.json").write_text(json.dumps({"recipe": want}, indent=2, sort_keys=True) + "\n")
        (tmp / "SOURCES.md").write_text(sources_text(rows))
    return root / "manifest.csv"


def _check_voices_differ(rows: list[dict]) -> None:
    """espeak-ng silently falls back to its default voice for an unknown name: catch that."""
    seen: dict[tuple, str] = {}
    for r in rows:
        if r["corpus"] != "speech":
            continue
        key = (r["text"], r["sha256"])
        if key in seen and seen[key] != r["group"]:
            raise CorpusError(f"voices {seen[key]} and {r['group']} render identical audio: one voice id "
                              "is unknown to its engine (espeak-ng falls back to its default).")
        seen[key] = r["group"]


def read_manifest(root: Path = EMBEDDED) -> list[dict]:
    path = Path(root) / "manifest.csv"
    if not path.is_file():
        raise CorpusError(f"{path} not found: build the corpus with `make corpus` (python -m audiosr.corpus).")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _row(corpus_name, source, real, groups, clips, seconds, hf) -> dict:
    hf = np.asarray(hf)
    return {"corpus": corpus_name, "source": source, "real human": real, "voices / pieces": groups,
            "clips": clips, "minutes": round(seconds / 60, 1),
            "energy > 4 kHz (mean, min-max)": f"{hf.mean():.2%} ({hf.min():.2%}-{hf.max():.2%})"}


def reference_row() -> dict:
    """The same measurements on the real VCTK sample (evaluation only), for comparison."""
    from .audio import list_audio, load_audio
    from .paths import VCTK_SAMPLE

    files = list_audio(VCTK_SAMPLE)
    xs = [load_audio(f) for f in files]
    return _row("speech (eval only)", "VCTK sample", "yes", len({f.parent.name for f in files}), len(xs),
                sum(len(x) for x in xs) / DEFAULT_SR, [band_energy_fraction(x, DEFAULT_SR) for x in xs])


def summary(kind: str | None = None, root: Path = EMBEDDED, reference: bool = True) -> list[dict]:
    """Per source: voices or pieces, clips, minutes, and the energy above 4 kHz (mean over clips).

    With `reference`, speech summaries end with the real VCTK sample measured the same way.
    """
    rows = [r for r in read_manifest(root) if kind in (None, r["corpus"])]
    out = []
    for key in dict.fromkeys((r["corpus"], r["source"]) for r in rows):
        sel = [r for r in rows if (r["corpus"], r["source"]) == key]
        out.append(_row(key[0], key[1], "yes" if key[1] == "alsa" else "no", len({r["group"] for r in sel}),
                        len(sel), sum(float(r["duration_s"]) for r in sel), [float(r["hf_4k"]) for r in sel]))
    if reference and kind in (None, "speech"):
        out.append(reference_row())
    return out


def sources_text(rows: list[dict]) -> str:
    lines = ["# Embedded corpus: sources and licences", "",
             "Built by `python -m audiosr.corpus` (see audiosr/corpus.py); `manifest.csv` lists every clip.", "",
             "| corpus | source | groups | clips | licence |", "|---|---|---|---|---|"]
    for key in dict.fromkeys((r["corpus"], r["source"], r["license"]) for r in rows):
        sel = [r for r in rows if (r["corpus"], r["source"], r["license"]) == key]
        lines.append(f"| {key[0]} | {key[1]} | {len({r['group'] for r in sel})} | {len(sel)} | {key[2]} |")
    lines += ["", "Sentences: audiosr/assets/sentences.txt (written for audiosr, MIT).",
              "The alsa-utils recordings are a human voice reading channel names (Front Left, ...).", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m audiosr.corpus", description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=str(EMBEDDED), help="where to build (default: data/embedded)")
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    ap.add_argument("--jobs", type=int, default=None, help="parallel renders (default: up to 2)")
    args = ap.parse_args(argv)
    try:
        build(Path(args.root), jobs=args.jobs, force=args.force)
    except CorpusError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    from .tables import markdown_table

    print(markdown_table(summary(root=Path(args.root))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
