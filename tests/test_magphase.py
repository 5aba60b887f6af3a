"""The magnitude-and-phase generator and the field's losses: it starts as its (sinc) input, its
stated context is enough for windowed inference, the pipeline feeds it band-limited
interpolation, and the losses see what they claim to."""

import math

import numpy as np
import pytest
import torch
from helpers import frame_reach

from audiosr.core import band
from audiosr.core.metrics import snr
from audiosr.data.patches import DataConfig, build_cache
from audiosr.inference.windows import Upsampler
from audiosr.networks.checkpoint import load_model_file
from audiosr.networks.config import ModelConfig, build_model
from audiosr.networks.framenet import FRAME_HOP
from audiosr.networks.losses import anti_wrapped, field_loss, phase_losses
from audiosr.networks.magphase import MagPhaseNet
from audiosr.training.config import TrainConfig
from audiosr.training.runs import default_run_dir
from audiosr.training.train import train

CFG = ModelConfig(ratio=4, arch="magphase", interp="sinc", blocks=2, width=1 / 16)


def _perturbed():
    torch.manual_seed(0)
    model = build_model(CFG)
    torch.nn.init.normal_(model.mag_out.weight, std=0.05)
    torch.nn.init.normal_(model.gate_out.weight, std=0.05)
    torch.nn.init.constant_(model.gate_out.bias, 0.0)  # half open: the output is not the input
    return model.eval()


@pytest.mark.parametrize("length", [6000, 4097, 300])
def test_untrained_returns_its_input(length):
    model = build_model(CFG).eval()
    x = torch.randn(2, 1, length)
    with torch.no_grad():
        y = model(x)
    assert y.shape == x.shape
    assert float(snr(y.numpy().ravel(), x.numpy().ravel())) > 40  # the gate starts at 0.0025


def test_perturbed_changes_its_input():
    x = torch.randn(1, 1, 6000)
    with torch.no_grad():
        y = _perturbed()(x)
    assert float(snr(y.numpy().ravel(), x.numpy().ravel())) < 20


def test_context_bounds_the_reach():
    model = _perturbed()
    reach = frame_reach(model)
    assert reach <= model.context
    # and the reach is not far below it (the bound is not loose by more than a frame)
    assert reach > model.context - 2 * FRAME_HOP - 512


def test_the_pipeline_feeds_it_band_limited_interpolation_and_keeps_the_band():
    model = _perturbed()
    lr = band_limited_noise(12_000)
    up = Upsampler(model, 4, hop=1 << 20)
    assert up.interp == "sinc" and up.keeps_band
    with torch.no_grad():
        direct = model(torch.from_numpy(band.interpolate(lr, 4)).float().view(1, 1, -1))
    edge = band.band_edge(lr)
    want = band.restore(direct.view(-1).numpy(), lr, 4, edge)
    out = up.process(lr)
    assert float(snr(out[4000:-4000], want[4000:-4000])) > 60
    # well below the edge the output is the input's band-limited interpolation, whatever the
    # net did there
    inside = lambda y: np.fft.rfft(y[4000:-4000])[: int(len(y[4000:-4000]) * 0.7 / 8)]
    ref = inside(band.interpolate(lr, 4))
    error_db = lambda y: 20 * np.log10(np.linalg.norm(inside(y) - ref) / np.linalg.norm(ref))
    assert error_db(direct.view(-1).numpy()) > -20
    assert error_db(out) < -40


def band_limited_noise(n, seed=1, edge=0.85):
    """Low-res noise whose band ends at `edge` of its Nyquist frequency, as a resampler's does."""
    from scipy import signal

    x = np.random.default_rng(seed).standard_normal(n + 400)
    return signal.filtfilt(*signal.ellip(8, 0.1, 80, edge), x)[200:-200].astype(np.float32)


def test_windowed_equals_whole_file():
    model = _perturbed()
    lr = band_limited_noise(12_000, seed=2)
    whole = Upsampler(model, 4, hop=1 << 20).process(lr)
    up = Upsampler(model, 4, hop=2048, batch=2)
    assert float(snr(up.process(lr), whole)) > 80


def test_anti_wrapping_forgives_whole_turns_only():
    x = torch.tensor([0.0, 2 * math.pi, -4 * math.pi, 0.5, 2 * math.pi + 0.5])
    assert torch.allclose(anti_wrapped(x), torch.tensor([0.0, 0.0, 0.0, 0.5, 0.5]), atol=1e-5)
    phase = torch.rand(2, 5, 7) * 6 - 3
    assert float(phase_losses(phase + 2 * math.pi, phase)) < 1e-4
    assert float(phase_losses(phase + 0.3, phase)) > 0.29  # the instantaneous phase sees a shift


def test_field_loss_is_zero_only_for_the_target():
    y = torch.randn(3, 1, 4096)
    loss = field_loss()
    assert float(loss(y, y)) < 1e-6
    assert float(loss(0.5 * y, y)) > float(loss(0.9 * y, y)) > 0
    y2 = y.clone().requires_grad_(True)
    loss(y2 * 0.8, y).backward()
    assert torch.isfinite(y2.grad).all()


def test_trains_and_reloads_through_the_shared_loop(piano_folder, tmp_path):
    cache = build_cache(
        DataConfig(dataset=str(piano_folder), ratio=4, patch_len=2048, stride=1024, max_clips=6),
        root=tmp_path / "cache",
        progress=False,
    )
    run = default_run_dir(cache, CFG, tmp_path / "runs", objective="field")
    assert "--magphase-B2-w0.0625-sinc-field-loss" in run.name
    cfg = TrainConfig(
        epochs=3,
        batch_size=4,
        lr=1e-3,
        device="cpu",
        objective="field",
        optimizer="adamw",
        file_val=2,
        select="field",
    )
    history = train(cache, CFG, cfg, run, progress=False)
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert {"sinc_file_snr", "sinc_file_visqol", "val_file_visqol", "val_file_line_db"} <= set(
        history[-1]
    )
    model = load_model_file(run / "checkpoint.pt", ratio=4)
    assert isinstance(model, MagPhaseNet) and model.config.interp == "sinc"
