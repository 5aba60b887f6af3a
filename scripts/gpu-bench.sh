#!/usr/bin/env bash
# The GPU checks in one command on a GPU machine: speed benchmark (fp32/bf16, with/without compile,
# profiler summary), then the paper's MultiSpeaker r=4 preset for $EPOCHS epochs and its
# whole-file evaluation. Everything lands in $OUT (default results/gpu).
# Needs: the .venv (make venv) and data/embedded (make corpus, or uploaded from a CPU machine).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${OUT:-results/gpu}
EPOCHS=${EPOCHS:-20}
ROW=${ROW:-params/paper-multispeaker-r4.yaml}  # a row of Table 2, on top of params/paper.yaml
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv"
$PY -m audiosr.speed --profile --out "$OUT/bench" | tee "$OUT/bench.log"
RUN="$OUT/run-$(basename "$ROW" .yaml)"
$PY -m audiosr.notebook_params notebooks/01_data.ipynb "$OUT/01_data.ipynb" -f params/paper.yaml -f "$ROW" -p max_clips None --force
$PY -m audiosr.notebook_params -f params/paper.yaml -f "$ROW" -p epochs "$EPOCHS" -p run_dir "$RUN" \
    --force notebooks/03_train.ipynb "$OUT/03_train.ipynb"
$PY -m audiosr.evaluation "$RUN" --split test | tee "$OUT/eval-test.md"
echo "results in $OUT (history: $RUN/history.csv; the checkpoint stays out of what you bring back)"
