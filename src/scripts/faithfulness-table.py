#!/usr/bin/env python3
"""The README's faithfulness table from the evaluate.csv files of evaluate-faithfulness.sh
(python3 standard library). Usage: faithfulness-table.py OUT_DIR MODEL...
A MODEL written NAME:first100 reads OUT_DIR/NAME-k2-first100 (the CNN100=1 run: k = 2 only)."""
import csv
import sys

out, models = sys.argv[1], sys.argv[2:]
for spec in models:
    model, _, variant = spec.partition(":")
    ks = (2,) if variant == "first100" else (1, 2)
    rows = {}
    for k in ks:
        folder = f"{out}/{model}-k{k}" + ("-first100" if variant == "first100" else "")
        with open(f"{folder}/evaluate.csv") as f:
            for r in csv.DictReader(f):
                rows.setdefault(r["method"], {})[k] = r
    split = "embedded test images 0-99 (the first 100 of the reported split)" if variant else "embedded test images 0-499 (reported split)"
    print(f"\n{model}, {split}\n")
    head = "".join(f" AOPC k={k} [95% CI] |" for k in ks)
    print(f"| method |{head} deletion AUC k=2 (10 steps) | ms per explanation | forward / reverse rows per explanation |")
    print("| --- |" + " ---: |" * (len(ks) + 3))
    for m, byk in sorted(rows.items(), key=lambda kv: -float(kv[1][2]["aopc_morf"])):
        cells = []
        for k in ks:
            r = byk[k]
            cells.append(f"{float(r['aopc_morf']):.3f} [{float(r['aopc_morf_ci_lo']):.3f}, {float(r['aopc_morf_ci_hi']):.3f}]")
        r2 = byk[2]
        print(f"| `{m}` | {' | '.join(cells)} | {float(r2['deletion_auc']):.3f} | "
              f"{1000 * float(r2['sec_per_sample']):.1f} | {float(r2['forward_rows_per_sample']):.1f} / {float(r2['reverse_rows_per_sample']):.1f} |")
