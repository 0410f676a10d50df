#!/usr/bin/env python3
"""Formats bench/results/cpu (written by src/scripts/bench-cpu.sh) as the README's markdown table:
engine (EJML f64, fast f32, fast f64) and PyTorch (f32, f64) milliseconds per row, and the fast
backend's ratio to PyTorch float32 (<= 1.0: at least as fast).

  python3 src/scripts/cpu_table.py bench/results/cpu
"""
import json
import os
import sys

d = sys.argv[1]


def jmh(name):
    path = os.path.join(d, name + ".json")
    if not os.path.exists(path):
        return {}
    res = {}
    for r in json.load(open(path)):
        p = r.get("params", {})
        res[(p.get("work") or p.get("impl"), int(p.get("batch") or p.get("size") or 0), p.get("backend") or p.get("threads"))] = \
            r["primaryMetric"]["score"]
    return res


eng = {**jmh("engine"), **jmh("engine224")}
gemm = jmh("gemm")
lde = jmh("lde")
torch = {}
pt = os.path.join(d, "pytorch.jsonl")
if os.path.exists(pt):
    for line in open(pt):
        if line.strip():
            r = json.loads(line)
            torch[(r["work"], r["batch"], r["dtype"])] = r["ms"]


def f(v):
    if v is None:
        return "-"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


print(open(os.path.join(d, "machine.txt")).read().strip().replace("\n", "; "))
print()
print("| work | batch | EJML f64 | fast f32 | fast f64 | PyTorch f32 | PyTorch f64 | fast f32 / PyTorch f32 |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
names = {"mlp-forward": "MLP forward", "cnn-forward": "CNN forward", "mlp-jacobian": "MLP full Jacobian (10 classes)",
         "cnn-jacobian": "CNN full Jacobian (10 classes)", "mlp-ig50": "MLP integrated gradients, 50 steps",
         "cnn-ig50": "CNN integrated gradients, 50 steps", "cnn224-margin": "3x224x224 CNN, margin gradient"}
for work, label in names.items():
    for batch in ((8,) if work == "cnn224-margin" else (32, 256)):
        fast = eng.get((work, batch, "fast"))
        t32 = torch.get((work, batch, "f32"))
        ratio = f"{fast / t32:.2f}" if fast and t32 else "-"
        print(f"| {label} | {batch} | {f(eng.get((work, batch, 'ejml')))} | {f(fast)} | {f(eng.get((work, batch, 'fast-f64')))} "
              f"| {f(t32)} | {f(torch.get((work, batch, 'f64')))} | {ratio} |")
print()
print("GEMM 512^3 (ms per product, GFLOP/s in brackets):")
print()
print("| implementation | 1 thread | 2 threads |")
print("| --- | ---: | ---: |")
flop = 2 * 512 ** 3


def g(ms):
    return "-" if ms is None else f"{ms:.3g} ({flop / ms / 1e6:.0f})"


for impl in ("fast", "fast-f64", "java", "openblas-arrays", "ejml", "ejml-mt"):
    print(f"| {impl} | {g(gemm.get((impl, 512, '1')))} | {g(gemm.get((impl, 512, '2')))} |")
for dt in ("f32", "f64"):
    print(f"| PyTorch {dt} (torch.mm) | {g(torch.get(('gemm512-1t', 512, dt)))} | {g(torch.get(('gemm512-2t', 512, dt)))} |")
if lde:
    print()
    print("LDE on the sample CNN (deletion toward zero, flip mode): ms per batched explain call, explanations/s")
    print()
    print("| backend | batch | ms per call | explanations/s |")
    print("| --- | ---: | ---: | ---: |")
    for backend in ("ejml", "fast"):
        for batch in (32, 256):
            ms = lde.get(("explain", batch, backend))
            print(f"| {backend} | {batch} | {f(ms)} | {'-' if not ms else f'{1000 * batch / ms:.0f}'} |")
    passes = os.path.join(d, "lde-passes.txt")
    if os.path.exists(passes):
        print()
        for line in open(passes):
            print(line.strip().lstrip("# ") + "  ")
