"""Whole-file validation curves of the runs behind the shipped models (best epoch starred):
figures/shipped-training.{png,svg,pdf}.

    .venv/bin/python scripts/plot-shipped-training.py
"""

import json
import sys

from audiosr.core.paths import resolve
from audiosr.inference.shipped import DEFAULTS, SHIPPED_DIR
from audiosr.listening.plots import file_validation_curves, save_figure

histories = {}
for meta_path in sorted(p for p in SHIPPED_DIR.glob("*.json") if p.name != DEFAULTS):
    meta = json.loads(meta_path.read_text())
    history = resolve("runs") / meta["run"] / "history.json"
    if not history.is_file():
        print(
            f"skipped {meta_path.stem}: {history} not here (train it with {meta['recipe'].split(';')[0]})"
        )
        continue
    histories[f"{meta_path.stem} (r = {meta['model_config']['ratio']})"] = json.loads(
        history.read_text()
    )
if not histories:
    sys.exit(
        "no run histories found: train the shipped models first (scripts/train-shipped-models.sh)."
    )
print(
    ", ".join(
        str(p)
        for p in save_figure(
            file_validation_curves(histories), resolve("figures"), "shipped-training"
        )
    )
)
