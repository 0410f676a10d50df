package org.lde.engine.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
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
import org.lde.model.Activation;
import org.lde.model.Add;
import org.lde.model.Affine;
import org.lde.model.Concat;
import org.lde.model.GlobalAvgPool;
import org.lde.model.Layer;
import org.lde.model.Reshaping;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The float64 reference backend (the "truth" every kernel is compared against), on EJML dense
 * matrices. This is the only class of the engine that imports {@code org.ejml}.
 *
 * <p><b>Parameters.</b> The constructor opens {@code network.folded().copy()}: BatchNorm is
 * folded into the Dense or convolution before it (or becomes an affine node, {@link Network#folded()}) and the parameters are a private deep copy, so training
 * with {@link #step} never changes the caller's network; {@link #snapshot()} returns a copy of
 * the current parameters, {@link #network()} the live network (do not write into its tensors).
 *
 * <p><b>Layers.</b> Per sample, with activations stored row-major and batched as
 * {@code [N, size]}:
 * <ul>
 * <li>Dense: {@code Y = X W^T + b} (one EJML product for the batch); reverse {@code dX = dY W};
 *     parameters {@code dW = dY^T X}, {@code db = sum_rows dY}.</li>
 * <li>Conv2d: im2col of a block of images side by side, {@code cols: [C kH kW, m P]}
 *     ({@link ReferenceOps#im2col}), then {@code Y = W cols} ({@code W: [O, C kH kW]}) and bias;
 *     reverse {@code dCols = W^T dY} folded back by {@link ReferenceOps#col2imAdd};
 *     parameters {@code dW = dY cols^T}. Blocks are sized so that a column matrix stays below
 *     {@value #BLOCK_DOUBLES} doubles.</li>
 * <li>ReLU: {@code max(0, x)}; derivative 1 where the input is {@code > 0}, else 0 (also at 0).</li>
 * <li>MaxPool2d: padding is {@code -inf}; the gradient goes to the FIRST maximal cell of the
 *     window in row-major window order (recorded argmax, {@link ReferenceOps#maxPoolForward}).</li>
 * <li>AvgPool2d: {@code count_include_pad = True}, divisor {@code kH kW}.</li>
 * <li>Flatten, Reshape, Identity, Dropout: the identity on the row-major data.</li>
 * <li>Sigmoid, Tanh, LeakyReLU: elementwise, the derivative from {@link Activation#derivative}.</li>
 * <li>Grouped or dilated Conv2d, Affine, GlobalAvgPool, Concat: direct loops of {@link NodeOps}.</li>
 * <li>Add: the sum of its inputs; reverse sends {@code dY} to each.</li>
 * </ul>
 *
 * <p><b>Graphs.</b> Layers run in the network's (topological) order, each reading the nodes
 * {@link Network#inputsOf} names. A reverse pass walks the layers backwards with one gradient
 * buffer per node: a node's gradient is the sum of what each of its readers sends back (a fork
 * sums its branches), complete once every later layer is done.
 *
 * <p><b>Layer names.</b> {@link #layerOutput} and {@link #layerGradient} take the names of the
 * folded network. A convolution that had a BatchNorm after it now outputs what the BatchNorm
 * output, and the BatchNorm's name is accepted as an alias of that convolution.
 *
 * <p><b>Reverse passes</b> with {@code S} seeds per sample run as ONE batched pass over
 * {@code N S} gradient rows; row {@code r} belongs to sample {@code r / S} (whose ReLU masks and
 * max-pool arg-maxes it uses). Only when that pass would hold more than
 * {@link #DEFAULT_MAX_REVERSE_DOUBLES} (or the bound given to the constructor) doubles in one
 * activation are the samples split into groups, each still one batched pass over all its seeds.
 *
 * <p><b>Recorded passes</b> are tied to this backend and to the parameter version they were made
 * with: after a {@link #step} a reverse pass through an older {@link Recorded} is refused (its
 * activations belong to the old parameters). Not thread-safe.
 */
public final class EjmlBackend implements Backend {
    /**
     * Upper bound on the doubles of one temporary im2col matrix (512 KB): blocks this small keep
     * the GEMM operands in cache (measured about 20% faster per training step than whole-batch
     * column matrices on the sample CNN).
     */
    static final int BLOCK_DOUBLES = 1 << 16;

    private final Network net;
    private final List<Layer> layers;
    private final Window2d[] windows; // per layer: geometry of conv and pooling layers, else null
    private final int[] inSize;       // per layer: input elements per sample
    private final int[] outSize;      // per layer: output elements per sample
    private final int[][] inputs;     // per layer: the nodes it reads (-1 = the network input)
    private final int classes;
    private final Map<String, String> aliases; // folded BatchNorm name -> its convolution
    private final long maxReverseDoubles;
    private long version;             // incremented by every step(): Recorded passes made before are stale
    private boolean closed;

    /** Default bound on one activation array of a reverse pass: 32M doubles (256 MB). */
    public static final long DEFAULT_MAX_REVERSE_DOUBLES = 1L << 25;

    /**
     * Opens a backend on a private, folded deep copy of {@code network}.
     *
     * @throws NullPointerException if {@code network} is null
     */
    public EjmlBackend(Network network) {
        this(network, DEFAULT_MAX_REVERSE_DOUBLES);
    }

    /**
     * As {@link #EjmlBackend(Network)}, with a bound on the doubles of one activation array of a
     * reverse pass: when {@code N S} gradient rows would exceed it, the samples are processed in
     * groups (each group one batched pass over all its seeds). Results do not depend on it.
     *
     * @throws IllegalArgumentException if {@code maxReverseDoubles < 1}
     */
    public EjmlBackend(Network network, long maxReverseDoubles) {
        Objects.requireNonNull(network, "network");
        if (maxReverseDoubles < 1) {
            throw new IllegalArgumentException("maxReverseDoubles must be >= 1, got " + maxReverseDoubles);
        }
        this.maxReverseDoubles = maxReverseDoubles;
        this.net = network.folded().copy();
        this.aliases = BackendChecks.foldedAliases(network);
        this.layers = net.layers();
        int l = layers.size();
        windows = windows(net);
        inSize = new int[l];
        outSize = new int[l];
        inputs = new int[l][];
        for (int i = 0; i < l; i++) {
            inSize[i] = net.inputShape(i).sizeInt();
            outSize[i] = net.outputShape(i).sizeInt();
            inputs[i] = net.inputsOf(i);
        }
        this.classes = net.outputSize();
    }

    @Override
    public String name() {
        return "ejml-f64";
    }

    /** True: every pass of this backend is float64. */
    @Override
    public boolean float64() {
        return true;
    }

    @Override
    public Network network() {
        requireOpen();
        return net;
    }

    // ------------------------------------------------------------------------------------------
    // forward

    @Override
    public Tensor forward(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net);
        double[][] acts = new double[layers.size() + 1][];
        acts[0] = x.data();
        int[] lastUse = lastUse();
        for (int i = 0; i < layers.size(); i++) {
            acts[i + 1] = forwardLayer(i, acts, n, null);
            for (int j : inputs[i]) {
                if (lastUse[j + 1] == i && j >= 0) {
                    acts[j + 1] = null; // no later layer reads it
                }
            }
        }
        double[] a = acts[layers.size()];
        return new Tensor(Shape.of(n, classes), a == x.data() ? a.clone() : a);
    }

    /** {@code result[j + 1]}: the last layer reading node {@code j}. */
    private int[] lastUse() {
        int[] last = new int[layers.size() + 1];
        for (int i = 0; i < layers.size(); i++) {
            for (int j : inputs[i]) {
                last[j + 1] = i;
            }
        }
        return last;
    }

    @Override
    public Recorded forwardRecorded(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net);
        int l = layers.size();
        double[][] acts = new double[l + 1][];
        int[][] argmax = new int[l][];
        acts[0] = x.data().clone();
        for (int i = 0; i < l; i++) {
            if (layers.get(i) instanceof MaxPool2d) {
                argmax[i] = new int[n * outSize[i]];
            }
            acts[i + 1] = forwardLayer(i, acts, n, argmax[i]);
        }
        return new Pass(n, acts, argmax, version);
    }

    /**
     * Output of layer {@code i} for {@code n} samples, reading {@code acts[j + 1]} for each node {@code j} it
     * reads ({@code acts[0]} is the input); a new array (a {@link Reshaping} layer returns its input's).
     */
    private double[] forwardLayer(int i, double[][] acts, int n, int[] argmax) {
        Layer layer = layers.get(i);
        double[] in = acts[inputs[i][0] + 1];
        if (layer instanceof Dense d) {
            double[] y = new double[n * d.out()];
            DMatrixRMaj out = DMatrixRMaj.wrap(n, d.out(), y);
            CommonOps_DDRM.multTransB(DMatrixRMaj.wrap(n, d.in(), in), DMatrixRMaj.wrap(d.out(), d.in(), d.weight().data()), out);
            double[] b = d.bias().data();
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < d.out(); o++) {
                    y[r * d.out() + o] += b[o];
                }
            }
            return y;
        } else if (layer instanceof Conv2d c) {
            return c.plain() ? convForward(windows[i], c, in, n)
                    : NodeOps.convForward(c, net.inputShape(i), net.outputShape(i), in, n);
        } else if (layer instanceof ReLU) {
            double[] y = new double[n * inSize[i]];
            ReferenceOps.reluForward(in, y.length, y);
            return y;
        } else if (layer instanceof Activation f) {
            return NodeOps.activationForward(f, in);
        } else if (layer instanceof MaxPool2d) {
            double[] y = new double[n * outSize[i]];
            int[] arg = argmax != null ? argmax : new int[outSize[i]]; // unrecorded: one scratch row
            for (int s = 0; s < n; s++) {
                ReferenceOps.maxPoolForward(windows[i], in, s * inSize[i], y, s * outSize[i], arg,
                        argmax != null ? s * outSize[i] : 0);
            }
            return y;
        } else if (layer instanceof AvgPool2d) {
            double[] y = new double[n * outSize[i]];
            for (int s = 0; s < n; s++) {
                ReferenceOps.avgPoolForward(windows[i], in, s * inSize[i], y, s * outSize[i]);
            }
            return y;
        } else if (layer instanceof GlobalAvgPool) {
            Shape sh = net.inputShape(i);
            return NodeOps.globalAvgPool(in, n, sh.dim(0), sh.dim(1) * sh.dim(2));
        } else if (layer instanceof Affine a) {
            return NodeOps.affine(a, in, n, inSize[i] / a.channels(), true);
        } else if (layer instanceof Add) {
            double[] y = in.clone();
            for (int k = 1; k < inputs[i].length; k++) {
                double[] o = acts[inputs[i][k] + 1];
                for (int q = 0; q < y.length; q++) {
                    y[q] += o[q];
                }
            }
            return y;
        } else if (layer instanceof Concat) {
            double[][] parts = new double[inputs[i].length][];
            for (int k = 0; k < parts.length; k++) {
                parts[k] = acts[inputs[i][k] + 1];
            }
            return NodeOps.concat(parts, joinSizes(i), n);
        } else {
            return in; // Reshaping: the row-major data is unchanged
        }
    }

    /** Values per sample of each node layer {@code i} reads. */
    private int[] joinSizes(int i) {
        int[] sizes = new int[inputs[i].length];
        for (int k = 0; k < sizes.length; k++) {
            sizes[k] = net.inputShapes(i).get(k).sizeInt();
        }
        return sizes;
    }

    /** Window geometry per layer: plain Conv2d, MaxPool2d and AvgPool2d (null elsewhere, grouped or dilated convs included). */
    private static Window2d[] windows(Network net) {
        Window2d[] w = new Window2d[net.layers().size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = Window2d.of(net.layers().get(i), net.inputShape(i));
        }
        return w;
    }

    private static int blockRows(int perRow) {
        return Math.max(1, BLOCK_DOUBLES / Math.max(1, perRow));
    }

    private static double[] convForward(Window2d g, Conv2d c, double[] x, int n) {
        int k = g.patchSize(), p = g.outPlane(), o = c.outChannels(), in = g.inSize();
        double[] y = new double[n * o * p];
        DMatrixRMaj w = DMatrixRMaj.wrap(o, k, c.weight().data());
        double[] bias = c.bias().data();
        int block = blockRows(k * p);
        for (int start = 0; start < n; start += block) {
            int m = Math.min(block, n - start);
            int ld = m * p;
            double[] cols = new double[k * ld];
            for (int s = 0; s < m; s++) {
                ReferenceOps.im2col(g, x, (start + s) * in, s * p, ld, cols);
            }
            DMatrixRMaj yp = new DMatrixRMaj(o, ld);
            CommonOps_DDRM.mult(w, DMatrixRMaj.wrap(k, ld, cols), yp);
            double[] yd = yp.data;
            for (int s = 0; s < m; s++) {
                for (int oc = 0; oc < o; oc++) {
                    int src = oc * ld + s * p;
                    int dst = ((start + s) * o + oc) * p;
                    double b = bias[oc];
                    for (int q = 0; q < p; q++) {
                        y[dst + q] = yd[src + q] + b;
                    }
                }
            }
        }
        return y;
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
        return new Tensor(net.outputShape(i).withBatch(pass.n), pass.acts[i + 1].clone());
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
     * Pulls the seed rows {@code seeds: [N S, C]} back through the graph and returns the gradient with
     * respect to the output of node {@code target} ({@code -1}: the network's input), {@code [N S, size]}.
     * All {@code S} seeds of a sample go through in the same batched pass; only when {@code N S} rows of
     * the largest activation would exceed {@link #maxReverseDoubles} are the SAMPLES split into groups,
     * each one batched pass. {@code seeds} is not modified.
     */
    private double[] backwardInGroups(Pass pass, double[] seeds, int s, int target) {
        int widest = classes;
        for (int i = Math.max(0, target); i < layers.size(); i++) {
            widest = Math.max(widest, Math.max(inSize[i], outSize[i]));
        }
        int group = (int) Math.max(1, Math.min(pass.n, maxReverseDoubles / ((long) s * widest)));
        if (group == pass.n) {
            return backward(pass, 0, pass.n, seeds.clone(), s, target);
        }
        int outRow = target < 0 ? net.inputSize() : outSize[target];
        double[] out = new double[pass.n * s * outRow];
        for (int start = 0; start < pass.n; start += group) {
            int m = Math.min(group, pass.n - start);
            double[] part = Arrays.copyOfRange(seeds, start * s * classes, (start + m) * s * classes);
            double[] g = backward(pass, start, m, part, s, target);
            System.arraycopy(g, 0, out, start * s * outRow, g.length);
        }
        return out;
    }

    /**
     * Pulls gradient rows {@code dy: [m S, C]} (with respect to the logits) of samples
     * {@code first .. first+m-1} back through the layers after {@code target}, in reverse topological
     * order: a node's gradient is the sum over the layers that read it (a fork sums its branches), and
     * is complete once every later layer is done. Returns the gradient at the output of {@code target}
     * ({@code -1}: the input). {@code dy} is consumed.
     */
    private double[] backward(Pass pass, int first, int m, double[] dy, int s, int target) {
        int l = layers.size();
        double[][] g = new double[l + 1][];
        g[l] = dy;
        for (int i = l - 1; i > target; i--) {
            double[] gi = g[i + 1];
            g[i + 1] = null;
            for (int k = 0; k < inputs[i].length; k++) {
                int j = inputs[i][k];
                if (j >= target) {
                    accumulate(g, j + 1, backwardLayer(i, k, pass, first, m, gi, s));
                }
            }
        }
        return g[target + 1];
    }

    /** {@code g[at] += dx}, taking {@code dx} over when {@code g[at]} is empty. */
    private static void accumulate(double[][] g, int at, double[] dx) {
        if (g[at] == null) {
            g[at] = dx;
            return;
        }
        double[] t = g[at];
        for (int q = 0; q < t.length; q++) {
            t[q] += dx[q];
        }
    }

    /**
     * Gradient rows with respect to input {@code k} of layer {@code i}, from rows with respect to its
     * output; the rows belong to samples {@code first .. first+m-1}, {@code s} rows per sample. The result
     * is a new array, or {@code dy} itself for a {@link Reshaping} layer and the first input of an {@link Add}.
     */
    private double[] backwardLayer(int i, int k, Pass pass, int first, int m, double[] dy, int s) {
        Layer layer = layers.get(i);
        int rows = m * s;
        double[] x = pass.acts[inputs[i][0] + 1];
        if (layer instanceof Dense d) {
            double[] dx = new double[rows * d.in()];
            CommonOps_DDRM.mult(DMatrixRMaj.wrap(rows, d.out(), dy), DMatrixRMaj.wrap(d.out(), d.in(), d.weight().data()),
                    DMatrixRMaj.wrap(rows, d.in(), dx));
            return dx;
        } else if (layer instanceof Conv2d c) {
            return c.plain() ? convBackwardData(windows[i], c, dy, rows)
                    : NodeOps.convBackwardData(c, net.inputShape(i), net.outputShape(i), dy, rows);
        } else if (layer instanceof ReLU) {
            double[] dx = new double[rows * inSize[i]];
            ReferenceOps.reluBackward(x, first * inSize[i], dy, rows, s, inSize[i], dx);
            return dx;
        } else if (layer instanceof Activation f) {
            return NodeOps.activationBackward(f, x, pass.acts[i + 1], first, dy, rows, s, inSize[i]);
        } else if (layer instanceof MaxPool2d) {
            double[] dx = new double[rows * inSize[i]];
            for (int r = 0; r < rows; r++) {
                ReferenceOps.maxPoolBackwardAdd(windows[i], dy, r * outSize[i], pass.argmax[i], (first + r / s) * outSize[i],
                        dx, r * inSize[i]);
            }
            return dx;
        } else if (layer instanceof AvgPool2d) {
            double[] dx = new double[rows * inSize[i]];
            for (int r = 0; r < rows; r++) {
                ReferenceOps.avgPoolBackwardAdd(windows[i], dy, r * outSize[i], dx, r * inSize[i]);
            }
            return dx;
        } else if (layer instanceof GlobalAvgPool) {
            Shape sh = net.inputShape(i);
            return NodeOps.globalAvgPoolBackward(dy, rows, sh.dim(0), sh.dim(1) * sh.dim(2));
        } else if (layer instanceof Affine a) {
            return NodeOps.affine(a, dy, rows, inSize[i] / a.channels(), false);
        } else if (layer instanceof Add) {
            return k == 0 ? dy : dy.clone();
        } else if (layer instanceof Concat) {
            int[] sizes = joinSizes(i);
            int offset = 0;
            for (int q = 0; q < k; q++) {
                offset += sizes[q];
            }
            return NodeOps.slice(dy, rows, outSize[i], offset, sizes[k]);
        } else {
            return dy; // Reshaping
        }
    }

    /** {@code dx} rows of a convolution: {@code col2im(W^T dY)} per row, in blocks of rows. */
    private static double[] convBackwardData(Window2d g, Conv2d c, double[] dy, int rows) {
        int k = g.patchSize(), p = g.outPlane(), o = c.outChannels(), in = g.inSize();
        double[] dx = new double[rows * in];
        DMatrixRMaj w = DMatrixRMaj.wrap(o, k, c.weight().data());
        int block = blockRows(k * p);
        for (int start = 0; start < rows; start += block) {
            int m = Math.min(block, rows - start);
            int ld = m * p;
            double[] dyp = gatherChannelMajor(dy, start, m, o, p);
            DMatrixRMaj dcols = new DMatrixRMaj(k, ld);
            CommonOps_DDRM.multTransA(w, DMatrixRMaj.wrap(o, ld, dyp), dcols);
            for (int s = 0; s < m; s++) {
                ReferenceOps.col2imAdd(g, dcols.data, s * p, ld, dx, (start + s) * in);
            }
        }
        return dx;
    }

    /** Rows {@code [start, start+m)} of {@code a: [rows, o, p]} rearranged to {@code [o, m p]}. */
    private static double[] gatherChannelMajor(double[] a, int start, int m, int o, int p) {
        double[] out = new double[o * m * p];
        int ld = m * p;
        for (int s = 0; s < m; s++) {
            for (int oc = 0; oc < o; oc++) {
                System.arraycopy(a, ((start + s) * o + oc) * p, out, oc * ld + s * p, p);
            }
        }
        return out;
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
        Tensor[][] perLayer = new Tensor[l][];
        double[][] g = new double[l + 1][];
        g[l] = outputGrad.data().clone();
        for (int i = l - 1; i >= lowest; i--) {
            Layer layer = layers.get(i);
            double[] dy = g[i + 1];
            g[i + 1] = null;
            double[] x = pass.acts[inputs[i][0] + 1];
            if (layer instanceof Dense d) {
                perLayer[i] = denseParameterGradients(d, x, dy, pass.n);
            } else if (layer instanceof Conv2d c && c.plain()) {
                perLayer[i] = convParameterGradients(windows[i], c, x, dy, pass.n);
            } else if (layer instanceof Conv2d c) {
                perLayer[i] = tensors(NodeOps.convParameterGradients(c, net.inputShape(i), net.outputShape(i), x, dy, pass.n),
                        c.weight().shape(), c.bias().shape());
            } else if (layer instanceof Affine a) {
                perLayer[i] = tensors(NodeOps.affineParameterGradients(a, x, dy, pass.n, inSize[i] / a.channels()),
                        a.weight().shape(), a.bias().shape());
            }
            for (int k = 0; k < inputs[i].length; k++) {
                int j = inputs[i][k];
                if (j >= lowest) {
                    accumulate(g, j + 1, backwardLayer(i, k, pass, 0, pass.n, dy, 1));
                }
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

    private static Tensor[] tensors(double[][] values, Shape weight, Shape bias) {
        return new Tensor[] {new Tensor(weight, values[0]), new Tensor(bias, values[1])};
    }

    private static Tensor[] denseParameterGradients(Dense d, double[] x, double[] dy, int n) {
        Tensor dw = Tensor.zeros(d.weight().shape());
        Tensor db = Tensor.zeros(d.bias().shape());
        CommonOps_DDRM.multTransA(DMatrixRMaj.wrap(n, d.out(), dy), DMatrixRMaj.wrap(n, d.in(), x),
                DMatrixRMaj.wrap(d.out(), d.in(), dw.data()));
        double[] b = db.data();
        for (int r = 0; r < n; r++) {
            for (int o = 0; o < d.out(); o++) {
                b[o] += dy[r * d.out() + o];
            }
        }
        return new Tensor[] {dw, db};
    }

    private static Tensor[] convParameterGradients(Window2d g, Conv2d c, double[] x, double[] dy, int n) {
        int k = g.patchSize(), p = g.outPlane(), o = c.outChannels(), in = g.inSize();
        Tensor dw = Tensor.zeros(c.weight().shape());
        Tensor db = Tensor.zeros(c.bias().shape());
        DMatrixRMaj dwm = DMatrixRMaj.wrap(o, k, dw.data());
        double[] b = db.data();
        int block = blockRows(k * p);
        for (int start = 0; start < n; start += block) {
            int m = Math.min(block, n - start);
            int ld = m * p;
            double[] cols = new double[k * ld];
            for (int s = 0; s < m; s++) {
                ReferenceOps.im2col(g, x, (start + s) * in, s * p, ld, cols);
            }
            double[] dyp = gatherChannelMajor(dy, start, m, o, p);
            CommonOps_DDRM.multAddTransB(DMatrixRMaj.wrap(o, ld, dyp), DMatrixRMaj.wrap(k, ld, cols), dwm);
            for (int oc = 0; oc < o; oc++) {
                double sum = 0;
                for (int q = oc * ld; q < (oc + 1) * ld; q++) {
                    sum += dyp[q];
                }
                b[oc] += sum;
            }
        }
        return new Tensor[] {dw, db};
    }

    /**
     * {@inheritDoc}
     *
     * <p>Cross-entropy: {@code value = 1/N sum_n (lse(z_n) - z_n[y_n])},
     * {@code gradient = (softmax(z_n) - onehot(y_n)) / N}, {@code correct} = number of samples whose
     * first maximal logit is {@code y_n}; targets must be integers in {@code [0, C)}.
     * MSE: {@code value = 1/(N C) sum (z - t)^2}, {@code gradient = 2 (z - t) / (N C)}, {@code correct = 0}.
     */
    @Override
    public LossValue loss(Tensor logits, Tensor targets, Loss loss) {
        requireOpen();
        int n = BackendChecks.checkLogits(logits, targets, loss, classes);
        Shape ls = logits.shape();
        Object checked = BackendChecks.checkTargets(targets, n, classes, loss);
        double[] z = logits.data();
        double[] t = targets.data();
        double[] grad = new double[n * classes];
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            int[] ys = (int[]) checked;
            double sum = 0;
            int correct = 0;
            for (int r = 0; r < n; r++) {
                int y = ys[r];
                int off = r * classes;
                sum += ReferenceOps.logSumExp(z, off, classes) - z[off + y];
                ReferenceOps.softmax(z, off, classes, grad, off);
                grad[off + y] -= 1;
                if (ReferenceOps.argmax(z, off, classes) == y) {
                    correct++;
                }
            }
            for (int q = 0; q < grad.length; q++) {
                grad[q] /= n;
            }
            return new LossValue(sum / n, new Tensor(ls, grad), correct);
        } else {
            double scale = 1.0 / ((double) n * classes);
            double sum = 0;
            for (int q = 0; q < grad.length; q++) {
                double diff = z[q] - t[q];
                sum += diff * diff;
                grad[q] = 2 * diff * scale;
            }
            return new LossValue(sum * scale, new Tensor(ls, grad), 0);
        }
    }

    @Override
    public OptimizerState optimizer(OptimizerSpec spec) {
        requireOpen();
        return new Optim(Objects.requireNonNull(spec, "spec"));
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@code g = grad + weightDecay p} (PyTorch's L2 form, for both optimizers):
     * SGD {@code v = momentum v + g} (v = g on the first step; no buffer when momentum is 0),
     * {@code p -= lr v}; Adam (step {@code t} from 1) {@code m = b1 m + (1-b1) g},
     * {@code v = b2 v + (1-b2) g^2},
     * {@code p -= (lr / (1-b1^t)) m / (sqrt(v) / sqrt(1-b2^t) + eps)}, as torch.optim.
     * Modifies this backend's parameters and {@code state}; {@code gradients} are only read.
     */
    @Override
    public void step(OptimizerState state, ParameterGradients gradients) {
        requireOpen();
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(gradients, "gradients");
        Optim opt = BackendChecks.ownedOptimizer(state, Optim.class, o -> o.owner() == this, "EjmlBackend");
        BackendChecks.checkOptimizerOpen(opt.closed);
        List<Layer.Parameter> params = net.trainableParameters();
        List<Tensor> grads = gradients.gradients();
        BackendChecks.checkGradients(params, grads);
        OptimizerSpec spec = opt.spec;
        long t = opt.steps + 1;
        double lr = spec.learningRate();
        double wd = spec.weightDecay();
        for (int q = 0; q < params.size(); q++) {
            double[] p = params.get(q).value().data();
            double[] g = grads.get(q).data();
            if (spec.kind() == OptimizerSpec.Kind.SGD) {
                double mu = spec.momentum();
                double[] buf = opt.first[q];
                for (int k = 0; k < p.length; k++) {
                    double gk = g[k] + wd * p[k];
                    if (mu != 0) {
                        buf[k] = t == 1 ? gk : mu * buf[k] + gk;
                        gk = buf[k];
                    }
                    p[k] -= lr * gk;
                }
            } else {
                double b1 = spec.beta1(), b2 = spec.beta2(), eps = spec.epsilon();
                double bc1 = 1 - Math.pow(b1, t);
                double bc2sqrt = Math.sqrt(1 - Math.pow(b2, t));
                double stepSize = lr / bc1;
                double[] m = opt.first[q];
                double[] v = opt.second[q];
                for (int k = 0; k < p.length; k++) {
                    double gk = g[k] + wd * p[k];
                    m[k] = b1 * m[k] + (1 - b1) * gk;
                    v[k] = b2 * v[k] + (1 - b2) * gk * gk;
                    p[k] -= stepSize * m[k] / (Math.sqrt(v[k]) / bc2sqrt + eps);
                }
            }
        }
        opt.steps = t;
        version++;
    }

    @Override
    public Network snapshot() {
        requireOpen();
        return net.copy();
    }

    /** Marks the backend closed (memory is left to the garbage collector); later calls fail. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    // ------------------------------------------------------------------------------------------
    // validation

    private void requireOpen() {
        BackendChecks.requireOpen(closed, "EjmlBackend");
    }

    private Pass checkPass(Recorded recorded, boolean needCurrentParameters) {
        Pass p = BackendChecks.ownedPass(recorded, Pass.class, q -> q.owner() == this, "EjmlBackend");
        BackendChecks.checkPassUsable(p.closed, needCurrentParameters && p.version != version);
        return p;
    }

    /** What a recorded forward pass keeps: every layer's input (and the logits) and max-pool arg-maxes. */
    private final class Pass implements Recorded {
        final int n;
        final double[][] acts;   // acts[i] = input of layer i, acts[L] = logits
        final int[][] argmax;    // per max-pool layer: [N, outSize] flat indices within the sample's input
        final long version;
        boolean closed;

        Pass(int n, double[][] acts, int[][] argmax, long version) {
            this.n = n;
            this.acts = acts;
            this.argmax = argmax;
            this.version = version;
        }

        EjmlBackend owner() {
            return EjmlBackend.this;
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
            return new Tensor(Shape.of(n, classes), acts[acts.length - 1].clone());
        }

        @Override
        public void close() {
            closed = true;
            for (int i = 0; i < acts.length; i++) {
                acts[i] = null;
            }
        }
    }

    /** Optimizer moments: {@code first} (SGD momentum buffer or Adam m) and {@code second} (Adam v). */
    private final class Optim implements OptimizerState {
        final OptimizerSpec spec;
        final double[][] first;
        final double[][] second;
        long steps;
        boolean closed;

        Optim(OptimizerSpec spec) {
            this.spec = spec;
            List<Layer.Parameter> ps = net.trainableParameters();
            first = new double[ps.size()][];
            second = new double[ps.size()][];
            for (int q = 0; q < ps.size(); q++) {
                first[q] = new double[ps.get(q).value().size()];
                second[q] = spec.kind() == OptimizerSpec.Kind.ADAM ? new double[ps.get(q).value().size()] : new double[0];
            }
        }

        EjmlBackend owner() {
            return EjmlBackend.this;
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
