"""What a frame generator's fill is worth, on generated signals where the answer is known: a fill
that is the true band is in phase with it and takes its error away, no fill leaves sinc's error,
a blend of outputs scores as its level says, and a band carrying x^3's phase is found by x^3."""

import re

import numpy as np
import pytest
import torch
from helpers import tone_mix, write
from scipy import signal

from audiosr.core.dsp import lowres
from audiosr.data.clips import load_clips
from audiosr.evaluation.fill import (
    MIXES,
    BandErrors,
    blind,
    carrier_rows,
    held_out,
    level_rows,
    main,
    outputs,
    phases,
    sinc,
    spectrum,
)
from audiosr.networks.config import ModelConfig, build_model
from audiosr.networks.framenet import first_missing_bin


@pytest.fixture
def folder(tmp_path):
    """Twenty files of different lengths (so each is known by its length), a folder dataset."""
    for k in range(20):
        write(tmp_path / "data" / f"f{k:02d}.wav", tone_mix(4000 + 4 * k + 1, seed=k % 5))
    return tmp_path / "data"


def pair(n: int = 16000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    hr = tone_mix(n, seed=seed).astype(np.float64)
    return hr, lowres(hr.astype(np.float32), 4)


def test_held_out_files_are_evenly_spaced_cut_to_the_ratio_and_made_low_res(folder):
    clips = [c for c in load_clips(str(folder)) if c.split == "train"]
    pairs = held_out(str(folder), "train", 3, 4, "decimate")
    lengths = [4000 + 4 * int(c.path.stem[1:]) for c in clips]
    assert [len(hr) for hr, _ in pairs] == [lengths[0], lengths[(len(clips) - 1) // 2], lengths[-1]]
    for hr, lr in pairs:
        assert hr.dtype == np.float64 and len(lr) == len(hr) // 4
    assert len(held_out(str(folder), "train", 100, 4, "decimate")) == len(clips)


def test_a_fill_that_is_the_true_band_is_in_phase_and_takes_its_error_away():
    hr, lr = pair()
    s = sinc(lr, 4, len(hr))
    errors = BandErrors(4)
    true_band = hr - signal.oaconvolve(hr, errors.cut, "same")
    errors.add(hr, s, s + true_band)
    assert errors.correlation() > 0.99
    e = {k: 10 * np.log10(v) for k, v in errors.errors.items()}
    above = [i for i, lo in enumerate(errors.edges[:-1]) if lo >= 2500]  # 2500-4000, 4000-8000
    assert above == [4, 5]
    assert all(e["model"][above] < e["sinc"][above] - 20)
    np.testing.assert_allclose(e["model, no fill"][above], e["sinc"][above], atol=0.5)
    assert "correlation 0.99" in errors.summary() or "correlation 1.00" in errors.summary()


def test_no_fill_leaves_sincs_error_and_the_table_shows_it():
    hr, lr = pair()
    s = sinc(lr, 4, len(hr))
    errors = BandErrors(4)
    errors.add(hr, s, s)
    np.testing.assert_array_equal(errors.errors["model"], errors.errors["sinc"])
    lines = errors.table().splitlines()
    assert [line.split(" | ")[0] for line in lines[2:]] == [
        "| 0-1500", "| 1500-1800", "| 1800-2000", "| 2000-2500", "| 2500-4000", "| 4000-8000",
        "| SNR (dB)",
    ]  # fmt: skip
    sinc_snr, model_snr, _ = re.findall(r"\*\*([-\d.]+)\*\*", lines[-1])
    assert sinc_snr == model_snr and float(sinc_snr) > 10


def test_a_blend_scores_as_its_level_says():
    """No fill = sinc, whole fill = the truth: at gain g the error is (1 - g) of sinc's, so the
    SNR gains -20 log10(1 - g) dB."""
    hr, lr = pair()
    rows = level_rows([(hr, lr)], 4, [0.0, 0.5, 0.75], lambda x: (sinc(x, 4, len(hr)), hr))
    assert [row["SNR - sinc (dB)"] for row in rows] == [0.0, 6.021, 12.041]
    assert rows[0]["LSD (log10) / sinc"] == 1.0 and rows[2]["LSD (log10) / sinc"] < 1.0
    assert all(np.isnan(row["ViSQOL - sinc"]) and row["files"] == 1 for row in rows)


def test_a_frame_models_output_at_any_fill_level_is_the_blend_of_none_and_all():
    torch.manual_seed(0)
    net = build_model(ModelConfig(ratio=4, arch="framenet", blocks=1, width=1 / 16)).eval()
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.05)
    _, lr = pair(8000)
    y0, y1 = outputs(net, lr, 4)
    assert np.abs(y1 - y0).max() > 1e-3
    net.fill_gain = 0.5
    np.testing.assert_allclose(blind(net, lr, 4), (y0 + y1) / 2, atol=1e-5)


def harmonic(seed: int, n: int = 16000, f0: float = 150.0) -> np.ndarray:
    """A voiced-like signal inside the low-res band at r = 4 (harmonics of f0 below 1.8 kHz)
    whose harmonics take new phases every quarter second."""
    t = np.arange(n // 4) / 16000
    rng = np.random.default_rng(seed)
    return np.concatenate(
        [sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) / k for k in range(1, 12))
         for _ in range(4)]
    )  # fmt: skip


def test_a_band_on_x_cubed_phase_is_found_by_x_cubed():
    """The true band is x^3's, rotated per bin by a fixed phase: unrotated x^3 misses it, the
    rotation fitted on one signal finds it in another, and the even |x| does not."""
    first = first_missing_bin(4)

    def example(seed):
        x = harmonic(seed)
        xn = x / np.sqrt(np.mean(x**2))
        true = spectrum(x + 0.3 * xn**3, first)
        turn = np.exp(1j * np.random.default_rng(9).uniform(0, 6.3, len(true)))  # same for both
        return true * turn[:, None], phases(x, first), np.abs(true), None

    rows = carrier_rows([example(1)], {"other": [example(2)]})
    rows = dict(zip((" + ".join(m) for m in MIXES), rows))
    plain, fitted, other = rows["x^3"]
    assert abs(plain) < 0.5 and fitted > 0.99 and other > 0.95
    assert rows["|x|"][2] < 0.5


def test_bands_and_levels_run_on_a_folder(model_file, folder, tmp_path, capsys):
    args = ["--model", str(model_file), "--data", str(folder), "--files", "1"]
    args += ["--maker", "decimate"]
    assert main(["bands", *args]) == 0
    out = capsys.readouterr().out
    assert f"### {folder} (1 files)" in out and out.count("\n| ") == 8
    assert "correlation" in out
    out_file = tmp_path / "levels"
    assert main(["levels", *args, "--gains", "0", "1", "--out", str(out_file)]) == 0
    assert (tmp_path / "levels.csv").is_file() and (tmp_path / "levels.png").is_file()
    assert "python -m audiosr.evaluation.fill levels" in (tmp_path / "levels.md").read_text()


def test_carriers_run_on_a_folder(folder, capsys):
    data = str(folder)
    assert main(["carriers", "--train", data, "--test", data, "--files", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("2 ")
    rows = [line for line in lines if line.startswith("| ") and "carrier" not in line]
    assert len(rows) == len(MIXES)
    assert all(-1 <= float(v) <= 1 for row in rows for v in row.split(" | ")[-3:-1])


def test_carriers_with_a_models_own_magnitude_and_mix(folder, tmp_path, capsys):
    """--magnitude model scores a frame generator's own magnitude on each carrier, and its
    learned mix as trained; an envelope of the true band is the other learnable magnitude."""
    from dataclasses import asdict

    from audiosr.inference.shipped import save_model

    torch.manual_seed(0)
    cfg = ModelConfig(ratio=4, arch="framenet", blocks=1, width=1 / 16, fill="powers")
    net = build_model(cfg)
    torch.nn.init.normal_(net.out.weight, std=0.05)
    path = save_model(net.state_dict(), tmp_path / "f.safetensors", {"model_config": asdict(cfg)})
    data = ["--train", str(folder), "--test", str(folder), "--files", "2"]
    assert main(["carriers", *data, "--magnitude", "model", "--model", str(path)]) == 0
    out = capsys.readouterr().out
    assert "fill magnitude: " + str(path) in out
    own = [line for line in out.splitlines() if line.startswith("| as trained (powers)")]
    assert len(own) == 1 and all(-1 <= float(v) <= 1 for v in own[0].split(" | ")[2:-1])
    assert main(["carriers", *data, "--magnitude", "envelope"]) == 0
    assert "the true band's envelope" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="not a frame generator"):
        main(["carriers", *data, "--magnitude", "model", "--model", "audiounet-small-r4"])
