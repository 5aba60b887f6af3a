"""The benchmark and the whole-file evaluation run end to end (numbers are printed, not asserted)."""

import math

import pytest

from audiosr import speed
from audiosr.data.patches import DataConfig, build_cache
from audiosr.evaluation.evaluate import evaluate_run, summarize
from audiosr.networks.config import ModelConfig
from audiosr.training.config import TrainConfig
from audiosr.training.train import train


def test_quick_benchmark_produces_every_column(tmp_path):
    assert speed.main(["--quick", "--no-gpu", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "results.md").read_text()
    for col in ("train_audio_s_per_s", "rtf_batch1", "gflop_per_audio_s"):
        assert col in md


def test_flops_scale_with_width():
    small = speed.flops_per_audio_second(ModelConfig(width=1 / 32, blocks=2))
    big = speed.flops_per_audio_second(ModelConfig(width=1 / 16, blocks=2))
    assert 2.5 < big / small < 4.5  # conv FLOPs grow with in x out channels


def test_a_whole_file_is_timed_in_a_fresh_process(tmp_path):
    src = speed.make_input(tmp_path / "in.wav", 0.05, 4000)
    got = speed.measure_upsample(src, tmp_path / "out.wav", 4, None, threads=1)
    assert got["code"] == 0 and (tmp_path / "out.wav").is_file()
    assert got["seconds"] > 0 and got["peak_rss_mib"] > 50


def test_evaluate_run_scores_every_clip_for_both_methods(piano_folder, tmp_path, monkeypatch):
    import audiosr.evaluation.evaluate as ev

    cfg = DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=2048, max_clips=5)
    cache = build_cache(cfg, root=tmp_path / "cache", progress=False)
    monkeypatch.setattr(ev, "find_cache", lambda c: cache)
    train(
        cache,
        ModelConfig(ratio=2, blocks=2, width=1 / 16),
        TrainConfig(epochs=1, batch_size=4, lr=1e-3),
        tmp_path / "run",
        progress=False,
    )
    rows = evaluate_run(tmp_path / "run", "test", device="cpu", progress=False)
    n_test = len(cache.clips("test"))
    assert len(rows) == 5 * n_test and (tmp_path / "run/eval-test.csv").is_file()
    summary = {r["method"]: r for r in summarize(rows)}
    assert summary["cubic spline"]["files"] == n_test and len(summary) == 5
    assert "sinc (soxr VHQ)" in summary  # the field's baseline beside the paper's
    assert all(math.isfinite(r["SNR (dB)"]) and math.isfinite(r["LSD"]) for r in summary.values())


def test_table3_puts_train_by_test_cells_beside_the_papers():
    from audiosr.evaluation.paper_tables import table3_rows

    s = lambda snr_db, lsd_: {"SNR (dB)": snr_db, "LSD": lsd_}
    grid = {
        True: {
            "cubic spline": s(20.0, 5.0),
            "trained with LPF": s(25.0, 3.0),
            "trained without LPF": s(2.0, 4.0),
        },
        False: {
            "cubic spline": s(21.0, 4.0),
            "trained with LPF": s(1.5, 4.5),
            "trained without LPF": s(26.0, 2.9),
        },
    }
    rows = {r["method"]: r for r in table3_rows(grid, "embedded-piano")}
    assert rows["trained with LPF"]["tested without LPF (SNR / LSD)"] == "1.50 / 4.50"
    assert rows["trained without LPF"]["paper, tested without"] == "33.2 / 3.3"
    assert rows["trained with LPF"]["paper, tested without"] == "0.42 / 4.5"
    assert rows["cubic spline"]["paper, tested with"] == ""
    # only piano has paper numbers
    assert "paper, tested with" not in table3_rows(grid, "/data/my-speech")[0]


def test_real_speech_table_compares_with_the_spline_and_plots_the_added_lines(
    piano_folder, tmp_path
):
    """The benchmark behind the README's real-speech table, on a generated folder: a model file
    per ratio ({r} in the path), its gain over the spline, its lines, and the figure of them."""
    import torch

    from audiosr.evaluation.real_speech import real_speech_rows
    from audiosr.inference.shipped import save_model
    from audiosr.listening.plots import added_lines
    from audiosr.networks.audiounet import AudioUNet

    for r in (2, 4):
        cfg = ModelConfig(ratio=r, blocks=2, width=1 / 16, upsample="resize")
        net = AudioUNet(cfg)
        torch.nn.init.normal_(net.last.weight, std=0.02)  # not the identity it starts as
        save_model(
            net.state_dict(), tmp_path / f"m-r{r}.safetensors", {"model_config": cfg.__dict__}
        )
    lines = {}
    rows = real_speech_rows(
        (2, 4),
        (str(piano_folder),),
        str(tmp_path / "m-r{r}.safetensors"),
        progress=False,
        lines=lines,
        cache_root=tmp_path / "cache",
    )
    assert [(x["r"], x["method"]) for x in rows] == [
        (r, m)
        for r in (2, 4)
        for m in ("cubic spline", "soxr HQ", "sinc (soxr VHQ)", "model m-r{r}")
    ]
    for x in rows:
        if x["method"] == "cubic spline":
            assert x["SNR - spline (dB)"] == 0 and x["LSD / spline"] == 1
        else:
            assert math.isfinite(x["SNR - spline (dB)"]) and x["LSD / spline"] > 0
    assert set(lines) == {(x["r"], str(piano_folder), x["method"]) for x in rows}
    assert all(len(v) == 63 for v in lines.values())  # 125 Hz .. 7875 Hz
    fig = added_lines(lines)
    assert len([ax for ax in fig.axes if ax.lines]) == 2


def test_table2_puts_the_named_paper_row_beside_our_own_test_split_only():
    from audiosr.evaluation.paper_tables import table2_rows

    summary = [
        {
            "method": "cubic spline",
            "files": 3,
            "SNR (dB)": 14.0,
            "LSD": 9.0,
            "compute s per audio s": 1e-6,
        },
        {
            "method": "AudioUNet (width 0.0625)",
            "files": 3,
            "SNR (dB)": 15.0,
            "LSD": 4.0,
            "compute s per audio s": 0.01,
        },
    ]
    ours = {"cubic spline": "Spline", "AudioUNet (width 0.0625)": "Ours"}
    rows = table2_rows(
        {"embedded-speech test": summary, "vctk-sample (real)": summary}, 4, "SingleSpeaker", ours
    )
    beside = [(r["test data"], r["paper SNR (SingleSpeaker)"]) for r in rows]
    assert beside == [
        ("embedded-speech test", 14.8),
        ("embedded-speech test", 17.1),
        ("vctk-sample (real)", ""),
        ("vctk-sample (real)", ""),
    ]
    import pytest

    with pytest.raises(ValueError, match="paper_row"):
        table2_rows({"x": summary}, 4, "multi", ours)
    with pytest.raises(ValueError, match="not the paper's"):
        table2_rows({"x": summary}, 4, "SingleSpeaker", {"cubic spline": "spline"})
    unnamed = table2_rows({"x": summary}, 4, "SingleSpeaker", {})  # nothing said: nothing beside
    assert [r["paper SNR (SingleSpeaker)"] for r in unnamed] == ["", ""]


def test_real_speech_rows_refuse_two_models_of_one_file_name(tmp_path):
    from audiosr.evaluation.real_speech import real_speech_rows

    same = (
        str(tmp_path / "a" / "at-3min.safetensors"),
        str(tmp_path / "b" / "at-3min.safetensors"),
    )
    with pytest.raises(ValueError, match="share a file name"):
        real_speech_rows((4,), ("vctk-sample",), same)
