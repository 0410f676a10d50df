#!/usr/bin/env bash
# Reproduces the README's methods x metrics table: every attribution method (LDE's settings and
# every baseline) on the first 500 embedded Fashion-MNIST test images, for the sample CNN and
# MLP, at AOPC patch sizes 1 and 2 (the protocol of record of METHOD.md section 9: MoRF with
# LeRF and a random order beside it, L = 20 steps of 1% of the patches, baseline 0, signed
# ranking, mean aggregation). Infidelity and max-sensitivity are left out here (they multiply the
# attribution cost); run `lde evaluate` without those flags to get them.
# Usage: src/scripts/evaluate-samples.sh [OUT_DIR] [MODEL...]    (default: evaluate-results, both models)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-evaluate-results}
shift || true
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(fmnist-cnn fmnist-mlp)
JAR=${JAR:-target/lde.jar}
[ -f "$JAR" ] || mvn -B -q -DskipTests package
for model in "${MODELS[@]}"; do
  for k in 2 1; do
    java -Xmx8g -jar "$JAR" evaluate "sample:$model" --data sample:fashion-mnist --limit 500 --patch "$k" \
        --infidelity-samples 0 --sensitivity-samples 0 --out "$OUT/$model-k$k"
  done
done
