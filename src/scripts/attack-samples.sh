#!/usr/bin/env bash
# Reproduces the README's "Adversarial points against FAB" table: `lde attack` on the first N embedded
# Fashion-MNIST test images of each sample model, L2 and L_inf, FAB (100 iterations, 10 restarts, seed 0,
# the paper's defaults) against LDE's boundary search (one walker, 96 iterations, the backward step from the
# linearization's gap), on the float64 fast CPU backend (cpu-fast-f64). Images are attacked in chunks
# (--offset; 50 MLP or 25 CNN images by default), MLP and CNN chunks alternating, each chunk's attack.json kept under OUT/<model>/<offset>;
# a chunk already there is not rerun, so an interrupted run resumes. Then attack-table.py combines the
# chunks into OUT/attack-table.csv (per model and norm) and OUT/attack-per-image.csv.
# Usage: src/scripts/attack-samples.sh [OUT_DIR] [MLP_IMAGES] [CNN_IMAGES] [MLP_CHUNK] [CNN_CHUNK]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-attack-results}
N_MLP=${2:-500}
N_CNN=${3:-500}
CHUNK_MLP=${4:-50}
CHUNK_CNN=${5:-25}
JAR=${JAR:-target/lde.jar}
[ -f "$JAR" ] || mvn -B -q -DskipTests package
run_chunk() { # model offset total chunk
  local model=$1 off=$2 n=$3 chunk=$4 lim
  [ "$off" -lt "$n" ] || return 0
  lim=$(( n - off < chunk ? n - off : chunk ))
  local dir="$OUT/$model/$off"
  [ -f "$dir/attack.json" ] && return 0
  java -Xmx4g -jar "$JAR" attack "sample:$model" --data sample:fashion-mnist --offset "$off" --limit "$lim" \
      --norms l2,linf --methods fab,lde-boundary --fab-iterations 100 --fab-restarts 10 \
      --lde-iterations 96 --lde-restarts 1 --seed 0 --batch "$chunk" --backend cpu-fast-f64 --out "$dir.tmp" \
      > "$dir.log" 2>&1
  mv "$dir.tmp" "$dir"
}
mkdir -p "$OUT/fmnist-mlp" "$OUT/fmnist-cnn"
for (( k = 0; k * CHUNK_MLP < N_MLP || k * CHUNK_CNN < N_CNN; k++ )); do
  run_chunk fmnist-mlp $(( k * CHUNK_MLP )) "$N_MLP" "$CHUNK_MLP"
  run_chunk fmnist-cnn $(( k * CHUNK_CNN )) "$N_CNN" "$CHUNK_CNN"
  python3 src/scripts/attack-table.py "$OUT"
done
