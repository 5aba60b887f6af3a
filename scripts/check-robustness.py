"""Two checks the robustness table cannot show, printed as tables (no thresholds asserted):

1. Quiet hiss: white noise at -60 dBFS (and -40) at the low rate, upsampled by each shipped
   model and by the cubic spline: the output's level in dBFS, and the model's excess over
   the spline's (a model should not turn hiss into louder hiss).
2. The command's own resampling: each 16 kHz test file given as it is to `audiosr upsample
   --ratio R` (the command resamples it to 16/R kHz itself), scored against the file; beside
   it soxr HQ down and the cubic spline back up, the best a user could do without a model.

    python scripts/check-robustness.py [--ratios 2 4 6] [--data vctk-sample ...] [--model M]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from audiosr.core.audio import AudioWarning
from audiosr.core.dsp import lowres_rate, spline_upsample
from audiosr.core.metrics import lsd, snr
from audiosr.core.tables import markdown_table
from audiosr.data.clips import load_clips, unavailable_reason
from audiosr.inference.arrays import upsample

ROOT = Path(__file__).resolve().parent.parent


def dbfs(x):
    return 20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12)


def hiss_rows(ratios, model):
    rows = []
    for r in ratios:
        for level in (-60.0, -40.0):
            sr = lowres_rate(r)
            n = int(10 * sr) // 32 * 32
            x = np.random.default_rng(0).standard_normal(n)
            x = (x * 10 ** (level / 20) / np.sqrt(np.mean(x**2))).astype(np.float32)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AudioWarning)
                y = upsample(x, sr, r, model=model.replace("{r}", str(r)) if model else None)
            s = spline_upsample(x, r)
            rows.append(
                {
                    "r": r,
                    "white noise in (dBFS)": level,
                    "spline out (dBFS)": round(dbfs(s), 1),
                    "model out (dBFS)": round(dbfs(y), 1),
                    "model - spline (dB)": round(dbfs(y) - dbfs(s), 1),
                }
            )
    return rows


def command_rows(ratios, datasets, model):
    rows = []
    for ds in datasets:
        reason = unavailable_reason(ds)
        if reason:
            print(f"skipped: {reason}")
            continue
        clips = [c for c in load_clips(ds) if c.split == "test"]
        for r in ratios:
            with tempfile.TemporaryDirectory() as tmp:
                src, out = Path(tmp) / "in", Path(tmp) / "out"
                refs = {}
                for c in clips:
                    x, sr = sf.read(str(c.path), dtype="float32")
                    if x.ndim > 1:
                        x = x.mean(1)
                    if sr != 16000:
                        x = soxr.resample(x, sr, 16000, "VHQ").astype(np.float32)
                    name = f"{c.group}-{c.path.stem}.wav".replace("/", "-")
                    src.mkdir(exist_ok=True)
                    sf.write(str(src / name), x, 16000, subtype="FLOAT")
                    refs[name] = x
                cmd = [sys.executable, "-m", "audiosr.cli", "upsample", str(src), "-o", str(out)]
                cmd += ["--ratio", str(r), "--device", "cpu"]
                if model:
                    cmd += ["--checkpoint", model.replace("{r}", str(r))]
                subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
                got = {"command": [], "soxr + spline": []}
                for name, ref in refs.items():
                    y, _ = sf.read(str(out / name), dtype="float32")
                    n = min(len(y), len(ref))
                    x_lr = soxr.resample(ref, 16000, lowres_rate(r), "HQ").astype(np.float32)
                    base = spline_upsample(x_lr, r)
                    m = min(n, len(base))
                    got["command"].append((snr(y[:m], ref[:m]), lsd(y[:m], ref[:m])))
                    got["soxr + spline"].append((snr(base[:m], ref[:m]), lsd(base[:m], ref[:m])))
                for method, vals in got.items():
                    v = np.mean(np.array(vals, dtype=np.float64), axis=0)
                    rows.append(
                        {
                            "r": r,
                            "test set": ds,
                            "16 kHz file through": method,
                            "files": len(vals),
                            "SNR (dB)": round(float(v[0]), 2),
                            "LSD": round(float(v[1]), 2),
                        }
                    )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ratios", type=int, nargs="+", default=[2, 4, 6])
    ap.add_argument("--data", nargs="+", default=["vctk-sample", "librispeech-test-other"])
    ap.add_argument("--model", default=None, help="a model file, {r} for the ratio")
    args = ap.parse_args()
    print(markdown_table(hiss_rows(args.ratios, args.model)))
    print()
    print(markdown_table(command_rows(args.ratios, args.data, args.model)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
