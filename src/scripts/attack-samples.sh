#!/usr/bin/env bash
# Reproduces the README's "Verified adversarial points against FAB" table: `lde attack` on the first N
# embedded Fashion-MNIST test images (default 32 for the MLP, 24 for the CNN: what fitted the shared
# 2-core machine when the table was measured; the issue asks for 500), L2 and L_inf, FAB (100 iterations,
# 10 restarts, seed 0), LDE with its default loop, LDE with the boundary search (20 iterations, 5 walkers),
# DeepFool and Carlini-Wagner (L2 only), on the float64 EJML backend.
# Usage: src/scripts/attack-samples.sh [OUT_DIR] [MLP_IMAGES] [CNN_IMAGES]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-attack-results}
N_MLP=${2:-32}
N_CNN=${3:-24}
JAR=${JAR:-target/lde.jar}
[ -f "$JAR" ] || mvn -B -q -DskipTests package
for spec in "fmnist-mlp:$N_MLP" "fmnist-cnn:$N_CNN"; do
  model=${spec%%:*}
  n=${spec##*:}
  java -Xmx4g -jar "$JAR" attack "sample:$model" --data sample:fashion-mnist --limit "$n" --norms l2,linf \
      --methods fab,lde,lde-boundary,deepfool,cw --fab-iterations 100 --fab-restarts 10 \
      --lde-iterations 20 --lde-restarts 5 --seed 0 --out "$OUT/$model-$n"
done
