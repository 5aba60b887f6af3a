#!/usr/bin/env bash
# A job on a GPU machine for a time budget, with the repository and the folder uploaded beside it
# ($UPLOAD, default .gpuupload); what comes back is in $OUT. The first argument picks the job:
#
# grow: continue a growing run (audiosr/training/growing.py) and bring back only its small state
#   (a few MB). Here, first: `python -m audiosr.training.growing pack STATE` writes a seeded
#   subset of the run's training speech as FLAC into .gpuupload/speech-subset (the shared corpora
#   stay here). There:
#     OUT=$OUT MINUTES=8 STATE=audiosr/models/growing/framenet-r4.safetensors bash scripts/on-gpu.sh grow
#   Back here: copy $OUT/<state>.safetensors and .json over the committed state, score it
#   (docs/generators.md), commit it. SET="batch_size=64 ..." changes settings for this run only;
#   DATA is the training audio (default $UPLOAD/speech-subset); DEVICE=cpu MINUTES=0 checks the
#   whole command on a CPU (tests/test_growing.py does).
#
# paper-r4: the paper's MultiSpeaker r = 4 recipe (params/paper.yaml + paper-multispeaker-r4.yaml:
#   full AudioUNet, Adam lr 1e-4, batch 128) on the embedded speech corpus: restore the corpus
#   uploaded as $UPLOAD/speech-flac.tar (here: `python -m audiosr.data.corpus.bundle pack
#   .gpuupload/speech-flac.tar speech`), build the cache, train for at most $MINUTES (the run can
#   resume), score whole test files.
#     OUT=$OUT MINUTES=7 bash scripts/on-gpu.sh paper-r4
#   The one route for this run on a GPU; the speed benchmarks beside it are their own commands
#   (`python -m audiosr.speed`; figures/gpu-h100/README.md lists them).
set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: bash scripts/on-gpu.sh grow|paper-r4
  grow      STATE=... [MINUTES=8 DEVICE=cuda DATA=$UPLOAD/speech-subset SET=... OUT=results/gpu-grow]
  paper-r4  [MINUTES=7 OUT=results/gpu]
  both: PY=python3 UPLOAD=.gpuupload (wheels in $UPLOAD/whl are installed first)
EOF
}

[ $# -eq 1 ] || { usage; exit 2; }
JOB=$1
cd "$(dirname "$0")/.."
PY=${PY:-python3}
UPLOAD=${UPLOAD:-.gpuupload}
case "$JOB" in
  grow)
    OUT=${OUT:-results/gpu-grow}
    MINUTES=${MINUTES:-8}
    [ -n "${STATE:-}" ] || { echo "STATE=the growing state to continue" >&2; exit 2; }
    DEVICE=${DEVICE:-cuda}
    DATA=${DATA:-$UPLOAD/speech-subset}
    [ -d "$DATA" ] || {
      echo "no training audio at $DATA: run python -m audiosr.training.growing pack first" >&2
      exit 2
    } ;;
  paper-r4)
    OUT=${OUT:-results/gpu}
    MINUTES=${MINUTES:-7} ;;
  *) usage; exit 2 ;;
esac

if [ -d "$UPLOAD/whl" ]; then  # packages the GPU image lacks (soundfile, soxr, safetensors)
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$UPLOAD"/whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
mkdir -p "$OUT"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv"
fi
export PYTHONUNBUFFERED=1
log() {  # a command's output without its progress bars, kept in $OUT/$1
  tr '\r' '\n' | { grep -v "it/s" || true; } | tee "$OUT/$1"
}

case "$JOB" in
  grow)
    # shellcheck disable=SC2086  # SET is a list of KEY=VALUE words
    $PY -m audiosr.training.growing continue "$STATE" --minutes "$MINUTES" --device "$DEVICE" \
      --out "$OUT" --runs-root "$OUT/runs" --set dataset="$DATA" ${SET:-} 2>&1 | log grow.log
    rm -rf "$OUT/runs"  # only the state comes back
    ;;
  paper-r4)
    PARAMS="-f params/paper.yaml -f params/paper-multispeaker-r4.yaml"
    RUN=runs/gpu-paper-multispeaker-r4
    [ -f data/embedded/speech/manifest.csv ] \
      || $PY -m audiosr.data.corpus.bundle unpack "$UPLOAD/speech-flac.tar" --force
    # shellcheck disable=SC2086  # PARAMS is a list of words
    $PY -m audiosr.cli prepare $PARAMS
    # shellcheck disable=SC2086
    $PY -m audiosr.training.train $PARAMS --run-dir $RUN --set max_minutes="$MINUTES" 2>&1 \
      | log train.log
    cp $RUN/history.csv $RUN/config.json "$OUT/"
    $PY -m audiosr.evaluation $RUN --split test | tee "$OUT/eval-test.md"
    cp $RUN/eval-test.csv "$OUT/"
    ;;
esac
