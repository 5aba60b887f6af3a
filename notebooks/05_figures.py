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
# # 05 · Figures 2 and 3
#
# This notebook shows the paper's two figures, each followed by a sentence computed from its
# numbers that compares it with the paper:
#
# 1. **Figure 2**: spectrograms of one real recording (the shared VCTK sample; the dataset's
#    test split where that is absent) at r = 4: the original, the low-res input at its own rate
#    (so the missing band shows as empty space), the cubic spline, this notebook's model and the
#    shipped models, on one colour scale, each titled with its SNR and LSD on this clip.
# 2. **Figure 3**: the ablation. Validation loss over training of the full model, the model
#    without the additive residual, and the model without residual and skip connections (same
#    filter counts). The committed `make demo` runs, whose per-epoch scores are kept in
#    `figures/figure3-ablation-history.csv`, are drawn beside this notebook's own runs.
#
# Its data and its runs' training are `01_data`'s and `03_train`'s, at the same tiny defaults
# (`params.NOTEBOOK_DEFAULTS`); `options` or a params file changes any of them. At its defaults
# the notebook trains tiny smoke runs (1 epoch of 3 steps) and writes its figures, tables and
# history to `out/figures/`, which git ignores. Run with `params/demo.yaml`
# (`make demo`) it trains the demo's runs and writes `figures/`: the committed files. A run the
# figures need that `03_train` has not made is trained here by the same code.

# %% tags=["parameters"]
dataset = "embedded-speech"  # as in 01_data and 03_train
task = "multi"               # the paper: MultiSpeaker
ratio = 4                    # the paper: 4
figure2_data = "vctk-sample"  # Figure 2's recording (None: the dataset's test split)
options = {}                 # any other setting (NOTEBOOK_DEFAULTS["05_figures"]), e.g. {"width": 0.25, "figures_dir": "figures"}

# %%
from IPython.display import display

from audiosr.core.distrib import pick_device
from audiosr.core.literate import finding, source, table
from audiosr.core.paths import RESULTS, resolve, write_json
from audiosr.core.tables import write_table
from audiosr.evaluation import figures as fg
from audiosr.evaluation.verdict import NOT, VERDICTS
from audiosr.listening.listen import clip_versions
from audiosr.listening.plots import compare_spectrograms, save_figure
from audiosr.training.params import configs_from, notebook_settings
from audiosr.training.runs import ensure_run

# %%
s = notebook_settings("05_figures", globals())  # the cell above and `options`, over the defaults
spec = configs_from(vars(s))  # as data, model and training configs
dev, figures = pick_device(s.device), resolve(s.figures_dir)
kind = fg.run_kind(spec.train, figures)  # "smoke runs" at the defaults
made_by = f"notebooks/05_figures with {s.params_name or 'its default parameters'}"
print(f"{kind}: {fg.budget(spec.train)} on {dev}; figures go to {figures}")

# %% [markdown]
# ## 1. Figure 2: what the model adds
#
# The spline's spectrum stops at the low-res Nyquist frequency (16/(2r) kHz), and so does sinc
# interpolation's (the baseline later bandwidth-extension papers report: it keeps the low band
# exactly, where the spline droops and leaks images); a model's continues above it. The shipped models (`figure2_shipped`) are the MSE model and, where they
# are shipped, the perceptual one (trained on with a spectral loss and discriminators,
# docs/perceptual.md), meant to fill the 4-8 kHz band that the MSE model leaves faint, and the
# frame model (r = 4: STFT frames on band-limited input, its missing band's phase tied to the
# input's, docs/generators.md), which keeps the input's band exactly and fills the rest at
# three-eighths of its trained level. The AudioUNets replace the paper's SubPixel layers with
# resize-convolution, so the horizontal lines at multiples of 500 Hz that the paper's network
# draws (this notebook's model) are gone.

# %%
run = ensure_run(spec.data, spec.model, spec.train, s.cache_root, s.train_missing)
where, cache = fg.figure2_cache(spec.data, figure2_data, s.cache_root)
methods = fg.figure2_methods(run, fg.model_label(spec.train), ratio, dev, s.figure2_shipped)
clip, versions = clip_versions(cache, s.figure2_clip, methods)
panels, scores2 = fg.scored(versions, ratio)
fig2 = compare_spectrograms(panels, title=f"Figure 2: {where} test clip {clip}, r = {ratio}")
paths2 = save_figure(fig2, figures, "figure2-spectrograms")
print(f"{made_by}: {', '.join(p.name for p in paths2)}")
fig2

# %%
display(table(scores2, f"Figure 2's scores on {clip} ({where}), against the original"))
assert "cubic spline" in {r["version"] for r in scores2} and len(scores2) >= 2
finding(fg.figure2_words(scores2, clip, ratio))

# %% [markdown]
# ## 2. Figure 3: the ablation
#
# Three runs with the same data, filters and training settings; only the connections differ:

# %%
source(fg.ablation_configs)

# %% [markdown]
# The paper finds that the skip connections matter most and the residual helps a little. The
# left panel holds the committed runs (made by `params/demo.yaml`), the right one this
# notebook's; at the defaults those are smoke runs of one epoch, drawn as points.

# %%
this = fg.AblationRuns.trained(spec.data, spec.model, spec.train, s.cache_root, s.train_missing)
history_csv = this.write(figures)  # with params/demo.yaml: the committed file
committed = fg.AblationRuns.read(fg.COMMITTED_HISTORY)  # None where nothing is committed
panels3 = fg.figure3_panels(committed, this, kind)
fig3 = fg.ablation_figure(panels3, f"Figure 3: validation loss, {dataset} {task}, r = {ratio}")
paths3 = save_figure(fig3, figures, "figure3-ablation")
title3 = f"Figure 3: final validation loss, {dataset} {task}, r = {ratio}"
md3 = write_table(figures / "figure3-ablation", this.final(), title3, made_by)
print(f"{made_by}: {', '.join(p.name for p in [*paths3, md3, history_csv])}")
fig3

# %% [markdown]
# **Verdict** (`audiosr.evaluation.verdict.ablation_claim`, rule fixed in advance): *reproduced*
# if the full model ends lowest, then the model without the residual, then the one without
# either, and the skips cost more than the residual; *direction reproduced* if the full model is
# best. One table and verdict per kind of run:

# %%
claims3 = {k: runs.claim() for k, runs in panels3.items()}
for k, runs in panels3.items():
    display(table(runs.final(), f"**{k}** ({runs.budget}): final validation scores"))
    display(finding(fg.figure3_words(k, runs)))
for c in claims3.values():
    assert c["verdict"] in VERDICTS
    assert (c["verdict"] != NOT) == (c["full"] < min(c["no residual"], c["no residual, no skips"]))

# %% [markdown]
# ## What these figures say

# %%
ref = "committed runs" if "committed runs" in panels3 else kind
finding(fg.closing_words(scores2, clip, ratio, ref, panels3[ref]))

# %%
written = write_json(RESULTS / "05_figures.json", {
    "figure2": {"clip": clip, "data": where, "run": run.name, "scores": scores2},
    "figure3": this.final(), "figure3_budget": this.budget,
    "figure3_claims": {k: {**c, "budget": panels3[k].budget} for k, c in claims3.items()},
    "files": [str(p) for p in [*paths2, *paths3, md3, history_csv]],
})  # fmt: skip
print(f"05_figures wrote its figures and tables to {figures}, and {written}")
