"""The checks the tables cannot show, on a small model and a folder of generated speech-like
files: the silence gate silences silence and leaves speech alone, hiss keeps its level through
the spline, hiss made low-res by a maker is measured per Hz where white noise's level says, the command's own resampling is scored, and an identity network's line variants
are all the spline."""

import numpy as np
import pytest
import torch
from helpers import tone_mix, write

from audiosr.core.dsp import spline_upsample
from audiosr.evaluation.checks import (
    hiss_maker_rows,
    hiss_rows,
    line_variants,
    main,
    resampling_rows,
    silence_gate_rows,
)


@pytest.fixture
def folder(tmp_path):
    """Six half-second files: a folder dataset's contiguous splits give the last one to test."""
    for k in range(6):
        write(tmp_path / "data" / f"f{k}.wav", tone_mix(8000, seed=k))
    return tmp_path / "data"


def test_the_gate_silences_silence_and_leaves_speech_alone(model_file, folder):
    quiet, speech = silence_gate_rows((4,), str(folder), str(model_file))
    levels = {row["input"]: row for row in quiet}
    assert levels["digital silence"]["gated (dBFS)"] == "-240.0"  # exact zeros (1e-12 floor)
    assert float(levels["-90 dBFS noise"]["gated (dBFS)"]) < -85
    (row,) = speech
    assert row["files"] == 6 and row["raw SNR / LSD"] == row["gated SNR / LSD"]
    assert row["largest change, one file (SNR dB / LSD)"] == "0 / 0"


def test_hiss_through_the_spline_keeps_its_level(model_file):
    rows = hiss_rows((4,), str(model_file))
    assert [row["white noise in (dBFS)"] for row in rows] == [-60.0, -40.0]
    for row in rows:
        assert abs(row["spline out (dBFS)"] - row["white noise in (dBFS)"]) < 1.5
        assert row["model - spline (dB)"] == pytest.approx(
            row["model out (dBFS)"] - row["spline out (dBFS)"], abs=0.11
        )


def test_hiss_made_low_res_by_a_maker_is_measured_per_hz(model_file, capsys):
    """White noise at L dBFS over 8 kHz has L - 10 log10(8000) = L - 39.0 dB per Hz in the band
    the maker keeps; a model's output above it is read by the same meter."""
    rows = hiss_maker_rows((4,), str(model_file), ("decimate", "soxr"), seconds=1.0)
    assert [(row["white noise at 16 kHz (dBFS)"], row["low-res by"]) for row in rows] == [
        (-60.0, "decimate"), (-60.0, "soxr-HQ"), (-40.0, "decimate"), (-40.0, "soxr-HQ")
    ]  # fmt: skip
    for row in rows:
        inside = float(row["in-band hiss (dB/Hz)"])
        assert inside == pytest.approx(row["white noise at 16 kHz (dBFS)"] - 39.0, abs=0.5)
        above = float(row["model above the band (dB/Hz)"])
        assert float(row["above - in-band (dB)"]) == pytest.approx(above - inside, abs=0.11)
        assert abs(float(row["model out - low-res in (dB)"])) < 20
    assert main(["hiss", "--ratios", "4", "--model", str(model_file), "--makers", "soxr"]) == 0
    tables = capsys.readouterr().out.split("\n\n")
    assert "spline out (dBFS)" in tables[0] and "in-band hiss (dB/Hz)" in tables[1]


def test_the_commands_own_resampling_is_scored_beside_soxr_and_the_spline(model_file, folder):
    rows = resampling_rows((4,), (str(folder),), str(model_file))
    assert [row["16 kHz file through"] for row in rows] == ["command", "soxr + spline"]
    assert all(row["files"] >= 1 and np.isfinite(row["SNR (dB)"]) for row in rows)


def test_an_identity_networks_variants_are_all_the_spline():
    x_lr = tone_mix(1000, sr=4000)
    variants = line_variants(torch.nn.Identity(), x_lr, 4000, 4)
    assert list(variants) == [
        "as is", "below 40 Hz bypassed", "shift 16 averaged", "shift 2 averaged"
    ]  # fmt: skip
    for est in variants.values():
        np.testing.assert_allclose(est, spline_upsample(x_lr, 4)[:4000], atol=1e-5)


def test_line_origin_has_a_row_per_model_and_variant(model_file, folder, capsys):
    assert main(["line-origin", "--model", str(model_file), "--data", str(folder)]) == 0
    rows = [line.split(" | ") for line in capsys.readouterr().out.splitlines()[2:]]
    assert [row[1] for row in rows] == [
        "as is", "below 40 Hz bypassed", "shift 16 averaged", "shift 2 averaged"
    ]  # fmt: skip
    assert all(row[0] == "| m" and np.isfinite(float(row[2])) for row in rows)
