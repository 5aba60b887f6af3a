"""The DNN baseline (Li et al. 2015): phase folding, the log-spectral objective, the low band
kept, and training through the shared loop."""

import numpy as np
import pytest
import torch

from audiosr.data.patches import DataConfig, build_cache
from audiosr.networks.checkpoint import load_model_file
from audiosr.networks.config import ModelConfig, build_model
from audiosr.networks.dnn import DNN_N_FFT, BandDNN, edge_bin, fold_index, log_spectral_loss
from audiosr.training.config import TrainConfig
from audiosr.training.runs import default_run_dir
from audiosr.training.train import train


def test_fold_index_mirrors_about_the_cutoff():
    e = edge_bin(2)
    assert e == 128
    f = fold_index(2)
    assert len(f) == DNN_N_FFT // 2 - e and f[0] == 127 and f[-1] == 0  # bin e + j takes bin e - j
    f4 = fold_index(4)
    # 65 -> 63, 128 -> 0, 129 -> 1
    assert edge_bin(4) == 64 and f4[0] == 63 and f4[63] == 0 and f4[64] == 1
    assert f4.min() >= 0 and f4.max() <= 64


def test_ratio_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of 2"):
        ModelConfig(ratio=6, arch="dnn")
    with pytest.raises(ValueError, match="arch"):
        ModelConfig(arch="transformer")


@pytest.mark.parametrize("shape", [(2, 1, 6000), (3, 4097)])
def test_output_keeps_shape_and_the_low_band(shape):
    torch.manual_seed(0)
    model = BandDNN(4, hidden=32).eval()
    t = torch.arange(shape[-1]) / 16000
    x = (0.5 * torch.sin(2 * torch.pi * 440 * t) + 0.2 * torch.sin(2 * torch.pi * 1200 * t)).expand(
        shape
    )
    with torch.no_grad():
        y = model(x.contiguous())
    assert y.shape == x.shape and torch.isfinite(y).all()
    # below the cutoff (2 kHz at r = 4) the output is the input: compare ideal low-passed versions
    lowpass = lambda s: torch.fft.irfft(
        torch.fft.rfft(s)[..., : int(1800 * s.shape[-1] / 16000)], n=s.shape[-1]
    )
    err = (lowpass(y) - lowpass(x)).pow(2).sum() / lowpass(x).pow(2).sum()
    assert err < 1e-3


def test_log_spectral_loss_sees_only_the_high_band():
    t = torch.arange(8000) / 16000
    x = torch.sin(2 * torch.pi * 300 * t) + 0.1 * torch.sin(2 * torch.pi * 5000 * t)
    assert log_spectral_loss(x, x, 2) == 0
    low_change = log_spectral_loss(x + 0.5 * torch.sin(2 * torch.pi * 150 * t), x, 2)
    high_change = log_spectral_loss(x + 0.5 * torch.sin(2 * torch.pi * 6000 * t), x, 2)
    assert high_change > 10 * low_change


def test_trains_through_the_shared_loop(piano_folder, tmp_path):
    cache = build_cache(
        DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=1024, max_clips=6),
        root=tmp_path / "cache",
        progress=False,
    )
    cfg = ModelConfig(ratio=2, arch="dnn", width=1 / 32)
    run = default_run_dir(cache, cfg, tmp_path / "runs")
    assert run.name.endswith("--dnn-w0.03125")
    history = train(
        cache, cfg, TrainConfig(epochs=4, batch_size=4, lr=1e-3, device="cpu"), run, progress=False
    )
    # the log-spectral objective falls (to about half here; the exact value moves with the CPU
    # and its thread count, so the bound leaves room)
    assert history[-1]["train_loss"] < 0.7 * history[0]["train_loss"]
    model = load_model_file(run / "checkpoint.pt", ratio=2)
    assert isinstance(model, BandDNN) and sum(p.numel() for p in model.parameters()) == sum(
        p.numel() for p in build_model(cfg).parameters()
    )
    assert np.isfinite(history[-1]["val_lsd"])
