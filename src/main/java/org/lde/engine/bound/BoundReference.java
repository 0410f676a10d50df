package org.lde.engine.bound;

import java.util.List;
import org.lde.model.Activation;
import org.lde.model.Affine;
import org.lde.model.AvgPool2d;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.GlobalAvgPool;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.Reshaping;
import org.lde.tensor.Shape;

/**
 * The float64 reference of the bound passes of METHOD.md section 7, per input set (one sample at
 * one {@code eps}), on a network whose BatchNorm is folded ({@link Network#folded()}): sequential or a
 * DAG ({@link Network#inputsOf}). Every backend answers {@code Backend.intervals} and
 * {@code Backend.boundBackward} with these unless it has kernels of its own.
 *
 * <p><b>Interval propagation (IBP).</b> Affine layers (Dense, grouped/dilated Conv2d, the per-channel
 * Affine node) map the center {@code m = (l + u) / 2} and radius {@code r = (u - l) / 2} to
 * {@code W m + b} and {@code |W| r}; ReLU, sigmoid, tanh, LeakyReLU with slope {@code >= 0}, MaxPool,
 * AvgPool and global average pooling are monotone and map {@code l} and {@code u} elementwise (a
 * LeakyReLU with a negative slope takes the extremes of the ends and 0); Add sums the bounds of its
 * inputs, Concat stacks them, the reshaping nodes pass them on.
 *
 * <p><b>Backward linear-bound pass (CROWN).</b> Rows {@code g(z) = a . z + c} at node {@code k} are
 * carried back to the input, so that {@code g(z_k(x')) >= a_0 . x' + c_0} for every {@code x'} whose
 * node bounds hold. On a graph the layers are walked in reverse topological order and the rows that
 * reach a node are summed over its readers (see {@link #backward}). Affine layers use their transpose
 * (a transposed convolution on each row's window, {@link LinearRows}). Activations use the lines of
 * {@link ActivationLines}: a coefficient {@code lambda >= 0} takes the lower line, {@code lambda < 0}
 * the upper one; for ReLU ({@code l >= 0} passes, {@code u <= 0} gives zero, otherwise with
 * {@code u <- max(u, l + 1e-8)} the upper line {@code s (z - l)}, {@code s = u / (u - l)}, and the lower
 * line {@code a z}, {@code a} from {@link Slopes}, adaptive by default). MaxPool: {@code i*} is the
 * first window element (row-major) whose lower bound is within {@code 1e-9 max(1, |max l|)} of the
 * largest; {@code z >= x_i*}, and {@code z <= x_i*} when {@code l_i* >= max_{j != i*} u_j}, else
 * {@code z <= max_j u_j}. AvgPool and global average pooling are affine. Only lower bounds are
 * produced: an upper bound of {@code g} is minus the lower bound of {@code -g}.
 *
 * <p><b>Arithmetic.</b> Float64 with round-to-nearest; nothing is rounded outward except the
 * sigmoid/tanh lines ({@link ActivationLines}). The bounds are exact bounds of the relaxation up to
 * float64 rounding (relative errors of order {@code 1e-16} times the magnitudes summed, many orders
 * below any tolerance the certifier uses).
 */
public final class BoundReference {
    /** The ReLU guard of METHOD.md section 7: {@code u <- max(u, l + 1e-8)}. */
    public static final double RELU_GUARD = 1e-8;
    /** The MaxPool tie rule: within {@code 1e-9 max(1, |max l|)} of the largest lower bound. */
    public static final double MAXPOOL_TIE = 1e-9;

    /** Width below which a sigmoid/tanh interval gets constant lines ({@link ActivationLines}): relative to {@code 1 + |l|}. */
    public static final double SSHAPED_DEGENERATE = ActivationLines.DEGENERATE;
    /** Relative outward margin of the sigmoid/tanh lines ({@link ActivationLines}). */
    public static final double SSHAPED_MARGIN = ActivationLines.MARGIN;
    /** Bisection steps of the sigmoid/tanh tangent search ({@link ActivationLines}). */
    public static final int SSHAPED_BISECTIONS = ActivationLines.BISECTIONS;

    private BoundReference() {
    }

    // ----------------------------------------------------------------------------------------
    // Interval propagation

    /**
     * IBP of every node from the input box {@code [lower, upper]} (flattened input), in the layers'
     * (topological) order.
     *
     * @return bounds of all {@code layers + 1} nodes
     */
    public static NodeBounds intervals(Network net, double[] lower, double[] upper) {
        List<Layer> layers = net.layers();
        NodeBounds b = new NodeBounds(layers.size());
        b.set(0, lower.clone(), upper.clone());
        for (int k = 0; k < layers.size(); k++) {
            double[][] out = intervalNode(net, k, b);
            b.set(k + 1, out[0], out[1]);
        }
        return b;
    }

    /**
     * Checks input boxes for {@code Backend.intervals}: {@code lower} and {@code upper} both
     * {@code [M, inputShape...]} and finite (a lower bound above its upper bound is refused when the
     * bounds are set).
     *
     * @return {@code M}
     */
    public static int checkBoxes(Network net, org.lde.tensor.Tensor lower, org.lde.tensor.Tensor upper) {
        int d = net.inputSize();
        if (!lower.shape().equals(upper.shape()) || lower.shape().rank() < 1 || lower.size() != (long) lower.shape().dim(0) * d) {
            throw new IllegalArgumentException("intervals: lower " + lower.shape() + " and upper " + upper.shape()
                    + " must both be [M, " + net.inputShape() + "]");
        }
        lower.requireFinite("intervals: lower");
        upper.requireFinite("intervals: upper");
        for (int i = 0; i < lower.size(); i++) {
            if (!(lower.data()[i] <= upper.data()[i])) {
                throw new IllegalArgumentException("intervals: lower bound " + lower.data()[i] + " is above the upper bound "
                        + upper.data()[i] + " at flat index " + i);
            }
        }
        return lower.shape().dim(0);
    }

    /** The node index of layer {@code k}'s {@code i}-th input (0 = the network's input, {@code j + 1} = layer j's output). */
    static int inputNode(Network net, int k, int i) {
        return net.inputsOf(k)[i] + 1;
    }

    /** The grid of node {@code n} (0 = the input). */
    static Grid nodeGrid(Network net, int n) {
        return Grid.of(n == 0 ? net.inputShape() : net.outputShape(n - 1));
    }

    /** IBP through layer {@code k} from the bounds of the nodes it reads in {@code b}: {@code {lower, upper}}. */
    public static double[][] intervalNode(Network net, int k, NodeBounds b) {
        Layer layer = net.layers().get(k);
        int[] ins = net.inputsOf(k);
        if (layer instanceof org.lde.model.Add) {
            int n = net.outputShape(k).sizeInt();
            double[] ol = new double[n];
            double[] oh = new double[n];
            for (int j : ins) {
                double[] l = b.lower(j + 1);
                double[] u = b.upper(j + 1);
                for (int i = 0; i < n; i++) {
                    ol[i] += l[i];
                    oh[i] += u[i];
                }
            }
            return new double[][] {ol, oh};
        }
        if (layer instanceof org.lde.model.Concat) {
            int n = net.outputShape(k).sizeInt();
            double[] ol = new double[n];
            double[] oh = new double[n];
            int off = 0;
            for (int j : ins) {
                double[] l = b.lower(j + 1);
                System.arraycopy(l, 0, ol, off, l.length);
                System.arraycopy(b.upper(j + 1), 0, oh, off, l.length);
                off += l.length;
            }
            return new double[][] {ol, oh};
        }
        return intervalLayer(net, k, b.lower(ins[0] + 1), b.upper(ins[0] + 1));
    }

    /** IBP through single-input layer {@code k}: {@code {lower, upper}} of its output from those of its input. */
    public static double[][] intervalLayer(Network net, int k, double[] lo, double[] hi) {
        Layer layer = net.layers().get(k);
        Grid in = Grid.of(net.inputShape(k));
        Grid out = Grid.of(net.outputShape(k));
        double[] ol = new double[out.size()];
        double[] oh = new double[out.size()];
        if (layer instanceof Dense || layer instanceof Conv2d || layer instanceof Affine) {
            double[] m = new double[lo.length];
            double[] r = new double[lo.length];
            for (int i = 0; i < lo.length; i++) {
                m[i] = 0.5 * (lo[i] + hi[i]);
                r[i] = 0.5 * (hi[i] - lo[i]);
            }
            double[] om = new double[out.size()];
            double[] or = new double[out.size()];
            affineForward(layer, in, out, m, false, true, om);
            affineForward(layer, in, out, r, true, false, or);
            for (int i = 0; i < om.length; i++) {
                ol[i] = om[i] - or[i];
                oh[i] = om[i] + or[i];
            }
        } else if (layer instanceof Activation f) {
            double s = ActivationLines.leakSlope(f);
            for (int i = 0; i < lo.length; i++) {
                if (Double.isNaN(s) || s >= 0) {
                    // monotone nondecreasing
                    ol[i] = f.apply(lo[i]);
                    oh[i] = f.apply(hi[i]);
                } else {
                    // a LeakyReLU with a negative slope: the extremes are at the ends or at 0
                    double a = f.apply(lo[i]);
                    double c = f.apply(hi[i]);
                    boolean zero = lo[i] < 0 && hi[i] > 0;
                    ol[i] = Math.min(Math.min(a, c), zero ? 0 : Double.POSITIVE_INFINITY);
                    oh[i] = Math.max(Math.max(a, c), zero ? 0 : Double.NEGATIVE_INFINITY);
                }
            }
        } else if (layer instanceof MaxPool2d p) {
            poolForward(p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), true, in, out, lo, ol);
            poolForward(p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), true, in, out, hi, oh);
        } else if (layer instanceof AvgPool2d p) {
            poolForward(p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), false, in, out, lo, ol);
            poolForward(p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), false, in, out, hi, oh);
        } else if (layer instanceof GlobalAvgPool) {
            globalAvg(in, lo, ol);
            globalAvg(in, hi, oh);
        } else if (layer instanceof Reshaping) {
            System.arraycopy(lo, 0, ol, 0, lo.length);
            System.arraycopy(hi, 0, oh, 0, hi.length);
        } else {
            throw unsupported(layer);
        }
        return new double[][] {ol, oh};
    }

    static void globalAvg(Grid in, double[] x, double[] y) {
        for (int c = 0; c < in.c(); c++) {
            double s = 0;
            for (int i = 0; i < in.plane(); i++) {
                s += x[c * in.plane() + i];
            }
            y[c] = s / in.plane();
        }
    }

    /** Whether alpha-CROWN optimizes this activation's lower slopes (ReLU, LeakyReLU with slope {@code <= 1}). */
    public static boolean optimizable(Activation f) {
        return ActivationLines.optimizable(f);
    }

    /** The negative-side slope {@code s} of a ReLU (0) or LeakyReLU; NaN for sigmoid and tanh. */
    public static double leakSlope(Activation f) {
        return ActivationLines.leakSlope(f);
    }

    /** CROWN's adaptive lower slope of a ReLU/LeakyReLU neuron with bounds {@code [l, u]}: 1 if {@code u > -l}, else {@code s}. */
    public static double adaptiveSlope(double s, double l, double u) {
        return ActivationLines.adaptive(s, l, u);
    }

    static IllegalArgumentException unsupported(Layer layer) {
        return new IllegalArgumentException("layer '" + layer.name() + "' (" + layer.kind()
                + ") has no bound rule; fold BatchNorm first (Network.folded())");
    }

    /**
     * {@code out = W x (+ b)} for a Dense or Conv2d layer, with {@code |W|} when {@code abs}.
     */
    static void affineForward(Layer layer, Grid in, Grid out, double[] x, boolean abs, boolean withBias, double[] y) {
        if (layer instanceof Dense d) {
            double[] w = d.weight().data();
            double[] b = d.bias().data();
            int n = d.in();
            for (int o = 0; o < d.out(); o++) {
                double s = withBias ? b[o] : 0;
                int base = o * n;
                if (abs) {
                    for (int i = 0; i < n; i++) {
                        s += Math.abs(w[base + i]) * x[i];
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        s += w[base + i] * x[i];
                    }
                }
                y[o] = s;
            }
            return;
        }
        if (layer instanceof Affine af) {
            double[] w = af.weight().data();
            double[] b = af.bias().data();
            int plane = in.plane();
            for (int c = 0; c < in.c(); c++) {
                double wc = abs ? Math.abs(w[c]) : w[c];
                double bc = withBias ? b[c] : 0;
                for (int i = c * plane; i < (c + 1) * plane; i++) {
                    y[i] = wc * x[i] + bc;
                }
            }
            return;
        }
        Conv2d c = (Conv2d) layer;
        double[] w = c.weight().data();
        double[] b = c.bias().data();
        int kh = c.kernelH();
        int kw = c.kernelW();
        int gi = c.groupInChannels();
        int go = c.groupOutChannels();
        for (int o = 0; o < out.c(); o++) {
            int first = (o / go) * gi;
            for (int i = 0; i < out.h(); i++) {
                for (int j = 0; j < out.w(); j++) {
                    double s = withBias ? b[o] : 0;
                    for (int ch = 0; ch < gi; ch++) {
                        for (int u = 0; u < kh; u++) {
                            int r = i * c.strideH() - c.padH() + u * c.dilationH();
                            if (r < 0 || r >= in.h()) {
                                continue;
                            }
                            int wb = ((o * gi + ch) * kh + u) * kw;
                            int xb = ((first + ch) * in.h() + r) * in.w();
                            for (int v = 0; v < kw; v++) {
                                int q = j * c.strideW() - c.padW() + v * c.dilationW();
                                if (q >= 0 && q < in.w()) {
                                    double wv = abs ? Math.abs(w[wb + v]) : w[wb + v];
                                    s += wv * x[xb + q];
                                }
                            }
                        }
                    }
                    y[(o * out.h() + i) * out.w() + j] = s;
                }
            }
        }
    }

    /** Max (padded cells skipped) or average (padded cells zero, divisor {@code kh kw}) pooling of one image. */
    static void poolForward(int kh, int kw, int sh, int sw, int ph, int pw, boolean max, Grid in, Grid out, double[] x,
                            double[] y) {
        for (int c = 0; c < out.c(); c++) {
            for (int i = 0; i < out.h(); i++) {
                for (int j = 0; j < out.w(); j++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    for (int u = 0; u < kh; u++) {
                        int r = i * sh - ph + u;
                        if (r < 0 || r >= in.h()) {
                            continue;
                        }
                        for (int v = 0; v < kw; v++) {
                            int q = j * sw - pw + v;
                            if (q < 0 || q >= in.w()) {
                                continue;
                            }
                            double val = x[(c * in.h() + r) * in.w() + q];
                            acc = max ? Math.max(acc, val) : acc + val;
                        }
                    }
                    y[(c * out.h() + i) * out.w() + j] = max ? acc : acc / (kh * kw);
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // The MaxPool relaxation

    /**
     * The MaxPool rule of METHOD.md section 7 for one layer: per output cell the input index
     * {@code i*}, whether the upper line is {@code x_i*} ({@code upperIsInput}), else the constant
     * {@code upperConst = max_j u_j}.
     */
    record MaxPoolRule(int[] star, boolean[] upperIsInput, double[] upperConst) {
        static MaxPoolRule of(MaxPool2d p, Grid in, Grid out, double[] l, double[] u) {
            int n = out.size();
            int[] star = new int[n];
            boolean[] var = new boolean[n];
            double[] uc = new double[n];
            for (int c = 0; c < out.c(); c++) {
                for (int i = 0; i < out.h(); i++) {
                    for (int j = 0; j < out.w(); j++) {
                        int o = (c * out.h() + i) * out.w() + j;
                        double lmax = Double.NEGATIVE_INFINITY;
                        double umax = Double.NEGATIVE_INFINITY;
                        for (int a = 0; a < p.kernelH(); a++) {
                            int r = i * p.strideH() - p.padH() + a;
                            for (int v = 0; v < p.kernelW() && r >= 0 && r < in.h(); v++) {
                                int q = j * p.strideW() - p.padW() + v;
                                if (q >= 0 && q < in.w()) {
                                    int idx = (c * in.h() + r) * in.w() + q;
                                    lmax = Math.max(lmax, l[idx]);
                                    umax = Math.max(umax, u[idx]);
                                }
                            }
                        }
                        double tie = lmax - MAXPOOL_TIE * Math.max(1, Math.abs(lmax));
                        int s = -1;
                        for (int a = 0; a < p.kernelH() && s < 0; a++) {
                            int r = i * p.strideH() - p.padH() + a;
                            for (int v = 0; v < p.kernelW() && r >= 0 && r < in.h() && s < 0; v++) {
                                int q = j * p.strideW() - p.padW() + v;
                                if (q >= 0 && q < in.w() && l[(c * in.h() + r) * in.w() + q] >= tie) {
                                    s = (c * in.h() + r) * in.w() + q;
                                }
                            }
                        }
                        double otherU = Double.NEGATIVE_INFINITY;
                        for (int a = 0; a < p.kernelH(); a++) {
                            int r = i * p.strideH() - p.padH() + a;
                            for (int v = 0; v < p.kernelW() && r >= 0 && r < in.h(); v++) {
                                int q = j * p.strideW() - p.padW() + v;
                                int idx = (c * in.h() + r) * in.w() + q;
                                if (q >= 0 && q < in.w() && idx != s) {
                                    otherU = Math.max(otherU, u[idx]);
                                }
                            }
                        }
                        star[o] = s;
                        var[o] = l[s] >= otherU;
                        uc[o] = umax;
                    }
                }
            }
            return new MaxPoolRule(star, var, uc);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Backward linear-bound pass

    /**
     * Carries {@code rows} (at node {@code startNode}) back to the input: the returned rows
     * {@code (a_0, c_0)} satisfy {@code rows(z_start(x')) >= a_0 . x' + c_0} for every input
     * {@code x'} whose node bounds in {@code b} hold. {@code rows} is not modified.
     *
     * <p>On a graph the layers are walked in reverse (topological) order with one row set per node: the
     * rows that reach a node are the sum of what each of its readers sends back (a fork sums its
     * branches' coefficients and biases), complete once every later layer is done. {@code Add} sends the
     * rows to each input (the bias to the first only), {@code Concat} the slice of its channels to each.
     * Layers that do not lead to {@code startNode} receive no rows and are skipped.
     *
     * @param b bounds of the input nodes of every activation and MaxPool layer that leads to {@code startNode}
     * @param slopes lower slopes of free neurons per row ({@link Slopes#ADAPTIVE} for CROWN)
     * @param trace when not null (length {@code layers}), receives at index {@code k} the rows at the
     *     output of every activation/MaxPool layer {@code k} that leads to the start (the coefficients
     *     {@code lambda} that chose the lines), for {@link #slopeGradient}
     */
    public static LinearRows backward(Network net, NodeBounds b, int startNode, LinearRows rows, Slopes slopes,
                                      LinearRows[] trace) {
        List<Layer> layers = net.layers();
        if (startNode < 0 || startNode > layers.size()) {
            throw new IllegalArgumentException("start node " + startNode + " is outside [0, " + layers.size() + "]");
        }
        Grid start = nodeGrid(net, startNode);
        if (rows.channels() != start.c()) {
            throw new IllegalArgumentException("rows with " + rows.channels() + " channels do not fit node " + startNode
                    + " with grid " + start);
        }
        LinearRows[] acc = new LinearRows[layers.size() + 1];
        acc[startNode] = rows.copy();
        for (int k = startNode - 1; k >= 0; k--) {
            LinearRows cur = acc[k + 1];
            if (cur == null) {
                continue;
            }
            acc[k + 1] = null;
            Layer layer = layers.get(k);
            int[] ins = net.inputsOf(k);
            Grid out = Grid.of(net.outputShape(k));
            if (layer instanceof org.lde.model.Add) {
                double[] zero = new double[cur.rows()];
                for (int i = 0; i < ins.length; i++) {
                    LinearRows part = i == 0 ? cur : cur.copyWithBias(zero.clone());
                    accumulate(net, acc, ins[i] + 1, part);
                }
                continue;
            }
            if (layer instanceof org.lde.model.Concat) {
                int from = 0;
                for (int i = 0; i < ins.length; i++) {
                    int ch = nodeGrid(net, ins[i] + 1).c();
                    accumulate(net, acc, ins[i] + 1, cur.channelSlice(from, ch, i == 0 ? cur.bias().clone()
                            : new double[cur.rows()]));
                    from += ch;
                }
                continue;
            }
            int n = ins[0] + 1;
            Grid in = nodeGrid(net, n);
            if (trace != null && (layer instanceof Activation || layer instanceof MaxPool2d)) {
                trace[k] = cur.copy();
            }
            if (layer instanceof Dense d) {
                cur = BackwardOps.dense(d, cur);
            } else if (layer instanceof Conv2d c) {
                cur = BackwardOps.window(cur, in, c.kernelH(), c.kernelW(), c.strideH(), c.strideW(), c.padH(), c.padW(),
                        c.groups(), c.dilationH(), c.dilationW(), c.weight().data(), c.bias().data(), -1);
            } else if (layer instanceof AvgPool2d p) {
                cur = BackwardOps.window(cur, in, out, p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(),
                        null, null, 1.0 / (p.kernelH() * p.kernelW()));
            } else if (layer instanceof Affine af) {
                cur = BackwardOps.affine(cur, af.weight().data(), af.bias().data());
            } else if (layer instanceof Activation f) {
                BackwardOps.activation(cur, in, ActivationLines.of(f, b.lower(n), b.upper(n)), slopes, k);
            } else if (layer instanceof MaxPool2d p) {
                cur = BackwardOps.maxPool(cur, in, out, p, MaxPoolRule.of(p, in, out, b.lower(n), b.upper(n)));
            } else if (layer instanceof GlobalAvgPool) {
                cur = BackwardOps.globalAvgPool(cur, in, out);
            } else if (layer instanceof Reshaping) {
                cur = BackwardOps.reshape(cur, in, out);
            } else {
                throw unsupported(layer);
            }
            accumulate(net, acc, n, cur);
        }
        if (acc[0] == null) {
            // only when startNode is 0 (every node depends on the input)
            throw new IllegalStateException("no rows reached the input from node " + startNode);
        }
        return acc[0];
    }

    /** Adds {@code part} to the rows of node {@code n}. */
    private static void accumulate(Network net, LinearRows[] acc, int n, LinearRows part) {
        acc[n] = acc[n] == null ? part : LinearRows.sum(acc[n], part, nodeGrid(net, n));
    }

    // ----------------------------------------------------------------------------------------
    // Concretization

    /**
     * Lower bounds of rows at the input over the set {@code S} of METHOD.md section 7:
     * {@code min_{x' in S} a . x' + c}. L_inf: {@code a . x' } at the box vertex of
     * {@code [max(x - eps, lo), min(x + eps, hi)]}; L2: {@code a . x - eps ||a||_2 + c}.
     *
     * @param x the center, flattened input
     * @param out receives {@code rows} values from {@code offset}
     */
    public static void concretize(LinearRows rows, Shape inputShape, double[] x, double eps, Norm norm, double lo, double hi,
                                  double[] out, int offset) {
        Grid g = Grid.of(inputShape);
        // L_inf: a . x' >= a . mid - |a| . rad over the box [mid - rad, mid + rad] (exact, and branch-free);
        // L2: a . x - eps ||a||_2.
        double[] mid = new double[x.length];
        double[] rad = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            if (norm == Norm.LINF) {
                double l = Math.max(x[i] - eps, lo);
                double u = Math.min(x[i] + eps, hi);
                mid[i] = 0.5 * (l + u);
                rad[i] = 0.5 * (u - l);
            } else {
                mid[i] = x[i];
            }
        }
        double[] a = rows.coefficients();
        int wh = rows.windowH();
        int ww = rows.windowW();
        for (int r = 0; r < rows.rows(); r++) {
            double s = rows.bias()[r];
            double spread = 0;
            int base = r * rows.rowSize();
            int j0 = Math.max(0, -rows.originW(r));
            int j1 = Math.min(ww, g.w() - rows.originW(r));
            for (int c = 0; c < rows.channels(); c++) {
                for (int i = 0; i < wh; i++) {
                    int gi = rows.originH(r) + i;
                    if (gi < 0 || gi >= g.h()) {
                        continue;
                    }
                    int ab = base + (c * wh + i) * ww;
                    int xb = (c * g.h() + gi) * g.w() + rows.originW(r);
                    if (norm == Norm.LINF) {
                        for (int j = j0; j < j1; j++) {
                            double v = a[ab + j];
                            s += v * mid[xb + j];
                            spread += Math.abs(v) * rad[xb + j];
                        }
                    } else {
                        for (int j = j0; j < j1; j++) {
                            double v = a[ab + j];
                            s += v * mid[xb + j];
                            spread += v * v;
                        }
                    }
                }
            }
            out[offset + r] = norm == Norm.L2 ? s - eps * Math.sqrt(spread) : s - spread;
        }
    }

    /** The minimizer of {@link #concretize} for row {@code r}: the input point where the row's bound is attained. */
    static double[] minimizer(LinearRows rows, int r, Shape inputShape, double[] x, double eps, Norm norm, double lo, double hi) {
        Grid g = Grid.of(inputShape);
        double[] a = rows.dense(r, g);
        double[] p = new double[x.length];
        double n2 = 0;
        for (double v : a) {
            n2 += v * v;
        }
        double n = Math.sqrt(n2);
        for (int i = 0; i < x.length; i++) {
            if (norm == Norm.LINF) {
                p[i] = a[i] > 0 ? Math.max(x[i] - eps, lo) : Math.min(x[i] + eps, hi);
            } else {
                p[i] = n > 0 ? x[i] - eps * a[i] / n : x[i];
            }
        }
        return p;
    }

    // ----------------------------------------------------------------------------------------
    // alpha-CROWN: the gradient of a row's bound with respect to its lower slopes

    /**
     * The gradient of row {@code r}'s concretized lower bound with respect to its free lower slopes (ReLU,
     * LeakyReLU with slope {@code <= 1}; {@link ActivationLines}).
     * With the lines fixed by the signs of {@code lambda} (recorded in {@code trace} by
     * {@link #backward}), the bound is {@code min_{x' in S} F(x')} of the composed linear lines, so
     * (Danskin) its derivative in the slope {@code a_j} of an unstable neuron with {@code lambda_j >= 0}
     * is {@code lambda_j z_j(x*)}: the coefficient times the pre-activation value that the relaxed
     * network (every neuron on its chosen line) computes at the minimizer {@code x*}. This is the
     * adjoint of the backward pass: one forward pass of {@code x*} per row.
     *
     * @param input the rows at the input returned by {@link #backward} (for {@code x*})
     * @param grad receives, at {@code grad[k]} (when not null) for every activation layer {@code k} that leads to
     *     the start, the gradient (overwritten; zero for neurons whose slope is not free)
     * @return the relaxed network's value of the row at {@code x*}, which equals the concretized bound
     *     (a check of the adjoint)
     */
    public static double slopeGradient(Network net, NodeBounds b, LinearRows start, int startNode, int r, LinearRows input,
                                       LinearRows[] trace, Slopes slopes, double[] x, double eps, Norm norm, double lo,
                                       double hi, double[][] grad) {
        List<Layer> layers = net.layers();
        double[][] z = new double[startNode + 1][];
        z[0] = minimizer(input, r, net.inputShape(), x, eps, norm, lo, hi);
        boolean[] leads = leadsTo(net, startNode);
        for (int k = 0; k < startNode; k++) {
            if (!leads[k]) {
                continue;
            }
            Layer layer = layers.get(k);
            int[] ins = net.inputsOf(k);
            Grid out = Grid.of(net.outputShape(k));
            double[] y = new double[out.size()];
            if (layer instanceof org.lde.model.Add) {
                for (int j : ins) {
                    for (int i = 0; i < y.length; i++) {
                        y[i] += z[j + 1][i];
                    }
                }
                z[k + 1] = y;
                continue;
            }
            if (layer instanceof org.lde.model.Concat) {
                int off = 0;
                for (int j : ins) {
                    System.arraycopy(z[j + 1], 0, y, off, z[j + 1].length);
                    off += z[j + 1].length;
                }
                z[k + 1] = y;
                continue;
            }
            int n = ins[0] + 1;
            double[] v = z[n];
            Grid in = nodeGrid(net, n);
            if (layer instanceof Dense || layer instanceof Conv2d || layer instanceof Affine) {
                affineForward(layer, in, out, v, false, true, y);
            } else if (layer instanceof AvgPool2d p) {
                poolForward(p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), false, in, out, v, y);
            } else if (layer instanceof GlobalAvgPool) {
                globalAvg(in, v, y);
            } else if (layer instanceof Reshaping) {
                y = v;
            } else if (layer instanceof Activation f) {
                double[] lam = trace[k].dense(r, out);
                ActivationLines lines = ActivationLines.of(f, b.lower(n), b.upper(n));
                double[] a = slopes.of(r, k);
                double[] g = grad[k];
                if (g != null) {
                    java.util.Arrays.fill(g, 0);
                }
                for (int i = 0; i < v.length; i++) {
                    if (lam[i] >= 0) {
                        boolean free = a != null && lines.free[i];
                        y[i] = (free ? a[i] : lines.lowA[i]) * v[i] + lines.lowB[i];
                        if (lines.free[i] && g != null) {
                            g[i] = lam[i] * v[i];
                        }
                    } else {
                        y[i] = lines.upA[i] * v[i] + lines.upB[i];
                    }
                }
            } else if (layer instanceof MaxPool2d p) {
                double[] lam = trace[k].dense(r, out);
                MaxPoolRule rule = MaxPoolRule.of(p, in, out, b.lower(n), b.upper(n));
                for (int o = 0; o < y.length; o++) {
                    y[o] = lam[o] >= 0 || rule.upperIsInput()[o] ? v[rule.star()[o]] : rule.upperConst()[o];
                }
            } else {
                throw unsupported(layer);
            }
            z[k + 1] = y;
        }
        double[] a = start.dense(r, nodeGrid(net, startNode));
        double val = start.bias()[r];
        for (int i = 0; i < a.length; i++) {
            val += a[i] * z[startNode][i];
        }
        return val;
    }

    /** {@code leads[k]}: whether layer {@code k}'s output is node {@code startNode} or an ancestor of it. */
    public static boolean[] leadsTo(Network net, int startNode) {
        boolean[] need = new boolean[startNode + 1];
        need[startNode] = true;
        boolean[] leads = new boolean[Math.max(0, startNode)];
        for (int k = startNode - 1; k >= 0; k--) {
            if (need[k + 1]) {
                leads[k] = true;
                for (int j : net.inputsOf(k)) {
                    need[j + 1] = true;
                }
            }
        }
        return leads;
    }
}
