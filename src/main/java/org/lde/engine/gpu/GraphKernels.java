package org.lde.engine.gpu;

import java.util.Objects;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.model.Activation;
import org.lde.model.Conv2d;
import org.lde.model.LeakyReLU;
import org.lde.model.ReLU;
import org.lde.model.Sigmoid;
import org.lde.model.Tanh;

/**
 * Launchers of the kernels of graph networks' node kinds: the activations
 * ({@code kernels/activation.cu}, ReLU from {@code kernels/elementwise.cu}), the per-channel affine node
 * ({@code kernels/affine.cu}), joins and global average pooling ({@code kernels/graph.cu}: concat as a
 * strided copy and its slice, residual add; the accumulate of a fork's branch gradients is
 * {@code elementwise.cu}'s {@code axpy} with {@code a = 1}), and grouped/dilated convolution
 * ({@code kernels/conv_grouped.cu}). Each method checks buffer sizes against its geometry (a clear
 * {@link IllegalArgumentException} before anything is launched), uses the launch shape of the kernel's
 * header comment and launches asynchronously. Buffers hold float32, row-major.
 */
public final class GraphKernels {
    private final KernelLibrary lib;
    private final Device device;

    public GraphKernels(KernelLibrary lib) {
        this.lib = Objects.requireNonNull(lib, "lib");
        this.device = lib.device();
    }

    private void launch(String module, String kernel, long outputs, KernelArgs args) {
        device.launch(lib.kernel(module, kernel), GpuKernels.grid1d(outputs), Dim3.of(GpuKernels.BLOCK), 0, args);
    }

    // ------------------------------------------------------------------------------ activations

    /** {@code y = f(x)} over {@code n} elements (relu_forward, sigmoid_forward, tanh_forward, leaky_relu_forward). */
    public void activationForward(Activation f, DeviceBuffer x, DeviceBuffer y, int n) {
        require("x", x, n);
        require("y", y, n);
        launch(f instanceof ReLU ? "elementwise" : "activation", prefix(f) + "_forward", n,
                withSlope(f, KernelArgs.of().ptr(x).ptr(y).i32(n)));
    }

    /**
     * {@code dx[r, k] = dy[r, k] f'(x[r / s, k])} for {@code rows} gradient rows of {@code size} values,
     * {@code s} per recorded sample: ReLU and leaky ReLU read the recorded input {@code x}, sigmoid and
     * tanh the recorded output {@code y} ({@code *_backward_seeded}). {@code dx} may be {@code dy}.
     */
    public void activationBackward(Activation f, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int rows,
                                   int s, int size) {
        long total = (long) rows * size;
        if (s < 1 || rows % s != 0) {
            throw new IllegalArgumentException(f.kind() + " backward: " + rows + " rows are not a multiple of S = " + s);
        }
        require("dy", dy, total);
        require("dx", dx, total);
        DeviceBuffer recorded = f instanceof Sigmoid || f instanceof Tanh ? y : x;
        require("recorded values", recorded, (long) rows / s * size);
        launch("activation", prefix(f) + "_backward_seeded", total,
                withSlope(f, KernelArgs.of().ptr(recorded).ptr(dy).ptr(dx).i32(rows).i32(s).i32(size)));
    }

    /** The kernel name prefix of an activation kind. */
    private static String prefix(Activation f) {
        if (f instanceof ReLU) {
            return "relu";
        } else if (f instanceof Sigmoid) {
            return "sigmoid";
        } else if (f instanceof Tanh) {
            return "tanh";
        } else if (f instanceof LeakyReLU) {
            return "leaky_relu";
        }
        throw new IllegalArgumentException("no kernel for activation " + f.kind());
    }

    /** Appends the negative slope of a leaky ReLU (its kernels' last parameter). */
    private static KernelArgs withSlope(Activation f, KernelArgs a) {
        return f instanceof LeakyReLU l ? a.f32(slope(l)) : a;
    }

    private static float slope(LeakyReLU l) {
        float s = (float) l.slope();
        if (!Float.isFinite(s)) {
            throw new IllegalArgumentException("layer '" + l.name() + "': negative slope " + l.slope() + " overflows float32");
        }
        return s;
    }

    // ------------------------------------------------------------------------------ affine.cu

    /** {@code y[r, c, p] = w[c] x[r, c, p] + b[c]} over {@code rows} rows of {@code [C, plane]} (affine_forward). */
    public void affineForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer b, DeviceBuffer y, int rows, int c, int plane) {
        long total = (long) rows * c * plane;
        require("x", x, total);
        require("w", w, c);
        require("b", b, c);
        require("y", y, total);
        launch("affine", "affine_forward", total, KernelArgs.of().ptr(x).ptr(w).ptr(b).ptr(y).i32(rows).i32(c).i32(plane));
    }

    /** {@code dx[r, c, p] = w[c] dy[r, c, p]} (affine_backward); {@code dx} may be {@code dy}. */
    public void affineBackward(DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, int rows, int c, int plane) {
        long total = (long) rows * c * plane;
        require("dy", dy, total);
        require("w", w, c);
        require("dx", dx, total);
        launch("affine", "affine_backward", total, KernelArgs.of().ptr(dy).ptr(w).ptr(dx).i32(rows).i32(c).i32(plane));
    }

    /**
     * {@code dw[c] = sum_{r, p} x dy}, {@code db[c] = sum_{r, p} dy} over {@code n} rows (affine_backward_params:
     * one 256-thread block per channel).
     */
    public void affineBackwardParams(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, int n, int c,
                                     int plane) {
        long total = (long) n * c * plane;
        require("x", x, total);
        require("dy", dy, total);
        require("dw", dw, c);
        require("db", db, c);
        device.launch(lib.kernel("affine", "affine_backward_params"), Dim3.of(c), Dim3.of(256), 0,
                KernelArgs.of().ptr(x).ptr(dy).ptr(dw).ptr(db).i32(n).i32(c).i32(plane));
    }

    // ------------------------------------------------------------------------------ graph.cu

    /**
     * {@code dst[r * dstStride + dstOffset + k] = src[r * srcStride + srcOffset + k]}, {@code r < rows},
     * {@code k < size} (strided_copy): a concat input into its place, a slice of a concat's gradient, or a copy.
     */
    public void stridedCopy(DeviceBuffer src, DeviceBuffer dst, int rows, int size, int srcStride, int srcOffset, int dstStride,
                            int dstOffset) {
        if (rows < 1 || size < 1 || srcOffset < 0 || dstOffset < 0 || srcOffset + size > srcStride
                || dstOffset + size > dstStride) {
            throw new IllegalArgumentException("strided_copy: " + rows + " rows of " + size + " values from offset " + srcOffset
                    + " of rows of " + srcStride + " to offset " + dstOffset + " of rows of " + dstStride);
        }
        require("src", src, (long) (rows - 1) * srcStride + srcOffset + size);
        require("dst", dst, (long) (rows - 1) * dstStride + dstOffset + size);
        launch("graph", "strided_copy", (long) rows * size, KernelArgs.of().ptr(src).ptr(dst).i32(rows).i32(size)
                .i32(srcStride).i32(srcOffset).i32(dstStride).i32(dstOffset));
    }

    /** A copy of {@code n} floats from {@code src} to {@code dst} (strided_copy with one row). */
    public void copy(DeviceBuffer src, DeviceBuffer dst, int n) {
        stridedCopy(src, dst, 1, n, n, 0, n, 0);
    }

    /** {@code y = a + b} over {@code n} elements (add_forward); {@code y} may be {@code a} or {@code b}. */
    public void add(DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, int n) {
        require("a", a, n);
        require("b", b, n);
        require("y", y, n);
        launch("graph", "add_forward", n, KernelArgs.of().ptr(a).ptr(b).ptr(y).i32(n));
    }

    /**
     * {@code y += x} over {@code n} elements: {@code axpy} with {@code a = 1} (exact: one rounding of
     * {@code x + y}). {@code x} and {@code y} must be different buffers.
     */
    public void accumulate(DeviceBuffer y, DeviceBuffer x, int n) {
        if (x == y) {
            throw new IllegalArgumentException("accumulate: x and y are the same buffer");
        }
        require("x", x, n);
        require("y", y, n);
        launch("elementwise", "axpy", n, KernelArgs.of().i32(n).f32(1f).ptr(x).ptr(y));
    }

    /** {@code y[q] = mean_p x[q, p]} over {@code count = rows * C} planes of {@code plane} values (global_avgpool_forward). */
    public void globalAvgPoolForward(DeviceBuffer x, DeviceBuffer y, int count, int plane) {
        require("x", x, (long) count * plane);
        require("y", y, count);
        launch("graph", "global_avgpool_forward", count, KernelArgs.of().ptr(x).ptr(y).i32(count).i32(plane));
    }

    /** {@code dx[q, p] = dy[q] / plane} (global_avgpool_backward). */
    public void globalAvgPoolBackward(DeviceBuffer dy, DeviceBuffer dx, int count, int plane) {
        require("dy", dy, count);
        require("dx", dx, (long) count * plane);
        launch("graph", "global_avgpool_backward", (long) count * plane, KernelArgs.of().ptr(dy).ptr(dx).i32(count).i32(plane));
    }

    // ------------------------------------------------------------------------------ conv_grouped.cu

    /**
     * A grouped, dilated convolution over {@code n} rows: input {@code [n, c, h, w]}, weights
     * {@code [k, c / groups, kh, kw]}, output {@code [n, k, oh(), ow()]} with
     * {@code oh = (h + 2 ph - dh (kh - 1) - 1) / sh + 1} (likewise {@code ow}).
     */
    public record GroupedConv(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
                              int dw, int groups) {
        public GroupedConv {
            if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0
                    || dh < 1 || dw < 1 || groups < 1 || c % groups != 0 || k % groups != 0) {
                throw new IllegalArgumentException("grouped convolution geometry needs positive sizes, groups dividing both"
                        + " channel counts and non-negative padding, got " + describe(n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw,
                        groups));
            }
            if (h + 2L * ph < dh * (kh - 1L) + 1 || w + 2L * pw < dw * (kw - 1L) + 1) {
                throw new IllegalArgumentException("padded input smaller than the dilated kernel: "
                        + describe(n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, groups));
            }
            long outH = (h + 2L * ph - dh * (kh - 1L) - 1) / sh + 1;
            long outW = (w + 2L * pw - dw * (kw - 1L) - 1) / sw + 1;
            if ((long) n * c * h * w > Integer.MAX_VALUE || n * k * outH * outW > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("grouped convolution tensors exceed 2^31 elements: "
                        + describe(n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, groups));
            }
        }

        /** The geometry of {@code layer} over {@code n} rows of {@code [C, h, w]}. */
        public static GroupedConv of(Conv2d layer, int n, int h, int w) {
            return new GroupedConv(n, layer.inChannels(), h, w, layer.outChannels(), layer.kernelH(), layer.kernelW(),
                    layer.strideH(), layer.strideW(), layer.padH(), layer.padW(), layer.dilationH(), layer.dilationW(),
                    layer.groups());
        }

        /** The same convolution over {@code rows} rows. */
        public GroupedConv withRows(int rows) {
            return new GroupedConv(rows, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, groups);
        }

        public int oh() {
            return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        }

        public int ow() {
            return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        }

        public long inputSize() {
            return (long) n * c * h * w;
        }

        public long outputSize() {
            return (long) n * k * oh() * ow();
        }

        public long weightSize() {
            return (long) k * (c / groups) * kh * kw;
        }

        /** Multiply-adds times 2 of one forward (or data- or weight-gradient) pass. */
        public double flops() {
            return 2.0 * n * k * oh() * ow() * (c / groups) * kh * kw;
        }

        @Override
        public String toString() {
            return describe(n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, groups);
        }

        private static String describe(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
                                       int dw, int groups) {
            return "[" + n + "," + c + "," + h + "," + w + "] * [" + k + "," + (groups > 0 ? c / groups : c) + "," + kh + ","
                    + kw + "] stride " + sh + "x" + sw + " pad " + ph + "x" + pw + " dilation " + dh + "x" + dw + " groups "
                    + groups;
        }
    }

    /** {@code y = conv(x, w) + bias} (conv2d_forward_grouped). */
    public void groupedConvForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, DeviceBuffer y, GroupedConv g) {
        require("x", x, g.inputSize());
        require("w", w, g.weightSize());
        require("bias", bias, g.k());
        require("y", y, g.outputSize());
        launch("conv_grouped", "conv2d_forward_grouped", g.outputSize(), args(KernelArgs.of().ptr(x).ptr(w).ptr(bias).ptr(y), g));
    }

    /** The data gradient over {@code g.n()} gradient rows (conv2d_backward_data_grouped). */
    public void groupedConvBackwardData(DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, GroupedConv g) {
        require("dy", dy, g.outputSize());
        require("w", w, g.weightSize());
        require("dx", dx, g.inputSize());
        launch("conv_grouped", "conv2d_backward_data_grouped", g.inputSize(), args(KernelArgs.of().ptr(dy).ptr(w).ptr(dx), g));
    }

    /** Weight and bias gradients summed over {@code g.n()} samples (conv2d_backward_weights_grouped). */
    public void groupedConvBackwardWeights(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, GroupedConv g) {
        require("x", x, g.inputSize());
        require("dy", dy, g.outputSize());
        require("dw", dw, g.weightSize());
        require("db", db, g.k());
        launch("conv_grouped", "conv2d_backward_weights_grouped", g.weightSize() + g.k(),
                args(KernelArgs.of().ptr(x).ptr(dy).ptr(dw).ptr(db), g));
    }

    private static KernelArgs args(KernelArgs a, GroupedConv g) {
        return a.i32(g.n()).i32(g.c()).i32(g.h()).i32(g.w()).i32(g.k()).i32(g.kh()).i32(g.kw()).i32(g.sh()).i32(g.sw())
                .i32(g.ph()).i32(g.pw()).i32(g.dh()).i32(g.dw()).i32(g.groups()).i32(g.oh()).i32(g.ow());
    }

    private static void require(String what, DeviceBuffer b, long elements) {
        Objects.requireNonNull(b, what);
        if (b.bytes() < 4 * elements) {
            throw new IllegalArgumentException(what + " holds " + b.bytes() / 4 + " 32-bit elements, the launch needs " + elements);
        }
    }
}
