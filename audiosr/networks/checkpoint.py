"""Checkpoints: what a run writes and what a model is loaded from, never by executing code.

A training checkpoint (`checkpoint.pt`) holds the model, the optimizer, RNG states, the epoch and
the history, and loads with `torch.load(weights_only=True)`; `best.pt` holds the weights of the
best epoch only. A shipped model is a `.safetensors` file whose metadata carries its settings.
`load_model_file` reads either kind; `check_compatible` decides whether a run may be resumed.
"""

from __future__ import annotations

import contextlib
import io
import json
import pickle
import zipfile
from dataclasses import asdict
from pathlib import Path

import torch

from audiosr.core.distrib import pick_device
from audiosr.core.paths import atomic_path, resolve
from audiosr.networks.config import ModelConfig, build_model

CHECKPOINT = "checkpoint.pt"
BEST = "best.pt"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used here; the message says why and what to do."""


def unwrap(model):
    """The module under a `torch.compile` wrapper (whose state dict has prefixed keys)."""
    return getattr(model, "_orig_mod", model)


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def save_checkpoint(
    path: Path,
    model,
    optimizer,
    epoch: int,
    history: list,
    model_cfg: ModelConfig,
    train_cfg,
    data_info: dict,
    disc=None,
    disc_optimizer=None,
) -> None:
    """Everything a resume needs, written to a temporary file and renamed (never half-written).
    With `optimizer=None`, only the weights and their settings (best.pt: not for resuming).
    An adversarial run also keeps its discriminators and their optimizer."""
    state = {
        "model": {k: v.detach().cpu() for k, v in unwrap(model).state_dict().items()},
        "epoch": epoch,
        "history": history,
        "model_config": asdict(model_cfg),
        "train_config": asdict(train_cfg),
        "data": data_info,
        "format": 1,
    }
    if optimizer is not None:
        state.update(optimizer=optimizer.state_dict(), rng=rng_state())
        if disc is not None:
            state.update(
                discriminator={k: v.detach().cpu() for k, v in unwrap(disc).state_dict().items()},
                disc_optimizer=disc_optimizer.state_dict(),
            )
    data = io.BytesIO()  # into memory first: torch's writer fails in errors of its own
    torch.save(state, data)
    with atomic_path(path, ".pt") as tmp:
        tmp.write_bytes(data.getbuffer())


def load_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """Load without executing code (`weights_only=True`); corrupt files give a CheckpointError."""
    path = resolve(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint.")
    if kind := _export_kind(path):
        raise CheckpointError(
            f"{path}: {kind}, not a checkpoint; give the .safetensors or .pt checkpoint it was "
            "exported from."
        )
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:  # weights_only refused something that is not plain data
        raise CheckpointError(
            f"{path}: holds objects that would run code when loaded, so it was not loaded "
            "(audiosr checkpoints hold tensors and plain values only). Use a file you trust "
            "made by audiosr, or a .safetensors model."
        ) from None
    except Exception as e:
        raise CheckpointError(
            f"{path}: not a readable audiosr checkpoint ({type(e).__name__}: "
            f"{str(e).splitlines()[0][:160]}). Retrain, or point at another file."
        ) from None
    check_model_file(path, state.get("model") if isinstance(state, dict) else None, state)
    return state


def _export_kind(path: Path) -> str | None:
    """Which of `audiosr export`'s files `path` is, or None: a graph for other runtimes,
    without the settings a model is loaded with (and ONNX is no pickle, so weights_only's
    refusal would wrongly call it code)."""
    if path.suffix.lower() == ".onnx":
        return "an ONNX export"
    with contextlib.suppress(OSError, zipfile.BadZipFile), zipfile.ZipFile(path) as archive:
        if any(name.endswith("/constants.pkl") for name in archive.namelist()):
            return "a TorchScript export"
    return None


def read_safetensors(path: str | Path) -> tuple[dict, dict]:
    """(tensors, metadata) of a shipped-style model file; nothing in it is executed."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = resolve(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such model file.")
    try:
        with safe_open(str(path), "pt") as f:
            meta = json.loads((f.metadata() or {})["audiosr"])
        tensors = load_file(str(path))
    except Exception as e:
        raise CheckpointError(
            f"{path}: not an audiosr safetensors model ({type(e).__name__}: {str(e)[:200]})."
        ) from None
    check_model_file(path, tensors, meta)
    return tensors, meta


def check_model_file(path: Path, tensors, meta) -> None:
    """Refuse a file whose parts are not of the types audiosr writes (settings a mapping, weights
    named tensors), so that what reads it can trust them; both model file readers call it."""
    why = _wrong_part(tensors, meta)
    if why:
        raise CheckpointError(
            f"{path}: not a model file of ours ({why}); it was made by hand or by another program."
        )


def _wrong_part(tensors, meta) -> str | None:
    if not isinstance(meta, dict):
        return f"its metadata is {_kind(meta)}, not a mapping"
    settings = meta.get("model_config")
    if not isinstance(settings, dict) or not all(isinstance(k, str) for k in settings):
        return f"its model_config is {_kind(settings)}, not a mapping of settings"
    if not isinstance(tensors, dict):
        return f"its model is {_kind(tensors)}, not named tensors"
    for k, v in tensors.items():
        if not isinstance(k, str) or not isinstance(v, torch.Tensor):
            return f"its model's {k!r} is {_kind(v)}, not a tensor"
    return None


def _kind(value) -> str:
    return "None" if value is None else f"of type {type(value).__name__}"


# Names files made by earlier versions use, read as today's: "code" once named both the original
# code's 2019 network and its objective; now only the original code's LSD is called "code".
OLD_VARIANTS = {"code": "code2019"}
OLD_OBJECTIVES = {"code": "rmse"}


def current_names(settings):
    """A file's model settings with earlier versions' names read as today's (anything that is
    not a dict is returned as it is, for the caller to refuse)."""
    if not isinstance(settings, dict) or settings.get("variant") not in OLD_VARIANTS:
        return settings
    return {**settings, "variant": OLD_VARIANTS[settings["variant"]]}


def _layout(tensor: torch.Tensor) -> str:
    """Shape and kind of a tensor as a file must match it: weights of any floating point type
    (loading converts them), never integers (weights cast to integers are mostly 0, and would
    load silently); integers only where the model keeps them (BatchNorm's count)."""
    kind = "float" if tensor.is_floating_point() else str(tensor.dtype).removeprefix("torch.")
    return f"{tuple(tensor.shape)} {kind}"


def load_model_file(path: str | Path, ratio: int | None = None, device="cpu") -> torch.nn.Module:
    """A trained AudioUNet (or DNN baseline) in eval mode from one file, a training checkpoint
    (.pt) or a .safetensors model; refuses one made for another ratio, or a device this machine
    lacks. `audiosr.load_model` also takes a shipped model's name or a run folder."""
    device = pick_device(str(device))  # a DeviceError before the file is read
    path = resolve(path)
    if path.suffix == ".safetensors":
        tensors, meta = read_safetensors(path)
    else:
        state = load_checkpoint(path)
        tensors, meta = state["model"], state
    settings = current_names(meta["model_config"])  # a mapping: checked when read
    extra = sorted(set(settings) - set(ModelConfig.__dataclass_fields__))
    if extra:
        raise CheckpointError(
            f"{path}: its model settings are not this version's (unknown {', '.join(extra)}); "
            "it was made by another audiosr version or by hand. Load it with that version, or "
            "retrain."
        )
    try:
        cfg = ModelConfig(**settings)
        # Shapes only, on the meta device: settings that claim a huge network allocate nothing.
        with torch.device("meta"):
            skeleton = build_model(cfg)
    except (TypeError, ValueError, KeyError, RuntimeError) as e:  # RuntimeError: sizes overflow
        raise CheckpointError(f"{path}: its model settings are not valid ({e}).") from None
    if ratio is not None and cfg.ratio != ratio:
        raise CheckpointError(
            f"{path}: trained for ratio {cfg.ratio}, asked for ratio {ratio}. "
            "Use a model trained for that ratio."
        )
    want = {k: _layout(v) for k, v in skeleton.state_dict().items()}
    have = {k: _layout(v) for k, v in tensors.items()}
    if want != have:  # missing, unexpected, wrongly shaped or integer tensors, before any is built
        name = min(k for k in want.keys() | have.keys() if want.get(k) != have.get(k))
        expected = f"expected {want[name]}" if name in want else "unexpected"
        raise CheckpointError(
            f"{path}: its weights do not fit the model its settings describe (first mismatch: "
            f"{name} {expected}, file has {have.get(name)}). The file is damaged or was edited; "
            "retrain or re-ship."
        )
    model = build_model(cfg)
    model.load_state_dict(tensors)
    return model.to(device).eval()


def check_compatible(
    state: dict, model_cfg: ModelConfig, data_info: dict, path: Path, objective: str | None = None
) -> None:
    """Refuse to resume a checkpoint of another model, data cache or objective."""
    theirs = asdict(
        ModelConfig(**{**asdict(ModelConfig()), **current_names(state["model_config"])})
    )
    # keys added since take their defaults; the config checks and normalises them as on load
    diff = {k: (theirs.get(k), v) for k, v in asdict(model_cfg).items() if theirs.get(k) != v}
    if diff:
        raise CheckpointError(
            f"{path}: made for another model ({', '.join(f'{k}: {a} there, {b} here' for k, (a, b) in diff.items())}). "
            "Start a new run directory, or resume with the same model parameters."
        )
    if state.get("data", {}).get("cache") != data_info["cache"]:
        raise CheckpointError(
            f"{path}: trained on {state.get('data', {}).get('cache')}, not {data_info['cache']}; "
            "resume on the same data cache or start a new run directory."
        )
    theirs_objective = state.get("train_config", {}).get("objective", "mse")
    theirs_objective = OLD_OBJECTIVES.get(theirs_objective, theirs_objective)
    if objective is not None and model_cfg.arch != "dnn" and theirs_objective != objective:
        raise CheckpointError(
            f"{path}: trained with objective={theirs_objective!r}, not {objective!r}; "
            "resume with the same objective or start a new run directory."
        )
