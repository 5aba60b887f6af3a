#!/usr/bin/env bash
# Continue a growing run (audiosr/training/growing.py) on a GPU machine for a time budget and bring
# back only its small state (a few MB). Here, first: scripts/pack-training-subset.py STATE writes a
# seeded subset of the run's training speech as FLAC into .gpuupload/speech-subset (the shared
# corpora stay here). On the GPU machine, with the repository and .gpuupload beside it:
#   OUT=$OUT MINUTES=8 STATE=audiosr/models/growing/framenet-r4.safetensors bash scripts/grow-on-gpu.sh
# Back here: copy $OUT/<state>.safetensors and .json over the committed state, score it
# (docs/generators.md), commit it. SET="batch_size=64 ..." changes settings for this run only;
# DEVICE=cpu MINUTES=0 checks the whole command on a CPU (tests/test_growing.py does).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
OUT=${OUT:-results/gpu-grow}
UPLOAD=${UPLOAD:-.gpuupload}
MINUTES=${MINUTES:-8}
STATE=${STATE:?STATE=the growing state to continue}
DEVICE=${DEVICE:-cuda}
DATA=${DATA:-$UPLOAD/speech-subset}
if [ -d "$UPLOAD/whl" ]; then  # packages the GPU image lacks (soundfile, soxr, safetensors)
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$UPLOAD"/whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
[ -d "$DATA" ] || { echo "no training audio at $DATA: run scripts/pack-training-subset.py first" >&2; exit 2; }
mkdir -p "$OUT"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv"
fi
export PYTHONUNBUFFERED=1
# shellcheck disable=SC2086  # SET is a list of KEY=VALUE words
$PY -m audiosr.training.growing continue "$STATE" --minutes "$MINUTES" --device "$DEVICE" \
  --out "$OUT" --runs-root "$OUT/runs" --set dataset="$DATA" ${SET:-} 2>&1 \
  | tr '\r' '\n' | grep -v "it/s" | tee "$OUT/grow.log"
rm -rf "$OUT/runs"  # only the state comes back
