"""Figures 2 and 3 of the paper as the notebook `05_figures` draws them.

Figure 2 shows one real clip in every version, each titled with its scores. Figure 3 needs three
training runs; a reader at the notebook's tiny defaults has not trained the `make demo` ones, so
their per-epoch validation scores are committed as one CSV (`figures/figure3-ablation-history.csv`,
written by the notebook with params/demo.yaml) and drawn beside the tiny run's own points.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from audiosr.core.metrics import lsd, snr
from audiosr.core.paths import FIGURES
from audiosr.core.tables import read_csv, write_csv
from audiosr.evaluation.baselines import SINC, SPLINE, all_baselines, spline
from audiosr.evaluation.verdict import ablation_claim
from audiosr.listening.plots import drawn_once, note_single_points

HISTORY = "figure3-ablation-history.csv"
COMMITTED_HISTORY = FIGURES / HISTORY  # where params/demo.yaml writes it and git keeps it
HISTORY_COLUMNS = ("model", "epoch", "val_loss", "val_snr", "val_lsd", "budget")
SMOKE_STEPS = 100  # fewer training steps than this: a check that the code runs, not a result
ABLATIONS = ("full model", "no residual", "no residual, no skips")


def ablation_configs(full) -> dict:
    """Figure 3's three models from the full one's config: without the additive residual, and
    without residual and skips. The filter counts stay, so only the connections differ."""
    return {
        "full model": full,
        "no residual": replace(full, residual=False),
        "no residual, no skips": replace(full, residual=False, skips=False),
    }


def budget(train) -> str:
    """A run's training budget in words ("4 x 200 steps, batch 16"): what a curve's label must
    say, since a 3-step run and a 800-step run make different claims."""
    steps = "full epochs" if train.steps_per_epoch is None else f"{train.steps_per_epoch} steps"
    return f"{train.epochs} x {steps}, batch {train.batch_size}"


def is_smoke(train) -> bool:
    """True for a run too short to say anything about the paper (the notebooks' defaults)."""
    return train.steps_per_epoch is not None and train.epochs * train.steps_per_epoch < SMOKE_STEPS


@dataclass
class AblationRuns:
    """Figure 3's runs at one training budget: each model's validation scores by epoch."""

    budget: str
    histories: dict[str, list[dict]]

    @classmethod
    def trained(cls, data, full, train, cache_root, train_missing: bool) -> AblationRuns:
        """The three runs' histories from their checkpoints, training those that are missing
        (or, with `train_missing=False`, an error naming them)."""
        from audiosr.networks.checkpoint import CHECKPOINT, load_checkpoint
        from audiosr.training.runs import ensure_run

        runs = {
            label: ensure_run(data, cfg, train, cache_root, train_missing)
            for label, cfg in ablation_configs(full).items()
        }
        return cls(
            budget(train),
            {label: load_checkpoint(run / CHECKPOINT)["history"] for label, run in runs.items()},
        )

    def rows(self) -> list[dict]:
        """One row per model and epoch, the columns of HISTORY_COLUMNS (epochs without patch
        validation, such as a fine-tuning run's epoch 0, are left out)."""
        return [
            {
                "model": label,
                "epoch": int(h["epoch"]),
                **{k: float(h[k]) for k in ("val_loss", "val_snr", "val_lsd")},
                "budget": self.budget,
            }
            for label, history in self.histories.items()
            for h in history
            if "val_loss" in h
        ]

    def write(self, folder) -> Path:
        """The histories as `folder`/figure3-ablation-history.csv."""
        return write_csv(Path(folder) / HISTORY, self.rows(), list(HISTORY_COLUMNS))

    @classmethod
    def read(cls, path=COMMITTED_HISTORY) -> AblationRuns | None:
        """The runs `write` wrote, or None where there is no such file."""
        if not Path(path).is_file():
            return None
        rows = read_csv(path)
        histories: dict[str, list[dict]] = {}
        for row in rows:
            histories.setdefault(row["model"], []).append(
                {"epoch": int(row["epoch"])}
                | {k: float(row[k]) for k in ("val_loss", "val_snr", "val_lsd")}
            )
        return cls(rows[0]["budget"] if rows else "", histories)

    def final(self) -> list[dict]:
        """Each model's last epoch, as the Figure 3 table prints it."""
        return [
            {
                "model": label,
                "epochs": h[-1]["epoch"],
                "val MSE": f"{h[-1]['val_loss']:.3e}",
                "val SNR (dB)": round(h[-1]["val_snr"], 2),
                "val LSD": round(h[-1]["val_lsd"], 2),
            }
            for label, h in self.histories.items()
        ]

    def claim(self) -> dict:
        """`verdict.ablation_claim` on the final validation losses."""
        return ablation_claim(*(self.histories[k][-1]["val_loss"] for k in ABLATIONS))


def model_label(train) -> str:
    """Figure 2's name for the notebook's own model, with its budget: "AudioUNet, 4 x 200 steps"."""
    steps = budget(train).split(",")[0]
    return f"AudioUNet, {steps}" + (" (smoke run)" if is_smoke(train) else "")


def run_kind(train, figures=None) -> str:
    """What a notebook's own runs are called in figures and sentences: the committed runs where
    it writes the committed figures (`figures` is figures/), else smoke runs or this notebook's."""
    if figures is not None and Path(figures).resolve() == FIGURES.resolve():
        return "committed runs"
    return "smoke runs" if is_smoke(train) else "runs of this notebook"


def figure3_panels(committed: AblationRuns | None, this: AblationRuns, kind: str) -> dict:
    """What Figure 3 draws, by kind of run: the committed runs beside this notebook's (`kind`,
    `run_kind`), or these alone where they are the committed ones (the notebook run with
    params/demo.yaml) or none are committed."""
    if committed is None or committed.rows() == this.rows():
        return {kind: this}
    return {"committed runs": committed, kind: this}


@drawn_once
def ablation_figure(panels: dict[str, AblationRuns], title: str = ""):
    """Validation MSE (log scale) by epoch, one panel per kind of run side by side, titled with
    its budget, one colour per model throughout; a panel of one-epoch runs shows points and says
    so."""
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(max(6.2, 5.2 * len(panels)), 3.6),
        squeeze=False,
        constrained_layout=True,
    )
    for ax, (kind, runs) in zip(axes.flat, panels.items()):
        for i, label in enumerate(ABLATIONS):
            h = runs.histories.get(label, [])
            x, y = [r["epoch"] for r in h], [r["val_loss"] for r in h]
            ax.plot(x, y, "o-", color=f"C{i}", label=label)
        ax.set(title=f"{kind}: {runs.budget}", xlabel="epoch", yscale="log")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.grid(alpha=0.3, which="both")
        note_single_points(ax, [[r["epoch"] for r in h] for h in runs.histories.values()])
    axes[0, 0].set_ylabel("validation MSE")
    axes[0, 0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def figure3_words(kind: str, runs: AblationRuns) -> str:
    """The verdict on one kind of run in sentences (`verdict.ablation_words`); a smoke run's says
    that it is no evidence either way."""
    from audiosr.evaluation.verdict import ablation_words

    words = ablation_words(runs.claim(), f"the {kind} ({runs.budget})")
    if kind == "smoke runs":
        words += " A run this short checks that the code runs; it is no evidence either way."
    return words


def figure2_cache(data, figure2_data: str | None, cache_root):
    """(name, data cache) of Figure 2's clip: `figure2_data` (a real recording, the shared VCTK
    sample) cut as the run's data is, or the run's own dataset where that is absent here (said
    in a printed line, so the figure never silently shows other audio)."""
    from audiosr.data.clips import unavailable_reason
    from audiosr.training.runs import ensure_cache

    source = data.dataset if figure2_data in (None, "dataset") else figure2_data
    if absent := unavailable_reason(source):
        print(f"Figure 2 uses the {data.dataset} test split instead: {absent}")
        source = data.dataset
    return source, ensure_cache(replace(data, dataset=source), cache_root)


def figure2_methods(run, label: str, ratio: int, device, shipped: bool = True) -> dict:
    """The estimates Figure 2 compares: the cubic spline, sinc interpolation (the baseline
    bandwidth-extension papers report), the run's model (as `label`) and,
    with `shipped`, the shipped speech models for `ratio`, each the network alone on the spline
    as the paper scores it."""
    from audiosr.evaluation.evaluate import model_method
    from audiosr.inference.shipped import load_any, shipped_speech
    from audiosr.networks.checkpoint import CHECKPOINT, load_model_file

    model = load_model_file(run / CHECKPOINT, ratio=ratio, device=device)
    methods = {
        SPLINE: spline,
        SINC: all_baselines(ratio)[SINC],
        label: model_method(model, device),
    }
    for kind, name in (shipped_speech(ratio) if shipped else {}).items():
        methods[f"shipped {kind} model"] = model_method(load_any(name, ratio, device), device)
    return methods


def scored(versions: dict, ratio: int) -> tuple[dict, list[dict]]:
    """Figure 2's panels and its table from `listen.clip_versions`' output: the original, the
    low-res input at its own rate, then each estimate titled with its SNR and LSD against the
    original (one row each in the table)."""
    (_, (hr, sr)), (_, low) = list(versions.items())[:2]
    panels = {"high-res (original)": (hr, sr), f"low-res input (r = {ratio})": low}
    rows = []
    for label, (x, _) in list(versions.items())[2:]:
        rows.append({"version": label, "SNR (dB)": float(snr(x, hr)), "LSD": float(lsd(x, hr))})
        panels[f"{label}\nSNR {rows[-1]['SNR (dB)']:.1f} dB, LSD {rows[-1]['LSD']:.2f}"] = (x, sr)
    assert all(np.isfinite([r["SNR (dB)"] for r in rows] + [r["LSD"] for r in rows]))
    return panels, rows


def figure2_words(rows: list[dict], clip: str, ratio: int, task: str = "MultiSpeaker") -> str:
    """Each model's SNR gain over the spline and LSD as a fraction of the spline's on Figure 2's
    clip, in one sentence beside the paper's margin for `task` at `ratio` (Table 2)."""
    from audiosr.core.literate import signed
    from audiosr.evaluation.paper import TABLE2
    from audiosr.evaluation.verdict import paper_margin

    by = {r["version"]: r for r in rows}
    base = by.pop(SPLINE)
    parts = [
        f"{label} {signed(round(r['SNR (dB)'] - base['SNR (dB)'], 1) + 0.0, 1, 'dB')} SNR and "
        f"{r['LSD'] / base['LSD']:.2f}x its LSD"
        for label, r in by.items()
    ]
    paper = (
        f" (the paper's {task} model at r = {ratio}: {paper_margin(task, ratio)} over the spline)"
        if (task, ratio) in TABLE2
        else ""
    )
    return (
        f"On {clip} the spline scores SNR {base['SNR (dB)']:.1f} dB, LSD {base['LSD']:.2f}; "
        f"against it, {'; '.join(parts)}{paper}."
    )


def closing_words(scores: list[dict], clip: str, ratio: int, kind: str, runs: AblationRuns) -> str:
    """The notebook's finding: the shipped MSE model (else the first model) against the spline on
    Figure 2's real clip, the shipped frame model beside it where one ships, and Figure 3's
    verdict on `runs` of `kind` (the committed ones where there are)."""
    from audiosr.core.literate import signed
    from audiosr.evaluation.paper import TABLE2
    from audiosr.evaluation.verdict import paper_margin

    by = {r["version"]: r for r in scores}
    base, sinc = by.pop(SPLINE), by.pop(SINC, None)  # baselines, not models
    name = next((k for k in by if k.startswith("shipped MSE")), next(iter(by)))
    m, c = by[name], runs.claim()
    paper = (
        f"; the paper's: {paper_margin('MultiSpeaker', ratio)}"
        if ("MultiSpeaker", ratio) in TABLE2
        else ""
    )

    def beside(row: dict) -> str:  # a row's SNR and LSD against the spline's
        return (
            f"{signed(round(row['SNR (dB)'] - base['SNR (dB)'], 1) + 0.0, 1, 'dB')} and "
            f"{row['LSD'] / base['LSD']:.2f}x"
        )

    frame = by.get("shipped frame model")
    if frame is not None and frame is not m:  # the field's kind of model, where one ships
        paper += f"; the shipped frame model, which fills the missing band, {beside(frame)}"
    if sinc is not None:  # the baseline bandwidth-extension papers report
        paper += f"; sinc interpolation {beside(sinc)}"
    return (
        f"On the real clip {clip} at r = {ratio} the {name} scores SNR {m['SNR (dB)']:.1f} dB and "
        f"LSD {m['LSD']:.2f} against the spline's {base['SNR (dB)']:.1f} dB and {base['LSD']:.2f} "
        f"({signed(round(m['SNR (dB)'] - base['SNR (dB)'], 1) + 0.0, 1, 'dB')}, "
        f"{m['LSD'] / base['LSD']:.2f}x the "
        f"LSD{paper}). Figure 3 on the {kind} ({runs.budget}): {c['verdict']}, the full model "
        f"ending at validation MSE {c['full']:.2e} against {c['no residual']:.2e} without the "
        f"residual and {c['no residual, no skips']:.2e} without residual and skips."
    )
