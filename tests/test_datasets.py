"""Dataset resolution and the paper's splits, on generated folders in the real layouts."""
import pytest

from audiosr.datasets import DatasetError, by_split, find_vctk_layout, load_clips


def test_vctk080_single_speaker_is_p225_first_223_train_last_8_test(vctk080):
    clips = load_clips(str(vctk080), "single")
    s = by_split(clips)
    assert {c.group for c in clips} == {"p225"}
    # the paper's 223 training utterances = our train + val (val carved from the train side)
    assert len(s["train"]) + len(s["val"]) == 223 and len(s["val"]) == 8
    assert [c.path.name for c in s["test"]] == [f"p225_{u:03d}.wav" for u in range(224, 232)]
    assert max(c.path.name for c in s["train"] + s["val"]) == "p225_223.wav"


def test_vctk080_multi_speaker_first_99_train_last_8_test(vctk080):
    s = by_split(load_clips(str(vctk080 / "VCTK-Corpus"), "multi"))
    train_spk = {c.group for c in s["train"]} | {c.group for c in s["val"]}
    test_spk = {c.group for c in s["test"]}
    assert len(train_spk) == 99 and len(test_spk) == 8
    assert min(train_spk) == "p225" and "p323" in train_spk  # p225..p323 are the first 99
    assert test_spk == {f"p{n}" for n in range(326, 334)}      # the last 8 of 109
    assert not train_spk & test_spk
    assert {c.group for c in s["val"]} == {"p323"}


def test_vctk092_layout_uses_mic1_flac(vctk092):
    folder, pattern = find_vctk_layout(vctk092)
    assert folder.name == "wav48_silence_trimmed" and pattern == "*_mic1.flac"
    clips = load_clips(str(vctk092), "single")
    assert len(clips) == 20 and all(c.path.name.endswith("_mic1.flac") for c in clips)
    assert len(by_split(clips)["test"]) == 8


def test_piano_folder_split_88_6_6(piano_folder):
    s = by_split(load_clips(str(piano_folder)))
    assert [len(s[k]) for k in ("train", "val", "test")] == [44, 3, 3]
    names = [c.path.name for k in ("train", "val", "test") for c in s[k]]
    assert names == sorted(names)  # contiguous, in sorted order


def test_vctk_sample_is_all_test():
    clips = load_clips("vctk-sample")
    assert len(clips) == 16 and {c.split for c in clips} == {"test"}
    assert {c.group for c in clips} == {"p225", "p226", "p229", "p232"}


def test_bad_datasets_say_what_to_do(tmp_path):
    with pytest.raises(DatasetError, match="not a known name"):
        load_clips("no-such-dataset")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no audio files"):
        load_clips(str(tmp_path / "empty"))
    with pytest.raises(DatasetError, match="task must be"):
        load_clips("vctk-sample", "both")
