#!/usr/bin/env bash
# The paper's MultiSpeaker r = 4 recipe (params/paper.yaml + paper-multispeaker-r4.yaml: full AudioUNet,
# Adam lr 1e-4, batch 128) on the embedded speech corpus, within a time budget on a GPU machine:
# restore the corpus uploaded beside the code (scripts/corpus_bundle.py), build the cache, train
# for at most $MINUTES (the run can resume), score whole test files. Results land in $OUT.
# On the GPU machine: OUT=$OUT MINUTES=7 bash scripts/gpu-paper-r4.sh   (uploaded: .gpuupload)
# The one route for this run on a GPU; the speed benchmarks beside it are their own commands
# (`python -m audiosr.speed`; figures/gpu-h100/README.md lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
OUT=${OUT:-results/gpu}
UPLOAD=${UPLOAD:-.gpuupload}
MINUTES=${MINUTES:-7}
PARAMS="-f params/paper.yaml -f params/paper-multispeaker-r4.yaml"
mkdir -p "$OUT"
if [ -d "$UPLOAD/whl" ]; then  # packages the GPU image lacks (soundfile, soxr)
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$UPLOAD"/whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
[ -f data/embedded/speech/manifest.csv ] || $PY scripts/corpus_bundle.py unpack "$UPLOAD/speech-flac.tar"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv"
export PYTHONUNBUFFERED=1
$PY -m audiosr.cli prepare $PARAMS
RUN=runs/gpu-paper-multispeaker-r4
$PY -m audiosr.training.train $PARAMS --run-dir $RUN --set max_minutes=$MINUTES 2>&1 | tr '\r' '\n' | grep -v "it/s" | tee "$OUT/train.log"
cp $RUN/history.csv $RUN/config.json "$OUT/"
$PY -m audiosr.evaluation $RUN --split test | tee "$OUT/eval-test.md"
cp $RUN/eval-test.csv "$OUT/"
