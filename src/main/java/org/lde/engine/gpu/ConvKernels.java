package org.lde.engine.gpu;

import java.util.Objects;

import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.model.AvgPool2d;
import org.lde.model.Conv2d;
import org.lde.model.MaxPool2d;

/**
 * Launchers of the convolution and pooling kernels ({@code kernels/conv.cu}, {@code kernels/pool.cu}):
 * each method checks the geometry against the buffer sizes, computes the grid and block of the
 * kernel's documented launch shape and launches it on the library's device (asynchronously: the
 * caller synchronizes). All tensors are float32 NCHW row-major; every output is overwritten (never
 * accumulated into). No method allocates.
 */
public final class ConvKernels {
    private ConvKernels() {
    }

    /** Module of the convolution kernels ({@code kernels/conv.cu}). */
    public static final String CONV_MODULE = "conv";
    /** Module of the pooling kernels ({@code kernels/pool.cu}). */
    public static final String POOL_MODULE = "pool";
    /** Threads per block of every kernel of both modules (1-D blocks). */
    public static final int THREADS = 256;
    /** The block of every kernel of both modules. */
    public static final Dim3 BLOCK = Dim3.of(THREADS);
    /** Largest grid extent used in y and z (rows of a launch are {@code grid.z}). */
    public static final int MAX_GRID_YZ = 65535;

    /**
     * The geometry of a convolution over {@code n} rows (images, or gradient rows of a reverse pass):
     * input {@code [n, c, h, w]}, weights {@code [k, c, kh, kw]}, stride {@code sh x sw}, zero padding
     * {@code ph x pw}; output {@code [n, k, oh(), ow()]} (floor mode).
     */
    public record ConvGeometry(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, int ph, int pw) {
        public ConvGeometry {
            if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0) {
                throw new IllegalArgumentException("convolution geometry needs positive sizes, kernel and stride and"
                        + " non-negative padding, got " + describe(n, c, h, w, k, kh, kw, sh, sw, ph, pw));
            }
            if (h + 2L * ph < kh || w + 2L * pw < kw) {
                throw new IllegalArgumentException("padded input smaller than the kernel: " + describe(n, c, h, w, k, kh, kw, sh, sw, ph, pw));
            }
            if ((long) n * c * h * w > Integer.MAX_VALUE || (long) n * k * h * w > Integer.MAX_VALUE
                    || (long) k * c * kh * kw > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("convolution tensors exceed 2^31 elements: " + describe(n, c, h, w, k, kh, kw, sh, sw, ph, pw));
            }
        }

        /** The geometry of {@code layer} on {@code n} images of {@code h x w}. */
        public static ConvGeometry of(Conv2d layer, int n, int h, int w) {
            return new ConvGeometry(n, layer.inChannels(), h, w, layer.outChannels(), layer.kernelH(), layer.kernelW(),
                    layer.strideH(), layer.strideW(), layer.padH(), layer.padW());
        }

        /** The same convolution over {@code rows} rows (e.g. N*S gradient rows of a reverse pass). */
        public ConvGeometry withRows(int rows) {
            return new ConvGeometry(rows, c, h, w, k, kh, kw, sh, sw, ph, pw);
        }

        public int oh() {
            return (h + 2 * ph - kh) / sh + 1;
        }

        public int ow() {
            return (w + 2 * pw - kw) / sw + 1;
        }

        /** Elements of the input {@code [n, c, h, w]}. */
        public long inputSize() {
            return (long) n * c * h * w;
        }

        /** Elements of the output {@code [n, k, oh, ow]}. */
        public long outputSize() {
            return (long) n * k * oh() * ow();
        }

        /** Elements of the weights {@code [k, c, kh, kw]}. */
        public long weightSize() {
            return (long) k * c * kh * kw;
        }

        /** Multiply-adds times 2 of one forward (and of one data- or weight-gradient) pass. */
        public double flops() {
            return 2.0 * n * k * oh() * ow() * c * kh * kw;
        }

        @Override
        public String toString() {
            return describe(n, c, h, w, k, kh, kw, sh, sw, ph, pw);
        }
    }

    private static String describe(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, int ph, int pw) {
        return "[" + n + "," + c + "," + h + "," + w + "] * [" + k + "," + c + "," + kh + "," + kw + "] stride " + sh + "x"
                + sw + " pad " + ph + "x" + pw;
    }

    /**
     * The geometry of a pooling window over {@code n} rows of {@code [c, h, w]}: window {@code kh x kw},
     * stride {@code sh x sw}, padding {@code ph x pw}; output {@code [n, c, oh(), ow()]} (floor mode).
     */
    public record PoolGeometry(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        public PoolGeometry {
            if (n < 1 || c < 1 || h < 1 || w < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0) {
                throw new IllegalArgumentException("pooling geometry needs positive sizes, window and stride and"
                        + " non-negative padding, got " + describe(n, c, h, w, kh, kw, sh, sw, ph, pw));
            }
            if (h + 2L * ph < kh || w + 2L * pw < kw) {
                throw new IllegalArgumentException("padded input smaller than the window: " + describe(n, c, h, w, kh, kw, sh, sw, ph, pw));
            }
            if ((long) n * c * h * w > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("pooling tensors exceed 2^31 elements: " + describe(n, c, h, w, kh, kw, sh, sw, ph, pw));
            }
        }

        public static PoolGeometry of(MaxPool2d layer, int n, int c, int h, int w) {
            return new PoolGeometry(n, c, h, w, layer.kernelH(), layer.kernelW(), layer.strideH(), layer.strideW(),
                    layer.padH(), layer.padW());
        }

        public static PoolGeometry of(AvgPool2d layer, int n, int c, int h, int w) {
            return new PoolGeometry(n, c, h, w, layer.kernelH(), layer.kernelW(), layer.strideH(), layer.strideW(),
                    layer.padH(), layer.padW());
        }

        /** The same pooling over {@code rows} rows. */
        public PoolGeometry withRows(int rows) {
            return new PoolGeometry(rows, c, h, w, kh, kw, sh, sw, ph, pw);
        }

        public int oh() {
            return (h + 2 * ph - kh) / sh + 1;
        }

        public int ow() {
            return (w + 2 * pw - kw) / sw + 1;
        }

        public long inputSize() {
            return (long) n * c * h * w;
        }

        public long outputSize() {
            return (long) n * c * oh() * ow();
        }

        @Override
        public String toString() {
            return describe(n, c, h, w, kh, kw, sh, sw, ph, pw);
        }

        private static String describe(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
            return "[" + n + "," + c + "," + h + "," + w + "] window " + kh + "x" + kw + " stride " + sh + "x" + sw
                    + " pad " + ph + "x" + pw;
        }
    }

    // ------------------------------------------------------------------------------------ launch shapes

    /** Output channels per block of the gather kernels: 1 when there is one, 4 up to 4, else 8 (as in conv.cu). */
    public static int outputChannelsPerBlock(int outputChannels) {
        return outputChannels <= 1 ? 1 : outputChannels <= 4 ? 4 : 8;
    }

    /** Grid of {@code conv2d_forward}: (ceil(OH*OW / 256), ceil(K / OB), N). */
    public static Dim3 forwardGrid(ConvGeometry g) {
        return gatherGrid((long) g.oh() * g.ow(), g.k(), g.n());
    }

    /** Grid of {@code conv2d_backward_data}: (ceil(H*W / 256), ceil(C / OB), N). */
    public static Dim3 backwardDataGrid(ConvGeometry g) {
        return gatherGrid((long) g.h() * g.w(), g.c(), g.n());
    }

    /** Grid of {@code conv2d_backward_weights}: (C, K, 1), one block per (c, k). */
    public static Dim3 backwardWeightsGrid(ConvGeometry g) {
        if (g.k() > MAX_GRID_YZ) {
            throw new IllegalArgumentException("conv2d_backward_weights supports at most " + MAX_GRID_YZ + " output channels: " + g);
        }
        return new Dim3(g.c(), g.k(), 1);
    }

    /** Grid of the pooling kernels' grid-stride loop over {@code total} outputs: min(ceil(total / 256), 65535) blocks. */
    public static Dim3 poolGrid(long total) {
        return Dim3.of((int) Math.max(1, Math.min((total + THREADS - 1) / THREADS, 65535)));
    }

    private static Dim3 gatherGrid(long plane, int outputChannels, int rows) {
        long tiles = (plane + THREADS - 1) / THREADS;
        int groups = (outputChannels + outputChannelsPerBlock(outputChannels) - 1) / outputChannelsPerBlock(outputChannels);
        if (tiles > Integer.MAX_VALUE || groups > MAX_GRID_YZ || rows > MAX_GRID_YZ) {
            throw new IllegalArgumentException("convolution launch too large: " + tiles + " position tiles, " + groups
                    + " channel groups, " + rows + " rows (at most " + MAX_GRID_YZ + " groups and rows)");
        }
        return new Dim3((int) tiles, groups, rows);
    }

    // ------------------------------------------------------------------------------------- convolution

    /**
     * {@code y = conv(x, w) + bias}: x {@code [n,c,h,w]}, w {@code [k,c,kh,kw]}, bias {@code [k]},
     * y {@code [n,k,oh,ow]} (overwritten).
     */
    public static void conv2dForward(KernelLibrary lib, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, DeviceBuffer y,
                                     ConvGeometry g) {
        requireFloats("x", x, g.inputSize(), g);
        requireFloats("w", w, g.weightSize(), g);
        requireFloats("bias", bias, g.k(), g);
        requireFloats("y", y, g.outputSize(), g);
        Device d = lib.device();
        d.launch(lib.kernel(CONV_MODULE, "conv2d_forward"), forwardGrid(g), BLOCK, 0,
                convArgs(KernelArgs.of().ptr(x).ptr(w).ptr(bias).ptr(y), g));
    }

    /**
     * {@code dx = conv^T(dy, w)}, the data gradient over {@code g.n()} gradient rows: dy {@code [n,k,oh,ow]},
     * w {@code [k,c,kh,kw]}, dx {@code [n,c,h,w]} (overwritten).
     */
    public static void conv2dBackwardData(KernelLibrary lib, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, ConvGeometry g) {
        requireFloats("dy", dy, g.outputSize(), g);
        requireFloats("w", w, g.weightSize(), g);
        requireFloats("dx", dx, g.inputSize(), g);
        lib.device().launch(lib.kernel(CONV_MODULE, "conv2d_backward_data"), backwardDataGrid(g), BLOCK, 0,
                convArgs(KernelArgs.of().ptr(dy).ptr(w).ptr(dx), g));
    }

    /**
     * {@code dw[k,c,i,j] = sum_{n,oh,ow} dy[n,k,oh,ow] x[n,c,oh*sh-ph+i, ow*sw-pw+j]} and
     * {@code db[k] = sum_{n,oh,ow} dy[n,k,oh,ow]}: x {@code [n,c,h,w]}, dy {@code [n,k,oh,ow]}, dw
     * {@code [k,c,kh,kw]} and db {@code [k]} (both overwritten).
     */
    public static void conv2dBackwardWeights(KernelLibrary lib, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw,
                                             DeviceBuffer db, ConvGeometry g) {
        requireFloats("x", x, g.inputSize(), g);
        requireFloats("dy", dy, g.outputSize(), g);
        requireFloats("dw", dw, g.weightSize(), g);
        requireFloats("db", db, g.k(), g);
        lib.device().launch(lib.kernel(CONV_MODULE, "conv2d_backward_weights"), backwardWeightsGrid(g), BLOCK, 0,
                convArgs(KernelArgs.of().ptr(x).ptr(dy).ptr(dw).ptr(db), g));
    }

    private static KernelArgs convArgs(KernelArgs a, ConvGeometry g) {
        return a.i32(g.n()).i32(g.c()).i32(g.h()).i32(g.w()).i32(g.k()).i32(g.kh()).i32(g.kw())
                .i32(g.sh()).i32(g.sw()).i32(g.ph()).i32(g.pw()).i32(g.oh()).i32(g.ow());
    }

    // ----------------------------------------------------------------------------------------- pooling

    /**
     * Max pooling: y {@code [n,c,oh,ow]} = window maxima (padding is -inf), argmax (int32, same shape) =
     * {@code h*w + col} of the first maximal cell in row-major window order, within its plane. Both overwritten.
     */
    public static void maxPool2dForward(KernelLibrary lib, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax, PoolGeometry g) {
        requireFloats("x", x, g.inputSize(), g);
        requireFloats("y", y, g.outputSize(), g);
        requireFloats("argmax", argmax, g.outputSize(), g);
        lib.device().launch(lib.kernel(POOL_MODULE, "maxpool2d_forward"), poolGrid(g.outputSize()), BLOCK, 0,
                windowArgs(KernelArgs.of().ptr(x).ptr(y).ptr(argmax).i32(g.n()).i32(g.c()), g));
    }

    /**
     * Reverse of max pooling over {@code rows} gradient rows, row {@code r} routed by the argmax of sample
     * {@code r / rowsPerSample}: dy {@code [rows,c,oh,ow]}, argmax {@code [g.n(),c,oh,ow]} (g.n() samples),
     * dx {@code [rows,c,h,w]} (overwritten).
     */
    public static void maxPool2dBackward(KernelLibrary lib, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx, int rows,
                                         int rowsPerSample, PoolGeometry g) {
        if (rows < 1 || rowsPerSample < 1 || (rows - 1) / rowsPerSample >= g.n()) {
            throw new IllegalArgumentException("maxpool2d_backward: " + rows + " rows at " + rowsPerSample
                    + " per sample need more than the " + g.n() + " samples of " + g);
        }
        PoolGeometry r = g.withRows(rows);
        requireFloats("dy", dy, r.outputSize(), r);
        requireFloats("argmax", argmax, g.outputSize(), g);
        requireFloats("dx", dx, r.inputSize(), r);
        lib.device().launch(lib.kernel(POOL_MODULE, "maxpool2d_backward"), poolGrid(r.inputSize()), BLOCK, 0,
                windowArgs(KernelArgs.of().ptr(dy).ptr(argmax).ptr(dx).i32(rows).i32(rowsPerSample).i32(g.c()), g));
    }

    /** Average pooling, divisor kh*kw (count_include_pad): y {@code [n,c,oh,ow]} (overwritten). */
    public static void avgPool2dForward(KernelLibrary lib, DeviceBuffer x, DeviceBuffer y, PoolGeometry g) {
        requireFloats("x", x, g.inputSize(), g);
        requireFloats("y", y, g.outputSize(), g);
        lib.device().launch(lib.kernel(POOL_MODULE, "avgpool2d_forward"), poolGrid(g.outputSize()), BLOCK, 0,
                windowArgs(KernelArgs.of().ptr(x).ptr(y).i32(g.n()).i32(g.c()), g));
    }

    /** Reverse of average pooling over {@code g.n()} gradient rows: dy {@code [n,c,oh,ow]}, dx {@code [n,c,h,w]} (overwritten). */
    public static void avgPool2dBackward(KernelLibrary lib, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g) {
        requireFloats("dy", dy, g.outputSize(), g);
        requireFloats("dx", dx, g.inputSize(), g);
        lib.device().launch(lib.kernel(POOL_MODULE, "avgpool2d_backward"), poolGrid(g.inputSize()), BLOCK, 0,
                windowArgs(KernelArgs.of().ptr(dy).ptr(dx).i32(g.n()).i32(g.c()), g));
    }

    private static KernelArgs windowArgs(KernelArgs a, PoolGeometry g) {
        return a.i32(g.h()).i32(g.w()).i32(g.kh()).i32(g.kw()).i32(g.sh()).i32(g.sw()).i32(g.ph()).i32(g.pw())
                .i32(g.oh()).i32(g.ow());
    }

    private static void requireFloats(String what, DeviceBuffer b, long elements, Object geometry) {
        Objects.requireNonNull(b, what);
        if (b.bytes() < 4 * elements) {
            throw new IllegalArgumentException(what + " holds " + b.bytes() / 4 + " 32-bit elements, " + geometry + " needs "
                    + elements);
        }
    }
}
