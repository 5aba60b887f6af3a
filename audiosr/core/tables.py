"""Tables: rows of dicts rendered as Markdown for notebooks and README, and written as CSV.
One writer for every CSV the package makes (results, histories, manifests, caches)."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1 else f"{v:,.1f}"
    return str(v)


def markdown_table(rows: list[dict], columns: list[str] | None = None) -> str:
    """GitHub-flavoured Markdown; floats get 3 significant digits (or one decimal when >= 1)."""
    if not rows:
        return "_(no rows)_"
    # every key, first-seen order
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def csv_text(rows: list[dict], columns: list[str] | None = None) -> str:
    """CSV with a header; columns: given, else every key in the order first seen (rows may
    differ: a resumed run's history adds columns)."""
    buf = io.StringIO()
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    w = csv.DictWriter(buf, columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def write_csv(path: str | Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    """`csv_text` written atomically."""
    from audiosr.core.paths import write_text

    return write_text(path, csv_text(rows, columns))


def write_table(path: str | Path, rows: list[dict], title: str = "", notes: str = "") -> Path:
    """A results table as `path`.csv (every column, full precision) and `path`.md (a title,
    the Markdown table, then notes such as where the numbers came from)."""
    from audiosr.core.paths import write_text

    path = Path(path)
    write_csv(path.with_suffix(".csv"), rows)
    md = (
        (f"# {title}\n\n" if title else "")
        + markdown_table(rows)
        + "\n"
        + (f"\n{notes}\n" if notes else "")
    )
    return write_text(path.with_suffix(".md"), md)


def read_csv(path: str | Path) -> list[dict]:
    """The rows of a table `write_csv` wrote, as strings (the verdicts read committed tables)."""
    with Path(path).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
