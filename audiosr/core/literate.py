"""What a literate notebook shows besides plots: the package's own code next to the paper's
equation it implements (shown, never copied, so it cannot drift), tables, and findings: sentences
computed from a run's numbers, set apart from the fixed prose around them."""

from __future__ import annotations

import inspect
import textwrap

from IPython.display import Markdown

from audiosr.core.tables import markdown_table


def source(obj, start: str | None = None, stop: str | None = None) -> Markdown:
    """The source of a function, class or method as a Python code block, with where it lives;
    `start` / `stop`: show only the lines from the first containing `start` to the first after
    it containing `stop` (one method of a class, the heart of a long function)."""
    lines = textwrap.dedent(inspect.getsource(obj)).splitlines()
    if start is not None:
        first = next(i for i, line in enumerate(lines) if start in line)
        last = next(
            (i for i, line in enumerate(lines[first + 1 :], first + 1) if stop and stop in line),
            len(lines) - 1,
        )
        lines = lines[first : last + 1]
    where = f"{obj.__module__}.{obj.__qualname__}"
    return Markdown(f"`{where}`:\n\n```python\n" + "\n".join(lines) + "\n```")


def table(rows: list[dict], caption: str = "") -> Markdown:
    """Rows as a Markdown table, with a caption line above it."""
    return Markdown((f"{caption}\n\n" if caption else "") + markdown_table(rows))


def finding(text: str) -> Markdown:
    """A sentence computed from this run's numbers, shown as the notebook's finding."""
    return Markdown(f"**Finding.** {text}")


def signed(x: float, digits: int = 2, unit: str = "") -> str:
    """+0.64 dB / -0.20: a difference written with its sign."""
    return f"{x:+.{digits}f}{' ' + unit if unit else ''}"
