#!/usr/bin/env bash
# Reproduces the README's methods x metrics table: every attribution method (LDE's settings and
# every baseline) on the first 500 embedded Fashion-MNIST test images, for the sample CNN and
# MLP, at AOPC patch sizes 1 and 2 (the protocol of record of METHOD.md section 9: MoRF with
# LeRF and a random order beside it, L = 20 steps of 1% of the patches, baseline 0, signed
# ranking, mean aggregation). Infidelity and max-sensitivity are left out here (they multiply the
# attribution cost); run `lde evaluate` without those flags to get them.
# Usage: src/scripts/evaluate-samples.sh [OUT_DIR] [MODEL...]    (default: evaluate-results, both models)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-evaluate-results}
shift || true
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(fmnist-cnn fmnist-mlp)
JAR=${JAR:-target/lde.jar}
[ -f "$JAR" ] || mvn -B -q -DskipTests package
for model in "${MODELS[@]}"; do
  for k in 2 1; do
    java -Xmx8g -jar "$JAR" evaluate "sample:$model" --data sample:fashion-mnist --limit 500 --patch "$k" \
        --infidelity-samples 0 --sensitivity-samples 0 --out "$OUT/$model-k$k"
  done
done

# The README table: one row per method, from the four evaluate.csv files (python3 standard library).
python3 - "$OUT" "${MODELS[@]}" <<'PY'
import csv, sys
out, models = sys.argv[1], sys.argv[2:]
for model in models:
    rows = {}
    for k in (1, 2):
        with open(f"{out}/{model}-k{k}/evaluate.csv") as f:
            for r in csv.DictReader(f):
                rows.setdefault(r["method"], {})[k] = r
    print(f"\n{model}, first 500 Fashion-MNIST test images\n")
    print("| method | AOPC MoRF k=1 | AOPC MoRF k=2 | LeRF k=2 | random k=2 | deletion AUC | insertion AUC | ms per explanation | forward / reverse rows per explanation |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m, byk in sorted(rows.items(), key=lambda kv: -float(kv[1][2]["aopc_morf"])):
        r1, r2 = byk[1], byk[2]
        print(f"| {m} | {float(r1['aopc_morf']):.3f} | {float(r2['aopc_morf']):.3f} | {float(r2['aopc_lerf']):.3f} | "
              f"{float(r2['aopc_random']):.3f} | {float(r2['deletion_auc']):.3f} | {float(r2['insertion_auc']):.3f} | "
              f"{1000 * float(r2['sec_per_sample']):.1f} | {float(r2['forward_rows_per_sample']):.1f} / {float(r2['reverse_rows_per_sample']):.1f} |")
PY
