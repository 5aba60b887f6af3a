#!/usr/bin/env bash
# Table 2 as the original code ran it: the shipped recipe trained without the anti-aliasing
# filter (params/shipped-speech-nolowpass.yaml), scored on unfiltered real speech (low-res
# x[::r]) beside the spline and the shipped model on the same input. Per ratio: trains what is
# missing (runs resume where they stopped), ships the run's chosen epoch to runs/nolowpass-r{r},
# then writes figures/real-speech-nolowpass-r{r}.{csv,md}. RATIOS (default "2 4 6") picks them;
# SET (KEY=VALUE ...) changes the recipe for a shorter try, e.g. SET="epochs=3".
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
RATIOS=${RATIOS:-"2 4 6"}
SET=${SET:-}
BASE="-f params/shipped-speech.yaml -f params/shipped-speech-nolowpass.yaml"
for r in $RATIOS; do
  "$PY" -m audiosr.cli train $BASE --set ratio="$r" $SET
  "$PY" -m audiosr.cli ship $BASE --set ratio="$r" $SET -o "runs/nolowpass-r$r.safetensors" --force
  "$PY" -m audiosr.evaluation --real --no-lowpass --ratios "$r" \
    --data vctk-sample librispeech-test-other --device cpu \
    --model "audiounet-small-r$r" "runs/nolowpass-r$r.safetensors" \
    --out "figures/real-speech-nolowpass-r$r"
done
