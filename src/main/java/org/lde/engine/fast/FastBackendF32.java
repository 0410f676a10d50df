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
import org.lde.model.Activation;
import org.lde.model.Add;
import org.lde.model.Affine;
import org.lde.model.AvgPool2d;
import org.lde.model.Concat;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.GlobalAvgPool;
import org.lde.model.Join;
import org.lde.model.Layer;
import org.lde.model.LeakyReLU;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Reshaping;
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
    /**
     * Default bound on one gradient array of a reverse pass ({@code N S} rows); above it the samples go in groups.
     * 4 MB in float32: the sample CNN's Jacobian at batch 256 in groups of 16 samples (160 rows) instead of one
     * pass over 64 MB arrays, which ran from memory instead of cache (README "Speed on the CPU").
     */
    static final long MAX_REVERSE = 1L << 20;

    private final String label;
    private final long maxReverse; // elements of one gradient array of a reverse pass
    private final Network net;
    private final List<Layer> layers;
    private final Window2d[] windows;     // plain Conv2d (im2col path), MaxPool2d, AvgPool2d; else null
    private final DirectConv[] direct;    // convolutions on the direct kernels; else null
    private final int[][] inputs;         // per layer: the nodes it reads (-1 = the network input)
    private final int[][] joinSizes;      // per join: values per sample of each node it reads
    private final int[] rootOf;           // per node (j + 1): the node whose array it shares (itself unless reshaping)
    private final int[][] freeAfter;      // per layer: arrays (roots) that no later layer reads, freed by forward()
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
    private long spareElements; // elements held in spare
    private long version;
    private boolean hostStale;
    private boolean closed;

    FastBackendF32(Network network, int threads, boolean nativeBlas, int directMaxPatch) {
        this(network, threads, nativeBlas, directMaxPatch, BLOCK, MAX_REVERSE);
    }

    /**
     * With explicit block bounds (tests use tiny ones so that every blocked and grouped path runs; results do
     * not depend on them) and the largest patch {@code C kH kW} of a plain convolution that runs on the direct
     * kernels ({@link DirectConv#preferred}; grouped and dilated ones always do).
     */
    FastBackendF32(Network network, int threads, boolean nativeBlas, int directMaxPatch, int block, long maxReverse) {
        Objects.requireNonNull(network, "network");
        if (block < 1 || maxReverse < 1) {
            throw new IllegalArgumentException("block and maxReverse must be >= 1, got " + block + ", " + maxReverse);
        }
        this.maxReverse = maxReverse;
        this.net = network.folded().copy();
        this.aliases = BackendChecks.foldedAliases(network);
        this.layers = net.layers();
        int l = layers.size();
        this.inSize = new int[l];
        this.outSize = new int[l];
        this.inputs = new int[l][];
        this.joinSizes = new int[l][];
        this.windows = new Window2d[l];
        this.direct = new DirectConv[l];
        for (int i = 0; i < l; i++) {
            inSize[i] = net.inputShape(i).sizeInt();
            outSize[i] = net.outputShape(i).sizeInt();
            inputs[i] = net.inputsOf(i);
            joinSizes[i] = net.inputShapes(i).stream().mapToInt(Shape::sizeInt).toArray();
            Layer layer = layers.get(i);
            if (layer instanceof Conv2d c && DirectConv.of(c, net.inputShape(i), net.outputShape(i)).preferred(directMaxPatch)) {
                direct[i] = DirectConv.of(c, net.inputShape(i), net.outputShape(i));
            } else {
                windows[i] = window(layer, net.inputShape(i));
            }
        }
        this.rootOf = new int[l + 1];
        int[] lastUse = new int[l + 1];
        for (int i = 0; i < l; i++) {
            rootOf[i + 1] = layers.get(i) instanceof Reshaping ? rootOf[inputs[i][0] + 1] : i + 1;
            for (int j : inputs[i]) {
                lastUse[rootOf[j + 1]] = Math.max(lastUse[rootOf[j + 1]], i);
            }
        }
        lastUse[rootOf[l]] = l; // the logits' array is read after the last layer
        this.freeAfter = new int[l][];
        for (int i = 0; i < l; i++) {
            int at = i;
            freeAfter[i] = java.util.stream.IntStream.rangeClosed(0, l).filter(r -> rootOf[r] == r && lastUse[r] == at).toArray();
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
            Tensor w = layer instanceof Dense d ? d.weight() : layer instanceof Conv2d c ? c.weight()
                    : layer instanceof Affine a ? a.weight() : null;
            if (w == null) {
                continue;
            }
            Tensor b = layer instanceof Dense d ? d.bias() : layer instanceof Conv2d c ? c.bias() : ((Affine) layer).bias();
            weight[i] = narrow(w.data());
            bias[i] = narrow(b.data());
            if (layer instanceof Dense || windows[i] != null) {
                weightMat[i] = gemm.mat().ensure(weight[i].length);
                weightMat[i].put(0, weight[i], 0, weight[i].length);
            }
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

    /**
     * The window of a plain Conv2d, MaxPool2d or AvgPool2d on input {@code in} (null for the other kinds);
     * fails for a kind this backend cannot run.
     */
    private static Window2d window(Layer layer, Shape in) {
        if (layer instanceof Conv2d || layer instanceof MaxPool2d || layer instanceof AvgPool2d) {
            return Window2d.of(layer, in);
        } else if (layer instanceof Dense || layer instanceof Activation || layer instanceof Reshaping || layer instanceof Join
                || layer instanceof Affine || layer instanceof GlobalAvgPool) {
            return null;
        }
        throw new IllegalArgumentException("FastBackend cannot run layer '" + layer.name() + "' of kind " + layer.kind());
    }

    /**
     * The most array elements the backend keeps for reuse ({@link #giveBack}): 64 M elements of 4 bytes (8 in the
     * float64 twin). Arrays are kept by exact length; a caller whose batch size changes from call to
     * call (an explainer whose active samples shrink, the last chunk of a metric) would otherwise leave up
     * to 8 arrays of every length it ever used. (An {@code lde evaluate} of 500 CNN images on
     * {@code cpu-fast-f64} ran out of a 2 GB heap; a class histogram of such a run showed 1.8 GB in 278
     * live double arrays of about 6.5 MB each, layer arrays of a batch of about 130 images.) Past the cap
     * the kept arrays are dropped and the collector frees them.
     */
    static final long MAX_SPARE_ELEMENTS = 64L << 20;

    long maxSpareElements = MAX_SPARE_ELEMENTS; // tests lower it

    /** An array of exactly {@code n} elements (contents undefined): a spare one when there is one. */
    private float[] take(int n) {
        ArrayDeque<float[]> q = spare.get(n);
        float[] a = q == null ? null : q.poll();
        if (a == null) {
            return new float[n];
        }
        spareElements -= n;
        return a;
    }

    private void giveBack(float[] a) {
        if (a.length > maxSpareElements) {
            return;
        }
        if (spareElements + a.length > maxSpareElements) {
            spare.clear();
            spareElements = 0;
        }
        ArrayDeque<float[]> q = spare.computeIfAbsent(a.length, k -> new ArrayDeque<>());
        if (q.size() < 8) {
            q.add(a);
            spareElements += a.length;
        }
    }

    /** Elements held for reuse (tests: bounded by {@code maxSpareElements}). */
    long spareElements() {
        return spareElements;
    }

    // ------------------------------------------------------------------------------------------
    // forward

    /**
     * {@inheritDoc}
     *
     * <p>Node by node in topological order; a node's array goes back to the spare arrays once the last
     * layer reading it (or, for a reshaping node sharing its input's array, reading any node of that
     * array) is done.
     */
    @Override
    public Tensor forward(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net);
        int l = layers.size();
        float[][] acts = new float[l + 1][];
        acts[0] = take(n * net.inputSize());
        ops.narrowInto(x.data(), acts[0]);
        for (int i = 0; i < l; i++) {
            acts[i + 1] = forwardLayer(i, acts, n, null);
            for (int root : freeAfter[i]) {
                giveBack(acts[root]);
            }
        }
        float[] a = acts[l];
        Tensor out = new Tensor(Shape.of(n, classes), widen(a, n * classes));
        giveBack(a);
        return out;
    }

    @Override
    public Recorded forwardRecorded(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net);
        int l = layers.size();
        float[][] acts = new float[l + 1][];
        int[][] argmax = new int[l][];
        acts[0] = take(n * net.inputSize());
        ops.narrowInto(x.data(), acts[0]);
        for (int i = 0; i < l; i++) {
            if (layers.get(i) instanceof MaxPool2d) {
                argmax[i] = new int[n * outSize[i]];
            }
            acts[i + 1] = forwardLayer(i, acts, n, argmax[i]);
        }
        return new Pass(n, acts, argmax, version);
    }

    /**
     * Output of layer {@code i} for {@code n} samples from the outputs {@code acts[j + 1]} of the nodes it
     * reads ({@code acts[0]}: the input), in a spare array (a {@link Reshaping} layer returns its input's).
     */
    private float[] forwardLayer(int i, float[][] acts, int n, int[] argmax) {
        Layer layer = layers.get(i);
        float[] in = acts[inputs[i][0] + 1];
        if (layer instanceof Reshaping) {
            return in;
        }
        float[] out = take(n * outSize[i]);
        int is = inSize[i], os = outSize[i];
        if (layer instanceof Dense d) {
            ops.denseForward(d, weightMat[i], bias[i], in, n, out);
        } else if (layer instanceof Conv2d c && direct[i] != null) {
            ops.directForward(direct[i], weight[i], bias[i], in, n, out);
        } else if (layer instanceof Conv2d c) {
            ops.convForward(windows[i], c, weightMat[i], bias[i], in, n, out);
        } else if (layer instanceof Activation f) {
            int size = n * is, chunk = 1 << 14;
            int kind = FastOpsF32.activationKind(f);
            float slope = f instanceof LeakyReLU lr ? (float) lr.slope() : 0;
            pool.forEach((size + chunk - 1) / chunk, 4, q -> FastOpsF32.activation(kind, slope, in, out, q * chunk,
                    Math.min(size, (q + 1) * chunk)));
        } else if (layer instanceof MaxPool2d) {
            Window2d g = windows[i];
            pool.forEach(n, 1, s -> FastOpsF32.maxPoolForward(g, in, s * is, out, s * os, argmax, s * os));
        } else if (layer instanceof AvgPool2d) {
            Window2d g = windows[i];
            pool.forEach(n, 1, s -> FastOpsF32.avgPoolForward(g, in, s * is, out, s * os));
        } else if (layer instanceof GlobalAvgPool) {
            pool.forEach(n, 1, s -> FastOpsF32.globalAvgPool(in, s * is, os, is / os, out, s * os));
        } else if (layer instanceof Affine a) {
            float[] w = weight[i], b = bias[i];
            pool.forEach(n, 1, s -> FastOpsF32.affine(w, b, in, out, s * is, a.channels(), is / a.channels()));
        } else if (layer instanceof Add) {
            float[][] parts = parts(i, acts);
            int size = n * os, chunk = 1 << 14;
            pool.forEach((size + chunk - 1) / chunk, 4, q -> FastOpsF32.sum(parts, out, q * chunk, Math.min(size, (q + 1) * chunk)));
        } else if (layer instanceof Concat) {
            float[][] parts = parts(i, acts);
            int[] sizes = joinSizes[i];
            pool.forEach(n, 8, s -> {
                int at = s * os;
                for (int k = 0; k < parts.length; k++) {
                    System.arraycopy(parts[k], s * sizes[k], out, at, sizes[k]);
                    at += sizes[k];
                }
            });
        } else {
            throw new IllegalStateException("FastBackend has no forward for layer '" + layer.name() + "' of kind " + layer.kind());
        }
        return out;
    }

    /** The outputs of the nodes a join reads. */
    private float[][] parts(int i, float[][] acts) {
        float[][] parts = new float[inputs[i].length][];
        for (int k = 0; k < parts.length; k++) {
            parts[k] = acts[inputs[i][k] + 1];
        }
        return parts;
    }

    // ------------------------------------------------------------------------------------------
    // reverse passes

    @Override
    public Tensor reverse(Recorded recorded, Tensor seeds) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        int s = BackendChecks.checkSeeds(seeds, pass.n, classes);
        BackendChecks.checkReverseSize(net, pass.n, s, 0, false);
        double[] g = backwardInGroups(pass, seeds.data(), s, -1);
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
        BackendChecks.checkReverseSize(net, pass.n, s, i + 1, false);
        double[] g = backwardInGroups(pass, seeds.data(), s, i);
        return new Tensor(net.outputShape(i).withBatch(s).withBatch(pass.n), g);
    }

    /**
     * The seed rows {@code [N S, C]} pulled back through the graph to the output of node {@code target}
     * ({@code -1}: the network's input), {@code [N S, size]}, widened to float64. One batched pass over all
     * rows unless they would exceed {@code maxReverse} elements in one activation; then the samples go in
     * groups, each one batched pass over all its seeds.
     */
    private double[] backwardInGroups(Pass pass, double[] seeds, int s, int target) {
        int widest = classes;
        for (int i = Math.max(0, target); i < layers.size(); i++) {
            widest = Math.max(widest, Math.max(inSize[i], outSize[i]));
        }
        int group = (int) Math.max(1, Math.min(pass.n, maxReverse / ((long) s * widest)));
        int outRow = target < 0 ? net.inputSize() : outSize[target];
        double[] out = new double[pass.n * s * outRow];
        for (int start = 0; start < pass.n; start += group) {
            int m = Math.min(group, pass.n - start);
            int rows = m * s;
            float[] dy = take(rows * classes);
            int base = start * s * classes;
            for (int q = 0; q < rows * classes; q++) {
                dy[q] = (float) seeds[base + q];
            }
            float[] g = backward(pass, start, m, dy, s, target, null);
            int at = start * s * outRow;
            int len = rows * outRow;
            int chunk = 1 << 14;
            pool.forEach((len + chunk - 1) / chunk, 4, c -> {
                for (int q = c * chunk, end = Math.min(len, q + chunk); q < end; q++) {
                    out[at + q] = g[q];
                }
            });
            giveBack(g);
        }
        return out;
    }

    /**
     * Pulls gradient rows {@code dy: [m S, C]} (a spare array, consumed) of samples {@code first .. first+m-1}
     * back through the layers after {@code target} in reverse topological order: a node's gradient is the sum
     * over the layers that read it (a fork sums its branches), complete once every later layer is done.
     * Returns the gradient at the output of {@code target} ({@code -1}: the input) in a spare array. With
     * {@code perLayer} (parameter gradients, {@code s = 1}): also the parameter gradients of every trainable
     * layer after {@code target}, and no gradient is made for {@code target} itself (null is returned).
     */
    private float[] backward(Pass pass, int first, int m, float[] dy, int s, int target, Tensor[][] perLayer) {
        int l = layers.size();
        int lowestNode = perLayer != null ? target + 1 : target;
        float[][] g = new float[l + 1][];
        g[l] = dy;
        for (int i = l - 1; i > target; i--) {
            float[] gi = g[i + 1];
            g[i + 1] = null;
            if (perLayer != null && layers.get(i).trainable()) {
                perLayer[i] = parameterGradients(i, pass.acts[inputs[i][0] + 1], gi, m);
            }
            boolean handedOn = false;
            for (int k = 0; k < inputs[i].length; k++) {
                int j = inputs[i][k];
                if (j < lowestNode) {
                    continue;
                }
                float[] r = backwardLayer(i, k, pass, first, m, gi, s);
                boolean shared = r == gi;
                if (g[j + 1] == null) {
                    if (shared && handedOn) {
                        r = take(gi.length);
                        System.arraycopy(gi, 0, r, 0, gi.length);
                    }
                    handedOn |= shared;
                    g[j + 1] = r;
                } else {
                    addInto(g[j + 1], r, m * s * (j < 0 ? net.inputSize() : outSize[j]));
                    if (!shared) {
                        giveBack(r);
                    }
                }
            }
            if (!handedOn) {
                giveBack(gi);
            }
        }
        return perLayer != null ? null : g[target + 1];
    }

    /** {@code acc[q] += d[q]} for {@code q < len}, in parallel chunks. */
    private void addInto(float[] acc, float[] d, int len) {
        int chunk = 1 << 14;
        pool.forEach((len + chunk - 1) / chunk, 4, c -> {
            for (int q = c * chunk, end = Math.min(len, q + chunk); q < end; q++) {
                acc[q] += d[q];
            }
        });
    }

    /**
     * Gradient rows with respect to input {@code k} of layer {@code i} from rows {@code dy} with respect to its
     * output; the rows belong to samples {@code first .. first+m-1}, {@code s} rows per sample (row {@code r} uses
     * the recorded values of sample {@code first + r / s}). A spare array, or {@code dy} itself for a
     * {@link Reshaping} layer and an {@link Add}.
     */
    private float[] backwardLayer(int i, int k, Pass pass, int first, int m, float[] dy, int s) {
        Layer layer = layers.get(i);
        if (layer instanceof Reshaping || layer instanceof Add) {
            return dy;
        }
        int rows = m * s;
        int is = inSize[i], os = outSize[i];
        if (layer instanceof Concat) {
            int size = joinSizes[i][k];
            int offset = 0;
            for (int q = 0; q < k; q++) {
                offset += joinSizes[i][q];
            }
            int from = offset;
            float[] dx = take(rows * size);
            pool.forEach(rows, 8, r -> System.arraycopy(dy, r * os + from, dx, r * size, size));
            return dx;
        }
        float[] dx = take(rows * is);
        float[] x = pass.acts[inputs[i][0] + 1];
        if (layer instanceof Dense d) {
            ops.denseBackward(d, weightMat[i], dy, rows, dx);
        } else if (layer instanceof Conv2d c && direct[i] != null) {
            ops.directBackwardData(direct[i], weight[i], dy, rows, dx);
        } else if (layer instanceof Conv2d c) {
            ops.convBackwardData(windows[i], c, weightMat[i], dy, rows, dx);
        } else if (layer instanceof ReLU) {
            pool.forEach(rows, 8, r -> FastOpsF32.reluBackward(x, (first + r / s) * is, dy, dx, r * is, is));
        } else if (layer instanceof Activation f) {
            int kind = FastOpsF32.activationKind(f);
            float slope = f instanceof LeakyReLU lr ? (float) lr.slope() : 0;
            float[] y = pass.acts[i + 1];
            pool.forEach(rows, 8, r -> FastOpsF32.activationBackward(kind, slope, x, y, (first + r / s) * is, dy, dx, r * is, is));
        } else if (layer instanceof MaxPool2d) {
            int[] arg = pass.argmax[i];
            pool.forEach(rows, 1, r -> FastOpsF32.maxPoolBackward(os, is, dy, r * os, arg, (first + r / s) * os, dx, r * is));
        } else if (layer instanceof AvgPool2d) {
            Window2d g = windows[i];
            pool.forEach(rows, 1, r -> FastOpsF32.avgPoolBackward(g, dy, r * os, dx, r * is));
        } else if (layer instanceof GlobalAvgPool) {
            pool.forEach(rows, 8, r -> FastOpsF32.globalAvgPoolBackward(dy, r * os, os, is / os, dx, r * is));
        } else if (layer instanceof Affine a) {
            float[] w = weight[i];
            pool.forEach(rows, 8, r -> FastOpsF32.affine(w, null, dy, dx, r * is, a.channels(), is / a.channels()));
        } else {
            throw new IllegalStateException("FastBackend has no reverse for layer '" + layer.name() + "' of kind " + layer.kind());
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
        float[] dy = take(n * classes);
        double[] og = outputGrad.data();
        for (int q = 0; q < n * classes; q++) {
            dy[q] = (float) og[q];
        }
        backward(pass, 0, n, dy, 1, lowest - 1, perLayer);
        List<Tensor> out = new ArrayList<>();
        for (Tensor[] ts : perLayer) {
            if (ts != null) {
                out.addAll(List.of(ts));
            }
        }
        return new ParameterGradients(out);
    }

    /** The parameter gradients of trainable layer {@code i} from its input {@code x} and output gradient {@code dy} ({@code n} rows). */
    private Tensor[] parameterGradients(int i, float[] x, float[] dy, int n) {
        Layer layer = layers.get(i);
        if (layer instanceof Dense d) {
            return ops.denseParameterGradients(d, x, dy, n);
        } else if (layer instanceof Conv2d c && direct[i] != null) {
            return ops.directParameterGradients(direct[i], x, dy, n);
        } else if (layer instanceof Conv2d c) {
            return ops.convParameterGradients(windows[i], c, x, dy, n);
        } else if (layer instanceof Affine a) {
            int plane = inSize[i] / a.channels();
            double[] dw = new double[a.channels()];
            double[] db = new double[a.channels()];
            FastOpsF32.affineParameterGradients(x, dy, n, a.channels(), plane, dw, db);
            return new Tensor[] {new Tensor(a.weight().shape(), dw), new Tensor(a.bias().shape(), db)};
        }
        throw new IllegalStateException("FastBackend has no parameter gradients for layer '" + layer.name() + "' of kind "
                + layer.kind());
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
        spareElements = 0;
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

    /** What a recorded pass keeps: every node's output (and the input) and the max-pool arg-maxes. */
    private final class Pass implements Recorded {
        final int n;
        final float[][] acts;  // acts[j + 1] = output of node j, acts[0] = input (a reshaping node shares its input's array)
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
                if (rootOf[i] == i && !FastBackendF32.this.closed) { // a reshaping node shares its input's array: hand it back once
                    giveBack(acts[i]);
                }
            }
            Arrays.fill(acts, null);
        }
    }
}
