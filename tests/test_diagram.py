"""Figure 1 is drawn from the model: its texts name the filters and lengths the model has, the
skips and the residual appear only where the model has them, and no figure stays open."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from audiosr.listening.diagram import figure1  # noqa: E402
from audiosr.networks.audiounet import AudioUNet  # noqa: E402
from audiosr.networks.config import ModelConfig


def texts(fig) -> dict[str, str]:
    """Each block's text (its lines joined), by the name the figure gives it."""
    found = {}
    for t in fig.findobj(Text):
        if t.get_gid():
            found[t.get_gid()] = (found.get(t.get_gid(), "") + "\n" + t.get_text()).strip()
    return found


def with_gid(fig, prefix: str) -> list:
    return [a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)]


@pytest.mark.parametrize("blocks, width", [(2, 1 / 16), (3, 1 / 32), (4, 1 / 64)])
def test_the_figure_names_each_blocks_filters_and_lengths(blocks, width):
    model = AudioUNet(ModelConfig(blocks=blocks, width=width))
    length = 1000
    padded = -(-length // 2 ** (blocks + 1)) * 2 ** (blocks + 1)  # 1024 for B = 4
    found = texts(figure1(model, length))
    for b in range(1, blocks + 1):
        f, n = model.down[b - 1][0].out_channels, padded // 2**b
        assert (
            f"down {b} · {f} filters, kernel {model.down[b - 1][0].kernel_size[0]}"
            in found[f"down {b}"]
        )
        assert f"→ {f} × {n}" in found[f"down {b}"]
        up = model.up[blocks - b][0].out_channels  # 2F, at half the length, shuffled to F x 2n'
        assert up == 2 * f
        assert f"up {b} · {up} filters" in found[f"up {b}"]
        assert f"SubPixel: {up} × {n // 2} → {f} × {n}" in found[f"up {b}"]
        assert f"concatenate the skip → {2 * f} × {n}" in found[f"up {b}"]
        assert found[f"skip {b}"] == f"skip {f} × {n}"
    f = model.bottleneck[0].out_channels
    assert f"→ {f} × {padded // 2 ** (blocks + 1)}" in found["bottleneck"]
    assert f"SubPixel: 2 × {padded // 2} → 1 × {padded}" in found["last"]
    assert f"1 × {length}" in found["input"] and f"1 × {padded}" in found["input"]
    assert f"1 × {length}" in found["output"]
    assert f"1 × {padded}" in found["residual"]


def test_another_width_draws_other_numbers():
    narrow = texts(figure1(AudioUNet(ModelConfig(blocks=2, width=1 / 16)), 600))
    wide = texts(figure1(AudioUNet(ModelConfig(blocks=2, width=1 / 8)), 600))
    assert "down 1 · 8 filters" in narrow["down 1"] and "down 1 · 16 filters" in wide["down 1"]
    assert "down 3" not in narrow and "up 3" not in narrow


def test_skips_are_drawn_only_where_the_model_has_them():
    with_skips = figure1(AudioUNet(ModelConfig(blocks=3, width=1 / 32)), 800)
    without = figure1(AudioUNet(ModelConfig(blocks=3, width=1 / 32, skips=False)), 800)
    assert len([a for a in with_gid(with_skips, "skip") if not isinstance(a, Text)]) == 3
    assert with_gid(without, "skip") == []
    assert not any("skip" in t for t in texts(without).values())
    assert "concatenate" not in texts(without)["up 1"]


def test_the_residual_is_drawn_only_where_the_model_has_one():
    assert with_gid(figure1(AudioUNet(ModelConfig(blocks=2, width=1 / 32)), 800), "residual")
    without = figure1(AudioUNet(ModelConfig(blocks=2, width=1 / 32, residual=False)), 800)
    assert with_gid(without, "residual") == []
    assert not any("residual" in t for t in texts(without).values())


def test_the_code_variant_and_resize_upsampling_are_drawn_as_built():
    cfg = ModelConfig(blocks=2, width=1 / 16, variant="code2017", upsample="resize")
    found = texts(figure1(AudioUNet(cfg), 800))
    assert "LeakyReLU 0.2" in found["down 1"] and "batch norm" not in found["down 1"]
    assert "dropout 0.5" in found["bottleneck"]
    assert "SubPixel" not in found["up 1"] and "nearest ×2: 32 × 200 → 32 × 400" in found["up 1"]


def test_no_figure_is_left_open():
    plt.close("all")
    fig = figure1(AudioUNet(ModelConfig(blocks=2, width=1 / 32)), 600)
    assert plt.get_fignums() == []
    assert 10 <= fig.get_size_inches()[0] <= 11  # JupyterLab's width


def test_only_an_audiounet_is_drawn():
    with pytest.raises(TypeError, match="AudioUNet"):
        figure1(object(), 600)
