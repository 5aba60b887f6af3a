"""Optional dependencies. The `audiosr` command and the Python API (`audiosr.upsample`,
`audiosr.load_model`) need only pyproject.toml's `dependencies`; the notebooks, the embedded
corpus and the perceptual measures each need an extra, which `make setup` installs. A module of
an extra is imported where it is used, through `need`, so a lean install fails there in one line
that names the extra, never on `import audiosr`."""

from __future__ import annotations

import importlib

DISTRIBUTION = "audiosr-unet"  # the name pip knows the package by
MODULES = {  # extra -> the modules it installs that the package imports
    "notebooks": (
        *("jupyterlab", "jupytext", "papermill", "ipywidgets", "IPython"),  # running them
        *("matplotlib", "pyloudnorm"),  # their figures, loudness-matched listening
    ),
    "corpus": ("music21",),
    "perceptual": ("pesq", "pystoi", "visqol", "speechmos", "onnxruntime"),
}
EXTRAS = {module: extra for extra, modules in MODULES.items() for module in modules}


def install_hint(module: str) -> str:
    """The pip command that installs `module`'s extra."""
    return f"pip install '{DISTRIBUTION}[{EXTRAS[module.split('.')[0]]}]'"


def need(module: str):
    """`module`, imported; where its extra is not installed, a ModuleNotFoundError in one line
    that names the extra."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        top = module.split(".")[0]
        if e.name is None or e.name.split(".")[0] != top:  # a dependency of it is broken
            raise
        raise ModuleNotFoundError(
            f"{top} is not installed: {install_hint(module)}", name=e.name
        ) from None
