"""The patch cache: round trip, alignment, atomicity, and bad input."""

import json

import numpy as np
import pytest
import soundfile as sf
from helpers import tone_mix, write

from audiosr.core import dsp
from audiosr.core.audio import AudioError, load_audio, resample
from audiosr.data.patches import DataConfig, build_cache, find_cache
from audiosr.data.splits import DatasetError


@pytest.mark.parametrize("r", [2, 4, 6])
def test_cache_round_trips(piano_folder, tmp_path, r):
    cfg = DataConfig(dataset=str(piano_folder), ratio=r, patch_len=6000, stride=3000)
    cache = build_cache(cfg, root=tmp_path / "cache", progress=False)
    assert cache.config == cfg
    info = json.loads((cache.folder / "config.json").read_text())
    assert info["config"]["ratio"] == r and info["counts"]["train"]["clips"] == 44
    # every stored clip equals the triplet recomputed from its file
    for row, hr in cache.clip_arrays("val", "hr"):
        t = dsp.make_triplet(
            load_audio(row["path"] if row["path"].startswith("/") else piano_folder / row["path"]),
            r,
        )
        np.testing.assert_array_equal(hr, t.hr)
    hr, sp, lr = (cache.patches("train", k) for k in ("hr", "spline", "lowres"))
    assert hr.shape == sp.shape == (cache.info["counts"]["train"]["patches"], 6000)
    assert lr.shape == (len(hr), 6000 // r)
    np.testing.assert_allclose(sp[:, ::r], lr, atol=1e-5)  # patches stay aligned
    # 16000-sample clips cropped to a multiple of r, patches of 6000 every 3000 -> 4 per clip
    assert len(hr) == 44 * len(range(0, (16000 - 16000 % r) - 6000 + 1, 3000))
    # a second build with the same parameters reuses the folder; find_cache finds it
    assert build_cache(cfg, root=tmp_path / "cache").folder == cache.folder
    assert find_cache(cfg, root=tmp_path / "cache").folder == cache.folder


def test_different_parameters_never_overwrite(piano_folder, tmp_path):
    a = build_cache(DataConfig(dataset=str(piano_folder), ratio=2), root=tmp_path, progress=False)
    b = build_cache(
        DataConfig(dataset=str(piano_folder), ratio=2, lowpass=False), root=tmp_path, progress=False
    )
    assert a.folder != b.folder and (a.folder / "config.json").is_file()
    assert not np.array_equal(a.patches("test", "lowres"), b.patches("test", "lowres"))


def test_find_cache_says_to_run_the_data_notebook(piano_folder, tmp_path):
    with pytest.raises(DatasetError, match="01_data"):
        find_cache(DataConfig(dataset=str(piano_folder), ratio=6), root=tmp_path)


def test_failed_build_leaves_no_folder(piano_folder, tmp_path):
    (piano_folder / "piece_010.wav").write_bytes(b"not audio at all")
    with pytest.raises(DatasetError, match="piece_010.wav.*not readable as audio"):
        build_cache(DataConfig(dataset=str(piano_folder)), root=tmp_path / "cache", progress=False)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


@pytest.mark.parametrize("ratio,patch,stride", [(4, 6001, 3000), (6, 6000, 3001), (1, 6000, 3000)])
def test_bad_config_is_refused(ratio, patch, stride):
    with pytest.raises(ValueError):
        DataConfig(ratio=ratio, patch_len=patch, stride=stride)


def test_stereo_48k_is_converted_to_mono_16k(tmp_path):
    x = tone_mix(48000, 48000)
    path = tmp_path / "st.wav"
    sf.write(str(path), np.stack([x, 0.5 * x], axis=1), 48000)
    y = load_audio(path)
    assert y.ndim == 1 and len(y) == 16000 and y.dtype == np.float32
    np.testing.assert_allclose(y, resample(0.75 * x, 48000, 16000), atol=1e-4)  # mean of channels


@pytest.mark.parametrize(
    "content,match",
    [
        (np.zeros(1000, np.float32), "digital silence"),
        (np.ones(1, np.float32) * 0.1, "only 1 sample"),
    ],
)
def test_unusable_audio_names_the_file(tmp_path, content, match):
    path = write(tmp_path / "bad.wav", content)
    with pytest.raises(AudioError, match=match) as e:
        load_audio(path)
    assert "bad.wav" in str(e.value)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        load_audio(tmp_path / "nope.wav")
    (tmp_path / "c.flac").write_bytes(b"fLaC" + bytes(100))
    with pytest.raises(AudioError, match="c.flac: not readable as audio"):
        load_audio(tmp_path / "c.flac")
