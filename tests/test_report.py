"""The report command: the committed verdict and docs tables are what it makes from the committed
tables, and each report's numbers on small hand-made tables."""

import json
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
