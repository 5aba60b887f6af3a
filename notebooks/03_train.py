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
# # 03 · Training AudioUNet
#
# This notebook trains the model of `02_model` on the patch cache of `01_data` with the paper's
# objective (mean squared error between the output and the high-res patch, eq. 1) and Adam.
# It checkpoints every epoch, so a killed run continues with `resume = True`, and it ends by
# comparing the trained model with the cubic spline on the validation split.
#
# It reads the cache `01_data` built with the same data parameters (dataset, task, ratio,
# patch_len, stride, lowpass, max_clips), and builds it with the same function where it is
# missing. On a GPU, the paper's recipe and one row of its Table 2: `python -m audiosr.notebook_params
# notebooks/03_train.ipynb out.ipynb -f params/paper.yaml -f params/paper-multispeaker-r4.yaml`. The shipped models'
# recipe (`params/shipped-speech.yaml`) adds a cosine schedule, bf16 on the CPU and whole-file
# validation that keeps the best epoch.

# %% tags=["parameters"]
dataset = "embedded-speech"  # as in 01_data
task = "multi"               # single | multi
ratio = 4                    # upsampling ratio r
patch_len = 6000             # as in 01_data
stride = 3000                # as in 01_data
lowpass = True               # as in 01_data
max_clips = 4                # as in 01_data (tiny default for tests; None: all)
cache_root = "data/cache"    # as in 01_data
arch = "audiounet"           # audiounet (the paper) or framenet (a network on STFT frames)
variant = "paper"            # paper, or the original code's model: code2017 or code2019
blocks = 4                   # B (paper: 4)
width = 0.0625               # filter multiplier: 1.0 is the model of the paper, 1/16 runs on a CPU
upsample = "subpixel"        # subpixel (the paper) or resize (nearest x2 + conv: no added tones)
residual = True              # False: Figure 3 ablation without the additive residual
skips = True                 # False: Figure 3 ablation without skip connections
front_end = False            # True: one input band whatever made the low-res audio (audiosr.core.band)
epochs = 1                   # paper: 400
max_minutes = None           # a time budget: stop after the epoch that passes it (resume continues)
batch_size = 8               # original code: 128
lr = 0.001                   # paper 1e-4, original code 1e-3
objective = "mse"            # mse, paper (eq. 1: mean per-example L2 norm), rmse (the code's per-example RMSE) or mse+stft
stft_weight = 0.001          # mse+stft: the multi-resolution STFT term's weight beside the MSE
stft_floor = 0.0             # mse+stft: log-magnitude floor as a fraction of each patch's peak (0: absolute only)
adversarial_from = None      # epoch from which discriminators train beside the model (None: never)
gan_loss = "lsgan"           # adversarial stage: lsgan or hinge
disc_channels = 16           # adversarial stage: the discriminators' width
disc_lr = None               # adversarial stage: the discriminators' lr (None: lr)
recon_weight = 45.0          # adversarial stage: weight of the objective beside the adversarial loss
fm_weight = 2.0              # adversarial stage: weight of feature matching
schedule = "constant"        # constant (the paper) or cosine (decays to 0 over all steps)
warmup_steps = 0             # linear warm-up steps before the schedule
amp = "auto"                 # bf16 autocast: True (faster on a CPU), False, auto (off)
file_val = 0                 # whole validation files scored each epoch; best epoch kept as best.pt
select = "snr"               # best epoch by snr, or lsd / visqol among epochs at least the spline's equal in SNR
snr_margin = 0.0             # select lsd / visqol: dB below the spline's SNR an epoch may be and still be chosen
steps_per_epoch = 3          # cap on steps per epoch (None: every patch)
val_batches = 2              # cap on validation batches (None: the whole val split)
device = "auto"              # auto picks cuda, then mps, then cpu
torch_compile = False        # torch.compile the model (GPU)
seed = 0                     # initialisation, patch order, dropout
degrade = False              # True: each example's low-res input drawn from many makers (audiosr.data.degrade)
init = None                  # a model whose weights start the run (fine-tuning); None: from scratch
run_dir = None               # where checkpoint and history go; None: runs/<data>--<model>
resume = True                # continue the run in run_dir if there is one (False: refuse to touch it)

# %%
import torch
from IPython.display import Markdown, display

from audiosr.core.distrib import pick_device
from audiosr.core.paths import RESULTS, resolve, write_json
from audiosr.core.tables import markdown_table
from audiosr.listening.plots import training_curves
from audiosr.networks.audiounet import build_model, count_parameters
from audiosr.networks.checkpoint import load_model
from audiosr.training.params import configs_from
from audiosr.training.runs import default_run_dir, ensure_cache
from audiosr.training.train import load_patches, train, validate

# %%
spec = configs_from(globals())  # the parameters above as data, model and training configs
data_cfg, model_cfg, train_cfg = spec.data, spec.model, spec.train
cache = ensure_cache(data_cfg, cache_root, progress=True)  # 01_data's cache, built with its function if missing
run_dir = resolve(run_dir) if run_dir else default_run_dir(cache, model_cfg, objective=objective, degrade=degrade, init=init)
print(f"run: {run_dir}\ndata: {cache.folder.name}\nmodel: {count_parameters(build_model(model_cfg)) / 1e6:.2f} M parameters "
      f"on {pick_device(device)}")

# %% [markdown]
# ## 1. Train
#
# A progress bar shows the loss and the throughput in seconds of audio per second. Each epoch
# ends with the validation loss, SNR and LSD, and an atomic checkpoint.

# %%
history = train(cache, model_cfg, train_cfg, run_dir, resume=resume)
assert (history[-1]["epoch"] >= epochs or max_minutes is not None) and all(h["train_loss"] > 0 for h in history if h["epoch"])
display(Markdown(markdown_table(history[-5:])))

# %% [markdown]
# ## 2. Loss curves
#
# The paper's Figure 3 plots the validation l2 loss over training; `05_figures` overlays the
# ablations' curves from their run folders.

# %%
training_curves(history)

# %% [markdown]
# ## 3. Better than the spline?
#
# The model starts from the spline (additive residual), so it should only improve on it. Here
# on the whole validation split (the test split is for `04_evaluate`).

# %%
model = load_model(run_dir / "checkpoint.pt", ratio=ratio)
sp, hr = load_patches(cache, "val", torch.device("cpu"))
scores = {"cubic spline": validate(torch.nn.Identity(), sp, hr, 64, torch.device("cpu")),
          f"AudioUNet (epoch {history[-1]['epoch']})": validate(model, sp, hr, 64, torch.device("cpu"))}
rows = [{"method": k, "SNR (dB)": v["val_snr"], "LSD": v["val_lsd"]} for k, v in scores.items()]
assert all(torch.isfinite(torch.tensor([r["SNR (dB)"], r["LSD"]])).all() for r in rows)
display(Markdown(markdown_table(rows)))

# %% [markdown]
# With the tiny defaults (a few steps) the model is barely trained and this says nothing. With
# `params/demo.yaml` (a few minutes on a CPU) the LSD falls well below the spline's: the spline
# leaves the band above 16/(2r) kHz empty and the model fills it. The paper's margins need its
# full recipe on a GPU (`params/paper.yaml` with a `params/paper-*.yaml` row).

# %% [markdown]
# ## Summary
#
# In this notebook we have trained AudioUNet with the paper's objective, checkpointed it every
# epoch in `run_dir`, plotted its loss curves, and compared it with the spline on held-out data.

# %%
written = write_json(RESULTS / f"03_train-{run_dir.name}.json",
           {"run_dir": str(run_dir), "data": cache.folder.name, "model": model_cfg.__dict__,
            "train": train_cfg.__dict__, "last_epoch": history[-1], "val_comparison": rows})
print(f"03_train wrote the run {run_dir} (checkpoint.pt, history.csv, config.json) and {written}")
