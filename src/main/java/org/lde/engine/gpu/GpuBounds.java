package org.lde.engine.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.engine.bound.LinearRows;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Slopes;
import org.lde.model.Dense;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Reshaping;
import org.lde.tensor.Shape;

/**
 * The bound passes of METHOD.md section 7 as float64 kernels (kernels/bound.cu) for dense networks:
 * interval propagation through Dense and ReLU layers ({@code bound_ibp_dense}, {@code bound_ibp_relu}),
 * the backward linear-bound pass ({@code bound_back_dense}, {@code bound_back_bias}, and the ReLU
 * relaxation with per-neuron slopes {@code bound_back_relu}), and the L_inf concretization
 * ({@code bound_concretize_linf}). The float64 references are {@code BoundReference.intervals},
 * {@code backward} and {@code concretize}; the kernels use the same formulas and summation order, so
 * results agree to float64 rounding (the device may fuse multiply-adds), and their soundness is the
 * reference's: no float32 rounding enters a bound.
 *
 * <p>Networks other than sequential chains of Dense, ReLU and reshaping layers (convolutions, pools,
 * other activations, graphs) are refused by {@link #unsupported}, and {@link GpuBackend} answers them with
 * the host reference: the convolution and graph kernels of the GPU backend are being built elsewhere.
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
            return Optional.of("graph networks run the bound passes on the host float64 reference until the GPU backend "
                    + "is graph-aware");
        }
        for (Layer l : net.layers()) {
            if (!(l instanceof Dense || l instanceof ReLU || l instanceof Reshaping)) {
                return Optional.of("layer '" + l.name() + "' (" + l.kind() + ") has no bound kernel; the bound passes run on "
                        + "the host float64 reference (kernels cover Dense, ReLU and reshaping layers)");
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

    private void launch(String kernel, long work, KernelArgs args) {
        device.launch(lib.kernel("bound", kernel), GpuKernels.grid1d(Math.max(1, work)), org.lde.device.Dim3.of(GpuKernels.BLOCK),
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
            DeviceBuffer lo = hold(held, upload(device, lower));
            DeviceBuffer hi = hold(held, upload(device, upper));
            for (int k = 0; k < layers.size(); k++) {
                Layer layer = layers.get(k);
                int n = net.outputShape(k).sizeInt();
                if (layer instanceof Dense dense) {
                    DeviceBuffer w = hold(held, upload(device, dense.weight().data()));
                    DeviceBuffer bias = hold(held, upload(device, dense.bias().data()));
                    DeviceBuffer ol = hold(held, poisoned(device, (long) m * n));
                    DeviceBuffer oh = hold(held, poisoned(device, (long) m * n));
                    launch("bound_ibp_dense", (long) m * n, KernelArgs.of().ptr(w).ptr(bias).ptr(lo).ptr(hi).ptr(ol).ptr(oh)
                            .i32(m).i32(dense.in()).i32(dense.out()));
                    lo = ol;
                    hi = oh;
                } else if (layer instanceof ReLU) {
                    DeviceBuffer ol = hold(held, poisoned(device, (long) m * n));
                    DeviceBuffer oh = hold(held, poisoned(device, (long) m * n));
                    launch("bound_ibp_relu", (long) m * n, KernelArgs.of().ptr(lo).ptr(hi).ptr(ol).ptr(oh).i64((long) m * n));
                    lo = ol;
                    hi = oh;
                }
                double[] l = download(lo, m * n);
                double[] h = download(hi, m * n);
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

    private static DeviceBuffer hold(List<DeviceBuffer> held, DeviceBuffer b) {
        held.add(b);
        return b;
    }

    // ------------------------------------------------------------------------------------------ backward

    /**
     * The backward linear-bound pass for every instance at once (rows of all instances stacked): the rows
     * of instance {@code i} at node {@code startNode} (full rows over the node) carried back to the input
     * through the transposed Dense layers and the ReLU relaxations of {@code bounds[i]} and
     * {@code slopes[i]}.
     */
    List<LinearRows> backward(List<NodeBounds> bounds, int startNode, List<LinearRows> rows, List<Slopes> slopes) {
        int p = rows.size();
        int[] count = new int[p];
        int total = 0;
        for (int i = 0; i < p; i++) {
            count[i] = rows.get(i).rows();
            total += count[i];
        }
        int width = startNode == 0 ? net.inputSize() : net.outputShape(startNode - 1).sizeInt();
        double[] a = new double[total * width];
        double[] c = new double[total];
        int[] inst = new int[total];
        int at = 0;
        for (int i = 0; i < p; i++) {
            System.arraycopy(rows.get(i).coefficients(), 0, a, at * width, count[i] * width);
            System.arraycopy(rows.get(i).bias(), 0, c, at, count[i]);
            java.util.Arrays.fill(inst, at, at + count[i], i);
            at += count[i];
        }
        List<DeviceBuffer> held = new ArrayList<>();
        double[] outA;
        double[] outC;
        try {
            DeviceBuffer da = hold(held, upload(device, a));
            DeviceBuffer dc = hold(held, upload(device, c));
            DeviceBuffer di = hold(held, device.allocate(4L * Math.max(1, total)));
            di.write(inst, 0, 0, total);
            for (int k = startNode - 1; k >= 0 && total > 0; k--) {
                Layer layer = net.layers().get(k);
                if (layer instanceof Dense dense) {
                    DeviceBuffer w = hold(held, upload(device, dense.weight().data()));
                    DeviceBuffer bias = hold(held, upload(device, dense.bias().data()));
                    DeviceBuffer next = hold(held, poisoned(device, (long) total * dense.in()));
                    launch("bound_back_bias", total, KernelArgs.of().ptr(da).ptr(bias).ptr(dc).i32(total).i32(dense.out()));
                    launch("bound_back_dense", (long) total * dense.in(), KernelArgs.of().ptr(da).ptr(w).ptr(next).i32(total)
                            .i32(dense.out()).i32(dense.in()));
                    da = next;
                    width = dense.in();
                } else if (layer instanceof ReLU) {
                    double[] lo = new double[p * width];
                    double[] hi = new double[p * width];
                    for (int i = 0; i < p; i++) {
                        System.arraycopy(bounds.get(i).lower(k), 0, lo, i * width, width);
                        System.arraycopy(bounds.get(i).upper(k), 0, hi, i * width, width);
                    }
                    DeviceBuffer dl = hold(held, upload(device, lo));
                    DeviceBuffer dh = hold(held, upload(device, hi));
                    double[] alpha = alphas(slopes, count, k, width, total);
                    KernelArgs args = KernelArgs.of().ptr(da).ptr(dc).ptr(dl).ptr(dh);
                    if (alpha == null) {
                        args.i64(0);
                    } else {
                        args.ptr(hold(held, upload(device, alpha)));
                    }
                    launch("bound_back_relu", total, args.ptr(di).i32(total).i32(width));
                }
            }
            outA = download(da, total * width);
            outC = download(dc, total);
        } finally {
            held.forEach(DeviceBuffer::close);
        }
        List<LinearRows> out = new ArrayList<>();
        at = 0;
        Shape in = net.inputShape();
        for (int i = 0; i < p; i++) {
            out.add(LinearRows.full(in, count[i], java.util.Arrays.copyOfRange(outA, at * width, (at + count[i]) * width),
                    java.util.Arrays.copyOfRange(outC, at, at + count[i])));
            at += count[i];
        }
        return out;
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
                    // adaptive: the kernel reads a negative entry as "CROWN's adaptive slope"
                    java.util.Arrays.fill(a, at * width, (at + 1) * width, -1);
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
            launch("bound_concretize_linf", r, KernelArgs.of().ptr(da).ptr(dc).ptr(dm).ptr(dr).ptr(di).ptr(out).i32(r).i32(n));
            return download(out, r);
        } finally {
            held.forEach(DeviceBuffer::close);
        }
    }
}
