package org.lde.engine.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.engine.bound.BoundReference;
import org.lde.engine.bound.LinearRows;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Norm;
import org.lde.engine.bound.Slopes;
import org.lde.model.Activation;
import org.lde.model.Affine;
import org.lde.model.AvgPool2d;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.GlobalAvgPool;
import org.lde.model.MaxPool2d;
import org.lde.model.Sigmoid;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Reshaping;

/**
 * The bound passes of METHOD.md section 7 as float64 kernels (kernels/bound.cu, kernels/bound_window.cu) for
 * sequential networks of every layer kind the engine has: interval propagation (Dense, grouped/dilated Conv2d by center
 * and radius, max/avg pools, per-channel affine, global average pool, ReLU/LeakyReLU/sigmoid/tanh, reshaping), the
 * backward linear-bound pass on windowed rows ({@link GpuBoundRows}: transposed Dense/Conv2d/AvgPool/affine/GAP layers,
 * the MaxPool rule and relaxation, activation lines computed on the device, per-row slopes), and the concretization of
 * the rows at the input over L_inf boxes and L2 balls ({@code bound_concretize_linf}, {@code bound_concretize_window}).
 * The float64 references are {@code BoundReference.intervals}, {@code backward} and {@code concretize}; the kernels use
 * the same formulas and window geometry, and the reference's summation order except in the transposed convolution
 * (a gather where the reference scatters), so results agree to float64 rounding; their soundness is the reference's:
 * no float32 rounding enters a bound (sigmoid/tanh lines carry the reference's outward margin, which also covers the
 * device's exp/tanh rounding).
 *
 * <p>Graph networks (Add/Concat) are refused by {@link #unsupported}, and {@link GpuBackend} answers them with the host
 * reference: the device pass walks a chain and keeps one row set, not one per node summed over a fork's readers.
 */
final class GpuBounds {
    private final Device device;
    private final KernelLibrary lib;
    private final Network net;

    GpuBounds(Device device, KernelLibrary lib, Network net) {
        this.device = device;
        this.lib = lib;
        this.net = net;
    }

    /** Why the device cannot run this network's bound passes, or empty when it can. */
    static Optional<String> unsupported(Network net) {
        if (!net.sequential()) {
            return Optional.of("graph networks (Add/Concat) run the bound passes on the host float64 reference: the device "
                    + "bound pass walks a chain and has no per-node row sums for forks yet");
        }
        for (Layer l : net.layers()) {
            if (!(l instanceof Dense || l instanceof Conv2d || l instanceof MaxPool2d || l instanceof AvgPool2d
                    || l instanceof Affine || l instanceof GlobalAvgPool || l instanceof Reshaping
                    || l instanceof Activation f && GpuBoundRows.hasLines(f))) {
                return Optional.of("layer '" + l.name() + "' (" + l.kind() + ") has no bound kernel; the bound passes run on "
                        + "the host float64 reference");
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------------ transfers

    static DeviceBuffer upload(Device device, double[] v) {
        DeviceBuffer b = device.allocate(8L * Math.max(1, v.length));
        int[] w = new int[2 * v.length];
        for (int i = 0; i < v.length; i++) {
            long bits = Double.doubleToRawLongBits(v[i]);
            w[2 * i] = (int) bits;
            w[2 * i + 1] = (int) (bits >>> 32);
        }
        b.write(w, 0, 0, w.length);
        return b;
    }

    /** A buffer of {@code n} doubles filled with a NaN bit pattern (so that an unwritten element shows). */
    static DeviceBuffer poisoned(Device device, long n) {
        DeviceBuffer b = device.allocate(8L * Math.max(1, n));
        b.fill32(0x7FF80000);
        return b;
    }

    static double[] download(DeviceBuffer b, int n) {
        int[] w = new int[2 * n];
        b.read(w, 0, 0, w.length);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Double.longBitsToDouble((w[2 * i] & 0xFFFFFFFFL) | ((long) w[2 * i + 1] << 32));
        }
        return v;
    }

    private void launch(String module, String kernel, long work, KernelArgs args) {
        device.launch(lib.kernel(module, kernel), GpuKernels.grid1d(Math.max(1, work)), org.lde.device.Dim3.of(GpuKernels.BLOCK),
                0, args);
    }

    // ------------------------------------------------------------------------------------------ IBP

    /**
     * IBP of every node for {@code m} boxes {@code lower/upper [m * d]}.
     *
     * @return one {@link NodeBounds} per box
     */
    List<NodeBounds> intervals(double[] lower, double[] upper, int m) {
        List<Layer> layers = net.layers();
        List<NodeBounds> out = new ArrayList<>();
        int d = net.inputSize();
        for (int i = 0; i < m; i++) {
            NodeBounds b = new NodeBounds(layers.size());
            b.set(0, java.util.Arrays.copyOfRange(lower, i * d, (i + 1) * d), java.util.Arrays.copyOfRange(upper, i * d, (i + 1) * d));
            out.add(b);
        }
        List<DeviceBuffer> held = new ArrayList<>();
        try {
            DeviceBuffer[] nodeLo = new DeviceBuffer[layers.size() + 1];
            DeviceBuffer[] nodeHi = new DeviceBuffer[layers.size() + 1];
            nodeLo[0] = hold(held, upload(device, lower));
            nodeHi[0] = hold(held, upload(device, upper));
            for (int k = 0; k < layers.size(); k++) {
                int src = net.inputsOf(k)[0] + 1;
                DeviceBuffer[] o = intervalLayer(k, nodeLo[src], nodeHi[src], m, held);
                nodeLo[k + 1] = o[0];
                nodeHi[k + 1] = o[1];
                int n = net.outputShape(k).sizeInt();
                double[] l = download(o[0], m * n);
                double[] h = download(o[1], m * n);
                for (int i = 0; i < m; i++) {
                    out.get(i).set(k + 1, java.util.Arrays.copyOfRange(l, i * n, (i + 1) * n),
                            java.util.Arrays.copyOfRange(h, i * n, (i + 1) * n));
                }
            }
        } finally {
            held.forEach(DeviceBuffer::close);
        }
        return out;
    }

    /** IBP through layer {@code k} for {@code m} boxes of its input {@code lo/hi}: the output's {@code {lower, upper}} buffers. */
    private DeviceBuffer[] intervalLayer(int k, DeviceBuffer lo, DeviceBuffer hi, int m, List<DeviceBuffer> held) {
        Layer layer = net.layers().get(k);
        GpuBoundRows.Grid in = GpuBoundRows.Grid.of(net.inputShape(k));
        GpuBoundRows.Grid out = GpuBoundRows.Grid.of(net.outputShape(k));
        if (layer instanceof Reshaping) {
            return new DeviceBuffer[] {lo, hi};
        }
        long n = (long) m * out.size();
        DeviceBuffer ol = hold(held, poisoned(device, n));
        DeviceBuffer oh = hold(held, poisoned(device, n));
        if (layer instanceof Dense dense) {
            DeviceBuffer w = hold(held, upload(device, dense.weight().data()));
            DeviceBuffer bias = hold(held, upload(device, dense.bias().data()));
            launch("bound", "bound_ibp_dense", n, KernelArgs.of().ptr(w).ptr(bias).ptr(lo).ptr(hi).ptr(ol).ptr(oh)
                    .i32(m).i32(dense.in()).i32(dense.out()));
        } else if (layer instanceof Conv2d c) {
            DeviceBuffer w = hold(held, upload(device, c.weight().data()));
            DeviceBuffer bias = hold(held, upload(device, c.bias().data()));
            launch("bound_window", "bound_ibp_conv", n, KernelArgs.of().ptr(w).ptr(bias).ptr(lo).ptr(hi).ptr(ol).ptr(oh)
                    .i32(m).i32(in.c()).i32(in.h()).i32(in.w()).i32(out.c()).i32(out.h()).i32(out.w()).i32(c.kernelH())
                    .i32(c.kernelW()).i32(c.strideH()).i32(c.strideW()).i32(c.padH()).i32(c.padW()).i32(c.dilationH())
                    .i32(c.dilationW()).i32(c.groups()));
        } else if (layer instanceof ReLU) {
            launch("bound", "bound_ibp_relu", n, KernelArgs.of().ptr(lo).ptr(hi).ptr(ol).ptr(oh).i64(n));
        } else if (layer instanceof Activation f) {
            double s = BoundReference.leakSlope(f);
            launch("bound_window", "bound_ibp_act", n, KernelArgs.of().ptr(lo).ptr(hi).ptr(ol).ptr(oh).i64(n)
                    .i32(!Double.isNaN(s) ? 0 : f instanceof Sigmoid ? 1 : 2).f64(Double.isNaN(s) ? 0 : s));
        } else if (layer instanceof MaxPool2d || layer instanceof AvgPool2d) {
            int[] g = layer instanceof MaxPool2d p
                    ? new int[] {p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), 1}
                    : poolGeometry((AvgPool2d) layer);
            launch("bound_window", "bound_ibp_pool", n, KernelArgs.of().ptr(lo).ptr(hi).ptr(ol).ptr(oh).i32(m).i32(in.c())
                    .i32(in.h()).i32(in.w()).i32(out.h()).i32(out.w()).i32(g[0]).i32(g[1]).i32(g[2]).i32(g[3]).i32(g[4])
                    .i32(g[5]).i32(g[6]));
        } else if (layer instanceof Affine af) {
            launch("bound_window", "bound_ibp_affine", n, KernelArgs.of().ptr(hold(held, upload(device, af.weight().data())))
                    .ptr(hold(held, upload(device, af.bias().data()))).ptr(lo).ptr(hi).ptr(ol).ptr(oh).i32(m).i32(in.c())
                    .i32(in.h() * in.w()));
        } else if (layer instanceof GlobalAvgPool) {
            launch("bound_window", "bound_ibp_gap", n, KernelArgs.of().ptr(lo).ptr(hi).ptr(ol).ptr(oh).i32(m * in.c())
                    .i32(in.h() * in.w()));
        } else {
            throw new IllegalStateException("layer '" + layer.name() + "' (" + layer.kind() + ") has no bound kernel");
        }
        return new DeviceBuffer[] {ol, oh};
    }

    private static int[] poolGeometry(AvgPool2d p) {
        return new int[] {p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), 0};
    }

    private static DeviceBuffer hold(List<DeviceBuffer> held, DeviceBuffer b) {
        held.add(b);
        return b;
    }

    // ------------------------------------------------------------------------------------------ backward

    /**
     * The backward linear-bound pass for every instance at once (rows of all instances stacked; every set with the same
     * window geometry, {@link GpuBoundRows#sameWindows}): the rows of instance {@code i} at node {@code startNode} carried
     * back to the input through the transposed layers and the relaxations of {@code bounds[i]} and {@code slopes[i]},
     * with the window geometry of {@link org.lde.engine.bound.BoundReference#backward}.
     */
    List<LinearRows> backward(List<NodeBounds> bounds, int startNode, List<LinearRows> rows, List<Slopes> slopes) {
        try (GpuBoundRows dr = pass(bounds, startNode, rows, slopes)) {
            return dr.download(counts(rows));
        }
    }

    private static int[] counts(List<LinearRows> rows) {
        int[] count = new int[rows.size()];
        for (int i = 0; i < count.length; i++) {
            count[i] = rows.get(i).rows();
        }
        return count;
    }

    /**
     * {@link #backward}, then the lower bound of every row over its set (as {@code BoundReference.concretize}) on the
     * device: {@code bound_concretize_linf} for L_inf rows over the whole input, else {@code bound_concretize_window}.
     */
    List<double[]> lower(List<NodeBounds> bounds, int startNode, List<LinearRows> rows, List<Slopes> slopes, double[][] x,
                         double[] eps, Norm norm, double lo, double hi) {
        int[] count = counts(rows);
        try (GpuBoundRows dr = pass(bounds, startNode, rows, slopes)) {
            double[] v = concretize(dr, x, eps, norm, lo, hi);
            List<double[]> out = new ArrayList<>();
            int at = 0;
            for (int n : count) {
                out.add(java.util.Arrays.copyOfRange(v, at, at + n));
                at += n;
            }
            return out;
        }
    }

    /** The device's rows at the input concretized over each instance's set: one bound per row. */
    private double[] concretize(GpuBoundRows dr, double[][] x, double[] eps, Norm norm, double lo, double hi) {
        GpuBoundRows.Grid g = GpuBoundRows.Grid.of(net.inputShape());
        int d = g.size();
        double[] mid = new double[x.length * d];
        double[] rad = new double[x.length * d];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < d; j++) {
                if (norm == Norm.LINF) {
                    // the box of BoundReference.concretize, by the same expressions
                    double l = Math.max(x[i][j] - eps[i], lo);
                    double u = Math.min(x[i][j] + eps[i], hi);
                    mid[i * d + j] = 0.5 * (l + u);
                    rad[i * d + j] = 0.5 * (u - l);
                } else {
                    mid[i * d + j] = x[i][j];
                }
            }
        }
        DeviceBuffer dm = dr.hold(upload(device, mid));
        DeviceBuffer rd = dr.hold(upload(device, rad));
        DeviceBuffer out = dr.poisoned(dr.rows);
        if (norm == Norm.LINF && dr.isWhole(g)) {
            launch("bound", "bound_concretize_linf", dr.rows, KernelArgs.of().ptr(dr.a).ptr(dr.c).ptr(dm).ptr(rd).ptr(dr.inst)
                    .ptr(out).i32(dr.rows).i32(d));
        } else {
            launch("bound_window", "bound_concretize_window", dr.rows, KernelArgs.of().ptr(dr.a).ptr(dr.c).ptr(dm).ptr(rd)
                    .ptr(dr.hold(upload(device, eps))).ptr(dr.inst).ptr(dr.ints(dr.oh)).ptr(dr.ints(dr.ow)).ptr(out)
                    .i32(dr.rows).i32(dr.channels).i32(dr.wh).i32(dr.ww).i32(g.h()).i32(g.w()).i32(norm == Norm.L2 ? 1 : 0));
        }
        return download(out, dr.rows);
    }

    /** The rows carried from {@code startNode} to the input, on the device (the caller closes them). */
    private GpuBoundRows pass(List<NodeBounds> bounds, int startNode, List<LinearRows> rows, List<Slopes> slopes) {
        int p = rows.size();
        int[] count = counts(rows);
        GpuBoundRows dr = new GpuBoundRows(device, lib, rows);
        try {
            for (int k = startNode - 1; k >= 0; k--) {
                Layer layer = net.layers().get(k);
                int node = net.inputsOf(k)[0] + 1;
                GpuBoundRows.Grid in = GpuBoundRows.Grid.of(net.inputShape(k));
                GpuBoundRows.Grid out = GpuBoundRows.Grid.of(net.outputShape(k));
                if (layer instanceof Dense dense) {
                    dr.dense(dense);
                } else if (layer instanceof Conv2d c) {
                    dr.window(in, c.kernelH(), c.kernelW(), c.strideH(), c.strideW(), c.padH(), c.padW(), c.groups(),
                            c.dilationH(), c.dilationW(), c.weight().data(), c.bias().data(), -1);
                } else if (layer instanceof AvgPool2d ap) {
                    dr.window(in, ap.kernelH(), ap.kernelW(), ap.strideH(), ap.strideW(), ap.padH(), ap.padW(), 1, 1, 1, null,
                            null, 1.0 / (ap.kernelH() * ap.kernelW()));
                } else if (layer instanceof Affine af) {
                    dr.affine(af.weight().data(), af.bias().data());
                } else if (layer instanceof GlobalAvgPool) {
                    dr.globalAvgPool(in);
                } else if (layer instanceof Reshaping) {
                    dr.reshape(in, out);
                } else if (layer instanceof Activation f) {
                    DeviceBuffer[] b = nodeBounds(dr, bounds, node, in.size());
                    double[] alpha = alphas(slopes, count, k, in.size(), dr.rows);
                    if (dr.reluWholeFits(f, in)) {
                        dr.reluWhole(b[0], b[1], in.size(), alpha);
                    } else {
                        dr.activation(f, in, b[0], b[1], p, alpha);
                    }
                } else if (layer instanceof MaxPool2d mp) {
                    DeviceBuffer[] b = nodeBounds(dr, bounds, node, in.size());
                    dr.maxPool(mp, in, out, b[0], b[1], p);
                } else {
                    throw new IllegalStateException("layer '" + layer.name() + "' (" + layer.kind() + ") has no bound kernel");
                }
            }
            return dr;
        } catch (RuntimeException e) {
            dr.close();
            throw e;
        }
    }

    /** The bounds of node {@code node} ({@code n} neurons) of every instance, uploaded as {@code [P, n]} (held by {@code dr}). */
    private DeviceBuffer[] nodeBounds(GpuBoundRows dr, List<NodeBounds> bounds, int node, int n) {
        int p = bounds.size();
        double[] lo = new double[p * n];
        double[] hi = new double[p * n];
        for (int i = 0; i < p; i++) {
            System.arraycopy(bounds.get(i).lower(node), 0, lo, i * n, n);
            System.arraycopy(bounds.get(i).upper(node), 0, hi, i * n, n);
        }
        return new DeviceBuffer[] {dr.hold(upload(device, lo)), dr.hold(upload(device, hi))};
    }

    /** The slopes of ReLU layer {@code k} for every stacked row, or null when every set is adaptive. */
    private static double[] alphas(List<Slopes> slopes, int[] count, int k, int width, int total) {
        boolean any = false;
        for (Slopes s : slopes) {
            any |= s.perRow().length > 0;
        }
        if (!any) {
            return null;
        }
        double[] a = new double[total * width];
        int at = 0;
        for (int i = 0; i < count.length; i++) {
            double[][][] per = slopes.get(i).perRow();
            for (int r = 0; r < count[i]; r++, at++) {
                double[] s = per.length == 0 || per[r] == null ? null : per[r][k];
                if (s != null) {
                    System.arraycopy(s, 0, a, at * width, width);
                } else {
                    // adaptive: the kernels read NaN as "CROWN's adaptive slope" (a LeakyReLU's slope may be negative)
                    java.util.Arrays.fill(a, at * width, (at + 1) * width, Double.NaN);
                }
            }
        }
        return a;
    }

    // ------------------------------------------------------------------------------------------ concretization

    /**
     * L_inf lower bounds of stacked rows {@code a [R, n]}, {@code c [R]} over the boxes
     * {@code [mid - rad, mid + rad]} of their instances ({@code inst[r]}): {@code bound_concretize_linf}.
     */
    double[] concretizeLinf(double[] a, double[] c, double[] mid, double[] rad, int[] inst, int n) {
        int r = c.length;
        List<DeviceBuffer> held = new ArrayList<>();
        try {
            DeviceBuffer da = hold(held, upload(device, a));
            DeviceBuffer dc = hold(held, upload(device, c));
            DeviceBuffer dm = hold(held, upload(device, mid));
            DeviceBuffer dr = hold(held, upload(device, rad));
            DeviceBuffer di = hold(held, device.allocate(4L * Math.max(1, r)));
            di.write(inst, 0, 0, r);
            DeviceBuffer out = hold(held, poisoned(device, r));
            launch("bound", "bound_concretize_linf", r, KernelArgs.of().ptr(da).ptr(dc).ptr(dm).ptr(dr).ptr(di).ptr(out).i32(r).i32(n));
            return download(out, r);
        } finally {
            held.forEach(DeviceBuffer::close);
        }
    }
}
