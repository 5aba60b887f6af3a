#!/usr/bin/env bash
# AudioUNet against FrameNet (a network on STFT frames) at equal CPU time, from scratch
# (params/compare-generators.yaml), then each one's whole-validation-file scores at the training
# seconds both reached (scripts/compare-generators.py). RATIO (default 6) picks the ratio;
# MINUTES overrides each run's wall-time budget. Runs resume where they stopped when rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
RATIO=${RATIO:-6}
SET="ratio=$RATIO ${MINUTES:+max_minutes=$MINUTES}"
BASE="-f params/shipped-speech.yaml -f params/compare-generators.yaml"
"$PY" -m audiosr.cli train $BASE --set $SET
"$PY" -m audiosr.cli train $BASE --set $SET arch=framenet blocks=8 width=0.5
"$PY" scripts/compare-generators.py --ratio "$RATIO"
