#!/usr/bin/env python3
"""Writes the ONNX import fixtures under src/test/resources/org/lde/model/onnx/.

For each of four small PyTorch networks (seeded, random float32 weights, BatchNorm statistics set to
non-trivial values) it exports NAME.onnx with torch.onnx.export (batch as a dynamic axis) and writes
NAME.json with fixed inputs, PyTorch's float64 logits and the input Jacobians d logits / d x, computed
in float64 from the same float32 weights (model.double(): float32 -> float64 is exact).

    mlp       Gemm, Relu, LeakyRelu, Flatten (opset 11)
    cnn       Conv + BatchNormalization (2d and 1d), MaxPool, AveragePool, Flatten, Gemm, Dropout,
              Softmax at the output (removed on import: the reference logits are before it) (opset 13)
    residual  Conv, grouped (depthwise) and dilated Conv, Add (residual), Concat, LeakyRelu, BatchNorm
              after a fork (an affine node), GlobalAveragePool, Reshape, Identity, Gemm (opset 14)
    sigtanh   MatMul + Add, Sigmoid, Tanh, Gemm, LogSoftmax at the output (opset 17)

The export uses training=TrainingMode.PRESERVE on the eval-mode model: with the default (EVAL)
torch 1.13 folds each BatchNormalization into the Conv before it in float32, and the file then no
longer holds the weights the float64 reference is computed from. torch.onnx.export in eval mode
drops Dropout and Identity nodes; so that the importer meets those node types as a PyTorch-made
file has them, the script re-inserts an explicit Dropout (cnn) and Identity (residual) node after export with
the onnx package (they are the identity at inference, so the reference numbers do not change).
The cnn's average pool has count_include_pad=False (torch 1.13 exports the default True as Pad +
AveragePool, and Pad is no node the importer takes); with no padding the two are the same.

Run from the repository root:  python3 src/scripts/make-onnx-fixtures.py
Needs Debian's python3-torch (1.13) and python3-onnx (1.12). The output is deterministic for a given
torch build (seeded weights and inputs; the JSON holds Python's shortest round-trip float text).
"""
import json
import os
import sys

import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join("src", "test", "resources", "org", "lde", "model", "onnx")


class Mlp(nn.Module):
    input_shape = (12,)
    opset = 11

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 16)
        self.fc2 = nn.Linear(16, 10)
        self.fc3 = nn.Linear(10, 4)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.leaky_relu(self.fc2(x), 0.1)
        return self.fc3(x)

    def logits(self, x):
        return self.forward(x)


class Cnn(nn.Module):
    input_shape = (1, 12, 12)
    opset = 13

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=1, padding=0)
        self.bn2 = nn.BatchNorm2d(6)
        self.fc1 = nn.Linear(6 * 2 * 2, 16)
        self.bn3 = nn.BatchNorm1d(16)
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        return F.softmax(self.logits(x), dim=1)

    def logits(self, x):  # what the engine computes: the output before the softmax
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)        # 4x6x6
        x = F.avg_pool2d(self.bn2(F.relu(self.conv2(x))), 2, count_include_pad=False)  # bn after relu: an affine node
        x = torch.flatten(x, 1)
        x = self.drop(F.relu(self.bn3(self.fc1(x))))
        return self.fc2(x)


class Residual(nn.Module):
    input_shape = (3, 8, 8)
    opset = 14

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 6, 3, padding=1)
        self.a1 = nn.Conv2d(6, 6, 3, padding=1)
        self.a2 = nn.Conv2d(6, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.dw = nn.Conv2d(6, 6, 3, padding=2, dilation=2, groups=6)  # depthwise, dilated
        self.pw = nn.Conv2d(6, 4, 1)
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        s = F.relu(self.stem(x))
        r = self.a2(F.relu(self.a1(s)))
        y = F.relu(s + r)                       # residual Add
        b = self.bn(y)                          # y has two readers: not foldable, an affine node
        d = F.leaky_relu(self.dw(y), 0.2)
        c = torch.cat([b, self.pw(d)], dim=1)   # 6 + 4 channels
        g = F.adaptive_avg_pool2d(c, 1)         # GlobalAveragePool
        g = g.reshape(-1, 10)                   # Reshape with a static shape
        return self.fc(g)

    def logits(self, x):
        return self.forward(x)


class SigTanh(nn.Module):
    input_shape = (6,)
    opset = 17

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.w = nn.Parameter(torch.randn(8, 7) * 0.5)   # x @ w + b: MatMul + Add
        self.b = nn.Parameter(torch.randn(7) * 0.1)
        self.fc3 = nn.Linear(7, 3)

    def forward(self, x):
        return F.log_softmax(self.logits(x), dim=1)

    def logits(self, x):
        h = torch.sigmoid(self.fc1(x))
        h = torch.tanh(h @ self.w + self.b)
        return self.fc3(h)


def randomize_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.weight.data = 0.5 + torch.rand(n, generator=gen)
            m.bias.data = torch.randn(n, generator=gen) * 0.2
            m.running_mean.data = torch.randn(n, generator=gen) * 0.3
            m.running_var.data = 0.5 + torch.rand(n, generator=gen)


def insert_after(model_proto, op_type, anchor_op, name, attrs=None):
    """Inserts NAME (op_type, one input and one output) after the first node of anchor_op."""
    g = model_proto.graph
    for i, n in enumerate(g.node):
        if n.op_type == anchor_op:
            old = n.output[0]
            new = old + "_pre_" + name
            n.output[0] = new
            node = onnx.helper.make_node(op_type, [new], [old], name=name, **(attrs or {}))
            g.node.insert(i + 1, node)
            return
    raise RuntimeError("no " + anchor_op + " node to insert " + op_type + " after")


def export(name, cls, seed):
    torch.manual_seed(seed)
    model = cls()
    gen = torch.Generator().manual_seed(seed + 1)
    randomize_batchnorm(model, gen)
    model.eval()
    x32 = torch.rand((1,) + model.input_shape, generator=gen)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, x32, path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=model.opset,
                      do_constant_folding=True, training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    if name == "cnn":
        # the Dropout after the last ReLU (ratio as an input from opset 12 on)
        g = m.graph
        relus = [i for i, n in enumerate(g.node) if n.op_type == "Relu"]
        i = relus[-1]
        old = g.node[i].output[0]
        g.node[i].output[0] = old + "_pre_drop"
        ratio = onnx.helper.make_tensor("drop.ratio", onnx.TensorProto.FLOAT, [], [0.25])
        g.initializer.append(ratio)
        g.node.insert(i + 1, onnx.helper.make_node("Dropout", [old + "_pre_drop", "drop.ratio"], [old], name="drop"))
    if name == "residual":
        insert_after(m, "Identity", "GlobalAveragePool", "pooled")
    if name == "sigtanh":
        # one weight in the typed field float_data instead of raw_data (the importer reads both)
        g = m.graph
        for k, t in enumerate(g.initializer):
            if t.name == "w":
                a = onnx.numpy_helper.to_array(t)
                g.initializer[k].CopyFrom(onnx.helper.make_tensor("w", onnx.TensorProto.FLOAT, list(a.shape),
                                                                  a.reshape(-1).tolist(), raw=False))
    onnx.checker.check_model(m)
    onnx.save(m, path)

    # fixed inputs: a few deterministic points in [0, 1]
    gen2 = torch.Generator().manual_seed(seed + 2)
    xs = torch.rand((3,) + model.input_shape, generator=gen2)
    m64 = model.double()
    logits = m64.logits(xs.double()).detach()
    jac = []
    for k in range(xs.shape[0]):
        xk = xs[k:k + 1].double()
        j = torch.autograd.functional.jacobian(lambda t: m64.logits(t)[0], xk)  # [C, 1, *input]
        jac.append(j.reshape(j.shape[0], -1).tolist())
    ops = sorted({n.op_type for n in m.graph.node})
    doc = {
        "model": name + ".onnx",
        "opset": model.opset,
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "op_types": ops,
        "input_shape": list(model.input_shape),
        "inputs": [xs[k].double().reshape(-1).tolist() for k in range(xs.shape[0])],
        "logits": logits.tolist(),
        "jacobians": jac,
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(name, "opset", model.opset, "ops", ops)


def main():
    os.makedirs(OUT, exist_ok=True)
    export("mlp", Mlp, 11)
    export("cnn", Cnn, 12)
    export("residual", Residual, 13)
    export("sigtanh", SigTanh, 14)
    return 0


if __name__ == "__main__":
    sys.exit(main())
