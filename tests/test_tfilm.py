"""TFiLM (the original code's later model): its parameter count at full width, the layer's
block-wise scaling by hand, any length, near-spline start, windowed inference close to whole-file,
fitting a fixed batch, and training and reloading through the shared loop."""

import copy

import numpy as np
import pytest
import torch
from helpers import piano_pieces

import audiosr.training.train as train_mod
from audiosr.core.metrics import snr
from audiosr.data.patches import DataConfig, build_cache
from audiosr.inference.windows import Upsampler
from audiosr.networks.audiounet import AudioUNet
from audiosr.networks.checkpoint import load_model_file
from audiosr.networks.config import ModelConfig, build_model, count_parameters
from audiosr.networks.tfilm import TOP_BLOCK, AudioTFiLM, TFiLM, tfilm_multiple
from audiosr.training.config import TrainConfig
from audiosr.training.runs import default_run_dir
from audiosr.training.train import train


def _small(blocks=4, **kw):
    torch.manual_seed(0)
    return build_model(ModelConfig(ratio=4, arch="tfilm", blocks=blocks, width=1 / 16, **kw))


def test_full_width_count_is_the_codes_convolutions_plus_one_lstm_per_block():
    """The convolutions are the code's AudioUNet's (dilation adds no weights); each down block,
    the bottleneck and each up block add an LSTM as wide as its filters. Keras's LSTM has one
    bias vector per gate, PyTorch's two: 4f more per LSTM than the original's 68.22 M."""
    with torch.device("meta"):  # shapes only: no 68 M weights to initialise
        model = build_model(ModelConfig(arch="tfilm"))
        convs = count_parameters(AudioUNet(ModelConfig(variant="code2017")))
    filters = [128, 256, 512, 512]
    lstms = [*filters, 512, *filters]
    keras = convs + sum(4 * (2 * f * f + f) for f in lstms)
    assert keras == 68_221_186
    assert count_parameters(model) == keras + sum(4 * f for f in lstms)
    assert sum(isinstance(m, TFiLM) for m in model.modules()) == 9


def test_the_layer_scales_each_block_by_the_lstms_output():
    torch.manual_seed(1)
    layer = TFiLM(3, 4)
    x = torch.randn(2, 3, 20)
    with torch.no_grad():
        y = layer(x)
        pooled = torch.stack([x[..., i * 4 : (i + 1) * 4].amax(-1) for i in range(5)], dim=1)
        scale, _ = layer.lstm(pooled)  # (N, 5 blocks, C)
    for i in range(5):
        block = slice(i * 4, (i + 1) * 4)
        assert torch.allclose(y[..., block], x[..., block] * scale[:, i, :, None], atol=1e-6)
    assert not torch.allclose(y, x)  # a real scaling, not the identity
    # Keras's forget-gate bias of 1 (gates i, f, g, o)
    assert torch.all(layer.lstm.bias_ih_l0[3:6] == 1) and torch.all(layer.lstm.bias_ih_l0[:3] == 0)


def test_block_lengths_follow_the_code():
    model = _small(blocks=4)
    assert [b.tfilm.block for b in model.down] == [128, 64, 32, 16]
    assert model.bottleneck.tfilm.block == TOP_BLOCK >> 4
    assert [t.block for t in model.up_tfilm] == [8, 8, 8, 8]  # the bottleneck's, as in the code
    assert tfilm_multiple(4) == 256 and model.alignment == 256


def test_the_unet_pass_is_audiounets_and_checkpoints_keep_their_names():
    """TFiLM runs AudioUNet's forward pass with its layer after each up block; the weights keep
    the names that saved runs hold."""
    assert AudioTFiLM.forward is AudioUNet.forward
    lstm = ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0"]
    down = lambda name: (
        [f"{name}.conv.weight", f"{name}.conv.bias"] + [f"{name}.tfilm.{w}" for w in lstm]
    )
    assert list(_small(blocks=1).state_dict()) == [
        *down("down.0"), *down("bottleneck"), "up.0.0.weight", "up.0.0.bias",
        *(f"up_tfilm.0.{w}" for w in lstm), "last.weight", "last.bias",
    ]  # fmt: skip


@pytest.mark.parametrize("length", [256, 512, 8192, 6000, 1000])
def test_any_length_runs_and_starts_near_the_spline(length):
    model = _small().eval()
    x = torch.randn(2, 1, length)
    with torch.no_grad():
        y = model(x)
    assert y.shape == x.shape
    assert float(snr(y.numpy().ravel(), x.numpy().ravel())) > 30  # last conv N(0, 1e-3)


def test_refuses_depths_whose_blocks_are_not_whole_samples():
    with pytest.raises(ValueError, match="1 to 7 blocks"):
        AudioTFiLM(ModelConfig(arch="tfilm", blocks=8, width=1 / 16))


def test_windowed_inference_is_close_to_whole_file():
    model = _small(upsample="resize")
    torch.nn.init.normal_(model.last.weight, std=0.05)  # a real correction, not the spline
    model.eval()
    lr = np.random.default_rng(1).standard_normal(16_000).astype(np.float32)
    whole = Upsampler(model, 4, hop=1 << 20).process(lr)
    up = Upsampler(model, 4, hop=2048, batch=2)
    windowed = up.process(lr)
    spline_like = Upsampler(_small(upsample="resize").eval(), 4, hop=1 << 20).process(lr)
    assert float(snr(whole, spline_like)) < 30  # the correction is large enough to matter
    assert float(snr(windowed, whole)) > 40


SMALL_R2 = ModelConfig(ratio=2, arch="tfilm", blocks=2, width=1 / 16, upsample="resize")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    root = tmp_path_factory.mktemp("tfilm")
    return build_cache(
        DataConfig(
            dataset=str(piano_pieces(root / "piano")),
            ratio=2,
            patch_len=1024,
            stride=1024,
            max_clips=4,
        ),
        root=root / "cache",
        progress=False,
    )


def moved(model: torch.nn.Module, start: dict, prefix: str) -> float:
    """How far (largest change) the parameters under `prefix` moved from `start`."""
    return max(
        float((v - start[k]).abs().max())
        for k, v in model.state_dict().items()
        if k.startswith(prefix)
    )


def test_the_training_step_fits_a_fixed_batch_to_half_the_splines_error(cache):
    """80 steps on 4 fixed patches take the MSE below half the spline's (where the model
    starts; 0.26 of it when written), and the LSTMs of the TFiLM layers on the skip path have
    learned (moved by 1e-2 to 3e-1): a step that does not descend, or a scaling that passes no
    gradient to its LSTM, fails here. (Activations shrink about 100x at each TFiLM layer down,
    so the bottleneck's and the first up block's weights move by only about 1e-5.)"""
    spline, hr = train_mod.load_patches(cache, "train", torch.device("cpu"))
    x, y = spline[:4, None], hr[:4, None]
    torch.manual_seed(0)
    model = build_model(SMALL_R2)
    start = copy.deepcopy(model.state_dict())
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(80):
        train_mod.train_step(model, optimizer, x, y)
    with torch.no_grad():
        fitted = torch.nn.functional.mse_loss(model(x), y).item()
    assert fitted < 0.5 * torch.nn.functional.mse_loss(x, y).item()
    for part in ("down.0.tfilm.lstm", "down.1.tfilm.lstm", "up_tfilm.1.lstm", "last"):
        assert moved(model, start, part) > 1e-3, part


def test_trains_and_reloads_through_the_shared_loop(cache, tmp_path, monkeypatch):
    """The loop trains the model (its first TFiLM layer's LSTM and its output convolution move),
    and the checkpoint it writes loads as the very model it trained (weights and outputs), not
    only as itself twice."""
    runs, build = [], train_mod.build

    def keep_the_run(run):
        build(run)
        runs.append((run, copy.deepcopy(run.model.state_dict())))

    monkeypatch.setattr(train_mod, "build", keep_the_run)
    run_dir = default_run_dir(cache, SMALL_R2, tmp_path / "runs")
    assert "--tfilm-B2-w0.0625-resize" in run_dir.name
    history = train(
        cache,
        SMALL_R2,
        TrainConfig(epochs=2, batch_size=4, lr=3e-3, steps_per_epoch=4, device="cpu"),
        run_dir,
        progress=False,
    )
    assert [h["epoch"] for h in history] == [1, 2]
    ((run, start),) = runs
    trained = run.model.eval()
    for part in ("down.0.tfilm.lstm", "last"):
        assert moved(trained, start, part) > 1e-3, part
    model = load_model_file(run_dir / "checkpoint.pt", ratio=2).eval()
    assert isinstance(model, AudioTFiLM) and len(model.down) == 2
    loaded = model.state_dict()
    assert loaded.keys() == trained.state_dict().keys()
    for k, v in trained.state_dict().items():
        torch.testing.assert_close(loaded[k], v, rtol=0, atol=0)
    x = torch.randn(1, 1, 1024)
    with torch.no_grad():
        assert torch.equal(model(x), trained(x))
