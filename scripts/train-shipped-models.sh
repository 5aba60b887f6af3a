#!/usr/bin/env bash
# Trains the models shipped in audiosr/models and ships them (replacing the files there).
# About two hours on a 2-core CPU: r = 4 for 20 x 500 steps, r = 2 and 6 for 14 x 500, piano
# r = 4 for 12 x 250 (bf16 autocast, batch 16). Each run resumes where it stopped when rerun.
# Needs the embedded corpus (make corpus) and the shared real speech (LibriSpeech train-clean-100,
# the spoken commands): see README, "Shipped models: how they were chosen".
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
audiosr() { "$PY" -m audiosr.cli "$@"; }

for spec in "4 20" "2 14" "6 14"; do
  set -- $spec
  audiosr train -f params/shipped-speech.yaml --set ratio=$1 epochs=$2
  audiosr ship -f params/shipped-speech.yaml --set ratio=$1 epochs=$2 \
    -o audiosr/models/audiounet-small-r$1.safetensors --force
done
audiosr train -f params/shipped-piano.yaml
audiosr ship -f params/shipped-piano.yaml -o audiosr/models/audiounet-piano-r4.safetensors --force
"$PY" -m audiosr.evaluate --real --out figures/real-speech-shipped --figure figures/added-lines-shipped
"$PY" scripts/plot-shipped-training.py
