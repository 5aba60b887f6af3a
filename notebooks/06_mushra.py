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
# # 06 · Listening: the comparison panel and a MUSHRA test (the paper's Table 1)
#
# People judge super-resolution by ear. The paper's Table 1 is a MUSHRA test (ITU-R BS.1534):
# 10 raters scored 4 MultiSpeaker test utterances at r = 4 in six versions each. This notebook
#
# 1. puts every version of a test clip side by side (high-res, low-res, spline, sinc
#    interpolation as later papers report it, DNN, AudioUNet, the shipped models: the MSE and
#    perceptual AudioUNets and the frame model), loudness-matched, with spectrograms and scores:
#    pick a clip, listen;
# 2. exports a ready-to-serve **webMUSHRA** experiment: `n_clips` clips of different speakers
#    chosen by a fixed rule (never by the model's scores), each with the reference, the hidden
#    reference, the 3.5 kHz anchor and every method, cut to the same excerpt, loudness-matched;
# 3. analyses the ratings webMUSHRA writes (`results_csv`): post-screening, then Table 1 with
#    95% confidence intervals, one row for every exported condition. Until raters have taken
#    the test it shows simulated ratings, labelled SIMULATED, which are no result.
#
# Listeners hear real speech of several speakers that no model trained on: the VCTK sample
# (`real_test_sets`), or, where it is absent, the test split of `dataset`. The models come
# from their run folders (`03_train`, `04_evaluate`); a missing one is trained here by the same
# code. Settings beyond the cell below have their defaults in `NOTEBOOK_DEFAULTS["06_mushra"]`
# and are changed through `options`: `01_data`'s data (but 60 clips per split, for several
# speakers) and `03_train`'s training at the same tiny defaults, `dnn`, `shipped`, `mushra_dir`,
# `test_id`, ...

# %% tags=["parameters"]
dataset = "embedded-speech"  # what the models heard in training (as in 03_train)
task = "multi"               # the paper: MultiSpeaker
ratio = 4                    # the paper: 4
n_clips = 4                  # the paper: 4 utterances
results_csv = None           # webMUSHRA's results/<test_id>/mushra.csv once raters are done
options = {}                 # any other setting, e.g. {"dnn": False, "mushra_dir": "out/m2"}

# %%
from IPython.display import Image, Markdown, display

from audiosr.core.distrib import pick_device
from audiosr.core.literate import finding, source, table
from audiosr.core.paths import RESULTS, resolve, write_json
from audiosr.evaluation import experiments
from audiosr.listening import mushra_analysis, mushra_export
from audiosr.listening.listen import ComparisonPanel
from audiosr.training.params import configs_from, notebook_settings

# %%
s = notebook_settings("06_mushra", globals())  # NOTEBOOK_DEFAULTS, the cell above, then options
spec = configs_from(vars(s))  # the data, model and training configs they name
dev = pick_device(s.device)
dnn_width = s.dnn_width if s.dnn else None
methods = experiments.listening_methods(spec, dev, s.cache_root, s.train_missing, dnn_width, s.shipped)
cache, skipped = experiments.listening_cache(spec.data, s.real_test_sets, s.cache_root, s.train_missing)
voices = sorted({c["group"] for c in cache.clips("test")})
for reason in skipped:
    print(f"skipped: {reason}")
print(f"listening to {cache.config.dataset}: {len(cache.clips('test'))} test clips of "
      f"{len(voices)} speakers; methods: {', '.join(methods)}")

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
# The clip rule takes one clip per speaker in turn, so the trials cover as many voices as
# `n_clips` allows, and never looks at a model's scores:

# %%
source(mushra_export.choose_clips)

# %% [markdown]
# Each trial holds the reference, the low-res clip resampled band-limited to 16 kHz (what a
# listener hears without super-resolution), every method's output, and the two stimuli
# BS.1534-3 adds: the hidden reference and the 3.5 kHz low-pass anchor.

# %%
test_clips = cache.clips("test")
chosen = s.clips or mushra_export.choose_clips(test_clips, cache.config.sr, n_clips)
trials = mushra_export.trials_from_cache(cache, chosen, methods)
heard = sorted({t["speaker"] for t in trials})
assert len(heard) > 1 or len(voices) == 1 or len(trials) == 1, f"one speaker only: {heard}"
out = mushra_export.export_webmushra(s.mushra_dir, trials, cache.config.sr, test_id=s.test_id,
                                     title=f"Audio super-resolution, r = {ratio}",
                                     overwrite=s.overwrite)
manifest = out / "stimuli.csv"
print(f"wrote {out}: {len(trials)} trials from {len(heard)} speakers ({', '.join(heard)})")
display(Markdown((out / "README.md").read_text()))

# %%
table(mushra_export.read_manifest(manifest), "`stimuli.csv`: every file of the export, one per "
      "trial and condition, with its loudness (LUFS) and peak")

# %% [markdown]
# ## 3. Analysis
#
# Post-screening (BS.1534-3) comes first: a rater who scores the hidden reference below 90 in
# more than 15% of the trials is dropped before any mean is taken.

# %%
source(mushra_analysis.post_screen)

# %% [markdown]
# Table 1's rows are the conditions of the export's manifest, none left out, in this order:

# %%
source(mushra_export.table_order)

# %% [markdown]
# With `results_csv` set, the real ratings, and Table 1 and the box plot go to `figures_dir`.
# Without it, simulated ratings (10 raters, one careless) written beside the export: every
# method drawn around the same made-up mean, so they show what the analysis does and nothing
# about the methods. They never go to `figures/`.

# %%
simulated = not results_csv
ratings = (resolve(results_csv) if results_csv
           else mushra_analysis.write_simulated(manifest, 10, careless=1))
result = mushra_analysis.analyse(ratings, manifest, out if simulated else s.figures_dir, simulated)
dropped = result["dropped"]
print(f"{ratings.name}: {result['raters']} raters; dropped by post-screening: "
      f"{', '.join(f'{k} ({v:.0%} of trials)' for k, v in dropped.items()) or 'none'}")
display(Markdown(result["markdown"]), Image(filename=result["boxplot"]))
assert [row["condition"] for row in result["table"]] == mushra_export.conditions(manifest)  # all
assert not simulated or all(row["ratings"] == mushra_analysis.SIMULATED for row in result["table"])
assert not any(r["rater"] in dropped for r in result["kept"])

# %%
written = write_json(RESULTS / f"06_mushra-{s.test_id}.json", {
    "export": str(out), "clips": [t["name"] for t in trials], "speakers": heard,
    "ratings": mushra_analysis.SIMULATED if simulated else str(ratings), "dropped": dropped,
    "table1": result["table"]})
print(f"wrote {written}")
finding(mushra_analysis.finding_text(manifest, result))
