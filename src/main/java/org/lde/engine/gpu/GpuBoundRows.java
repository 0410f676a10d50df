package org.lde.engine.gpu;

import java.util.ArrayList;
import java.util.List;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.engine.bound.BoundReference;
import org.lde.engine.bound.LinearRows;
import org.lde.model.Activation;
import org.lde.model.Dense;
import org.lde.model.LeakyReLU;
import org.lde.model.MaxPool2d;
import org.lde.model.ReLU;
import org.lde.model.Sigmoid;
import org.lde.tensor.Shape;

/**
 * The rows of a backward linear-bound pass held on the device, in the windowed form of {@link LinearRows}
 * (each row a {@code channels x wh x ww} window of its node's grid at a per-row origin), with one method per
 * layer kind that replaces them by the rows at the layer's input, as {@code engine.bound.BackwardOps} does on the
 * host: the same window geometry (grown by the layer's receptive field, cropped to the grid when it covers it), so
 * the result compares with {@link BoundReference#backward} element by element. The coefficients and biases stay on
 * the device; the origins are host integers (uploaded per layer), computed by the reference's formulas.
 *
 * <p>Rows of several instances are stacked; {@code inst[r]} is row {@code r}'s instance (its node bounds).
 * Every buffer this object allocates is freed by {@link #close}.
 */
final class GpuBoundRows implements AutoCloseable {
    /** A node seen as {@code [c, h, w]}: an image as it is, a vector as {@code [size, 1, 1]} (as engine.bound's Grid). */
    record Grid(int c, int h, int w) {
        static Grid of(Shape s) {
            return s.rank() == 3 ? new Grid(s.dim(0), s.dim(1), s.dim(2)) : new Grid(s.sizeInt(), 1, 1);
        }

        int size() {
            return c * h * w;
        }
    }

    private final Device device;
    private final KernelLibrary lib;
    private final List<DeviceBuffer> held = new ArrayList<>();
    final int rows;
    int channels;
    int wh;
    int ww;
    int[] oh;
    int[] ow;
    DeviceBuffer a;
    DeviceBuffer c;
    final DeviceBuffer inst;

    /** Uploads rows of one window geometry (all instances alike), stacked. */
    GpuBoundRows(Device device, KernelLibrary lib, List<LinearRows> sets) {
        this.device = device;
        this.lib = lib;
        LinearRows first = sets.get(0);
        channels = first.channels();
        wh = first.windowH();
        ww = first.windowW();
        int total = 0;
        for (LinearRows r : sets) {
            total += r.rows();
        }
        rows = total;
        int size = channels * wh * ww;
        double[] coef = new double[total * size];
        double[] bias = new double[total];
        int[] in = new int[total];
        oh = new int[total];
        ow = new int[total];
        int at = 0;
        for (int i = 0; i < sets.size(); i++) {
            LinearRows r = sets.get(i);
            System.arraycopy(r.coefficients(), 0, coef, at * size, r.rows() * size);
            System.arraycopy(r.bias(), 0, bias, at, r.rows());
            for (int k = 0; k < r.rows(); k++, at++) {
                in[at] = i;
                oh[at] = r.originH(k);
                ow[at] = r.originW(k);
            }
        }
        a = hold(GpuBounds.upload(device, coef));
        c = hold(GpuBounds.upload(device, bias));
        inst = ints(in);
    }

    /** Whether all row sets share one window geometry (else the caller falls back to the host). */
    static boolean sameWindows(List<LinearRows> sets) {
        LinearRows f = sets.get(0);
        for (LinearRows r : sets) {
            if (r.channels() != f.channels() || r.windowH() != f.windowH() || r.windowW() != f.windowW()) {
                return false;
            }
        }
        return true;
    }

    DeviceBuffer hold(DeviceBuffer b) {
        held.add(b);
        return b;
    }

    DeviceBuffer ints(int[] v) {
        DeviceBuffer b = hold(device.allocate(4L * Math.max(1, v.length)));
        if (v.length > 0) {
            b.write(v, 0, 0, v.length);
        }
        return b;
    }

    DeviceBuffer poisoned(long n) {
        return hold(GpuBounds.poisoned(device, n));
    }

    void launch(String module, String kernel, long work, KernelArgs args) {
        device.launch(lib.kernel(module, kernel), GpuKernels.grid1d(Math.max(1, work)), Dim3.of(GpuKernels.BLOCK), 0, args);
    }

    int rowSize() {
        return channels * wh * ww;
    }

    // ------------------------------------------------------------------------------------------ affine layers

    /** The transposed Dense layer ({@code bound_back_bias}, {@code bound_back_dense}): rows become {@code [R, in]}, 1x1 windows. */
    void dense(Dense d) {
        DeviceBuffer w = hold(GpuBounds.upload(device, d.weight().data()));
        DeviceBuffer bias = hold(GpuBounds.upload(device, d.bias().data()));
        DeviceBuffer next = poisoned((long) rows * d.in());
        launch("bound", "bound_back_bias", rows, KernelArgs.of().ptr(a).ptr(bias).ptr(c).i32(rows).i32(d.out()));
        launch("bound", "bound_back_dense", (long) rows * d.in(), KernelArgs.of().ptr(a).ptr(w).ptr(next).i32(rows)
                .i32(d.out()).i32(d.in()));
        a = next;
        channels = d.in();
        wh = 1;
        ww = 1;
        oh = new int[rows];
        ow = new int[rows];
    }

    /**
     * The transpose of a grouped, dilated convolution ({@code w} not null: {@code bound_back_window_bias},
     * {@code bound_back_window}) or of an average pool ({@code w} null, weight {@code avg}) whose input grid is
     * {@code in}: each window grows to {@code (wh - 1) s + d (k - 1) + 1} at origin {@code o s - p}, cropped to the
     * grid (origin 0) where it is larger, padded cells zero.
     */
    void window(Grid in, int kh, int kw, int sh, int sw, int ph, int pw, int groups, int dh, int dw, double[] w,
                double[] bias, double avg) {
        int nh = (wh - 1) * sh + dh * (kh - 1) + 1;
        int nw = (ww - 1) * sw + dw * (kw - 1) + 1;
        int[] noh = new int[rows];
        int[] now = new int[rows];
        boolean cropH = nh > in.h();
        boolean cropW = nw > in.w();
        for (int r = 0; r < rows; r++) {
            noh[r] = cropH ? 0 : oh[r] * sh - ph;
            now[r] = cropW ? 0 : ow[r] * sw - pw;
        }
        nh = cropH ? in.h() : nh;
        nw = cropW ? in.w() : nw;
        DeviceBuffer dw0 = w == null ? null : hold(GpuBounds.upload(device, w));
        if (w != null) {
            DeviceBuffer db = hold(GpuBounds.upload(device, bias));
            launch("bound_window", "bound_back_window_bias", rows, KernelArgs.of().ptr(a).ptr(db).ptr(c).i32(rows)
                    .i32(channels).i32(wh * ww));
        }
        DeviceBuffer next = poisoned((long) rows * in.c() * nh * nw);
        KernelArgs args = KernelArgs.of().ptr(a);
        if (dw0 == null) {
            args.i64(0);
        } else {
            args.ptr(dw0);
        }
        args.f64(avg).ptr(ints(oh)).ptr(ints(ow)).ptr(ints(noh)).ptr(ints(now)).ptr(next).i32(rows).i32(channels).i32(wh)
                .i32(ww).i32(in.c()).i32(nh).i32(nw).i32(in.h()).i32(in.w()).i32(kh).i32(kw).i32(sh).i32(sw).i32(ph)
                .i32(pw).i32(dh).i32(dw).i32(groups);
        launch("bound_window", "bound_back_window", (long) rows * in.c() * nh * nw, args);
        a = next;
        channels = in.c();
        wh = nh;
        ww = nw;
        oh = noh;
        ow = now;
    }

    /** The transpose of the per-channel affine node ({@code bound_back_affine}, in place). */
    void affine(double[] w, double[] b) {
        launch("bound_window", "bound_back_affine", rows, KernelArgs.of().ptr(a).ptr(c)
                .ptr(hold(GpuBounds.upload(device, w))).ptr(hold(GpuBounds.upload(device, b))).i32(rows).i32(channels)
                .i32(wh * ww));
    }

    /** The transpose of a global average pool from grid {@code in} ({@code bound_back_gap}): rows become whole-grid rows. */
    void globalAvgPool(Grid in) {
        // rows at a [C, 1, 1] node are 1x1 windows at origin 0: [R, C]
        int plane = in.h() * in.w();
        DeviceBuffer next = poisoned((long) rows * in.size());
        launch("bound_window", "bound_back_gap", (long) rows * in.size(), KernelArgs.of().ptr(a).ptr(next).i32(rows)
                .i32(in.c()).i32(plane));
        a = next;
        whole(in);
    }

    /** A reshaping node from grid {@code in} to grid {@code out}: the rows made whole over {@code out}, then read over {@code in}. */
    void reshape(Grid in, Grid out) {
        if (in.equals(out)) {
            return;
        }
        toWhole(out);
        whole(in);
    }

    /** Rows scattered over the whole grid {@code g} ({@code bound_rows_full}) unless they already are. */
    void toWhole(Grid g) {
        if (isWhole(g)) {
            return;
        }
        DeviceBuffer next = poisoned((long) rows * g.size());
        launch("bound_window", "bound_rows_full", (long) rows * g.size(), KernelArgs.of().ptr(a).ptr(ints(oh)).ptr(ints(ow))
                .ptr(next).i32(rows).i32(channels).i32(wh).i32(ww).i32(g.h()).i32(g.w()));
        a = next;
        whole(g);
    }

    /** Whether every row's window is the whole grid {@code g} at origin 0 (coefficients {@code [R, g.size]}). */
    boolean isWhole(Grid g) {
        boolean whole = channels == g.c() && wh == g.h() && ww == g.w();
        for (int r = 0; whole && r < rows; r++) {
            whole = oh[r] == 0 && ow[r] == 0;
        }
        return whole;
    }

    private void whole(Grid g) {
        channels = g.c();
        wh = g.h();
        ww = g.w();
        oh = new int[rows];
        ow = new int[rows];
    }

    // ------------------------------------------------------------------------------------------ relaxations

    /**
     * The MaxPool relaxation: the rule per instance from the bounds {@code lo/hi [P, C, H, W]} of the pool's input
     * ({@code bound_maxpool_rule}), then {@code bound_back_maxpool}; windows grow to {@code (wh - 1) s + k}, cropped.
     */
    void maxPool(MaxPool2d p, Grid in, Grid out, DeviceBuffer lo, DeviceBuffer hi, int instances) {
        int cells = instances * out.size();
        DeviceBuffer star = hold(device.allocate(4L * Math.max(1, cells)));
        DeviceBuffer var = hold(device.allocate(4L * Math.max(1, cells)));
        star.fill32(-1);
        var.fill32(-1);
        DeviceBuffer uc = poisoned(cells);
        launch("bound_window", "bound_maxpool_rule", cells, KernelArgs.of().ptr(lo).ptr(hi).ptr(star).ptr(var).ptr(uc)
                .i32(instances).i32(in.c()).i32(in.h()).i32(in.w()).i32(out.h()).i32(out.w()).i32(p.kernelH())
                .i32(p.kernelW()).i32(p.strideH()).i32(p.strideW()).i32(p.padH()).i32(p.padW()).f64(BoundReference.MAXPOOL_TIE));
        int nh = (wh - 1) * p.strideH() + p.kernelH();
        int nw = (ww - 1) * p.strideW() + p.kernelW();
        int[] noh = new int[rows];
        int[] now = new int[rows];
        boolean cropH = nh > in.h();
        boolean cropW = nw > in.w();
        for (int r = 0; r < rows; r++) {
            noh[r] = cropH ? 0 : oh[r] * p.strideH() - p.padH();
            now[r] = cropW ? 0 : ow[r] * p.strideW() - p.padW();
        }
        nh = cropH ? in.h() : nh;
        nw = cropW ? in.w() : nw;
        DeviceBuffer next = poisoned((long) rows * channels * nh * nw);
        launch("bound_window", "bound_back_maxpool", rows, KernelArgs.of().ptr(a).ptr(c).ptr(star).ptr(var).ptr(uc)
                .ptr(inst).ptr(ints(oh)).ptr(ints(ow)).ptr(ints(noh)).ptr(ints(now)).ptr(next).i32(rows).i32(channels)
                .i32(wh).i32(ww).i32(out.h()).i32(out.w()).i32(in.h()).i32(in.w()).i32(nh).i32(nw));
        a = next;
        wh = nh;
        ww = nw;
        oh = noh;
        ow = now;
    }

    /**
     * An activation's relaxation over node grid {@code g} with bounds {@code lo/hi [P, n]}: the lines per neuron
     * ({@code bound_lines_leaky} for ReLU/LeakyReLU, {@code bound_lines_sshaped} for sigmoid/tanh), then
     * {@code bound_back_lines} on the rows (in place), with the given slopes {@code alpha [R, n]} (NaN = adaptive) or null.
     */
    void activation(Activation f, Grid g, DeviceBuffer lo, DeviceBuffer hi, int instances, double[] alpha) {
        long n = (long) instances * g.size();
        DeviceBuffer la = poisoned(n);
        DeviceBuffer lb = poisoned(n);
        DeviceBuffer ua = poisoned(n);
        DeviceBuffer ub = poisoned(n);
        DeviceBuffer free = hold(device.allocate(4L * Math.max(1, n)));
        free.fill32(-1);
        double s = BoundReference.leakSlope(f);
        if (!Double.isNaN(s)) {
            launch("bound_window", "bound_lines_leaky", n, KernelArgs.of().ptr(lo).ptr(hi).ptr(la).ptr(lb).ptr(ua).ptr(ub)
                    .ptr(free).i64(n).f64(s).f64(BoundReference.RELU_GUARD));
        } else {
            launch("bound_window", "bound_lines_sshaped", n, KernelArgs.of().ptr(lo).ptr(hi).ptr(la).ptr(lb).ptr(ua).ptr(ub)
                    .ptr(free).i64(n).i32(f instanceof Sigmoid ? 1 : 2).f64(BoundReference.SSHAPED_DEGENERATE)
                    .f64(BoundReference.SSHAPED_MARGIN).i32(BoundReference.SSHAPED_BISECTIONS));
        }
        KernelArgs args = KernelArgs.of().ptr(a).ptr(c).ptr(la).ptr(lb).ptr(ua).ptr(ub).ptr(free);
        if (alpha == null) {
            args.i64(0);
        } else {
            args.ptr(hold(GpuBounds.upload(device, alpha)));
        }
        launch("bound_window", "bound_back_lines", rows, args.ptr(inst).ptr(ints(oh)).ptr(ints(ow)).i32(rows).i32(channels)
                .i32(wh).i32(ww).i32(g.h()).i32(g.w()));
    }

    /** The ReLU relaxation of whole rows over a vector node of {@code n} neurons ({@code bound_back_relu}, in place). */
    void reluWhole(DeviceBuffer lo, DeviceBuffer hi, int n, double[] alpha) {
        KernelArgs args = KernelArgs.of().ptr(a).ptr(c).ptr(lo).ptr(hi);
        if (alpha == null) {
            args.i64(0);
        } else {
            args.ptr(hold(GpuBounds.upload(device, alpha)));
        }
        launch("bound", "bound_back_relu", rows, args.ptr(inst).i32(rows).i32(n));
    }

    /** Whether an activation's rows can use {@link #reluWhole}: a ReLU on a vector node with 1x1 windows. */
    boolean reluWholeFits(Activation f, Grid g) {
        return f instanceof ReLU && g.h() == 1 && g.w() == 1 && wh == 1 && ww == 1 && channels == g.c();
    }

    /** Whether an activation has device lines (ReLU, LeakyReLU, sigmoid, tanh: every kind the model has). */
    static boolean hasLines(Activation f) {
        return f instanceof ReLU || f instanceof LeakyReLU || f instanceof Sigmoid || f instanceof org.lde.model.Tanh;
    }

    // ------------------------------------------------------------------------------------------ results

    /** The rows, split back into their instances ({@code count[i]} rows each). */
    List<LinearRows> download(int[] count) {
        int size = rowSize();
        double[] coef = GpuBounds.download(a, rows * size);
        double[] bias = GpuBounds.download(c, rows);
        List<LinearRows> out = new ArrayList<>();
        int at = 0;
        for (int n : count) {
            out.add(LinearRows.windowed(n, channels, wh, ww, java.util.Arrays.copyOfRange(oh, at, at + n),
                    java.util.Arrays.copyOfRange(ow, at, at + n), java.util.Arrays.copyOfRange(coef, at * size, (at + n) * size),
                    java.util.Arrays.copyOfRange(bias, at, at + n)));
            at += n;
        }
        return out;
    }

    @Override
    public void close() {
        held.forEach(DeviceBuffer::close);
        held.clear();
    }
}
