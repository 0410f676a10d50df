#!/usr/bin/env bash
# Explanations per second of LagrangeDualExplainer (ExplainerBench) at batch 1, 32 and 256 on the
# float64 EJML backend and on GpuBackend over the PTX emulator (the dual solves on the kernels
# dual_linearize_rows + dual_ascent_box), sample Fashion-MNIST MLP, deletion toward zero, flip mode.
# The emulator is an interpreter: one warm-up and one timed call per batch (single shot), about 2 min.
# Writes bench/results/explainer/*.txt (the JMH output without its banner). Pass "cuda" as the first
# argument to add a GPU run (needs a machine with one).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/results/explainer
mkdir -p "$out"
jmh() { # name, args
    local name=$1
    shift
    mvn -B -o -q -Pbench test-compile exec:exec -Djmh.args="ExplainerBench $*" > "/tmp/$name.raw" 2>&1
    grep -vE '^\[|^$|^# (VM|JMH|Blackhole|Timeout|Threads|Warmup:|Measurement:|Benchmark mode|Run progress|Fork)' \
        "/tmp/$name.raw" > "$out/$name.txt"
    grep -E '^ExplainerBench.explain' "$out/$name.txt"
}
common="-p model=fmnist-mlp -p perturbation=deletion -f 1 -tu ms"
jmh explainer-emu -p backend=emulator $common -bm ss -wi 1 -i 1
jmh explainer-ejml -p backend=ejml $common -p batch=1,32 -wi 1 -w 5 -i 3 -r 5
jmh explainer-ejml256 -p backend=ejml $common -p batch=256 -wi 2 -w 10 -i 5 -r 10
if [ "${1:-}" = cuda ]; then
    jmh explainer-cuda -p backend=cuda $common -wi 2 -w 5 -i 5 -r 5
fi
