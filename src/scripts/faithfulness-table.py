#!/usr/bin/env python3
"""The README's faithfulness table from the evaluate.csv files of evaluate-faithfulness.sh
(python3 standard library). Usage: faithfulness-table.py OUT_DIR MODEL..."""
import csv
import sys

out, models = sys.argv[1], sys.argv[2:]
for model in models:
    rows = {}
    for k in (1, 2):
        with open(f"{out}/{model}-k{k}/evaluate.csv") as f:
            for r in csv.DictReader(f):
                rows.setdefault(r["method"], {})[k] = r
    print(f"\n{model}, embedded test images 0-499 (reported split)\n")
    print("| method | AOPC k=1 [95% CI] | AOPC k=2 [95% CI] | deletion AUC k=2 (10 steps) | ms per explanation | forward / reverse rows per explanation |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for m, byk in sorted(rows.items(), key=lambda kv: -float(kv[1][2]["aopc_morf"])):
        cells = []
        for k in (1, 2):
            r = byk[k]
            cells.append(f"{float(r['aopc_morf']):.3f} [{float(r['aopc_morf_ci_lo']):.3f}, {float(r['aopc_morf_ci_hi']):.3f}]")
        r2 = byk[2]
        print(f"| `{m}` | {cells[0]} | {cells[1]} | {float(r2['deletion_auc']):.3f} | "
              f"{1000 * float(r2['sec_per_sample']):.1f} | {float(r2['forward_rows_per_sample']):.1f} / {float(r2['reverse_rows_per_sample']):.1f} |")
