"""The package's shape: imports run one way, params files mean the same wherever the package is
installed, and there is one training command."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "audiosr"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_script_entry(node) -> bool:
    """`if __name__ == "__main__":`: what runs only as `python -m`, not a library dependency."""
    t = getattr(node, "test", None)
    return (
        isinstance(node, ast.If)
        and isinstance(t, ast.Compare)
        and isinstance(t.left, ast.Name)
        and t.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in t.comparators)
    )


def _walk(tree):
    """ast.walk without the script entry blocks."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(c for c in ast.iter_child_nodes(node) if not _is_script_entry(c))


def import_graph() -> dict[str, set[str]]:
    """audiosr module -> the audiosr modules it imports, at the top or inside a function (not
    in a script entry block)."""
    files = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        deps = set()
        for node in _walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                prefix = ".".join(base + ([node.module] if node.module else []))
                # `from . import band` imports the module band; `from .x import f` imports x
                targets = [f"{prefix}.{a.name}" for a in node.names]
                targets = [t if t in files else prefix for t in targets]
            else:
                continue
            for t in targets:
                while t not in files and "." in t:
                    t = t.rsplit(".", 1)[0]
                if t in files and t != name:
                    deps.add(t)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while not part or part[-1] != v:
                part.append(stack.pop())
                on_stack.discard(part[-1])
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_a_script_entry_block_is_not_a_dependency():
    tree = ast.parse("import a\nif __name__ == '__main__':\n    import b\nif x:\n    import c\n")
    names = {a.name for n in _walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert names == {"a", "c"}


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 20 and any(graph.values())  # the graph was really read
    assert cycles(graph) == []


def test_every_params_file_loads_from_an_unrelated_folder(tmp_path):
    """As with a non-editable install: the project root is elsewhere and has no notebooks."""
    files = sorted(str(p) for p in (ROOT / "params").glob("*.yaml"))
    code = (
        "import sys; from audiosr.training.params import configs_from, load_params\n"
        "for f in sys.argv[1:]: configs_from(load_params(f)); print('ok', f)\n"
    )
    env = {**os.environ, "AUDIOSR_ROOT": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code, *files], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("ok ") == len(files) > 10


def test_the_keys_params_accepts_are_what_the_notebooks_and_configs_read():
    """NOTEBOOK_KEYS is derived from the package's table of notebook settings; it must be what
    the notebooks' parameters cells declare and read through `options`, and a params file may
    hold exactly those keys besides the configs' fields and the places."""
    from audiosr.notebook_params import known_parameters
    from audiosr.training.params import (
        NOTEBOOK_DEFAULTS,
        NOTEBOOK_KEYS,
        PLACES,
        config_keys,
        known_keys,
    )

    read = known_parameters(ROOT / "notebooks")
    assert set(NOTEBOOK_KEYS) == read - config_keys() - set(PLACES)
    assert known_keys() == read | config_keys() | set(PLACES)
    assert set(NOTEBOOK_DEFAULTS) <= {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}


def test_one_training_command_under_both_names():
    def flags(*command):
        out = subprocess.run(
            [sys.executable, "-m", *command, "--help"], capture_output=True, text=True, cwd=ROOT
        ).stdout
        return {w.strip(",[]") for w in out.split() if w.lstrip("[").startswith("--")}

    by_module, by_command = flags("audiosr.training.train"), flags("audiosr", "train")
    assert {"--params", "--set", "--run-dir", "--no-resume"} <= by_module
    assert by_module == by_command


def test_the_distribution_has_a_name_of_its_own():
    """`pip install audiosr` gets another project (a diffusion model); ours installs as
    audiosr-unet and imports as audiosr."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "audiosr-unet"
    assert project["scripts"]["audiosr"] == "audiosr.cli:main"


def test_notebooks_name_methods_by_their_keys_not_by_how_a_label_begins():
    for nb in sorted((ROOT / "notebooks").glob("*.py")):
        assert '.startswith("AudioUNet")' not in nb.read_text(), nb.name


def test_paper_tables_name_methods_by_their_keys_not_by_how_a_label_begins():
    """The paper's numbers go to the methods `as_paper` names, whatever their labels begin with:
    a TFiLM named "Ours" gets them, an AudioUNet not named gets none."""
    from audiosr.evaluation.paper import TABLE2
    from audiosr.evaluation.paper_tables import table2_rows

    methods = ("cubic spline", "AudioUNet (epoch 3)", "TFiLM, width 0.0625")
    summary = [
        {"method": m, "files": 1, "SNR (dB)": 1.0, "LSD": 1.0, "compute s per audio s": 0.0}
        for m in methods
    ]
    named = {"cubic spline": "Spline", "TFiLM, width 0.0625": "Ours"}
    rows = table2_rows({"test": summary}, 4, "SingleSpeaker", named)
    paper = TABLE2[("SingleSpeaker", 4)]
    assert [r["paper SNR (SingleSpeaker)"] for r in rows] == [
        paper["Spline"][0],
        "",
        paper["Ours"][0],
    ]


# The stages, lowest first: each imports only from those before it.
STAGES = ("core", "data", "networks", "inference", "training", "listening", "evaluation")


def test_each_stage_imports_only_from_the_stages_below_it():
    def stage(module):
        parts = module.split(".")
        return parts[1] if len(parts) > 1 and parts[1] in STAGES else None

    wrong = [
        f"{a} -> {b}"
        for a, deps in import_graph().items()
        for b in deps
        if stage(a) and (stage(b) is None or STAGES.index(stage(b)) > STAGES.index(stage(a)))
    ]  # fmt: skip
    assert wrong == []
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()} == set(STAGES)


def _readme_tree() -> set[str]:
    """The files the module map (docs/package.md) draws, as paths under audiosr/."""
    text = (ROOT / "docs" / "package.md").read_text()
    block = text.split("```text\naudiosr/\n", 1)[1].split("```", 1)[0]
    drawn, folders = set(), []
    for line in block.splitlines():
        name = re.search(r"[├└]── (\S+)", line)
        depth = (name.start(1) - 4) // 4
        folders = folders[:depth]
        path = "/".join(folders + [name[1].rstrip("/")])
        if name[1].endswith("/"):
            folders.append(name[1].rstrip("/"))
        else:
            drawn.add(path)
    return drawn


def test_the_readme_module_map_draws_the_package_as_it_is():
    actual = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py" or p.parent == PACKAGE
    }
    assert _readme_tree() == actual


def test_the_readme_is_a_front_page_whose_links_all_lead_somewhere():
    readme = ROOT / "README.md"
    assert len(readme.read_text().splitlines()) < 100  # the module map lives in docs
    pages = [readme, *sorted((ROOT / "docs").glob("*.md"))]
    assert len(pages) > 5
    broken = []
    for page in pages:
        text = page.read_text()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("http://", "https://")):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor and dest.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", dest.read_text(), re.M)
                slugs = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}
                if anchor not in slugs:
                    broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []


def test_scripts_are_a_handful_each_run_by_make_or_a_test():
    """Experiments are params files run by the package's commands (Make targets chain them);
    what stays in scripts/ is run by the Makefile or by a test, so none can rot unseen."""
    scripts = sorted(p.name for p in (ROOT / "scripts").iterdir() if p.is_file())
    assert len(scripts) <= 5, scripts
    users = (ROOT / "Makefile").read_text() + "".join(
        p.read_text() for p in (ROOT / "tests").glob("*.py")
    )
    assert [s for s in scripts if f"scripts/{s}" not in users and f'"{s}"' not in users] == []


def test_the_makefile_names_only_params_files_that_exist():
    import re

    named = set(re.findall(r"params/[\w/.+-]+\.yaml", (ROOT / "Makefile").read_text()))
    assert len(named) > 10  # the experiments' files were really read
    assert sorted(p for p in named if not (ROOT / p).is_file()) == []
