"""The report command: the committed verdict and docs tables are what it makes from the committed
tables, and each report's numbers on small hand-made tables."""

import json
import math
from pathlib import Path

import pytest

from audiosr.cli import main
from audiosr.core.tables import write_csv
from audiosr.evaluation.report import (
    perceptual_summary,
    robustness_summary,
    run_row,
    shipped_histories,
    shipped_training,
)

ROOT = Path(__file__).resolve().parents[1]


def _report(capsys, *args) -> str:
    assert main(["report", *map(str, args)]) == 0
    return capsys.readouterr().out


def test_the_committed_verdict_is_what_the_command_makes(tmp_path, capsys):
    printed = _report(capsys, "verdict", "--out", tmp_path / "verdict")
    for suffix in (".csv", ".md"):
        made = (tmp_path / "verdict").with_suffix(suffix).read_text()
        assert made == (ROOT / "figures" / f"verdict{suffix}").read_text(), suffix
    assert printed.strip() in (ROOT / "figures/verdict.md").read_text()


@pytest.mark.parametrize(
    "report, page", [("perceptual", "docs/results.md"), ("robustness", "docs/robustness.md")]
)
def test_the_docs_tables_are_what_the_command_makes_of_the_committed_tables(report, page, capsys):
    text = (ROOT / page).read_text()
    table = [line for line in _report(capsys, report).splitlines() if line.startswith("|")]
    assert len(table) > 4
    assert [line for line in table if line not in text] == []


def _perceptual_row(method, snr, lsd, visqol, p808, line, gap=float("nan")):
    return {
        "r": 4, "test set": "vctk-sample", "method": method, "files": 16, "SNR (dB)": snr,
        "LSD": lsd, "PESQ-WB (objective)": 2.0, "STOI (objective)": 0.9,
        "ViSQOL (objective)": visqol, "DNSMOS-OVRL (objective)": 3.0,
        "DNSMOS-OVRL (reference)": 3.2, "DNSMOS-OVRL gap closed": gap,
        "DNSMOS-P808 (objective)": p808, "DNSMOS-P808 (reference)": 3.9,
        "DNSMOS-P808 gap closed": (p808 - 3.0) / 0.9, "strongest added line (dB)": line,
    }  # fmt: skip


def test_perceptual_summary_lists_the_three_models_and_the_goals_missed(tmp_path):
    rows = [
        _perceptual_row("cubic spline", 14.0, 8.0, 3.0, 3.0, 0.0),
        _perceptual_row("model audiounet-small-r4", 15.0, 4.0, 3.5, 3.1, 2.0),
        _perceptual_row("model audiounet-perceptual-r4", 14.5, 3.0, 3.4, 3.4, 4.5, 0.25),
        _perceptual_row("soxr HQ", 14.1, 8.5, 3.0, 3.0, 0.0),  # not a column
    ]
    from audiosr.core.tables import read_csv

    text = perceptual_summary(read_csv(write_csv(tmp_path / "p.csv", rows)))
    assert "| 4 | VCTK sample (16) | 14.0 / 15.0 / 14.5 | 8.0 / 4.0 / 3.0 |" in text
    assert "3.00 / 3.10 / 3.40 (ref 3.90; +44% of the gap)" in text
    assert "(ref 3.20; +25% of the gap)" in text
    # ViSQOL +0.4 of +0.6, P.808 closes 44 % of the gap, LSD 0.375x, SNR above, line 1.5 dB too strong
    assert text.endswith(
        "- r = 4, VCTK sample: ViSQOL +0.6 (short by 0.20); lines <= 3 dB (short by 1.50)"
    )


def _robust_row(r, maker, method, test_set, snr, lsd, peak=0.9):
    return {"r": r, "test set": test_set, "low-res made by": maker, "method": method,
            "SNR (dB)": snr, "LSD": lsd, "peak": peak}  # fmt: skip


def test_robustness_summary_judges_each_maker_against_its_own_spline():
    rows = []
    for ds, shift in (("vctk-sample", 0.0), ("librispeech-test-other", -5.0)):
        rows += [
            _robust_row(4, "soxr-HQ", "cubic spline", ds, 15 + shift, 8.0),
            _robust_row(4, "soxr-HQ", "shipped model", ds, 15.6 + shift, 4.0),
            _robust_row(4, "telephone", "cubic spline", ds, 4 + shift, 6.0),
            _robust_row(4, "telephone", "shipped model", ds, 4 + shift, 4.8, peak=1.2),
        ]
    lines = robustness_summary([{k: str(v) for k, v in r.items()} for r in rows]).splitlines()
    assert lines[2] == (
        "| 4 | soxr-HQ | 15.0 / 8.0 | **15.6 / 4.0** | 10.0 / 8.0 | **10.6 / 4.0** "
        "| +0.60 / +0.60 | 0.50 / 0.50 | 0.90 | met |"
    )
    assert lines[3].endswith("| +0.00 / +0.00 | 0.80 / 0.80 | 1.20 | 0.10 LSD ratio; peak 1.20 |")


def _history(epochs, **scores):
    return [
        {"epoch": e, "steps": 100, "seconds": 60.0, "audio_s_per_s": 10.0 + e,
         "val_loss": 1e-3 / e, "val_file_snr": 14.0 + e / 10, "spline_file_snr": 14.0,
         "val_file_lsd": 5.0, "spline_file_lsd": 10.0, **scores}
        for e in range(1, epochs + 1)
    ]  # fmt: skip


def test_runs_side_by_side_from_histories_and_evaluated_files(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    for run, n in ((a, 3), (b, 2)):
        run.mkdir()
        (run / "history.json").write_text(json.dumps(_history(n)))
    write_csv(
        b / "eval-val.csv",
        [{"clip": c, "method": m, "snr": s + c, "lsd": d}
         for c in (0, 1) for m, s, d in (("cubic spline", 14.0, 9.0), ("AudioUNet (epoch 2)", 14.5, 4.5))],
    )  # fmt: skip
    row = run_row(a)
    assert (row["epochs"], row["steps"], row["audio s / s"], row["training minutes"]) == (
        3, 300, "12.0", "3.0"
    )  # fmt: skip
    assert (row["SNR - spline (dB)"], row["LSD / spline"]) == ("+0.30", "0.500")
    assert run_row(a, minutes=2)["epochs"] == 2  # equal time: the last epoch within it
    row = run_row(b, "val")
    assert row["scored on"] == "whole val files (2)"
    assert (row["SNR (dB)"], row["SNR - spline (dB)"], row["LSD / spline"]) == (
        "15.00", "+0.50", "0.500"
    )  # fmt: skip
    printed = _report(capsys, "runs", a, b, "--split", "val", "--out", tmp_path / "t")
    assert "| a | 3 | 300 |" in printed and "| b | 2 | 200 |" in printed
    assert "audiosr report runs" in (tmp_path / "t.md").read_text()
    assert main(["report", "runs", str(tmp_path / "missing")]) == 2


def test_shipped_training_draws_the_runs_that_are_here(tmp_path, capsys):
    models, runs = tmp_path / "models", tmp_path / "runs"
    models.mkdir()
    for name, run in (("audiounet-small-r4", "run-a"), ("audiounet-small-r2", "run-b")):
        meta = {"run": run, "recipe": "audiosr train -f x.yaml; audiosr ship",
                "model_config": {"ratio": int(name[-1])}}  # fmt: skip
        (models / f"{name}.json").write_text(json.dumps(meta))
    (models / "defaults.json").write_text("{}")
    (runs / "run-a").mkdir(parents=True)
    (runs / "run-a" / "history.json").write_text(json.dumps(_history(3)))
    histories = shipped_histories(models, runs)
    assert list(histories) == ["audiounet-small-r4 (r = 4)"]
    assert "skipped audiounet-small-r2" in capsys.readouterr().out
    paths = shipped_training(histories, tmp_path / "figures")
    assert sorted(p.name for p in paths) == [f"shipped-training.{x}" for x in ("pdf", "png", "svg")]


def test_runs_at_equal_time_read_each_at_the_shortest_runs_minutes(tmp_path):
    from audiosr.evaluation.report import compare_runs

    runs = []
    for name, n in (("long", 5), ("short", 2)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "history.json").write_text(json.dumps(_history(n)))
        runs.append((f"the {name} one", tmp_path / name))
    rows = compare_runs(runs, minutes="equal")
    assert [(r["run"], r["epochs"]) for r in rows] == [("the long one", 2), ("the short one", 2)]
    assert [r["epochs"] for r in compare_runs(runs)] == [5, 2]


def test_a_comparison_names_each_variants_run_from_its_params_files(piano_folder, tmp_path):
    from audiosr.data.patches import DataConfig, build_cache
    from audiosr.evaluation.report import variant_runs

    data = dict(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=1024, max_clips=6)
    build_cache(DataConfig(**data), root=tmp_path / "cache", progress=False)
    base = tmp_path / "base.yaml"
    base.write_text(
        "".join(f"{k}: {v}\n" for k, v in data.items()) + f"cache_root: {tmp_path}/cache\n"
    )
    (tmp_path / "frames.yaml").write_text("# frames, sinc input\narch: framenet\ninterp: sinc\n")
    (tmp_path / "plain.yaml").write_text("objective: mse+stft\n")
    runs = variant_runs([str(base)], [str(tmp_path / "frames.yaml"), str(tmp_path / "plain.yaml")])
    assert [label for label, _ in runs] == ["frames, sinc input", "plain"]
    assert runs[0][1].name.endswith("--framenet-B4-w1-sinc")
    assert runs[1][1].name.endswith("--paper-B4-w1-mse+stft-loss")
    assert runs[0][1].name.split("--")[0] == runs[1][1].name.split("--")[0]  # one data cache


def test_a_comparison_costs_and_rescores_the_chosen_models(piano_folder, tmp_path):
    from audiosr.data.patches import DataConfig, build_cache
    from audiosr.evaluation.report import compare_runs
    from audiosr.networks.config import ModelConfig, build_model, count_parameters
    from audiosr.training.config import TrainConfig
    from audiosr.training.runs import default_run_dir
    from audiosr.training.train import train

    cache = build_cache(
        DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=1024, max_clips=6),
        root=tmp_path / "cache",
        progress=False,
    )
    runs = []
    for arch in ("framenet", "audiounet"):
        cfg = ModelConfig(ratio=2, arch=arch, blocks=2, width=1 / 16)
        run = default_run_dir(cache, cfg, tmp_path / "runs")
        train(cache, cfg, TrainConfig(epochs=1, batch_size=4, device="cpu"), run, progress=False)
        runs.append((arch, run, count_parameters(build_model(cfg))))
    rows = compare_runs(
        [(a, r) for a, r, _ in runs],
        cost_threads=1,
        rescore=3,
        measures=(),
        cache_root=tmp_path / "cache",
    )
    assert [r["run"] for r in rows] == [
        "framenet",
        "audiounet",
        "cubic spline",
        "sinc interpolation",
    ]
    for row, (_, _, n) in zip(rows, runs):
        assert row["parameters"] == f"{n:,}"
        assert float(row["GFLOPs / audio s"]) > 0 and float(row["s / step (1 thread)"]) > 0
        assert row["chosen"] == "epoch 1 (last)"  # no whole-file validation, so no best.pt
    snrs = [float(r["SNR (dB)"]) for r in rows]
    assert all(math.isfinite(x) for x in snrs) and snrs[2] != snrs[3]  # spline is not sinc
    assert all(abs(x - snrs[2]) < 3 for x in snrs[:2])  # models that start from the spline
    assert set(rows[2]) == {"run", "SNR (dB)", "LSD (log10)"}


def _field_row(method, snr, lsd, visqol, maker="soxr", r="4"):
    return {"r": r, "test set": "VCTK sample", "low-res made by": maker, "method": method,
            "SNR (dB)": snr, "LSD (log10)": lsd, "ViSQOL (objective)": visqol,
            "DNSMOS-P808 (objective)": "3.0", "strongest added line (dB)": "1.5", "at (Hz)": "4000"}  # fmt: skip


def test_the_fields_goals_mark_each_model_against_sinc(tmp_path, capsys):
    from audiosr.evaluation.report import field_goals

    rows = [
        _field_row("cubic spline", "14.0", "1.0", "3.0"),
        _field_row("sinc (soxr VHQ)", "15.0", "1.0", "3.0"),
        _field_row("model (a)", "15.5", "0.30", "3.6"),
        _field_row("model (b)", "14.5", "0.40", "3.2"),
        _field_row("sinc (soxr VHQ)", "12.0", "2.0", "3.0", r="2"),
        _field_row("cubic spline", "12.0", "2.0", "3.0", r="2"),
        _field_row("model (a)", "12.0", "1.0", "3.25", r="2"),
    ]
    lines = field_goals(rows).splitlines()
    assert lines[2].endswith(
        "| model (a) | +0.50 (yes) | 0.30x (yes) | +0.60 (yes) | +0.00 (yes) | 1.5 dB at 4000 Hz (yes) |"
    )
    assert "| -0.50 (**no**) | 0.40x (**no**) | +0.20 (**no**) |" in lines[3]
    assert lines[4].endswith(
        "| +0.25 (yes) | +0.00 (yes) | 1.5 dB at 4000 Hz (yes) |"
    )  # r = 2: +0.2
    write_csv(tmp_path / "t.csv", rows)
    assert _report(capsys, "field", tmp_path / "t.csv").splitlines() == lines
    write_csv(tmp_path / "bad.csv", rows[2:4])
    assert main(["report", "field", str(tmp_path / "bad.csv")]) == 2
    assert "no sinc (soxr VHQ)" in capsys.readouterr().err
