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
     * @throws IllegalArgumentException for {@code threads < 1} or a layer kind the backend cannot run
     */
    public static Backend open(Network network, Precision precision, int threads, Gemm gemm) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(gemm, "gemm");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        boolean nativeBlas = gemm == Gemm.AUTO && NativeBlas.status().usable();
        return precision == Precision.F32 ? new FastBackendF32(network, threads, nativeBlas)
                : new FastBackendF64(network, threads, nativeBlas);
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
