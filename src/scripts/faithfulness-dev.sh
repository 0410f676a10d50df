#!/usr/bin/env bash
# The development runs behind the LDE setting of evaluate-faithfulness.sh: the sample CNN on the
# DEVELOPMENT split only (embedded Fashion-MNIST test images 500-599 for dev1, 500-559 for dev2),
# AOPC in the literature's form at patch size 2 (the protocol of the README table). Results:
# bench/results/evaluate/faithfulness-dev/{dev1,dev2}/evaluate.csv. The reported split (images
# 0-499) is never read here.
# Usage: src/scripts/faithfulness-dev.sh [OUT_DIR]   (default: bench/results/evaluate/faithfulness-dev)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-bench/results/evaluate/faithfulness-dev}
JAR=${JAR:-target/lde.jar}
[ -f "$JAR" ] || mvn -B -q -DskipTests package
PROTO=(--patch 2 --steps 100 --schedule proportional --aggregation literature --order morf
       --infidelity-samples 0 --sensitivity-samples 0 --deletion-steps 10)
# dev1: the deletion model's baselines, the path attribution, more outer iterations, the sparse (L1) model
M1=occlusion,ig-trap50,grad-x-input,lde-deletion-zero-flip,lde-deletion-mean-flip,lde-deletion-blur-flip
M1=$M1,lde-deletion-zero-flip-path,lde-deletion-zero-flip-s10,lde-deletion-zero-flip-s10-path,lde-deletion-zero-flip-l1
M1=$M1,lde-deletion-zero-flip-l1-path,lde-deletion-zero-flip-l1-a1-s10-path
nice -n 10 java -Xmx3g -jar "$JAR" evaluate sample:fmnist-cnn --data sample:fashion-mnist --offset 500 --limit 100 \
    "${PROTO[@]}" --methods "$M1" --out "$OUT/dev1"
# dev2: the path past the boundary (kappa > 0, no convergence stop), 16 iterations without the candidate
# ladder (17 forward rows: a tenth of occlusion's 170)
M2="ig-trap50,lde:cand=0+iters=16+stop=0+attr=path,lde:cand=0+iters=16+stop=0+kappa=2+attr=path"
M2="$M2,lde:cand=0+iters=16+stop=0+kappa=5+attr=path,lde:cand=0+iters=16+stop=0+kappa=10+attr=path"
M2="$M2,lde:cand=0+iters=16+stop=0+kappa=5+alpha=0.25+attr=path,lde:cand=0+iters=16+stop=0+kappa=5"
M2="$M2,lde:cand=0+iters=8+stop=0+kappa=5+attr=path"
nice -n 10 java -Xmx3g -jar "$JAR" evaluate sample:fmnist-cnn --data sample:fashion-mnist --offset 500 --limit 60 \
    "${PROTO[@]}" --methods "$M2" --out "$OUT/dev2"
