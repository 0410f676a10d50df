#!/usr/bin/env bash
# The README's section "Robustness (measured)": lde robustness on the REPORTED split (embedded test
# images from 0; masks chosen on the development images 500-599), then lde report, which writes
# bench/results/robustness/index.html with its figures, accuracy.csv, consistency.csv and summary.json.
# Usage: src/scripts/robustness.sh [OUT_DIR]   (default bench/results/robustness)
# Each model's run is resumable: rerunning reuses every part file that is complete with the same settings.
# Samples: fmnist-mlp the first 100 images, fmnist-cnn and mnist-cnn the first 50 (the CNNs are slower on the
# shared 2-core machine; their consistency part on the first 20, their Carlini-Wagner with 3 x 50 steps); the
# Wasserstein attack on the first 20 (a Sinkhorn projection per step).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-bench/results/robustness}
JAVA_CMD=${JAVA_CMD:-java -Xmx2g -jar target/lde.jar}
if [ -z "${JAVA_CMD_SET:-}" ] && [ ! -f target/lde.jar ]; then mvn -B -q -DskipTests package; fi
MODELS=${MODELS:-"fmnist-mlp fmnist-cnn"}
mkdir -p "$OUT"
pids=()
for model in $MODELS; do
  data=sample:fashion-mnist
  [[ $model == mnist-* ]] && data=sample:mnist
  # the CNNs: 50 images, a lighter Carlini-Wagner (3 x 50 Adam steps) and the consistency part on the first 20
  extra=(--limit 50 --cw-binary-steps 3 --cw-iterations 50 --consistency-limit 20)
  [[ $model == fmnist-mlp ]] && extra=(--limit 100)
  nice -n 10 $JAVA_CMD robustness "sample:$model" --data "$data" --offset 0 "${extra[@]}" --wasserstein-limit 20 \
      --progress --out "$OUT" > "$OUT/$model.stdout.txt" 2> "$OUT/$model.stderr.txt" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
EVAL=bench/results/evaluate/faithfulness
nice -n 10 $JAVA_CMD report --results "$OUT" \
    --evaluate "$EVAL/fmnist-mlp-k2,$EVAL/fmnist-mlp-k1,$EVAL/fmnist-cnn-k2-first100"
