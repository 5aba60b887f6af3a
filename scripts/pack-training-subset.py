"""A seeded subset of a growing run's training speech as FLAC files in one folder, to take to
a GPU machine that cannot read the shared corpora (scripts/grow-on-gpu.sh trains on it as a
folder of audio files).

    .venv/bin/python scripts/pack-training-subset.py audiosr/models/growing/framenet-r4.safetensors \
        --minutes 100 --out .gpuupload/speech-subset
"""

import argparse
from pathlib import Path

import numpy as np
import soundfile as sf

from audiosr.data.patches import DataConfig
from audiosr.training.growing import read_state
from audiosr.training.runs import ensure_cache

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("state")
ap.add_argument(
    "--minutes", type=float, default=100.0, help="audio to pack (FLAC: ~0.5 MB a minute)"
)
ap.add_argument("--out", default=".gpuupload/speech-subset")
ap.add_argument("--seed", type=int, default=0)
args = ap.parse_args()

_, meta = read_state(args.state)
cache = ensure_cache(DataConfig(**meta["data"]["data_config"]), build=False)
clips = cache.clips("train")
order = np.random.default_rng(args.seed).permutation(len(clips))
out = Path(args.out)
if out.exists() and any(out.iterdir()):
    raise SystemExit(f"{out}: not empty; remove it or choose another --out.")
out.mkdir(parents=True, exist_ok=True)
sr, total = cache.config.sr, 0
for n, i in enumerate(order):
    _, x = cache.clip_array("train", "hr", int(i))
    sf.write(out / f"clip-{n:05d}.flac", np.asarray(x), sr)
    total += len(x)
    if total >= args.minutes * 60 * sr:
        break
print(f"{out}: {n + 1} clips, {total / sr / 60:.1f} minutes")
