#!/usr/bin/env bash
# Trains the models shipped in audiosr/models and ships them (replacing the files there), in two
# stages per model:
#   1. trained on `decimate` input alone (params/shipped-speech.yaml, params/shipped-piano.yaml):
#      about two hours on a 2-core CPU for all four (r = 4 for 20 x 500 steps, r = 2 and 6 for
#      14 x 500, piano r = 4 for 12 x 250; bf16 autocast, batch 16), shipped to runs/;
#   2. fine-tuned from it on input made every way users' audio is made, through the front end
#      (params/shipped-speech-robust.yaml: 4 x 500 steps, about 15 minutes each), its start
#      scored as epoch 0 on the same validation files and kept unless an epoch beats it.
# Each run resumes where it stopped when rerun. Needs the embedded corpus (make corpus) and the
# shared real speech (LibriSpeech train-clean-100, the spoken commands): see README, "Shipped
# models: how they were chosen".
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
audiosr() { "$PY" -m audiosr.cli "$@"; }
ROBUST=params/shipped-speech-robust.yaml

for spec in "4 20" "2 14" "6 14"; do
  set -- $spec
  audiosr train -f params/shipped-speech.yaml --set ratio=$1 epochs=$2
  audiosr ship -f params/shipped-speech.yaml --set ratio=$1 epochs=$2 \
    -o runs/decimate-only-r$1.safetensors --force
  audiosr train -f params/shipped-speech.yaml -f $ROBUST --set ratio=$1 init=runs/decimate-only-r$1.safetensors
  audiosr ship -f params/shipped-speech.yaml -f $ROBUST --set ratio=$1 init=runs/decimate-only-r$1.safetensors \
    -o audiosr/models/audiounet-small-r$1.safetensors --force
done
audiosr train -f params/shipped-piano.yaml
audiosr ship -f params/shipped-piano.yaml -o runs/decimate-only-piano-r4.safetensors --force
audiosr train -f params/shipped-piano.yaml -f $ROBUST --set init=runs/decimate-only-piano-r4.safetensors
audiosr ship -f params/shipped-piano.yaml -f $ROBUST --set init=runs/decimate-only-piano-r4.safetensors \
  -o audiosr/models/audiounet-piano-r4.safetensors --force
"$PY" -m audiosr.evaluation --real --out figures/real-speech-shipped --figure figures/added-lines-shipped
"$PY" -m audiosr.evaluation --real --ratios 2 --lowres decimate soxr poly aliased telephone mp3 \
  --out figures/robustness-r2
"$PY" -m audiosr.evaluation --real --ratios 4 --lowres all --out figures/robustness-r4
"$PY" -m audiosr.evaluation --real --ratios 6 --lowres decimate soxr poly aliased --out figures/robustness-r6
audiosr report robustness
audiosr report shipped-training
