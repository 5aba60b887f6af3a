"""The paper's Figure 1, drawn from a model: AudioUNet's blocks with the shapes one input takes.

Nothing in the drawing is typed in: filter counts, kernels and activations are read from the
model's modules, lengths and channels from a forward pass on `length` samples, and the skip
arrows and the additive residual appear only where the model has them. A model of another width
or number of blocks draws differently; an ablation (no skips, no residual) draws without them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from torch import nn

from audiosr.listening.plots import drawn_once
from audiosr.networks.audiounet import AudioUNet

# Colours: down path, bottleneck, up path, SubPixel, skips, residual.
DOWN, BOTTOM, UP, SHUFFLE, SKIP, RESIDUAL = (
    "#dbe9f6",
    "#e4dcef",
    "#fde5cf",
    "#fff3b0",
    "#2e8b57",
    "#c0392b",
)
WIDTH_IN = 10.5  # JupyterLab's width
BOX_W, BOX_H, ROW, LINE = 4.0, 0.8, 1.08, 0.175  # inches
LEFT_X, RIGHT_X = 0.3 + BOX_W / 2, WIDTH_IN - 0.3 - BOX_W / 2  # the two columns' centres


@dataclass
class Stage:
    """One drawn block: its conv's settings and the shapes (channels, samples) around it."""

    name: str
    filters: int
    kernel: int
    stride: int
    act: str
    shape_in: tuple[int, int]
    shape_out: tuple[int, int]


def _activation(module: nn.Module) -> str:
    """What follows a block's convolution, read from its layers: 'batch norm + ReLU'."""
    names = []
    for layer in module.children() if isinstance(module, nn.Sequential) else []:
        if isinstance(layer, nn.BatchNorm1d):
            names.append("batch norm")
        elif isinstance(layer, nn.Dropout):
            names.append(f"dropout {layer.p:g}")
        elif isinstance(layer, nn.LeakyReLU):
            names.append(f"LeakyReLU {layer.negative_slope:g}")
        elif isinstance(layer, nn.ReLU):
            names.append("ReLU")
    return " + ".join(names) or "no activation"


def stages(model: AudioUNet, length: int = 6000) -> list[Stage]:
    """Every convolution of `model` (down blocks, bottleneck, up blocks, last) in the order a
    forward pass on one input of `length` samples runs them, with the shapes it saw."""
    named = (
        [(f"down {i + 1}", m) for i, m in enumerate(model.down)]
        + [("bottleneck", model.bottleneck)]
        + [(f"up {len(model.up) - i}", m) for i, m in enumerate(model.up)]
        + [("last", model.last)]
    )
    found, hooks = [], []
    for name, m in named:
        conv = m if isinstance(m, nn.Conv1d) else m[0]

        def hook(mod, inp, out, name=name, m=m, conv=conv):
            found.append(
                Stage(
                    name,
                    conv.out_channels,
                    conv.kernel_size[0],
                    conv.stride[0],
                    _activation(m),
                    tuple(inp[0].shape[1:]),
                    tuple(out.shape[1:]),
                )
            )

        hooks.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, 1, length))
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    return found


def _conv(stage: Stage) -> str:
    plural = "s" if stage.filters != 1 else ""
    return f"{stage.filters} filter{plural}, kernel {stage.kernel}, stride {stage.stride}"


def _width(w: float) -> str:
    """1, 0.5, 1/16: a width as a reader would write it."""
    f = Fraction(w).limit_denominator(64)
    return f"{w:g}" if f.denominator in (1, 2, 4) or abs(float(f) - w) > 1e-9 else str(f)


def _shape(s: tuple[int, int]) -> str:
    return f"{s[0]} × {s[1]}"


def _box(ax, x, y, lines, color, gid, w=BOX_W, h=BOX_H):
    """A rounded box at centre (x, y), one text per line, each with the gid that names the block;
    a line given as (text, colour) is set on a band of that colour (the SubPixel step)."""
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            fc=color,
            ec="0.35",
            lw=0.8,
        )
    )
    step = min(LINE, (h - 0.1) / len(lines))
    for i, line in enumerate(lines):
        text, band = line if isinstance(line, tuple) else (line, None)
        box = dict(boxstyle="round,pad=0.12", fc=band, ec="none") if band else None
        y_line = y + (len(lines) - 1) / 2 * step - i * step
        ax.text(x, y_line, text, ha="center", va="center", fontsize=9, gid=gid, bbox=box)


def _arrow(ax, a, b, color="0.25", style="-|>", connection="arc3", lw=1.2, ls="-", gid=None):
    ax.add_patch(
        FancyArrowPatch(
            a,
            b,
            arrowstyle=style,
            mutation_scale=12,
            color=color,
            lw=lw,
            ls=ls,
            connectionstyle=connection,
            shrinkA=0,
            shrinkB=0,
            gid=gid,
        )
    )


def _up_lines(stage: Stage, before: tuple[int, int], subpixel: bool) -> list:
    """An upsampling step's lines: the conv and the shuffle (or nearest x2 then the conv)."""
    conv = _conv(stage)
    if subpixel:
        c, n = stage.shape_out
        return [
            f"{stage.name} · {conv}",
            f"{stage.act} → {_shape(stage.shape_out)}",
            (f"SubPixel: {_shape(stage.shape_out)} → {_shape((c // 2, 2 * n))}", SHUFFLE),
        ]
    return [
        (f"{stage.name} · nearest ×2: {_shape(before)} → {_shape(stage.shape_in)}", SHUFFLE),
        f"{conv}",
        f"{stage.act} → {_shape(stage.shape_out)}",
    ]


@drawn_once
def figure1(model: AudioUNet, length: int = 6000):
    """The paper's Figure 1 for `model`: input, down blocks, bottleneck, up blocks with their
    SubPixel shuffles, last convolution, output; skip arrows between matching blocks and the
    additive residual where the model has them. Shapes are channels × samples for one input of
    `length` samples (the model pads it to a multiple of 2^(B+1) and crops the output back)."""
    if not isinstance(model, AudioUNet):
        raise TypeError(f"figure1 draws an AudioUNet, not {type(model).__name__}.")
    cfg, run = model.config, stages(model, length)
    blocks = len(model.down)
    down, bottleneck, up, last = run[:blocks], run[blocks], run[blocks + 1 : -1], run[-1]
    padded = down[0].shape_in[1]
    subpixel = cfg.upsample == "subpixel"

    top_gap = 1.45 if cfg.residual else 1.1  # room for the residual's sum between last and output
    height = 0.45 + top_gap + ROW * (blocks + 1) + BOX_H / 2 + 0.25
    fig = plt.figure(figsize=(WIDTH_IN, height))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set(xlim=(0, WIDTH_IN), ylim=(0, height))
    ax.axis("off")
    y_out = height - 0.45
    row = [y_out - top_gap - ROW * r for r in range(blocks + 2)]  # 0: input / last, b: block b

    ax.text(
        0.3,
        y_out + 0.1,
        f"AudioUNet, B = {blocks}, width {_width(cfg.width)}, {cfg.variant} variant\n"
        f"one input of {length} samples; shapes: channels × samples",
        ha="left",
        va="center",
        fontsize=10,
        gid="title",
    )
    pad_note = (
        f"padded at the end to {_shape((1, padded))} (a multiple of {cfg.multiple})"
        if padded != length
        else f"a multiple of {cfg.multiple}: no padding"
    )
    _box(ax, LEFT_X, row[0], [f"input · spline-upsampled low-res, 1 × {length}", pad_note],
         "white", "input")  # fmt: skip
    for b, s in enumerate(down, 1):
        lines = [
            f"{s.name} · {_conv(s)}",
            f"{s.act} → {_shape(s.shape_out)}",
        ]
        _box(ax, LEFT_X, row[b], lines, DOWN, s.name)
        _arrow(ax, (LEFT_X, row[b - 1] - BOX_H / 2), (LEFT_X, row[b] + BOX_H / 2))

    y_bottom = row[blocks] - ROW
    lines = [
        f"bottleneck · {_conv(bottleneck)}",
        f"{bottleneck.act} → {_shape(bottleneck.shape_out)}",
    ]
    _box(ax, WIDTH_IN / 2, y_bottom, lines, BOTTOM, "bottleneck", w=4.6)
    _arrow(ax, (LEFT_X, row[blocks] - BOX_H / 2), (WIDTH_IN / 2 - 2.3, y_bottom),
           connection="angle,angleA=-90,angleB=180,rad=0")  # fmt: skip
    _arrow(ax, (WIDTH_IN / 2 + 2.3, y_bottom), (RIGHT_X, row[blocks] - BOX_H / 2),
           connection="angle,angleA=0,angleB=-90,rad=0")  # fmt: skip

    before = bottleneck.shape_out
    for s, following, d in zip(up, [*up[1:], last], reversed(down)):
        # after the upsampling and the skip: the channels the next conv receives, twice the length
        nxt = (following.shape_in[0], 2 * s.shape_out[1] if subpixel else s.shape_out[1])
        b = int(s.name.split()[-1])
        lines = _up_lines(s, before, subpixel)
        if cfg.skips:
            lines.append(f"concatenate the skip → {_shape(nxt)}")
        _box(ax, RIGHT_X, row[b], lines, UP, s.name)
        if b > 1:
            _arrow(ax, (RIGHT_X, row[b] + BOX_H / 2), (RIGHT_X, row[b - 1] - BOX_H / 2))
        if cfg.skips:
            gap = (LEFT_X + BOX_W / 2, RIGHT_X - BOX_W / 2)
            _arrow(ax, (gap[0], row[b]), (gap[1], row[b]), color=SKIP, lw=1.6, gid=f"skip {b}")
            ax.text(sum(gap) / 2, row[b] + 0.08, f"skip {_shape(d.shape_out)}", ha="center",
                    va="bottom", fontsize=8, color=SKIP, gid=f"skip {b}")  # fmt: skip
        before = nxt

    lines = _up_lines(replace(last, name="last conv"), before, subpixel)
    _box(ax, RIGHT_X, row[0], lines, UP, "last")
    _arrow(ax, (RIGHT_X, row[1] + BOX_H / 2), (RIGHT_X, row[0] - BOX_H / 2))

    out_lines = [f"output · high-res estimate, cropped back to 1 × {length}"]
    _box(ax, RIGHT_X, y_out, out_lines, "white", "output", h=0.45)
    if cfg.residual:
        y_sum = (row[0] + BOX_H / 2 + y_out - 0.225) / 2
        ax.add_patch(Circle((RIGHT_X, y_sum), 0.15, fc="white", ec=RESIDUAL, lw=1.6,
                            gid="residual"))  # fmt: skip
        ax.text(RIGHT_X, y_sum, "+", ha="center", va="center", fontsize=13, color=RESIDUAL)
        _arrow(ax, (RIGHT_X, row[0] + BOX_H / 2), (RIGHT_X, y_sum - 0.15))
        _arrow(ax, (RIGHT_X, y_sum + 0.15), (RIGHT_X, y_out - 0.225))
        _arrow(ax, (LEFT_X, row[0] + BOX_H / 2), (RIGHT_X - 0.15, y_sum), color=RESIDUAL, lw=1.6,
               connection="angle,angleA=90,angleB=180,rad=0", gid="residual")  # fmt: skip
        ax.text(WIDTH_IN / 2, y_sum + 0.06, f"additive residual: + the padded input "
                f"{_shape((1, padded))}", ha="center", va="bottom", fontsize=8.5,
                color=RESIDUAL, gid="residual")  # fmt: skip
    else:
        _arrow(ax, (RIGHT_X, row[0] + BOX_H / 2), (RIGHT_X, y_out - 0.225))
    return fig
