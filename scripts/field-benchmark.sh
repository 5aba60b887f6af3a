#!/usr/bin/env bash
# The field's benchmark for a model at r = 4: real speech no model heard (VCTK sample, LibriSpeech
# test-other), whole files, low-res input made by soxr HQ as most tools make it (MAKERS adds the
# robustness matrix, e.g. MAKERS="soxr decimate poly butter mp3"), the model blind through the
# command's pipeline, beside the spline, sinc (soxr VHQ) and the shipped AudioUNet; SNR, LSD
# (paper's and log10), ViSQOL and DNSMOS; then the goals table (scripts/field-summary.py).
#   MODEL=audiosr/models/growing/framenet-r4.safetensors scripts/field-benchmark.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
MODEL=${MODEL:-audiosr/models/growing/framenet-r4.safetensors}
MAKERS=${MAKERS:-soxr}
OUT=${OUT:-figures/field-r4}
DATA=${DATA:-vctk-sample librispeech-test-other}
# shellcheck disable=SC2086  # lists of words
"$PY" -m audiosr.evaluation --real --ratios 4 --data $DATA --model "$MODEL" audiounet-small-r4 \
  --lowres $MAKERS --perceptual ViSQOL DNSMOS-P808 --out "$OUT"
"$PY" scripts/field-summary.py "$OUT.csv" | tee "$OUT-goals.md"
