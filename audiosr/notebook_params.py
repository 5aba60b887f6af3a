"""One params file for every notebook, each notebook given only the parameters it reads.

A params file (params/demo.yaml) holds the keys of all six notebooks; papermill warns about every
key a notebook does not declare ("Passed unknown parameter"), dozens per run of a correct file.
This passes each notebook the keys of its `parameters` cell and refuses a key that *no*
notebook reads (a typo would otherwise be dropped silently), and a `-p` key that this notebook
does not read:

    python -m audiosr.notebook_params notebooks/03_train.ipynb out/03.ipynb -f params/demo.yaml -p ratio 6
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

import yaml

from audiosr.core.paths import ROOT

NOTEBOOKS = ROOT / "notebooks"


def notebook_parameters(notebook: str | Path) -> list[str]:
    """The names assigned in a notebook's `parameters` cell, in order (what papermill's
    inspect_notebook lists, read without starting papermill)."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    for cell in cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell["source"]
            tree = ast.parse("".join(source) if isinstance(source, list) else source)
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
    field and the notebook's own settings (NOTEBOOK_OPTIONS), which arrive through `options`."""
    from audiosr.training.params import NOTEBOOK_OPTIONS, PLACES, config_keys

    names = notebook_parameters(notebook)
    if "options" not in names:
        return names
    extra = config_keys() | set(PLACES) | set(NOTEBOOK_OPTIONS.get(Path(notebook).stem, {}))
    return names + sorted(extra - set(names))


def known_parameters(folder: str | Path = NOTEBOOKS) -> set[str]:
    """Every parameter some notebook in `folder` reads."""
    return {k for nb in sorted(Path(folder).glob("*.ipynb")) for k in readable(nb)}


def value(text: str):
    """A -p value as papermill reads it: int, float, true/false/none, else the string."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None, "null": None}.get(text.lower(), text)


def params_for(notebook: str | Path, params: dict, folder: str | Path = NOTEBOOKS) -> dict:
    """The subset of `params` that `notebook` reads: the keys of its parameters cell as they are,
    the settings it reads through `options` gathered into that one value; a key no notebook reads
    is an error."""
    from audiosr.training.params import unknown_keys

    problem = unknown_keys(params, known_parameters(folder))
    if problem:
        raise KeyError(f"no notebook reads them: {problem}")
    cell, wanted = notebook_parameters(notebook), readable(notebook)
    given = {k: v for k, v in params.items() if k in cell}
    options = {k: v for k, v in params.items() if k in wanted and k not in cell}
    if options:
        given["options"] = {**options, **(params.get("options") or {})}
    return given


def load(files: list[str], overrides: list[tuple[str, str]]) -> dict:
    """Params files in order (later ones override), then -p KEY VALUE pairs."""
    from audiosr.training.params import load_params

    params = load_params(files)
    params.update({k: value(v) for k, v in overrides})
    return params


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
    args = ap.parse_args(argv)
    import papermill

    from audiosr.training.params import configs_from

    if not Path(args.notebook).is_file():
        print(f"error: {args.notebook}: no such notebook.", file=sys.stderr)
        return 2
    wanted = readable(args.notebook)
    unread = [k for k, _ in args.parameter if k not in wanted]
    if unread:  # asked for by name: dropping it would run something other than what was asked
        print(
            f"error: -p {', '.join(unread)}: {Path(args.notebook).name} does not read "
            f"{'it' if len(unread) == 1 else 'them'} (it reads: {', '.join(wanted)}).",
            file=sys.stderr,
        )
        return 2
    try:
        params = params_for(
            args.notebook,
            load(args.parameters_file, args.parameter),
            Path(args.notebook).resolve().parent,
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
