#!/usr/bin/env bash
# The README's section "Robustness (measured)": lde robustness on the REPORTED split (embedded test
# images from 0; masks chosen on the development images 500-599), then lde report, which writes
# bench/results/robustness/index.html with its figures, accuracy.csv, consistency.csv and summary.json.
# Usage: src/scripts/robustness.sh [OUT_DIR]   (default bench/results/robustness)
# Each model's run is resumable: rerunning reuses every part file that is complete with the same settings.
# Samples: the first 500 images of each model (LIMIT); the consistency part and the Wasserstein attack (a
# Sinkhorn projection per step) on the first 100 (SUB_LIMIT); the CNNs' Carlini-Wagner with 3 x 50 Adam steps.
# Backend: BACKEND, default cpu-fast-f64 (the fast CPU backend in float64: the reference's arithmetic to
# rounding; on the 2-core build machine the three models take about 20 minutes together).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-bench/results/robustness}
JAVA_CMD=${JAVA_CMD:-java -Xmx3g -jar target/lde.jar}
if [ -z "${JAVA_CMD_SET:-}" ] && [ ! -f target/lde.jar ]; then mvn -B -q -DskipTests package; fi
MODELS=${MODELS:-"fmnist-mlp fmnist-cnn mnist-cnn"}
BACKEND=${BACKEND:-cpu-fast-f64}
LIMIT=${LIMIT:-500}
SUB_LIMIT=${SUB_LIMIT:-100}
mkdir -p "$OUT"
pids=()
for model in $MODELS; do
  data=sample:fashion-mnist
  [[ $model == mnist-* ]] && data=sample:mnist
  extra=()
  [[ $model == *-cnn ]] && extra=(--cw-binary-steps 3 --cw-iterations 50)   # a lighter Carlini-Wagner on the CNNs
  nice -n 10 $JAVA_CMD robustness "sample:$model" --data "$data" --offset 0 --limit "$LIMIT" "${extra[@]}" \
      --consistency-limit "$SUB_LIMIT" --wasserstein-limit "$SUB_LIMIT" --backend "$BACKEND" \
      --progress --out "$OUT" > "$OUT/$model.stdout.txt" 2> "$OUT/$model.stderr.txt" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
EVAL=bench/results/evaluate/faithfulness
nice -n 10 $JAVA_CMD report --results "$OUT" \
    --evaluate "$EVAL/fmnist-mlp-k2,$EVAL/fmnist-mlp-k1,$EVAL/fmnist-cnn-k2,$EVAL/fmnist-cnn-k1,$EVAL/mnist-cnn-k2,$EVAL/mnist-cnn-k1"
