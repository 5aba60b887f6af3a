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
# # 06 · Listening: the comparison panel and a MUSHRA test (the paper's Table 1)
#
# People judge super-resolution by ear. This notebook
#
# 1. puts every version of a test clip side by side (HR / LR / spline / DNN / AudioUNet),
#    loudness-matched, with spectrograms and scores: pick a clip, listen, switch;
# 2. exports a ready-to-serve **webMUSHRA** experiment (ITU-R BS.1534-3): 4 test clips chosen by
#    a fixed rule (never by the model's scores), each with the reference, hidden reference,
#    3.5 kHz anchor and the methods, cut to the same 2-10 s excerpt and loudness-matched;
# 3. analyses the ratings webMUSHRA writes (`results_csv`): post-screening, Table 1 with 95%
#    confidence intervals, a box plot.
#
# Models come from their run folders (`03_train`, `04_evaluate`); a missing one is trained
# here by the same code (`train_missing`).

# %% tags=["parameters"]
dataset = "embedded-speech"          # as in 01_data and 03_train
task = "multi"                       # the paper: MultiSpeaker
ratio = 4                            # the paper: 4
patch_len = 6000                     # as in 01_data
stride = 3000                        # as in 01_data
lowpass = True                       # as in 01_data
max_clips = 60                       # tiny default: enough test clips of 2 s or more (None: all)
cache_root = "data/cache"            # as in 01_data
variant = "paper"                    # as in 03_train
blocks = 4                           # as in 03_train
width = 0.0625                       # as in 03_train
upsample = "subpixel"                # as in 03_train
dnn = True                           # include the DNN baseline
dnn_width = 1.0                      # as in 04_evaluate
shipped = True                       # also the shipped MSE and perceptual models for this ratio, where shipped
train_missing = True                 # train runs this notebook needs that do not exist yet
epochs = 1                           # training settings for such runs (as in 03_train)
batch_size = 8
lr = 0.001
steps_per_epoch = 3
val_batches = 2
seed = 0
device = "auto"                      # auto picks cuda, then mps, then cpu
n_clips = 4                          # the paper: 4 utterances
clips = None                         # test clip indices; None: the documented rule
test_id = "audiosr-mushra"           # webMUSHRA test id (config file name, results folder)
mushra_dir = "out/mushra"            # the export goes here
overwrite = True                     # replace an earlier export there (only regenerable files)
results_csv = None                   # webMUSHRA results/<test_id>/mushra.csv once raters are done
figures_dir = "out/figures"          # Table 1 and the box plot of real results go here

# %%
import csv

from IPython.display import Markdown, display

from audiosr.core.distrib import pick_device
from audiosr.core.paths import RESULTS, resolve, write_json, write_text
from audiosr.core.tables import markdown_table
from audiosr.evaluation.baselines import SPLINE, all_baselines
from audiosr.evaluation.evaluate import model_method
from audiosr.inference.shipped import load_any, shipped_speech
from audiosr.listening import mushra
from audiosr.listening.listen import ComparisonPanel
from audiosr.networks.audiounet import ModelConfig
from audiosr.networks.checkpoint import CHECKPOINT, load_model
from audiosr.networks.dnn import supports_ratio
from audiosr.training.params import configs_from
from audiosr.training.runs import ensure_cache
from audiosr.training.train import ensure_run

# %%
dev = pick_device(device)
spec = configs_from(globals())  # the parameters above as data, model and training configs
data_cfg, train_cfg = spec.data, spec.train
load = lambda cfg: model_method(load_model(ensure_run(data_cfg, cfg, train_cfg, cache_root, train_missing)
                                           / CHECKPOINT, ratio=ratio, device=dev), dev)
methods = {SPLINE: all_baselines(ratio)[SPLINE]}
if dnn and supports_ratio(ratio):
    methods["DNN"] = load(ModelConfig(arch="dnn", width=dnn_width, ratio=ratio))
methods["AudioUNet"] = load(spec.model)
for kind, name in (shipped_speech(ratio) if shipped else {}).items():
    methods[f"shipped {kind}"] = model_method(load_any(name, ratio, dev), dev)
cache = ensure_cache(data_cfg, cache_root, build=train_missing)
print(f"{cache.folder.name}: {len(cache.clips('test'))} test clips; methods: {', '.join(methods)}")

# %% [markdown]
# ## 1. Listen
#
# All versions of a clip play at the same loudness (ITU-R BS.1770-4), so the louder-is-better
# bias is gone and only the missing band differs. The low-res version plays at its own rate
# (resampled for the browser when below 8 kHz). In JupyterLab the drop-downs switch clip
# without re-running anything; a rendered notebook shows the first clip as static players.

# %%
ComparisonPanel({ratio: (cache, methods)})

# %% [markdown]
# ## 2. The MUSHRA export
#
# Clip rule (`mushra.choose_clips`): test clips grouped by speaker, speakers in sorted order,
# clips by file name; the first clip of at least 2 s from each speaker in turn until
# `n_clips`. The low-res stimulus is the low-res clip resampled band-limited to 16 kHz: what
# a listener hears without any super-resolution.

# %%
test_clips = cache.clips("test")
chosen = list(clips) if clips is not None else mushra.choose_clips(test_clips, cache.config.sr, n_clips)
trials = mushra.trials_from_cache(cache, chosen, methods)
out = mushra.export_webmushra(mushra_dir, trials, cache.config.sr, test_id=test_id,
                              title=f"Audio super-resolution, r = {ratio}", overwrite=overwrite)
manifest = out / "stimuli.csv"
print(f"wrote {out}: {len(trials)} trials; serve it as its README.md says")
display(Markdown((out / "README.md").read_text()))
with open(manifest, newline="") as f:
    display(Markdown(markdown_table(list(csv.DictReader(f)))))

# %% [markdown]
# ## 3. Analysis
#
# With `results_csv` set, the real ratings; otherwise simulated ones (10 raters, one of them
# careless) so you see what the analysis does. Simulated results are labelled as such and stay
# in `mushra_dir`; only real results go to `figures/`.
#
# Post-screening (BS.1534-3): a rater who scores the hidden reference below 90 in more than 15%
# of the trials is dropped before any mean is taken.

# %%
if results_csv:
    source, where, label = resolve(results_csv), resolve(figures_dir), "real ratings"
else:
    source, where, label = out / "simulated-mushra.csv", out, "SIMULATED ratings (not listening data)"
    invented = {"audiounet": 60, "dnn": 55, "spline": 35, "lowres": 25, "anchor35": 15,
                "shippedmse": 60, "shippedperceptual": 60}  # made-up means, only to show the analysis
    write_text(source, mushra.simulate_ratings(manifest, invented, raters=10, careless=1))
result = mushra.analyse(source, manifest, label, where)
kept, dropped = result["kept"], result["dropped"]
print(f"{label}: {result['raters']} raters, dropped by post-screening: "
      f"{', '.join(f'{k} ({v:.0%} of trials)' for k, v in dropped.items()) or 'none'}")
display(Markdown(result["markdown"]))
assert all(r["rater"] not in dropped for r in kept)

# %% [markdown]
# ## Summary
#
# In this notebook we have compared every version of the test clips by ear, exported a
# webMUSHRA experiment with loudness-matched stimuli and the BS.1534 anchor, and analysed
# ratings with post-screening into the paper's Table 1 layout.

# %%
written = write_json(RESULTS / f"06_mushra-{test_id}.json", {"export": str(out), "clips": [t["name"] for t in trials],
                                                    "ratings": label, "dropped": dropped, "table1": result["table"]})
print(f"06_mushra wrote the webMUSHRA test to {out}, Table 1 to {where}, and {written}")
