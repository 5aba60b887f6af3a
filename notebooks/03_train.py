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
# # 03 · Training AudioUNet: the objective, the metrics, one step, and the runs behind the results
#
# This notebook shows what the network of `02_model` learns (the high-res signal minus its
# cubic spline), the paper's objective (eq. 1) and its two measures, SNR (eq. 2) and LSD
# (eq. 3), each beside the package code that implements it; one training step written out;
# then a training run, drawn beside the committed longer runs, and compared with the spline.
#
# At its defaults the run is a smoke test: 3 steps of a 1/16-width model on 4 clips, seconds on
# a CPU. The real runs are the committed histories it draws (a full-width run of the paper's
# recipe on a GPU, the shipped recipe on a CPU) and the shipped models' numbers on real speech.
# It writes the run to `runs/<data>--<model>/` (`checkpoint.pt`, `history.csv`, `config.json`),
# a summary to `results/03_train-<run>.json`, and builds the data cache of `01_data` in
# `data/cache/` where it is missing. Bigger runs: `-f params/demo.yaml` (minutes on a CPU),
# `-f params/paper.yaml -f params/paper-multispeaker-r4.yaml` (the paper's recipe, a GPU).

# %% tags=["parameters"]
dataset = "embedded-speech"  # a dataset name or folder, as in 01_data
task = "multi"               # single | multi: the paper's SingleSpeaker / MultiSpeaker split
ratio = 4                    # upsampling ratio r: 16 kHz / r is the low-res rate
lowpass = True               # Chebyshev low-pass before subsampling (False: plain x[::r])
max_clips = 4                # first N clips per split (tiny default for tests; None: all)
patch_len = 6000             # training patch, HR samples (paper: 6000)
width = 0.0625               # filter multiplier: 1.0 is the paper's model, 1/16 runs on a CPU
epochs = 1                   # paper: 400
steps_per_epoch = 3          # cap on steps per epoch (None: every patch)
batch_size = 8               # original code: 128
lr = 0.001                   # Adam; paper 1e-4, original code 1e-3
options = {}                 # any other setting (objective, arch, schedule, run_dir, ...): docs/notebooks.md

# %%
import numpy as np
import torch
from IPython.display import Image, display

from audiosr.core import dsp, literate, metrics, paths
from audiosr.evaluation import committed, findings
from audiosr.listening import plots
from audiosr.networks import checkpoint, losses
from audiosr.networks.config import build_model, count_parameters
from audiosr.training import params, runs, train

# %%
s = params.notebook_settings("03_train", globals())  # the cell above, params files, `options`
spec = params.configs_from(vars(s))
cache = runs.ensure_cache(spec.data, s.cache_root, progress=True)  # 01_data's, made if missing
run_dir = paths.resolve(s.run_dir) if s.run_dir else runs.default_run_dir(
    cache, spec.model, objective=spec.train.objective, degrade=spec.train.degrade, init=spec.train.init)
model = build_model(spec.model)
print(f"run: {run_dir.name}\ndata: {cache.folder.name}\n"
      f"model: {count_parameters(model) / 1e6:.2f} M parameters, objective {spec.train.objective}")

# %% [markdown]
# ## 1. What the network learns: HR minus spline
#
# The network receives the cubic spline of the low-res signal and, through its additive
# residual, outputs `spline + f(spline)`: it learns the difference `HR - spline`. Here on one
# validation patch: the difference is small in the waveform and lies mostly above the low-res
# Nyquist frequency, the band the spline leaves empty.

# %%
hr_p, sp_p = cache.patches("val", "hr"), cache.patches("val", "spline")
i = int(np.argmax((hr_p**2).sum(-1)))  # the loudest validation patch
display(plots.residual(hr_p[i], sp_p[i], spec.data.sr, ratio))

# %% [markdown]
# ## 2. The objective (eq. 1)
#
# The paper trains on patches $(x_i, y_i)$, spline and high-res, with
#
# $$\ell(\theta) = \frac{1}{n} \sum_{i=1}^{n} \big\lVert y_i - f_\theta(x_i) \big\rVert_2 \qquad (1)$$
#
# The text calls this the mean squared error; the printed formula takes each example's norm
# (not squared), which weighs a quiet patch's error as much as a loud one's; the original code
# trains on each example's root mean square error. This package offers all three
# (`objective = "paper"`, `"rmse"`, `"mse"`) and defaults to the plain MSE,
# $\frac{1}{nL}\sum_i \lVert y_i - f_\theta(x_i)\rVert_2^2$, whose gradient is that of Table 2's SNR
# on a whole batch.

# %%
literate.source(losses.objective, start='if kind == "paper"', stop="return")

# %%
y, x = torch.from_numpy(hr_p[:4]), torch.from_numpy(sp_p[:4])
by_hand = {"paper": (y - x).norm(dim=-1).mean(), "mse": ((y - x) ** 2).mean()}
for kind, value in by_hand.items():
    package = losses.objective(spec.model, kind)(x, y)
    assert torch.allclose(package, value), kind  # the formula above is the code that trains
    print(f"{kind:>5}: {value:.3e} (the spline's loss, where training starts)")

# %% [markdown]
# ## 3. The measures: SNR (eq. 2) and LSD (eq. 3)
#
# $$\mathrm{SNR}(\hat y, y) = 10 \log_{10} \frac{\lVert y \rVert_2^2}{\lVert \hat y - y \rVert_2^2} \qquad (2)$$
#
# $$\mathrm{LSD}(\hat y, y) = \frac{1}{L} \sum_{\ell=1}^{L} \sqrt{\frac{1}{K} \sum_{k=1}^{K}
# \big(X(\ell, k) - \hat X(\ell, k)\big)^2} \qquad (3)$$
#
# with $X = \ln |\mathrm{STFT}(y)|^2$ over frames $\ell$ of 2048 samples and frequencies $k$.
# SNR is a waveform measure: it rewards getting the phase right and is dominated by the loud low
# band, which the spline already has. LSD compares log spectra frame by frame and ignores phase:
# it rewards *any* energy of the right level in the empty band, noise included.

# %%
literate.source(metrics.lsd)

# %%
hr, sp = torch.from_numpy(hr_p[i]), torch.from_numpy(sp_p[i])
snr_by_hand = 10 * torch.log10((hr.double() ** 2).sum() / ((sp.double() - hr) ** 2).sum())
assert torch.isclose(metrics.snr(sp, hr), snr_by_hand)
noisy = sp + torch.from_numpy(dsp.noise_above(hr_p[i], spec.data.sr, ratio))
rows = [{"version": k, "SNR (dB)": metrics.snr(v, hr).item(), "LSD": metrics.lsd(v, hr).item()}
        for k, v in (("cubic spline", sp), ("spline + noise above the low-res Nyquist", noisy))]
assert rows[1]["LSD"] < rows[0]["LSD"]  # noise alone buys LSD ...
assert rows[1]["SNR (dB)"] < rows[0]["SNR (dB)"]  # ... and costs SNR
display(literate.table(rows, "One patch: the spline, and the spline plus random-phase noise "
                       "with the HR's spectrum above the low-res Nyquist frequency."))

# %% [markdown]
# Noise of the right level in the empty band lowers the LSD as a model would, while the SNR
# falls: a model can win on LSD by adding hiss. This is why every table here shows SNR beside
# LSD, and why `04_evaluate` and the listening panel put such a model next to the others.

# %% [markdown]
# ## 4. One training step, written out
#
# Adam on the objective: a forward pass, the loss, gradients, an update. This is all a training
# epoch repeats; `train.train` adds batching, the learning-rate schedule, validation and
# atomic checkpoints. Below, twenty steps on one batch of four patches: Adam's first steps move
# every weight by about the learning rate, so the loss can rise before it falls below the
# spline's (the first value: the residual starts near zero).

# %%
literate.source(train.train_step)

# %%
torch.manual_seed(spec.train.seed)
step_model = build_model(spec.model)
opt = torch.optim.Adam(step_model.parameters(), lr=lr)
xb, yb = x.unsqueeze(1), y.unsqueeze(1)
before = [p.detach().clone() for p in step_model.parameters()]
losses = [train.train_step(step_model, opt, xb, yb).item() for _ in range(20)]
assert all(np.isfinite(losses)) and any(not torch.equal(a, b) for a, b in zip(before, step_model.parameters()))
print("loss before steps 1, 2, 5, 10, 20 on the same batch:",
      ", ".join(f"{losses[k - 1]:.3e}" for k in (1, 2, 5, 10, 20)))

# %% [markdown]
# ## 5. Train
#
# A progress bar shows the loss and the throughput in seconds of audio per second. Each epoch
# ends with the validation loss, SNR and LSD, and an atomic checkpoint; a killed run continues
# where it stopped.

# %%
history = train.train(cache, spec.model, spec.train, run_dir, resume=s.resume)
assert all(h["train_loss"] > 0 for h in history if h["epoch"])
display(literate.table(history[-5:]))

# %% [markdown]
# ## 6. This run beside the committed ones
#
# The committed histories (`figures/`) are what longer budgets did on the same task (r = 4):
# the paper's full model and recipe for 6.5 minutes on a GPU, and the 1/16-width shipped recipe
# without the low-pass filter for 1.5 CPU-hours. This run's points sit among them. Their
# validation data differ (the full embedded split, unfiltered patches, 4 clips here), so read each
# curve's trend, not the gaps between curves.

# %%
label = f"this run: width {width:g}, {history[-1]['epoch']} epoch(s) of {steps_per_epoch} steps"
display(plots.history_panels({**committed.histories(), label: history},
                             {"val_snr": "validation SNR (dB)", "val_lsd": "validation LSD"}))

# %% [markdown]
# The shipped models' own training (whole validation files, the gain over the spline; best
# epoch starred), made by `audiosr report shipped-training` from their run folders:

# %%
display(Image(filename=str(paths.resolve("figures/shipped-training.png")), width=900))

# %% [markdown]
# ## 7. Better than the spline?
#
# The model starts from the spline (additive residual), so it should only improve on it. Here
# on the whole validation split (the test split is for `04_evaluate`).

# %%
trained = checkpoint.load_model_file(run_dir / "checkpoint.pt", ratio=ratio)
sp_v, hr_v = train.load_patches(cache, "val", torch.device("cpu"))
scores = {name: train.validate(m, sp_v, hr_v, 64, torch.device("cpu"))
          for name, m in (("cubic spline", torch.nn.Identity()), ("this run", trained))}
val = [{"method": k, "SNR (dB)": v["val_snr"], "LSD": v["val_lsd"]} for k, v in scores.items()]
assert all(np.isfinite([r["SNR (dB)"], r["LSD"]]).all() for r in val)
display(literate.table(val))

# %% [markdown]
# ## Finding

# %%
gain = scores["this run"]["val_snr"] - scores["cubic spline"]["val_snr"]
ship = committed.shipped_on_real_speech(ratio)
display(literate.finding(findings.training(history, gain, ship, ratio, width, spec.train)))
written = paths.write_json(paths.RESULTS / f"03_train-{run_dir.name}.json",
    {"run_dir": str(run_dir), "data": cache.folder.name, "model": spec.model.__dict__,
     "train": spec.train.__dict__, "last_epoch": history[-1], "val_comparison": val})
print(f"wrote the run to {run_dir} and a summary to {written}")
