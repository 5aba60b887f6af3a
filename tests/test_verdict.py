"""The verdict rules on hand values: each claim's three outcomes, and the paper's own numbers
reproduce themselves."""

import pytest

from audiosr.evaluation.paper import TABLE2, TABLE3
from audiosr.evaluation.verdict import (
    DIRECTION,
    NOT,
    REPRODUCED,
    ablation_claim,
    table2_claim,
    table2_claims_from_rows,
    table3_claim,
    transfer_claim,
)


@pytest.mark.parametrize("key", sorted(TABLE2))
def test_the_papers_own_numbers_reproduce(key):
    row = TABLE2[key]
    assert table2_claim(*key, row["Ours"], row["Spline"])["verdict"] == REPRODUCED


def test_table2_outcomes_by_hand():
    # MultiSpeaker r = 4: the paper gains 3.1 dB, LSD 3.5 / 8.0 = 0.44x
    spline = (13.0, 8.0)
    assert table2_claim("MultiSpeaker", 4, (15.4, 4.3), spline)["verdict"] == REPRODUCED
    assert table2_claim("MultiSpeaker", 4, (15.2, 4.3), spline)["verdict"] == DIRECTION  # 2.2 dB
    assert table2_claim("MultiSpeaker", 4, (15.4, 4.5), spline)["verdict"] == DIRECTION  # 0.56x
    assert table2_claim("MultiSpeaker", 4, (12.9, 3.0), spline)["verdict"] == NOT  # below in SNR
    row = table2_claim("MultiSpeaker", 4, (14.0, 4.0), spline)
    assert (row["SNR gain (dB)"], row["paper SNR gain (dB)"]) == (1.0, 3.1)
    assert (row["LSD / spline"], row["paper LSD / spline"]) == (0.5, 0.44)
    with pytest.raises(ValueError, match="finite"):
        table2_claim("MultiSpeaker", 4, (float("nan"), 4.0), spline)


def test_table3_outcomes_by_hand():
    paper = {k: v[0] for k, v in TABLE3.items()}
    assert all(r["verdict"] == REPRODUCED for r in table3_claim(paper, {True: 29.4, False: 29.0}))
    ours = {(True, True): 18.6, (True, False): 5.6, (False, True): 17.4, (False, False): 19.4}
    rows = table3_claim(ours, {True: 17.39, False: 17.97})
    assert [r["verdict"] for r in rows] == [REPRODUCED, DIRECTION]
    ours[(False, True)] = 18.7  # better than the matched model: no sensitivity
    assert table3_claim(ours, {True: 17.39, False: 17.97})[1]["verdict"] == NOT
    ours[(True, False)] = 17.5  # below the spline, but by less than a clear failure
    assert table3_claim(ours, {True: 17.39, False: 17.97})[0]["verdict"] == DIRECTION


def test_ablation_outcomes_by_hand():
    assert ablation_claim(1.0, 1.1, 2.0)["verdict"] == REPRODUCED
    assert ablation_claim(1.0, 2.0, 2.1)["verdict"] == DIRECTION  # the residual matters most
    assert ablation_claim(1.0, 2.1, 2.0)["verdict"] == DIRECTION
    assert ablation_claim(1.2, 1.1, 2.0)["verdict"] == NOT


def test_transfer_outcomes_by_hand():
    snr = {("speech", "speech"): 17.7, ("piano", "speech"): 17.5}
    snr |= {("piano", "piano"): 18.6, ("speech", "piano"): 18.2}
    row = transfer_claim(snr)
    assert row["verdict"] == REPRODUCED and row["speech -> piano loses (dB)"] == 0.4
    snr[("piano", "speech")] = 18.0
    assert transfer_claim(snr)["verdict"] == DIRECTION
    snr[("speech", "piano")] = 19.0
    assert transfer_claim(snr)["verdict"] == NOT


def test_claims_from_a_written_table_judge_models_against_their_own_spline(tmp_path):
    from audiosr.core.tables import read_csv, write_csv

    rows = [
        {"r": 4, "test set": "a", "method": "cubic spline", "SNR (dB)": 10.0, "LSD": 8.0},
        {"r": 4, "test set": "a", "method": "soxr HQ", "SNR (dB)": 10.1, "LSD": 9.0},
        {"r": 4, "test set": "a", "method": "model m", "SNR (dB)": 13.5, "LSD": 3.5},
        {"r": 4, "test set": "b", "method": "cubic spline", "SNR (dB)": 20.0, "LSD": 5.0},
        {"r": 4, "test set": "b", "method": "model m", "SNR (dB)": 19.0, "LSD": 4.0},
        # no paper row at r = 3: no claim
        {"r": 3, "test set": "a", "method": "model m", "SNR (dB)": 30.0, "LSD": 1.0},
    ]
    path = write_csv(tmp_path / "t.csv", rows)
    claims = table2_claims_from_rows(
        read_csv(path), "test set", lambda m: "a budget" if m.startswith("model") else None,
        "cubic spline",
    )  # fmt: skip
    assert [(c["ours"].split(" (")[1], c["verdict"]) for c in claims] == [
        ("a)", REPRODUCED),  # +3.5 dB, LSD 0.44x: the paper's r = 4 margin
        ("b)", NOT),  # below the spline of its own files
    ]
    assert claims[0]["ours"].startswith("+3.50 dB, LSD 0.44x") and claims[0]["budget"] == "a budget"
