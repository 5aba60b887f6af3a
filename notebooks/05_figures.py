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
# # 05 · Figures 2 and 3
#
# - **Figure 2**: spectrograms of one test utterance at r = 4: the high-res original, the
#   low-res input (at its own rate, so the missing band shows as empty space), the cubic spline
#   and the model, on one colour scale, axes in kHz and seconds.
# - **Figure 3**: the ablation. Validation loss over training of the full model, the model
#   without the additive residual, and the model without residual and skip connections (same
#   filter counts), read from the runs' training histories.
#
# Both are saved as PNG, SVG and PDF under `figures/`. The runs come from `03_train`; one that
# does not exist yet is trained here by the same code (`train_missing`).

# %% tags=["parameters"]
dataset = "embedded-speech"          # as in 01_data and 03_train
task = "multi"                       # the paper: MultiSpeaker
ratio = 4                            # the paper: 4
patch_len = 6000                     # as in 01_data
stride = 3000                        # as in 01_data
lowpass = True                       # as in 01_data
max_clips = 4                        # as in 01_data (tiny default for tests; None: all)
cache_root = "data/cache"            # as in 01_data
variant = "paper"                    # as in 03_train
blocks = 4                           # as in 03_train
width = 0.0625                       # as in 03_train
upsample = "subpixel"                # as in 03_train
train_missing = True                 # train runs the figures need that 03_train has not made
epochs = 1                           # training settings for such runs (as in 03_train)
batch_size = 8
lr = 0.001
steps_per_epoch = 3
val_batches = 2
seed = 0
figure2_data = "vctk-sample"         # Figure 2's utterance comes from here (None: the dataset)
figure2_clip = 0                     # index into that test split
figure2_shipped = True               # also show the shipped models for this ratio (MSE, perceptual) that exist
device = "auto"                      # auto picks cuda, then mps, then cpu
params_name = None                   # the params file used, printed under each figure
figures_dir = "out/figures"          # where the figures go; params/demo.yaml sets figures

# %%

import numpy as np
from IPython.display import Markdown, display

from audiosr.core.distrib import pick_device
from audiosr.core.metrics import lsd, snr
from audiosr.core.paths import RESULTS, resolve, write_json
from audiosr.core.tables import markdown_table, write_table
from audiosr.data.clips import unavailable_reason
from audiosr.data.patches import DataConfig
from audiosr.evaluation.baselines import spline
from audiosr.evaluation.evaluate import model_method
from audiosr.evaluation.verdict import NOT, VERDICTS, ablation_claim
from audiosr.inference.shipped import load_any, shipped_speech
from audiosr.listening.listen import clip_versions
from audiosr.listening.plots import compare_spectrograms, loss_curves, save_figure
from audiosr.networks.audiounet import ModelConfig
from audiosr.networks.checkpoint import CHECKPOINT, load_checkpoint, load_model
from audiosr.training.params import configs_from
from audiosr.training.runs import ensure_cache
from audiosr.training.train import ensure_run

# %%
dev = pick_device(device)
figures = resolve(figures_dir)
spec = configs_from(globals())  # the parameters above as data, model and training configs
data_cfg, full, train_cfg = spec.data, spec.model, spec.train
made_by = f"notebooks/05_figures with {params_name or 'its default parameters'}"

# %% [markdown]
# ## Figure 2: what the model adds
#
# The spline's spectrum stops at the low-res Nyquist frequency (16/(2r) kHz); the model's
# continues above it. The numbers in the titles are this clip's SNR and LSD. The clip comes
# from `figure2_data` (the shared `vctk-sample`), or from the dataset's test split where that
# is absent.
#
# The last panels (`figure2_shipped`) are the shipped models for this ratio: the MSE model and,
# where it is shipped, the perceptual one (trained on with a spectral loss and discriminators,
# docs/perceptual.md), meant to fill the 4-8 kHz band that the MSE model leaves faint. Both
# replace the paper's SubPixel layers with resize-convolution, so the
# horizontal lines at multiples of 500 Hz that the paper's network draws are gone.

# %%
run = ensure_run(data_cfg, full, train_cfg, cache_root, train_missing)
model = model_method(load_model(run / CHECKPOINT, ratio=ratio, device=dev), dev)
source = dataset if figure2_data in (None, "dataset") else figure2_data
if absent := unavailable_reason(source):
    print(f"Figure 2 uses the {dataset} test split instead: {absent}")
    source = dataset
cache = ensure_cache(DataConfig(**{**data_cfg.__dict__, "dataset": source}), cache_root)
epoch = load_checkpoint(run / CHECKPOINT)["epoch"]
methods = {"cubic spline": spline, f"AudioUNet, {full.upsample} ({epoch} epochs)": model}
for kind, name in (shipped_speech(ratio) if figure2_shipped else {}).items():
    methods[f"shipped {kind} model"] = model_method(load_any(name, ratio, dev), dev)
clip_name, versions = clip_versions(cache, figure2_clip, methods)
(_, (hr, sr)), (_, lowres) = list(versions.items())[:2]
score = lambda x: f"SNR {snr(x, hr):.1f} dB, LSD {lsd(x, hr):.2f}"
panels = {"high-res (original)": (hr, sr), f"low-res (r = {ratio})": lowres}
panels.update({f"{label}\n{score(x)}": (x, sr) for label, (x, _) in list(versions.items())[2:]})
fig2 = compare_spectrograms(panels, title=f"Figure 2: {source} test clip {clip_name}, r = {ratio}")
paths2 = save_figure(fig2, figures, "figure2-spectrograms")
print(f"{made_by}: {', '.join(p.name for p in paths2)}")

# %% [markdown]
# ## Figure 3: the ablation
#
# Three runs with the same data, filters and training settings: the full model, no additive
# residual, and neither residual nor skip connections. The paper finds that the skip
# connections matter most and the residual helps a little.

# %%
ablations = {"full model": full,
             "no residual": ModelConfig(**{**full.__dict__, "residual": False}),
             "no residual, no skips": ModelConfig(**{**full.__dict__, "residual": False, "skips": False})}
histories = {}
for label, cfg in ablations.items():
    state = load_checkpoint(ensure_run(data_cfg, cfg, train_cfg, cache_root, train_missing) / CHECKPOINT)
    histories[label] = state["history"]
fig3 = loss_curves(histories)
fig3.axes[0].set_title(f"Figure 3: validation loss, {dataset} {task}, r = {ratio}")
paths3 = save_figure(fig3, figures, "figure3-ablation")
final = [{"model": k, "epochs": h[-1]["epoch"], "val MSE": f"{h[-1]['val_loss']:.3e}",
          "val SNR (dB)": round(h[-1]["val_snr"], 2), "val LSD": round(h[-1]["val_lsd"], 2)} for k, h in histories.items()]
assert all(np.isfinite(h[-1]["val_loss"]) for h in histories.values())
md3 = write_table(figures / "figure3-ablation", final, f"Figure 3: final validation loss, {dataset} {task}, r = {ratio}",
                  made_by)
display(Markdown(markdown_table(final)))
print(f"{made_by}: {', '.join(p.name for p in paths3)}, {md3.name}")

# %% [markdown]
# **Verdict** (`audiosr.evaluation.verdict`, rule fixed in advance): *reproduced* if the full
# model ends lowest, then the model without the residual, then the one without either, and the
# skips cost more than the residual (the paper: skips matter most, the residual a little);
# *direction reproduced* if the full model is best.

# %%
ablation = ablation_claim(*(histories[k][-1]["val_loss"] for k in ablations))
assert ablation["verdict"] in VERDICTS
assert (ablation["verdict"] != NOT) == (ablation["full"] < min(ablation["no residual"], ablation["no residual, no skips"]))
display(Markdown(markdown_table([{k: f"{v:.3e}" if isinstance(v, float) else v for k, v in ablation.items()}])))

# %% [markdown]
# ## Summary
#
# In this notebook we have drawn Figure 2 (spectrograms of one test utterance: original,
# low-res, spline, model) and Figure 3 (validation loss of the full model and its two
# ablations), and saved both under `figures/`.

# %%
written = write_json(RESULTS / "05_figures.json", {"figure2": {"clip": clip_name, "run": run.name,
                                                     **{k: score(x) for k, (x, _) in list(versions.items())[2:]}},
                                         "figure3": final, "figure3_claim": ablation, "files": [str(p) for p in paths2 + paths3]})
print(f"05_figures wrote {', '.join(p.name for p in paths2 + paths3)} to {figures}, and {written}")
