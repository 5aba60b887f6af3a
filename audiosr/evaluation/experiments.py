"""The experiments behind the paper's tables, as the evaluation notebook runs them: which
methods each table needs (a run that is missing is trained by the same code as 03_train), on
which test sets, and the scores. The notebook shows the tables and says what they mean."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from audiosr.core.paths import RESULTS
from audiosr.data.clips import unavailable_reason
from audiosr.evaluation.baselines import SINC, SPLINE, all_baselines
from audiosr.evaluation.evaluate import evaluate_sets, model_method, run_method
from audiosr.evaluation.paper import paper_task
from audiosr.inference.shipped import load_any, shipped_recipe, shipped_speech
from audiosr.networks.config import ModelConfig
from audiosr.networks.dnn import supports_ratio
from audiosr.training.runs import ensure_cache, ensure_run

SHIPPED_LABEL = "shipped AudioUNet, width 0.0625 (~1 CPU-hour)"
DNN_LABEL = "DNN (Li et al. 2015)"


@dataclass
class Experiment:
    """What the tables share: the notebook's configs and settings, and the device."""

    spec: object  # training.params.Spec
    settings: object  # the notebook's settings namespace
    device: object
    provenance: list[str] = field(default_factory=list)

    def data(self, ratio: int, dataset: str | None = None, lowpass: bool | None = None):
        s = self.settings
        return replace(
            self.spec.data,
            ratio=ratio,
            dataset=dataset or s.dataset,
            lowpass=s.lowpass if lowpass is None else lowpass,
        )

    def run(self, data_cfg, model_cfg) -> tuple[str, object, str]:
        """(label, method, how it was trained) of the run for (data, model), trained if missing."""
        s = self.settings
        run = ensure_run(data_cfg, model_cfg, self.spec.train, s.cache_root, s.train_missing)
        return run_method(run, self.device)

    def cache(self, data_cfg):
        return ensure_cache(data_cfg, self.settings.cache_root, build=self.settings.train_missing)


def real_sets(names: list[str]) -> tuple[list[str], list[str]]:
    """(the real test sets that are here, a line for each one that is not)."""
    why = {n: unavailable_reason(n) for n in names}
    return [n for n in names if not why[n]], [f"skipped: {why[n]}" for n in names if why[n]]


def table2_methods(exp: Experiment, ratio: int) -> tuple[dict, dict]:
    """Table 2's methods at `ratio`: the baselines, the DNN (r a power of 2), the notebook's
    AudioUNet and the shipped model (speech); and the paper's name for each it has."""
    s = exp.settings
    methods, as_paper = all_baselines(ratio), {SPLINE: "Spline"}
    models = [ModelConfig(arch="dnn", width=s.dnn_width, ratio=2)] if s.dnn else []
    for cfg in [c for c in models if supports_ratio(ratio)] + [exp.spec.model]:
        label, methods[label], how = exp.run(exp.data(ratio), cfg)
        as_paper[label] = "DNN" if cfg.arch == "dnn" else "Ours"
        exp.provenance.append(f"r = {ratio}, {label}: {how}")
    speech = paper_task(s.dataset, s.task) != "Piano"
    if s.shipped and speech and (name := shipped_speech(ratio).get("MSE")):
        methods[SHIPPED_LABEL] = model_method(load_any(name, ratio, exp.device), exp.device)
        as_paper[SHIPPED_LABEL] = "Ours"
        exp.provenance.append(f"r = {ratio}, {SHIPPED_LABEL} (`{name}`): `{shipped_recipe(name)}`")
    return methods, as_paper


def table2_scores(exp: Experiment, ratio: int, methods: dict, real: list[str], measures=()):
    """Each method's summary on the dataset's test split and on each real test set, by set."""
    own = {f"{exp.settings.dataset} test": exp.cache(exp.data(ratio))}
    sets = {f"{n} (real)": ensure_cache(exp.data(ratio, n), exp.settings.cache_root) for n in real}
    return {
        **evaluate_sets(own, methods, RESULTS, prefix="04_evaluate-"),
        **evaluate_sets(sets, methods, RESULTS, prefix="04_evaluate-", perceptual=measures),
    }


def table3_grid(exp: Experiment) -> tuple[dict, dict]:
    """Table 3: piano at `table3_ratio` trained with and without the low-pass filter, each tested
    both ways. (grid[tested_with][method] = summary, the two models by `trained_with`.)"""
    s, r = exp.settings, exp.settings.table3_ratio
    models = {lp: exp.run(exp.data(r, s.piano_dataset, lp), exp.spec.model) for lp in (True, False)}
    methods = {
        SPLINE: all_baselines(r)[SPLINE],
        **{f"trained {'with' if lp else 'without'} LPF": m[1] for lp, m in models.items()},
    }
    sets = {
        lp: ensure_cache(exp.data(r, s.piano_dataset, lp), s.cache_root) for lp in (True, False)
    }
    summaries = evaluate_sets(sets, methods, RESULTS, prefix="04_evaluate-table3-")
    return {
        lp: {row["method"]: row for row in summary} for lp, summary in summaries.items()
    }, models


def transfer_rows(exp: Experiment, piano_model) -> tuple[list[dict], dict]:
    """The speech and piano models at `table3_ratio`, each on both test sets."""
    s, r = exp.settings, exp.settings.table3_ratio
    models = {"speech": exp.run(exp.data(r), exp.spec.model), "piano": piano_model}
    methods = {
        SPLINE: all_baselines(r)[SPLINE],
        **{f"trained on {k}": m[1] for k, m in models.items()},
    }
    sets = {
        f"{name} ({ds})": ensure_cache(exp.data(r, ds), s.cache_root)
        for name, ds in (("speech", s.dataset), ("piano", s.piano_dataset))
    }
    rows = [
        {"test data": name, "method": row["method"], "files": row["files"],
         "SNR (dB)": round(row["SNR (dB)"], 2), "LSD": round(row["LSD"], 2)}
        for name, summary in evaluate_sets(sets, methods).items()
        for row in summary
    ]  # fmt: skip
    return rows, models


def table2_claims(summaries: dict, as_paper: dict, paper_row: str) -> list[dict]:
    """A verdict (`verdict.table2_claim`) per ratio, test set and model of ours, where the paper
    has the ratio; with the model's name and the test set."""
    from audiosr.evaluation.paper import TABLE2
    from audiosr.evaluation.verdict import table2_claim

    claims = []
    for r, by_set in summaries.items():
        for set_name, summary in by_set.items():
            ours = {row["method"]: row for row in summary}
            spline = (ours[SPLINE]["SNR (dB)"], ours[SPLINE]["LSD"])
            for method, theirs in as_paper[r].items():
                if theirs == "Ours" and (paper_row, r) in TABLE2 and method in ours:
                    row = (ours[method]["SNR (dB)"], ours[method]["LSD"])
                    claims.append({"model": method, "test set": set_name,
                                   **table2_claim(paper_row, r, row, spline)})  # fmt: skip
    return claims


def listening_methods(
    spec,
    device,
    cache_root: str | Path = "data/cache",
    train_missing: bool = True,
    dnn_width: float | None = 1.0,
    shipped: bool = True,
) -> dict:
    """What listeners compare, by name: the spline, sinc interpolation (the field's baseline),
    the DNN baseline (`dnn_width`; None or a
    ratio it does not support: left out), the AudioUNet that `spec` (data, model and training
    configs) names, and the shipped speech models for the ratio (`shipped`). The runs are those
    03_train and 04_evaluate make (trained here when missing and `train_missing`), so the
    listening test hears the models the tables score."""
    ratio = spec.data.ratio

    def trained(model_cfg):
        run = ensure_run(spec.data, model_cfg, spec.train, cache_root, train_missing)
        return run_method(run, device)[1]

    baselines = all_baselines(ratio)
    methods = {SPLINE: baselines[SPLINE], SINC: baselines[SINC]}
    if dnn_width is not None and supports_ratio(ratio):
        methods["DNN"] = trained(ModelConfig(arch="dnn", width=dnn_width, ratio=ratio))
    methods["AudioUNet"] = trained(spec.model)
    for kind, name in (shipped_speech(ratio) if shipped else {}).items():
        methods[f"shipped {kind}"] = model_method(load_any(name, ratio, device), device)
    return methods


def listening_cache(data_cfg, real_test_sets=(), cache_root="data/cache", build=True):
    """The clips listeners hear, as a data cache at `data_cfg`'s ratio: the first of
    `real_test_sets` (dataset names) that is here, real recordings of several speakers that no
    model trained on, like the paper's VCTK test; else the test split of `data_cfg`'s own
    dataset. Returns (cache, the reasons the sets before it were skipped)."""
    skipped = []
    for name in real_test_sets:
        reason = unavailable_reason(name)
        if reason is None:
            return ensure_cache(replace(data_cfg, dataset=name), cache_root, build), skipped
        skipped.append(reason)
    return ensure_cache(data_cfg, cache_root, build), skipped
