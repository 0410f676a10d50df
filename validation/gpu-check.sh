#!/usr/bin/env bash
# One command that validates the engine on a GPU and writes a dated report.
#
#   validation/gpu-check.sh                    # on a machine with a CUDA GPU (the default: --device cuda)
#   validation/gpu-check.sh --device emulator  # end to end on the PTX emulator, small shapes, short JMH
#                                              # settings (what .ci/run calls, so the script cannot rot)
#   options: --out DIR (default bench/results/gpu), --keep-going (report failures, exit 0)
#
# Steps:
#   1. every kernel suite (validation/*KernelSuite), the geometry sweep (ConvPoolGeometryProperties),
#      DualLinearizeSuite and the backend agreement suite (GpuBackendAgreementSuite). The suites run each
#      test on the emulator and on CUDA (AbstractKernelSuite.devices(): the CUDA cases are skipped with
#      the GpuProbe's reason when no GPU is usable). With --device cuda a skipped CUDA case is a failure:
#      the check must not pass on a machine where the GPU was not used. With --device emulator the
#      agreement suite runs 1 case per property (-Dlde.agreement.cases=1) and DualLinearizeSuite is left out
#      (GPU_CHECK_FULL=1 runs everything, as on a GPU).
#      With --device cuda the debug mode is on (-Dlde.device.debug=true): every launch is synchronized, so
#      a faulting kernel is named by its own launch.
#   2. the JMH kernel benchmarks (.*KernelBench, CublasGemmBench: the hand-written SGEMM's ratio to cuBLAS)
#      with -p device=<device>, and ExplainerBench with -p backend=<device> (the emulator: fmnist-mlp,
#      batch 1, deletion, one single-shot call; kernel benchmarks: one per family unless GPU_CHECK_FULL=1).
#      CublasGemmBench has no emulator form: there it is skipped with one line.
#   3. the report, bench/results/gpu/<date>-<device>.md: date, host, load, git commit, device and driver
#      (nvidia-smi), Java, the suites' counts, the JMH table and the benchmarks' summary lines (GFLOP/s,
#      GB/s, sgemm/cuBLAS ratios). The README's GPU figures come from such reports only.
set -euo pipefail
cd "$(dirname "$0")/.."

device=cuda
out=bench/results/gpu
keep_going=0
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="${2:?--device needs cuda or emulator}"; shift 2 ;;
    --device=*) device="${1#--device=}"; shift ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    -h|--help) awk 'NR > 1 && /^set -euo/ { exit } NR > 1' "$0"; exit 0 ;;
    *) echo "gpu-check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$device" in
  cuda|emulator) ;;
  *) echo "gpu-check.sh: --device must be cuda or emulator, got '$device'" >&2; exit 2 ;;
esac

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
work=target/gpu-check-logs   # the raw logs of the last run (not in the repository)
rm -rf "$work"
mkdir -p "$work"
report="$out/$(date -u +%Y-%m-%d)-$device.md"
mkdir -p "$out"
start=$(date +%s)
failures=()

mvn_quiet=(-B -ntp -q)
if [ "$device" = cuda ]; then
  props=(-Dlde.device.debug=true -Dlde.testHeap="${LDE_TEST_HEAP:-6g}")
  jmh_common=(-f 1 -wi 2 -i 3)
  kernel_params=(-p device=cuda)
  jvm_props=(-Dlde.device.debug=false)   # timings without the debug mode's synchronization; JMH's lock kept
  explainer_args=(ExplainerBench -p backend=cuda -f 1 -wi 1 -i 3)
else
  props=(-Dlde.agreement.cases=1 -Dlde.testHeap="${LDE_TEST_HEAP:-2g}")
  jmh_common=(-f 0 -wi 0 -i 1 -r 200ms)
  kernel_params=(-p device=emulator)
  jvm_props=(-Djmh.ignoreLock=true)   # a shared CI machine may run other JMH instances; these timings are a smoke test
  explainer_args=(ExplainerBench -p backend=emulator -p model=fmnist-mlp -p batch=1 -p perturbation=deletion -bm ss -f 0 -wi 0 -i 1)
fi

echo "gpu-check.sh: device $device; report $report"

# ------------------------------------------------------------------------------ 1. suites
suites='*KernelSuite,ConvPoolGeometryProperties,DualLinearizeSuite,GpuBackendAgreementSuite'
if [ "$device" = emulator ] && [ "${GPU_CHECK_FULL:-0}" != 1 ]; then
  suites='*KernelSuite,ConvPoolGeometryProperties,GpuBackendAgreementSuite'   # DualLinearizeSuite: GPU_CHECK_FULL=1
fi
echo "gpu-check.sh: [1/3] suites ($suites)"
rm -rf target/surefire-reports   # count this run only
if ! mvn "${mvn_quiet[@]}" test "${props[@]}" -Dsurefire.failIfNoSpecifiedTests=false -Dtest="$suites" \
    >"$work/suites.log" 2>&1; then
  failures+=("suites: mvn test failed (see the tail below)")
fi
tests=0; failed=0; errors=0; skipped=0
for f in target/surefire-reports/TEST-*.xml; do
  [ -e "$f" ] || continue
  head=$(grep -m1 '<testsuite' "$f")
  for k in tests failures errors skipped; do
    v=$(printf '%s' "$head" | sed -n "s/.* $k=\"\([0-9]*\)\".*/\1/p")
    v=${v:-0}
    case $k in tests) tests=$((tests + v)) ;; failures) failed=$((failed + v)) ;; errors) errors=$((errors + v)) ;; skipped) skipped=$((skipped + v)) ;; esac
  done
done
cuda_skips=$(grep -h -o 'skipped on cuda: [^"<]*' target/surefire-reports/TEST-*.xml 2>/dev/null | sort | uniq -c || true)
if [ "$device" = cuda ] && [ -n "$cuda_skips" ]; then
  failures+=("suites: CUDA cases were skipped on a --device cuda run (the GPU was not used)")
fi

# ------------------------------------------------------------------------------ 2. benchmarks
echo "gpu-check.sh: [2/3] JMH kernel and explainer benchmarks"
mvn "${mvn_quiet[@]}" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >"$work/cp.log" 2>&1 \
  || failures+=("benchmarks: could not resolve the test classpath (see $work/cp.log)")
cp="target/test-classes:target/classes:$(cat "$work/cp.txt" 2>/dev/null || true)"
jmh() {   # name, args...
  local name=$1; shift
  local rc=0
  java "${jvm_props[@]}" -cp "$cp" org.openjdk.jmh.Main "$@" -rf csv -rff "$work/$name.csv" >"$work/$name.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    failures+=("benchmarks: JMH $name exited with status $rc: $(grep -v '^\s*$' "$work/$name.log" | head -n 1)")
  fi
}
if [ "$device" = cuda ]; then
  jmh kernels '.*KernelBench.*|CublasGemmBench' "${kernel_params[@]}" "${jmh_common[@]}"
else
  # one benchmark per kernel family unless GPU_CHECK_FULL=1 (emulated launches take up to seconds each);
  # CublasGemmBench has no emulator form: one run shows its one-line skip
  if [ "${GPU_CHECK_FULL:-0}" = 1 ]; then
    jmh kernels '.*KernelBench.*' "${kernel_params[@]}" "${jmh_common[@]}"
  else
    jmh kernels 'GemmKernelBench.sgemm_nn|ElementwiseKernelBench.axpy|DenseKernelBench.dense_forward$|TrainingKernelBench.sgd_step|DualKernelBench.dual_linearize_rows|PoolKernelBench.maxpool2d_forward' \
      "${kernel_params[@]}" "${jmh_common[@]}"
  fi
  jmh cublas 'CublasGemmBench' -p shape=640x128x64 -f 0 -wi 0 -i 1 -r 100ms
fi
jmh explainer "${explainer_args[@]}"
if grep -q '<failure>' "$work"/*.log 2>/dev/null && [ "$device" = cuda ]; then
  failures+=("benchmarks: a benchmark failed on the GPU (see the logs below)")
fi

# ------------------------------------------------------------------------------ 3. report
echo "gpu-check.sh: [3/3] report"
if [ "$device" = cuda ] && command -v nvidia-smi >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,memory.total,compute_cap --format=csv,noheader 2>/dev/null | head -1 || echo "nvidia-smi failed")
  driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1 || echo unknown)
elif [ "$device" = cuda ]; then
  gpu="unknown (nvidia-smi not found)"; driver=unknown
else
  gpu="PTX emulator (no GPU: the kernels' PTX interpreted on the CPU)"; driver="none"
fi
elapsed=$(( $(date +%s) - start ))
{
  echo "# GPU check, $device, $stamp"
  echo
  echo "Written by \`validation/gpu-check.sh --device $device\`; rerun it to reproduce."
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| date (UTC) | $stamp |"
  echo "| host | $(hostname) ($(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)) |"
  echo "| commit | $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)') |"
  echo "| device | $gpu |"
  echo "| driver | $driver |"
  echo "| Java | $(java -version 2>&1 | head -1) |"
  echo "| duration | ${elapsed} s |"
  echo "| result | $([ ${#failures[@]} -eq 0 ] && echo PASS || echo "FAIL (${#failures[@]} problem(s))") |"
  echo
  echo "## Suites"
  echo
  echo "$tests tests, $failed failures, $errors errors, $skipped skipped (\`$suites\`)."
  if [ -n "$cuda_skips" ]; then
    echo
    echo "CUDA cases skipped (count, reason):"
    echo
    echo '```'
    echo "$cuda_skips"
    echo '```'
  fi
  if [ ${#failures[@]} -gt 0 ]; then
    echo
    echo "## Problems"
    echo
    for f in "${failures[@]}"; do echo "- $f"; done
    echo
    echo "Raw logs: $work/ (suites.log and one log per JMH run). The suites' last lines:"
    echo
    echo '```'
    tail -n 20 "$work/suites.log"
    echo '```'
  fi
  echo
  echo "## Benchmarks (JMH)"
  for name in kernels cublas explainer; do
    [ -e "$work/$name.log" ] || continue
    echo
    echo "### $name"
    echo
    if [ -s "$work/$name.csv" ]; then
      echo '```'
      cat "$work/$name.csv"
      echo '```'
    fi
    lines=$(grep -E '^# (sgemm_nn / cuBLAS|[a-z0-9_]+ on |ExplainerBench)|skipped on device=cuda|no usable CUDA GPU' "$work/$name.log" | sort -u || true)
    if [ -n "$lines" ]; then
      echo
      echo "Summary lines:"
      echo
      echo '```'
      echo "$lines"
      echo '```'
    fi
    if grep -q '<failure>' "$work/$name.log"; then
      echo
      echo "Failed trials: $(grep -c '<failure>' "$work/$name.log")"
    fi
  done
} >"$report"

echo "gpu-check.sh: wrote $report (${elapsed} s)"
if [ ${#failures[@]} -gt 0 ]; then
  printf 'gpu-check.sh: %s\n' "${failures[@]}" >&2
  echo "gpu-check.sh: raw logs in $work/" >&2
  [ "$keep_going" = 1 ] || exit 1
fi
