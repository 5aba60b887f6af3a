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
# # 04 · Evaluation: the paper's Tables 2 and 3
#
# This notebook scores trained models and the baselines on whole test files, as the paper
# does: SNR (eq. 2) and LSD (eq. 3) per file, then the mean over files.
#
# - **Table 2**: every method at each ratio on the test split and, beside it, on real speech
#   no model trained on (the 16 VCTK utterances of the shared `vctk-sample` and LibriSpeech
#   test-other, where the shared folder is present): cubic spline, two band-limited
#   resamplers, the DNN of Li et al. (2015) and AudioUNet: the run this notebook's parameters
#   name (minutes, with the demo's) and, beside it, the shipped model of the same size trained
#   about an hour on real speech (`shipped`), so the table shows what budget does.
# - **Table 3**: piano at r = 2, trained with and without the low-pass filter, tested with and
#   without it; and the speech-to-piano, piano-to-speech transfer.
# - The compute cost of each method per second of audio.
#
# Tables go to `figures/` as CSV and Markdown, the paper's numbers in labelled columns. Every
# model comes from a run folder: `03_train` makes the main one; a run a table needs that does
# not exist yet is trained here by the same code (`train_missing`), so this notebook also runs
# on its own. To get the paper's tables, point `dataset` at VCTK and `piano_dataset` at the
# piano corpus, with `params/paper.yaml`'s training settings, on a GPU.

# %% tags=["parameters"]
dataset = "embedded-speech"          # as in 01_data and 03_train
task = "multi"                       # as in 01_data and 03_train
ratios = [4]                         # Table 2 ratios (params/demo.yaml: 2, 4, 6)
paper_row = None                     # the paper's Table 2 row beside ours: SingleSpeaker, MultiSpeaker, Piano (None: from dataset and task)
patch_len = 6000                     # as in 01_data
stride = 3000                        # as in 01_data
lowpass = True                       # as in 01_data
max_clips = 4                        # as in 01_data (tiny default for tests; None: all)
cache_root = "data/cache"            # as in 01_data
variant = "paper"                    # as in 03_train
blocks = 4                           # as in 03_train
width = 0.0625                       # as in 03_train
upsample = "subpixel"                # as in 03_train
dnn = True                           # also the DNN baseline of Li et al (r a power of 2 only)
shipped = True                       # also the shipped MSE speech model per ratio (about a CPU-hour on real speech; speech only)
dnn_width = 1.0                      # multiplier on the DNN 2048 hidden units
piano_dataset = "embedded-piano"     # Table 3 and transfer (None: skip both)
table3_ratio = 2                     # the paper: 2
real_test_sets = ["vctk-sample", "librispeech-test-other"]  # real speech scored beside the test split (where present)
perceptual = False                   # also PESQ-WB and STOI on the real-speech sets (objective, not MUSHRA)
train_missing = True                 # train runs the tables need that 03_train has not made
epochs = 1                           # training settings for such runs (as in 03_train)
batch_size = 8
lr = 0.001
steps_per_epoch = 3
val_batches = 2
seed = 0
device = "auto"                      # auto picks cuda, then mps, then cpu
params_name = None                   # the params file used, printed under each table
figures_dir = "out/figures"          # where the tables go; params/demo.yaml sets figures

# %%
from dataclasses import replace

from IPython.display import Markdown, display

from audiosr.core import perceptual as perceptual_measures
from audiosr.core.distrib import pick_device
from audiosr.core.paths import RESULTS, resolve, write_json
from audiosr.core.tables import markdown_table, read_csv, write_table
from audiosr.data.clips import unavailable_reason
from audiosr.evaluation.baselines import SPLINE, all_baselines
from audiosr.evaluation.evaluate import evaluate_sets, model_method, run_method
from audiosr.evaluation.paper import TABLE2, paper_task
from audiosr.evaluation.paper_tables import table2_rows, table3_rows
from audiosr.evaluation.verdict import (
    DIRECTION,
    FAIL_MARGIN,
    NOT,
    REPRODUCED,
    VERDICTS,
    table2_claim,
    table2_claims_from_rows,
    table3_claim,
    transfer_claim,
)
from audiosr.inference.shipped import load_any, shipped_recipe, shipped_speech
from audiosr.listening.listen import ComparisonPanel
from audiosr.networks.audiounet import ModelConfig
from audiosr.networks.dnn import supports_ratio
from audiosr.training.params import configs_from
from audiosr.training.runs import ensure_cache
from audiosr.training.train import ensure_run

# %%
dev = pick_device(device)
spec = configs_from(globals())  # the parameters above as data, model and training configs
train_cfg, unet = spec.train, spec.model  # each run gets its ratio from its data
dnn_cfg = ModelConfig(arch="dnn", width=dnn_width, ratio=2)
figures = resolve(figures_dir)
made_by = f"Made by notebooks/04_evaluate with {params_name or 'its default parameters'}."
real_sets = [name for name in real_test_sets if not unavailable_reason(name)]
for name in sorted(set(real_test_sets) - set(real_sets)):
    print(f"skipped: {unavailable_reason(name)}")
measures = perceptual_measures.FAST if perceptual else ()
for line in perceptual_measures.missing(measures):
    print(f"skipped {line}")


SHIPPED_LABEL = "shipped AudioUNet, width 0.0625 (~1 CPU-hour)"


def data(ratio, ds=dataset, lp=lowpass):
    return replace(spec.data, ratio=ratio, dataset=ds, lowpass=lp)


# %% [markdown]
# ## 1. Table 2: every method on whole test files
#
# Every method receives the same low-res clip (and its spline). Per-file scores go to
# `results/`, so any number here can be traced to its files.

# %%
summaries, provenance, listen_methods, as_paper = {}, [], {}, {}
for r in ratios:
    models = [dnn_cfg] if dnn and supports_ratio(r) else []
    methods = all_baselines(r)
    as_paper[r] = {SPLINE: "Spline"}  # our method's name -> the paper's, for its columns
    for cfg in models + [unet]:
        label, methods[label], how = run_method(ensure_run(data(r), cfg, train_cfg, cache_root, train_missing), dev)
        as_paper[r][label] = "DNN" if cfg.arch == "dnn" else "Ours"
        provenance.append(f"r = {r}, {label}: {how}")
    shipped_name = shipped_speech(r).get("MSE") if shipped and paper_task(dataset, task) != "Piano" else None
    if shipped_name:  # what a longer budget buys: the same network trained about an hour on real speech
        methods[SHIPPED_LABEL] = model_method(load_any(shipped_name, r, dev), dev)
        as_paper[r][SHIPPED_LABEL] = "Ours"
        provenance.append(f"r = {r}, {SHIPPED_LABEL} (`{shipped_name}`): `{shipped_recipe(shipped_name)}`")
    listen_methods[r] = methods
    own = {f"{dataset} test": ensure_cache(data(r), cache_root, build=train_missing)}
    real = {f"{name} (real)": ensure_cache(data(r, ds=name), cache_root) for name in real_sets}
    summaries[r] = {**evaluate_sets(own, methods, RESULTS, prefix="04_evaluate-"),
                    **evaluate_sets(real, methods, RESULTS, prefix="04_evaluate-", perceptual=measures)}
    for set_name, summary in summaries[r].items():
        print(f"r = {r}, {set_name}:")
        display(Markdown(markdown_table(summary)))

# %% [markdown]
# Listen to real speech no model was trained on (the VCTK sample where present, else the test
# split), every method side by side at the same loudness, with spectrograms and per-file scores
# (pick a clip and a ratio; nothing needs re-running).

# %%
listen_to = real_sets[0] if real_sets else dataset  # real speech of a few seconds where present
ComparisonPanel({r: (ensure_cache(data(r, ds=listen_to), cache_root, build=train_missing), listen_methods[r])
                 for r in ratios})

# %% [markdown]
# The band-limited resamplers (polyphase, soxr) are *exact* below the low-res Nyquist
# frequency and leave everything above it empty: their LSD is no better than the spline's. What
# the learned models add is the missing band, which is what LSD measures.

# %%
paper_row = paper_row or paper_task(dataset, task)
table2 = [row for r in ratios for row in table2_rows(summaries[r], r, paper_row, as_paper[r])]
notes = [f"The paper's columns are its {paper_row} numbers (VCTK / its piano set, the full model "
         "trained 400 epochs on a GPU), not ours, beside our own test split only."]
if dnn and any(not supports_ratio(r) for r in ratios):
    notes.append("DNN: n/a for r not a power of 2, as in the paper.")
name = f"table2-{dataset if '/' not in str(dataset) else 'custom'}-{task}"
md2 = write_table(figures / name, table2, f"Table 2 ({dataset}, {task}, whole test files; paper: {paper_row})",
                  "\n".join(f"- {n}" for n in notes + provenance) + f"\n\n{made_by}")
display(Markdown(md2.read_text()))

# %% [markdown]
# ## 2. Table 3: the low-pass filter, train x test (piano, r = 2)
#
# The paper's low-res signal is low-passed before subsampling; plain `x[::r]` aliases the
# upper band into the lower one. A model trained on one kind of input and tested on the other
# should degrade: it learned the filter as part of the task.

# %%
if piano_dataset:
    piano = {lp: ensure_run(data(table3_ratio, piano_dataset, lp), unet, train_cfg, cache_root, train_missing)
             for lp in (True, False)}
    piano_models = {lp: run_method(run, dev) for lp, run in piano.items()}
    methods = {SPLINE: all_baselines(table3_ratio)[SPLINE],
               **{f"trained {'with' if lp else 'without'} LPF": m[1] for lp, m in piano_models.items()}}
    sets = {test_lp: ensure_cache(data(table3_ratio, piano_dataset, test_lp), cache_root) for test_lp in (True, False)}
    grid = {test_lp: {s["method"]: s for s in summary}
            for test_lp, summary in evaluate_sets(sets, methods, RESULTS, prefix="04_evaluate-table3-").items()}
    table3 = table3_rows(grid, piano_dataset)
    md3 = write_table(figures / "table3-lowpass", table3,
                      f"Table 3 ({piano_dataset}, r = {table3_ratio}, SNR / LSD on whole test files)",
                      "\n".join(f"- {'with' if lp else 'without'} LPF: {m[2]}" for lp, m in piano_models.items())
                      + f"\n\nThe paper's columns are its piano numbers.\n\n{made_by}")
    display(Markdown(md3.read_text()))

# %% [markdown]
# ## 3. Transfer: speech to piano and piano to speech
#
# The paper reports that a model trained on one domain degrades on the other (noisy output).
# Here the speech and piano models at r = 2, each on both test sets.

# %%
if piano_dataset:
    models = {"speech": run_method(ensure_run(data(table3_ratio), unet, train_cfg, cache_root, train_missing), dev),
              "piano": piano_models[lowpass]}
    methods = {SPLINE: all_baselines(table3_ratio)[SPLINE],
               **{f"trained on {k}": m[1] for k, m in models.items()}}
    sets = {f"{name} ({ds})": ensure_cache(data(table3_ratio, ds), cache_root)
            for name, ds in (("speech", dataset), ("piano", piano_dataset))}
    transfer = [{"test data": name, "method": s["method"], "files": s["files"],
                 "SNR (dB)": round(s["SNR (dB)"], 2), "LSD": round(s["LSD"], 2)}
                for name, summary in evaluate_sets(sets, methods).items() for s in summary]
    md_t = write_table(figures / "transfer", transfer, f"Transfer (r = {table3_ratio}, whole test files)",
                       "\n".join(f"- {k}: {m[2]}" for k, m in models.items()) + f"\n\n{made_by}")
    display(Markdown(md_t.read_text()))

# %% [markdown]
# ## 4. Verdict: does the paper reproduce?
#
# Each claim against the paper's number, not only the spline's, by rules fixed in
# `audiosr.evaluation.verdict` before any number was read. Table 2: our SNR gain over the spline
# and LSD ratio on the held-out split against the paper's on VCTK; *reproduced* takes at least
# 3/4 of the paper's gain and an LSD ratio within 0.1 of its own, *direction reproduced* only
# beats the spline on both. The paper's full model trained 400 epochs on a GPU; the budget of each
# of ours is in its label. With the tiny defaults the notebook's own model is barely trained.

# %%
claims = []
for r in ratios:
    ours = {s["method"]: s for s in summaries[r][f"{dataset} test"]}
    spline_scores = (ours[SPLINE]["SNR (dB)"], ours[SPLINE]["LSD"])
    for method, theirs in as_paper[r].items():
        if theirs == "Ours" and (paper_row, r) in TABLE2:  # the paper has r = 2, 4, 6
            row = table2_claim(paper_row, r, (ours[method]["SNR (dB)"], ours[method]["LSD"]), spline_scores)
            claims.append({"model": method, **row})
assert all(c["verdict"] in VERDICTS for c in claims)
assert all((c["verdict"] == NOT) == (c["SNR gain (dB)"] <= 0 or c["LSD / spline"] >= 1)
           or c["verdict"] == REPRODUCED for c in claims)
display(Markdown(markdown_table(claims)))

# %% [markdown]
# Above: Table 2 per ratio and model. Below, where piano ran: Table 3's low-pass sensitivity
# (the paper's mismatched models fall some 29 dB below the spline; *reproduced* where ours falls
# 3 dB or more below the spline on that input, *direction reproduced* below the model trained on
# that input) and the speech / piano transfer (each transfer below the model trained on the test
# domain).

# %%
if piano_dataset:
    name_of = {True: "trained with LPF", False: "trained without LPF"}
    snr3 = {(trained, tested): grid[tested][name_of[trained]]["SNR (dB)"] for trained in (True, False)
            for tested in (True, False)}
    spline3 = {tested: grid[tested][SPLINE]["SNR (dB)"] for tested in (True, False)}
    lowpass_claims = table3_claim(snr3, spline3)
    by = {(t["test data"].split(" ")[0], t["method"]): t["SNR (dB)"] for t in transfer}
    transfer_verdict = transfer_claim({(a, b): by[(b, f"trained on {a}")] for a in ("speech", "piano")
                                       for b in ("speech", "piano")})
    assert all(c["verdict"] in VERDICTS for c in lowpass_claims + [transfer_verdict])
    assert all((c["verdict"] == REPRODUCED) == (c["SNR (dB)"] <= c["spline (dB)"] - FAIL_MARGIN) for c in lowpass_claims)
    display(Markdown(markdown_table(lowpass_claims)))
    display(Markdown(markdown_table([transfer_verdict])))

# %% [markdown]
# ## 5. Table 2 as the original code ran it: no low-pass filter
#
# The original code made its MultiSpeaker patches as plain `x[::r]` (its Makefiles never pass
# `--low-pass`), so the paper's Table 2 comes, as far as its code tells, from a model trained and
# tested on aliased input. Aliases fold part of the missing band into the kept one, so some of the
# paper's margin could be de-aliasing rather than super-resolution. Training the shipped recipe
# that way takes a quarter of an hour to an hour of CPU per ratio, too long for this notebook:
# `scripts/nolowpass-table.sh` makes the tables (`figures/real-speech-nolowpass-r{r}`, on
# unfiltered real speech against the spline on the same input), read and judged here where they
# exist.

# %%
nolowpass_claims = []
for path in sorted(resolve("figures").glob("real-speech-nolowpass-r*.csv")):
    nolowpass_claims += table2_claims_from_rows(read_csv(path), "test set",
                                                lambda m: f"the shipped recipe, no filter ({path.name})" if "nolowpass" in m else None,
                                                SPLINE)
assert all(c["verdict"] in VERDICTS for c in nolowpass_claims)
display(Markdown(markdown_table(nolowpass_claims) if nolowpass_claims
                 else "No no-low-pass table yet: `scripts/nolowpass-table.sh` makes them."))

# %% [markdown]
# What the aliasing explains, on the committed tables: at r = 4, where the run went furthest
# (13 of its 20 epochs), the model trained and tested without the filter beats the spline and
# reaches the paper's LSD ratio (0.39-0.41x against 0.44x), but gains about a dB of SNR, a third
# of the paper's +3.1 and a few tenths more than the filtered model on filtered input: de-aliasing
# is a small part of the paper's margin. The check below fails the day such a model reaches
# the paper's gain, or stops beating the spline.

# %%
at4 = [c for c in nolowpass_claims if "r = 4" in c["claim"]]
assert not nolowpass_claims or (at4 and all(c["verdict"] == DIRECTION for c in at4))

# %% [markdown]
# ## Summary
#
# In this notebook we have scored the models and the baselines on whole test files, written
# Table 2 beside the paper's numbers, Table 3 (the low-pass filter, train x test) and the
# transfer between speech and piano, with each method's compute cost per second of audio.

# %%
written = write_json(RESULTS / f"04_evaluate-{name}.json",
           {"table2": table2, "table2_claims": claims, "provenance": provenance,
            "table3": table3 if piano_dataset else None, "transfer": transfer if piano_dataset else None,
            "lowpass_claims": lowpass_claims if piano_dataset else None,
            "transfer_claim": transfer_verdict if piano_dataset else None})
print(f"04_evaluate wrote Table 2{', Table 3 and the transfer table' if piano_dataset else ''} to {figures}, "
      f"per-file scores to {RESULTS}, and {written}")
