package org.lde.engine.fast;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.engine.BackendChecks;
import org.lde.engine.Loss;
import org.lde.engine.LossValue;
import org.lde.engine.OptimizerSpec;
import org.lde.engine.OptimizerState;
import org.lde.engine.ParameterGradients;
import org.lde.engine.Recorded;
import org.lde.engine.Window2d;
import org.lde.model.AvgPool2d;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The fast CPU backend in float32 (float64 in the generated {@code FastBackendF64}); see
 * {@link FastBackend} for what it does and how. Opened through {@link FastBackend#open}.
 *
 * <p>Generated source: {@code FastBackendF64} is written from this file by
 * {@code src/scripts/generate-fast-f64.sh}; edit this file and rerun the script.
 */
final class FastBackendF32 implements Backend {
    /** Default elements of one im2col block (4 MB in float32): blocks of images this small keep GEMM operands in cache. */
    static final int BLOCK = 1 << 20;
    /** Default bound on one gradient array of a reverse pass ({@code N S} rows); above it the samples go in groups. */
    static final long MAX_REVERSE = 1L << 24;

    private final String label;
    private final long maxReverse; // elements of one gradient array of a reverse pass
    private final Network net;
    private final List<Layer> layers;
    private final Window2d[] windows;
    private final int[] inSize;
    private final int[] outSize;
    private final int classes;
    private final Map<String, String> aliases;
    private final FastPool pool;
    private final GemmF32 gemm;
    private final FastLayersF32 ops;
    private final float[][] weight;          // per layer (Dense [out, in], Conv2d [O, C kH kW]), else null
    private final float[][] bias;
    private final GemmF32.Mat[] weightMat;   // the weights again, as GEMM operands (native memory with OpenBLAS)
    private final List<float[]> params = new ArrayList<>(); // trainableParameters() order
    private final Map<Integer, ArrayDeque<float[]>> spare = new HashMap<>(); // activation arrays of closed passes
    private long version;
    private boolean hostStale;
    private boolean closed;

    FastBackendF32(Network network, int threads, boolean nativeBlas) {
        this(network, threads, nativeBlas, BLOCK, MAX_REVERSE);
    }

    /** With explicit block bounds (tests use tiny ones so that every blocked and grouped path runs); results do not depend on them. */
    FastBackendF32(Network network, int threads, boolean nativeBlas, int block, long maxReverse) {
        Objects.requireNonNull(network, "network");
        if (block < 1 || maxReverse < 1) {
            throw new IllegalArgumentException("block and maxReverse must be >= 1, got " + block + ", " + maxReverse);
        }
        this.maxReverse = maxReverse;
        this.net = network.folded().copy();
        this.aliases = BackendChecks.foldedAliases(network);
        this.layers = net.layers();
        int l = layers.size();
        this.windows = BackendChecks.windows(net, "FastBackend");
        this.inSize = new int[l];
        this.outSize = new int[l];
        for (int i = 0; i < l; i++) {
            inSize[i] = net.inputShape(i).sizeInt();
            outSize[i] = net.outputShape(i).sizeInt();
        }
        this.classes = net.outputSize();
        this.pool = new FastPool(threads);
        this.gemm = new GemmF32(nativeBlas, pool);
        this.ops = new FastLayersF32(pool, gemm, block);
        this.weight = new float[l][];
        this.bias = new float[l][];
        this.weightMat = new GemmF32.Mat[l];
        for (int i = 0; i < l; i++) {
            Layer layer = layers.get(i);
            Tensor w = layer instanceof Dense d ? d.weight() : layer instanceof Conv2d c ? c.weight() : null;
            if (w == null) {
                continue;
            }
            Tensor b = layer instanceof Dense d ? d.bias() : ((Conv2d) layer).bias();
            weight[i] = narrow(w.data());
            bias[i] = narrow(b.data());
            weightMat[i] = gemm.mat().ensure(weight[i].length);
            weightMat[i].put(0, weight[i], 0, weight[i].length);
            if (layer.trainable()) {
                params.add(weight[i]);
                params.add(bias[i]);
            }
        }
        this.label = "fast-f32 (" + (nativeBlas ? "OpenBLAS" : "Java GEMM") + ", " + threads + " threads)";
    }

    @Override
    public String name() {
        return label;
    }

    @Override
    public Network network() {
        requireOpen();
        syncHost();
        return net;
    }

    /**
     * Whether this backend computes in float64 (the answer to {@code Backend.float64()} where the
     * interface has it: certifying callers re-check float32 results in float64).
     */
    public boolean float64() {
        return Float.BYTES == 8;
    }

    // ------------------------------------------------------------------------------------------
    // buffers

    private static float[] narrow(double[] d) {
        return FastLayersF32.narrow(d);
    }

    private static double[] widen(float[] f, int n) {
        return FastLayersF32.widen(f, n);
    }

    private float[] scratch(int slot, long n) {
        return ops.scratch(slot, n);
    }

    /** An array of exactly {@code n} elements for a recorded pass: one of a closed pass when there is one. */
    private float[] take(int n) {
        ArrayDeque<float[]> q = spare.get(n);
        float[] a = q == null ? null : q.poll();
        return a != null ? a : new float[n];
    }

    private void giveBack(float[] a) {
        ArrayDeque<float[]> q = spare.computeIfAbsent(a.length, k -> new ArrayDeque<>());
        if (q.size() < 4) {
            q.add(a);
        }
    }

    // ------------------------------------------------------------------------------------------
    // forward

    @Override
    public Tensor forward(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net.inputShape());
        float[] a = scratch(0, (long) n * net.inputSize());
        ops.narrowInto(x.data(), a);
        int slot = 1;
        for (int i = 0; i < layers.size(); i++) {
            float[] out = scratch(slot, (long) n * outSize[i]);
            float[] y = forwardLayer(i, a, n, null, out);
            if (y == out) {
                slot = slot == 1 ? 0 : 1;
            }
            a = y;
        }
        return new Tensor(Shape.of(n, classes), widen(a, n * classes));
    }

    @Override
    public Recorded forwardRecorded(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net.inputShape());
        int l = layers.size();
        float[][] acts = new float[l + 1][];
        int[][] argmax = new int[l][];
        acts[0] = take(n * net.inputSize());
        ops.narrowInto(x.data(), acts[0]);
        for (int i = 0; i < l; i++) {
            if (layers.get(i) instanceof MaxPool2d) {
                argmax[i] = new int[n * outSize[i]];
            }
            float[] out = layers.get(i) instanceof Flatten ? null : take(n * outSize[i]);
            acts[i + 1] = forwardLayer(i, acts[i], n, argmax[i], out);
        }
        return new Pass(n, acts, argmax, version);
    }

    /** Output of layer {@code i} for {@code n} samples into {@code out} (Flatten returns {@code in} itself). */
    private float[] forwardLayer(int i, float[] in, int n, int[] argmax, float[] out) {
        Layer layer = layers.get(i);
        if (layer instanceof Dense d) {
            ops.denseForward(d, weightMat[i], bias[i], in, n, out);
        } else if (layer instanceof Conv2d c) {
            ops.convForward(windows[i], c, weightMat[i], bias[i], in, n, out);
        } else if (layer instanceof ReLU) {
            int size = n * inSize[i];
            int chunk = 1 << 14;
            pool.forEach((size + chunk - 1) / chunk, 4, q -> FastOpsF32.relu(in, out, q * chunk, Math.min(size, (q + 1) * chunk)));
        } else if (layer instanceof MaxPool2d) {
            Window2d g = windows[i];
            int is = inSize[i], os = outSize[i];
            pool.forEach(n, 1, s -> FastOpsF32.maxPoolForward(g, in, s * is, out, s * os, argmax, s * os));
        } else if (layer instanceof AvgPool2d) {
            Window2d g = windows[i];
            int is = inSize[i], os = outSize[i];
            pool.forEach(n, 1, s -> FastOpsF32.avgPoolForward(g, in, s * is, out, s * os));
        } else {
            return in; // Flatten
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // reverse passes

    @Override
    public Tensor reverse(Recorded recorded, Tensor seeds) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        int s = BackendChecks.checkSeeds(seeds, pass.n, classes);
        double[] g = backwardInGroups(pass, seeds.data(), s, 0);
        return new Tensor(net.inputShape().withBatch(s).withBatch(pass.n), g);
    }

    @Override
    public Tensor layerOutput(Recorded recorded, String layer) {
        requireOpen();
        Pass pass = checkPass(recorded, false);
        int i = BackendChecks.layerIndex(net, aliases, layer);
        return new Tensor(net.outputShape(i).withBatch(pass.n), widen(pass.acts[i + 1], pass.n * outSize[i]));
    }

    @Override
    public Tensor layerGradient(Recorded recorded, String layer, Tensor seeds) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        int i = BackendChecks.layerIndex(net, aliases, layer);
        int s = BackendChecks.checkSeeds(seeds, pass.n, classes);
        double[] g = backwardInGroups(pass, seeds.data(), s, i + 1);
        return new Tensor(net.outputShape(i).withBatch(s).withBatch(pass.n), g);
    }

    /**
     * The seed rows {@code [N S, C]} pulled back through layers {@code L-1 .. downTo}: the gradient
     * with respect to the input of layer {@code downTo}, {@code [N S, size]}, widened to float64. One
     * batched pass over all rows unless they would exceed {@code maxReverse} elements in one
     * activation; then the samples go in groups, each one batched pass over all its seeds.
     */
    private double[] backwardInGroups(Pass pass, double[] seeds, int s, int downTo) {
        int widest = classes;
        for (int i = downTo; i < layers.size(); i++) {
            widest = Math.max(widest, Math.max(inSize[i], outSize[i]));
        }
        int group = (int) Math.max(1, Math.min(pass.n, maxReverse / ((long) s * widest)));
        int outRow = downTo == 0 ? net.inputSize() : outSize[downTo - 1];
        double[] out = new double[pass.n * s * outRow];
        for (int start = 0; start < pass.n; start += group) {
            int m = Math.min(group, pass.n - start);
            int rows = m * s;
            float[] dy = scratch(0, (long) rows * classes);
            int base = start * s * classes;
            for (int q = 0; q < rows * classes; q++) {
                dy[q] = (float) seeds[base + q];
            }
            float[] g = backward(pass, start, m, dy, s, downTo);
            int at = start * s * outRow;
            int len = rows * outRow;
            int chunk = 1 << 14;
            pool.forEach((len + chunk - 1) / chunk, 4, c -> {
                for (int q = c * chunk, end = Math.min(len, q + chunk); q < end; q++) {
                    out[at + q] = g[q];
                }
            });
        }
        return out;
    }

    /** Rows {@code dy: [m S, C]} (in scratch slot 0) pulled back to the input of layer {@code downTo}; the result is in a scratch slot. */
    private float[] backward(Pass pass, int first, int m, float[] dy, int s, int downTo) {
        int slot = 1;
        for (int i = layers.size() - 1; i >= downTo; i--) {
            float[] dx = scratch(slot, (long) m * s * inSize[i]);
            float[] r = backwardLayer(i, pass, first, m, dy, s, dx);
            if (r == dx) {
                slot = slot == 1 ? 0 : 1;
            }
            dy = r;
        }
        return dy;
    }

    /**
     * Gradient rows with respect to the input of layer {@code i} (into {@code dx}), from rows {@code dy}
     * with respect to its output; the rows belong to samples {@code first .. first+m-1}, {@code s} rows
     * per sample (row {@code r} uses the masks and arg-maxes of sample {@code first + r / s}).
     */
    private float[] backwardLayer(int i, Pass pass, int first, int m, float[] dy, int s, float[] dx) {
        Layer layer = layers.get(i);
        int rows = m * s;
        int is = inSize[i], os = outSize[i];
        if (layer instanceof Dense d) {
            ops.denseBackward(d, weightMat[i], dy, rows, dx);
        } else if (layer instanceof Conv2d c) {
            ops.convBackwardData(windows[i], c, weightMat[i], dy, rows, dx);
        } else if (layer instanceof ReLU) {
            float[] x = pass.acts[i];
            pool.forEach(rows, 8, r -> FastOpsF32.reluBackward(x, (first + r / s) * is, dy, dx, r * is, is));
        } else if (layer instanceof MaxPool2d) {
            int[] arg = pass.argmax[i];
            pool.forEach(rows, 1, r -> FastOpsF32.maxPoolBackward(os, is, dy, r * os, arg, (first + r / s) * os, dx, r * is));
        } else if (layer instanceof AvgPool2d) {
            Window2d g = windows[i];
            pool.forEach(rows, 1, r -> FastOpsF32.avgPoolBackward(g, dy, r * os, dx, r * is));
        } else {
            return dy; // Flatten
        }
        return dx;
    }

    // ------------------------------------------------------------------------------------------
    // training

    @Override
    public ParameterGradients parameterGradients(Recorded recorded, Tensor outputGrad) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        BackendChecks.checkOutputGrad(outputGrad, pass.n, classes);
        int l = layers.size();
        int lowest = l;
        for (int i = 0; i < l; i++) {
            if (layers.get(i).trainable()) {
                lowest = i;
                break;
            }
        }
        int n = pass.n;
        Tensor[][] perLayer = new Tensor[l][];
        float[] dy = scratch(0, (long) n * classes);
        double[] og = outputGrad.data();
        for (int q = 0; q < n * classes; q++) {
            dy[q] = (float) og[q];
        }
        int slot = 1;
        for (int i = l - 1; i >= lowest; i--) {
            Layer layer = layers.get(i);
            if (layer instanceof Dense d) {
                perLayer[i] = ops.denseParameterGradients(d, pass.acts[i], dy, n);
            } else if (layer instanceof Conv2d c) {
                perLayer[i] = ops.convParameterGradients(windows[i], c, pass.acts[i], dy, n);
            }
            if (i > lowest) {
                float[] dx = scratch(slot, (long) n * inSize[i]);
                float[] r = backwardLayer(i, pass, 0, n, dy, 1, dx);
                if (r == dx) {
                    slot = slot == 1 ? 0 : 1;
                }
                dy = r;
            }
        }
        List<Tensor> out = new ArrayList<>();
        for (Tensor[] ts : perLayer) {
            if (ts != null) {
                out.addAll(List.of(ts));
            }
        }
        return new ParameterGradients(out);
    }

    /**
     * {@inheritDoc}
     *
     * <p>On the host in float64 (the logits are host values): the reference's definitions, see
     * {@link FastBackend#loss}.
     */
    @Override
    public LossValue loss(Tensor logits, Tensor targets, Loss loss) {
        requireOpen();
        return FastBackend.loss(logits, targets, loss, classes);
    }

    @Override
    public OptimizerState optimizer(OptimizerSpec spec) {
        requireOpen();
        return new FastOptimF32(this, Objects.requireNonNull(spec, "spec"), params);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The reference's updates (PyTorch's SGD with momentum and L2 weight decay, Adam), in this
     * backend's precision on its own copy of the parameters.
     */
    @Override
    public void step(OptimizerState state, ParameterGradients gradients) {
        requireOpen();
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(gradients, "gradients");
        FastOptimF32 opt = BackendChecks.ownedOptimizer(state, FastOptimF32.class, o -> o.owner == this, "FastBackend");
        BackendChecks.checkOptimizerOpen(opt.closed);
        List<Tensor> grads = gradients.gradients();
        BackendChecks.checkGradients(net.trainableParameters(), grads);
        opt.update(params, grads);
        for (int i = 0; i < layers.size(); i++) {
            if (weightMat[i] != null && layers.get(i).trainable()) {
                weightMat[i].put(0, weight[i], 0, weight[i].length);
            }
        }
        version++;
        hostStale = true;
    }

    @Override
    public Network snapshot() {
        requireOpen();
        syncHost();
        return net.copy();
    }

    /** Copies the backend's parameters (widened) into the host network after a step changed them. */
    private void syncHost() {
        if (!hostStale) {
            return;
        }
        List<Layer.Parameter> ps = net.trainableParameters();
        for (int q = 0; q < ps.size(); q++) {
            double[] host = ps.get(q).value().data();
            float[] p = params.get(q);
            for (int k = 0; k < host.length; k++) {
                host[k] = p[k];
            }
        }
        hostStale = false;
    }

    /** Stops the worker threads and frees the native buffers; later calls fail. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.close();
        gemm.close();
        ops.close();
        for (GemmF32.Mat w : weightMat) {
            if (w != null) {
                w.close();
            }
        }
        spare.clear();
    }

    // ------------------------------------------------------------------------------------------
    // validation

    private void requireOpen() {
        BackendChecks.requireOpen(closed, "FastBackend");
    }

    private Pass checkPass(Recorded recorded, boolean needCurrentParameters) {
        Pass p = BackendChecks.ownedPass(recorded, Pass.class, q -> q.owner() == this, "FastBackend");
        BackendChecks.checkPassUsable(p.closed, needCurrentParameters && p.version != version);
        return p;
    }

    /** What a recorded pass keeps: every layer's input (and the logits) and the max-pool arg-maxes. */
    private final class Pass implements Recorded {
        final int n;
        final float[][] acts;  // acts[i] = input of layer i, acts[L] = logits (Flatten shares its input's array)
        final int[][] argmax;
        final long version;
        boolean closed;

        Pass(int n, float[][] acts, int[][] argmax, long version) {
            this.n = n;
            this.acts = acts;
            this.argmax = argmax;
            this.version = version;
        }

        FastBackendF32 owner() {
            return FastBackendF32.this;
        }

        @Override
        public int batch() {
            return n;
        }

        @Override
        public Tensor logits() {
            if (closed) {
                throw new IllegalStateException("recorded pass is closed");
            }
            return new Tensor(Shape.of(n, classes), widen(acts[acts.length - 1], n * classes));
        }

        /** Hands the activation arrays back to the backend for the next recorded pass. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (int i = 0; i < acts.length; i++) {
                if (i == 0 || acts[i] != acts[i - 1]) { // a Flatten shares its input's array: hand it back once
                    if (!FastBackendF32.this.closed) {
                        giveBack(acts[i]);
                    }
                }
            }
            Arrays.fill(acts, null);
        }
    }
}
