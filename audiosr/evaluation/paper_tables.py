"""Tables 2 and 3 laid out as the paper prints them, our methods' whole-file scores beside its
reported numbers (`evaluation.paper`)."""

from __future__ import annotations

from audiosr.evaluation.evaluate import table_row

PAPER_METHODS = ("Spline", "DNN", "Ours")  # the paper's names for its Table 2 columns


def table2_rows(
    summaries: dict[str, list[dict]], ratio: int, paper_row: str, as_paper: dict[str, str]
) -> list[dict]:
    """The paper's Table 2 layout: our SNR / LSD per test set and method. The paper's numbers for
    `paper_row` (``SingleSpeaker``, ``MultiSpeaker`` or ``Piano``) stand beside the first test
    set only (the dataset's own test split): other sets, such as the VCTK sample, whose speakers
    the paper trained on, are not what the paper measured. `as_paper` names the paper's method
    for each of ours that it has (``{SPLINE: "Spline", <our AudioUNet>: "Ours"}``)."""
    from audiosr.evaluation.paper import TABLE2

    rows_known = sorted({task for task, _ in TABLE2})
    unknown = sorted(set(as_paper.values()) - set(PAPER_METHODS))
    if unknown:
        raise ValueError(f"as_paper: {unknown} are not the paper's; it has {PAPER_METHODS}.")
    if paper_row not in rows_known:
        raise ValueError(f"paper_row={paper_row!r}: choose one of {rows_known}.")
    paper = TABLE2.get((paper_row, ratio), {})
    compared = next(iter(summaries), None)
    rows = []
    for data_label, summary in summaries.items():
        for r in summary:
            key = as_paper.get(r["method"])
            theirs = paper.get(key) if key and data_label == compared else None
            rows.append(
                {
                    "test data": data_label,
                    "r": ratio,
                    **table_row(r),
                    "compute s / audio s": float(f"{r['compute s per audio s']:.3g}"),
                    f"paper SNR ({paper_row})": theirs[0] if theirs else "",
                    f"paper LSD ({paper_row})": theirs[1] if theirs else "",
                }
            )
    return rows


def table3_rows(grid: dict[bool, dict[str, dict]], dataset: str = "") -> list[dict]:
    """Table 3's layout: one row per method (spline, trained with / without the low-pass
    filter), SNR / LSD tested with and without it; `grid[test_lowpass][method]` is a summary
    row. The paper's piano numbers sit beside, labelled."""
    from audiosr.evaluation.paper import TABLE3

    cell = lambda s: f"{s['SNR (dB)']:.2f} / {s['LSD']:.2f}"
    rows = []
    for method in grid[True]:
        trained_lp = {"trained with LPF": True, "trained without LPF": False}.get(method)
        row = {
            "method": method,
            "tested with LPF (SNR / LSD)": cell(grid[True][method]),
            "tested without LPF (SNR / LSD)": cell(grid[False][method]),
        }
        if "piano" in str(dataset).lower():
            for test_lp, col in ((True, "paper, tested with"), (False, "paper, tested without")):
                row[col] = (
                    "%g / %g" % TABLE3[(trained_lp, test_lp)] if trained_lp is not None else ""
                )
        rows.append(row)
    return rows
