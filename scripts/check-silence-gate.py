"""What the silence gate changes: the shipped model's output level for silent and near-silent
input, and SNR / LSD on real speech, with and without the gate.

    python scripts/check-silence-gate.py [--ratios 2 4 6] [--data vctk-sample]
"""

import argparse

import numpy as np

from audiosr.core.audio import load_audio
from audiosr.core.dsp import lowres, lowres_rate
from audiosr.core.metrics import lsd, snr
from audiosr.data.clips import load_clips
from audiosr.inference.shipped import load_any
from audiosr.inference.windows import Upsampler


def level_db(y: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(y, np.float64) ** 2) + 1e-30))


ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--ratios", type=int, nargs="+", default=[2, 4, 6])
ap.add_argument("--data", default="vctk-sample", help="a dataset name or folder (all its files)")
args = ap.parse_args()
files = [clip.path for clip in load_clips(args.data)]
for r in args.ratios:
    model = load_any(None, r)
    n = int(2 * lowres_rate(r))
    for name, x in [
        ("digital silence", np.zeros(n, np.float32)),
        ("-90 dBFS noise", np.random.default_rng(0).standard_normal(n) * 10 ** (-90 / 20)),
    ]:
        raw, gated = (Upsampler(model, r, gate=g).process(x) for g in (False, True))
        print(f"r = {r}, {name}: {level_db(raw):.1f} dBFS raw, {level_db(gated):.1f} gated")
    scores = {False: [], True: []}
    for f in files:
        x = load_audio(f)
        x = x[: len(x) // r * r]
        for gate in scores:
            up = Upsampler(model, r, gate=gate, made_by="decimate")
            y = up.process(lowres(x, r))[: len(x)]
            scores[gate].append((float(snr(y, x)), float(lsd(y, x, "paper"))))
    (s0, l0), (s1, l1) = (np.mean(scores[g], axis=0) for g in (False, True))
    diff = np.abs(np.array(scores[True]) - np.array(scores[False])).max(axis=0)
    print(
        f"r = {r}, {args.data} ({len(files)} files): raw {s0:.3f} dB / LSD {l0:.3f}, gated "
        f"{s1:.3f} / {l1:.3f}; largest per-file difference {diff[0]:.2g} dB, LSD {diff[1]:.2g}"
    )
