#!/usr/bin/env bash
# Reproduces the README's "Adversarial points against FAB" table: `lde attack` on the first N embedded
# Fashion-MNIST test images of each sample model, L2 and L_inf, FAB (100 iterations, 10 restarts, seed 0,
# the paper's defaults) against LDE's boundary search (the backward step from the linearization's gap;
# LDE_ITERATIONS=96 iterations, LDE_RESTARTS=2 walkers: 389 forward and 191 reverse passes per
# image, a fifth of FAB's 2,004 and 1,000), on the float64 fast CPU backend (cpu-fast-f64). Images are attacked in
# chunks (--offset; 50 MLP or 25 CNN images by default), MLP and CNN chunks alternating; each attack of a chunk
# (FAB, LDE) is its own run, kept as OUT/<model>/<offset>/<method>.json; a file already there is not rerun, so an
# interrupted run resumes and a change of LDE's settings (delete the lde-boundary.json files) reruns LDE only.
# Then attack-table.py combines the chunks into OUT/attack-table.csv (per model and norm; ratios to FAB per image)
# and OUT/attack-per-image.csv.
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
LDE_ITERATIONS=${LDE_ITERATIONS:-96}
LDE_RESTARTS=${LDE_RESTARTS:-2}
# one attack per file: OUT/<model>/<offset>/<method>.json, so that a change of LDE's settings reruns LDE only
attack() { # model offset limit method dir extra...
  local model=$1 off=$2 lim=$3 method=$4 dir=$5
  shift 5
  [ -f "$dir/$method.json" ] && return 0
  rm -rf "$dir/$method.tmp"
  java -Xmx4g -jar "$JAR" attack "sample:$model" --data sample:fashion-mnist --offset "$off" --limit "$lim" \
      --norms l2,linf --methods "$method" --seed 0 --batch "$lim" --backend cpu-fast-f64 --out "$dir/$method.tmp" "$@" \
      > "$dir/$method.log" 2>&1
  mv "$dir/$method.tmp/attack.json" "$dir/$method.json"
  rm -rf "$dir/$method.tmp"
}
run_chunk() { # model offset total chunk
  local model=$1 off=$2 n=$3 chunk=$4 lim
  [ "$off" -lt "$n" ] || return 0
  lim=$(( n - off < chunk ? n - off : chunk ))
  local dir="$OUT/$model/$off"
  mkdir -p "$dir"
  attack "$model" "$off" "$lim" fab "$dir" --fab-iterations 100 --fab-restarts 10
  attack "$model" "$off" "$lim" lde-boundary "$dir" --lde-iterations "$LDE_ITERATIONS" --lde-restarts "$LDE_RESTARTS"
}
mkdir -p "$OUT/fmnist-mlp" "$OUT/fmnist-cnn"
for (( k = 0; k * CHUNK_MLP < N_MLP || k * CHUNK_CNN < N_CNN; k++ )); do
  run_chunk fmnist-mlp $(( k * CHUNK_MLP )) "$N_MLP" "$CHUNK_MLP"
  run_chunk fmnist-cnn $(( k * CHUNK_CNN )) "$N_CNN" "$CHUNK_CNN"
  python3 src/scripts/attack-table.py "$OUT"
done
