#!/usr/bin/env bash
# build-kernels.sh: kernels/*.cu -> src/main/resources/org/lde/kernels/<name>.ptx, then a ptxas check.
#
#   ./build-kernels.sh           regenerate the PTX resources and kernels/ptxas-report.txt
#   ./build-kernels.sh --check   regenerate into a temporary folder and fail if the committed PTX or
#                                report differs (stale); prints one line and exits 0 when nvcc is absent
#
# Output is deterministic: the same bytes on every run with the same nvcc. Each .cu is compiled from
# inside kernels/ and the directory part of every `.file` line is stripped (with any timestamp and
# size fields some nvcc versions append), so no machine path or date ends up in the PTX. Environment: NVCC and PTXAS override the tools' names.
#
# PTX ISA version. nvcc 13 writes `.version 9.0`, which a CUDA 12 driver refuses to JIT (and so does
# JCuda 12.6, which runs on CUDA 12 drivers). A driver JIT-compiles every PTX ISA version up to the one
# of its own CUDA release, and CUDA 12.0 (the oldest CUDA 12 driver) shipped PTX ISA 8.0; so 8.0 is the
# ISA that every CUDA 12 driver accepts, and the one we declare. ptxas (below, for every module and
# architecture) verifies that the code still assembles under `.version 8.0`, so a kernel that starts
# needing a newer instruction fails this script instead of failing on a user's driver. (Measured with
# ptxas 13.0: today's modules assemble down to ISA 7.0; 6.x fails on the `.loc ... inlined_at` line
# information of -lineinfo. We still declare 8.0, not 7.0: it is the ISA of the oldest driver we
# support, and declaring an older ISA than needed buys nothing on CUDA 12.)
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KERNELS="$ROOT/kernels"
RESOURCES="$ROOT/src/main/resources/org/lde/kernels"
REPORT="$KERNELS/ptxas-report.txt"
NVCC=${NVCC:-nvcc}
PTXAS=${PTXAS:-ptxas}
VIRTUAL_ARCH=compute_75          # the PTX target: Turing and newer JIT it
PTX_ISA=8.0                      # see above
CHECK_ARCHS=(sm_75 sm_90)        # ptxas -Werror -warn-spills runs for each of these

mode=build
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-kernels.sh: unknown argument '$1' (expected no argument or --check)" >&2; exit 2 ;;
esac

if ! command -v "$NVCC" >/dev/null 2>&1; then
    if [[ $mode == check ]]; then
        echo "build-kernels.sh --check: skipped: $NVCC not found on PATH, so the committed PTX was not verified"
        exit 0
    fi
    echo "build-kernels.sh: $NVCC not found on PATH; install the CUDA toolkit (nvcc, ptxas) to build kernels" >&2
    exit 1
fi
if ! command -v "$PTXAS" >/dev/null 2>&1; then
    echo "build-kernels.sh: $NVCC is present but $PTXAS is not on PATH; cannot check the PTX" >&2
    exit 1
fi

shopt -s nullglob
sources=("$KERNELS"/*.cu)
if [[ ${#sources[@]} -eq 0 ]]; then
    echo "build-kernels.sh: no kernels/*.cu found under $KERNELS" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ptx"

# nvcc derives the names of internal-linkage functions (e.g. the CUDA headers' static shuffle
# wrappers, `_ZN37_INTERNAL_<hash>_7_conv_cu_...`, which -lineinfo writes into the PTX's debug
# strings) from the ABSOLUTE directory it compiles in: the same source compiled in two checkouts
# gives different PTX. So every build compiles from one fixed staging directory, whatever the
# checkout's location, and builds on one machine take turns through a lock.
STAGE=${LDE_KERNEL_STAGE:-/tmp/lde-build-kernels.stage}
exec 9>"$STAGE.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp "$KERNELS"/*.cu "$STAGE"/
for h in "$KERNELS"/*.cuh "$KERNELS"/*.h; do
    cp "$h" "$STAGE"/
done

# compile NAME: kernels/NAME.cu -> $work/ptx/NAME.ptx with the header rewritten and paths stripped.
compile() {
    local name=$1 raw="$work/$1.raw.ptx" out="$work/ptx/$1.ptx"
    (cd "$STAGE" && "$NVCC" -ptx -arch="$VIRTUAL_ARCH" -lineinfo "$name.cu" -o "$raw")
    local versions
    versions=$(grep -c '^\.version ' "$raw" || true)
    if [[ $versions -ne 1 ]]; then
        echo "build-kernels.sh: $name.cu: expected one .version line in nvcc's PTX, found $versions" >&2
        exit 1
    fi
    sed -e "s/^\.version .*/.version $PTX_ISA/" \
        -e 's|^\([[:space:]]*\.file[[:space:]][[:space:]]*[0-9][0-9]*[[:space:]][[:space:]]*"\)[^"]*/\([^"/]*"\)|\1\2|' \
        -e 's|^\([[:space:]]*\.file[[:space:]][[:space:]]*[0-9][0-9]*[[:space:]][[:space:]]*"[^"]*"\)[[:space:]]*,.*$|\1|' \
        "$raw" > "$out"
    if grep -q "$ROOT\|$KERNELS\|$STAGE\|$HOME" "$out"; then
        echo "build-kernels.sh: $name.ptx still contains a machine path:" >&2
        grep -n "$ROOT\|$KERNELS\|$STAGE\|$HOME" "$out" | head -3 >&2
        exit 1
    fi
}

# check NAME: ptxas every arch; appends one line per kernel and arch to $work/report.body.
check_ptxas() {
    local name=$1 arch log
    for arch in "${CHECK_ARCHS[@]}"; do
        log="$work/$name.$arch.log"
        if ! "$PTXAS" -Werror -warn-spills -v -arch="$arch" "$work/ptx/$name.ptx" -o "$work/$name.$arch.cubin" 2> "$log"; then
            echo "build-kernels.sh: ptxas -Werror -warn-spills -arch=$arch rejected $name.ptx:" >&2
            grep -v '^ptxas info' "$log" >&2 || cat "$log" >&2
            exit 1
        fi
        # ptxas -v prints, per entry: "Compiling entry function 'K' for 'sm_XX'", then
        # "N bytes stack frame, N bytes spill stores, N bytes spill loads", then
        # "Used N registers, [used N barriers,] [N bytes smem,] ..." (smem is omitted when 0).
        awk -v module="$name" -v arch="$arch" '
            /Compiling entry function/ { match($0, /\x27[^\x27]*\x27/); kernel = substr($0, RSTART + 1, RLENGTH - 2); stack = st = ld = "?" }
            /bytes stack frame/ { stack = $1; st = $5; ld = $9 }
            /Used [0-9]+ registers/ {
                regs = "?"; smem = 0
                for (i = 1; i <= NF; i++) { if ($i == "registers,") regs = $(i - 1); if ($i == "smem," || $i == "smem") smem = $(i - 2) }
                printf "%-12s %-16s %-6s %9s %10s %12s %11s %11s\n", module, kernel, arch, regs, smem, st, ld, stack
            }' "$log" >> "$work/report.body"
    done
}

names=()
for src in "${sources[@]}"; do
    name=$(basename "$src" .cu)
    names+=("$name")
    compile "$name"
    check_ptxas "$name"
done

{
    echo "# ptxas report, written by ./build-kernels.sh (do not edit; ./build-kernels.sh --check verifies it)."
    echo "# nvcc: $("$NVCC" --version | grep -i 'release' | head -1)"
    echo "# ptxas: $("$PTXAS" --version | grep -i 'release' | head -1)"
    echo "# PTX: nvcc -ptx -arch=$VIRTUAL_ARCH -lineinfo, header rewritten to .version $PTX_ISA;"
    echo "#      checked with ptxas -Werror -warn-spills -v -arch=<arch> (a spill is an error)."
    echo "# smem_bytes is static shared memory per block; spill and stack figures are bytes per thread."
    printf "%-12s %-16s %-6s %9s %10s %12s %11s %11s\n" "# module" kernel arch registers smem_bytes spill_stores spill_loads stack_bytes
    sort -k1,1 -k2,2 -k3,3 "$work/report.body"
} > "$work/ptxas-report.txt"

if [[ $mode == build ]]; then
    mkdir -p "$RESOURCES"
    for old in "$RESOURCES"/*.ptx; do
        base=$(basename "$old" .ptx)
        if [[ ! -f "$KERNELS/$base.cu" ]]; then
            echo "removing $old (no kernels/$base.cu)"
            rm -f "$old"
        fi
    done
    for name in "${names[@]}"; do
        cp "$work/ptx/$name.ptx" "$RESOURCES/$name.ptx"
    done
    cp "$work/ptxas-report.txt" "$REPORT"
    echo "build-kernels.sh: wrote ${#names[@]} module(s) to ${RESOURCES#"$ROOT"/} and ${REPORT#"$ROOT"/}"
    exit 0
fi

# --check: compare the fresh output with what is committed.
stale=0
committed_nvcc=$(grep -m1 '^# nvcc: ' "$REPORT" 2>/dev/null || true)
fresh_nvcc=$(grep -m1 '^# nvcc: ' "$work/ptxas-report.txt")
if [[ -n $committed_nvcc && $committed_nvcc != "$fresh_nvcc" ]]; then
    echo "build-kernels.sh --check: the committed PTX was generated with '${committed_nvcc#\# nvcc: }'" \
         "but this machine has '${fresh_nvcc#\# nvcc: }'; PTX from another nvcc differs, so it cannot be compared" >&2
    stale=1
fi
show_diff() {
    local committed=$1 fresh=$2
    echo "build-kernels.sh --check: stale: ${committed#"$ROOT"/} differs from a fresh build (run ./build-kernels.sh):" >&2
    if [[ -f "$committed" ]]; then
        diff -u "$committed" "$fresh" | head -20 >&2 || true
    else
        echo "  (missing)" >&2
    fi
    stale=1
}
for name in "${names[@]}"; do
    if ! cmp -s "$RESOURCES/$name.ptx" "$work/ptx/$name.ptx"; then
        show_diff "$RESOURCES/$name.ptx" "$work/ptx/$name.ptx"
    fi
done
for old in "$RESOURCES"/*.ptx; do
    base=$(basename "$old" .ptx)
    if [[ ! -f "$KERNELS/$base.cu" ]]; then
        echo "build-kernels.sh --check: stale: ${old#"$ROOT"/} has no source kernels/$base.cu" >&2
        stale=1
    fi
done
if ! cmp -s "$REPORT" "$work/ptxas-report.txt"; then
    show_diff "$REPORT" "$work/ptxas-report.txt"
fi
if [[ $stale -ne 0 ]]; then
    exit 1
fi
echo "build-kernels.sh --check: ok: ${#names[@]} module(s) and kernels/ptxas-report.txt are up to date"
