#!/usr/bin/env python3
"""PyTorch's side of the CPU speed table (src/scripts/bench-cpu.sh; the engine's side is
bench/java/org/lde/bench/CpuSpeedBench.java): the same architectures and the same work, timed in
float32 and float64 with torch.set_num_threads(THREADS). Debian's python3-torch does its matrix
products through whatever libblas.so.3 is installed: with only the reference BLAS (libblas3) they are
about 100x slower; install libopenblas0-pthread first (the header line names the BLAS). Random weights and inputs in [0, 1] (the
arithmetic does not depend on the values). Prints one JSON object per line:
{"work": ..., "batch": ..., "dtype": "f32"|"f64", "ms": median milliseconds, "min_ms": the best}.

  /usr/bin/python3 src/scripts/bench_cpu_pytorch.py [--threads 2] [--seconds 0.5]
"""
import argparse
import json
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("bench_cpu_pytorch.py: PyTorch is not installed (apt-get install -y python3-torch); skipping the PyTorch side",
          file=sys.stderr)
    sys.exit(3)


def mlp():  # fmnist-mlp: 784-128-64-10
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn():  # Architectures.fashionCnn
    return nn.Sequential(nn.Conv2d(1, 8, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
                         nn.Conv2d(8, 16, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
                         nn.Flatten(), nn.Linear(16 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn224():  # CpuSpeedBench.cnn224: three 3x3 stride-2 convolutions, 70 MFLOP per image
    return nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU(),
                         nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 28 * 28, 10))


def jacobian(model, x):
    """The whole 10-class input Jacobian: one forward pass, 10 backward passes through its graph."""
    x = x.clone().requires_grad_(True)
    out = model(x)
    return [torch.autograd.grad(out[:, k].sum(), x, retain_graph=k < 9)[0] for k in range(10)]


NODES, WEIGHTS = np.polynomial.legendre.leggauss(50)
NODES = (NODES + 1) / 2
WEIGHTS = WEIGHTS / 2


def ig50(model, x, classes):
    """Integrated gradients as the engine's IntegratedGradients: 50 Gauss-Legendre points from the zero
    baseline, samples in groups of 10 (500 path rows per forward/backward, the engine's 512-row chunks),
    and the end points in one forward pass."""
    n = x.shape[0]
    a = torch.tensor(NODES, dtype=x.dtype)
    w = torch.tensor(WEIGHTS, dtype=x.dtype)
    phi = []
    for start in range(0, n, 10):
        xs = x[start:start + 10]
        g = xs.shape[0]
        path = (a.view(1, -1, *[1] * (x.dim() - 1)) * xs.unsqueeze(1)).reshape(g * 50, *x.shape[1:])
        path.requires_grad_(True)
        out = model(path)
        cls = classes[start:start + 10].repeat_interleave(50)
        grad, = torch.autograd.grad(out.gather(1, cls.view(-1, 1)).sum(), path)
        grad = grad.view(g, 50, *x.shape[1:])
        phi.append((w.view(1, -1, *[1] * (x.dim() - 1)) * grad).sum(1) * xs)
    with torch.no_grad():
        model(torch.cat([x, torch.zeros_like(x)]))
    return torch.cat(phi)


def margin(model, x):
    x = x.clone().requires_grad_(True)
    out = model(x)
    return torch.autograd.grad((out[:, 0] - out[:, 1]).sum(), x)[0]


def median_ms(fn, seconds):
    fn()
    times = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end or len(times) < 3:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times)), float(min(times))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=0.5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() and ".so" in line})
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS: {', '.join(blas) or 'none mapped'}", file=sys.stderr)
    if any(b.endswith("/blas/libblas.so.3") for b in blas):
        print("# warning: PyTorch runs on Debian's reference BLAS (about 1 GFLOP/s); install libopenblas0-pthread for a fair comparison",
              file=sys.stderr)
    rows = []
    for dtype, name in ((torch.float32, "f32"), (torch.float64, "f64")):
        models = {"mlp": mlp().to(dtype).eval(), "cnn": cnn().to(dtype).eval(), "cnn224": cnn224().to(dtype).eval()}
        for batch in (32, 256):
            x = torch.rand(batch, 1, 28, 28, dtype=dtype)
            for m in ("mlp", "cnn"):
                model = models[m]
                with torch.no_grad():
                    classes = model(x).argmax(1)
                    rows.append((f"{m}-forward", batch, name, median_ms(lambda: model(x), args.seconds)))
                rows.append((f"{m}-jacobian", batch, name, median_ms(lambda: jacobian(model, x), args.seconds)))
                rows.append((f"{m}-ig50", batch, name, median_ms(lambda: ig50(model, x, classes), args.seconds)))
        x8 = torch.rand(8, 3, 224, 224, dtype=dtype)
        rows.append(("cnn224-margin", 8, name, median_ms(lambda: margin(models["cnn224"], x8), args.seconds)))
        a = torch.rand(512, 512, dtype=dtype)
        b = torch.rand(512, 512, dtype=dtype)
        for threads in (1, 2):
            torch.set_num_threads(threads)
            rows.append((f"gemm512-{threads}t", 512, name, median_ms(lambda: torch.mm(a, b), args.seconds)))
        torch.set_num_threads(args.threads)
    for work, batch, dtype, (ms, best) in rows:
        print(json.dumps({"work": work, "batch": batch, "dtype": dtype, "ms": ms, "min_ms": best}))


if __name__ == "__main__":
    main()
