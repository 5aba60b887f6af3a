# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Model: AudioUNet, block by block
#
# This notebook shows the network of the paper (§3, Figure 1), drawn from the model that the
# parameters below build and then read from the package's own code: B **downsampling blocks**
# that halve the time resolution while widening the channels, a **bottleneck**, B
# **upsampling blocks** that undo it with a **SubPixel** shuffle, **stacked skip connections**
# between matching blocks, and an **additive residual**: the network only predicts
# `HR - spline`. Then the shapes and parameter counts layer by layer, the shuffle on a toy
# tensor, the receptive field, and that any input length comes back unchanged. It ends on what
# this model costs beside the paper's. It needs no data and writes nothing but
# `results/02_model.json`.

# %% tags=["parameters"]
ratio = 4            # upsampling ratio (recorded in the model; the architecture is the same)
blocks = 4           # B, downsampling / upsampling blocks (paper: 4)
variant = "paper"    # paper (batch norm + ReLU), or the original code: code2017 or code2019
width = 1.0          # multiplier on every filter count (1.0: the model of the paper)
upsample = "subpixel"  # subpixel (the paper) or resize (nearest x2 + conv: no added tones)
patch_len = 6000     # input length for the shape table (paper: 6000)

# %%
import torch

from audiosr.core import literate, paths
from audiosr.listening import diagram
from audiosr.networks import audiounet, subpixel
from audiosr.networks.config import ModelConfig, count_parameters, describe
from audiosr.training.params import configs_from

# %% [markdown]
# ## 1. Figure 1, drawn from the model
#
# The parameters above, as one config, and the network it builds:

# %%
cfg = configs_from(globals()).model
model = audiounet.AudioUNet(cfg)
assert len(model.down) == len(model.up) == blocks and cfg.width == width
describe(cfg)

# %% [markdown]
# `diagram.figure1` reads every filter count, kernel and activation from the modules and every
# shape (channels × samples) from a forward pass on one `patch_len`-sample input: change `blocks`
# or `width` above and the figure changes with the model. Data flows down the left column, along
# the bottom and up the right one; green arrows are the skip connections, red the residual.

# %%
fig = diagram.figure1(model, patch_len)
names = {t.get_gid() for t in fig.axes[0].texts}  # the blocks it drew
assert {f"down {b}" for b in range(1, blocks + 1)} <= names and "bottleneck" in names
fig

# %% [markdown]
# ## 2. The downsampling blocks
#
# Paper: downsampling block b = 1..B has `min(2^(6+b), 512)` filters of length
# `max(2^(7-b)+1, 9)` (the paper prints max and min the other way round, a typo: the original
# code's lists are filters 128, 256, 512, 512 and kernels 65, 33, 17, 9). `width` scales every
# filter count:

# %%
literate.source(ModelConfig, start="def filters", stop="return [max(2 ** (7 - b)")

# %% [markdown]
# The filters double from 128 until they reach 512 while the kernels halve from 65 to 9: each
# block sees its input at half the previous rate, so a shorter kernel still spans as much
# time, and the deeper, coarser features get more channels to describe it. The original code
# uses fixed lists instead (`code2017`: 256 filters in block 2, as here; `code2019`: 384).

# %%
paper = ModelConfig(blocks=4)
assert paper.filters() == [128, 256, 512, 512] and paper.kernels() == [65, 33, 17, 9]
print("this model: filters", cfg.filters(), "kernels", cfg.kernels())

# %% [markdown]
# Every convolution of the network is one `Block`: the convolution, then (paper) batch norm,
# then the nonlinearity.

# %%
literate.source(audiounet.Block)

# %% [markdown]
# The padding `kernel // 2` keeps the length ("same"), so stride 2 halves it exactly. The
# paper's variant normalises each channel with batch norm (the convolution then needs no bias)
# and applies a ReLU; the original code has no batch norm, a LeakyReLU(0.2) in the down
# blocks and the bottleneck, and dropout 0.5 in the bottleneck and the up blocks.
#
# `AudioUNet.__init__` stacks B such blocks with stride 2, and then the **bottleneck**: one more
# stride-2 block with the last block's filters and kernel. The length is halved B + 1 times,
# which is why inputs are padded to a multiple of 2^(B+1).

# %%
literate.source(audiounet.AudioUNet, start="self.down = nn.ModuleList()", stop="c = filters[-1]")

# %% [markdown]
# ## 3. The upsampling blocks and the SubPixel shuffle
#
# Upsampling block b mirrors downsampling block b: the same kernel, stride 1, and *twice* its
# filters, because the shuffle that follows turns 2F channels at length L into F channels at
# length 2L. The skip connection then **stacks** block b's own F channels on top, so the next
# block receives 2F channels (the paper's "stacked" skips; without them, F).

# %%
literate.source(audiounet.AudioUNet, start="self.up = nn.ModuleList()", stop="c = 2 * f if cfg.skips")

# %% [markdown]
# The SubPixel shuffle (Shi et al. 2016) in one dimension: no weights, only a reshape. Channel
# pair (2c, 2c + 1) becomes the even and odd samples of output channel c.

# %%
literate.source(subpixel.subpixel1d)

# %% [markdown]
# On a toy tensor: 4 channels of 2 steps in, 2 channels of 4 steps out. The convolution before
# it learns each of the new time steps, instead of interpolating between the old ones.

# %%
toy = torch.arange(8).reshape(1, 4, 2)
shuffled = subpixel.subpixel1d(toy)
print("in  (1 x 4 channels x 2 steps):", toy.tolist())
print("out (1 x 2 channels x 4 steps):", shuffled.tolist())
assert shuffled[0, 0].tolist() == [0, 2, 1, 3] and shuffled[0, 1].tolist() == [4, 6, 5, 7]

# %% [markdown]
# ## 4. `forward`: skips and the additive residual
#
# AudioUNet runs the U-Net pass of its base class, `UNet1d`, which TFiLM (the original code's
# later model) shares: TFiLM only adds its layer after each up block (`up_step`).

# %%
literate.source(audiounet.UNet1d, start="def forward", stop="return layer(F.interpolate")

# %% [markdown]
# The input (the cubic spline of the low-res signal, at the high-res rate) is padded at the end
# to a multiple of 2^(B+1). The down blocks keep their outputs in `skips`; the up blocks take
# them back in reverse order, so block b always meets block b's features at the same length.
# The last convolution (kernel 9) gives 2 channels that one more shuffle makes 1 channel at the
# full length, and the **additive residual** adds the input back: the network only has to
# predict the missing detail `HR - spline`. The output is cropped to the input's length. The
# last convolution starts at zero, so the untrained model returns the spline exactly:

# %%
literate.source(audiounet.AudioUNet, start="self.last = nn.Conv1d", stop="nn.init.zeros_(self.last.bias)")

# %% [markdown]
# ## 5. The blocks and their shapes, layer by layer

# %%
rows = audiounet.layer_table(model, patch_len)
total = count_parameters(model)
assert sum(r["parameters"] for r in rows) == total
caption = f"{total / 1e6:.2f} M parameters; input lengths padded to a multiple of {cfg.multiple}"
literate.table(rows, caption)

# %% [markdown]
# The paper's model (width 1.0, B = 4) has 56.4 M parameters. The original code as first
# published (`variant="code2017"`) has the same filters (and biases instead of batch norm),
# 56.4 M; its head since 2019 (`code2019`) has 384 filters in block 2, 71.0 M.

# %% [markdown]
# ## 6. Receptive field
#
# One output sample depends on `receptive_field` input samples: each convolution adds
# (kernel - 1) times the spacing of the samples it sees, and the spacing doubles at every level.

# %%
rf = audiounet.receptive_field(cfg)
print(f"receptive field: {rf} samples = {rf / 16:.0f} ms at 16 kHz")
assert rf > 9

# %% [markdown]
# At B = 4 that is about 90 ms: several pitch periods of speech, but far less than a
# 6000-sample training patch, so patches are mostly "interior" and long files can be processed
# in chunks that overlap by the receptive field.

# %% [markdown]
# ## 7. Any length in, the same length out

# %%
model.eval()
with torch.no_grad():
    for n in (patch_len, patch_len - ratio, 1001):
        x = torch.randn(1, 1, n)
        assert model(x).shape == x.shape
print("output length == input length for", [patch_len, patch_len - ratio, 1001])

# %% [markdown]
# ## What this model costs

# %%
PAPER_PARAMS = 56.4e6  # the paper's §3 filters at width 1.0, B = 4
other_width = 1 / 16 if width >= 1 else 1.0  # the model this one is compared with
other = count_parameters(audiounet.AudioUNet(configs_from({**globals(), "width": other_width}).model))
literate.finding(
    f"This model ({variant}, B = {blocks}, width {width:g}) has {total / 1e6:.2f} M parameters, "
    f"{total / PAPER_PARAMS:.2%} of the 56.4 M of the paper's width 1.0 and B = 4. One output "
    f"sample sees {rf} input samples ({rf / 16:.0f} ms at 16 kHz), {rf / 6000:.0%} of a "
    f"6000-sample patch, whatever the width. Width {other_width:g} has {other / 1e6:.2f} M "
    f"parameters, {other / total:.3g}x this model's: a convolution's weights grow with its "
    "input times its output channels, so the width counts squared."
)

# %%
summary = {**describe(cfg), "parameters": total, "receptive_field": rf}
written = paths.write_json(paths.RESULTS / "02_model.json", {**summary, f"parameters_width_{other_width:g}": other})
print(f"02_model wrote {written}")
