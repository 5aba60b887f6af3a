"""AudioUNet: shapes for every B and r, the SubPixel shuffle, the ablations, the receptive field,
and that a small model can fit one patch (one optimizer step per variant, PWG-style)."""

import numpy as np
import pytest
import torch

from audiosr.networks.audiounet import AudioUNet, layer_table, receptive_field
from audiosr.networks.config import ModelConfig, count_parameters
from audiosr.networks.subpixel import subpixel1d


@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
@pytest.mark.parametrize("ratio", [2, 4, 6])
@pytest.mark.parametrize("variant", ["paper", "code2017", "code2019"])
def test_output_length_equals_input_length_for_any_length(blocks, ratio, variant):
    model = AudioUNet(ModelConfig(ratio=ratio, blocks=blocks, variant=variant, width=1 / 16)).eval()
    for length in (6000, 6000 - ratio, 997):
        x = torch.randn(2, 1, length)
        assert model(x).shape == x.shape
    assert model(torch.randn(3, 600)).shape == (3, 600)


def test_paper_filters_and_kernels():
    cfg = ModelConfig()
    assert cfg.filters() == [128, 256, 512, 512] and cfg.kernels() == [65, 33, 17, 9]
    code = ModelConfig(variant="code2019")
    assert code.filters() == [128, 384, 512, 512] and code.kernels() == [65, 33, 17, 9]
    code2017 = ModelConfig(variant="code2017")
    assert code2017.filters() == [128, 256, 512, 512] and code2017.kernels() == [65, 33, 17, 9]
    with pytest.raises(ValueError, match="code2017.*code2019"):  # which version: say it
        ModelConfig(variant="code")
    assert ModelConfig(width=0.25).filters() == [32, 64, 128, 128]
    with pytest.raises(ValueError, match="code2017"):
        ModelConfig(variant="tf")


@pytest.mark.slow
def test_full_models_parameter_counts():
    """The paper's model 56.4 M; the original code at its head 71.0 M, in 2017 (256 filters in
    block 2, biases instead of batch norm) 56.4 M as well."""
    count = lambda v: round(count_parameters(AudioUNet(ModelConfig(variant=v))) / 1e6, 1)
    assert (count("paper"), count("code2017"), count("code2019")) == (56.4, 56.4, 71.0)


def test_subpixel_moves_channels_into_time():
    x = torch.arange(2 * 4 * 3).reshape(2, 4, 3)
    y = subpixel1d(x)
    assert y.shape == (2, 2, 6)
    # out[n, c, t*2 + i] = x[n, c*2 + i, t]
    for c in range(2):
        for t in range(3):
            for i in range(2):
                assert y[1, c, t * 2 + i] == x[1, c * 2 + i, t]


def test_residual_ablation_and_identity_at_zero_weights():
    cfg = ModelConfig(width=1 / 16, blocks=2)
    model = AudioUNet(cfg).eval()
    torch.nn.init.zeros_(model.last.weight)
    torch.nn.init.zeros_(model.last.bias)
    x = torch.randn(1, 1, 512)
    torch.testing.assert_close(model(x), x)  # only the residual path is left: output = input
    no_res = AudioUNet(ModelConfig(width=1 / 16, blocks=2, residual=False)).eval()
    no_res.load_state_dict(model.state_dict())
    assert torch.count_nonzero(no_res(x)) == 0


def test_paper_variant_starts_as_the_spline():
    x = torch.randn(2, 1, 640)
    torch.testing.assert_close(AudioUNet(ModelConfig(width=1 / 16)).eval()(x), x, rtol=0, atol=0)
    assert not torch.equal(AudioUNet(ModelConfig(width=1 / 16, variant="code2019")).eval()(x), x)


def test_no_skip_ablation_keeps_the_filter_counts():
    full, noskip = (
        AudioUNet(ModelConfig(width=0.25)),
        AudioUNet(ModelConfig(width=0.25, skips=False)),
    )
    assert [b[0].out_channels for b in full.up] == [b[0].out_channels for b in noskip.up]
    assert count_parameters(noskip) < count_parameters(full)  # fewer inputs to each up conv
    assert noskip(torch.randn(1, 1, 640)).shape == (1, 1, 640)


@pytest.mark.parametrize("upsample", ["subpixel", "resize"])
@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
def test_receptive_field_formula_matches_gradients(blocks, upsample):
    cfg = ModelConfig(blocks=blocks, width=1 / 32, upsample=upsample)
    torch.manual_seed(blocks)
    model = AudioUNet(cfg).double().eval()
    model.last.reset_parameters()  # the paper variant starts at zero: PyTorch's default init to trace gradients
    L = 8192
    x = torch.randn(1, 1, L, dtype=torch.float64, requires_grad=True)
    model(x)[0, 0, L // 2].backward()
    g = x.grad[0, 0].abs()
    g[L // 2] -= 1  # the residual's own contribution
    nz = torch.nonzero(g > 1e-13).flatten()
    span = int(nz.max() - nz.min() + 1)
    assert abs(span - receptive_field(cfg)) <= 2**blocks


def _constant_response(upsample: str) -> torch.Tensor:
    """The model's residual (output - input) for silence, with random biases and weights."""
    torch.manual_seed(0)
    model = AudioUNet(ModelConfig(width=1 / 16, upsample=upsample))
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            torch.nn.init.normal_(m.bias, std=0.5)
    torch.nn.init.normal_(model.last.weight, std=0.05)
    torch.nn.init.normal_(model.last.bias, std=0.05)
    with torch.no_grad():
        return model.eval()(torch.zeros(1, 1, 4096))[0, 0, 512:-512]


def test_subpixel_biases_make_a_periodic_pattern_and_resize_does_not():
    """Why the paper's model adds lines at multiples of 16000 / 2^(B+1) Hz: a constant input
    (here silence) becomes a pattern repeating every 2^(B+1) = 32 samples after the SubPixel
    shuffles; through resize-convolution it stays constant."""
    sub, res = _constant_response("subpixel"), _constant_response("resize")
    assert sub.std() > 1e-3
    assert torch.allclose(sub[32:], sub[:-32], atol=1e-4)  # period 32 samples: 500 Hz at 16 kHz
    assert res.std() < 1e-6 * max(1.0, res.abs().max().item())


def test_resize_model_starts_as_the_identity_and_keeps_lengths():
    model = AudioUNet(ModelConfig(width=1 / 16, upsample="resize")).eval()
    x = torch.randn(2, 1, 1000)
    assert torch.equal(model(x), x)
    assert layer_table(model, 6000)[-1]["output (channels x samples)"] == "1 x 6016"


def test_unknown_upsample_is_refused():
    with pytest.raises(ValueError, match="upsample"):
        ModelConfig(upsample="pixelshuffle")


def test_layer_table_lists_every_block():
    rows = layer_table(AudioUNet(ModelConfig(width=1 / 8)), 6000)
    assert [r["layer"] for r in rows][:2] == ["down 1", "down 2"] and rows[-1][
        "layer"
    ] == "last conv"
    assert rows[0]["output (channels x samples)"] == "16 x 3008"  # 6000 padded to 6016, halved
    assert sum(r["parameters"] for r in rows) == count_parameters(
        AudioUNet(ModelConfig(width=1 / 8))
    )


@pytest.mark.parametrize("variant", ["paper", "code2019", "resize"])
def test_small_model_overfits_one_patch(variant):
    """The model must learn the missing high partial: far below the spline's own error."""
    torch.manual_seed(0)
    t = torch.arange(2048) / 16000
    hr = (torch.sin(2 * np.pi * 300 * t) + 0.3 * torch.sin(2 * np.pi * 5000 * t)).reshape(1, 1, -1)
    spline = torch.sin(2 * np.pi * 300 * t).reshape(1, 1, -1)  # the high partial is missing
    baseline = torch.nn.functional.mse_loss(spline, hr).item()
    cfg = (
        ModelConfig(width=1 / 8, blocks=2, upsample="resize")
        if variant == "resize"
        else ModelConfig(width=1 / 8, blocks=2, variant=variant)
    )
    model = AudioUNet(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3 if variant == "code2019" else 3e-3)
    for _ in range(200):
        loss = torch.nn.functional.mse_loss(model(spline), hr)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        fitted = torch.nn.functional.mse_loss(model.eval()(spline), hr).item()
    assert fitted < baseline / 10


def test_untrained_code_variant_starts_near_the_spline():
    """The original code draws the last convolution from N(0, 1e-3), after the orthogonal init of
    the others: the untrained network returns (almost) its input, as the paper variant does."""
    torch.manual_seed(0)
    model = AudioUNet(ModelConfig(variant="code2017", width=1 / 8)).eval()
    assert model.last.weight.std().item() == pytest.approx(1e-3, rel=0.2)
    x = torch.randn(2, 1, 4096)
    with torch.no_grad():
        assert ((model(x) - x).norm() / x.norm()).item() < 0.05


def test_a_checkpoint_that_says_variant_code_loads_as_the_codes_2019_network(tmp_path):
    """Files made when "code" named the original code's head (and its objective) still load."""
    from audiosr.networks.checkpoint import load_checkpoint, load_model_file, save_checkpoint
    from audiosr.training.config import TrainConfig

    cfg = ModelConfig(width=1 / 16, blocks=2, variant="code2019")
    net = AudioUNet(cfg)
    save_checkpoint(tmp_path / "new.pt", net, None, 1, [], cfg, TrainConfig(), {"cache": "c"})
    state = load_checkpoint(tmp_path / "new.pt")
    state["model_config"]["variant"] = "code"
    torch.save(state, tmp_path / "old.pt")
    old = load_model_file(tmp_path / "old.pt")
    assert old.config.variant == "code2019"
    x = torch.randn(1, 1, 256)
    assert torch.equal(old(x), net.eval()(x))
