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
    try:
        runs = json.load(open(path))
    except ValueError:  # a run that did not finish
        return {}
    res = {}
    for r in runs:
        p = r.get("params", {})
        m = r["primaryMetric"]
        pct = m.get("scorePercentiles", {})
        res[(p.get("work") or p.get("impl") or r["benchmark"].rsplit(".", 1)[1], int(p.get("batch") or p.get("size") or 0), p.get("backend") or p.get("threads"))] = \
            (pct.get("50.0", m["score"]), pct.get("0.0", m["score"]))
    return res


eng = {**jmh("engine"), **jmh("engine-ejml"), **jmh("engine-ejml-ig"), **jmh("engine224")}
gemm = jmh("gemm")
lde = jmh("lde")
torch = {}
pt = os.path.join(d, "pytorch.jsonl")
if os.path.exists(pt):
    for line in open(pt):
        if line.strip():
            r = json.loads(line)
            torch[(r["work"], r["batch"], r["dtype"])] = (r["ms"], r["min_ms"])


def f(v, best=False):
    """A (median, best) pair as 'median' or 'median (best)'."""
    if v is None:
        return "-"
    fmt = lambda x: f"{x:.3g}" if x < 100 else f"{x:.0f}"
    return f"{fmt(v[0])} ({fmt(v[1])})" if best else fmt(v[0])


def ratio(a, b, i):
    return f"{a[i] / b[i]:.2f}" if a and b else "-"


print(open(os.path.join(d, "machine.txt")).read().strip().replace("\n", "; "))
print()
print("Milliseconds per call: median, and for the fast backend and PyTorch f32 also the best (in brackets).")
print()
print("| work | batch | EJML f64 | fast f32 | fast f64 | PyTorch f32 | PyTorch f64 | fast f32 / PyTorch f32, medians (best) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
names = {"mlp-forward": "MLP forward", "cnn-forward": "CNN forward", "mlp-jacobian": "MLP full Jacobian (10 classes)",
         "cnn-jacobian": "CNN full Jacobian (10 classes)", "mlp-ig50": "MLP integrated gradients, 50 steps",
         "cnn-ig50": "CNN integrated gradients, 50 steps", "cnn224-margin": "3x224x224 CNN, margin gradient"}
for work, label in names.items():
    for batch in ((8,) if work == "cnn224-margin" else (32, 256)):
        fast = eng.get((work, batch, "fast"))
        t32 = torch.get((work, batch, "f32"))
        print(f"| {label} | {batch} | {f(eng.get((work, batch, 'ejml')))} | {f(fast, True)} | {f(eng.get((work, batch, 'fast-f64')))} "
              f"| {f(t32, True)} | {f(torch.get((work, batch, 'f64')))} | {ratio(fast, t32, 0)} ({ratio(fast, t32, 1)}) |")
prev_dir = os.path.join(d, "previous")
if os.path.isdir(prev_dir):  # the previous run, kept by hand (see its README.md): the CNN rows then and now
    d0, d = d, prev_dir
    prev = {**jmh("engine"), **jmh("engine224")}
    d = d0
    ptorch = {}
    for line in open(os.path.join(prev_dir, "pytorch.jsonl")):
        if line.strip():
            r = json.loads(line)
            ptorch[(r["work"], r["batch"], r["dtype"])] = (r["ms"], r["min_ms"])
    print()
    print("CNN rows against the previous run of this script (bench/results/cpu/previous: "
          + open(os.path.join(prev_dir, "machine.txt")).readline().strip() + "): fast f32 median (best) ms, and its ratio to "
          "PyTorch f32 of the same run, medians")
    print()
    print("| work | batch | fast f32, previous run | fast f32, this run | ratio, previous run | ratio, this run |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for work, label in names.items():
        if not work.startswith("cnn"):
            continue
        for batch in ((8,) if work == "cnn224-margin" else (32, 256)):
            a, b = prev.get((work, batch, "fast")), eng.get((work, batch, "fast"))
            print(f"| {label} | {batch} | {f(a, True)} | {f(b, True)} | {ratio(a, ptorch.get((work, batch, 'f32')), 0)} "
                  f"| {ratio(b, torch.get((work, batch, 'f32')), 0)} |")
print()
print("GEMM 512^3, float32 unless named: ms per product, median (best), and GFLOP/s of the best:")
print()
print("| implementation | 1 thread | 2 threads |")
print("| --- | ---: | ---: |")
flop = 2 * 512 ** 3


def g(v):
    return "-" if v is None else f"{v[0]:.3g} ({v[1]:.3g}): {flop / v[1] / 1e6:.0f} GFLOP/s"


for impl in ("fast", "fast-f64", "java", "openblas-arrays", "ejml", "ejml-mt"):
    print(f"| {impl} | {g(gemm.get((impl, 512, '1')))} | {g(gemm.get((impl, 512, '2')))} |")
for dt in ("f32", "f64"):
    print(f"| PyTorch {dt} (torch.mm) | {g(torch.get(('gemm512-1t', 512, dt)))} | {g(torch.get(('gemm512-2t', 512, dt)))} |")
if lde:
    print()
    print("LDE on the sample CNN (deletion toward zero, flip mode): ms per batched explain call, median (best); explanations/s from the median")
    print()
    print("| backend | batch | ms per call | explanations/s |")
    print("| --- | ---: | ---: | ---: |")
    for backend in ("ejml", "fast"):
        for batch in (32, 256):
            ms = lde.get(("explain", batch, backend))
            print(f"| {backend} | {batch} | {f(ms, True)} | {'-' if not ms else f'{1000 * batch / ms[0]:.0f}'} |")
    passes = os.path.join(d, "lde-passes.txt")
    if os.path.exists(passes):
        print()
        for line in open(passes):
            print(line.strip().lstrip("# ") + "  ")
