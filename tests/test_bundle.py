"""A corpus part travels to a GPU machine as FLAC in one tar and comes back as the same wav files
(checked against its manifest), so a model trained there saw the corpus measured here."""

import csv
import hashlib
import tarfile

import numpy as np
import pytest
import soundfile as sf
from helpers import tone_mix

from audiosr.data.corpus.bundle import main, pack, unpack
from audiosr.data.corpus.render import CorpusError


@pytest.fixture
def corpus(tmp_path):
    """A built `tts` part in the corpus's layout: 16-bit clips in voice folders, a manifest with
    their SHA-256s (one row left out, its file absent), the build record and the sources."""
    root = tmp_path / "embedded"
    rows = []
    for v, voice in enumerate(("flite-slt", "espeak-us-m1")):
        for j in range(2):
            path = f"tts/{voice}/{voice}-{j:03d}.wav"
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            sf.write(root / path, tone_mix(1600 + 160 * j, seed=v * 2 + j), 16000, subtype="PCM_16")
            rows.append({"path": path, "sha256": _sha(root / path), "excluded": ""})
    rows.append({"path": "tts/flite-slt/gone.wav", "sha256": "", "excluded": "too short"})
    with open(root / "tts" / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, ["path", "sha256", "excluded"])
        w.writeheader()
        w.writerows(rows)
    (root / "tts" / "build.json").write_text('{"recipe": {"part": "tts"}}\n')
    (root / "tts" / "SOURCES.md").write_text("# sources\n")
    return root


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder):
    return {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_part_comes_back_byte_identical(corpus, tmp_path):
    tar = pack(tmp_path / "b" / "tts-flac.tar", "tts", root=corpus)
    with tarfile.open(tar) as t:
        names = t.getnames()
    assert sorted(n for n in names if n.endswith(".flac")) == [
        "tts/espeak-us-m1/espeak-us-m1-000.flac",
        "tts/espeak-us-m1/espeak-us-m1-001.flac",
        "tts/flite-slt/flite-slt-000.flac",
        "tts/flite-slt/flite-slt-001.flac",
    ]
    assert {"tts/manifest.csv", "tts/build.json", "tts/SOURCES.md"} <= set(names)
    back = unpack(tar, root=tmp_path / "there")
    assert back == tmp_path / "there" / "tts"
    before, after = _files(corpus / "tts"), _files(back)
    assert before.keys() == after.keys()
    for name, path in before.items():
        assert after[name].read_bytes() == path.read_bytes(), name
        if name.endswith(".wav"):
            a, b = sf.read(path, dtype="int16")[0], sf.read(after[name], dtype="int16")[0]
            np.testing.assert_array_equal(a, b)
    assert list((tmp_path / "there").iterdir()) == [back]  # no temporary left beside it


def test_an_existing_part_is_kept_unless_forced(corpus, tmp_path):
    tar = pack(tmp_path / "tts.tar", "tts", root=corpus)
    (corpus / "tts" / "SOURCES.md").write_text("changed here\n")
    with pytest.raises(CorpusError, match="exists; pass --force"):
        unpack(tar, root=corpus)
    assert (corpus / "tts" / "SOURCES.md").read_text() == "changed here\n"
    unpack(tar, root=corpus, force=True)
    assert (corpus / "tts" / "SOURCES.md").read_text() == "# sources\n"


def test_a_part_not_built_or_unknown_and_a_bad_bundle_are_clear_errors(corpus, tmp_path, capsys):
    with pytest.raises(CorpusError, match="not built; run `make corpus`"):
        pack(tmp_path / "p.tar", "piano", root=corpus)
    with pytest.raises(CorpusError, match="not a corpus part"):
        pack(tmp_path / "p.tar", "vctk", root=corpus)
    assert not (tmp_path / "p.tar").exists()
    assert main(["pack", str(tmp_path / "p.tar"), "speech", "--root", str(corpus)]) == 1
    assert "speech: not built" in capsys.readouterr().err
    with pytest.raises(CorpusError, match="no such bundle"):
        unpack(tmp_path / "none.tar", root=tmp_path / "there")
    (tmp_path / "junk.tar").write_text("not a tar\n")
    with pytest.raises(CorpusError, match="not a tar file"):
        unpack(tmp_path / "junk.tar", root=tmp_path / "there")
    # a clip that does not come back as the manifest says leaves nothing behind
    (corpus / "tts" / "flite-slt" / "flite-slt-000.wav").unlink()
    tar = pack(tmp_path / "short.tar", "tts", root=corpus)
    with pytest.raises(CorpusError, match="1 clips of the manifest missing"):
        unpack(tar, root=tmp_path / "there")
    assert not (tmp_path / "there" / "tts").exists()
    sf.write(corpus / "tts" / "flite-slt" / "flite-slt-000.wav", np.zeros(1600), 16000)
    tar = pack(tmp_path / "changed.tar", "tts", root=corpus)
    with pytest.raises(CorpusError, match="flite-slt-000.wav does not come back as the manifest"):
        unpack(tar, root=tmp_path / "there")
    assert not (tmp_path / "there" / "tts").exists()
