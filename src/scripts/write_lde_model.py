#!/usr/bin/env python3
"""Write an LDE model file (safetensors with the architecture in __metadata__) using only the
Python standard library (struct, json).

Layout (https://github.com/huggingface/safetensors):
    u64 little-endian N | N bytes of UTF-8 JSON header (space-padded) | raw little-endian tensor bytes
The header maps tensor name -> {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative
to the byte buffer after the header); "__metadata__" maps strings to strings and holds
"lde.format_version": "1" and "lde.architecture": <architecture JSON as a string>.

A PyTorch user does the same with the safetensors package (tensor names are the state-dict keys,
so the module names must be the layer names of the architecture):

    import json
    from safetensors.torch import save_file
    arch = {"input": [1, 28, 28], "task": "classification", "classes": [...], "domain": [0, 1],
            "layers": [{"name": "conv1", "kind": "conv2d", "in_channels": 1, "out_channels": 8,
                        "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1]}, ...]}
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, "model.safetensors",
              metadata={"lde.format_version": "1", "lde.architecture": json.dumps(arch)})

(BatchNorm's `num_batches_tracked` entries in the state dict are accepted and ignored by LDE.)

Usage (a model of your own: weights from a PyTorch state dict or a .npz, the architecture from a
JSON spec; docs/model-format.md describes the spec, README "Bring your own model" shows both routes):

    python3 src/scripts/write_lde_model.py --spec arch.json --weights model.pt --out model.safetensors
    python3 src/scripts/write_lde_model.py --spec arch.json --weights weights.npz --out model.safetensors \
        --rename 0=conv1 --rename 3=fc     # nn.Sequential's "0.weight" becomes "conv1.weight", ...

--weights takes a file written by torch.save(model.state_dict(), path) (or a whole saved module;
needs torch) or numpy.savez(path, **{name: array}) (needs numpy). Every tensor the spec's layers
need must be there under <layer>.<parameter> (after --rename), with nothing left over but
BatchNorm's num_batches_tracked; float32 weights are written as F32, float64 as F64. The Java
reader checks the rest (shapes, finiteness) when the file is opened: run `lde info model.safetensors`.

The committed test fixture:
    python3 src/scripts/write_lde_model.py --fixture src/test/resources/org/lde/model/tiny_cnn_f32.safetensors
    # the same model written by the reference library (needs numpy and safetensors 0.8):
    python3 src/scripts/write_lde_model.py --fixture-with-safetensors \
        src/test/resources/org/lde/model/tiny_cnn_f32_reference.safetensors
"""

import argparse
import json
import math
import struct

_FORMATS = {"F32": ("<f", 4), "F64": ("<d", 8), "I64": ("<q", 8)}


def write_lde_model(path, tensors, architecture, dtype="F32"):
    """Write `tensors` and `architecture` to `path`.

    tensors: dict name -> (shape, flat list of numbers) or (shape, flat list, dtype); written in
             the dict's order, row-major. `dtype` is the default element type ("F32", as PyTorch
             users would write; "F64" and "I64" also work).
    architecture: the LDE architecture dict (stored as a JSON string in __metadata__).
    """
    header = {"__metadata__": {"lde.format_version": "1",
                               "lde.architecture": json.dumps(architecture, separators=(",", ":"))}}
    chunks = []
    offset = 0
    for name, spec in tensors.items():
        if len(spec) == 2:
            shape, values = spec
            dt = dtype
        else:
            shape, values, dt = spec
        if dt not in _FORMATS:
            raise ValueError("tensor %r: dtype %r not supported by this writer (%s)" % (name, dt, sorted(_FORMATS)))
        count = 1
        for d in shape:
            if not isinstance(d, int) or d < 0:
                raise ValueError("tensor %r: bad shape %r" % (name, shape))
            count *= d
        if hasattr(values, "tobytes"):  # a numpy array: packed at once (large models)
            values = values.reshape(-1)
        if len(values) != count:
            raise ValueError("tensor %r: shape %r needs %d values, got %d" % (name, shape, count, len(values)))
        fmt, size = _FORMATS[dt]
        if dt != "I64":
            for i, v in enumerate(values):
                if not math.isfinite(v):
                    raise ValueError("tensor %r: value %r at flat index %d is not finite" % (name, v, i))
        if hasattr(values, "tobytes"):
            data = values.astype(fmt).tobytes()
        else:
            data = b"".join(struct.pack(fmt, v) for v in values)  # F32: round to nearest even, as PyTorch
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


# ---------------------------------------------------------------------------------------------
# The committed test fixture: a tiny CNN with every layer kind, values given explicitly.
# TinyCnnFixtureTest recomputes the same values in Java; change both together.

def conv1_weight(i):
    return ((i * 7) % 19 - 9) / 10.0   # 54 values in [-0.9, 0.9]; most are not float32-exact


def fc_weight(i):
    return ((i * 5) % 13 - 6) / 7.0    # 48 values; sevenths are not float32-exact


def tiny_cnn():
    arch = {
        "input": [2, 6, 6],
        "task": "classification",
        "classes": ["cat", "dog", "owl", "fox"],
        "domain": [-1.0, 1.0],
        "layers": [
            {"name": "conv1", "kind": "conv2d", "in_channels": 2, "out_channels": 3,
             "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1]},
            {"name": "bn1", "kind": "batchnorm2d", "num_features": 3, "eps": 1e-5},
            {"name": "relu1", "kind": "relu"},
            {"name": "pool1", "kind": "maxpool2d", "kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]},
            {"name": "pool2", "kind": "avgpool2d", "kernel": [2, 2], "stride": [1, 1], "padding": [0, 0]},
            {"name": "flat", "kind": "flatten"},
            {"name": "fc", "kind": "dense", "in_features": 12, "out_features": 4},
        ],
    }
    tensors = {
        "conv1.weight": ([3, 2, 3, 3], [conv1_weight(i) for i in range(54)]),
        "conv1.bias": ([3], [0.1, -0.2, 0.3]),
        "bn1.weight": ([3], [1.0, 0.5, 2.0]),
        "bn1.bias": ([3], [0.0, 0.25, -0.125]),
        "bn1.running_mean": ([3], [0.05, -0.1, 0.2]),
        "bn1.running_var": ([3], [1.0, 0.3, 2.5]),
        "bn1.num_batches_tracked": ([], [100], "I64"),   # as PyTorch's state_dict has it
        "fc.weight": ([4, 12], [fc_weight(i) for i in range(48)]),
        "fc.bias": ([4], [0.01, -0.02, 0.03, -0.04]),
    }
    return tensors, arch


def write_with_safetensors_library(path):
    """The same fixture written by the reference implementation (needs numpy and safetensors;
    used once to make tiny_cnn_f32_reference.safetensors, which checks that LDE reads what the
    real library writes: its own tensor order, header layout and padding)."""
    import numpy as np
    from safetensors.numpy import save_file
    tensors, arch = tiny_cnn()
    arrays = {}
    for name, spec in tensors.items():
        dt = np.int64 if len(spec) == 3 and spec[2] == "I64" else np.float32
        arrays[name] = np.array(spec[1], dtype=dt).reshape(spec[0])
    save_file(arrays, path, metadata={"lde.format_version": "1", "lde.architecture": json.dumps(arch)})


# ---------------------------------------------------------------------------------------------
# A model of your own: --spec + --weights

# The tensors each kind owns (docs/model-format.md); kinds not listed own none.
_PARAMS = {"conv2d": ["weight", "bias"], "dense": ["weight", "bias"], "affine": ["weight", "bias"],
           "batchnorm1d": ["weight", "bias", "running_mean", "running_var"],
           "batchnorm2d": ["weight", "bias", "running_mean", "running_var"]}


def load_weights(path):
    """name -> numpy array, from a .npz or a PyTorch file (a state dict or a whole module)."""
    if path.endswith(".npz"):
        import numpy as np
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    import torch
    obj = torch.load(path, map_location="cpu")
    if hasattr(obj, "state_dict"):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise SystemExit("%s: expected a state dict (torch.save(model.state_dict(), path)), got %s"
                         % (path, type(obj).__name__))
    return {k: v.detach().cpu().numpy() for k, v in obj.items()}


def renamed(weights, renames):
    """Applies OLD=NEW prefix renames to the keys: OLD.param becomes NEW.param."""
    out = {}
    for key, value in weights.items():
        prefix, _, param = key.rpartition(".")
        new = renames.get(prefix, prefix) + "." + param if prefix else key
        if new in out:
            raise SystemExit("two tensors would be called %r after --rename" % new)
        out[new] = value
    return out


def from_spec(spec_path, weights_path, out_path, renames):
    with open(spec_path) as f:
        arch = json.load(f)
    weights = renamed(load_weights(weights_path), renames)
    tensors = {}
    missing = []
    for layer in arch.get("layers", []):
        for param in _PARAMS.get(layer.get("kind"), []):
            key = "%s.%s" % (layer.get("name"), param)
            if key not in weights:
                missing.append(key)
                continue
            a = weights.pop(key)
            dt = {"float64": "F64", "float32": "F32"}.get(str(a.dtype))
            if dt is None:
                a = a.astype("float32")
                dt = "F32"
            tensors[key] = (list(a.shape), a, dt)
        if layer.get("kind") == "batchnorm2d":
            nbt = layer.get("name") + ".num_batches_tracked"
            if nbt in weights:
                weights.pop(nbt)  # PyTorch's training counter: LDE ignores it, so it is not written
    extra = sorted(k for k in weights if not k.endswith(".num_batches_tracked"))
    if missing or extra:
        raise SystemExit("%s vs %s: %s%s(the spec's layer names must be the state-dict prefixes; use --rename OLD=NEW)"
                         % (weights_path, spec_path,
                            "missing tensors %s; " % missing if missing else "",
                            "tensors no layer uses %s; " % extra if extra else ""))
    write_lde_model(out_path, tensors, arch)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--spec", metavar="ARCH.json", help="the architecture JSON (docs/model-format.md)")
    group.add_argument("--fixture", metavar="PATH", help="write the tiny CNN test fixture (F32) to PATH")
    group.add_argument("--fixture-with-safetensors", metavar="PATH",
                       help="write the same fixture with numpy + the safetensors package (not stdlib-only)")
    ap.add_argument("--weights", metavar="FILE", help="a PyTorch state dict (.pt/.pth) or a .npz, with --spec")
    ap.add_argument("--out", metavar="PATH", help="the model file to write, with --spec")
    ap.add_argument("--rename", metavar="OLD=NEW", action="append", default=[],
                    help="rename the tensors OLD.* to NEW.* (e.g. nn.Sequential's 0=conv1); repeatable")
    args = ap.parse_args()
    if args.spec:
        if not args.weights or not args.out:
            ap.error("--spec needs --weights and --out")
        renames = {}
        for r in args.rename:
            old, sep, new = r.partition("=")
            if not sep or not old or not new:
                ap.error("--rename takes OLD=NEW, got %r" % r)
            renames[old] = new
        from_spec(args.spec, args.weights, args.out, renames)
    elif args.weights or args.out or args.rename:
        ap.error("--weights, --out and --rename go with --spec")
    elif args.fixture:
        tensors, arch = tiny_cnn()
        write_lde_model(args.fixture, tensors, arch, dtype="F32")
    else:
        write_with_safetensors_library(args.fixture_with_safetensors)


if __name__ == "__main__":
    main()
