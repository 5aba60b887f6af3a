"""Dataset resolution and the paper's splits, on generated folders in the real layouts; the
shared real-speech datasets where the shared folder is present (skipped, with the reason, where not)."""

import shutil

import pytest
from helpers import LIBRI_SUBSETS, LIBRI_TRAIN, tone_mix, write

from audiosr.data.clips import (
    SHARED_DATASETS,
    DatasetUnavailable,
    dataset_names,
    load_clips,
    unavailable_reason,
)
from audiosr.data.corpora.librispeech import read_speakers
from audiosr.data.corpora.vctk import find_vctk_layout, vctk_speakers
from audiosr.data.splits import DatasetError, by_split


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
    assert test_spk == {f"p{n}" for n in range(326, 334)}  # the last 8 of 109
    assert not train_spk & test_spk
    assert {c.group for c in s["val"]} == {"p323"}


def test_vctk092_layout_uses_mic1_flac(vctk092):
    folder, pattern = find_vctk_layout(vctk092)
    assert folder.name == "wav48_silence_trimmed" and pattern == "*_mic1.flac"
    clips = load_clips(str(vctk092), "single")
    assert len(clips) == 20 and all(c.path.name.endswith("_mic1.flac") for c in clips)
    assert len(by_split(clips)["test"]) == 8
    assert list(vctk_speakers(vctk092)) == ["p225", "p226", "p227"]  # not the release's `s5`


def test_piano_folder_split_88_6_6(piano_folder):
    s = by_split(load_clips(str(piano_folder)))
    assert [len(s[k]) for k in ("train", "val", "test")] == [44, 3, 3]
    names = [c.path.name for k in ("train", "val", "test") for c in s[k]]
    assert names == sorted(names)  # contiguous, in sorted order


def test_folder_split_uses_natural_order(tmp_path):
    root = tmp_path / "takes"
    for i in range(1, 21):  # take_1 .. take_20: as strings take_10 would sort before take_2
        write(root / f"take_{i}.wav", tone_mix(1600, seed=i))
    s = by_split(load_clips(str(root)))
    assert [c.path.stem for c in s["val"] + s["test"]] == ["take_19", "take_20"]
    assert [c.path.stem for c in s["train"]][:3] == ["take_1", "take_2", "take_3"]


def test_samplernn_parts_get_samplernns_shuffled_split(tmp_path):
    import random

    from audiosr.data.corpora.samplernn import (
        _python2_shuffle,
        is_samplernn_parts,
        samplernn_clips,
    )

    root = tmp_path / "parts"
    root.mkdir()
    for i in range(600):
        (root / f"p{i}.flac").touch()  # only names matter for the split
    clips = load_clips(str(root))
    s = by_split(clips)
    assert [len(s[k]) for k in ("train", "val", "test")] == [88, 256, 256]
    assert len({c.path for c in clips}) == 600 and all(c.group == c.path.stem for c in clips)
    # the order is SampleRNN's: string-sorted paths (p10 before p2), then Python 2's shuffle, seed 123
    order = sorted(root.glob("*.flac"), key=str)
    rng = random.Random(123)
    for i in reversed(range(1, len(order))):
        j = int(rng.random() * (i + 1))
        order[i], order[j] = order[j], order[i]
    assert {c.path for c in s["test"]} == set(order[-256:]) and {c.path for c in s["val"]} == set(
        order[-512:-256]
    )
    py3 = sorted(root.glob("*.flac"), key=str)
    random.Random(123).shuffle(py3)
    assert set(py3[-256:]) != set(order[-256:])  # Python 3's shuffle would give another test set
    # fewer parts than the hold-out needs: the contiguous split, not SampleRNN's
    few = [root / f"p{i}.flac" for i in range(40)]
    assert not is_samplernn_parts(few)
    with pytest.raises(DatasetError, match="holds out"):
        samplernn_clips(few)
    items = list(range(10))
    _python2_shuffle(items, 123)
    assert sorted(items) == list(range(10)) and items != list(range(10))


def speakers_by_split(clips):
    groups = {k: {c.group for c in v} for k, v in by_split(clips).items()}
    assert not (
        groups["train"] & groups["val"]
        or groups["train"] & groups["test"]
        or groups["val"] & groups["test"]
    ), "a speaker is in two splits"
    return groups


def test_read_speakers_parses_the_official_header_and_columns(librispeech):
    readers = read_speakers(librispeech / "SPEAKERS.TXT")
    assert len(readers) == sum(map(len, LIBRI_SUBSETS.values())) + 1  # + reader 14, no audio here
    assert readers["14"].name == "|CBW|Simon" and readers["14"].minutes == pytest.approx(20.18)
    assert (readers["1688"].sex, readers["1688"].subset) == ("M", "test-other")
    assert readers["201"].sex == "F" and readers["201"].subset == "train-clean-100"


def test_librispeech_root_splits_as_librispeech_intends(librispeech):
    """With test-* and dev-* subsets loaded, they are test and val, and every train-* speaker trains."""
    clips = load_clips(str(librispeech))
    groups = speakers_by_split(clips)
    assert groups == {
        "train": {str(s) for s in LIBRI_TRAIN},
        "val": {"84", "174"},
        "test": {"367", "533", "1688"},
    }
    assert len(clips) == 2 * 25 + 2  # 2 utterances per speaker, and reader 19's second chapter
    assert all(c.path.suffix == ".flac" and c.path.name.startswith(f"{c.group}-") for c in clips)


def test_librispeech_train_subset_holds_out_the_last_speakers_balanced_by_sex(librispeech):
    clips = load_clips(str(librispeech / "train-clean-100"))
    groups = speakers_by_split(clips)
    # natural order (19 < 103, not "103" < "19"); the last 5 F and last 5 M test, then 2 F + 2 M val
    assert groups["test"] == {"83", "103", "118", "125", "150", "163", "196", "198", "200", "201"}
    assert groups["val"] == {"39", "60", "87", "89"}
    assert groups["train"] == {"19", "26", "27", "32", "40", "78"}
    assert sorted(LIBRI_TRAIN[int(s)] for s in groups["test"]) == ["F"] * 5 + ["M"] * 5
    assert load_clips(str(librispeech / "train-clean-100")) == clips  # deterministic


def test_librispeech_test_and_dev_subsets_are_never_train(librispeech):
    assert {c.split for c in load_clips(str(librispeech / "test-other"))} == {"test"}
    assert {c.split for c in load_clips(str(librispeech / "dev-clean"))} == {"val"}


def test_librispeech_reads_the_per_subset_speakers_file(librispeech):
    (librispeech / "SPEAKERS.TXT").rename(librispeech / "SPEAKERS-test-other.TXT")
    assert len(load_clips(str(librispeech / "test-other"))) == 6


def test_librispeech_without_speakers_txt_is_an_error(librispeech):
    (librispeech / "SPEAKERS.TXT").unlink()
    with pytest.raises(DatasetError, match="no SPEAKERS.TXT beside it"):
        load_clips(str(librispeech))


def test_librispeech_speaker_missing_from_speakers_txt_is_an_error(librispeech):
    write(librispeech / "test-other" / "999" / "5" / "999-5-0000.flac", [0.0] * 320)
    with pytest.raises(DatasetError, match="999 not in its SPEAKERS.TXT"):
        load_clips(str(librispeech / "test-other"))


def test_librispeech_speaker_in_a_train_and_a_test_subset_is_an_error(librispeech):
    shutil.copytree(librispeech / "train-clean-100" / "19", librispeech / "test-other" / "19")
    with pytest.raises(DatasetError, match="speaker 19 .* two splits"):
        load_clips(str(librispeech))


def test_librispeech_ignores_stray_files_and_warns_about_stray_flac(librispeech):
    # README, notes.json, .trans.txt, empty chapter: silently ignored
    n = len(load_clips(str(librispeech)))
    write(librispeech / "test-other" / "loose.flac", [0.0] * 320)
    write(librispeech / "test-other" / "367" / "1367" / "renamed.flac", [0.0] * 320)
    with pytest.warns(UserWarning, match="ignored 2 .flac"):
        assert len(load_clips(str(librispeech))) == n


def require(name):
    reason = unavailable_reason(name)
    if reason:
        pytest.skip(reason)


@pytest.mark.parametrize(
    "name, clips, speakers, splits",
    [
        ("vctk-sample", 16, 4, {"test": 16}),
        ("librispeech-test-other", 100, 10, {"test": 100}),
        ("librispeech-train", 251, 251, {"train": 237, "val": 4, "test": 10}),
        ("speech-commands", 619, None, {"train": 545, "val": 37, "test": 37}),
    ],
)
def test_shared_datasets_load_from_the_shared_folder(name, clips, speakers, splits):
    require(name)
    got = load_clips(name)
    assert len(got) == clips and all(SHARED_DATASETS[name].path() in c.path.parents for c in got)
    assert {k: len(v) for k, v in by_split(got).items() if v} == splits
    if speakers:
        assert len({c.group for c in got}) == speakers
        speakers_by_split(got)
    if name == "vctk-sample":
        assert {c.group for c in got} == {"p225", "p226", "p229", "p232"}


@pytest.mark.parametrize("name", sorted(SHARED_DATASETS))
def test_absent_shared_datasets_say_why_in_one_line(name, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOSR_SHARED", str(tmp_path))
    reason = unavailable_reason(name)
    assert reason and "\n" not in reason and str(tmp_path) in reason and "AUDIOSR_SHARED" in reason
    with pytest.raises(DatasetUnavailable) as e:
        load_clips(name)
    assert (
        isinstance(e.value, DatasetError)
        and str(e.value).startswith(f"{name}: ")
        and "\n" not in str(e.value)
    )


def test_bad_datasets_say_what_to_do(tmp_path):
    with pytest.raises(DatasetError, match="not a known name") as e:
        load_clips("no-such-dataset")
    assert all(name in str(e.value) for name in dataset_names())
    assert unavailable_reason("no-such-dataset").startswith("no-such-dataset: not a known name")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no audio files"):
        load_clips(str(tmp_path / "empty"))
    with pytest.raises(DatasetError, match="task must be"):
        load_clips("vctk-sample", "both")


def test_a_mixture_is_the_union_of_its_parts_each_split_its_own_way(
    librispeech, piano_folder, tmp_path
):
    libri, piano = str(librispeech / "train-clean-100"), str(piano_folder)
    parts = {p: load_clips(p) for p in (libri, piano)}
    mix = load_clips(f"{libri}+{piano}")
    assert [(c.path, c.split) for c in mix] == [
        (c.path, c.split) for p in parts.values() for c in p
    ]
    assert all(c.group.startswith(f"{libri}:") for c in mix[: len(parts[libri])])
    assert unavailable_reason(f"{libri}+{piano}") is None
    missing = str(tmp_path / "nowhere")
    assert missing in unavailable_reason(f"{libri}+{missing}")
    with pytest.raises(DatasetError, match="once"):
        load_clips(f"{piano}+{piano}")
