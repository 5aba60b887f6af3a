"""The tts part of the embedded corpus: synthetic voices (flite, espeak-ng) reading
`assets/sentences.txt`, plus the one real voice alsa-utils ships. Kept for comparison with the
real voices (`speech`)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

import soundfile as sf

from audiosr.core.audio import tidy_clip
from audiosr.core.dsp import HR_RATE
from audiosr.data.corpus.render import (
    CorpusError,
    Job,
    measure,
    render_jobs,
    run_tool,
    tool_version,
    tool_versions,
)

ALSA_SOUNDS = Path("/usr/share/sounds/alsa")
SINGLE_TTS_VOICE = "flite-slt"
SENTENCES_PER_VOICE = 48  # every other synthetic voice reads this many (a rotating window)
VAL_UTTERANCES = TEST_UTTERANCES = 8


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


def sentences() -> list[str]:
    """The sentences the synthetic voices read (audiosr/assets/sentences.txt)."""
    text = resources.files("audiosr").joinpath("assets/sentences.txt").read_text()
    return [s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#")]


def tts_versions() -> dict:
    """The tts part's tool versions (its recipe's `tools`): the synthesisers' own lines."""
    return tool_versions(
        {
            "flite": tool_version(["flite", "--version"]),
            "espeak-ng": tool_version(["espeak-ng", "--version"]),
        }
    )


def render_speech(voice: Voice, text: str, out: Path) -> None:
    """One sentence by one synthetic voice, written to `out` (16-bit, 16 kHz)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        if voice.engine == "flite":
            run_tool(["flite", "-voice", voice.voice, "-t", text, "-o", str(raw)])
        else:
            run_tool(["espeak-ng", "-v", voice.voice, "-w", str(raw), text])
        x, sr = sf.read(str(raw), dtype="float32")
    sf.write(str(out), tidy_clip(x, sr), HR_RATE, subtype="PCM_16")


def render_alsa(src: Path, out: Path) -> None:
    """One alsa-utils recording, stored like every other clip."""
    x, sr = sf.read(str(src), dtype="float32", always_2d=True)
    sf.write(str(out), tidy_clip(x.mean(axis=1), sr), HR_RATE, subtype="PCM_16")


def alsa_clips() -> list[Path]:
    files = sorted(p for p in ALSA_SOUNDS.glob("*.wav") if p.stem != "Noise")
    if not files:
        raise CorpusError(
            f"no speech in {ALSA_SOUNDS}: install Debian's alsa-utils "
            "(`bash scripts/install-system-deps.sh`)."
        )
    return files


def tts_jobs(voices=VOICES, per_voice: int = SENTENCES_PER_VOICE) -> list[Job]:
    """Which voice reads which sentence, with the clip's splits; deterministic."""
    texts = sentences()
    jobs = []
    for k, v in enumerate(voices):
        if v.engine == "alsa":
            items = [(p.stem, str(p)) for p in alsa_clips()]
        elif v.name == SINGLE_TTS_VOICE:
            items = [(f"s{i + 1:03d}", texts[i]) for i in range(len(texts))]
        else:
            idx = [(k * per_voice + j) % len(texts) for j in range(min(per_voice, len(texts)))]
            items = [(f"s{i + 1:03d}", texts[i]) for i in idx]
        n = len(items)
        for j, (stem, text) in enumerate(items):
            single = "-"
            if v.name == SINGLE_TTS_VOICE:
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
            render = (
                partial(render_alsa, Path(text))
                if v.engine == "alsa"
                else partial(render_speech, v, text)
            )
            jobs.append(Job(fields, render))
    return jobs


def build_tts(folder: Path, voices, per_voice, jobs, progress) -> list[dict]:
    todo = tts_jobs(voices, per_voice)
    render_jobs(todo, folder, jobs, progress, "synthetic voices")
    versions = tts_versions()
    rows = [measure(folder, j, versions.get(j["source"], "alsa-utils")) for j in todo]
    _check_voices_differ(rows)
    return rows


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
