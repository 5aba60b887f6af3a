"""Project hygiene: notebooks and their jupytext sources agree, and stay output-free; the
conda environment lists what pyproject does."""

import ast
import json
import re
from pathlib import Path

import jupytext
import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


def _name(req: str) -> str:
    return re.split(r"[<>=!\[ ]", req, maxsplit=1)[0].lower()


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_its_jupytext_source(source):
    ipynb = source.with_suffix(".ipynb")
    assert ipynb.is_file(), f"{ipynb.name} missing: run `make sync`"
    a = jupytext.read(source)
    b = jupytext.read(ipynb)
    assert [(c.cell_type, c.source) for c in a.cells] == [
        (c.cell_type, c.source) for c in b.cells
    ], f"{ipynb.name} differs from {source.name}: run `make sync`"


def _stored(path: Path) -> str:
    """A file as git stores it (the index, after the nbstripout filter), else as on disk."""
    import subprocess

    rel = path.relative_to(ROOT).as_posix()
    shown = subprocess.run(["git", "show", f":{rel}"], cwd=ROOT, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else path.read_text()


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs_and_has_a_parameters_cell(source):
    nb = json.loads(_stored(source.with_suffix(".ipynb")))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert not any(c.get("outputs") for c in code), "strip outputs before committing"
    assert "language_info" not in nb["metadata"]
    assert "parameters" in code[0].get("metadata", {}).get("tags", []), (
        "first code cell must be tagged parameters"
    )


def test_a_notebook_saved_with_outputs_is_committed_without_them(tmp_path):
    """What `make setup` configures: a notebook run and saved in JupyterLab (outputs, execution
    counts, language_info) goes into git stripped, so `git status` stays clean and tests green."""
    import shutil
    import subprocess
    import sys

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    git = lambda *a: subprocess.run(
        ["git", *a], cwd=repo, check=True, capture_output=True, text=True
    )
    git("init", "-q")
    git("config", "filter.nbstripout.clean", f"'{sys.executable}' -m nbstripout")
    git("config", "filter.nbstripout.smudge", "cat")
    git("config", "filter.nbstripout.extrakeys", "metadata.language_info metadata.widgets")
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    nb = json.loads((ROOT / "notebooks/02_model.ipynb").read_text())
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.11.2"}
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["execution_count"] = 3
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ran\n"]}]
    (repo / "notebooks/02_model.ipynb").write_text(json.dumps(nb))
    git("add", "notebooks/02_model.ipynb")
    stored = json.loads(git("show", ":notebooks/02_model.ipynb").stdout)
    cells = [c for c in stored["cells"] if c["cell_type"] == "code"]
    assert not any(c["outputs"] or c["execution_count"] for c in cells)
    assert "language_info" not in stored["metadata"] and "kernelspec" in stored["metadata"]
    assert "ran" in (repo / "notebooks/02_model.ipynb").read_text()  # the working copy keeps them


def _requirements(project: dict, extras: list[str]) -> set[str]:
    """The names of the packages that installing `extras` brings, the package's own
    dependencies included, each extra that names the package itself expanded."""
    names = {_name(r) for r in project["dependencies"]}
    for extra in extras:
        for r in project["optional-dependencies"][extra]:
            if _name(r) == project["name"]:
                names |= _requirements(project, re.search(r"\[(.*)\]", r)[1].split(","))
            else:
                names.add(_name(r))
    return names


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _requirements(project, ["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {_name(r) for r in pip if not r.startswith("-e")}
    assert wanted == listed


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_names_its_kernel_so_papermill_runs_it_as_typed(source):
    nb = json.loads(source.with_suffix(".ipynb").read_text())
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_understands_every_parameter(source):
    import papermill

    nb = json.loads(source.with_suffix(".ipynb").read_text())
    first = "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])
    names = [
        line.split("=")[0].strip() for line in first.splitlines() if re.match(r"^\w+\s*=", line)
    ]
    assert list(papermill.inspect_notebook(str(source.with_suffix(".ipynb")))) == names


def _parameters_cell(source: Path) -> dict:
    """The values a notebook's parameters cell assigns (plain values, so each is a literal)."""
    cells = jupytext.read(source).cells
    cell = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    return {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(cell.source).body}


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_parameters_cell_shows_the_defaults_the_package_holds(source):
    """A notebook's defaults are kept once, in `params.NOTEBOOK_DEFAULTS` (built on 01's data and
    03's training, `TINY_DATA` and `TINY_TRAINING`): its parameters cell shows those values.
    02_model, which draws a model and trains none, shows the configs' own (the paper's)."""
    from dataclasses import asdict

    from audiosr.training.params import NOTEBOOK_DEFAULTS, config_classes

    shown = _parameters_cell(source)
    shown.pop("options", None)
    paper = {k: v for cls in config_classes() for k, v in asdict(cls()).items()}
    defaults = NOTEBOOK_DEFAULTS.get(source.stem, paper)
    assert shown == {k: defaults.get(k, "(not in the package's defaults)") for k in shown}


@pytest.mark.parametrize("params", sorted((ROOT / "params").glob("*.yaml")), ids=lambda p: p.stem)
def test_params_files_only_set_notebook_parameters(params):
    """A typo in a params file would be silently ignored by papermill: catch it here."""
    from audiosr.notebook_params import known_parameters

    known = known_parameters()
    values = yaml.safe_load(params.read_text())
    assert set(values) <= known, f"unknown keys: {set(values) - known}"


def test_a_paper_row_is_its_data_on_top_of_the_shared_recipe():
    """params/paper.yaml holds the paper's recipe; each Table 2 row file sets only its data."""
    from audiosr.training.params import configs_from, load_params

    rows = sorted((ROOT / "params").glob("paper-*.yaml"))
    assert len(rows) == 9
    for row in rows:
        own = yaml.safe_load(row.read_text())
        assert set(own) == {"dataset", "task", "ratio"}, row.name
        spec = configs_from(load_params(["params/paper.yaml", row]))
        assert (spec.model.width, spec.train.lr, spec.train.batch_size, spec.train.epochs) == (
            1.0,
            1e-4,
            128,
            400,
        )
        assert spec.data.ratio == own["ratio"] and spec.data.task == own["task"]


def test_each_notebook_gets_only_the_parameters_it_reads():
    """One params file feeds all six notebooks without papermill's unknown-parameter warnings;
    a key that no notebook reads is an error, not a silently dropped typo."""
    from audiosr.notebook_params import load, notebook_parameters, params_for

    demo = load(["params/demo.yaml"], [("ratio", "6"), ("lr", "1e-4")])
    assert demo["ratio"] == 6 and demo["lr"] == 1e-4
    nb = ROOT / "notebooks/02_model.ipynb"
    given = params_for(nb, demo)
    assert (
        set(given) == set(notebook_parameters(nb)) & set(demo)
        and "dnn" not in given
        and given["ratio"] == 6
    )
    with pytest.raises(KeyError, match="stpes_per_epoch"):
        params_for(nb, {**demo, "stpes_per_epoch": 3})
    makefile = (ROOT / "Makefile").read_text()
    assert "audiosr.notebook_params" in makefile and "papermill --cwd" not in makefile


def test_no_fetched_audio_is_tracked():
    """Recordings from public repositories (VCTK, LibriSpeech, ...) stay in the shared folder and
    the embedded corpus is rebuilt, never committed: no audio file may be tracked by git."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode:
        pytest.skip("not a git checkout")
    audio = [
        f
        for f in tracked.stdout.splitlines()
        if Path(f).suffix.lower() in (".wav", ".flac", ".ogg", ".opus", ".mp3", ".deb")
    ]
    assert audio == []


@pytest.mark.slow
def test_the_train_notebook_runs_on_its_own_as_a_user_types_it(tmp_path):
    """`cd notebooks && papermill 03_train.ipynb out.ipynb -p ratio 6` on a fresh set-up: 03 builds
    the data cache it needs (as 01_data would) instead of failing. Output goes to a temporary
    folder so that no extra notebook lands in the tree."""
    import subprocess
    import sys

    papermill = Path(sys.executable).parent / "papermill"
    out = tmp_path / "out.ipynb"
    done = subprocess.run(
        [str(papermill), "03_train.ipynb", str(out), "-p", "ratio", "6"],
        cwd=ROOT / "notebooks",
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ratio = 6" in out.read_text()


def _code_cells(source):
    nb = json.loads(source.with_suffix(".ipynb").read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_reads_in_short_cells(source):
    """A reader meets a dozen of the paper's values and short cells that show one thing each;
    every other setting comes from a params file or `options`, the plumbing from the package."""
    import papermill

    parameters = papermill.inspect_notebook(str(source.with_suffix(".ipynb")))
    assert len(parameters) <= 12, list(parameters)
    long = {
        i: len(c.splitlines())
        for i, c in enumerate(_code_cells(source))
        if len(c.splitlines()) > 15
    }
    assert not long, f"code cells over 15 lines (cell index: lines): {long}"


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_ends_on_a_computed_finding(source):
    """Not on a fixed summary: its last cells compute a sentence from the run's numbers."""
    text = source.read_text()
    assert "In this notebook we have" not in text
    assert any("finding(" in c for c in _code_cells(source)[-2:]), "no finding( in the last cells"


def test_outputs_follow_the_checkout_the_work_is_in_not_the_installed_one(tmp_path):
    """A second clone sharing the virtual environment (the package installed from the first)
    writes its runs and figures into itself; $AUDIOSR_ROOT still wins."""
    import os
    import subprocess
    import sys

    clone = tmp_path / "clone"
    (clone / "audiosr").mkdir(parents=True)
    (clone / "audiosr" / "__init__.py").write_text("")
    (clone / "pyproject.toml").write_text("")
    (clone / "notebooks").mkdir()
    code = "from audiosr.core import paths; print(paths.ROOT); print(paths.__file__)"
    env = {k: v for k, v in os.environ.items() if k != "AUDIOSR_ROOT"}
    run = lambda cwd, **extra: subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env={**env, **extra}, capture_output=True, text=True
    ).stdout.splitlines()
    root, loaded_from = run(clone / "notebooks")
    assert Path(root) == clone.resolve() and not loaded_from.startswith(str(clone))
    assert Path(run(tmp_path)[0]) == ROOT  # outside any checkout: the one installed from
    assert Path(run(clone, AUDIOSR_ROOT=str(tmp_path))[0]) == tmp_path.resolve()
