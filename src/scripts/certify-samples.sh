#!/usr/bin/env bash
# The README's "Certified radius" figures: CROWN certified counts, certified radii r_lo (L_inf and L2)
# and the ratio r_lo / r_hi against the explainer's verified r_hi, for the first N (default 500)
# embedded Fashion-MNIST test images, on both sample models. Niced (the machine is shared).
# Usage: src/scripts/certify-samples.sh [N] [METHOD] [MODELS...]; writes bench/results/certify/.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-500}
method=${2:-crown}
shift $(( $# > 2 ? 2 : $# )) || true
models=${*:-fmnist-mlp fmnist-cnn}
out=bench/results/certify
mkdir -p "$out"
mvn -B -q -o compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt > /dev/null
cp="target/classes:$(cat target/cp.txt)"
for m in $models; do
    nice -n 10 java -cp "$cp" src/scripts/CertifySamples.java "$m" "$n" "$out" "$method" | tee "$out/$m-$method-$n.txt"
done
