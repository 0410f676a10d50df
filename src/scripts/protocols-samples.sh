#!/usr/bin/env bash
# The README's "Faithfulness protocols" table: the same attributions scored under the protocol of
# record (METHOD.md section 9: 1x1 patches here, L = 20 constant steps of s = 8 pixels, mean over
# k = 0..L) and under the literature's form (1x1 patches, L = 100, n_k = round_half_up(7.84 k),
# 1/L sum over k = 1..L), with the Captum variants (Grad-CAM nearest, riemann_trapezoid IG) beside
# the engine's, on the first N embedded Fashion-MNIST test images and the sample CNN.
# Usage: src/scripts/protocols-samples.sh [OUT_DIR] [N]     (default: protocols-results, 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-protocols-results}
N=${2:-100}
JAR=${JAR:-target/lde.jar}
[ -f "$JAR" ] || mvn -B -q -DskipTests package
METHODS=saliency,grad-x-input,ig-trap50,ig-captum-trap50,gradcam,gradcam-nearest,occlusion,lde-deletion-zero-flip
COMMON=(--data sample:fashion-mnist --limit "$N" --methods "$METHODS" --patch 1 --order morf
        --infidelity-samples 0 --sensitivity-samples 0 --deletion-steps 10)
java -Xmx4g -jar "$JAR" evaluate sample:fmnist-cnn "${COMMON[@]}" --out "$OUT/record" | grep '^AOPC protocol'
java -Xmx4g -jar "$JAR" evaluate sample:fmnist-cnn "${COMMON[@]}" --steps 100 --schedule proportional \
    --aggregation literature --out "$OUT/literature" | grep '^AOPC protocol'
python3 - "$OUT" <<'PY'
import csv, sys
out = sys.argv[1]
rec = {r["method"]: r for r in csv.DictReader(open(out + "/record/evaluate.csv"))}
lit = {r["method"]: r for r in csv.DictReader(open(out + "/literature/evaluate.csv"))}
print("| method | AOPC record (k=1, L=20, s=8, mean k=0..L) | AOPC literature (k=1, L=100, round(7.84k), 1/L sum k>=1) |")
print("| --- | ---: | ---: |")
for m in rec:
    print("| %s | %.3f +- %.3f | %.3f +- %.3f |" % (m, float(rec[m]["aopc_morf"]), float(rec[m]["aopc_morf_se"]),
                                           float(lit[m]["aopc_morf"]), float(lit[m]["aopc_morf_se"])))
PY
