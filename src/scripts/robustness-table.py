#!/usr/bin/env python3
"""Markdown tables of README's "Robustness (measured)" from the part files of lde robustness.
Usage: src/scripts/robustness-table.py [RESULTS_DIR]   (default bench/results/robustness)"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "bench/results/robustness"
models = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))


def load(m, p):
    f = os.path.join(root, m, p + ".json")
    return json.load(open(f)) if os.path.exists(f) else None


def f3(v):
    return "n/a" if v is None else "%.3f" % v


print("| model | attack | accuracy at budgets |\n| --- | --- | --- |")
for m in models:
    for p in ["pgd-linf", "pgd-l2", "cw", "wasserstein"]:
        j = load(m, p)
        if j:
            cells = ", ".join("%g: %.2f" % (r["budget"], r["robustAccuracy"]) for r in j["budgets"])
            print("| %s (n=%d) | %s | %s |" % (m, j["budgets"][0]["samples"], p, cells))
print()
for m in models:
    j = load(m, "consistency")
    if not j:
        continue
    shifts = [s["shift"] for s in j["shifts"]]
    print("%s (first %d images; rho / top-k)\n" % (m, max(s["samples"] for s in j["shifts"])))
    print("| method | " + " | ".join(shifts) + " |")
    print("| --- |" + " ---: |" * len(shifts))
    rows = {}
    for r in j["rows"]:
        rows.setdefault(r["method"], {})[r["shift"]] = r
    for meth, byshift in rows.items():
        print("| %s | %s |" % (meth, " | ".join("%s / %s" % (f3(byshift[s]["spearmanMean"]), f3(byshift[s]["topKMean"])) for s in shifts)))
    print("\nms per explanation (forward / reverse rows): " + "; ".join("%s %.0f (%.0f / %.0f)" % (t["method"], 1000 * t["secondsPerExplanation"],
          t["forwardRowsPerExplanation"], t["reverseRowsPerExplanation"]) for t in j["timing"]))
    print()
print("| model | LDE deletion AOPC | without the dual | saliency | additive LDE verified (with / without) | median r_hi L2 (with / without) | median ratio without / with |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for m in models:
    j = load(m, "ablation")
    if not j:
        continue
    a = {r["method"]: r for r in j["aopc"]}

    def cell(k):
        r = a[k]
        return "%.3f [%.3f, %.3f]" % (r["aopc"], r["ci95"][0], r["ci95"][1])
    v = j["verifiedNorm"]
    print("| %s (n=%d) | %s | %s | %s | %d / %d of %d | %s / %s | %s (%d images) |" % (
        m, j["samples"], cell("lde-deletion-zero-flip"), cell("lde-deletion-zero-flip-nodual"), cell("saliency"),
        v["verifiedWithDual"], v["verifiedWithoutDual"], v["samples"], f3(v["medianRHiWithDual"]), f3(v["medianRHiWithoutDual"]),
        f3(v["medianRatioWithoutOverWith"]), v["ratioSamples"]))
print()
print("| model | selection | features masked | clean accuracy | PGD L_inf 0.02 | PGD L2 0.5 |\n| --- | --- | ---: | ---: | ---: | ---: |")
for m in models:
    j = load(m, "masking")
    if not j:
        continue
    for r in j["rows"]:
        print("| %s (n=%d) | %s | %d | %.2f | %.2f | %.2f |" % (m, j["samples"], r["selection"], r["masked"], r["cleanAccuracy"],
              r["pgdLinfRobustAccuracy"], r["pgdL2RobustAccuracy"]))
