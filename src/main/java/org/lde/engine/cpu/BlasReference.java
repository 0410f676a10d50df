package org.lde.engine.cpu;

/**
 * Float64 references of the CUDA kernels in {@code kernels/elementwise.cu} and
 * {@code kernels/gemm.cu}: the truth they are validated against (METHOD.md section 10).
 *
 * <p>Style of EJML's {@code *Ops}: static, verb-first names, the output parameter last (it is the
 * only argument modified). Matrices are row-major {@code double[]} with a leading dimension: element
 * {@code (i, j)} of X is {@code x[i * ldx + j]}. Every argument is checked before anything is
 * written, so bad input throws {@link IllegalArgumentException} naming the problem and changes
 * nothing.
 */
public final class BlasReference {

    private BlasReference() {
    }

    // ------------------------------------------------------------------------------------------ GEMM

    /**
     * {@code C = alpha A B + beta C} with {@code A [m,k]}, {@code B [k,n]}, {@code C [m,n]} (kernel
     * {@code sgemm_nn}). When {@code beta == 0}, C is not read (it may hold NaN). {@code k == 0} gives
     * {@code C = beta C}.
     *
     * @param c input (unless beta is 0) and output; the only argument modified
     */
    public static void gemmNN(int m, int n, int k, double alpha, double[] a, int lda, double[] b, int ldb,
                              double beta, double[] c, int ldc) {
        gemm(false, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /**
     * {@code C = alpha A B^T + beta C} with {@code A [m,k]}, {@code B [n,k]}, {@code C [m,n]} (kernel
     * {@code sgemm_nt}); beta and k as in {@link #gemmNN}.
     *
     * @param c input (unless beta is 0) and output; the only argument modified
     */
    public static void gemmNT(int m, int n, int k, double alpha, double[] a, int lda, double[] b, int ldb,
                              double beta, double[] c, int ldc) {
        gemm(false, true, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /**
     * {@code C = alpha A^T B + beta C} with {@code A [k,m]}, {@code B [k,n]}, {@code C [m,n]} (kernel
     * {@code sgemm_tn}); beta and k as in {@link #gemmNN}.
     *
     * @param c input (unless beta is 0) and output; the only argument modified
     */
    public static void gemmTN(int m, int n, int k, double alpha, double[] a, int lda, double[] b, int ldb,
                              double beta, double[] c, int ldc) {
        gemm(true, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** {@link #gemmNN(int, int, int, double, double[], int, double[], int, double, double[], int)} with packed rows. */
    public static void gemmNN(int m, int n, int k, double alpha, double[] a, double[] b, double beta, double[] c) {
        gemmNN(m, n, k, alpha, a, Math.max(1, k), b, Math.max(1, n), beta, c, Math.max(1, n));
    }

    /** {@link #gemmNT(int, int, int, double, double[], int, double[], int, double, double[], int)} with packed rows. */
    public static void gemmNT(int m, int n, int k, double alpha, double[] a, double[] b, double beta, double[] c) {
        gemmNT(m, n, k, alpha, a, Math.max(1, k), b, Math.max(1, k), beta, c, Math.max(1, n));
    }

    /** {@link #gemmTN(int, int, int, double, double[], int, double[], int, double, double[], int)} with packed rows. */
    public static void gemmTN(int m, int n, int k, double alpha, double[] a, double[] b, double beta, double[] c) {
        gemmTN(m, n, k, alpha, a, Math.max(1, m), b, Math.max(1, n), beta, c, Math.max(1, n));
    }

    private static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
                             double[] b, int ldb, double beta, double[] c, int ldc) {
        String form = "gemm" + (transA ? "T" : "N") + (transB ? "T" : "N");
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException(form + ": sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        // A is stored [m,k] or, transposed, [k,m]; B is [k,n] or, transposed, [n,k].
        checkMatrix(form, "A", a, transA ? k : m, transA ? m : k, lda);
        checkMatrix(form, "B", b, transB ? n : k, transB ? k : n, ldb);
        checkMatrix(form, "C", c, m, n, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double aip = transA ? a[p * lda + i] : a[i * lda + p];
                    double bpj = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += aip * bpj;
                }
                int ij = i * ldc + j;
                c[ij] = beta == 0 ? alpha * sum : alpha * sum + beta * c[ij];
            }
        }
    }

    private static void checkMatrix(String form, String what, double[] x, int rows, int cols, int ld) {
        if (x == null) {
            throw new IllegalArgumentException(form + ": " + what + " is null");
        }
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(form + ": leading dimension of " + what + " is " + ld + ", less than its "
                    + cols + " columns (or 1)");
        }
        long needed = rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
        if (x.length < needed) {
            throw new IllegalArgumentException(form + ": " + what + " [" + rows + "," + cols + "] with leading dimension " + ld
                    + " needs " + needed + " elements, the array has " + x.length);
        }
    }

    // ----------------------------------------------------------------------------------- elementwise

    /**
     * {@code y = a x + y} over the first {@code n} elements (kernel {@code axpy}).
     *
     * @param y input and output; the only argument modified
     */
    public static void axpy(int n, double a, double[] x, double[] y) {
        checkLength("axpy", n, "x", x);
        checkLength("axpy", n, "y", y);
        for (int i = 0; i < n; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    /**
     * {@code y_i = max(0, x_i)} for every i (kernel {@code relu_forward}); a NaN {@code x_i} gives NaN,
     * {@code -0} gives {@code -0}, as the kernel's {@code x < 0 ? 0 : x}.
     *
     * @param y output (same length as x); may be x itself
     */
    public static void reluForward(double[] x, double[] y) {
        checkSame("reluForward", "x", x, "y", y);
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] < 0 ? 0.0 : x[i];
        }
    }

    /**
     * {@code dx_i = dy_i [x_i > 0]} for every i (kernel {@code relu_backward}), as a select: dx is
     * {@code dy_i} where {@code x_i > 0} and {@code +0} elsewhere (also where x is NaN or dy is
     * infinite).
     *
     * @param dx output (same length as x); may be dy itself
     */
    public static void reluBackward(double[] x, double[] dy, double[] dx) {
        checkSame("reluBackward", "x", x, "dy", dy);
        checkSame("reluBackward", "x", x, "dx", dx);
        for (int i = 0; i < x.length; i++) {
            dx[i] = x[i] > 0 ? dy[i] : 0.0;
        }
    }

    private static void checkLength(String op, int n, String what, double[] x) {
        if (n < 0) {
            throw new IllegalArgumentException(op + ": n must be >= 0, got " + n);
        }
        if (x == null) {
            throw new IllegalArgumentException(op + ": " + what + " is null");
        }
        if (x.length < n) {
            throw new IllegalArgumentException(op + ": " + what + " has " + x.length + " elements, fewer than n = " + n);
        }
    }

    private static void checkSame(String op, String nameA, double[] a, String nameB, double[] b) {
        if (a == null || b == null) {
            throw new IllegalArgumentException(op + ": " + (a == null ? nameA : nameB) + " is null");
        }
        if (a.length != b.length) {
            throw new IllegalArgumentException(op + ": " + nameA + " has " + a.length + " elements but " + nameB + " has " + b.length);
        }
    }
}
