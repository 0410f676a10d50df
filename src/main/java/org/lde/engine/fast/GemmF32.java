package org.lde.engine.fast;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Row-major matrix products {@code C = op(A) op(B) + beta C} on float32 (float64 in the generated
 * {@code GemmF64}), with OpenBLAS {@code cblas_sgemm} when {@link NativeBlas} loaded it and a
 * blocked Java loop otherwise. Operands are {@link Mat}s: native memory when OpenBLAS is used
 * (JavaCPP's {@code float[]} overloads copy whole arrays through JNI on every call, measured 2.4x
 * slower at 512^3, see the README), heap arrays otherwise. Both paths run on the backend's
 * {@link FastPool}: OpenBLAS single-threaded, one call per part of {@code C} ({@link #parts}); the
 * Java loop four rows of {@code C} per item. Results are bitwise the same for every thread count.
 *
 * <p>Generated source: {@code GemmF64} is written from this file by
 * {@code src/scripts/generate-fast-f64.sh}; edit this file and rerun the script.
 */
final class GemmF32 implements AutoCloseable {
    private final boolean nativeBlas;
    private final FastPool pool;
    private float[] scratchA = new float[0];
    private float[] scratchB = new float[0];

    GemmF32(boolean nativeBlas, FastPool pool) {
        this.nativeBlas = nativeBlas;
        this.pool = pool;
    }

    boolean nativeBlas() {
        return nativeBlas;
    }

    Mat mat() {
        return new Mat(nativeBlas);
    }

    /**
     * A grow-only matrix buffer: native memory (with a direct-buffer view) for OpenBLAS, else a heap
     * array. Element {@code i} is addressed from the start; {@link #put} and {@link #get} copy ranges.
     */
    static final class Mat implements AutoCloseable {
        private final boolean nativeMemory;
        private FloatPointer ptr;
        private FloatBuffer buf;
        private float[] arr = new float[0];
        private long capacity;

        Mat(boolean nativeMemory) {
            this.nativeMemory = nativeMemory;
        }

        /** Makes room for {@code n} elements (contents are not kept when it grows). */
        Mat ensure(long n) {
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("matrix of " + n + " elements exceeds the 2^31 limit of one buffer");
            }
            if (n <= capacity) {
                return this;
            }
            long grown = Math.max(n, Math.min(Integer.MAX_VALUE - 8, capacity + capacity / 2));
            if (nativeMemory) {
                close();
                ptr = new FloatPointer(grown);
                buf = ptr.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
            } else {
                arr = new float[(int) grown];
            }
            capacity = grown;
            return this;
        }

        /** Copies {@code src[off .. off+len)} to elements {@code at .. at+len)}. */
        void put(int at, float[] src, int off, int len) {
            if (nativeMemory) {
                buf.put(at, src, off, len);
            } else {
                System.arraycopy(src, off, arr, at, len);
            }
        }

        /** Copies elements {@code at .. at+len)} to {@code dst[off .. off+len)}. */
        void get(int at, float[] dst, int off, int len) {
            if (nativeMemory) {
                buf.get(at, dst, off, len);
            } else {
                System.arraycopy(arr, at, dst, off, len);
            }
        }

        @Override
        public void close() {
            if (ptr != null) {
                ptr.close();
                ptr = null;
                buf = null;
            }
            capacity = 0;
        }
    }

    /**
     * {@code C[m x n] = op(A) op(B) + beta C}, where {@code op(A)} is {@code m x k} ({@code A} stored
     * {@code k x m} when {@code transA}) and {@code op(B)} is {@code k x n} ({@code B} stored
     * {@code n x k} when {@code transB}); all dense row-major from element 0. Modifies {@code c} only.
     */
    void mult(boolean transA, boolean transB, int m, int n, int k, Mat a, Mat b, float beta, Mat c) {
        if (m == 0 || n == 0) {
            return;
        }
        if (nativeBlas) {
            int lda = transA ? m : k;
            int ldb = transB ? k : n;
            int ta = transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
            int tb = transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
            boolean byRows = m >= n;
            int parts = parts(m, n, k);
            if (parts == 1) {
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, ta, tb, m, n, k, 1, a.ptr, lda, b.ptr, ldb, beta, c.ptr, n);
                return;
            }
            int extent = byRows ? m : n;
            int unit = byRows ? ROW_UNIT : COLUMN_UNIT;
            int step = (extent / unit + parts - 1) / parts * unit;
            pool.forEach(parts, 1, part -> {
                int from = part * step;
                int to = part == parts - 1 ? extent : Math.min(extent, from + step);
                if (from >= to) {
                    return;
                }
                if (byRows) {
                    long aOff = transA ? from : (long) from * k;
                    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, ta, tb, to - from, n, k, 1, a.ptr.getPointer(aOff),
                            lda, b.ptr, ldb, beta, c.ptr.getPointer((long) from * n), n);
                } else {
                    long bOff = transB ? (long) from * k : from;
                    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, ta, tb, m, to - from, k, 1, a.ptr, lda,
                            b.ptr.getPointer(bOff), ldb, beta, c.ptr.getPointer(from), n);
                }
            });
        } else {
            float[] av = a.arr;
            float[] bv = b.arr;
            if (transA) {
                av = scratchA = transpose(a.arr, k, m, scratchA);
            }
            if (transB) {
                bv = scratchB = transpose(b.arr, n, k, scratchB);
            }
            javaMult(m, n, k, av, bv, beta, c.arr);
        }
    }

    /** Rows of a row part are a multiple of this (OpenBLAS's register tiles are at most 16 rows). */
    static final int ROW_UNIT = 16;
    /** Columns of a column part are a multiple of this. */
    static final int COLUMN_UNIT = 64;

    /**
     * Into how many independent single-threaded OpenBLAS calls a product is split (along the longer
     * side of {@code C}): a function of the shape alone, never of the thread count, so that every
     * element of {@code C} is computed by the same call shape whatever runs it (OpenBLAS's own
     * threading changes the last bits with the thread count, and its spinning workers fight the
     * backend's own threads for the cores). A power of two up to 16, each part at least 64 rows or
     * 256 columns and 4 MFLOP.
     */
    static int parts(int m, int n, int k) {
        long flops = 2L * m * n * k;
        int bySize = m >= n ? m / 64 : n / 256;
        int byWork = (int) Math.min(16, flops / (4L << 20));
        int p = Math.max(1, Math.min(16, Math.min(bySize, byWork)));
        return Integer.highestOneBit(p);
    }

    /** {@code t = s^T} for {@code s: [rows, cols]}; reuses {@code t} when it is large enough. */
    private static float[] transpose(float[] s, int rows, int cols, float[] t) {
        float[] out = t.length >= rows * cols ? t : new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                out[q * rows + r] = s[r * cols + q];
            }
        }
        return out;
    }

    private static final int KB = 256;
    private static final int NB = 1024;

    /**
     * The Java fallback: {@code C = A B + beta C} with {@code A: [m, k]}, {@code B: [k, n]}; rows of
     * {@code C} in parallel, four rows at a time, blocked over {@code k} and {@code n} so that a panel
     * of {@code B} stays in cache; the inner loop over {@code n} is the one the JIT vectorizes.
     */
    private void javaMult(int m, int n, int k, float[] a, float[] b, float beta, float[] c) {
        int quads = (m + 3) / 4;
        pool.forEach(quads, 4, qd -> {
            int r0 = qd * 4;
            int r1 = Math.min(m, r0 + 4);
            for (int i = r0 * n; i < r1 * n; i++) {
                c[i] = beta == 0 ? 0 : beta * c[i];
            }
            for (int kk = 0; kk < k; kk += KB) {
                int ke = Math.min(k, kk + KB);
                for (int jj = 0; jj < n; jj += NB) {
                    int je = Math.min(n, jj + NB);
                    if (r1 - r0 == 4) {
                        quad(a, b, c, n, k, r0, kk, ke, jj, je);
                    } else {
                        for (int i = r0; i < r1; i++) {
                            for (int p = kk; p < ke; p++) {
                                float av = a[i * k + p];
                                int bo = p * n;
                                int co = i * n;
                                for (int j = jj; j < je; j++) {
                                    c[co + j] += av * b[bo + j];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    private static void quad(float[] a, float[] b, float[] c, int n, int k, int r0, int kk, int ke, int jj, int je) {
        int c0 = r0 * n;
        int c1 = c0 + n;
        int c2 = c1 + n;
        int c3 = c2 + n;
        for (int p = kk; p < ke; p++) {
            float a0 = a[r0 * k + p];
            float a1 = a[(r0 + 1) * k + p];
            float a2 = a[(r0 + 2) * k + p];
            float a3 = a[(r0 + 3) * k + p];
            int bo = p * n;
            for (int j = jj; j < je; j++) {
                float bv = b[bo + j];
                c[c0 + j] += a0 * bv;
                c[c1 + j] += a1 * bv;
                c[c2 + j] += a2 * bv;
                c[c3 + j] += a3 * bv;
            }
        }
    }

    @Override
    public void close() {
        scratchA = new float[0];
        scratchB = new float[0];
    }
}
