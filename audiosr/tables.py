"""Small tables for notebooks and README: rows of dicts rendered as Markdown."""

from __future__ import annotations


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1 else f"{v:,.1f}"
    return str(v)


def markdown_table(rows: list[dict], columns: list[str] | None = None) -> str:
    """GitHub-flavoured Markdown; floats get 3 significant digits (or one decimal when >= 1)."""
    if not rows:
        return "_(no rows)_"
    columns = columns or list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)
