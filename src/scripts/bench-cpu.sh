#!/usr/bin/env bash
# The CPU speed table of the README ("Speed on the CPU"), engine and PyTorch side by side in one run:
#   1. JMH CpuSpeedBench: the table's rows on the EJML reference (ejml), the fast CPU backend in
#      float32 (fast) and float64 (fast-f64): MLP and CNN forward, whole Jacobian and IG-50 at batch
#      32 and 256, the 3x224x224 CNN's margin gradient at batch 8;
#   2. JMH FastGemmBench: the GEMM candidates at 512^3 on 1 and 2 threads;
#   3. src/scripts/bench_cpu_pytorch.py: the same rows in PyTorch float32 and float64 (2 threads; the
#      GEMM on 1 and 2), skipped with a message when PyTorch is absent (apt-get install -y python3-torch
#      libopenblas0-pthread: without an optimized libblas.so.3 Debian's PyTorch multiplies on the
#      reference BLAS, about 100x slower);
#   4. the LDE explanations per second on the sample CNN at batch 32 and 256 (ExplainerBench, ejml and
#      fast), with the passes per explanation;
# then writes bench/results/cpu/table.md (the medians/means and the ratios to PyTorch float32) with
# the machine, the date and the load. Short runs (1 s iterations): about 10 minutes on 2 idle cores, more when shared.
# While it runs, the load average is written every minute to bench/results/cpu/load.txt.
#   src/scripts/bench-cpu.sh              everything
#   src/scripts/bench-cpu.sh --no-lde     without step 4
#   src/scripts/bench-cpu.sh --no-nice    run the JVMs and PyTorch at normal priority (default: nice -n 10,
#                                         polite on a shared machine; on a machine loaded by others, niced runs
#                                         get a small share of the cores and measure the load, not the code)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/results/cpu
mkdir -p "$out"
lde=1
nice="nice -n 10"
for arg in "$@"; do
    case "$arg" in
        --no-lde) lde=0 ;;
        --no-nice) nice="" ;;
        *) echo "bench-cpu.sh: unknown option $arg (use --no-lde, --no-nice)" >&2; exit 2 ;;
    esac
done
: > "$out/load.txt"
( while sleep 60; do echo "$(date -u +%H:%M) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/load.txt"; done ) &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
python=/usr/bin/python3
[ -x "$python" ] || python=python3
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, flags: $(grep -m1 -o -w 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
    echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB; java: $(java -version 2>&1 | head -1)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "priority: ${nice:-normal (--no-nice)}"
} > "$out/machine.txt"
cat "$out/machine.txt"
jmh() { # name, args...
    local name=$1
    shift
    $nice mvn -B -o -q -Pbench test-compile exec:exec -Djmh.args="$* -rf json -rff $PWD/$out/$name.json" > "$out/$name.log" 2>&1 \
        || { echo "JMH $name failed, see $out/$name.log" >&2; exit 1; }
    grep -E '^(CpuSpeedBench|FastGemmBench|ExplainerBench)\.' "$out/$name.log" || true
}
# sample mode: the median and the best time of every row (the machine is shared: the best is the
# least disturbed; the medians show the load)
short="-f 1 -wi 1 -w 1 -i 3 -r 1 -bm sample -tu ms"
jmh engine CpuSpeedBench -p work=mlp-forward,cnn-forward,mlp-jacobian,cnn-jacobian,mlp-ig50,cnn-ig50 -p batch=32,256 \
    -p backend=fast,fast-f64 $short
jmh engine-ejml CpuSpeedBench -p work=mlp-forward,cnn-forward,mlp-jacobian,cnn-jacobian -p batch=32,256 -p backend=ejml $short
jmh engine-ejml-ig CpuSpeedBench -p work=mlp-ig50,cnn-ig50 -p batch=32 -p backend=ejml $short
jmh engine224 CpuSpeedBench -p work=cnn224-margin -p batch=8 -p backend=fast,fast-f64,ejml $short
jmh gemm FastGemmBench $short
if $nice "$python" src/scripts/bench_cpu_pytorch.py --threads 2 > "$out/pytorch.jsonl" 2> "$out/pytorch.log"; then
    echo "PyTorch: $(head -1 "$out/pytorch.log")"
else
    echo "PyTorch side skipped: $(tail -1 "$out/pytorch.log")" >&2
    : > "$out/pytorch.jsonl"
fi
if [ "$lde" = 1 ]; then
    jmh lde ExplainerBench -p model=fmnist-cnn -p perturbation=deletion -p batch=32,256 -p backend=fast,ejml \
        -f 1 -wi 1 -w 2 -i 3 -r 2 -bm sample -tu ms
    grep -h '^# ExplainerBench' "$out/lde.log" > "$out/lde-passes.txt" || true
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u '+%H:%M UTC')" >> "$out/machine.txt"
"$python" - "$out" <<'PY'  # keep the JMH summaries, drop the raw samples (hundreds of KB)
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/*.json"):
    runs = json.load(open(f))
    for r in runs:
        for m in [r.get("primaryMetric", {})] + list(r.get("secondaryMetrics", {}).values()):
            m.pop("rawData", None)
            m.pop("rawDataHistogram", None)
    json.dump(runs, open(f, "w"), indent=1)
PY
"$python" src/scripts/cpu_table.py "$out" > "$out/table.md"
cat "$out/table.md"
