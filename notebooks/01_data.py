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
# # 01 · Data: from a clean recording to the network's input
#
# This notebook shows the paper's data pipeline (Kuleshov, Enam & Ermon 2017, §3 and the
# original code): a high-resolution clip **HR** at 16 kHz is low-passed with an order-8
# Chebyshev type I filter and subsampled by the ratio *r* (**LR**), then brought back to 16 kHz
# by cubic B-spline interpolation (**spline**), which is what the network receives. The network
# then only has to predict the residual `HR - spline`: the missing high frequencies.
#
# It ends by writing the patch cache that `03_train` reads to `data/cache/<parameters>/` (the
# later notebooks build it themselves where it is missing) and a summary to
# `results/01_data-<cache>.json`.

# %% tags=["parameters"]
dataset = "embedded-speech"  # a name in datasets.dataset_names(), or a VCTK / LibriSpeech / piano folder
task = "multi"               # single or multi: SingleSpeaker or MultiSpeaker split of the paper (speech)
ratio = 4                    # upsampling ratio r: 16 kHz / r is the low-res rate
patch_len = 6000             # training patch, HR samples (paper: 6000)
stride = 3000                # hop between patches (original code: half a patch)
lowpass = True               # False: Table 3 variant without low-pass, plain x[::r]
max_clips = 4                # first N clips per split, a tiny default for tests (None: all)
example = 0                  # which test clip to show
cache_root = "data/cache"    # where the cache goes, relative to the repository root

# %%
import numpy as np
from IPython.display import display

from audiosr.core import dsp, literate
from audiosr.core.audio import load_audio
from audiosr.core.paths import RESULTS, write_json
from audiosr.data import clips as datasets
from audiosr.data import patches, splits
from audiosr.data.corpus.summary import summary as corpus_summary
from audiosr.evaluation.baselines import all_baselines
from audiosr.listening import listen, plots
from audiosr.training.params import configs_from

cfg = configs_from(globals()).data  # the data parameters above, as one config
cfg

# %% [markdown]
# ## 1. The corpus and its splits
#
# The paper's SingleSpeaker task trains on the first 223 recordings of VCTK speaker p225 and
# tests on its last 8; MultiSpeaker trains on the first 99 speakers and tests on the last 8
# (whole voices held out). Piano is split 88 / 6 / 6. We carve a validation split from the
# train side only, so the test split stays the paper's.
#
# Real speech is read from the shared folder beside the checkout (`$AUDIOSR_SHARED`), never
# copied into the project: `vctk-sample` (16 VCTK utterances, all test), `librispeech-train`
# (held-out speakers for val and test), `librispeech-test-other` (a test set only) and
# `speech-commands` (`datasets.SHARED_DATASETS` says what each is).

# %%
clips = datasets.load_clips(dataset, task)
split_rows = [{"split": s, "clips": len(c), "groups": len({x.group for x in c}),
               "groups (first 6)": ", ".join(sorted({x.group for x in c})[:6])}
              for s, c in splits.by_split(clips).items()]
assert split_rows[2]["clips"] > 0, "no test clips"
if task == "multi" and not dataset.endswith("piano") and dataset != "vctk-sample":
    groups = {s: {c.group for c in clips if c.split == s} for s in splits.SPLITS}
    assert not groups["test"] & (groups["train"] | groups["val"]), "test voices leak into training"
display(literate.table(split_rows))

# %% [markdown]
# For the embedded corpus, each source's measured contents: how many voices, minutes, and the
# fraction of energy above 4 kHz, the band a 16 kHz model must learn to predict at r = 4.
# Real VCTK speech has 0.1-2.3% there.

# %%
if dataset.startswith("embedded"):
    summary = corpus_summary(kind=dataset.split("-")[1])
    display(literate.table(summary))

# %% [markdown]
# ## 2. One clip at three resolutions

# %%
clip = splits.by_split(clips)["test"][example]
x = load_audio(clip.path)
t = dsp.make_triplet(x, ratio, lowpass)
lowres_sr = dsp.lowres_rate(ratio, cfg.sr)
assert len(t.hr) % ratio == 0 and len(t.lowres) * ratio == len(t.hr) == len(t.spline)
assert np.allclose(t.spline[::ratio], t.lowres, atol=1e-5)  # spline passes through every LR sample
print(f"{clip.path.name} ({clip.group}): {len(t.hr) / cfg.sr:.2f} s, HR {len(t.hr)} samples, "
      f"LR {len(t.lowres)} samples at {lowres_sr:g} Hz")
versions = {"HR": (t.hr, cfg.sr), f"LR (r={ratio})": (t.lowres, lowres_sr), "spline": (t.spline, cfg.sr)}
display(plots.compare_spectrograms(versions, title=f"{clip.path.name}: what the network sees and must predict"))

# %% [markdown]
# The LR spectrogram stops at its Nyquist frequency (16 / 2r kHz); the spline brings the signal
# back to 16 kHz but adds almost nothing above that line. That empty band is what the network
# fills in. The paper's Figure 2 shows the same picture for VCTK at r = 4.

# %%
display(plots.compare_waveforms(versions, dur_s=0.01))  # the loudest 10 ms of HR

# %% [markdown]
# Up close, the LR samples (dots) lie on both curves: the spline interpolates them exactly, and
# the gap between spline and HR is the network's target.

# %% [markdown]
# ## 3. The anti-aliasing filter
#
# `scipy.signal.decimate(x, r)` applies an order-8 Chebyshev type I low-pass with 0.05 dB ripple
# and cut-off at 0.8 of the new Nyquist, forwards and backwards (zero phase), then keeps every
# r-th sample. Without it (`lowpass = False`), content above the new Nyquist folds back into the
# low band: the paper's Table 3 shows a model trained one way fails on data made the other way.

# %%
display(plots.lowpass_response((2, 4, 6), cfg.sr))
hr_hf = dsp.band_energy_fraction(t.hr, cfg.sr, cfg.sr / (2 * ratio))
sp_hf = dsp.band_energy_fraction(t.spline, cfg.sr, cfg.sr / (2 * ratio))
print(f"energy above {cfg.sr / (2 * ratio):.0f} Hz: HR {hr_hf:.2%}, spline {sp_hf:.4%}")
assert sp_hf < hr_hf or hr_hf == 0, "the spline should not add high-band energy"

# %% [markdown]
# ## 4. The patch cache for training
#
# Every clip is stored whole at the three resolutions, with the start of every training patch;
# the folder is named by these parameters and appears only once complete.

# %%
cache = patches.build_cache(cfg, root=cache_root)
counts = cache.info["counts"]
hr_p, sp_p = cache.patches("train", "hr"), cache.patches("train", "spline")
assert hr_p.shape == sp_p.shape == (counts["train"]["patches"], patch_len) and len(hr_p) > 0
assert np.allclose(sp_p[:, ::ratio], cache.patches("train", "lowres"), atol=1e-5)
display(literate.table([{"split": s, **c} for s, c in counts.items()]))
print("cache:", cache.folder)

# %% [markdown]
# ## 5. Listen
#
# Every test clip as the network will meet it: high-res, low-res (at its own rate) and the
# baselines, all at the same loudness (ITU-R BS.1770), each with its spectrogram and its
# SNR / LSD. Pick a clip from the list; nothing needs re-running. `06_mushra` adds the models.

# %%
listen.ComparisonPanel({ratio: (cache, all_baselines(ratio))})

# %% [markdown]
# ## Finding

# %%
hf = [dsp.band_energy_fraction(load_audio(c.path), cfg.sr, cfg.sr / (2 * ratio)) for c in splits.by_split(clips)["test"]]
display(literate.finding(
    f"At r = {ratio} the network must predict everything above {cfg.sr / (2 * ratio) / 1000:g} kHz: "
    f"{np.median(hf):.2%} of the energy of a median {dataset} test clip ({min(hf):.2%}-{max(hf):.2%}; real VCTK "
    f"speech has 0.1-2.3%), of which the spline restores {sp_hf / max(hr_hf, 1e-12):.1%} on the clip above. "
    f"The cache holds {counts['train']['patches']} training patches of {patch_len} samples "
    f"({counts['train']['patches'] * patch_len / cfg.sr / 60:.1f} minutes of audio)."))
headline = {"dataset": dataset, "task": task, "ratio": ratio, "lowpass": lowpass, "cache": cache.folder.name,
            "counts": counts, "example_hf_energy_hr": hr_hf, "example_hf_energy_spline": sp_hf, "test_hf_median": float(np.median(hf))}
print(f"wrote the training cache {cache.folder} and {write_json(RESULTS / f'01_data-{cache.folder.name}.json', headline)}")
