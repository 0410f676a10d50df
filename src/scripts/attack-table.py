#!/usr/bin/env python3
"""Combines the chunks of src/scripts/attack-samples.sh (OUT/<model>/<offset>/<method>.json, one `lde attack`
run per method; a chunk counts when it holds every method of chunk 0) into
OUT/attack-table.csv: per model, norm and method the images, the share verified, the median and mean
ratio of the verified norm to FAB's on the same image (images both verify), the share of images where
the method's norm is smaller than FAB's, images FAB verified and the method did not, forward and
reverse passes per image, and wall seconds per image; OUT/attack-per-image.csv; and OUT/attack-table.md, the
README's table (quartiles of the verified norm: statistics.quantiles, method 'inclusive'). Only complete
chunks count; the images are the first N (chunks from offset 0 without gaps)."""
import csv, json, os, statistics, sys

out = sys.argv[1]
rows, per = [], []
for model in sorted(os.listdir(out)):
    mdir = os.path.join(out, model)
    if not os.path.isdir(mdir):
        continue
    chunks, methods = {}, None
    for name in sorted(os.listdir(mdir), key=lambda v: int(v) if v.isdigit() else -1):
        cdir = os.path.join(mdir, name)
        if not (name.isdigit() and os.path.isdir(cdir)):
            continue
        files = sorted(f for f in os.listdir(cdir) if f.endswith('.json'))
        if methods is None:
            methods = files
        if 'fab.json' not in files or files != methods:
            continue
        runs = [json.load(open(os.path.join(cdir, f))) for f in files]
        if len({r['samples'] for r in runs}) != 1:
            sys.exit(f'{cdir}: its runs attacked different numbers of images')
        chunks[int(name)] = dict(samples=runs[0]['samples'], rows=[row for r in runs for row in r['rows']])
    data, off = [], 0
    while off in chunks:  # contiguous from 0
        data.append(chunks[off])
        off += chunks[off]['samples']
    if not data:
        continue
    n = off
    keys = []
    for r in data[0]['rows']:
        keys.append((r['norm'], r['method']))
    for norm, method in keys:
        norms, fabn, fwd, rev, secs = [], [], 0.0, 0.0, 0.0
        for ch in data:
            rr = {(r['norm'], r['method']): r for r in ch['rows']}
            r, fr = rr[(norm, method)], rr[(norm, 'fab')]
            norms += r['perSampleNorm']
            fabn += fr['perSampleNorm']
            fwd += r['forwardPerSample'] * ch['samples']
            rev += r['reversePerSample'] * ch['samples']
            secs += r['wallSeconds']
        q = [a / b for a, b in zip(norms, fabn) if a is not None and b is not None and b > 0]
        ver = sum(a is not None for a in norms)
        vn = [a for a in norms if a is not None]
        q1, _, q3 = statistics.quantiles(vn, n=4, method='inclusive') if len(vn) > 1 else (vn[0], 0, vn[0])
        missed = sum(1 for a, b in zip(norms, fabn) if a is None and b is not None)
        rows.append(dict(model=model, norm=norm, method=method, images=n, verified=ver, share_verified=ver / n,
                         median_ratio_to_fab=statistics.median(q), mean_ratio_to_fab=statistics.mean(q),
                         share_smaller_than_fab=sum(x < 1 for x in q) / len(q), ratio_images=len(q),
                         missed_where_fab_verified=missed, median_norm=statistics.median(vn), q1_norm=q1, q3_norm=q3,
                         forward_per_image=fwd / n, reverse_per_image=rev / n, wall_seconds=secs,
                         wall_seconds_per_image=secs / n))
        for i, (a, b) in enumerate(zip(norms, fabn)):
            per.append(dict(model=model, norm=norm, method=method, image=i, norm_value=a, fab_norm=b))
fmt = lambda v: f'{v:.6g}' if isinstance(v, float) else v
with open(os.path.join(out, 'attack-table.csv'), 'w', newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    for r in rows:
        w.writerow({k: fmt(v) for k, v in r.items()})
with open(os.path.join(out, 'attack-per-image.csv'), 'w', newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(per[0].keys()))
    w.writeheader()
    for r in per:
        w.writerow({k: ('' if v is None else fmt(v)) for k, v in r.items()})
for r in rows:
    print(','.join(str(fmt(v)) for v in r.values()))
NORM = {'l2': 'L2', 'linf': 'L_inf', 'l1': 'L1'}
with open(os.path.join(out, 'attack-table.md'), 'w') as f:
    f.write('| model (images) | norm | method | verified | median verified norm [quartiles] | median / mean ratio to FAB '
            '| smaller than FAB | missed where FAB verified | forward / reverse passes per image | wall s per image |\n')
    f.write('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n')
    for r in sorted(rows, key=lambda r: (r['model'], r['norm'], r['method'] != 'fab')):
        fab = r['method'] == 'fab'
        ratio = '1 / 1' if fab else f"**{r['median_ratio_to_fab']:.4f}** / {r['mean_ratio_to_fab']:.4f}"
        smaller = '' if fab else f"{100 * r['share_smaller_than_fab']:.0f}% ({round(r['share_smaller_than_fab'] * r['ratio_images'])}/{r['ratio_images']})"
        f.write(f"| {r['model']} ({r['images']}) | {NORM.get(r['norm'], r['norm'])} | {r['method']} | {r['verified']}/{r['images']} "
                f"| {r['median_norm']:.4g} [{r['q1_norm']:.4g}, {r['q3_norm']:.4g}] | {ratio} | {smaller} | {r['missed_where_fab_verified']} "
                f"| {r['forward_per_image']:.0f} / {r['reverse_per_image']:.0f} | {r['wall_seconds_per_image']:.2f} |\n")
