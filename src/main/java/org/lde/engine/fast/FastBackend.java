package org.lde.engine.fast;

import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.engine.BackendChecks;
import org.lde.engine.Loss;
import org.lde.engine.LossValue;
import org.lde.model.Network;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The fast CPU backend ({@code --backend cpu-fast}, the choice of {@code auto} without a GPU):
 * every {@link Backend} operation on the host, in float32 by default ({@code cpu-fast-f64}: float64),
 * with the semantics, validation and error messages of the float64 reference
 * {@code engine.cpu.EjmlBackend} (the checks are shared through {@link BackendChecks}); the agreement
 * suite holds it to METHOD.md section 10's {@code 1e-5} in float32 and to {@code 1e-12} in float64.
 *
 * <p><b>How it is fast.</b> A batch is a matrix: a Dense layer is ONE GEMM for the batch
 * ({@code Y = X W^T + b}, reverse {@code dX = dY W}, parameters {@code dW = dY^T X}); a convolution is
 * im2col of a block of images side by side ({@code cols: [C kH kW, m P]}, about 4 MB a block) and ONE
 * GEMM {@code Y = W cols} per block, reverse {@code dCols = W^T dY} folded back by col2im, parameters
 * {@code dW += dY cols^T}. A reverse pass with {@code S} seeds per sample is one batched pass over
 * {@code N S} gradient rows (a whole Jacobian: {@code N C} rows through each GEMM). The GEMMs are
 * OpenBLAS's {@code sgemm}/{@code dgemm} (the natives inside the {@code org.bytedeco:openblas} Maven
 * artifact; chosen by measurement, see the README's "Speed on the CPU"), single-threaded calls on parts
 * of the product that depend on its shape alone, run on the backend's pool; where OpenBLAS cannot
 * load (a platform whose natives are not bundled) a blocked Java GEMM stands in and {@link Backend#name()} says so. Everything else (im2col, col2im, pooling, ReLU, bias,
 * float conversion) runs on the same fixed pool of the backend's own threads (never the common pool),
 * split over images, channels and gradient rows, never inside one sum, so results are bitwise the
 * same for every thread count. Weights are copied once into native GEMM operands (again after each
 * {@code step}); GEMM operands, scratch activations and the activation arrays of closed recorded
 * passes are reused across calls instead of allocated per call.
 *
 * <p><b>Graphs.</b> Every node kind of {@code org.lde.model} runs, on DAG networks as on sequential ones
 * (the folded network: BatchNorm is folded or an affine node): Dense, Conv2d (plain, grouped, depthwise,
 * dilated), ReLU, LeakyReLU, sigmoid, tanh, max and average pooling, global average pooling, affine,
 * add, concat (channels), and the reshaping nodes (flatten, reshape, identity, dropout), which share
 * their input's array. Forward passes keep one array per node, handed back for reuse once its last
 * reader is done; reverse passes walk the layers in reverse topological order with one gradient array
 * per node, the sum of what each reader sends back (a fork sums its branches; add sends {@code dY} to
 * each input, concat a slice of it), as the reference does.
 *
 * <p><b>Direct convolutions.</b> Grouped and dilated convolutions (and, by choice, plain ones:
 * {@link Conv}; {@link Conv#AUTO} keeps them on im2col, the faster path as measured) run on direct
 * kernels instead of im2col: per output row, each tap adds a shifted input row
 * ({@code y[j] += w x[j]}, a loop the JIT vectorizes; column strides go through a phase layout of the
 * input so that the loop stays unit-stride), forward, data gradient and parameter gradients, in
 * parallel over images and channels. No column matrix is written; but as written (one output row
 * per inner loop, no register blocking over output channels) they are slower than im2col and the
 * GEMM even on thin convolutions.
 *
 * <p><b>Dual solves.</b> {@code solveDual} and {@code solveLinearized} are the interface's defaults:
 * the float64 {@code ReferenceDualSolver} on the host (the constraint rows are host arrays after the
 * reverse pass anyway, and the solve is small next to it). There are no interval or linear bound
 * passes in {@link Backend} yet; none here either.
 *
 * <p><b>Numbers.</b> float32 mode rounds the parameters and inputs to float32 on entry and widens the
 * outputs; losses are computed on the host in float64 from the given logits. Not thread-safe (one
 * caller at a time; the backend uses its own threads inside each call).
 */
public final class FastBackend {
    private FastBackend() {
    }

    /** Arithmetic of the backend. */
    public enum Precision {
        /** float32 (the default): about twice the speed of float64, agreement to about 1e-6. */
        F32,
        /** float64: agrees with the EJML reference to rounding (about 1e-14). */
        F64
    }

    /** Where the matrix products run. */
    public enum Gemm {
        /** OpenBLAS when it loads, else the Java GEMM. */
        AUTO,
        /** Always the blocked Java GEMM (for tests and for comparison). */
        JAVA
    }

    /** Which convolutions run on the direct kernels ({@code FastConvF32}/{@code F64}) instead of im2col and a GEMM. */
    public enum Conv {
        /**
         * Grouped and dilated convolutions, and plain ones whose patch {@code C kH kW} has at most
         * {@link #DIRECT_MAX_PATCH} values (the measured rule, see the README's "Speed on the CPU": none today).
         */
        AUTO,
        /** Only grouped and dilated convolutions (every plain one through im2col; for tests and comparison). */
        IM2COL,
        /** Every convolution (for tests and comparison). */
        DIRECT
    }

    /**
     * The largest patch {@code C kH kW} of a plain convolution that {@link Conv#AUTO} runs on the direct
     * kernels: 0, so every plain convolution stays on im2col and a GEMM. Measured by {@code FastConvBench}
     * (README "Speed on the CPU", {@code bench/results/cpu/fastconv*.json}): on every convolution of the
     * table's networks, down to the 1-channel 3x3 one (patch 9), the direct kernels were 2 to 10 times
     * slower than im2col, forward and backward. They remain the path of grouped and dilated convolutions.
     */
    public static final int DIRECT_MAX_PATCH = 0;

    /** Threads used when none are given: the number of available processors. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** A float32 backend with {@link #defaultThreads()} threads on a private folded copy of {@code network}. */
    public static Backend open(Network network) {
        return open(network, Precision.F32);
    }

    /** A backend of the given precision with {@link #defaultThreads()} threads. */
    public static Backend open(Network network, Precision precision) {
        return open(network, precision, defaultThreads(), Gemm.AUTO);
    }

    /**
     * Opens a fast backend on a private, folded deep copy of {@code network} (training never changes the
     * caller's network).
     *
     * @param threads threads of the backend's own pool (the caller's and {@code threads - 1} workers), {@code >= 1}
     * @throws IllegalArgumentException for {@code threads < 1}
     */
    public static Backend open(Network network, Precision precision, int threads, Gemm gemm) {
        return open(network, precision, threads, gemm, Conv.AUTO);
    }

    /** As {@link #open(Network, Precision, int, Gemm)}, choosing which convolutions run on the direct kernels. */
    public static Backend open(Network network, Precision precision, int threads, Gemm gemm, Conv conv) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(gemm, "gemm");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        boolean nativeBlas = gemm == Gemm.AUTO && NativeBlas.status().usable();
        int maxPatch = conv == Conv.AUTO ? DIRECT_MAX_PATCH : conv == Conv.IM2COL ? 0 : Integer.MAX_VALUE;
        return precision == Precision.F32 ? new FastBackendF32(network, threads, nativeBlas, maxPatch)
                : new FastBackendF64(network, threads, nativeBlas, maxPatch);
    }

    /** What runs the GEMMs of a {@link Gemm#AUTO} backend on this machine, and why (never throws). */
    public static String gemmLibrary() {
        NativeBlas.Status s = NativeBlas.status();
        return s.usable() ? s.reason() : "Java GEMM: " + s.reason();
    }

    /**
     * The losses of the reference, in float64 on the host. Cross-entropy:
     * {@code value = 1/N sum_n (lse(z_n) - z_n[y_n])}, {@code gradient = (softmax(z_n) - onehot(y_n)) / N},
     * {@code correct} = samples whose first maximal logit is {@code y_n}. MSE:
     * {@code value = 1/(N C) sum (z - t)^2}, {@code gradient = 2 (z - t) / (N C)}, {@code correct = 0}.
     */
    static LossValue loss(Tensor logits, Tensor targets, Loss loss, int classes) {
        int n = BackendChecks.checkLogits(logits, targets, loss, classes);
        Object checked = BackendChecks.checkTargets(targets, n, classes, loss);
        double[] z = logits.data();
        double[] grad = new double[n * classes];
        Shape shape = logits.shape();
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            int[] ys = (int[]) checked;
            double sum = 0;
            int correct = 0;
            for (int r = 0; r < n; r++) {
                int off = r * classes;
                int best = off;
                for (int q = off + 1; q < off + classes; q++) {
                    best = z[q] > z[best] ? q : best;
                }
                double total = 0;
                for (int q = off; q < off + classes; q++) {
                    grad[q] = Math.exp(z[q] - z[best]);
                    total += grad[q];
                }
                sum += z[best] + Math.log(total) - z[off + ys[r]];
                for (int q = off; q < off + classes; q++) {
                    grad[q] = grad[q] / total / n;
                }
                grad[off + ys[r]] -= 1.0 / n;
                correct += best - off == ys[r] ? 1 : 0;
            }
            return new LossValue(sum / n, new Tensor(shape, grad), correct);
        }
        double[] t = targets.data();
        double scale = 1.0 / ((double) n * classes);
        double sum = 0;
        for (int q = 0; q < grad.length; q++) {
            double diff = z[q] - t[q];
            sum += diff * diff;
            grad[q] = 2 * diff * scale;
        }
        return new LossValue(sum * scale, new Tensor(shape, grad), 0);
    }
}
