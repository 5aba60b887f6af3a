"""The training objective: MSE, the paper's eq. 1 as printed (mean per-example L2 norm) and the
original code's mean per-example RMSE, each training the main job's r = 4 model (params/demo.yaml:
embedded real voices, 1/16 width, 4 x 200 steps of batch 16, lr 1e-3) from the same seed, then
scored on whole *validation* files (the choice of default is made there, never on a test set).

    .venv/bin/python scripts/compare-objectives.py      # about 12 minutes on 2 cores
"""

import argparse
from dataclasses import replace

import torch

from audiosr.core.tables import markdown_table
from audiosr.data.patches import find_cache
from audiosr.networks.audiounet import OBJECTIVES
from audiosr.networks.checkpoint import CHECKPOINT, load_model
from audiosr.training.params import configs_from, load_params
from audiosr.training.runs import ensure_run
from audiosr.training.validation import validate_files

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("-f", "--params", default="params/demo.yaml")
ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
ap.add_argument("--files", type=int, default=200, help="whole validation files scored")
args = ap.parse_args()

p = load_params(args.params, args.set)
spec = configs_from(p)
data_cfg, model_cfg, base = spec.data, spec.model, spec.train
rows = []
for kind in OBJECTIVES:
    run = ensure_run(data_cfg, model_cfg, replace(base, objective=kind))
    model = load_model(run / CHECKPOINT, device="cpu")
    cache = find_cache(data_cfg)
    with torch.no_grad():
        s = validate_files(model, cache, torch.device("cpu"), args.files)
    rows.append(
        {
            "objective": kind,
            "run": run.name,
            "val files": min(args.files, len(cache.clips("val"))),
            "SNR (dB)": f"{s['val_file_snr']:.2f}",
            "SNR - spline": f"{s['val_file_snr'] - s['spline_file_snr']:+.2f}",
            "LSD": f"{s['val_file_lsd']:.2f}",
            "LSD / spline": f"{s['val_file_lsd'] / s['spline_file_lsd']:.3f}",
        }
    )
    print(rows[-1], flush=True)
print(markdown_table(rows))
