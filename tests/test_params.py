"""Parameters to configs, and the one table writer."""

import csv

from audiosr.core.tables import csv_text, write_table
from audiosr.networks.dnn import supports_ratio
from audiosr.training.params import configs_from


def test_configs_from_takes_each_configs_fields_and_ignores_the_rest():
    spec = configs_from(
        {"ratio": 6, "lr": 1e-3, "width": 0.25, "lowpass": False, "figures_dir": "x"}
    )
    assert spec.data.ratio == spec.model.ratio == 6 and spec.data.lowpass is False
    assert spec.model.width == 0.25 and spec.train.lr == 1e-3
    assert spec.train.epochs == 400 and spec.model.variant == "paper"  # unset: the paper's defaults


def test_write_table_writes_csv_and_markdown(tmp_path):
    rows = [
        {"method": "spline", "SNR (dB)": 13.25},
        {"method": "model", "SNR (dB)": 14.0, "LSD": 4.5},
    ]
    md = write_table(tmp_path / "t", rows, "Title", "Made by a test.")
    back = list(csv.DictReader((tmp_path / "t.csv").open()))
    assert [r["method"] for r in back] == ["spline", "model"] and back[1]["LSD"] == "4.5"
    assert back[0]["LSD"] == ""  # columns are the union, in order first seen
    text = md.read_text()
    assert text.startswith("# Title\n\n| method | SNR (dB) | LSD |") and text.endswith(
        "Made by a test.\n"
    )
    assert csv_text(rows).splitlines()[0] == "method,SNR (dB),LSD"


def test_the_dnn_needs_a_power_of_two():
    assert [r for r in range(1, 17) if supports_ratio(r)] == [2, 4, 8, 16]
