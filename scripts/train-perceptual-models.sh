#!/usr/bin/env bash
# Trains the perceptual speech models (audiosr/models/audiounet-perceptual-r{2,4,6}) from the
# shipped MSE models, in two stages per ratio (docs/perceptual.md):
#   1. the MSE model fine-tuned with MSE + a multi-resolution STFT loss on input made every way
#      users' audio is made (params/shipped-speech-perceptual.yaml: 4 x 500 steps, about 15
#      minutes on a 2-core CPU), its best epoch by validation LSD shipped to runs/;
#   2. that model trained on against waveform and spectral discriminators
#      (params/shipped-speech-adversarial.yaml: 4 x 500 steps, about 45 minutes), its best
#      epoch by validation ViSQOL shipped to audiosr/models/.
# ADV_EPOCHS sets the second stage's epochs (default: the params file's 4; at r = 4 the best
# validation ViSQOL came at epoch 1, so fewer save time). Each run resumes where it stopped when
# rerun. Needs the embedded corpus (make corpus), the shared real speech and the perceptual
# measures (pip install -e '.[perceptual]').
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
audiosr() { "$PY" -m audiosr.cli "$@"; }
RATIOS=${RATIOS:-"4 2 6"}
BASE="-f params/shipped-speech.yaml -f params/shipped-speech-robust.yaml -f params/shipped-speech-perceptual.yaml"
ADV="$BASE -f params/shipped-speech-adversarial.yaml"
ADV_SET=${ADV_EPOCHS:+epochs=$ADV_EPOCHS}
# AMP=false trains in fp32: bf16 autocast is several times slower than fp32 on a CPU without
# native bf16 (AVX512-BF16 or AMX), where the training command says so.
AMP_SET=${AMP:+amp=$AMP}

for r in $RATIOS; do
  audiosr train $BASE --set ratio=$r init=audiounet-small-r$r $AMP_SET
  audiosr ship $BASE --set ratio=$r init=audiounet-small-r$r $AMP_SET -o runs/perceptual-stage1-r$r.safetensors --force
  audiosr train $ADV --set ratio=$r init=runs/perceptual-stage1-r$r.safetensors $ADV_SET $AMP_SET
  audiosr ship $ADV --set ratio=$r init=runs/perceptual-stage1-r$r.safetensors $ADV_SET $AMP_SET \
    -o audiosr/models/audiounet-perceptual-r$r.safetensors --force
done
