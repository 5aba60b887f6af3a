"""Lean installs: the `audiosr` command and the Python API run on the package's own dependencies;
the notebooks, the embedded corpus and the perceptual measures are extras, and a function that
needs one says which in one line."""

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomllib

from audiosr.core.extras import DISTRIBUTION, EXTRAS, MODULES, need

ROOT = Path(__file__).resolve().parents[1]
# what the extras bring besides the modules the package imports from them
ALSO_ABSENT = ("nbformat", "nbclient", "ipykernel", "jupyter_client", "librosa", "requests")
PIP_NAMES = {"IPython": None, "visqol": "visqol-python"}  # IPython comes with jupyterlab


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(req: str) -> str:
    return re.split(r"[<>=!\[ ]", req, maxsplit=1)[0].lower()


def _command_imports() -> list[str]:
    """Every audiosr module the command's source imports, at its top or inside a subcommand."""
    tree = ast.parse((ROOT / "audiosr/cli.py").read_text())
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    return sorted(m for m in found if m.startswith("audiosr"))


def test_the_command_and_the_api_run_without_any_extra(tmp_path):
    """In a Python where no module of an extra can be imported: `import audiosr`, the command's
    help, every module the command imports, `audiosr.upsample` with the shipped model, and the
    upsample, evaluate and export commands."""
    absent = sorted({*EXTRAS, *ALSO_ABSENT})
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules.update(dict.fromkeys({absent!r}))  # None: `import` fails as if not installed
        import importlib
        import numpy as np
        import soundfile as sf
        import audiosr
        import audiosr.cli

        for name in {_command_imports()!r}:
            importlib.import_module(name)
        try:
            audiosr.cli.main(["--help"])
        except SystemExit as e:
            assert e.code == 0, e.code
        x = 0.5 * np.sin(np.arange(2000) * 0.3).astype(np.float32)
        assert audiosr.upsample(x, 4000, ratio=4).shape == (8000,)
        sf.write(sys.argv[1] + "/in.wav", x, 4000)
        out = sys.argv[1] + "/out.wav"
        assert audiosr.cli.main(["upsample", sys.argv[1] + "/in.wav", "-o", out, "--ratio", "4"]) == 0
        assert audiosr.cli.main(["score", out, out]) == 0
        onnx = sys.argv[1] + "/m.onnx"
        assert audiosr.cli.main(["export", "audiounet-small-r4", "-o", onnx]) == 0
        print("lean install ok")
        """
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "lean install ok" in done.stdout
    assert "PESQ-WB: not installed" in done.stdout  # evaluate left the measures out, as it says


def test_the_base_dependencies_list_no_extra():
    project = _project()
    base = {_name(r) for r in project["dependencies"]}
    extras = project["optional-dependencies"]
    for extra, modules in MODULES.items():
        wanted = {PIP_NAMES.get(m, m).lower() for m in modules if PIP_NAMES.get(m, m)}
        assert wanted <= {_name(r) for r in extras[extra]}, extra
        assert not wanted & base, f"{extra}: {wanted & base} in the base dependencies"
    assert not {"music21", "nbformat", "librosa", *ALSO_ABSENT} & base
    assert f"{DISTRIBUTION}[" in " ".join(extras["test"])  # the tests need every extra


@pytest.mark.parametrize("module", ["papermill", "music21.corpus", "pyloudnorm", "pesq"])
def test_a_missing_extra_is_named_in_one_line(module, monkeypatch):
    top = module.split(".")[0]
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")] + [top, module]:
        monkeypatch.setitem(sys.modules, name, None)  # absent, even where a test imported it
    extra = EXTRAS[top]
    with pytest.raises(ModuleNotFoundError, match=r"^\S+ is not installed: pip install ") as e:
        need(module)
    assert str(e.value).endswith(f"pip install '{DISTRIBUTION}[{extra}]'")
    assert "\n" not in str(e.value)


def test_functions_that_need_an_extra_say_which(monkeypatch):
    import numpy as np

    from audiosr.listening.loudness import loudness
    from audiosr.notebook_params import main

    monkeypatch.setitem(sys.modules, "pyloudnorm", None)
    with pytest.raises(ModuleNotFoundError, match=r"\[notebooks\]"):
        loudness(np.ones(16000), 16000)
    monkeypatch.setitem(sys.modules, "papermill", None)
    with pytest.raises(ModuleNotFoundError, match=r"\[notebooks\]"):
        main(["notebooks/02_model.ipynb", "out.ipynb"])
