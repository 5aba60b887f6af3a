"""Trained models shipped inside the package (safetensors: weights only, no code runs on load),
so `audiosr upsample` works right after install.

Each `models/audiounet-small-r{r}.safetensors` (speech, trained on the MSE: the paper's metrics;
`audiounet-piano-r4` for piano) and `audiounet-perceptual-r{r}` (speech, trained to sound
better), and `framenet-r{r}` (speech, the frame-domain generator: a snapshot of the run under
`models/growing/`, shipped at a fill level chosen on its validation files; `framenet-piano-r4`
the same run branched to piano) carries its
architecture, data and training settings in its metadata, and a `.json` beside it says how to
remake it (`make shipped-models`, `make perceptual-models`, `growing ship`).
`models/defaults.json` says which one a ratio uses when no model is named, and why.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from audiosr.core.paths import atomic_path, json_text, resolve
from audiosr.networks.checkpoint import (
    BEST,
    CHECKPOINT,
    CheckpointError,
    load_checkpoint,
    load_model_file,
)

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "models"


DEFAULTS = "defaults.json"  # ratio -> the model `audiosr upsample` uses, and why


def default_name(ratio: int) -> str:
    """The shipped model used for `ratio` when none is named: the one `models/defaults.json`
    names (chosen on the real-speech benchmark, docs/perceptual.md), else the MSE model."""
    path = SHIPPED_DIR / DEFAULTS
    if path.is_file():
        chosen = json.loads(path.read_text(encoding="utf-8")).get(str(ratio))
        if chosen:
            return chosen["model"]
    return f"audiounet-small-r{ratio}"


def shipped_path(ratio: int) -> Path:
    path = SHIPPED_DIR / f"{default_name(ratio)}.safetensors"
    if not path.is_file():
        have = sorted(
            p.stem.rsplit("-r", 1)[1] for p in SHIPPED_DIR.glob("audiounet-small-r*.safetensors")
        )
        raise CheckpointError(
            f"no shipped model for ratio {ratio} (shipped: r = {', '.join(have) or 'none'}); "
            "pass --checkpoint with a model you trained."
        )
    return path


def ship(
    run_dir: str | Path, out: str | Path, recipe: str | None = None, replace: bool = False
) -> Path:
    """Write a run's trained weights as safetensors with their settings, plus a JSON sidecar:
    the epoch chosen on whole validation files (best.pt) where the run kept one, else the last."""
    run_dir = resolve(run_dir)
    best = run_dir / BEST
    state = load_checkpoint(best if best.is_file() else run_dir / CHECKPOINT)
    meta = {
        "model_config": state["model_config"],
        "data": state["data"],
        "train_config": state["train_config"],
        "epoch": state["epoch"],
        "validation": state["history"][-1] if state["history"] else {},
        "selected": (
            f"best epoch on whole validation files ({_selection(state['train_config'])})"
            + (": epoch 0, the model it started from" if state["epoch"] == 0 else "")
        )
        if best.is_file()
        else "last epoch",
        "run": run_dir.name,
        "recipe": recipe or f"audiosr ship {run_dir} -o {out}",
    }
    return save_model(state["model"], out, meta, replace)


def _selection(train_config: dict) -> str:
    select = train_config.get("select", "snr")
    if select == "snr":
        return "SNR"
    margin = train_config.get("snr_margin", 0.0)
    name = {"lsd": "LSD", "visqol": "ViSQOL"}.get(select, select)
    return f"{name}, among epochs with SNR at least the spline's" + (
        f" less {margin:g} dB" if margin else ""
    )


def save_model(tensors: dict, out: str | Path, meta: dict, replace: bool = False) -> Path:
    """Weights as safetensors, `meta` (with `model_config`) inside and beside; neither file is
    put in place unless both could be written. An existing file (or one that appears meanwhile)
    is kept unless `replace` (FileExistsError)."""
    from safetensors.torch import save

    if "model_config" not in meta:
        raise ValueError("meta needs the model_config that rebuilds the network.")
    out = resolve(out)
    if out.suffix != ".safetensors":
        raise ValueError(f"{out}: a model is written as .safetensors; give -o a name ending so.")
    sidecar = out.with_suffix(".json")
    if sidecar.exists() and not replace:
        raise FileExistsError(f"{sidecar}: exists (the model's settings go there); pass --force.")
    # into memory first: safetensors' own writer fails with errors of its own
    weights = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    data = save(weights, metadata={"audiosr": json.dumps(meta)})
    with atomic_path(out, ".safetensors", replace=replace) as tmp:
        tmp.write_bytes(data)
        with atomic_path(sidecar, ".json", replace=replace) as tmp_sidecar:  # a folder: refused
            tmp_sidecar.write_text(json_text(meta))
    return out


def shipped_names() -> list[str]:
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.safetensors"))


SPEECH_KINDS = {
    "MSE": "audiounet-small-r{r}",
    "perceptual": "audiounet-perceptual-r{r}",
    "frame": "framenet-r{r}",
}


def shipped_speech(ratio: int) -> dict[str, str]:
    """The shipped speech models for `ratio` that are here, by kind (``MSE``: the paper's
    metrics; ``perceptual``: trained to sound better; ``frame``: the frame-domain generator,
    trained blind with the field's recipe): what figures and listening tests show side by
    side."""
    have = shipped_names()
    named = {kind: pattern.format(r=ratio) for kind, pattern in SPEECH_KINDS.items()}
    return {kind: name for kind, name in named.items() if name in have}


def shipped_recipe(name: str) -> str:
    """The commands that trained and shipped a shipped model (its sidecar's `recipe`)."""
    meta = json.loads((SHIPPED_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return meta.get("recipe") or f"{name}: no recipe recorded"


def load_any(path: str | Path | None, ratio: int | None = None, device="cpu") -> torch.nn.Module:
    """A model from a shipped model's name (`audiounet-small-r4`), a .safetensors or a training
    .pt checkpoint (checked against `ratio` when given); None: the shipped model for `ratio`."""
    if path is None and ratio is None:
        raise CheckpointError(
            f"give a model name ({', '.join(shipped_names())}), a file, or a ratio."
        )
    if isinstance(path, str) and path in shipped_names():
        path = SHIPPED_DIR / f"{path}.safetensors"
    if path is None:
        return load_model_file(shipped_path(ratio), ratio=ratio, device=device)
    given, path = path, resolve(path)
    if path.is_dir():  # a run folder: its best epoch where it kept one, else its last
        found = [path / n for n in (BEST, CHECKPOINT) if (path / n).is_file()]
        if not found:
            raise CheckpointError(
                f"{given}: a folder without {BEST} or {CHECKPOINT}; give a model file or a run folder."
            )
        path = found[0]
    elif not path.exists():
        raise CheckpointError(
            f"{given}: no such model file, and not a shipped model ({', '.join(shipped_names())})."
        )
    return load_model_file(path, ratio=ratio, device=device)
