package org.lde.certify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.lde.engine.Backend;
import org.lde.engine.bound.BoundReference;
import org.lde.engine.bound.LinearRows;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Norm;
import org.lde.engine.bound.Slopes;
import org.lde.model.Activation;
import org.lde.model.Dense;
import org.lde.model.Layer;
import org.lde.model.LeakyReLU;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Bounds for a batch of input sets ("instances": one sample at one eps), in chunks of instances whose
 * back-substitution rows fit a memory budget. Asks the backend for IBP and backward passes; does the
 * concretization and the alpha-CROWN ascent on the host in float64.
 */
final class BoundEngine {
    private final Backend backend;
    private final Network net;
    private final Certifier.Settings s;
    private final int layers;

    BoundEngine(Backend backend, Certifier.Settings settings) {
        this.backend = backend;
        this.net = backend.network();
        this.s = settings;
        this.layers = net.layers().size();
    }

    Shape nodeShape(int k) {
        return k == 0 ? net.inputShape() : net.outputShape(k - 1);
    }

    /**
     * Lower (and optionally upper) bounds of {@code spec[i]} ({@code [R, C]}) over the set of instance
     * {@code i} (center {@code x[i]}, radius {@code eps[i]}).
     *
     * @return {@code {lower [M*R], upper [M*R] or null}}
     */
    double[][] specBounds(double[][] x, double[] eps, double[][] spec, int rows, boolean withUpper) {
        int m = x.length;
        double[] lower = new double[m * rows];
        double[] upper = withUpper ? new double[m * rows] : null;
        int chunk = instancesPerChunk();
        for (int from = 0; from < m; from += chunk) {
            int to = Math.min(m, from + chunk);
            chunk(x, eps, spec, rows, from, to, lower, upper);
        }
        return new double[][] {lower, upper};
    }

    private int instancesPerChunk() {
        long worst = 1;
        for (int k = 1; k <= layers; k++) {
            worst = Math.max(worst, 2L * nodeShape(k).size() * Math.max(1, windowCells(k)));
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, s.memoryBudget() / worst));
    }

    /** The largest row size on the way back from a single neuron of node {@code k} to the input. */
    private long windowCells(int k) {
        if (!net.sequential()) {
            // forks and joins may turn windows into whole nodes: the largest node at or below k
            long worst = 1;
            for (int j = 0; j <= k; j++) {
                worst = Math.max(worst, nodeShape(j).size());
            }
            return worst;
        }
        Shape sh = nodeShape(k);
        long h = 1;
        long w = 1;
        long cells = sh.sizeInt() / (sh.rank() == 3 ? (long) sh.dim(1) * sh.dim(2) : 1);
        long worst = cells;
        for (int j = k - 1; j >= 0; j--) {
            Layer l = net.layers().get(j);
            Shape in = net.inputShape(j);
            int ih = in.rank() == 3 ? in.dim(1) : 1;
            int iw = in.rank() == 3 ? in.dim(2) : 1;
            int c = in.rank() == 3 ? in.dim(0) : in.sizeInt();
            if (l instanceof org.lde.model.Conv2d cv) {
                h = (h - 1) * cv.strideH() + cv.spanH();
                w = (w - 1) * cv.strideW() + cv.spanW();
            } else if (l instanceof MaxPool2d p) {
                h = (h - 1) * p.strideH() + p.kernelH();
                w = (w - 1) * p.strideW() + p.kernelW();
            } else if (l instanceof org.lde.model.AvgPool2d p) {
                h = (h - 1) * p.strideH() + p.kernelH();
                w = (w - 1) * p.strideW() + p.kernelW();
            } else if (l instanceof org.lde.model.Reshaping || l instanceof Dense || l instanceof org.lde.model.GlobalAvgPool) {
                h = ih;
                w = iw;
            }
            h = Math.min(h, ih);
            w = Math.min(w, iw);
            worst = Math.max(worst, c * h * w);
        }
        return worst;
    }

    /** IBP of every node for instances {@code [from, to)}. */
    private List<NodeBounds> ibp(double[][] x, double[] eps, int from, int to) {
        int p = to - from;
        int d = net.inputSize();
        double[] bl = new double[p * d];
        double[] bu = new double[p * d];
        for (int i = 0; i < p; i++) {
            double[] xi = x[from + i];
            double e = eps[from + i];
            for (int j = 0; j < d; j++) {
                bl[i * d + j] = s.norm() == Norm.LINF ? Math.max(xi[j] - e, s.lo()) : xi[j] - e;
                bu[i * d + j] = s.norm() == Norm.LINF ? Math.min(xi[j] + e, s.hi()) : xi[j] + e;
            }
        }
        Shape batch = net.inputShape().withBatch(p);
        return backend.intervals(new Tensor(batch, bl), new Tensor(batch, bu));
    }

    /**
     * The node bounds the method uses for instances {@code [from, to)}: IBP's for IBP and CROWN-IBP, CROWN's
     * (at the input nodes of activation and MaxPool layers) for CROWN and alpha-CROWN.
     */
    List<NodeBounds> nodeBounds(double[][] x, double[] eps, int from, int to) {
        List<NodeBounds> ibp = ibp(x, eps, from, to);
        return s.method() == Method.IBP || s.method() == Method.CROWN_IBP ? ibp : crownIntermediate(ibp, x, eps, from, to);
    }

    private void chunk(double[][] x, double[] eps, double[][] spec, int rows, int from, int to, double[] lower, double[] upper) {
        int p = to - from;
        List<NodeBounds> ibp = ibp(x, eps, from, to);
        if (s.method() == Method.IBP) {
            for (int i = 0; i < p; i++) {
                ibpSpec(ibp.get(i), spec[from + i], rows, lower, upper, (from + i) * rows);
            }
            return;
        }
        List<NodeBounds> nb = s.method() == Method.CROWN_IBP ? ibp : crownIntermediate(ibp, x, eps, from, to);
        List<LinearRows> specRows = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            LinearRows r = LinearRows.full(nodeShape(layers), rows, spec[from + i].clone());
            specRows.add(upper == null ? r : stack(r, r.negated()));
        }
        int total = upper == null ? rows : 2 * rows;
        double[][] lb = new double[p][total];
        if (s.method() == Method.ALPHA_CROWN) {
            IntStream.range(0, p).parallel().forEach(i -> lb[i] = AlphaCrown.optimize(net, nb.get(i), specRows.get(i), layers,
                    x[from + i], eps[from + i], s));
        } else {
            // the backend's backward pass and concretization (on a GpuBackend both run on the device, float64)
            List<double[]> in = backend.boundLower(nb, layers, specRows, java.util.Collections.nCopies(p, Slopes.ADAPTIVE),
                    Arrays.copyOfRange(x, from, to), Arrays.copyOfRange(eps, from, to), s.norm(), s.lo(), s.hi());
            for (int i = 0; i < p; i++) {
                lb[i] = in.get(i);
            }
        }
        for (int i = 0; i < p; i++) {
            System.arraycopy(lb[i], 0, lower, (from + i) * rows, rows);
            if (upper != null) {
                for (int r = 0; r < rows; r++) {
                    upper[(from + i) * rows + r] = -lb[i][rows + r];
                }
            }
        }
    }

    /** Rows {@code a} then rows {@code b} (same window). */
    static LinearRows stack(LinearRows a, LinearRows b) {
        double[] c = Arrays.copyOf(a.coefficients(), a.coefficients().length + b.coefficients().length);
        System.arraycopy(b.coefficients(), 0, c, a.coefficients().length, b.coefficients().length);
        return LinearRows.full(Shape.of(a.channels()), a.rows() + b.rows(), c);
    }

    /** IBP of the specification, folded into the last Dense layer when there is one (tighter than {@code C [l, u]}). */
    private void ibpSpec(NodeBounds b, double[] spec, int rows, double[] lower, double[] upper, int off) {
        Layer last = net.layers().get(layers - 1);
        int classes = net.outputSize();
        if (last instanceof Dense dense) {
            int in = net.inputsOf(layers - 1)[0] + 1;
            double[] l = b.lower(in);
            double[] u = b.upper(in);
            int n = dense.in();
            double[] w = dense.weight().data();
            double[] bias = dense.bias().data();
            double[] row = new double[n];
            for (int r = 0; r < rows; r++) {
                Arrays.fill(row, 0);
                double c = 0;
                for (int o = 0; o < classes; o++) {
                    double v = spec[r * classes + o];
                    if (v != 0) {
                        c += v * bias[o];
                        for (int i = 0; i < n; i++) {
                            row[i] += v * w[o * n + i];
                        }
                    }
                }
                double mid = c;
                double rad = 0;
                for (int i = 0; i < n; i++) {
                    mid += row[i] * 0.5 * (l[i] + u[i]);
                    rad += Math.abs(row[i]) * 0.5 * (u[i] - l[i]);
                }
                lower[off + r] = mid - rad;
                if (upper != null) {
                    upper[off + r] = mid + rad;
                }
            }
            return;
        }
        double[] l = b.lower(layers);
        double[] u = b.upper(layers);
        for (int r = 0; r < rows; r++) {
            double lo = 0;
            double hi = 0;
            for (int o = 0; o < classes; o++) {
                double v = spec[r * classes + o];
                lo += v > 0 ? v * l[o] : v * u[o];
                hi += v > 0 ? v * u[o] : v * l[o];
            }
            lower[off + r] = lo;
            if (upper != null) {
                upper[off + r] = hi;
            }
        }
    }

    /**
     * CROWN bounds of the input node of every activation and MaxPool layer, in node order: a node
     * produced by an activation, MaxPool or reshaping layer from a bounded node takes that layer's
     * (monotone) interval; any other node is bounded by back-substitution to the input, for the
     * neurons IBP leaves unstable (when every nonlinear reader is a ReLU or LeakyReLU) or for all, and
     * intersected with IBP (both are sound).
     */
    private List<NodeBounds> crownIntermediate(List<NodeBounds> ibp, double[][] x, double[] eps, int from, int to) {
        int p = to - from;
        List<NodeBounds> out = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            NodeBounds b = new NodeBounds(layers);
            b.set(0, ibp.get(i).lower(0), ibp.get(i).upper(0));
            out.add(b);
        }
        boolean[] needed = new boolean[layers + 1];
        boolean[] all = new boolean[layers + 1];
        for (int k = 0; k < layers; k++) {
            Layer l = net.layers().get(k);
            if (l instanceof Activation || l instanceof MaxPool2d) {
                int n = net.inputsOf(k)[0] + 1;
                needed[n] = true;
                all[n] |= !(l instanceof ReLU || l instanceof LeakyReLU);
            }
        }
        for (int n = 1; n < layers; n++) {
            if (!needed[n]) {
                continue;
            }
            Layer prev = net.layers().get(n - 1);
            int src = net.inputsOf(n - 1)[0] + 1;
            if ((prev instanceof Activation || prev instanceof MaxPool2d || prev instanceof org.lde.model.Reshaping)
                    && out.get(0).has(src)) {
                for (NodeBounds b : out) {
                    double[][] iv = BoundReference.intervalLayer(net, n - 1, b.lower(src), b.upper(src));
                    b.set(n, iv[0], iv[1]);
                }
                continue;
            }
            backSubstitute(n, !all[n], ibp, out, x, eps, from);
        }
        return out;
    }

    private void backSubstitute(int k, boolean onlyUnstable, List<NodeBounds> ibp, List<NodeBounds> out, double[][] x,
                                double[] eps, int from) {
        int p = out.size();
        int size = nodeShape(k).sizeInt();
        long cells = Math.max(1, windowCells(k));
        int block = (int) Math.max(1, Math.min(size, s.memoryBudget() / (2L * cells * p)));
        double[][] lo = new double[p][];
        double[][] hi = new double[p][];
        int[][] neurons = new int[p][];
        for (int i = 0; i < p; i++) {
            lo[i] = ibp.get(i).lower(k).clone();
            hi[i] = ibp.get(i).upper(k).clone();
            int[] idx = new int[size];
            int n = 0;
            for (int j = 0; j < size; j++) {
                if (!onlyUnstable || (lo[i][j] < 0 && hi[i][j] > 0)) {
                    idx[n++] = j;
                }
            }
            neurons[i] = Arrays.copyOf(idx, n);
        }
        for (int start = 0; start < size; start += block) {
            List<LinearRows> rows = new ArrayList<>();
            int[][] part = new int[p][];
            boolean any = false;
            for (int i = 0; i < p; i++) {
                int a = lowerIndex(neurons[i], start);
                int b = lowerIndex(neurons[i], start + block);
                part[i] = Arrays.copyOfRange(neurons[i], a, b);
                any |= part[i].length > 0;
                rows.add(LinearRows.plusMinusIdentity(nodeShape(k), part[i]));
            }
            if (!any) {
                continue;
            }
            List<double[]> in = backend.boundLower(out, k, rows, java.util.Collections.nCopies(p, Slopes.ADAPTIVE),
                    Arrays.copyOfRange(x, from, from + p), Arrays.copyOfRange(eps, from, from + p), s.norm(), s.lo(), s.hi());
            for (int i = 0; i < p; i++) {
                double[] v = in.get(i);
                for (int j = 0; j < part[i].length; j++) {
                    int n = part[i][j];
                    double l = Math.max(lo[i][n], v[2 * j]);
                    double u = Math.min(hi[i][n], -v[2 * j + 1]);
                    // Both bounds are sound, so the true range is inside [l, u]; a crossing can only be rounding.
                    lo[i][n] = Math.min(l, u);
                    hi[i][n] = Math.max(l, u);
                }
            }
        }
        for (int i = 0; i < p; i++) {
            out.get(i).set(k, lo[i], hi[i]);
        }
    }

    /** The first position in sorted {@code a} whose value is {@code >= v}. */
    private static int lowerIndex(int[] a, int v) {
        int i = Arrays.binarySearch(a, v);
        return i >= 0 ? i : -i - 1;
    }
}
