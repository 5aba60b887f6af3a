"""The benchmark and the whole-file evaluation: the benchmark's rows are the model it names
(parameters, FLOPs counted by hand), and every score the evaluation writes is the metric of
the method it names, recomputed here from the cache's arrays."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from audiosr import speed
from audiosr.core.metrics import lsd, snr
from audiosr.data.patches import DataConfig, build_cache
from audiosr.evaluation.evaluate import evaluate_run, evaluate_split, summarize
from audiosr.networks.config import (
    ModelConfig,
    build_model,
    count_parameters,
    flops_per_audio_second,
)
from audiosr.training.config import TrainConfig
from audiosr.training.train import train


def conv_flops(cfg: ModelConfig, samples: int = 16000) -> int:
    """Twice the multiply-accumulates of every convolution in one forward pass, counted by
    forward hooks (a count independent of torch's FLOP counter)."""
    model = build_model(cfg).eval()
    macs = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv1d):
            m.register_forward_hook(
                lambda m, i, out: macs.append(
                    out.numel() * m.in_channels // m.groups * m.kernel_size[0]
                )
            )
    with torch.no_grad():
        model(torch.zeros(1, 1, samples))
    return 2 * sum(macs)


def test_the_amp_benchmark_times_the_shipped_step_in_both_precisions(capsys):
    assert speed.main(["--amp", "--steps", "1", "--threads", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| dtype | s / step | audio s / s |")
    rows = [line.split(" | ") for line in lines[2:]]
    assert [r[0] for r in rows] == ["| fp32", "| bf16 autocast"]
    assert all(float(r[1]) > 0 and float(r[2]) > 0 for r in rows)


def test_quick_benchmark_rows_are_the_model_it_names(tmp_path):
    import json

    assert speed.main(["--quick", "--no-gpu", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "results.json").read_text())["rows"]
    cfg = ModelConfig(width=1 / 32, blocks=2)  # the quick benchmark's tiny model
    # one model, on the CPU only (no GPU asked for), in fp32 and bf16
    assert [(r["model"], r["device"].split(" (")[0], r["dtype"]) for r in rows] == [
        ("tiny (width 1/32, B 2)", "cpu", "fp32"),
        ("tiny (width 1/32, B 2)", "cpu", "bf16"),
    ]
    for r in rows:
        assert r["parameters"] == count_parameters(build_model(cfg))
        assert r["gflop_per_audio_s"] == pytest.approx(conv_flops(cfg) / 1e9, rel=1e-9)
        assert 0 < r["train_audio_s_per_s"] < math.inf and 0 < r["rtf_batch1"] < math.inf
    md = (tmp_path / "results.md").read_text().splitlines()
    header = next(i for i, line in enumerate(md) if "train_audio_s_per_s" in line)
    for col in ("parameters", "gflop_per_audio_s", "train_audio_s_per_s", "rtf_batch1"):
        assert col in md[header]
    table = [line for line in md[header + 2 :] if line.startswith("|")]
    assert len(table) == len(rows) and all(f"{rows[0]['parameters']}" in t for t in table)


def test_flops_are_twice_the_convolutions_multiply_accumulates():
    for cfg in (ModelConfig(width=1 / 32, blocks=2), ModelConfig(width=1 / 16, blocks=2)):
        assert flops_per_audio_second(cfg) == conv_flops(cfg)
    small = flops_per_audio_second(ModelConfig(width=1 / 32, blocks=2))
    big = flops_per_audio_second(ModelConfig(width=1 / 16, blocks=2))
    assert 2.5 < big / small < 4.5  # conv FLOPs grow with in x out channels


@pytest.fixture
def piano_cache(piano_folder, tmp_path):
    cfg = DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=2048, max_clips=5)
    return build_cache(cfg, root=tmp_path / "cache", progress=False)


def test_evaluation_scores_known_answers(piano_cache):
    """The truth scores LSD 0 and SNR +inf; silence 0 dB; the truth at half its amplitude 6.02 dB
    and LSD ln 4 (log10: log10 4) in every bin; and a mean over files is a mean."""
    hr = lambda: iter(np.asarray(x) for _, x in piano_cache.clip_arrays("test", "hr"))
    truth, half = hr(), hr()
    methods = {
        "truth": lambda x_lr, sp: next(truth),
        "silence": lambda x_lr, sp: np.zeros_like(sp),
        "half": lambda x_lr, sp: 0.5 * next(half),
    }
    rows = evaluate_split(piano_cache, "test", methods, progress=False)
    n_test = len(piano_cache.clips("test"))
    assert [r["method"] for r in rows] == list(methods) * n_test  # each clip, every method
    by = lambda m: [r for r in rows if r["method"] == m]
    assert all(r["lsd"] < 1e-6 and r["snr"] == math.inf for r in by("truth"))
    assert all(r["snr"] == pytest.approx(0, abs=1e-9) for r in by("silence"))
    for r in by("half"):
        assert r["snr"] == pytest.approx(20 * math.log10(2), abs=1e-6)
        assert r["lsd"] == pytest.approx(math.log(4), rel=1e-3)
        assert r["lsd_log10"] == pytest.approx(math.log10(4), rel=1e-3)
    summary = {s["method"]: s for s in summarize(rows)}
    assert summary["half"]["files"] == n_test
    assert summary["half"]["LSD"] == pytest.approx(np.mean([r["lsd"] for r in by("half")]))


def test_a_whole_file_is_timed_in_a_fresh_process(tmp_path):
    src = speed.make_input(tmp_path / "in.wav", 0.05, 4000)
    got = speed.measure_upsample(src, tmp_path / "out.wav", 4, None, threads=1)
    assert got["code"] == 0 and (tmp_path / "out.wav").is_file()
    assert got["seconds"] > 0 and got["peak_rss_mib"] > 50


def test_evaluate_run_scores_every_clip_for_every_method(piano_cache, tmp_path, monkeypatch):
    """One row per clip and method, each the named method's own scores (recomputed here from the
    cache's arrays); on this band-limited input sinc beats the spline's SNR on every clip but
    leaves the band above empty (a worse LSD), and the trained model is not the spline."""
    import soxr

    import audiosr.evaluation.evaluate as ev
    from audiosr.core.audio import fit_length
    from audiosr.core.dsp import lowres_rate
    from audiosr.networks.checkpoint import load_model_file

    cache = piano_cache
    monkeypatch.setattr(ev, "find_cache", lambda c: cache)
    train(
        cache,
        ModelConfig(ratio=2, blocks=2, width=1 / 16),
        TrainConfig(epochs=1, batch_size=4, lr=1e-3),
        tmp_path / "run",
        progress=False,
    )
    rows = evaluate_run(tmp_path / "run", "test", device="cpu", progress=False)
    assert (tmp_path / "run/eval-test.csv").is_file()
    clips = [Path(c["path"]).name for c in cache.clips("test")]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    assert methods == [
        "cubic spline",
        "polyphase (scipy)",
        "soxr HQ",
        "sinc (soxr VHQ)",  # the field's baseline beside the paper's
        "AudioUNet (epoch 1)",
    ]
    for m in methods:
        assert [r["clip"] for r in rows if r["method"] == m] == clips  # every clip, once
    model = load_model_file(tmp_path / "run/checkpoint.pt")
    arrays = zip(*(cache.clip_arrays("test", k) for k in ("hr", "spline", "lowres")))
    for i, ((_, hr), (_, sp), (_, x_lr)) in enumerate(arrays):
        hr, sp = np.asarray(hr), np.asarray(sp)
        with torch.no_grad():
            net = model(torch.tensor(sp, dtype=torch.float32).view(1, 1, -1)).view(-1).numpy()
        sinc = fit_length(
            soxr.resample(np.asarray(x_lr, np.float32), lowres_rate(2), 16000, "VHQ"), len(sp)
        )
        row = {r["method"]: r for r in rows[5 * i : 5 * i + 5]}
        for m, est in (("cubic spline", sp), ("sinc (soxr VHQ)", sinc), (methods[-1], net)):
            assert row[m]["snr"] == pytest.approx(float(snr(est, hr)), abs=1e-4), m
            assert row[m]["lsd"] == pytest.approx(float(lsd(est, hr)), abs=1e-4), m
        spline, sinc_row, trained = row["cubic spline"], row["sinc (soxr VHQ)"], row[methods[-1]]
        assert sinc_row["snr"] > spline["snr"] and sinc_row["lsd"] > spline["lsd"]
        assert abs(trained["snr"] - spline["snr"]) > 1e-3 and trained["lsd"] < spline["lsd"]
    summary = {r["method"]: r for r in summarize(rows)}
    assert len(summary) == 5 and all(s["files"] == len(clips) for s in summary.values())
    spline_snr = np.mean([r["snr"] for r in rows if r["method"] == "cubic spline"])
    assert summary["cubic spline"]["SNR (dB)"] == pytest.approx(spline_snr)


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
    from audiosr.evaluation.real_speech import real_speech_rows
    from audiosr.inference.shipped import save_model
    from audiosr.listening.plots import added_lines
    from audiosr.networks.audiounet import AudioUNet

    for r in (2, 4):
        cfg = ModelConfig(ratio=r, blocks=2, width=1 / 16, upsample="resize")
        torch.manual_seed(r)
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
    for r in (2, 4):
        row = {x["method"]: x for x in rows if x["r"] == r}
        spline, sinc = row["cubic spline"], row["sinc (soxr VHQ)"]
        assert spline["SNR - spline (dB)"] == 0 and spline["LSD / spline"] == 1
        assert sinc["SNR - sinc (dB)"] == 0 and sinc["LSD (log10) / sinc"] == 1
        for x in row.values():  # each comparison is its two rows' numbers (all rounded: 0.015)
            assert x["SNR - spline (dB)"] == pytest.approx(
                x["SNR (dB)"] - spline["SNR (dB)"], abs=0.016
            )
            assert x["SNR - sinc (dB)"] == pytest.approx(
                x["SNR (dB)"] - sinc["SNR (dB)"], abs=0.016
            )
            assert x["LSD / spline"] == pytest.approx(x["LSD"] / spline["LSD"], abs=0.016)
            assert x["LSD (log10) / sinc"] == pytest.approx(
                x["LSD (log10)"] / sinc["LSD (log10)"], abs=0.016
            )
        # sinc: a better SNR than the spline, an empty band above (a worse LSD)
        assert sinc["SNR - spline (dB)"] > 0 and sinc["LSD / spline"] > 1
        # a random correction fills the band (LSD better) with what is not there (SNR worse)
        model = row["model m-r{r}"]
        assert model["SNR - spline (dB)"] < 0 and model["LSD / spline"] < 1
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
