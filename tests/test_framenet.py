"""The frame-rate generator: starts as the identity, any length, its stated context is enough
for windowed inference, and it trains and reloads through the shared loop."""

import numpy as np
import pytest
import torch
from helpers import frame_reach

from audiosr.core.metrics import snr
from audiosr.data.patches import DataConfig, build_cache
from audiosr.inference.windows import Upsampler
from audiosr.networks.audiounet import ModelConfig, build_model
from audiosr.networks.checkpoint import load_model
from audiosr.networks.framenet import FRAME_HOP, FrameNet
from audiosr.training.runs import default_run_dir
from audiosr.training.train import TrainConfig, train


def _perturbed(blocks=2, width=1 / 16):
    torch.manual_seed(0)
    model = build_model(ModelConfig(ratio=4, arch="framenet", blocks=blocks, width=width))
    torch.nn.init.normal_(model.out.weight, std=0.05)  # not the identity it starts as
    return model.eval()


@pytest.mark.parametrize("length", [6000, 4097, 300])
def test_untrained_returns_its_input(length):
    model = build_model(ModelConfig(ratio=4, arch="framenet", blocks=2, width=1 / 16)).eval()
    x = torch.randn(2, 1, length)
    with torch.no_grad():
        y = model(x)
    assert y.shape == x.shape
    assert float(snr(y.numpy().ravel(), x.numpy().ravel())) > 80


def test_context_bounds_the_reach():
    model = _perturbed(blocks=2)
    reach = frame_reach(model)
    assert reach <= model.context
    # and the reach is not far below it (the bound is not loose by more than a frame)
    assert reach > model.context - 2 * FRAME_HOP - 512


def test_windowed_equals_whole_file():
    model = _perturbed()
    lr = np.random.default_rng(1).standard_normal(12_000).astype(np.float32)
    whole = Upsampler(model, 4, hop=1 << 20).process(lr)
    up = Upsampler(model, 4, hop=2048, batch=2)
    assert up.window_samples() < 4 * len(lr)
    assert float(snr(up.process(lr), whole)) > 80


def test_trains_and_reloads_through_the_shared_loop(piano_folder, tmp_path):
    cache = build_cache(
        DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=1024, max_clips=6),
        root=tmp_path / "cache",
        progress=False,
    )
    cfg = ModelConfig(ratio=2, arch="framenet", blocks=2, width=1 / 16)
    run = default_run_dir(cache, cfg, tmp_path / "runs", objective="mse+stft")
    assert "--framenet-B2-w0.0625" in run.name
    history = train(
        cache,
        cfg,
        TrainConfig(epochs=3, batch_size=4, lr=1e-3, device="cpu", objective="mse+stft"),
        run,
        progress=False,
    )
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    model = load_model(run / "checkpoint.pt", ratio=2)
    assert isinstance(model, FrameNet) and model.blocks == 2
