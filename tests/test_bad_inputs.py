"""Bad and unusual input, as a new user gives it: every case ends in one line naming the cause
and the right file, a non-zero exit where nothing useful was made, and nothing at the output
paths replaced or left behind. Kill, disk and concurrency cases run the command in subprocesses
(bounded in time)."""

import contextlib
import errno
import json
import os
import resource
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from helpers import tone_mix, upsample, write
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from audiosr.cli import main
from audiosr.core.audio import AudioError, list_audio
from audiosr.core.paths import PARTIAL, ROOT, atomic_path, clean_partials
from audiosr.inference.arrays import upsample as upsample_api
from audiosr.inference.files import upsample_file
from audiosr.inference.shipped import load_any
from audiosr.training.params import ParamsError, configs_from, load_params

TIMEOUT = 120  # seconds any subprocess here may take


def _run(*args) -> int:
    return main([str(a) for a in args])


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def _debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith((PARTIAL, ".")))


def _upsample_command(src, out, model_file) -> list[str]:
    """The upsample command as a subprocess runs it."""
    args = ["upsample", src, "-o", out, "--ratio", 4, "--checkpoint", model_file]
    return [sys.executable, "-m", "audiosr.cli", *map(str, args)]


def _long_input(path: Path, seconds: float) -> Path:
    return write(path, tone_mix(int(4000 * seconds), sr=4000), 4000)


def _file_size_limit(size: int):
    """For subprocess's preexec_fn: every write past `size` bytes fails, as on a full disk
    (EFBIG where a full disk gives ENOSPC: the same failed write, in any library's writer)."""

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def _tiny_run(folder: Path) -> Path:
    """A run folder holding an untrained small r = 4 AudioUNet's checkpoint, for ship."""
    from audiosr.networks.checkpoint import save_checkpoint
    from audiosr.networks.config import ModelConfig, build_model
    from audiosr.training.config import TrainConfig

    cfg = ModelConfig(ratio=4, width=1 / 16)
    save_checkpoint(folder / "checkpoint.pt", build_model(cfg), None, 1, [], cfg, TrainConfig(),
                    {"cache": "c"})  # fmt: skip
    return folder


# -- parameters -----------------------------------------------------------------------------


def test_set_values_take_the_type_of_their_field():
    spec = configs_from(load_params("params/demo.yaml", ["lr=1e-4", "epochs=2.0", "amp=bf16"]))
    assert spec.train.lr == 1e-4 and isinstance(spec.train.lr, float)  # YAML reads 1e-4 as text
    assert spec.train.epochs == 2 and isinstance(spec.train.epochs, int)
    assert spec.train.amp == "bf16"
    with pytest.raises(ParamsError, match="epochs=2.5"):
        configs_from(load_params("params/demo.yaml", ["epochs=2.5"]))


@pytest.mark.parametrize(
    "command, sets, message",
    [
        ("train", ["lr=abc"], "lr='abc': must be float"),
        ("train", ["stpes_per_epoch=3"], "did you mean steps_per_epoch"),
        ("train", ["ratio=0"], "ratio must be"),
        ("train", ["dataset=no-such-set"], "not a known name"),
        ("train", ["device=gpu"], "device 'gpu' is not available"),
        ("train", ["epochs"], "KEY=VALUE"),
        ("train", ["batch_size=0"], "batch_size=0 must be at least 1"),
        ("train", ["lr=-1"], "must be positive"),
        ("train", ["task=foo"], "task must be one of"),
        ("train", ["seed=100000000000000000000000"], "seed=100000000000000000000000 must be"),
        ("train", ["seed=-1"], "seed=-1 must be"),
        ("train", ["max_clips=0"], "max_clips=0 must be at least 1"),
        ("train", ["width=100"], "width=100: 563,940 M parameters"),
        ("prepare", ["max_clips=0"], "max_clips=0 must be at least 1"),
        ("prepare", ["ratio=0"], "ratio must be"),
        ("prepare", ["dataset=no-such-set"], "not a known name"),
        ("prepare", ["max_clipz=2"], "did you mean max_clips"),
    ],
)
def test_train_and_prepare_refuse_bad_parameters_before_any_work(
    tmp_path, capsys, command, sets, message
):
    cache = tmp_path / "cache"
    code = _run(command, "-f", "params/demo.yaml", "--set", f"cache_root={cache}", *sets)
    assert code == 2 and message in _one_line_error(capsys)
    assert not cache.exists()  # nothing was built


def test_a_notebook_run_with_a_refused_value_stops_before_the_kernel(tmp_path, capsys):
    from audiosr.notebook_params import main as notebook_main

    out = tmp_path / "03.ipynb"
    args = [str(ROOT / "notebooks/03_train.ipynb"), str(out), "-f", "params/demo.yaml"]
    assert notebook_main([*args, "-p", "ratio", "0"]) == 2
    assert "ratio must be" in _one_line_error(capsys) and not out.exists()
    assert notebook_main([*args, "-p", "lr", "fast"]) == 2
    assert "lr='fast': must be float" in _one_line_error(capsys)
    assert notebook_main([*args, "-p", "figures_dir", "x"]) == 2  # a key of 05, given to 03
    assert "03_train.ipynb does not read it" in _one_line_error(capsys) and not out.exists()
    assert notebook_main([str(tmp_path / "nope.ipynb"), str(out), "-p", "ratio", "4"]) == 2
    assert "nope.ipynb: no such notebook" in _one_line_error(capsys)


@pytest.fixture
def kernels(monkeypatch):
    """papermill's runs, recorded instead of started: every refusal comes before the kernel."""
    import papermill

    started = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda nb, out, **kw: started.append(out))
    return started


def _notebook_main(*args) -> int:
    from audiosr.notebook_params import main as notebook_main

    return notebook_main([str(a) for a in args])


def test_a_notebook_run_never_writes_its_source_nor_an_existing_output_without_force(
    tmp_path, monkeypatch, capsys, kernels
):
    nb = tmp_path / "nb.ipynb"
    nb.write_bytes((ROOT / "notebooks/02_model.ipynb").read_bytes())
    (tmp_path / "link.ipynb").symlink_to(nb)
    os.link(nb, tmp_path / "hard.ipynb")
    monkeypatch.chdir(tmp_path)
    for same in ("nb.ipynb", "./nb.ipynb", nb, "link.ipynb", "hard.ipynb"):
        for force in ([], ["--force"]):
            assert _notebook_main("nb.ipynb", same, "-p", "ratio", 2, *force) == 2
            assert "is the notebook being run" in _one_line_error(capsys)
    out = tmp_path / "out.ipynb"
    out.write_text("kept")
    assert _notebook_main(nb, out, "-p", "ratio", 2) == 2
    assert f"{out}: exists; pass --force to replace it." in _one_line_error(capsys)
    assert out.read_text() == "kept" and not kernels
    assert _notebook_main(nb, out, "-p", "ratio", 2, "--force") == 0 and kernels == [str(out)]
    assert nb.read_bytes() == (ROOT / "notebooks/02_model.ipynb").read_bytes()


@pytest.mark.parametrize("bad", ["inf", "nan", "Infinity", "1e999"])
def test_a_notebook_run_refuses_non_finite_values_as_params_files_do(
    bad, tmp_path, capsys, kernels
):
    out = tmp_path / "out.ipynb"
    assert _notebook_main(ROOT / "notebooks/02_model.ipynb", out, "-p", "width", bad) == 2
    assert "width=" in (err := _one_line_error(capsys)) and "finite" in err
    assert not out.exists() and not kernels
    with pytest.raises(ParamsError, match="finite"):  # YAML reads "inf" as text: the same check
        configs_from(load_params("params/demo.yaml", [f"width={bad}"]))


_NOT_NOTEBOOKS = {
    "binary": b"\xff\xfe\x00\x01",
    "not JSON": b"{cells",
    "no cells": b'{"nbformat": 4, "metadata": {}}',
    "a list": b"[]",
    "cells not a list": b'{"cells": 3}',
    "broken parameters": json.dumps(
        {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "r = ="}]}
    ).encode(),
}


@pytest.mark.parametrize("content", _NOT_NOTEBOOKS.values(), ids=_NOT_NOTEBOOKS.keys())
def test_a_notebook_that_is_not_one_is_named_in_one_line(content, tmp_path, capsys, kernels):
    bad = tmp_path / "bad.ipynb"
    bad.write_bytes(content)
    assert _notebook_main(bad, tmp_path / "out.ipynb", "-p", "ratio", 2) == 2
    assert f"{bad}:" in _one_line_error(capsys) and not kernels


@pytest.mark.parametrize("content", _NOT_NOTEBOOKS.values(), ids=_NOT_NOTEBOOKS.keys())
def test_a_broken_notebook_beside_the_one_run_is_not_read(content, tmp_path, capsys, kernels):
    (tmp_path / "bad.ipynb").write_bytes(content)
    good = tmp_path / "good.ipynb"
    good.write_bytes((ROOT / "notebooks/02_model.ipynb").read_bytes())
    assert _notebook_main(good, tmp_path / "out.ipynb", "-p", "ratio", 2) == 0
    assert kernels == [str(tmp_path / "out.ipynb")] and not capsys.readouterr().err


def test_a_missing_params_file_is_one_line(tmp_path, capsys):
    for command in ("train", "prepare"):
        assert _run(command, "-f", tmp_path / "nope.yaml") == 2
        assert "no such params file" in _one_line_error(capsys)


def test_an_empty_params_file_is_refused_naming_it(tmp_path, capsys):
    cache = tmp_path / "cache"
    for text in ("", "# only a comment\n"):
        (tmp_path / "empty.yaml").write_text(text)
        for command in ("train", "prepare"):
            code = _run(command, "-f", tmp_path / "empty.yaml", "--set", f"cache_root={cache}")
            assert code == 2 and "empty.yaml: empty" in _one_line_error(capsys)
    assert not cache.exists()  # nothing was built


def test_run_dir_typed_either_way_is_relative_to_the_current_folder(tmp_path, monkeypatch, capsys):
    import audiosr.training.runs as runs
    import audiosr.training.train as loop

    went, cache = [], types.SimpleNamespace(folder=tmp_path / "cache")
    monkeypatch.setattr(runs, "ensure_cache", lambda *a, **k: cache)  # no cache is built,
    monkeypatch.setattr(loop, "train", lambda *a, **k: went.append(Path(a[3])))  # no run trained
    monkeypatch.chdir(tmp_path)
    demo = ROOT / "params/demo.yaml"
    assert _run("train", "-f", demo, "--run-dir", "relrun") == 0
    assert _run("train", "-f", demo, "--set", "run_dir=relrun") == 0
    assert went == [tmp_path / "relrun"] * 2
    assert _run("train", "-f", demo, "--run-dir", "") == 2
    assert "empty" in _one_line_error(capsys) and len(went) == 2


# -- devices and checkpoints ----------------------------------------------------------------


def test_a_device_this_machine_lacks_is_one_line(model_file, tmp_path, capsys):
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    names = ["gpu", "cuda:7"] + ([] if torch.cuda.is_available() else ["cuda"])
    for name in names:
        args = ("upsample", tmp_path / "a.wav", "-o", tmp_path / "o.wav", "--ratio", 4)
        assert _run(*args, "--checkpoint", model_file, "--device", name) == 2
        assert "not available here" in _one_line_error(capsys)
    assert not (tmp_path / "o.wav").exists()


def test_load_model_refuses_a_device_as_upsample_does_and_cpu_0_is_the_cpu(model_file, tmp_path):
    import audiosr
    from audiosr.core.distrib import DeviceError

    names = ["bogus", "meta", "cuda:7"] + ([] if torch.cuda.is_available() else ["cuda"])
    for name in names:
        with pytest.raises(DeviceError, match=f"device '{name}' is not available here"):
            audiosr.load_model("audiounet-small-r4", 4, device=name)
    model = audiosr.load_model(model_file, 4, device="cpu:0")
    assert next(model.parameters()).device.type == "cpu"
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    args = ("upsample", tmp_path / "a.wav", "-o", tmp_path / "o.wav", "--ratio", 4, "-q")
    assert _run(*args, "--checkpoint", model_file, "--device", "cpu:0") == 0
    assert (tmp_path / "o.wav").is_file()


def _edited_model(model_file: Path, out: Path, settings=None, tensors=None) -> Path:
    with safe_open(str(model_file), "pt") as f:
        meta = json.loads(f.metadata()["audiosr"])
    meta["model_config"].update(settings or {})
    weights = {**load_file(str(model_file)), **(tensors or {})}
    save_file(weights, str(out), metadata={"audiosr": json.dumps(meta)})
    return out


def test_checkpoints_with_foreign_settings_or_wrong_tensors_are_one_line(
    model_file, tmp_path, capsys
):
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    first = next(iter(load_file(str(model_file))))
    cases = {
        "settings are not this version's": _edited_model(
            model_file, tmp_path / "extra.safetensors", settings={"dropout": 0.1}
        ),
        "weights do not fit": _edited_model(
            model_file, tmp_path / "wrong.safetensors", tensors={first: torch.zeros(3)}
        ),
        "settings are not valid": _edited_model(
            model_file, tmp_path / "variant.safetensors", settings={"variant": "nope"}
        ),
        # settings claiming a bigger network: refused from the tensors' shapes, and one of
        # hundreds of GB from its size, allocating nothing (the process may map only 4 GB more)
        "first mismatch": _edited_model(
            model_file, tmp_path / "wide.safetensors", settings={"width": 2.0}
        ),
        "GB of float32 weights": _edited_model(
            model_file, tmp_path / "huge.safetensors", settings={"width": 100.0}
        ),
        "parameters than torch can count": _edited_model(
            model_file, tmp_path / "absurd.safetensors", settings={"width": 1e6}
        ),
        # a ratio written as text is not a number to compare with --ratio
        "ratio must be an integer": _edited_model(
            model_file, tmp_path / "text-ratio.safetensors", settings={"ratio": "4"}
        ),
    }
    for message, checkpoint in cases.items():
        args = ("upsample", tmp_path / "a.wav", "-o", tmp_path / "o.wav", "--ratio", 4)
        with _memory_limit(4 << 30):
            code = _run(*args, "--checkpoint", checkpoint)
        assert code == 2
        assert message in _one_line_error(capsys)
    assert not (tmp_path / "o.wav").exists()


def _of_another_type(model_file: Path, folder: Path, case: str) -> Path:
    """A copy of `model_file` with one part of another type: `case` is KEY=VALUE, the KEY
    `audiosr` (the safetensors metadata as written), `model_config`, or a .pt's `model`."""
    key, _, value = case.partition("=")
    weights = load_file(str(model_file))
    with safe_open(str(model_file), "pt") as f:
        settings = json.loads(f.metadata()["audiosr"])["model_config"]
    if key == "model":
        path = folder / "bad.pt"
        model = {k: 1 for k in weights} if value == "ints" else json.loads(value)
        torch.save({"model": model, "model_config": settings}, path)
        return path
    path = folder / "bad.safetensors"
    meta = value if key == "audiosr" else json.dumps({"model_config": json.loads(value)})
    save_file(weights, str(path), metadata={"audiosr": meta})
    return path


@pytest.mark.parametrize(
    "case, why",
    [
        ("audiosr=[1]", "its metadata is of type list"),
        ('audiosr="x"', "its metadata is of type str"),
        ("model_config=5", "its model_config is of type int"),
        ("model_config=[1, 2]", "its model_config is of type list"),
        ("model=[1]", "its model is of type list"),
        ("model=null", "its model is None"),
        ("model=ints", "is of type int, not a tensor"),
    ],
)
def test_a_model_file_with_parts_of_another_type_is_one_line(
    model_file, tmp_path, capsys, case, why
):
    bad = _of_another_type(model_file, tmp_path, case)
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    args = ("upsample", tmp_path / "a.wav", "-o", tmp_path / "o.wav", "--ratio", 4)
    assert _run(*args, "--checkpoint", bad) == 2
    err = _one_line_error(capsys)
    assert "not a model file of ours" in err and why in err
    assert _run("export", bad, "-o", tmp_path / "x.onnx") == 2
    assert why in _one_line_error(capsys)
    assert not (tmp_path / "o.wav").exists() and not (tmp_path / "x.onnx").exists()


def test_integer_weights_are_refused_naming_a_tensor(model_file, tmp_path, capsys):
    """Weights cast to int32 would load as mostly zeros and run silently."""
    weights = {k: v.to(torch.int32) for k, v in load_file(str(model_file)).items()}
    name = min(k for k, v in load_file(str(model_file)).items() if v.is_floating_point())
    bad = _edited_model(model_file, tmp_path / "ints.safetensors", tensors=weights)
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    args = ("upsample", tmp_path / "a.wav", "-o", tmp_path / "o.wav", "--ratio", 4)
    assert _run(*args, "--checkpoint", bad) == 2
    err = _one_line_error(capsys)
    assert f"{name} expected" in err and "int32" in err
    assert not (tmp_path / "o.wav").exists()


@contextlib.contextmanager
def _memory_limit(extra: int):
    """At most `extra` bytes of address space beyond what the process maps now."""
    with open("/proc/self/statm") as f:
        now = int(f.read().split()[0]) * resource.getpagesize()
    old = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (now + extra, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


# -- names, numbers, scores ----------------------------------------------------------------


def test_two_inputs_with_one_output_name_are_refused_before_any_work(model_file, tmp_path, capsys):
    for d in ("dupA", "dupB"):
        (tmp_path / d).mkdir()
        sf.write(tmp_path / d / "x.wav", tone_mix(4000, sr=4000), 4000)
    out = tmp_path / "out"
    out.mkdir()
    args = ("upsample", tmp_path / "dupA/x.wav", tmp_path / "dupB/x.wav", "-o", out, "--ratio", 4)
    assert _run(*args, "--checkpoint", model_file) == 2
    err = capsys.readouterr().err
    assert "dupA/x.wav" in err and "dupB/x.wav" in err and not list(out.iterdir())


def test_a_file_that_appears_meanwhile_is_never_replaced(tmp_path):
    """The existence check comes before the work; the final step must not replace a file that
    another process wrote in between (link, not rename), unless asked to."""
    final = tmp_path / "out.wav"
    with pytest.raises(FileExistsError, match="appeared while"):
        with atomic_path(final, ".wav", replace=False) as tmp:
            tmp.write_bytes(b"ours")
            final.write_bytes(b"theirs")  # the other process finishes first
    assert final.read_bytes() == b"theirs" and [p.name for p in tmp_path.iterdir()] == ["out.wav"]
    with atomic_path(final, ".wav", replace=True) as tmp:
        tmp.write_bytes(b"ours")
    assert final.read_bytes() == b"ours"


def test_ship_and_export_write_where_the_user_stands(model_file, tmp_path, monkeypatch):
    """Output paths typed at the command line are relative to the current folder, as in any
    command, not to the folder audiosr is installed in."""
    _tiny_run(tmp_path / "run")
    monkeypatch.chdir(tmp_path)
    assert _run("export", model_file, "-o", "here.pt") == 0
    assert _run("ship", "run", "-o", "here.safetensors") == 0
    for name in ("here.pt", "here.safetensors"):
        assert (tmp_path / name).is_file() and not (ROOT / name).exists()


def test_an_output_that_appears_during_upsampling_is_kept_and_said_so(
    model_file, tmp_path, monkeypatch
):
    import audiosr.core.paths

    link = audiosr.core.paths._link_new

    def another_process_first(source, final):
        final.write_bytes(b"theirs")
        return link(source, final)

    monkeypatch.setattr(audiosr.core.paths, "_link_new", another_process_first)
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    with pytest.raises(AudioError) as e:
        upsample_file(tmp_path / "a.wav", tmp_path / "o.wav", load_any(model_file, 4), 4)
    assert str(e.value) == (
        f"{tmp_path / 'o.wav'}: appeared while this was being written; left as it is. "
        "Pass --force to replace it."
    )
    assert (tmp_path / "o.wav").read_bytes() == b"theirs" and _debris(tmp_path) == []


def test_export_keeps_an_existing_file_without_force(model_file, tmp_path, capsys):
    out = tmp_path / "m.pt"
    out.write_bytes(b"keep")
    assert _run("export", model_file, "-o", out) == 2
    assert out.read_bytes() == b"keep" and "--force" in capsys.readouterr().err
    assert _run("export", model_file, "-o", out, "--force") == 0 and out.read_bytes() != b"keep"


def test_bad_numbers_and_files_get_one_line(model_file, tmp_path, capsys, monkeypatch):
    sf.write(tmp_path / "in.wav", tone_mix(4000, sr=4000), 4000)
    for hop in ("0", "-5", "x"):
        with pytest.raises(SystemExit) as e:
            _run(
                "upsample",
                tmp_path / "in.wav",
                "-o",
                tmp_path / "o.wav",
                "--ratio",
                4,
                "--hop",
                hop,
            )
        assert e.value.code == 2 and "--hop" in capsys.readouterr().err
    # a relative --checkpoint is relative to the current folder, as in any command
    monkeypatch.chdir(tmp_path)
    assert (
        _run("upsample", "in.wav", "-o", "o.wav", "--ratio", 4, "--checkpoint", model_file.name)
        == 0
    )
    ref = tone_mix(16000)
    sf.write(tmp_path / "ref.wav", ref, 16000)
    sf.write(
        tmp_path / "nan.wav", np.where(np.arange(16000) == 5, np.nan, ref), 16000, subtype="FLOAT"
    )
    sf.write(tmp_path / "stereo.wav", np.stack([ref, ref], 1), 16000)
    assert _run("score", "ref.wav", "nan.wav") == 2 and "NaN" in capsys.readouterr().err
    assert _run("score", "ref.wav", "stereo.wav") == 2 and "channel" in capsys.readouterr().err


@pytest.mark.parametrize("hop", ["1", "511"])
def test_a_hop_too_small_to_be_useful_is_refused_with_the_reason(model_file, tmp_path, capsys, hop):
    sf.write(tmp_path / "in.wav", tone_mix(4000, sr=4000), 4000)
    with pytest.raises(SystemExit) as e:
        upsample(tmp_path / "in.wav", tmp_path / "o.wav", model_file, "--hop", hop)
    err = capsys.readouterr().err
    assert e.value.code == 2 and "at least 512" in err and "context" in err
    assert not (tmp_path / "o.wav").exists()


def test_unreadable_audio_is_named_as_typed_not_as_bytes(model_file, tmp_path, capsys):
    from audiosr.core.audio import load_audio

    (tmp_path / "bad.wav").write_bytes(b"not audio")
    assert _run("score", tmp_path / "bad.wav", tmp_path / "bad.wav") == 2
    assert "b'" not in _one_line_error(capsys)
    assert upsample(tmp_path / "bad.wav", tmp_path / "o.wav", model_file) == 1
    err = capsys.readouterr().err
    assert "not readable audio" in err and "b'" not in err
    with pytest.raises(AudioError) as e:
        load_audio(tmp_path / "bad.wav")
    assert "Format not recognised" in str(e.value) and "b'" not in str(e.value)


def _no_pesq(est, ref, sr, measures) -> dict:
    return {m: float("nan") for m in measures if m == "PESQ-WB"}


def test_evaluate_says_why_a_perceptual_measure_has_no_value(tmp_path, capsys, monkeypatch):
    pytest.importorskip("pesq")
    ref = tone_mix(32000, sr=16000, seed=1)
    sf.write(tmp_path / "ref.wav", ref, 16000, subtype="FLOAT")
    sf.write(tmp_path / "quiet.wav", ref * 1e-30, 16000, subtype="FLOAT")
    assert _run("score", tmp_path / "ref.wav", tmp_path / "quiet.wav") == 0
    out = capsys.readouterr().out
    assert "PESQ-WB n/a (the estimate is silent" in out, out
    assert "nan" not in out.lower().replace("n/a", "")
    # a measure whose package gives no score for a reason we do not know still says so
    monkeypatch.setattr("audiosr.core.perceptual.scores", _no_pesq)
    assert _run("score", tmp_path / "ref.wav", tmp_path / "ref.wav") == 0
    out = capsys.readouterr().out
    assert "PESQ-WB n/a (" in out and "nan" not in out.lower().replace("n/a", "")


# -- writing --------------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_one_line(model_file, tmp_path, capsys):
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    try:
        assert upsample(tmp_path / "a.wav", tmp_path / "ro/o.wav", model_file) == 1
    finally:
        (tmp_path / "ro").chmod(0o755)
    err = capsys.readouterr().err
    assert "ro/o.wav: could not be written (Permission denied)" in err and "Traceback" not in err
    assert list((tmp_path / "ro").iterdir()) == []


def test_a_write_refused_by_the_system_names_the_output_not_the_input(
    model_file, tmp_path, capsys, monkeypatch
):
    """As a read-only folder does for a user who is not root."""
    import audiosr.core.paths

    def refuse(prefix, suffix, dir):
        raise PermissionError(13, "Permission denied", str(Path(dir) / prefix))

    monkeypatch.setattr(audiosr.core.paths.tempfile, "mkdtemp", refuse)
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    out = tmp_path / "o.wav"
    assert upsample(tmp_path / "a.wav", out, model_file) == 1
    err = capsys.readouterr().err
    assert f"{out}: could not be written (Permission denied)" in err and "a.wav:" not in err


def test_a_write_libsndfile_refuses_names_the_output_not_its_temporary(
    model_file, tmp_path, capsys
):
    """FLAC holds at most 8 channels: libsndfile's reason is given, not the name of the
    temporary file it was refused for."""
    sf.write(tmp_path / "nine.wav", np.tile(tone_mix(1600, sr=4000)[:, None], 9), 4000)
    assert upsample(tmp_path / "nine.wav", tmp_path / "o.flac", model_file, "-q") == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'o.flac'}: could not be written (Format not recognised)" in err, err
    assert "payload" not in err and PARTIAL not in err


def test_ship_and_export_into_a_refused_folder_are_one_line(
    model_file, tmp_path, capsys, monkeypatch
):
    import audiosr.core.paths

    def refuse(prefix, suffix, dir):
        raise PermissionError(13, "Permission denied", str(Path(dir) / prefix))

    monkeypatch.setattr(audiosr.core.paths.tempfile, "mkdtemp", refuse)
    out = tmp_path / "m.onnx"
    assert _run("export", model_file, "-o", out) == 2
    assert f"{out}: could not be written (Permission denied)" in _one_line_error(capsys)


def test_a_full_disk_is_reported_against_the_output_and_nan_against_its_file(model_file, tmp_path):
    """A file size limit makes every write past 200 kB fail as a full disk does; the NaN file
    beside it must be reported as NaN, and neither input as corrupt."""
    _long_input(tmp_path / "in/long.wav", 20)  # 1.3 MB of output
    x = tone_mix(8000, sr=4000)
    x[100] = np.nan
    sf.write(tmp_path / "in/nan.wav", x, 4000, subtype="FLOAT")
    (tmp_path / "out").mkdir()
    done = subprocess.run(
        _upsample_command(tmp_path / "in", tmp_path / "out", model_file),
        capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=_file_size_limit(200_000),
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"{tmp_path / 'out/long.wav'}: could not be written (File too large" in done.stderr
    assert f"{tmp_path / 'in/nan.wav'}: contains NaN" in done.stderr
    assert "corrupt" not in done.stderr
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    "command, name", [("export", "m.pt"), ("export", "m.onnx"), ("ship", "m.safetensors")]
)
def test_export_and_ship_on_a_full_disk_are_one_line_and_leave_nothing(
    command, name, model_file, tmp_path
):
    """TorchScript's own writer aborts the process on a failed write (a C++ stack dump, exit
    134, the temporary left behind) and safetensors' raises its own error: here all fail alike."""
    source = model_file if command == "export" else _tiny_run(tmp_path / "run")
    out = tmp_path / "full" / name
    out.parent.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "audiosr.cli", command, str(source), "-o", str(out)],
        capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=_file_size_limit(100_000),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {out}: could not be written (File too large")
    assert done.stderr.count("\n") == 1
    assert list(out.parent.iterdir()) == []  # no model, no sidecar, no temporary


def test_training_on_a_full_disk_is_one_line_and_the_run_resumes_once_there_is_room(
    piano_folder, tmp_path, capsys
):
    import yaml

    run = tmp_path / "run"
    params = {"dataset": str(piano_folder), "ratio": 2, "patch_len": 2048, "stride": 2048,
              "max_clips": 4, "blocks": 2, "width": 0.0625, "epochs": 1, "batch_size": 4,
              "steps_per_epoch": 2, "device": "cpu", "cache_root": str(tmp_path / "cache"),
              "run_dir": str(run)}  # fmt: skip
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(params))
    train = ["train", "-f", str(tmp_path / "p.yaml"), "--set", "epochs=2"]
    assert _run(*train[:3]) == 0  # epoch 1 kept
    kept = (run / "checkpoint.pt").read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "audiosr.cli", *train],
        capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=_file_size_limit(100_000),
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"error: {run}/") and "could not be written (File too large" in last
    assert (run / "checkpoint.pt").read_bytes() == kept and _debris(run) == []
    capsys.readouterr()
    assert _run(*train) == 0  # room again: the same command resumes after epoch 1
    assert [row["epoch"] for row in json.loads((run / "history.json").read_text())] == [1, 2]


def test_a_read_only_cache_folder_is_one_line_naming_it(
    piano_folder, tmp_path, monkeypatch, capsys
):
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() == 0:  # root writes into a 0o555 folder: refuse as a read-only disk does
        mkdir = os.mkdir

        def read_only(path, *args, **kwargs):
            if Path(os.fsdecode(path)).is_relative_to(ro):
                raise OSError(errno.EROFS, "Read-only file system", os.fsdecode(path))
            return mkdir(path, *args, **kwargs)

        monkeypatch.setattr(os, "mkdir", read_only)
    ro.chmod(0o555)
    try:
        args = [f"dataset={piano_folder}", "max_clips=4", f"cache_root={ro / 'cache'}"]
        assert _run("prepare", "-f", ROOT / "params/demo.yaml", "--set", *args) == 2
    finally:
        ro.chmod(0o755)
    err = capsys.readouterr().err  # after the clips' progress lines
    assert err.splitlines()[-1].startswith(f"error: {ro / 'cache'}: could not be written (")
    assert "Traceback" not in err and list(ro.iterdir()) == []


def test_ship_checks_the_sidecar_before_writing_the_model(tmp_path, monkeypatch, capsys):
    """A folder where the JSON sidecar goes is refused before the model is written, not after."""
    _tiny_run(tmp_path / "run")
    (tmp_path / "side.json").mkdir()
    monkeypatch.chdir(tmp_path)
    assert _run("ship", "run", "-o", "side.safetensors", "--force") == 2
    assert "side.json: a folder has this name" in _one_line_error(capsys)
    assert not (tmp_path / "side.safetensors").exists() and (tmp_path / "side.json").is_dir()
    assert _debris(tmp_path) == []


def test_a_truncated_wav_is_used_with_a_warning_naming_both_lengths(model_file, tmp_path, capsys):
    sf.write(tmp_path / "full.wav", tone_mix(16000, sr=4000), 4000, subtype="PCM_16")
    data = (tmp_path / "full.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: 44 + 16000])  # half of the samples
    out = tmp_path / "o.wav"
    assert upsample(tmp_path / "cut.wav", out, model_file) == 0
    err = capsys.readouterr().err
    assert f"warning: {tmp_path / 'cut.wav'}: truncated" in err
    assert "promises 4.00 s, the file holds 2.00 s" in err
    assert sf.info(str(out)).frames == 4 * 8000
    sf.write(tmp_path / "whole.wav", tone_mix(16000, sr=4000), 4000)  # a complete file: no warning
    assert upsample(tmp_path / "whole.wav", tmp_path / "w.wav", model_file) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_wideband_input_is_told_what_resampling_discards(model_file, tmp_path, capsys):
    sf.write(tmp_path / "a48.wav", tone_mix(48000, sr=48000), 48000)
    assert upsample(tmp_path / "a48.wav", tmp_path / "o.wav", model_file) == 0
    out = capsys.readouterr().out
    assert "above 2 kHz was discarded" in out and "--ratio should match" in out


def test_one_long_file_shows_seconds_of_audio_done(model_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("audiosr.inference.files.PROGRESS_DELAY", 0)
    src = _long_input(tmp_path / "long.wav", 60)
    upsample_file(src, tmp_path / "o.wav", load_any(model_file, 4), 4, progress=True)
    assert "/60.0 s audio" in capsys.readouterr().err


# -- silence --------------------------------------------------------------------------------


@pytest.mark.parametrize("level_db", [None, -100.0, -95.0])
def test_silence_in_is_silence_out(level_db, tmp_path):
    """The shipped models make -80 to -70 dBFS of hum and clicks out of digital silence."""
    n = 4000 * 3
    rng = np.random.default_rng(0)
    x = np.zeros(n) if level_db is None else rng.standard_normal(n) * 10 ** (level_db / 20)
    sf.write(tmp_path / "quiet.wav", x.astype(np.float32), 4000, subtype="FLOAT")
    model = load_any(None, 4)
    upsample_file(tmp_path / "quiet.wav", tmp_path / "o.wav", model, 4)
    y, _ = sf.read(tmp_path / "o.wav", dtype="float64")
    rms_db = 10 * np.log10(np.mean(y**2) + 1e-30)
    assert rms_db < -90 and np.abs(y).max() < 10 ** (-70 / 20)
    if level_db is None:
        assert not y.any()


def test_the_gate_leaves_speech_level_audio_untouched():
    from audiosr.inference.windows import Upsampler

    x = tone_mix(8000, sr=4000)
    model = load_any(None, 4)
    gated = Upsampler(model, 4).process(x)
    raw = Upsampler(model, 4, gate=False).process(x)
    assert np.array_equal(gated, raw)
    assert not np.array_equal(
        Upsampler(model, 4).process(x * 1e-4), Upsampler(model, 4, gate=False).process(x * 1e-4)
    )


# -- temporaries, signals, concurrency -------------------------------------------------------


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_temporaries_are_never_inputs_and_stale_ones_are_removed(tmp_path):
    from audiosr.core.paths import _host

    stale = tmp_path / f"{PARTIAL}{_dead_pid()}@{_host()}-x.wav.abc.tmp"
    live = tmp_path / f"{PARTIAL}{os.getpid()}@{_host()}-y.wav.def.tmp"
    other_host = tmp_path / f"{PARTIAL}{_dead_pid()}@elsewhere-z.wav.ghi.tmp"
    for folder in (stale, live, other_host):
        folder.mkdir()
        sf.write(folder / "payload.wav", tone_mix(400, sr=4000), 4000)
    sf.write(tmp_path / "real.wav", tone_mix(400, sr=4000), 4000)
    assert list_audio(tmp_path) == [tmp_path / "real.wav"]
    assert clean_partials(tmp_path) == [stale]
    assert live.exists() and other_host.exists() and not stale.exists()
    with atomic_path(tmp_path / "new.wav", ".wav") as tmp:
        assert tmp.parent.name.startswith(f"{PARTIAL}{os.getpid()}@")
        tmp.write_bytes(b"x")


def _default_ctrl_c():
    """A test run in the background (`make test &`) inherits an ignored SIGINT, which Python keeps
    ignoring; the command started here gets Ctrl-C as a terminal user's command does."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_and_wait_for_partial(model_file, src: Path, out: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        _upsample_command(src, out, model_file),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_default_ctrl_c,
    )  # fmt: skip
    deadline = time.monotonic() + TIMEOUT
    while not any(p.name.startswith(PARTIAL) for p in out.parent.iterdir()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the command never started writing"
        time.sleep(0.02)
    return proc


@pytest.mark.parametrize("sig, code, word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted"), (signal.SIGHUP, 129, "hung up")])  # fmt: skip
def test_sigterm_and_ctrl_c_stop_in_one_line_and_leave_nothing(
    model_file, tmp_path, sig, code, word
):
    src = _long_input(tmp_path / "long.wav", 600)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out/o.wav"
    proc = _start_and_wait_for_partial(model_file, src, out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert (
        proc.returncode == code and err.startswith(f"{word}: stopped") and err.count("\n") == 1
    ), err
    assert list((tmp_path / "out").iterdir()) == []


def test_what_a_killed_run_leaves_is_not_read_and_is_cleaned_by_the_next(
    model_file, tmp_path, capsys
):
    src = _long_input(tmp_path / "long.wav", 600)
    (tmp_path / "out").mkdir()
    proc = _start_and_wait_for_partial(model_file, src, tmp_path / "out/o.wav")
    proc.kill()
    proc.communicate(timeout=TIMEOUT)
    assert len(_debris(tmp_path / "out")) == 1  # SIGKILL: no cleanup could run
    sf.write(tmp_path / "out/short.wav", tone_mix(4000, sr=4000), 4000)
    assert upsample(tmp_path / "out", tmp_path / "again", model_file) == 0
    assert [p.name for p in (tmp_path / "again").rglob("*.wav")] == ["short.wav"]
    assert upsample(tmp_path / "out/short.wav", tmp_path / "out/o.wav", model_file) == 0
    assert "removed 1 unfinished output(s)" in capsys.readouterr().err
    assert _debris(tmp_path / "out") == []


def test_two_runs_writing_one_output_never_both_win(model_file, tmp_path):
    src = _long_input(tmp_path / "in.wav", 60)
    out = tmp_path / "o.wav"
    procs = [
        subprocess.Popen(
            _upsample_command(src, out, model_file),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    results = [(p.wait(timeout=TIMEOUT), p.communicate()[1]) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes[0] == 0 and codes[1] in (1, 2), results
    loser = next(err for code, err in results if code)
    assert "exists" in loser or "appeared while" in loser, loser
    assert "could not be written" not in loser  # refused by the rule, not a failed write
    assert "Traceback" not in loser
    assert sf.info(str(out)).frames == 60 * 16000 and _debris(tmp_path) == []


def test_an_interrupted_run_removes_the_folders_it_made_and_no_other(
    model_file, tmp_path, monkeypatch, capsys
):
    """Ctrl-C (or SIGTERM, which `interruptible` turns into one) during a file in a subfolder:
    the folders made for it go, those that were there before and those holding outputs stay."""
    import audiosr.inference.files

    real = audiosr.inference.files.upsample_file

    def interrupted_on_long(src, *args, **kwargs):
        if src.name == "long.wav":
            raise KeyboardInterrupt
        return real(src, *args, **kwargs)

    monkeypatch.setattr(audiosr.inference.files, "upsample_file", interrupted_on_long)
    write(tmp_path / "in2/a.wav", tone_mix(4000, sr=4000), 4000)
    write(tmp_path / "in2/deep/long.wav", tone_mix(4000, sr=4000), 4000)
    assert upsample(tmp_path / "in2", tmp_path / "newout", model_file, "-q") == 130
    assert "nothing partial was left" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "newout").rglob("*")] == ["a.wav"]
    assert upsample(tmp_path / "in2/deep", tmp_path / "fresh", model_file, "-q") == 130
    assert not (tmp_path / "fresh").exists()
    (tmp_path / "there").mkdir()
    assert upsample(tmp_path / "in2/deep", tmp_path / "there", model_file, "-q") == 130
    assert (tmp_path / "there").is_dir()


def test_module_entry_points_end_ctrl_c_in_one_line(capsys):
    from audiosr.core.signals import run

    def main(argv=None):
        raise KeyboardInterrupt

    assert run(main) == 130
    assert capsys.readouterr().err == (
        "interrupted: stopped; finished outputs are kept; nothing partial was left.\n"
    )


def test_force_replaces_files_never_folders(model_file, tmp_path, capsys):
    """A folder with an output's name (and files in it) survives --force: the output is refused
    in one line, the rest of the folder is processed, nothing is deleted."""
    src, out = tmp_path / "in", tmp_path / "out"
    write(src / "take.wav", tone_mix(4000, sr=4000), 4000)
    write(src / "other.wav", tone_mix(4000, sr=4000), 4000)
    (out / "take.wav").mkdir(parents=True)
    (out / "take.wav" / "keep.txt").write_text("mine")
    args = ["upsample", str(src), "-o", str(out), "--force", "--ratio", "4"]
    assert main(args + ["--checkpoint", str(model_file), "-q"]) == 1
    assert (out / "take.wav" / "keep.txt").read_text() == "mine"
    assert (out / "other.wav").is_file()
    assert (
        "a folder has this name; --force replaces files, never folders" in capsys.readouterr().err
    )
    with pytest.raises(FileExistsError, match="never folders"):
        with atomic_path(out / "take.wav", ".wav", replace=True) as tmp:
            tmp.write_bytes(b"x")
    assert (out / "take.wav" / "keep.txt").is_file()
    with atomic_path(out / "cache") as tmp:  # a folder still replaces a folder
        tmp.mkdir()
        (tmp / "a").write_text("1")
    assert (out / "cache" / "a").read_text() == "1"


def test_ship_and_export_never_replace_their_source_a_sidecar_or_write_a_wrong_suffix(
    model_file, tmp_path, monkeypatch, capsys
):
    _tiny_run(tmp_path / "run")
    monkeypatch.chdir(tmp_path)
    source = (tmp_path / "run/checkpoint.pt").read_bytes()
    (tmp_path / "m2.json").write_text("notes")  # a sidecar's name, already taken
    assert _run("ship", "run", "-o", "m2.safetensors") == 2
    assert (tmp_path / "m2.json").read_text() == "notes" and not (
        tmp_path / "m2.safetensors"
    ).exists()
    assert "m2.json: exists" in capsys.readouterr().err
    for bad in ("model.json", "model.wav", "run/checkpoint.pt"):
        assert _run("ship", "run", "-o", bad, "--force") == 2
        assert "as .safetensors" in capsys.readouterr().err
    assert _run("export", "run/checkpoint.pt", "-o", "run/checkpoint.pt", "--force") == 2
    assert "the model being exported" in capsys.readouterr().err
    assert (tmp_path / "run/checkpoint.pt").read_bytes() == source
    assert not (tmp_path / "model.json").exists() and not (tmp_path / "model.wav").exists()


def test_a_model_whose_output_is_not_finite_is_named_and_nothing_is_written(
    model_file, tmp_path, capsys
):
    weights = load_file(str(model_file))
    first = next(k for k, v in weights.items() if v.dtype.is_floating_point)
    nan = _edited_model(
        model_file, tmp_path / "nan.safetensors",
        tensors={first: torch.full_like(weights[first], float("nan"))},
    )  # fmt: skip
    for subtype in ("FLOAT", "PCM_16"):
        sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000, subtype=subtype)
        args = ("upsample", tmp_path / "a.wav", "-o", tmp_path / "o.wav", "--ratio", 4, "--force")
        assert _run(*args, "--checkpoint", nan) == 2
        err = _one_line_error(capsys)
        assert "nan.safetensors" in err and "NaN or inf" in err
        assert not (tmp_path / "o.wav").exists()
    with pytest.raises(ValueError, match="NaN or inf"):
        upsample_api(tone_mix(4000, sr=4000), 4000, 4, model=load_any(nan))


def test_samples_far_beyond_full_scale_fail_their_file_not_the_model(tmp_path, capsys):
    """Finite floats near float32's limit are the input's fault: that file fails in one line
    naming their level, the files after it are done, and nothing overflows on the way."""
    import warnings

    x = tone_mix(1600, sr=4000)
    huge = np.clip(x.astype(np.float64) * 6e38, -3e38, 3e38).astype(np.float32)
    (tmp_path / "in").mkdir()
    sf.write(tmp_path / "in/a_huge.wav", huge, 4000, subtype="FLOAT")
    write(tmp_path / "in/b_good.wav", x, 4000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = _run("upsample", tmp_path / "in", "-o", tmp_path / "out", "--ratio", 4, "-q")
        with pytest.raises(ValueError, match="samples up to 5e\\+37: far beyond full scale"):
            upsample_api(x * 1e38, 4000, 4)
    err = capsys.readouterr().err
    assert code == 1 and "1 of 2 files done" in err and "Traceback" not in err, err
    assert "a_huge.wav: samples up to 3e+38: far beyond full scale" in err and "model" not in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["b_good.wav"]
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


def test_an_output_folder_that_cannot_be_made_fails_that_file_only(model_file, tmp_path, capsys):
    src, out = tmp_path / "in", tmp_path / "out"
    write(src / "sub" / "a.wav", tone_mix(4000, sr=4000), 4000)
    write(src / "b.wav", tone_mix(4000, sr=4000), 4000)
    out.mkdir()
    (out / "sub").write_text("a file where the subfolder goes")
    assert _run("upsample", src, "-o", out, "--ratio", 4, "--checkpoint", model_file, "-q") == 1
    err = capsys.readouterr().err
    assert "could not be made" in err and "Traceback" not in err
    assert (out / "b.wav").is_file()


def test_the_python_api_checks_what_the_command_line_checks(model_file, tmp_path):
    from audiosr.core.distrib import DeviceError

    x = tone_mix(4000, sr=4000)
    m4, m2 = load_any(model_file), load_any("audiounet-small-r2")
    with pytest.raises(ValueError, match="trained for ratio 2, asked for ratio 4"):
        upsample_api(x, 4000, 4, model=m2)
    with pytest.raises(ValueError, match="ratio='4': an integer"):
        upsample_api(x, 4000, "4", model=m4)
    with pytest.raises(ValueError, match="full scale is unknown"):
        upsample_api([1000, -1000] * 2000, 4000, 4, model=m4)  # a list of ints is int64
    i16 = (x * 20000).astype(np.int16)
    np.testing.assert_allclose(
        upsample_api(i16, 4000, 4, model=m4),
        upsample_api(i16 / 32768, 4000, 4, model=m4),
        atol=1e-6,
    )
    u8 = np.full(4000, 128, np.uint8)  # unsigned 8-bit silence is 128
    assert np.abs(upsample_api(u8, 4000, 4, model=m4)).max() < 1e-6
    for sr in (float("nan"), float("inf"), 1e-3, 1, 2**31, "fast"):
        with pytest.raises(ValueError, match="sr="):
            upsample_api(x, sr, 4, model=m4)
    with pytest.raises(ValueError, match="pass x.T"):
        upsample_api(np.stack([x, x]), 4000, 4, model=m4)
    with pytest.raises(ValueError, match="got shape"):
        upsample_api(np.zeros((100, 0), np.float32), 4000, 4, model=m4)
    if not torch.cuda.is_available():
        for device in ("gpu", "cuda"):
            with pytest.raises(DeviceError, match="not available here"):
                upsample_api(x, 4000, 4, model=m4, device=device)


def test_absurd_header_rates_are_one_line(model_file, tmp_path, capsys):
    for rate in (1, 2**31 - 1):
        path = tmp_path / f"r{rate}.wav"
        sf.write(path, tone_mix(64, sr=4000), 4000)
        data = bytearray(path.read_bytes())
        data[24:28] = rate.to_bytes(4, "little")  # the wav header's sample rate
        path.write_bytes(bytes(data))
        out = tmp_path / "o.wav"
        assert _run("upsample", path, "-o", out, "--ratio", 4, "--checkpoint", model_file) == 1
        err = capsys.readouterr().err
        assert "audio rates here are" in err and "Traceback" not in err and not out.exists()


def test_a_refused_rerun_still_cleans_what_a_killed_run_left(model_file, tmp_path, capsys):
    src = _long_input(tmp_path / "long.wav", 600)
    (tmp_path / "out").mkdir()
    proc = _start_and_wait_for_partial(model_file, src, tmp_path / "out/o.wav")
    proc.kill()
    proc.communicate(timeout=TIMEOUT)
    (tmp_path / "out/o.wav").write_bytes(b"an earlier result")
    assert upsample(src, tmp_path / "out/o.wav", model_file) == 2  # exists: refused
    assert "removed 1 unfinished output(s)" in capsys.readouterr().err
    assert _debris(tmp_path / "out") == []


def test_an_empty_output_or_input_is_refused_not_taken_as_this_folder(
    model_file, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "in/a.wav", tone_mix(4000, sr=4000), 4000)
    assert upsample("in/a.wav", "", model_file) == 2
    assert "empty" in _one_line_error(capsys)
    assert upsample("", "out", model_file) == 2
    assert "empty" in _one_line_error(capsys)
    assert not (tmp_path / "a.wav").exists() and not (tmp_path / "out").exists()


def test_a_dangling_link_as_output_is_refused_before_any_work(model_file, tmp_path, capsys):
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    (tmp_path / "o.wav").symlink_to(tmp_path / "nowhere.wav")
    assert upsample(tmp_path / "a.wav", tmp_path / "o.wav", model_file) == 2
    assert "which is missing" in _one_line_error(capsys)


def test_an_output_named_only_by_its_extension_or_under_a_file_is_told_so(
    model_file, tmp_path, capsys
):
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    assert upsample(tmp_path / "a.wav", tmp_path / ".wav", model_file) == 2
    assert "needs a name" in _one_line_error(capsys)
    (tmp_path / "afile").write_text("in the way")
    for out in ("afile/o.wav", "afile/sub/o.wav"):
        assert upsample(tmp_path / "a.wav", tmp_path / out, model_file) == 2
        err = _one_line_error(capsys)
        assert "afile: a file is in the way" in err and "does not exist" not in err, err
    write(tmp_path / "in/a.wav", tone_mix(4000, sr=4000), 4000)  # a folder's outputs alike
    assert upsample(tmp_path / "in", tmp_path / "afile/out", model_file) == 2
    assert "afile: a file is in the way" in _one_line_error(capsys)


@pytest.mark.parametrize("redirect", ["| head -c 1 > /dev/null", ">&-", "2>&-"])
def test_a_closed_stdout_or_stderr_loses_no_output(model_file, tmp_path, redirect):
    """`| head -1`, or stdout or stderr closed by the shell (`>&-`, `2>&-`): what is printed
    goes nowhere, every file is still written, and no traceback."""
    (tmp_path / "in").mkdir()
    for i in range(5):
        sf.write(tmp_path / "in" / f"{i}.wav", tone_mix(4000, sr=4000), 4000)
    cmd = _upsample_command(tmp_path / "in", tmp_path / "out", model_file)
    proc = subprocess.run(
        f"{' '.join(map(str, cmd))} {redirect}", shell=True, capture_output=True, text=True,
        timeout=TIMEOUT,
    )  # fmt: skip
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr  # a pipeline's is head's
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{i}.wav" for i in range(5)]


def test_a_full_stdout_loses_no_output(model_file, tmp_path, monkeypatch):
    """`> /dev/full`: printing fails with ENOSPC, as a full disk under a redirected log does."""
    import errno
    import io

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    for i in range(3):
        write(tmp_path / "in" / f"{i}.wav", tone_mix(4000, sr=4000), 4000)
    monkeypatch.setattr(sys, "stdout", Full())
    assert upsample(tmp_path / "in", tmp_path / "out", model_file) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{i}.wav" for i in range(3)]


class _Runs:
    """An object whose unpickling would run a command: what a malicious checkpoint holds."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_checkpoint_that_would_run_code_is_refused_in_our_words(tmp_path, capsys):
    marker = tmp_path / "ran"
    torch.save({"model": _Runs(marker), "model_config": {}}, tmp_path / "evil.pt")
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    args = ("upsample", tmp_path / "a.wav", "-o", tmp_path / "o.wav", "--ratio", 4)
    assert _run(*args, "--checkpoint", tmp_path / "evil.pt") == 2
    err = _one_line_error(capsys)
    assert "would run code when loaded, so it was not loaded" in err
    assert "weights_only" not in err and not marker.exists()


def test_an_export_given_as_checkpoint_is_named_as_one(model_file, tmp_path, capsys):
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    args = ("upsample", tmp_path / "a.wav", "-o", tmp_path / "o.wav", "--ratio", 4)
    for export, kind in (("m.onnx", "an ONNX export"), ("m.pt", "a TorchScript export")):
        assert _run("export", model_file, "-o", tmp_path / export) == 0
        assert _run(*args, "--checkpoint", tmp_path / export) == 2
        err = _one_line_error(capsys)
        assert f"{kind}, not a checkpoint" in err and "would run code" not in err, err


def test_an_empty_checkpoint_is_refused_not_taken_as_the_repository(tmp_path, capsys):
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    args = ("upsample", tmp_path / "a.wav", "-o", tmp_path / "o.wav", "--ratio", 4)
    assert _run(*args, "--checkpoint", "") == 2
    assert "empty" in _one_line_error(capsys)
    assert _run("export", "", "-o", tmp_path / "m.pt") == 2
    assert "empty" in _one_line_error(capsys)
    assert not (tmp_path / "o.wav").exists() and not (tmp_path / "m.pt").exists()


def test_a_binary_params_file_and_non_finite_numbers_are_refused_before_any_work(tmp_path, capsys):
    sf.write(tmp_path / "some.wav", tone_mix(4000, sr=4000), 4000)
    assert _run("train", "-f", tmp_path / "some.wav") == 2
    assert "not a text file" in _one_line_error(capsys)
    for bad in ("lr=.inf", "lr=.nan", "lr=-.inf"):
        assert _run("train", "-f", "params/demo.yaml", "--set", bad) == 2
        assert "finite" in _one_line_error(capsys)


def test_a_missing_checkpoint_lists_the_shipped_models_and_a_run_folder_is_understood(
    tmp_path, monkeypatch, capsys
):
    from audiosr.networks.checkpoint import save_checkpoint
    from audiosr.networks.config import ModelConfig, build_model
    from audiosr.training.config import TrainConfig

    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    monkeypatch.chdir(tmp_path)
    args = ("upsample", "a.wav", "-o", "o.wav", "--ratio", 4, "--checkpoint")
    assert _run(*args, "nope.safetensors") == 2
    err = _one_line_error(capsys)
    assert (
        err.startswith("error: nope.safetensors: no such model file")
        and "audiounet-small-r4" in err
    )
    assert str(ROOT) not in err
    cfg = ModelConfig(ratio=4, width=1 / 16)
    save_checkpoint(tmp_path / "run/checkpoint.pt", build_model(cfg), None, 1, [], cfg,
                    TrainConfig(), {"cache": "c"})  # fmt: skip
    assert _run(*args, "run", "-q") == 0 and (tmp_path / "o.wav").is_file()
    (tmp_path / "empty").mkdir()
    assert _run(*args, "empty", "--force") == 2
    assert "a folder without best.pt or checkpoint.pt" in _one_line_error(capsys)


def test_a_file_name_that_is_not_utf8_is_read_and_written(model_file, tmp_path):
    src = os.fsdecode(
        os.fsencode(str(tmp_path)) + b"/caf\xe9.wav"
    )  # Latin-1 bytes, as on old disks
    with open(os.fsencode(src), "wb") as f:
        sf.write(f, tone_mix(4000, sr=4000), 4000, format="WAV")
    (tmp_path / "out").mkdir()
    cmd = _upsample_command(Path(src), tmp_path / "out", model_file)
    proc = subprocess.run([os.fsencode(c) for c in cmd], capture_output=True, timeout=TIMEOUT)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
    assert b"caf" in proc.stdout  # the line that says what was done
    assert os.listdir(os.fsencode(tmp_path / "out")) == [b"caf\xe9.wav"]


def test_a_failed_file_leaves_no_empty_output_folder(model_file, tmp_path):
    (tmp_path / "in/sub").mkdir(parents=True)
    (tmp_path / "in/sub/bad.wav").write_bytes(b"not audio")
    sf.write(tmp_path / "in/good.wav", tone_mix(4000, sr=4000), 4000)
    assert upsample(tmp_path / "in", tmp_path / "out", model_file, "-q") == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.wav"]


def test_a_fifo_or_device_as_input_and_a_missing_file_to_evaluate_are_named(tmp_path, capsys):
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        assert _run("upsample", path, "-o", tmp_path / "o.wav", "--ratio", 4) == 2
        assert "not a regular file" in _one_line_error(capsys)
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=16000), 16000)
    assert _run("score", tmp_path / "a.wav", tmp_path / "missing.wav") == 2
    assert "missing.wav: no such file" in _one_line_error(capsys)


def test_a_read_only_disk_is_not_called_full(model_file, tmp_path, monkeypatch, capsys):
    import errno as errnos
    import shutil as shutils

    def read_only(*args, **kwargs):
        raise OSError(errnos.EROFS, "Read-only file system")

    monkeypatch.setattr("tempfile.mkdtemp", read_only)
    monkeypatch.setattr(
        shutils, "disk_usage", lambda p: shutils._ntuple_diskusage(1, 1, 300 * 1024)
    )
    sf.write(tmp_path / "a.wav", tone_mix(4000, sr=4000), 4000)
    assert upsample(tmp_path / "a.wav", tmp_path / "o.wav", model_file) == 1
    err = capsys.readouterr().err
    assert "Read-only file system" in err and "disk is full" not in err


def test_evaluate_scores_each_channel_and_says_why_a_measure_has_no_value(tmp_path, capsys):
    left, right = tone_mix(16000, sr=16000, seed=1), tone_mix(16000, sr=16000, seed=2)
    sf.write(tmp_path / "ref.wav", np.stack([left, right], 1), 16000)
    sf.write(tmp_path / "swapped.wav", np.stack([right, left], 1), 16000)
    assert _run("score", tmp_path / "ref.wav", tmp_path / "swapped.wav") == 0
    out = capsys.readouterr().out
    snrs = [float(line.split()[-2]) for line in out.splitlines() if "SNR" in line]
    assert len(snrs) == 3 and max(snrs) < 3  # swapped channels score as the mismatch they are
    sf.write(tmp_path / "ref4.wav", left[:4000], 4000)
    sf.write(tmp_path / "silent4.wav", np.zeros(4000), 4000)
    assert _run("score", tmp_path / "ref4.wav", tmp_path / "silent4.wav") in (0, 2)
    out = capsys.readouterr()
    assert "Usage" not in out.out and "nan" not in out.out.lower().replace("n/a", "")
    sf.write(tmp_path / "tiny.wav", left[:50], 16000)
    assert _run("score", tmp_path / "tiny.wav", tmp_path / "tiny.wav") in (0, 2)
    out = capsys.readouterr()
    assert not (out.out and out.err)  # a report, or one error line: never half of both


def test_folders_typed_with_set_are_relative_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mydata").mkdir()
    p = load_params(
        [str(ROOT / "params/demo.yaml")],
        ["run_dir=myruns", "cache_root=c", "dataset=mydata", "epochs=1"],
    )
    assert p["run_dir"] == str(tmp_path / "myruns") and p["cache_root"] == str(tmp_path / "c")
    assert p["dataset"] == str(tmp_path / "mydata")
    assert load_params([str(ROOT / "params/demo.yaml")], ["dataset=embedded-speech"])[
        "dataset"
    ] == ("embedded-speech")  # a name stays a name


def test_folder_mode_draws_no_bar_into_a_log(model_file, tmp_path, capsys):
    for i in range(3):
        write(tmp_path / "in" / f"{i}.wav", tone_mix(4000, sr=4000), 4000)
    assert upsample(tmp_path / "in", tmp_path / "out", model_file) == 0
    captured = capsys.readouterr()  # not a terminal: lines, no carriage-return redraws
    assert "\r" not in captured.err and "\r" not in captured.out
    assert captured.out.count(" -> ") == 3
