"""The embedded corpus: a small recipe builds deterministically, the manifest is complete and the
splits are the paper's shape; the full corpus (built by `make test` before pytest) meets the
issue's floor: >= 8 voices, >= 30 min speech with energy above 4 kHz, >= 20 min piano."""
import shutil

import numpy as np
import pytest
import soundfile as sf

from audiosr import corpus
from audiosr.datasets import load_clips
from audiosr.paths import EMBEDDED

needs_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("flite", "espeak-ng", "fluidsynth")) or not corpus.SOUNDFONT.exists(),
    reason="system synthesisers missing: run `bash scripts/install-system-deps.sh`",
)
SMALL = dict(voices=(corpus.VOICES[1], corpus.VOICES[5], corpus.VOICES[6]), per_voice=3,
             pieces=corpus.PIECES[:3], max_piece_s=4.0, progress=False)


@pytest.fixture(scope="module")
def small_builds(tmp_path_factory):
    a = tmp_path_factory.mktemp("a") / "embedded"
    b = tmp_path_factory.mktemp("b") / "embedded"
    corpus.build(a, **SMALL)
    corpus.build(b, jobs=1, **SMALL)
    return a, b


@needs_tools
def test_same_recipe_gives_the_same_bytes(small_builds):
    a, b = small_builds
    ra, rb = corpus.read_manifest(a), corpus.read_manifest(b)
    assert [r["sha256"] for r in ra] == [r["sha256"] for r in rb]
    assert all((a / r["path"]).read_bytes() == (b / r["path"]).read_bytes() for r in ra)


@needs_tools
def test_manifest_records_every_clip_with_its_licence_and_splits(small_builds):
    root = small_builds[0]
    rows = corpus.read_manifest(root)
    assert len(rows) == len(corpus.sentences()) + 2 * 3 + 3  # slt reads all; others 3; 3 pieces
    for r in rows:
        x, sr = sf.read(str(root / r["path"]))
        assert sr == 16000 and x.ndim == 1
        assert abs(len(x) / sr - float(r["duration_s"])) < 1e-3
        assert r["license"] and r["source"] and r["group"]
        assert np.abs(x).max() < 0.9 and np.abs(x).max() > 0.85  # peak -1 dBFS, no clipping
    piano = [r for r in rows if r["corpus"] == "piano"]
    assert all(float(r["duration_s"]) <= 4.0 for r in piano)
    assert [r["split"] for r in piano] == ["train", "val", "test"]
    slt = [r for r in rows if r["group"] == "flite-slt"]
    assert [r["split_single"] for r in slt[-8:]] == ["test"] * 8
    assert [r["split_single"] for r in slt[-16:-8]] == ["val"] * 8


@needs_tools
def test_an_up_to_date_corpus_is_not_rebuilt(small_builds):
    root = small_builds[0]
    stamp = (root / "manifest.csv").stat().st_mtime_ns
    corpus.build(root, **SMALL)
    assert (root / "manifest.csv").stat().st_mtime_ns == stamp


def test_unknown_espeak_voice_is_caught():
    rows = [{"corpus": "speech", "text": "hi", "sha256": "x", "group": "a"},
            {"corpus": "speech", "text": "hi", "sha256": "x", "group": "b"}]
    with pytest.raises(corpus.CorpusError, match="identical audio"):
        corpus._check_voices_differ(rows)


def test_multi_split_holds_whole_voices_out_and_keeps_a_real_voice_in_test():
    jobs = [j for j in corpus.speech_jobs() if j["source"] != "alsa"] if not corpus.ALSA_SOUNDS.exists() \
        else corpus.speech_jobs()
    roles = {}
    for j in jobs:
        roles.setdefault(j["group"], set()).add(j["split_multi"])
    assert all(len(s) == 1 for s in roles.values())
    assert {r for s in roles.values() for r in s} == {"train", "val", "test"}
    assert corpus.MULTI_ROLES["alsa-human"] == "test"


full = pytest.mark.skipif(not (EMBEDDED / "manifest.csv").exists(), reason="run `make corpus` first")


@full
def test_full_corpus_meets_the_floor():
    speech = {r["source"]: r for r in corpus.summary("speech", reference=False)}
    voices = sum(r["voices / pieces"] for r in speech.values())
    minutes = sum(r["minutes"] for r in speech.values())
    assert voices >= 8 and minutes >= 30
    piano = corpus.summary("piano")
    assert sum(r["minutes"] for r in piano) >= 20
    rows = corpus.read_manifest()
    hf = np.mean([float(r["hf_4k"]) for r in rows if r["corpus"] == "speech"])
    assert hf > 0.001  # a 16 kHz target needs energy in 4-8 kHz


@full
def test_embedded_splits_load():
    multi = load_clips("embedded-speech", "multi")
    groups = {s: {c.group for c in multi if c.split == s} for s in ("train", "val", "test")}
    assert not groups["test"] & groups["train"] and len(groups["train"]) >= 8
    single = load_clips("embedded-speech", "single")
    assert {c.group for c in single} == {corpus.SINGLE_VOICE}
    assert sum(c.split == "test" for c in single) == 8
    piano = load_clips("embedded-piano")
    assert {c.split for c in piano} == {"train", "val", "test"}
