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
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Model: AudioUNet, block by block
#
# This notebook shows the network of the paper's Figure 1: a 1-D U-Net whose B downsampling
# blocks halve the time resolution while widening the channels, whose upsampling blocks undo it
# with a **SubPixel** shuffle, with skip connections between matching blocks and an **additive
# residual**: the network only predicts `HR - spline`. It needs no data and writes nothing
# but `results/02_model.json`.

# %% tags=["parameters"]
ratio = 4            # upsampling ratio (recorded in the model; the architecture is the same)
blocks = 4           # B, downsampling / upsampling blocks (paper: 4)
variant = "paper"    # paper (batch norm + ReLU), or the original code: code2017 or code2019
width = 1.0          # multiplier on every filter count (1.0: the model of the paper)
upsample = "subpixel"  # subpixel (the paper) or resize (nearest x2 + conv: no added tones)
patch_len = 6000     # input length for the shape table (paper: 6000)

# %%
import torch
from IPython.display import Markdown, display

from audiosr.core.paths import RESULTS, write_json
from audiosr.core.tables import markdown_table
from audiosr.networks.audiounet import (
    AudioUNet,
    count_parameters,
    describe,
    layer_table,
    receptive_field,
)
from audiosr.networks.subpixel import subpixel1d
from audiosr.training.params import configs_from

cfg = configs_from(globals()).model  # the model parameters above, as one config
model = AudioUNet(cfg)
describe(cfg)

# %% [markdown]
# ## 1. The blocks and their shapes
#
# Paper: downsampling block b has `min(2^(6+b), 512)` filters of length `max(2^(7-b)+1, 9)`
# (the paper prints max/min swapped; the code's kernel list is 65, 33, 17, 9). Each upsampling
# block convolves to twice its block's filters, and the shuffle turns those into twice the length.

# %%
rows = layer_table(model, patch_len)
display(Markdown(markdown_table(rows)))
total = count_parameters(model)
assert sum(r["parameters"] for r in rows) == total
print(f"{total / 1e6:.2f} M parameters; input lengths are padded to a multiple of {cfg.multiple}")

# %% [markdown]
# The paper's model (width 1.0, B = 4) has 56.4 M parameters. The original code as first
# published (`variant="code2017"`) has the same filters (and biases instead of batch norm),
# 56.4 M; its head since 2019 (`code2019`) has 384 filters in block 2, 71.0 M.

# %% [markdown]
# ## 2. The SubPixel shuffle on a toy tensor
#
# An upsampling convolution outputs 2F channels at length L; the shuffle interleaves channel
# pairs into F channels at length 2L, so new time steps are learned, not interpolated.

# %%
toy = torch.arange(8).reshape(1, 4, 2)
shuffled = subpixel1d(toy)
print("in  (1 x 4 channels x 2 steps):", toy.tolist())
print("out (1 x 2 channels x 4 steps):", shuffled.tolist())
assert shuffled[0, 0].tolist() == [0, 2, 1, 3] and shuffled[0, 1].tolist() == [4, 6, 5, 7]

# %% [markdown]
# ## 3. Receptive field
#
# One output sample depends on `receptive_field` input samples: each convolution adds
# (kernel - 1) times the spacing of the samples it sees, and the spacing doubles at every level.

# %%
rf = receptive_field(cfg)
print(f"receptive field: {rf} samples = {rf / 16:.0f} ms at 16 kHz")
assert rf > 9

# %% [markdown]
# At B = 4 that is about 90 ms: several pitch periods of speech, but far less than a
# 6000-sample training patch, so patches are mostly "interior" and long files can be processed
# in chunks that overlap by the receptive field.

# %% [markdown]
# ## 4. Any length in, the same length out

# %%
model.eval()
with torch.no_grad():
    for n in (patch_len, patch_len - ratio, 1001):
        x = torch.randn(1, 1, n)
        assert model(x).shape == x.shape
print("output length == input length for", [patch_len, patch_len - ratio, 1001])

# %% [markdown]
# ## Summary
#
# In this notebook we have built the paper's AudioUNet, listed its blocks with their shapes
# and parameter counts, seen the SubPixel shuffle trade channels for time, and measured the
# receptive field. `03_train` trains it.

# %%
written = write_json(RESULTS / "02_model.json", {**describe(cfg), "parameters": total, "receptive_field": rf})
print(f"02_model wrote {written}")
