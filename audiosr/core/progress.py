"""Progress bars that end in their final state in every front end.

A widget bar (`tqdm.auto` in a notebook) shows "Error displaying widget: model not found" after
a page reload and stays frozen at 0% in papermill outputs and HTML exports, because the widget's
state is not saved with the notebook. A text bar is plain output: JupyterLab and nbconvert
collapse its carriage returns to the last state, terminals draw it in place. A log file (CI, a
redirected run) is neither: there a bar redraws at most once a minute (`LOG_INTERVAL`), so a stage
is one line, not a stream of carriage-return updates.
"""

from __future__ import annotations

import sys

LOG_INTERVAL = 60.0  # seconds between a bar's redraws in a log


def kernel_stream(stream) -> bool:
    """Whether `stream` is a Jupyter kernel's (JupyterLab, papermill, nbval)."""
    return type(stream).__module__.startswith("ipykernel")


def drawn_in_place(stream=None) -> bool:
    """Whether `stream` (default stderr, where bars go) shows a bar's redraws as one bar: a
    terminal, or a notebook's output (a Jupyter kernel's streams)."""
    stream = stream if stream is not None else sys.stderr
    if kernel_stream(stream):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def bar(iterable=None, **kwargs):
    """tqdm's text bar; `leave=True` unless asked otherwise, so the finished bar stays; in a log,
    redrawn once a minute at most. In a notebook it goes to stdout with the cell's prints: on
    stderr JupyterLab draws it in a pink box, and its closing newline, arriving after a print,
    as a second, empty one."""
    from tqdm.std import tqdm

    if "file" not in kwargs and kernel_stream(sys.stderr):
        kwargs["file"] = sys.stdout
        kwargs["mininterval"] = max(kwargs.get("mininterval", 0.1), 0.5)
    kwargs.setdefault("leave", True)
    kwargs.setdefault("dynamic_ncols", True)
    if drawn_in_place(kwargs.get("file")):
        return tqdm(iterable, **kwargs)
    kwargs["mininterval"] = max(kwargs.get("mininterval", 0.1), LOG_INTERVAL)
    kwargs["maxinterval"] = max(kwargs.get("maxinterval", 10.0), LOG_INTERVAL)

    class LogBar(tqdm):
        """Its postfix and description wait for the next redraw (tqdm's own redraw at once)."""

        def set_postfix(self, ordered_dict=None, refresh=True, **kw):
            super().set_postfix(ordered_dict, refresh=False, **kw)

        def set_description(self, desc=None, refresh=True):
            super().set_description(desc, refresh=False)

    return LogBar(iterable, **kwargs)


def write(text: str, **kwargs) -> None:
    """Print a line without breaking a bar that is being drawn."""
    from tqdm.std import tqdm

    tqdm.write(text, **kwargs)
