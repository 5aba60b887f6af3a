"""One params file for every notebook, each notebook given only the parameters it reads.

A params file (params/demo.yaml) holds the keys of all six notebooks; papermill warns about every
key a notebook does not declare ("Passed unknown parameter"), dozens per run of a correct file.
This passes each notebook the keys of its `parameters` cell and refuses a key that *no*
notebook reads (a typo would otherwise be dropped silently), and a `-p` key that this notebook
does not read. Every value is checked as params files are, before the kernel starts; the output
is never the notebook itself, and an existing one is replaced only with --force:

    python -m audiosr.notebook_params notebooks/03_train.ipynb out/03.ipynb -f params/demo.yaml -p ratio 6
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

import yaml

from audiosr.core.extras import need
from audiosr.core.paths import ROOT

NOTEBOOKS = ROOT / "notebooks"


class NotebookError(ValueError):
    """A notebook file that cannot be read as one; the message names the file."""


def _cells(notebook: Path) -> list:
    """The cells of `notebook`, or a NotebookError in one line, not a parser's traceback."""
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(f"{notebook}: not a text file (a notebook is JSON).") from None
    except json.JSONDecodeError as e:
        raise NotebookError(f"{notebook}: not a notebook (not JSON: {e.msg}).") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise NotebookError(f"{notebook}: not a notebook (no list of cells).")
    return cells


def notebook_parameters(notebook: str | Path) -> list[str]:
    """The names assigned in a notebook's `parameters` cell, in order (what papermill's
    inspect_notebook lists, read without starting papermill). A file that is not a notebook,
    or whose parameters cell is not Python, is a NotebookError naming it."""
    for cell in _cells(Path(notebook)):
        tags = cell["metadata"].get("tags") if isinstance(cell.get("metadata"), dict) else None
        if isinstance(tags, list) and "parameters" in tags:
            source = cell.get("source", "")
            try:
                tree = ast.parse("".join(source) if isinstance(source, list) else source)
            except (SyntaxError, TypeError, ValueError) as e:
                why = e.msg if isinstance(e, SyntaxError) else e
                raise NotebookError(
                    f"{notebook}: its parameters cell is not Python ({why})."
                ) from None
            targets = [
                t
                for node in tree.body
                if isinstance(node, (ast.Assign, ast.AnnAssign))
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            ]
            return list(dict.fromkeys(t.id for t in targets if isinstance(t, ast.Name)))
    return []


def readable(notebook: str | Path) -> list[str]:
    """What `notebook` reads: its parameters cell and, where that cell has `options`, every config
    field and the notebook's own settings (NOTEBOOK_DEFAULTS), which arrive through `options`."""
    from audiosr.training.params import NOTEBOOK_DEFAULTS, PLACES, config_keys

    names = notebook_parameters(notebook)
    if "options" not in names:
        return names
    extra = config_keys() | set(PLACES) | set(NOTEBOOK_DEFAULTS.get(Path(notebook).stem, {}))
    return names + sorted(extra - set(names))


def known_parameters(folder: str | Path = NOTEBOOKS) -> set[str]:
    """Every parameter some notebook in `folder` reads (what a test compares with the key list
    params files are checked against, `params.NOTEBOOK_KEYS`)."""
    return {k for nb in sorted(Path(folder).glob("*.ipynb")) for k in readable(nb)}


def value(text: str):
    """A -p value as papermill reads it: int, float, true/false/none, else the string."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None, "null": None}.get(text.lower(), text)


def params_for(notebook: str | Path, params: dict) -> dict:
    """The subset of `params` that `notebook` reads: the keys of its parameters cell as they are,
    the settings it reads through `options` gathered into that one value; a key that neither it
    nor any of the package's notebooks reads (`params.known_keys`) is an error. Only `notebook`
    is opened: the keys the others read are the package's list, not a look at its folder."""
    from audiosr.training.params import known_keys, unknown_keys

    cell, wanted = notebook_parameters(notebook), readable(notebook)
    problem = unknown_keys(params, known_keys() | set(wanted))
    if problem:
        raise KeyError(f"no notebook reads them: {problem}")
    given = {k: v for k, v in params.items() if k in cell}
    options = {k: v for k, v in params.items() if k in wanted and k not in cell}
    if options:
        given["options"] = {**options, **(params.get("options") or {})}
    return given


def load(files: list[str], overrides: list[tuple[str, str]], known: set[str] | None = None) -> dict:
    """Params files in order (later ones override), then -p KEY VALUE pairs, all checked as
    `load_params` checks a file (known keys, finite numbers)."""
    from audiosr.training.params import load_params

    return load_params(files, known=known, typed={k: value(v) for k, v in overrides})


def check_output(notebook: Path, output: Path, force: bool) -> None:
    """Refuse an output that is the notebook itself (however spelled: ./nb.ipynb, a link), a
    folder, or, without `force`, any existing file, as the package's other writers do."""
    if output.exists() and output.samefile(notebook):
        raise FileExistsError(f"{output}: is the notebook being run; choose another output.")
    if output.is_dir():
        raise FileExistsError(f"{output}: a folder has this name; choose a file name.")
    if (output.exists() or output.is_symlink()) and not force:  # a dangling link is a name taken
        raise FileExistsError(f"{output}: exists; pass --force to replace it.")
    if not output.parent.is_dir():
        raise FileNotFoundError(f"{output.parent}: the folder for the output does not exist.")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m audiosr.notebook_params", description=__doc__.split("\n")[0]
    )
    ap.add_argument("notebook")
    ap.add_argument("output")
    ap.add_argument(
        "-f", "--parameters-file", action="append", default=[], help="params yaml (repeatable)"
    )
    ap.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("KEY", "VALUE")
    )
    ap.add_argument(
        "--cwd", default=None, help="working folder of the kernel (default: the notebook's)"
    )
    ap.add_argument("--force", action="store_true", help="replace an existing output file")
    args = ap.parse_args(argv)
    papermill = need("papermill")

    from audiosr.training.params import configs_from, known_keys

    notebook = Path(args.notebook)
    if not notebook.is_file():
        print(f"error: {args.notebook}: no such notebook.", file=sys.stderr)
        return 2
    try:
        check_output(notebook, Path(args.output), args.force)
        wanted = readable(notebook)
        unread = [k for k, _ in args.parameter if k not in wanted]
        if unread:  # asked for by name: dropping it would run something other than what was asked
            raise KeyError(
                f"-p {', '.join(unread)}: {notebook.name} does not read "
                f"{'it' if len(unread) == 1 else 'them'} (it reads: {', '.join(wanted)})."
            )
        params = params_for(
            notebook, load(args.parameters_file, args.parameter, known_keys() | set(wanted))
        )
        configs_from(
            {**params, **params.get("options", {})}
        )  # a value the configs refuse (ratio 0): one line, before the kernel
    except (KeyError, OSError, ValueError, yaml.YAMLError) as e:
        print(f"error: {e.args[0] if isinstance(e, KeyError) else e}", file=sys.stderr)
        return 2
    papermill.execute_notebook(
        args.notebook,
        args.output,
        parameters=params,
        cwd=args.cwd or str(Path(args.notebook).resolve().parent),
    )
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))  # Ctrl-C / SIGTERM: one line, not a traceback
