#!/usr/bin/env bash
# Generators for bandwidth extension at equal CPU time (params/compare-field.yaml): four runs, two
# at a time on one thread each, then each one's whole-validation-file scores at the training
# seconds all reached (scripts/compare-generators.py --runs). MINUTES overrides each run's
# wall-time budget. Runs resume where they stopped when rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BASE="-f params/shipped-speech.yaml -f params/compare-field.yaml"
SET="${MINUTES:+max_minutes=$MINUTES}"
FIELD="objective=field optimizer=adamw lr=5e-4 interp=sinc"
run() { "$PY" -m audiosr.cli train $BASE --set $SET "$@"; }
run arch=magphase blocks=6 width=0.375 $FIELD &
run arch=framenet blocks=8 width=0.5 $FIELD &
wait
run arch=framenet blocks=8 width=0.5 objective=mse+stft stft_weight=0.001 lr=1e-3 &
run objective=mse+stft stft_weight=0.001 lr=1e-3 &
wait
