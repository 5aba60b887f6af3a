"""Progress bars that end in their final state in every front end.

A widget bar (`tqdm.auto` in a notebook) shows "Error displaying widget: model not found" after
a page reload and stays frozen at 0% in papermill outputs and HTML exports, because the widget's
state is not saved with the notebook. A text bar is plain output: JupyterLab and nbconvert
collapse its carriage returns to the last state, terminals draw it in place.
"""

from __future__ import annotations


def bar(iterable=None, **kwargs):
    """tqdm's text bar; `leave=True` unless asked otherwise, so the finished bar stays."""
    from tqdm.std import tqdm

    kwargs.setdefault("leave", True)
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, **kwargs)


def write(text: str, **kwargs) -> None:
    """Print a line without breaking a bar that is being drawn."""
    from tqdm.std import tqdm

    tqdm.write(text, **kwargs)
