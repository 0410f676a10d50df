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
    private final int block;       // elements of one im2col block
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
    private final float[][] weight;          // per layer (Dense [out, in], Conv2d [O, C kH kW]), else null
    private final float[][] bias;
    private final GemmF32.Mat[] weightMat;   // the weights again, as GEMM operands (native memory with OpenBLAS)
    private final List<float[]> params = new ArrayList<>(); // trainableParameters() order
    private final GemmF32.Mat ma;
    private final GemmF32.Mat mb;
    private final GemmF32.Mat mc;
    private final float[][] scratch = new float[6][];
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
        this.block = block;
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
        this.ma = gemm.mat();
        this.mb = gemm.mat();
        this.mc = gemm.mat();
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
        float[] f = new float[d.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    private static double[] widen(float[] f, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Scratch array {@code slot} with room for {@code n} elements (reused across calls; contents undefined). */
    private float[] scratch(int slot, long n) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an activation of " + n + " elements exceeds the 2^31 limit of one array");
        }
        float[] s = scratch[slot];
        if (s == null || s.length < n) {
            s = new float[(int) Math.max(n, s == null ? 0 : Math.min(Integer.MAX_VALUE - 8, s.length + s.length / 2))];
            scratch[slot] = s;
        }
        return s;
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
        narrowInto(x.data(), a);
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

    private void narrowInto(double[] src, float[] dst) {
        int chunk = 1 << 14;
        pool.forEach((src.length + chunk - 1) / chunk, 4, c -> {
            for (int i = c * chunk, end = Math.min(src.length, i + chunk); i < end; i++) {
                dst[i] = (float) src[i];
            }
        });
    }

    @Override
    public Recorded forwardRecorded(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net.inputShape());
        int l = layers.size();
        float[][] acts = new float[l + 1][];
        int[][] argmax = new int[l][];
        acts[0] = take(n * net.inputSize());
        narrowInto(x.data(), acts[0]);
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
            denseForward(i, d, in, n, out);
        } else if (layer instanceof Conv2d c) {
            convForward(i, c, in, n, out);
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

    /** {@code Y = X W^T + b}: one GEMM for the batch. */
    private void denseForward(int i, Dense d, float[] x, int n, float[] y) {
        int in = d.in(), o = d.out();
        ma.ensure((long) n * in).put(0, x, 0, n * in);
        gemm.mult(false, true, n, o, in, ma, weightMat[i], 0, mc.ensure((long) n * o));
        mc.get(0, y, 0, n * o);
        float[] b = bias[i];
        pool.forEach(n, 64, r -> {
            for (int q = 0; q < o; q++) {
                y[r * o + q] += b[q];
            }
        });
    }

    /** Images per im2col block of a convolution. */
    private int blockImages(Window2d g) {
        return Math.max(1, block / Math.max(1, g.patchSize() * g.outPlane()));
    }

    /** Per block of images: {@code cols = im2col(x)} (in parallel over images and channels), {@code Y = W cols}, then bias. */
    private void convForward(int i, Conv2d c, float[] x, int n, float[] y) {
        Window2d g = windows[i];
        int k = g.patchSize(), p = g.outPlane(), o = c.outChannels(), in = g.inSize(), ch = g.channels();
        int images = blockImages(g);
        float[] b = bias[i];
        for (int start = 0; start < n; start += images) {
            int m = Math.min(images, n - start);
            int ld = m * p;
            int first = start;
            float[] cols = scratch(2, (long) k * ld);
            pool.forEach(m * ch, 1, t -> {
                int s = t / ch, cc = t % ch;
                FastOpsF32.im2col(g, x, (first + s) * in, s * p, ld, cols, cc);
            });
            copyIn(mb.ensure((long) k * ld), cols, k * ld);
            gemm.mult(false, false, o, ld, k, weightMat[i], mb, 0, mc.ensure((long) o * ld));
            pool.forEach(m * o, 1, t -> {
                int s = t / o, oc = t % o;
                int dst = ((first + s) * o + oc) * p;
                mc.get(oc * ld + s * p, y, dst, p);
                float bb = b[oc];
                for (int q = dst; q < dst + p; q++) {
                    y[q] += bb;
                }
            });
        }
    }

    /** Copies {@code src[0 .. len)} to {@code dst} in a few parallel chunks. */
    private void copyIn(GemmF32.Mat dst, float[] src, int len) {
        int chunk = 1 << 16;
        pool.forEach((len + chunk - 1) / chunk, 2, q -> {
            int from = q * chunk;
            dst.put(from, src, from, Math.min(chunk, len - from));
        });
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
            ma.ensure((long) rows * d.out()).put(0, dy, 0, rows * d.out());
            gemm.mult(false, false, rows, d.in(), d.out(), ma, weightMat[i], 0, mc.ensure((long) rows * d.in()));
            mc.get(0, dx, 0, rows * d.in());
        } else if (layer instanceof Conv2d c) {
            convBackwardData(i, c, dy, rows, dx);
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

    /** Per block of rows: gather {@code dY} to {@code [O, m P]}, {@code dCols = W^T dY}, then col2im (in parallel over rows and channels). */
    private void convBackwardData(int i, Conv2d c, float[] dy, int rows, float[] dx) {
        Window2d g = windows[i];
        int k = g.patchSize(), p = g.outPlane(), o = c.outChannels(), in = g.inSize(), ch = g.channels();
        int plane = g.inH() * g.inW();
        int images = blockImages(g);
        for (int start = 0; start < rows; start += images) {
            int m = Math.min(images, rows - start);
            int ld = m * p;
            int first = start;
            gatherChannelMajor(dy, first, m, o, p, ma.ensure((long) o * ld));
            gemm.mult(true, false, k, ld, o, weightMat[i], ma, 0, mc.ensure((long) k * ld));
            float[] cols = scratch(2, (long) k * ld);
            copyOut(mc, cols, k * ld);
            pool.forEach(m * ch, 1, t -> {
                int s = t / ch, cc = t % ch;
                int at = (first + s) * in + cc * plane;
                Arrays.fill(dx, at, at + plane, 0);
                FastOpsF32.col2imAdd(g, cols, s * p, ld, dx, (first + s) * in, cc);
            });
        }
    }

    /** Rows {@code [start, start+m)} of {@code a: [rows, o, p]} copied to {@code out} as {@code [o, m p]}. */
    private void gatherChannelMajor(float[] a, int start, int m, int o, int p, GemmF32.Mat out) {
        int ld = m * p;
        pool.forEach(m, 1, s -> {
            for (int oc = 0; oc < o; oc++) {
                out.put(oc * ld + s * p, a, ((start + s) * o + oc) * p, p);
            }
        });
    }

    private void copyOut(GemmF32.Mat src, float[] dst, int len) {
        int chunk = 1 << 16;
        pool.forEach((len + chunk - 1) / chunk, 2, q -> {
            int from = q * chunk;
            src.get(from, dst, from, Math.min(chunk, len - from));
        });
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
                perLayer[i] = denseParameterGradients(d, pass.acts[i], dy, n);
            } else if (layer instanceof Conv2d c) {
                perLayer[i] = convParameterGradients(i, c, pass.acts[i], dy, n);
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

    /** {@code dW = dY^T X}, {@code db = sum_rows dY}. */
    private Tensor[] denseParameterGradients(Dense d, float[] x, float[] dy, int n) {
        int in = d.in(), o = d.out();
        ma.ensure((long) n * o).put(0, dy, 0, n * o);
        mb.ensure((long) n * in).put(0, x, 0, n * in);
        gemm.mult(true, false, o, in, n, ma, mb, 0, mc.ensure((long) o * in));
        float[] dw = scratch(3, (long) o * in);
        mc.get(0, dw, 0, o * in);
        double[] db = new double[o];
        for (int r = 0; r < n; r++) {
            for (int q = 0; q < o; q++) {
                db[q] += dy[r * o + q];
            }
        }
        return new Tensor[] {new Tensor(d.weight().shape(), widen(dw, o * in)), new Tensor(d.bias().shape(), db)};
    }

    /** Per block of images: {@code dW += dY cols^T} (accumulated in the GEMM), {@code db += sum dY}. */
    private Tensor[] convParameterGradients(int i, Conv2d c, float[] x, float[] dy, int n) {
        Window2d g = windows[i];
        int k = g.patchSize(), p = g.outPlane(), o = c.outChannels(), in = g.inSize(), ch = g.channels();
        int images = blockImages(g);
        GemmF32.Mat dw = gemm.mat().ensure((long) o * k);
        double[] db = new double[o];
        try {
            for (int start = 0; start < n; start += images) {
                int m = Math.min(images, n - start);
                int ld = m * p;
                int first = start;
                float[] cols = scratch(2, (long) k * ld);
                pool.forEach(m * ch, 1, t -> {
                    int s = t / ch, cc = t % ch;
                    FastOpsF32.im2col(g, x, (first + s) * in, s * p, ld, cols, cc);
                });
                copyIn(mb.ensure((long) k * ld), cols, k * ld);
                gatherChannelMajor(dy, first, m, o, p, ma.ensure((long) o * ld));
                gemm.mult(false, true, o, k, ld, ma, mb, start == 0 ? 0 : 1, dw);
                for (int s = 0; s < m; s++) {
                    for (int oc = 0; oc < o; oc++) {
                        int at = ((first + s) * o + oc) * p;
                        double sum = 0;
                        for (int q = at; q < at + p; q++) {
                            sum += dy[q];
                        }
                        db[oc] += sum;
                    }
                }
            }
            float[] w = scratch(3, (long) o * k);
            dw.get(0, w, 0, o * k);
            return new Tensor[] {new Tensor(c.weight().shape(), widen(w, o * k)), new Tensor(c.bias().shape(), db)};
        } finally {
            dw.close();
        }
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
        return new Optim(Objects.requireNonNull(spec, "spec"));
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
        Optim opt = BackendChecks.ownedOptimizer(state, Optim.class, o -> o.owner() == this, "FastBackend");
        BackendChecks.checkOptimizerOpen(opt.closed);
        List<Tensor> grads = gradients.gradients();
        BackendChecks.checkGradients(net.trainableParameters(), grads);
        OptimizerSpec spec = opt.spec;
        long t = opt.steps + 1;
        float lr = (float) spec.learningRate();
        float wd = (float) spec.weightDecay();
        for (int q = 0; q < params.size(); q++) {
            float[] p = params.get(q);
            double[] g = grads.get(q).data();
            if (spec.kind() == OptimizerSpec.Kind.SGD) {
                float mu = (float) spec.momentum();
                float[] buf = opt.first[q];
                for (int k = 0; k < p.length; k++) {
                    float gk = (float) g[k] + wd * p[k];
                    if (mu != 0) {
                        buf[k] = t == 1 ? gk : mu * buf[k] + gk;
                        gk = buf[k];
                    }
                    p[k] -= lr * gk;
                }
            } else {
                float b1 = (float) spec.beta1(), b2 = (float) spec.beta2(), eps = (float) spec.epsilon();
                float stepSize = (float) (spec.learningRate() / (1 - Math.pow(spec.beta1(), t)));
                float bc2sqrt = (float) Math.sqrt(1 - Math.pow(spec.beta2(), t));
                float[] m = opt.first[q];
                float[] v = opt.second[q];
                for (int k = 0; k < p.length; k++) {
                    float gk = (float) g[k] + wd * p[k];
                    m[k] = b1 * m[k] + (1 - b1) * gk;
                    v[k] = b2 * v[k] + (1 - b2) * gk * gk;
                    p[k] -= stepSize * m[k] / ((float) Math.sqrt(v[k]) / bc2sqrt + eps);
                }
            }
        }
        for (int i = 0; i < layers.size(); i++) {
            if (weightMat[i] != null && layers.get(i).trainable()) {
                weightMat[i].put(0, weight[i], 0, weight[i].length);
            }
        }
        opt.steps = t;
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
        ma.close();
        mb.close();
        mc.close();
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

    /** Optimizer moments in this backend's precision: {@code first} (SGD momentum or Adam m), {@code second} (Adam v). */
    private final class Optim implements OptimizerState {
        final OptimizerSpec spec;
        final float[][] first;
        final float[][] second;
        long steps;
        boolean closed;

        Optim(OptimizerSpec spec) {
            this.spec = spec;
            first = new float[params.size()][];
            second = new float[params.size()][];
            for (int q = 0; q < params.size(); q++) {
                first[q] = new float[params.get(q).length];
                second[q] = spec.kind() == OptimizerSpec.Kind.ADAM ? new float[params.get(q).length] : new float[0];
            }
        }

        FastBackendF32 owner() {
            return FastBackendF32.this;
        }

        @Override
        public OptimizerSpec spec() {
            return spec;
        }

        @Override
        public long steps() {
            return steps;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
