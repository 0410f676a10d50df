package org.lde.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lde.model.OnnxImport.Importer;
import org.lde.model.OnnxImport.Val;
import org.lde.model.OnnxTensors.Const;
import org.lde.model.onnx.proto.OnnxProto.AttributeProto;
import org.lde.model.onnx.proto.OnnxProto.NodeProto;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** The ONNX op types with weights or attributes, translated to engine layers for {@link OnnxImport}. */
final class OnnxNodes {
    private OnnxNodes() {
    }

    /** A node's attributes: unknown names are errors, float32 values read as their shortest decimal. */
    static final class Attrs {
        private final Map<String, AttributeProto> map = new LinkedHashMap<>();
        private final String where;

        Attrs(NodeProto n, String where) {
            this.where = where;
            for (AttributeProto a : n.getAttributeList()) {
                if (!a.getRefAttrName().isEmpty()) {
                    throw new IllegalArgumentException(where + ": attribute '" + a.getName()
                            + "' refers to a function attribute, which the importer does not resolve");
                }
                if (map.put(a.getName(), a) != null) {
                    throw new IllegalArgumentException(where + ": attribute '" + a.getName() + "' is given twice");
                }
            }
        }

        /** Fails on any attribute not in {@code names} (a silently ignored attribute would change the network). */
        void allow(String... names) {
            Set<String> ok = Set.of(names);
            for (String k : map.keySet()) {
                if (!ok.contains(k)) {
                    throw new IllegalArgumentException(where + ": attribute '" + k + "' is not supported (the importer "
                            + "reads " + (names.length == 0 ? "no attributes" : Arrays.toString(names)) + " of this op type)");
                }
            }
        }

        boolean has(String name) {
            return map.containsKey(name);
        }

        AttributeProto get(String name) {
            return map.get(name);
        }

        long i(String name, long dflt) {
            AttributeProto a = map.get(name);
            return a == null ? dflt : a.getI();
        }

        /** A float attribute as the double nearest to its shortest decimal (1e-5f reads as 1e-5). */
        double f(String name, double dflt) {
            AttributeProto a = map.get(name);
            if (a == null) {
                return dflt;
            }
            double v = Double.parseDouble(Float.toString(a.getF()));
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(where + ": attribute '" + name + "' is " + v);
            }
            return v;
        }

        String s(String name, String dflt) {
            AttributeProto a = map.get(name);
            return a == null ? dflt : a.getS().toStringUtf8();
        }

        /** An ints attribute, or null when absent; it must have {@code length} entries. */
        long[] ints(String name, int length) {
            AttributeProto a = map.get(name);
            if (a == null) {
                return null;
            }
            long[] v = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            if (v.length != length) {
                throw new IllegalArgumentException(where + ": attribute '" + name + "' = " + Arrays.toString(v) + " has "
                        + v.length + " entries; the engine's 2-D windows need " + length);
            }
            return v;
        }
    }

    private static int toInt(Importer im, NodeProto n, String what, long v, long min) {
        if (v < min || v > Integer.MAX_VALUE) {
            throw im.error(n, what + " = " + v + " is out of range");
        }
        return (int) v;
    }

    /** {@code Y = alpha A B' + beta C} with A the computed input, B and C constants: a dense layer. */
    static void gemm(Importer im, NodeProto n, Attrs a) {
        a.allow("alpha", "beta", "transA", "transB");
        im.requireInputs(n, 2, 3);
        if (a.i("transA", 0) != 0) {
            throw im.error(n, "transA = " + a.i("transA", 0) + " would transpose the batch with the features; the "
                    + "importer takes transA = 0");
        }
        Val x = im.act(n, 0, 1, "a batch of vectors [batch, K] (add a Flatten before it)");
        Const b = im.constIn(n, 1, "B, the weight");
        if (b.rank() != 2) {
            throw im.error(n, "weight B '" + n.getInput(1) + "' has dims " + b.dimsText() + ", expected 2 dims");
        }
        boolean transB = a.i("transB", 0) != 0;
        int out = (int) (transB ? b.dims()[0] : b.dims()[1]);
        int in = (int) (transB ? b.dims()[1] : b.dims()[0]);
        double alpha = a.f("alpha", 1.0);
        double beta = a.f("beta", 1.0);
        double[] w = weight(b, transB, alpha);
        double[] bias = new double[out];
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            Const c = im.constIn(n, 2, "C, the bias");
            bias = bias(im, n, c, out, beta);
        }
        String name = im.layerName(n, n.getInput(1));
        im.addLayer(n, new Dense(name, in, out, new Tensor(Shape.of(out, in), w), new Tensor(Shape.of(out), bias)), x);
        if (alpha != 1.0 || beta != 1.0) {
            im.note("node '" + n.getName() + "' (Gemm): alpha " + alpha + " and beta " + beta + " multiplied into layer '"
                    + name + "''s weight and bias");
        }
    }

    /** W[o, k] = alpha B[k, o] (or alpha B[o, k] when B is already [out, in]). */
    private static double[] weight(Const b, boolean outIn, double alpha) {
        int r = (int) b.dims()[0];
        int c = (int) b.dims()[1];
        double[] w = new double[r * c];
        double[] v = b.values();
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                double x = alpha == 1.0 ? v[i * c + j] : alpha * v[i * c + j];
                if (outIn) {
                    w[i * c + j] = x;
                } else {
                    w[j * r + i] = x;
                }
            }
        }
        return w;
    }

    /** A bias of {@code out} values from C of dims [], [1], [out] or [1, out], times beta. */
    private static double[] bias(Importer im, NodeProto n, Const c, int out, double beta) {
        long[] d = c.dims();
        long size = c.values().length;
        boolean ok = size == 1 && d.length <= 2 || size == out && (d.length == 1 || d.length == 2 && d[0] == 1);
        if (!ok) {
            throw im.error(n, "bias '" + c.name() + "' has dims " + c.dimsText() + "; expected [" + out + "], [1, " + out
                    + "] or a scalar (a bias per output)");
        }
        double[] r = new double[out];
        for (int i = 0; i < out; i++) {
            double v = c.values()[size == 1 ? 0 : i];
            r[i] = beta == 1.0 ? v : beta * v;
        }
        return r;
    }

    /** {@code MatMul(A, B)} with B a constant [K, N], and its bias {@code Add} when only that Add reads it: a dense layer. */
    static void matMul(Importer im, NodeProto n, Attrs a) {
        a.allow();
        im.requireInputs(n, 2, 2);
        Val x = im.act(n, 0, 1, "a batch of vectors [batch, K] (add a Flatten before it)");
        Const b = im.constIn(n, 1, "B, the weight");
        if (b.rank() != 2) {
            throw im.error(n, "weight B '" + n.getInput(1) + "' has dims " + b.dimsText() + ", expected [K, N]");
        }
        int in = (int) b.dims()[0];
        int out = (int) b.dims()[1];
        double[] w = weight(b, false, 1.0);
        double[] bias = new double[out];
        String output = n.getOutput(0);
        List<NodeProto> rs = im.readersOf(output);
        String name = im.layerName(n, n.getInput(1));
        if (im.readCount(output) == 1 && rs.size() == 1 && rs.get(0).getOpType().equals("Add")
                && rs.get(0).getDomain().isEmpty() && rs.get(0).getInputCount() == 2
                && rs.get(0).getAttributeCount() == 0) {
            NodeProto add = rs.get(0);
            int other = add.getInput(0).equals(output) ? 1 : 0;
            if (im.isConstant(add.getInput(other))) {
                bias = bias(im, add, im.val(add, other).constant(), out, 1.0);
                im.fuse(add);
                output = add.getOutput(0);
                im.note("node '" + n.getName() + "' (MatMul) and its bias node '" + add.getName() + "' (Add) -> dense layer '"
                        + name + "'");
            }
        }
        im.addLayer(n, new Dense(name, in, out, new Tensor(Shape.of(out, in), w), new Tensor(Shape.of(out), bias)),
                List.of(x), output);
    }

    /** Symmetric 2-D pads from ONNX's [top, left, bottom, right], or an error naming the node. */
    private static int[] pads(Importer im, NodeProto n, Attrs a) {
        String autoPad = a.s("auto_pad", "NOTSET");
        long[] p = a.ints("pads", 4);
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
            throw im.error(n, "auto_pad = " + autoPad + " is not supported (its padding depends on the input size and "
                    + "may be asymmetric); export with explicit pads");
        }
        if (p == null) {
            return new int[] {0, 0};
        }
        if (autoPad.equals("VALID") && Arrays.stream(p).anyMatch(v -> v != 0)) {
            throw im.error(n, "auto_pad = VALID with pads " + Arrays.toString(p));
        }
        if (p[0] != p[2] || p[1] != p[3]) {
            throw im.error(n, "pads " + Arrays.toString(p) + " (top, left, bottom, right) are asymmetric; the engine pads "
                    + "top = bottom and left = right only");
        }
        return new int[] {toInt(im, n, "pad", p[0], 0), toInt(im, n, "pad", p[1], 0)};
    }

    private static int[] pair(Importer im, NodeProto n, Attrs a, String name, int dflt) {
        long[] v = a.ints(name, 2);
        if (v == null) {
            return new int[] {dflt, dflt};
        }
        return new int[] {toInt(im, n, name, v[0], 1), toInt(im, n, name, v[1], 1)};
    }

    static void conv(Importer im, NodeProto n, Attrs a) {
        a.allow("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        im.requireInputs(n, 2, 3);
        Val x = im.act(n, 0, 3, "an image batch [batch, C, H, W] (the importer takes 2-D convolutions)");
        Const w = im.constIn(n, 1, "W, the weight");
        if (w.rank() != 4) {
            throw im.error(n, "weight '" + n.getInput(1) + "' has dims " + w.dimsText() + "; a 2-D convolution has [O, C/group, kH, kW]");
        }
        int groups = toInt(im, n, "group", a.i("group", 1), 1);
        int out = (int) w.dims()[0];
        int kh = (int) w.dims()[2];
        int kw = (int) w.dims()[3];
        long[] ks = a.ints("kernel_shape", 2);
        if (ks != null && (ks[0] != kh || ks[1] != kw)) {
            throw im.error(n, "kernel_shape " + Arrays.toString(ks) + " differs from the weight's " + w.dimsText());
        }
        int cin = x.shape().dim(0);
        if ((long) groups * w.dims()[1] != cin) {
            throw im.error(n, "shape mismatch: it reads '" + x.node() + "' with " + cin + " channels " + x.shape()
                    + ", but weight '" + n.getInput(1) + "' " + w.dimsText() + " with group " + groups + " takes "
                    + groups * w.dims()[1]);
        }
        int[] p = pads(im, n, a);
        int[] s = pair(im, n, a, "strides", 1);
        int[] d = pair(im, n, a, "dilations", 1);
        double[] bias = new double[out];
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            Const b = im.constIn(n, 2, "B, the bias");
            if (b.rank() != 1 || b.dims()[0] != out) {
                throw im.error(n, "bias '" + n.getInput(2) + "' has dims " + b.dimsText() + ", expected [" + out + "]");
            }
            bias = b.values();
        }
        String name = im.layerName(n, n.getInput(1));
        im.addLayer(n, new Conv2d(name, cin, out, kh, kw, s[0], s[1], p[0], p[1], groups, d[0], d[1],
                new Tensor(w.shape(), w.values()), new Tensor(Shape.of(out), bias)), x);
    }

    static void pool(Importer im, NodeProto n, Attrs a) {
        boolean max = n.getOpType().equals("MaxPool");
        if (max) {
            a.allow("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides");
        } else {
            a.allow("auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides");
        }
        im.requireInputs(n, 1, 1);
        Val x = im.act(n, 0, 3, "an image batch [batch, C, H, W] (the importer takes 2-D pooling)");
        if (a.i("ceil_mode", 0) != 0) {
            throw im.error(n, "ceil_mode = " + a.i("ceil_mode", 0) + " is not supported; the engine's pooling rounds the "
                    + "output size down (ceil_mode = 0)");
        }
        long[] k = a.ints("kernel_shape", 2);
        if (k == null) {
            throw im.error(n, "attribute 'kernel_shape' is missing");
        }
        int[] dil = pair(im, n, a, "dilations", 1);
        if (dil[0] != 1 || dil[1] != 1) {
            throw im.error(n, "dilations " + Arrays.toString(dil) + " are not supported for pooling (the engine's pooling "
                    + "windows are dense)");
        }
        int[] p = pads(im, n, a);
        int[] s = pair(im, n, a, "strides", 1);
        int kh = toInt(im, n, "kernel", k[0], 1);
        int kw = toInt(im, n, "kernel", k[1], 1);
        if (!max && a.i("count_include_pad", 0) == 0 && (p[0] > 0 || p[1] > 0)) {
            throw im.error(n, "count_include_pad = 0 with pads " + p[0] + "x" + p[1] + " is not supported: the engine's "
                    + "average pool divides by the whole window kH kW (count_include_pad = 1, PyTorch's default)");
        }
        String name = im.layerName(n, null);
        im.addLayer(n, max ? new MaxPool2d(name, kh, kw, s[0], s[1], p[0], p[1])
                : new AvgPool2d(name, kh, kw, s[0], s[1], p[0], p[1]), x);
    }

    static void batchNorm(Importer im, NodeProto n, Attrs a) {
        a.allow("epsilon", "momentum", "training_mode");
        im.requireInputs(n, 5, 5);
        if (a.i("training_mode", 0) != 0) {
            throw im.error(n, "training_mode = 1: the engine runs BatchNormalization at inference (running statistics)");
        }
        Val x = im.act(n, 0, -1, null);
        int r = x.shape().rank();
        if (r != 1 && r != 3) {
            throw im.error(n, "reads per-sample shape " + x.shape() + "; the engine normalizes [C] (batchnorm1d) or "
                    + "[C, H, W] (batchnorm2d)");
        }
        int c = x.shape().dim(0);
        String[] what = {"scale", "B", "input_mean", "input_var"};
        Tensor[] t = new Tensor[4];
        for (int k = 0; k < 4; k++) {
            Const v = im.constIn(n, k + 1, what[k]);
            if (v.rank() != 1 || v.dims()[0] != c) {
                throw im.error(n, "shape mismatch: " + what[k] + " '" + n.getInput(k + 1) + "' has dims " + v.dimsText()
                        + ", but '" + x.node() + "' " + x.shape() + " has " + c + " channels");
            }
            t[k] = new Tensor(Shape.of(c), v.values());
        }
        double eps = a.f("epsilon", 1e-5);
        String name = im.layerName(n, n.getInput(1));
        im.addLayer(n, r == 1 ? new BatchNorm1d(name, c, t[0], t[1], t[2], t[3], eps)
                : new BatchNorm2d(name, c, t[0], t[1], t[2], t[3], eps), x);
    }

    /** Reshape to a static shape: the first entry keeps the batch (-1, 0 or the input's fixed batch size). */
    static void reshape(Importer im, NodeProto n, Attrs a) {
        a.allow("allowzero");
        im.requireInputs(n, 2, 2);
        Val x = im.act(n, 0, -1, null);
        Const sh = im.constIn(n, 1, "shape");
        double[] v = sh.values();
        if (sh.rank() != 1 || v.length < 2) {
            throw im.error(n, "shape '" + n.getInput(1) + "' = " + Arrays.toString(v) + " must be a list [batch, d1, ...]");
        }
        boolean allowZero = a.i("allowzero", 0) != 0;
        long first = (long) v[0];
        if (!(first == -1 || first == 0 && !allowZero || im.batch() > 0 && first == im.batch())) {
            throw im.error(n, "shape " + Arrays.toString(v) + " sets the batch dimension to " + first + "; the engine "
                    + "reshapes each sample (the first entry must be -1, 0 or the fixed batch size " + im.batchText() + ")");
        }
        int[] d = new int[v.length - 1];
        int infer = -1;
        long known = 1;
        for (int i = 1; i < v.length; i++) {
            long e = (long) v[i];
            if (e == 0 && !allowZero) {
                if (i - 1 >= x.shape().rank()) {
                    throw im.error(n, "shape entry " + i + " is 0 (copy the input's dimension) but the input "
                            + x.shape() + " has no such dimension");
                }
                e = x.shape().dim(i - 1);
            }
            if (e == -1) {
                if (infer >= 0 || first == -1) {
                    throw im.error(n, "shape " + Arrays.toString(v) + " has more than one -1 (a dynamic shape)");
                }
                infer = i - 1;
                continue;
            }
            if (e < 1 || e > Integer.MAX_VALUE) {
                throw im.error(n, "shape " + Arrays.toString(v) + " has entry " + e + "; only static positive sizes are "
                        + "supported");
            }
            d[i - 1] = (int) e;
            known *= e;
        }
        if (infer >= 0) {
            long size = x.shape().size();
            if (size % known != 0) {
                throw im.error(n, "shape mismatch: cannot reshape '" + x.node() + "' " + x.shape() + " to "
                        + Arrays.toString(v));
            }
            d[infer] = (int) (size / known);
        }
        im.addLayer(n, new Reshape(im.layerName(n, null), Shape.of(d)), x);
    }

    static void dropout(Importer im, NodeProto n, Attrs a) {
        a.allow("ratio", "seed", "is_test");
        im.requireInputs(n, 1, 3);
        Val x = im.act(n, 0, -1, null);
        double p = a.f("ratio", 0.5);
        if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
            Const r = im.constIn(n, 1, "ratio");
            if (r.values().length != 1) {
                throw im.error(n, "ratio '" + n.getInput(1) + "' has dims " + r.dimsText() + ", expected a scalar");
            }
            p = Double.parseDouble(Float.toString((float) r.values()[0]));
        }
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            Const t = im.constIn(n, 2, "training_mode");
            if (t.values().length != 1 || t.values()[0] != 0) {
                throw im.error(n, "training_mode is true; the engine runs Dropout at inference (the identity)");
            }
        }
        im.addLayer(n, new Dropout(im.layerName(n, null), p), x);
    }
}
