"""The frame-rate generator: starts as the identity, any length, its stated context is enough
for windowed inference, and it trains and reloads through the shared loop."""

import numpy as np
import pytest
import torch
from helpers import frame_reach

from audiosr.core.metrics import snr
from audiosr.data.patches import DataConfig, build_cache
from audiosr.inference.windows import Upsampler
from audiosr.networks.checkpoint import load_model_file
from audiosr.networks.config import ModelConfig, build_model
from audiosr.networks.framenet import (
    FILLS,
    FRAME_HOP,
    FRAME_N_FFT,
    SOURCE_TOP,
    STEP_BINS,
    FrameNet,
    first_missing_bin,
    shift_sources,
)
from audiosr.training.config import TrainConfig
from audiosr.training.runs import default_run_dir
from audiosr.training.train import train


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
    assert float(snr(up.process(lr), whole)) > 80


def test_trains_and_reloads_through_the_shared_loop(piano_folder, tmp_path):
    """The loop takes the training loss below 0.6 of the spline's, where the model starts (it
    starts as the identity; 0.44 of it when written): a broken gradient path stays near 1."""
    import audiosr.training.train as train_mod

    cache = build_cache(
        DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=1024, max_clips=6),
        root=tmp_path / "cache",
        progress=False,
    )
    cfg = ModelConfig(ratio=2, arch="framenet", blocks=2, width=1 / 16)
    run = default_run_dir(cache, cfg, tmp_path / "runs", objective="mse+stft")
    assert "--framenet-B2-w0.0625" in run.name
    how = TrainConfig(epochs=3, batch_size=4, lr=1e-3, device="cpu", objective="mse+stft")
    loss = train_mod.objective(cfg, how.objective, how.stft_weight, how.stft_floor)
    spline_loss = loss(*train_mod.load_patches(cache, "train", torch.device("cpu"))).item()
    history = train(cache, cfg, how, run, progress=False)
    assert history[-1]["train_loss"] < 0.6 * spline_loss
    model = load_model_file(run / "checkpoint.pt", ratio=2)
    assert isinstance(model, FrameNet) and model.blocks == 2


def _constant_correction(fill):
    """A FrameNet of `fill` whose correction above the low-res band is the same every frame
    (what a network that cannot predict the phase settles on): an impulse mid-frame."""
    model = build_model(
        ModelConfig(ratio=4, arch="framenet", blocks=1, width=1 / 16, fill=fill)
    ).eval()
    first = first_missing_bin(4)
    with torch.no_grad():
        model.out.weight.zero_()
        model.out.bias.zero_()
        model.out.bias[first : FRAME_N_FFT // 2 + 1] = 0.3 * (-1.0) ** torch.arange(
            first, FRAME_N_FFT // 2 + 1
        )
        if fill == "powers":  # any learned mix of the powers' phases, not only the start
            model.carrier_mix.normal_(generator=torch.Generator().manual_seed(1))
    return model


@pytest.mark.parametrize("fill", FILLS)
def test_a_fill_tied_to_the_input_adds_no_comb(fill):
    from scipy import signal

    rng = np.random.default_rng(0)
    low = signal.lfilter(*signal.butter(8, 1900, fs=16000), rng.standard_normal(64000))
    x = torch.tensor(0.1 * low / low.std(), dtype=torch.float32)
    with torch.no_grad():
        y = _constant_correction(fill)(x[None])[0].numpy()
    added = y - x.numpy()
    assert np.sqrt(np.mean(added**2)) > 1e-3  # the correction does fill the band
    f, p = signal.welch(added, 16000, nperseg=4096)
    on = p[np.isin(np.round(f, 3), np.arange(2125, 7900, 125))].mean()  # multiples of 125 Hz
    off = p[(f > 2100) & (f < 7900) & (np.abs((f + 62.5) % 125 - 62.5) > 20)].mean()
    comb_db = 10 * np.log10(on / off)
    if fill == "free":
        assert comb_db > 20  # the buzz the tied fills remove
    else:
        assert abs(comb_db) < 3


def test_the_shifted_phase_comes_from_below_the_band_in_steps_of_125_hz():
    for r in (2, 4, 6):
        first = first_missing_bin(r)
        src = shift_sources(r)
        k = torch.arange(first, FRAME_N_FFT // 2 + 1)
        assert len(src) == len(k) and bool(((k - src) % STEP_BINS == 0).all())
        assert int(src.min()) > 0 and int(src.max()) < SOURCE_TOP * first


def test_a_fill_leaves_the_low_band_and_refuses_unknown_names():
    x = torch.randn(1, 1, 8192)
    outs = {}
    for fill in FILLS:
        torch.manual_seed(0)
        model = build_model(
            ModelConfig(ratio=4, arch="framenet", blocks=1, width=1 / 16, fill=fill)
        )
        torch.nn.init.normal_(model.out.weight, std=0.05)
        with torch.no_grad():
            outs[fill] = torch.stft(
                model.eval()(x)[0],
                FRAME_N_FFT,
                FRAME_HOP,
                window=torch.hann_window(FRAME_N_FFT),
                return_complex=True,
            )
    low = slice(0, first_missing_bin(4) - 2)
    for fill in ("shift", "rectify", "powers"):
        changed = (outs[fill] - outs["free"]).abs().pow(2)
        assert changed.sum() > 1.0  # the band above differs ...
        assert changed[:, low].sum() < 1e-3 * changed.sum()  # ... the low band only by leakage
    with pytest.raises(ValueError, match="fill"):
        ModelConfig(arch="framenet", fill="noise")


def test_the_powers_fill_starts_as_the_rectified_one_and_learns_its_mix():
    x = torch.randn(2, 1, 8192)
    torch.manual_seed(0)
    rect = build_model(
        ModelConfig(ratio=4, arch="framenet", blocks=1, width=1 / 16, fill="rectify")
    )
    torch.nn.init.normal_(rect.out.weight, std=0.05)
    powers = build_model(
        ModelConfig(ratio=4, arch="framenet", blocks=1, width=1 / 16, fill="powers")
    )
    missing, unexpected = powers.load_state_dict(rect.state_dict(), strict=False)
    assert missing == ["carrier_mix"] and not unexpected
    assert torch.allclose(powers(x), rect(x), atol=1e-5)  # a branch goes on where it was
    target = torch.randn_like(x)
    (powers(x) - target).pow(2).mean().backward()
    assert powers.carrier_mix.grad.abs().sum() > 0  # the mix trains with the network
    with torch.no_grad():  # the mix chooses a phase; the level stays the network's
        powers.carrier_mix.normal_()
        y = powers(x)
        powers.carrier_mix.mul_(7.0)
        assert torch.allclose(powers(x), y, atol=1e-5)


@pytest.mark.parametrize("fill", FILLS)
def test_the_fill_gain_scales_the_band_above_and_nothing_else(fill):
    x = torch.randn(1, 1, 8192)
    outs = {}
    for gain in (0.0, 0.5, 1.0):
        torch.manual_seed(0)
        cfg = ModelConfig(
            ratio=4, arch="framenet", blocks=1, width=1 / 16, fill=fill, fill_gain=gain
        )
        model = build_model(cfg)
        torch.nn.init.normal_(model.out.weight, std=0.05)
        with torch.no_grad():
            outs[gain] = model.eval()(x)[0, 0]
    fill_of = outs[1.0] - outs[0.0]
    assert fill_of.pow(2).mean() > 1e-4
    assert torch.allclose(outs[0.5] - outs[0.0], 0.5 * fill_of, atol=1e-5)  # linear in the gain
    spec = torch.fft.rfft(outs[0.0] - x[0, 0])  # no fill: nothing added above the band's edge
    above = spec[len(spec) // 4 + 256 :].abs().pow(2).sum()
    assert above < 1e-3 * torch.fft.rfft(fill_of).abs().pow(2).sum()
    with pytest.raises(ValueError, match="fill_gain"):
        ModelConfig(arch="framenet", fill_gain=-1)


def test_a_fill_tied_from_below_the_edge_leaves_no_free_correction_there():
    """`tie_from` 0.8: between 0.8 of the low-res band and its edge the correction rides the
    rectified input's phase and the fill's level too, so with no fill nothing is added there,
    where at the edge's default the network's free correction is."""
    x = torch.randn(1, 1, 8192)
    outs = {}
    for tie, gain in ((1.0, 0.0), (0.8, 0.0), (0.8, 1.0)):
        torch.manual_seed(0)
        cfg = ModelConfig(
            ratio=4, arch="framenet", blocks=1, width=1 / 16, fill="rectify", fill_gain=gain,
            tie_from=tie,
        )  # fmt: skip
        model = build_model(cfg)
        torch.nn.init.normal_(model.out.weight, std=0.05)
        with torch.no_grad():
            outs[tie, gain] = model.eval()(x)[0, 0]
    freqs = torch.fft.rfftfreq(8192, 1 / 16000)
    stretch = (freqs > 1650) & (freqs < 1950)  # 0.8 of the 2 kHz band up to its edge

    def added(y):
        return torch.fft.rfft(y - x[0, 0])[stretch].abs().pow(2).sum()

    assert added(outs[0.8, 0.0]) < 1e-3 * added(outs[1.0, 0.0])  # free there at 1, tied at 0.8
    assert added(outs[0.8, 1.0]) > 10 * added(outs[0.8, 0.0])  # the fill reaches down to 0.8
    low = freqs < 1500  # below both: the same free correction (but a frame's leakage)
    a, b = torch.fft.rfft(outs[0.8, 0.0])[low], torch.fft.rfft(outs[1.0, 0.0])[low]
    assert (a - b).abs().pow(2).sum() < 1e-4 * b.abs().pow(2).sum()
    for bad in ({"tie_from": 0.3}, {"tie_from": 1.2}, {"tie_from": 0.8, "fill": "shift"}):
        with pytest.raises(ValueError, match="tie_from"):
            ModelConfig(arch="framenet", **{"fill": "rectify", **bad})
