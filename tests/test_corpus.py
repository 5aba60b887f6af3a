"""The embedded corpus: real voices from a Debian package (a fixture package built here with
dpkg-deb, never downloaded), the synthetic voices and piano from a small recipe; builds are
deterministic, manifests complete, splits hold whole languages / voices out. The full corpus
(built by `make test` before pytest) must hold what its builder promises: more than 3 hours of
real speech from >= 50 voices, every piano piece, every synthetic voice."""

import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf
from helpers import tone_mix
from scipy.signal import butter, sosfilt

from audiosr.core.paths import EMBEDDED
from audiosr.data.clips import load_clips
from audiosr.data.corpus import packaged_speech as ps
from audiosr.data.corpus.build import build, read_manifests
from audiosr.data.corpus.piano import MAX_PIECE_S, PIECES, SOUNDFONT
from audiosr.data.corpus.render import CorpusError
from audiosr.data.corpus.summary import summary
from audiosr.data.corpus.tts import (
    ALSA_SOUNDS,
    MULTI_ROLES,
    SINGLE_TTS_VOICE,
    VOICES,
    _check_voices_differ,
    sentences,
    tts_jobs,
)

needs_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("flite", "espeak-ng", "fluidsynth"))
    or not SOUNDFONT.exists(),
    reason="system synthesisers missing: run `bash scripts/install-system-deps.sh`",
)
needs_dpkg = pytest.mark.skipif(
    not shutil.which("dpkg-deb"), reason="dpkg-deb missing (not a Debian system)"
)
SMALL = dict(
    parts=("tts", "piano"),
    voices=(VOICES[1], VOICES[5], VOICES[6]),
    per_voice=3,
    pieces=PIECES[:3],
    max_piece_s=4.0,
    progress=False,
)
FIXTURE = ps.Package(
    "audiosr-fixture-speech",
    "tuxpaint",
    "test fixture (generated)",
    r"^usr/share/fixture/(?P<lang>[^/]+)/[^/]+\.(?:ogg|wav|flac)$",
)
SINGLE = ps.SINGLE_REAL_VOICE  # the fixture has a voice of that name


def make_fixture_deb(cache):
    """A .deb laid out like the real ones: full-band speech stand-ins in several languages,
    plus a band-limited, an 8 kHz and a corrupt file that the build must leave out."""
    src = cache.parent / "pkgsrc"
    (src / "DEBIAN").mkdir(parents=True)
    (src / "DEBIAN" / "control").write_text(
        f"Package: {FIXTURE.name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: audiosr tests <t@example.org>\n"
        "Description: generated fixture\n"
    )
    base = src / "usr/share/fixture"
    langs = {"fr": 3, "el": 2, "da": 2, ps.SINGLE_REAL_VOICE.split("-")[1]: 20}
    for lang, n in langs.items():
        (base / lang).mkdir(parents=True)
        for i in range(n):
            x = np.pad(tone_mix(44100 // 2, 44100, seed=i), 4410)  # silence to trim around it
            sf.write(str(base / lang / f"w{i:02d}.wav"), x, 44100)
    sf.write(
        str(base / "fr" / "vorbis.ogg"),
        tone_mix(44100, 44100, seed=3),
        44100,
        format="OGG",
        subtype="VORBIS",
    )
    sos = butter(12, 3500, fs=44100, output="sos")
    sf.write(str(base / "fr" / "narrow.wav"), sosfilt(sos, tone_mix(44100, 44100, seed=4)), 44100)
    sf.write(str(base / "fr" / "phone.wav"), tone_mix(8000, 8000, seed=5), 8000)
    (base / "fr" / "zz-corrupt.ogg").write_bytes(b"OggS" + bytes(range(256)) * 4)
    (base / "README").write_text("not audio")
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "dpkg-deb",
            "--build",
            "--root-owner-group",
            str(src),
            str(cache / f"{FIXTURE.name}_1.0-1_all.deb"),
        ],
        check=True,
        capture_output=True,
    )
    return sum(langs.values()) + 4


@pytest.fixture(scope="module")
def speech_builds(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache") / "packages"
    n_files = make_fixture_deb(cache)
    a = tmp_path_factory.mktemp("a") / "embedded"
    b = tmp_path_factory.mktemp("b") / "embedded"
    for root, jobs in ((a, 2), (b, 1)):
        build(
            root,
            parts=("speech",),
            packages=(FIXTURE,),
            package_cache=cache,
            jobs=jobs,
            progress=False,
        )
    return a, b, n_files


@needs_dpkg
def test_real_voices_build_deterministically(speech_builds):
    a, b, _ = speech_builds
    ra, rb = read_manifests(a), read_manifests(b)
    assert ra == rb
    assert all(
        (a / r["path"]).read_bytes() == (b / r["path"]).read_bytes() for r in ra if r["path"]
    )


@needs_dpkg
def test_real_voices_manifest_keeps_full_band_speech_and_says_why_others_are_out(
    speech_builds, capsys
):
    root, _, n_files = speech_builds
    rows = read_manifests(root, "speech")
    assert len(rows) == n_files  # every speech file of the package is counted, kept or not
    out = {r["text"].rsplit("/", 1)[1]: r["excluded"] for r in rows if r["excluded"]}
    assert set(out) == {"narrow.wav", "phone.wav", "zz-corrupt.ogg"}
    assert out["narrow.wav"].startswith("bandwidth") and "8000 Hz" in out["phone.wav"]
    assert out["zz-corrupt.ogg"].startswith("unreadable")
    for r in rows:
        assert r["source"] == FIXTURE.name and r["version"] == "1.0-1" and r["license"]
        if r["excluded"]:
            assert r["path"] == "" and r["split_multi"] == "-"
            continue
        x, sr = sf.read(str(root / r["path"]))
        assert sr == 16000 and x.ndim == 1 and abs(len(x) / sr - float(r["duration_s"])) < 1e-3
        assert float(r["bandwidth_hz"]) >= ps.MIN_BANDWIDTH_HZ and float(r["hf_4k"]) > 0.001
        # 0.5 s of sound with 0.1 s of silence each side: trimmed to 50 ms
        if r["text"].endswith(".wav"):
            assert 0.5 * sr <= len(x) <= 0.65 * sr  # untrimmed: 0.7 s
        assert r["group"] == f"tuxpaint-{r['language']}"


@needs_dpkg
def test_real_voices_split_by_language_and_single_voice(speech_builds):
    rows = [r for r in read_manifests(speech_builds[0], "speech") if not r["excluded"]]
    role = {r["language"]: r["split_multi"] for r in rows}
    assert role == {
        "fr": "train",
        "el": "test",
        "da": "val",
        ps.SINGLE_REAL_VOICE.split("-")[1]: "train",
    }
    single = [r["split_single"] for r in rows if r["group"] == SINGLE]
    assert single == ["train"] * 4 + ["val"] * 8 + ["test"] * 8
    assert all(r["split_single"] == "-" for r in rows if r["group"] != SINGLE)


@needs_dpkg
def test_up_to_date_part_is_not_rebuilt(speech_builds):
    root = speech_builds[0]
    stamp = (root / "speech" / "manifest.csv").stat().st_mtime_ns
    build(
        root, parts=("speech",), packages=(FIXTURE,), package_cache=root / "nowhere", progress=False
    )
    assert (root / "speech" / "manifest.csv").stat().st_mtime_ns == stamp


def test_a_package_that_cannot_be_fetched_names_it_and_the_fallback(tmp_path):
    missing = ps.Package("audiosr-no-such-package", "none", "-", r"^$")
    with pytest.raises(CorpusError) as e:
        build(
            tmp_path / "embedded",
            parts=("speech",),
            packages=(missing,),
            package_cache=tmp_path / "packages",
            progress=False,
        )
    assert "audiosr-no-such-package" in str(e.value) and "embedded-tts" in str(e.value)
    assert not (tmp_path / "embedded" / "speech").exists()  # nothing half-built is left


def test_real_package_patterns_pick_speech_files_and_their_language():
    cases = {
        "usr/share/tuxpaint/stamps/animals/koala_desc_fr.ogg": "fr",
        "usr/share/tuxpaint/stamps/animals/koala_desc.ogg": "en",
        "usr/share/tuxpaint/stamps/town/inukshuk-photo_desc_da.ogg.ogg": "da",
        "usr/share/klettres/en_GB/syllab/ba.ogg": "en_GB",
        "usr/share/ktuberling/sounds/sr@latin/tv_bicycle.ogg": "sr@latin",
    }
    import re

    for path, lang in cases.items():
        hits = [m for p in ps.PACKAGES if (m := re.match(p.pattern, path))]
        assert len(hits) == 1 and (hits[0].group("lang") or "en") == lang
    for not_speech in (
        "usr/share/tuxpaint/stamps/animals/koala.ogg",
        "usr/share/klettres/en/pics/a.png",
    ):
        assert not any(re.match(p.pattern, not_speech) for p in ps.PACKAGES)
    assert ps.base_language("sr@latin") == "sr" and ps.base_language("en_GB") == "en"


@pytest.fixture(scope="module")
def small_builds(tmp_path_factory):
    a = tmp_path_factory.mktemp("a") / "embedded"
    b = tmp_path_factory.mktemp("b") / "embedded"
    build(a, **SMALL)
    build(b, jobs=1, **SMALL)
    return a, b


@needs_tools
@pytest.mark.slow
def test_synthetic_voices_and_piano_give_the_same_bytes(small_builds):
    a, b = small_builds
    ra, rb = read_manifests(a), read_manifests(b)
    assert [r["sha256"] for r in ra] == [r["sha256"] for r in rb]
    assert all((a / r["path"]).read_bytes() == (b / r["path"]).read_bytes() for r in ra)


@needs_tools
def test_synthetic_manifest_records_every_clip_with_its_licence_and_splits(small_builds):
    root = small_builds[0]
    rows = read_manifests(root)
    assert len(rows) == len(sentences()) + 2 * 3 + 3  # slt reads all; others 3; 3 pieces
    for r in rows:
        x, sr = sf.read(str(root / r["path"]))
        assert sr == 16000 and x.ndim == 1
        assert abs(len(x) / sr - float(r["duration_s"])) < 1e-3
        assert r["license"] and r["source"] and r["group"] and r["version"]
        assert np.abs(x).max() < 0.9 and np.abs(x).max() > 0.85  # peak -1 dBFS, no clipping
    piano = [r for r in rows if r["corpus"] == "piano"]
    assert all(float(r["duration_s"]) <= 4.0 for r in piano)
    assert [r["split"] for r in piano] == ["train", "val", "test"]
    slt = [r for r in rows if r["group"] == "flite-slt"]
    assert all(r["corpus"] == "tts" and r["path"].startswith("tts/") for r in slt)
    assert [r["split_single"] for r in slt[-8:]] == ["test"] * 8
    assert [r["split_single"] for r in slt[-16:-8]] == ["val"] * 8


@needs_tools
def test_an_up_to_date_corpus_is_not_rebuilt(small_builds):
    root = small_builds[0]
    stamp = (root / "tts" / "manifest.csv").stat().st_mtime_ns
    build(root, **SMALL)
    assert (root / "tts" / "manifest.csv").stat().st_mtime_ns == stamp


def test_unknown_espeak_voice_is_caught():
    rows = [
        {"corpus": "tts", "text": "hi", "sha256": "x", "group": "a"},
        {"corpus": "tts", "text": "hi", "sha256": "x", "group": "b"},
    ]
    with pytest.raises(CorpusError, match="identical audio"):
        _check_voices_differ(rows)


def test_tts_multi_split_holds_whole_voices_out_and_keeps_a_real_voice_in_test():
    voices = VOICES if ALSA_SOUNDS.exists() else VOICES[1:]
    roles = {}
    for j in tts_jobs(voices):
        roles.setdefault(j["group"], set()).add(j["split_multi"])
    assert all(len(s) == 1 for s in roles.values())
    assert {r for s in roles.values() for r in s} == {"train", "val", "test"}
    assert MULTI_ROLES["alsa-human"] == "test"


full = pytest.mark.skipif(
    not (EMBEDDED / "speech" / "manifest.csv").exists(), reason="run `make corpus` first"
)


@full
def test_full_corpus_holds_three_hours_of_real_speech_from_fifty_voices():
    """packaged_speech promises more than three hours from its three packages (54 voices, 3.6 h
    when written); test about 17 minutes in all 3 packages, val about 13."""
    speech = summary("speech", reference=False)
    assert all(r["real human"] == "yes" for r in speech)
    assert {r["source"] for r in speech} == {p.name for p in ps.PACKAGES}
    assert sum(r["voices / pieces"] for r in speech) >= 50
    assert sum(r["minutes"] for r in speech) >= 180
    rows = [r for r in read_manifests(part="speech") if not r["excluded"]]
    held_out = {s: [r for r in rows if r["split_multi"] == s] for s in ("val", "test")}
    minutes = {s: sum(float(r["duration_s"]) for r in held_out[s]) / 60 for s in held_out}
    assert 10 <= minutes["val"] <= 25 and 10 <= minutes["test"] <= 25, minutes
    assert {r["source"] for r in held_out["test"]} == {p.name for p in ps.PACKAGES}
    # a 16 kHz target needs energy in 4-8 kHz
    assert np.mean([float(r["hf_4k"]) for r in rows]) > 0.005
    assert min(float(r["bandwidth_hz"]) for r in rows) >= ps.MIN_BANDWIDTH_HZ
    piano = summary("piano")
    assert sum(r["voices / pieces"] for r in piano) == len(PIECES)  # every piece renders
    assert len(PIECES) * MAX_PIECE_S / 60 >= sum(r["minutes"] for r in piano) >= 30
    tts = summary("tts", reference=False)
    synthetic = sum(v.engine != "alsa" for v in VOICES)
    assert sum(r["voices / pieces"] for r in tts if r["real human"] == "no") == synthetic
    assert sum(r["minutes"] for r in tts) >= 30


@full
def test_embedded_splits_load():
    multi = load_clips("embedded-speech", "multi")
    groups = {s: {c.group for c in multi if c.split == s} for s in ("train", "val", "test")}
    assert len(groups["train"]) >= 40  # 43 of the 54 voices when written
    assert not groups["test"] & groups["train"] and not groups["val"] & groups["train"]
    languages = {s: {ps.base_language(g.split("-", 1)[1]) for g in groups[s]} for s in groups}
    assert languages["test"] == set(ps.TEST_LANGUAGES)
    assert languages["val"] == set(ps.VAL_LANGUAGES)
    assert not languages["test"] & languages["train"]  # a reader of two packages stays on one side
    single = load_clips("embedded-speech", "single")
    assert {c.group for c in single} == {ps.SINGLE_REAL_VOICE}
    assert sum(c.split == "test" for c in single) == 8
    tts = load_clips("embedded-tts", "single")
    assert {c.group for c in tts} == {SINGLE_TTS_VOICE}
    piano = load_clips("embedded-piano")
    assert {c.split for c in piano} == {"train", "val", "test"}
