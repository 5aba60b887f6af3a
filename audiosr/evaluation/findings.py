"""The sentences notebooks end on: a run's numbers and the committed ones, set against the
paper's, written out. Computed, so they change when the numbers do and never claim what a table
beside them contradicts."""

from __future__ import annotations

from audiosr.evaluation.baselines import SPLINE as SPLINE_ROW
from audiosr.evaluation.figures import is_smoke
from audiosr.evaluation.paper import TABLE2
from audiosr.evaluation.verdict import table2_claim

SHIPPED_ROW = "shipped model"  # its name in the committed real-speech table


def training(
    history: list[dict], gain_db: float, shipped: dict, ratio: int, width: float, train
) -> str:
    """03_train's finding: this run's gain over the spline on validation patches, the shipped
    model's on real speech (committed), and the paper's, each with its budget (`train`, the
    run's TrainConfig; `shipped`, `committed.shipped_on_real_speech`)."""
    steps = train.epochs * train.steps_per_epoch if train.steps_per_epoch else None
    smoke = is_smoke(train)
    this = (
        f"This run (width {width:g}, {history[-1]['epoch']} epoch(s)"
        + (f", {steps} steps" if steps else "")
        + f") ends {gain_db:+.2f} dB from the spline on validation patches"
        + (" (a smoke run, too short to say anything)" if smoke else "")
        + (
            " (a mean of per-patch SNRs, which quiet patches pull down; 04_evaluate scores whole "
            "files, as the paper does)"
            if gain_db < 0 and not smoke
            else ""
        )
        + "."
    )
    if SHIPPED_ROW in shipped and SPLINE_ROW in shipped and ("MultiSpeaker", ratio) in TABLE2:
        model, spline = shipped[SHIPPED_ROW], shipped[SPLINE_ROW]
        claim = table2_claim(
            "MultiSpeaker",
            ratio,
            (model["SNR (dB)"], model["LSD"]),
            (spline["SNR (dB)"], spline["LSD"]),
        )
        this += (
            " The shipped model (width 1/16, trained about a CPU-hour on real speech) is "
            f"{claim['SNR gain (dB)']:+.2f} dB from the spline on the VCTK sample at r = {ratio}, "
            f"its LSD {claim['LSD / spline']:.2f}x the spline's, against the paper's "
            f"{claim['paper SNR gain (dB)']:+.1f} dB and {claim['paper LSD / spline']:.2f}x "
            f"(MultiSpeaker, the full model after two GPU-days): {claim['verdict']}."
        )
    return this


def table2_claim_sentence(claim: dict, model: str, where: str = "") -> str:
    """One Table 2 verdict in words (a `verdict.table2_claim` row; `where`: its test set)."""
    return (
        f"At r = {claim['r']}, {model}{f' ({where})' if where else ''} is "
        f"{claim['SNR gain (dB)']:+.2f} dB from the spline with {claim['LSD / spline']:.2f}x its "
        f"LSD, against the paper's {claim['paper SNR gain (dB)']:+.1f} dB and "
        f"{claim['paper LSD / spline']:.2f}x: {claim['verdict']}."
    )


def lsd_and_noise(rows: list[dict], band_key: str, demo: list[dict] = (), spline=SPLINE_ROW) -> str:
    """Why LSD alone misleads: the method with the lowest LSD here, and whether the missing-band
    SNR says it predicts part of the band (above 0 dB) or not; then, from the committed demo
    table (`demo` rows), the worst case of a lowest LSD that costs SNR."""
    by = {r["method"]: r for r in rows}
    best, base = min(rows, key=lambda r: r["LSD"]), by[spline]
    text = (
        f"Here the lowest LSD is the {best['method']}'s ({best['LSD']:.2f}, the spline's "
        f"{base['LSD']:.2f}), with a missing-band SNR of {best[band_key]:+.2f} dB (the spline's "
        f"{base[band_key]:+.2f} dB): "
        + (
            "it predicts part of that band's waveform."
            if best[band_key] > 0.05
            else "it fills the band with energy of about the right level, but none of it is the "
            "signal's waveform there."
        )
    )
    groups = {}  # (test data, r) -> its rows
    for row in demo:
        groups.setdefault((row["test data"], row["r"]), []).append(row)
    cases = [
        (min(g, key=lambda x: x["LSD"]), next(x for x in g if x["method"] == spline))
        for g in groups.values()
        if any(x["method"] == spline for x in g)
    ]
    worst = max(cases, key=lambda c: c[1]["SNR (dB)"] - c[0]["SNR (dB)"], default=None)
    if worst and worst[1]["SNR (dB)"] - worst[0]["SNR (dB)"] > 1:
        (r, s) = worst
        text += (
            f" In the committed `make demo` table, the {r['method']} has the lowest LSD at r = "
            f"{r['r']:g} on {r['test data']} ({r['LSD']:.2f} against the spline's {s['LSD']:.2f}) "
            f"while its SNR is {s['SNR (dB)'] - r['SNR (dB)']:.1f} dB below the spline's: there "
            "LSD ranks first a model that adds noise."
        )
    return text


def evaluation(claims: list[dict], lowpass: list[dict], nolowpass: list[dict]) -> str:
    """04_evaluate's finding: each Table 2 verdict of the shipped model on real speech (the
    numbers a user meets), the best no-low-pass result, and Table 3's."""
    parts = [
        f"r = {c['r']} on {c['test set']}: {c['SNR gain (dB)']:+.2f} dB, LSD {c['LSD / spline']:.2f}x "
        f"(paper {c['paper SNR gain (dB)']:+.1f} dB, {c['paper LSD / spline']:.2f}x; {c['verdict']})"
        for c in claims
    ]
    text = (
        "The shipped model against the spline: " + "; ".join(parts)
        if parts
        else "No shipped model was scored (a piano task, or shipped off)"
    )
    if nolowpass:
        best = max(nolowpass, key=lambda c: float(c["ours"].split(" dB")[0]))
        text += (
            f". Without the low-pass filter, as the original code made its data, the best gain is "
            f"{best['ours']} ({best['claim'].split(', ')[1].split(':')[0]}; {best['verdict']})"
        )
    if lowpass:
        worst = min(lowpass, key=lambda c: c["SNR (dB)"] - c["spline (dB)"])
        text += (
            f". Table 3: a model tested on input made the other way falls "
            f"{worst['spline (dB)'] - worst['SNR (dB)']:.1f} dB below the spline (paper: about "
            f"29 dB; {worst['verdict']})"
        )
    return text + "."
