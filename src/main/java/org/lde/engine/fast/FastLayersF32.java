package org.lde.engine.fast;

import java.util.Arrays;
import org.lde.engine.Window2d;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.tensor.Tensor;

/**
 * The matrix arithmetic of the fast backend in float32 (float64 in the generated {@code FastLayersF64}):
 * Dense and im2col-convolution layers forward, data gradient and parameter gradients on the backend's
 * GEMM and pool, with the reused GEMM operands and scratch arrays they need. See {@link FastBackend}
 * for the scheme; the backend owns the weights and passes them in.
 *
 * <p>Generated source: {@code FastLayersF64} is written from this file by
 * {@code src/scripts/generate-fast-f64.sh}; edit this file and rerun the script.
 */
final class FastLayersF32 implements AutoCloseable {
    private final FastPool pool;
    private final GemmF32 gemm;
    private final int block;       // elements of one im2col block
    private final GemmF32.Mat ma;
    private final GemmF32.Mat mb;
    private final GemmF32.Mat mc;
    private final float[][] scratch = new float[6][];
    private final ThreadLocal<float[]> local = ThreadLocal.withInitial(() -> new float[0]);

    FastLayersF32(FastPool pool, GemmF32 gemm, int block) {
        this.pool = pool;
        this.gemm = gemm;
        this.block = block;
        this.ma = gemm.mat();
        this.mb = gemm.mat();
        this.mc = gemm.mat();
    }

    static float[] narrow(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    static double[] widen(float[] f, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Scratch array {@code slot} with room for {@code n} elements (reused across calls; contents undefined). */
    float[] scratch(int slot, long n) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an activation of " + n + " elements exceeds the 2^31 limit of one array");
        }
        float[] s = scratch[slot];
        if (s == null || s.length < n) {
            s = new float[(int) Math.max(n, s == null ? 0 : Math.min(Integer.MAX_VALUE - 8, s.length + s.length / 2))];
            scratch[slot] = s;
        }
        return s;
    }

    /** {@code dst[i] = (float) src[i]} in a few parallel chunks. */
    void narrowInto(double[] src, float[] dst) {
        int chunk = 1 << 14;
        pool.forEach((src.length + chunk - 1) / chunk, 4, c -> {
            for (int i = c * chunk, end = Math.min(src.length, i + chunk); i < end; i++) {
                dst[i] = (float) src[i];
            }
        });
    }

    // ------------------------------------------------------------------------------------------
    // forward

    /** {@code Y = X W^T + b}: one GEMM for the batch. */
    void denseForward(Dense d, GemmF32.Mat w, float[] b, float[] x, int n, float[] y) {
        int in = d.in(), o = d.out();
        ma.ensure((long) n * in).put(0, x, 0, n * in);
        gemm.mult(false, true, n, o, in, ma, w, 0, mc.ensure((long) n * o));
        mc.get(0, y, 0, n * o);
        pool.forEach(n, 64, r -> {
            for (int q = 0; q < o; q++) {
                y[r * o + q] += b[q];
            }
        });
    }

    /** Images per im2col block of a convolution. */
    private int blockImages(Window2d g) {
        return Math.max(1, block / Math.max(1, g.patchSize() * g.outPlane()));
    }

    /** Per block of images: {@code cols = im2col(x)} (in parallel over images and channels), {@code Y = W cols}, then bias. */
    void convForward(Window2d g, Conv2d c, GemmF32.Mat w, float[] b, float[] x, int n, float[] y) {
        int k = g.patchSize(), p = g.outPlane(), o = c.outChannels();
        int images = blockImages(g);
        for (int start = 0; start < n; start += images) {
            int m = Math.min(images, n - start);
            int ld = m * p;
            int first = start;
            im2colBlock(g, x, first, m);
            gemm.mult(false, false, o, ld, k, w, mb, 0, mc.ensure((long) o * ld));
            pool.forEach(m * o, 1, t -> {
                int s = t / o, oc = t % o;
                int dst = ((first + s) * o + oc) * p;
                mc.get(oc * ld + s * p, y, dst, p);
                float bb = b[oc];
                for (int q = dst; q < dst + p; q++) {
                    y[q] += bb;
                }
            });
        }
    }

    /**
     * im2col of images {@code first .. first+m-1} side by side into the GEMM operand {@code mb}, in parallel over
     * images and channels: each task writes its channel's {@code kH kW} rows of one image into a small per-thread
     * array and copies them into the operand (no whole column matrix on the heap and a second pass copying it:
     * for thin convolutions, where the columns are most of the work, that copy was as dear as the GEMM).
     */
    private void im2colBlock(Window2d g, float[] x, int first, int m) {
        int k = g.patchSize(), p = g.outPlane(), in = g.inSize(), ch = g.channels();
        int ld = m * p, taps = k / ch;
        GemmF32.Mat cols = mb.ensure((long) k * ld);
        pool.forEach(m * ch, 1, t -> {
            int s = t / ch, cc = t % ch;
            float[] local = local(taps * p);
            FastOpsF32.im2col(g, x, (first + s) * in, -cc * taps * p, p, local, cc);
            for (int r = 0; r < taps; r++) {
                cols.put((cc * taps + r) * ld + s * p, local, r * p, p);
            }
        });
    }

    /** A per-thread array of at least {@code n} elements (contents undefined). */
    private float[] local(int n) {
        float[] a = local.get();
        if (a.length < n) {
            a = new float[n];
            local.set(a);
        }
        return a;
    }

    // ------------------------------------------------------------------------------------------
    // data gradients

    /** {@code dX = dY W} for {@code rows} gradient rows: one GEMM. */
    void denseBackward(Dense d, GemmF32.Mat w, float[] dy, int rows, float[] dx) {
        ma.ensure((long) rows * d.out()).put(0, dy, 0, rows * d.out());
        gemm.mult(false, false, rows, d.in(), d.out(), ma, w, 0, mc.ensure((long) rows * d.in()));
        mc.get(0, dx, 0, rows * d.in());
    }

    /** Per block of rows: gather {@code dY} to {@code [O, m P]}, {@code dCols = W^T dY}, then col2im (in parallel over rows and channels). */
    void convBackwardData(Window2d g, Conv2d c, GemmF32.Mat w, float[] dy, int rows, float[] dx) {
        int k = g.patchSize(), p = g.outPlane(), o = c.outChannels(), in = g.inSize(), ch = g.channels();
        int plane = g.inH() * g.inW();
        int images = blockImages(g);
        for (int start = 0; start < rows; start += images) {
            int m = Math.min(images, rows - start);
            int ld = m * p;
            int first = start;
            gatherChannelMajor(dy, first, m, o, p, ma.ensure((long) o * ld));
            GemmF32.Mat cols = mc.ensure((long) k * ld);
            gemm.mult(true, false, k, ld, o, w, ma, 0, cols);
            int taps = k / ch;
            pool.forEach(m * ch, 1, t -> { // per task: this channel's kH kW rows of one row's columns, then col2im from them
                int s = t / ch, cc = t % ch;
                float[] local = local(taps * p);
                for (int r = 0; r < taps; r++) {
                    cols.get((cc * taps + r) * ld + s * p, local, r * p, p);
                }
                int at = (first + s) * in + cc * plane;
                Arrays.fill(dx, at, at + plane, 0);
                FastOpsF32.col2imAddScratch(g, local, -cc * taps * p, p, dx, (first + s) * in, cc);
            });
        }
    }

    /** Rows {@code [start, start+m)} of {@code a: [rows, o, p]} copied to {@code out} as {@code [o, m p]}. */
    private void gatherChannelMajor(float[] a, int start, int m, int o, int p, GemmF32.Mat out) {
        int ld = m * p;
        pool.forEach(m, 1, s -> {
            for (int oc = 0; oc < o; oc++) {
                out.put(oc * ld + s * p, a, ((start + s) * o + oc) * p, p);
            }
        });
    }

    // ------------------------------------------------------------------------------------------
    // parameter gradients

    /** {@code dW = dY^T X}, {@code db = sum_rows dY}. */
    Tensor[] denseParameterGradients(Dense d, float[] x, float[] dy, int n) {
        int in = d.in(), o = d.out();
        ma.ensure((long) n * o).put(0, dy, 0, n * o);
        mb.ensure((long) n * in).put(0, x, 0, n * in);
        gemm.mult(true, false, o, in, n, ma, mb, 0, mc.ensure((long) o * in));
        float[] dw = scratch(3, (long) o * in);
        mc.get(0, dw, 0, o * in);
        double[] db = new double[o];
        for (int r = 0; r < n; r++) {
            for (int q = 0; q < o; q++) {
                db[q] += dy[r * o + q];
            }
        }
        return new Tensor[] {new Tensor(d.weight().shape(), widen(dw, o * in)), new Tensor(d.bias().shape(), db)};
    }

    /** Per block of images: {@code dW += dY cols^T} (accumulated in the GEMM), {@code db += sum dY}. */
    Tensor[] convParameterGradients(Window2d g, Conv2d c, float[] x, float[] dy, int n) {
        int k = g.patchSize(), p = g.outPlane(), o = c.outChannels();
        int images = blockImages(g);
        GemmF32.Mat dw = gemm.mat().ensure((long) o * k);
        double[] db = new double[o];
        try {
            for (int start = 0; start < n; start += images) {
                int m = Math.min(images, n - start);
                int ld = m * p;
                int first = start;
                im2colBlock(g, x, first, m);
                gatherChannelMajor(dy, first, m, o, p, ma.ensure((long) o * ld));
                gemm.mult(false, true, o, k, ld, ma, mb, start == 0 ? 0 : 1, dw);
                for (int s = 0; s < m; s++) {
                    for (int oc = 0; oc < o; oc++) {
                        int at = ((first + s) * o + oc) * p;
                        double sum = 0;
                        for (int q = at; q < at + p; q++) {
                            sum += dy[q];
                        }
                        db[oc] += sum;
                    }
                }
            }
            float[] w = scratch(3, (long) o * k);
            dw.get(0, w, 0, o * k);
            return new Tensor[] {new Tensor(c.weight().shape(), widen(w, o * k)), new Tensor(c.bias().shape(), db)};
        } finally {
            dw.close();
        }
    }

    // ------------------------------------------------------------------------------------------
    // direct convolutions (FastConvF32)

    /** Images per block of a direct convolution's phase layout (one image when {@code sw = 1}: no copy is made). */
    private int phaseImages(DirectConv d) {
        return Math.max(1, block / Math.max(1, d.phaseSize()));
    }

    /**
     * {@code n} images through the direct kernels, in parallel over images and output channels; for column
     * stride {@code > 1} each block of images is first laid out in phases (in parallel over images and channels).
     */
    void directForward(DirectConv d, float[] w, float[] b, float[] x, int n, float[] y) {
        int o = d.conv().outChannels(), in = d.inSize(), out = d.outSize(), ch = d.channels();
        if (d.conv().strideW() == 1) {
            pool.forEach(n * o, 1, t -> FastConvF32.forward(d, w, b, x, (t / o) * in, y, (t / o) * out, t % o));
            return;
        }
        int ps = d.phaseSize(), images = phaseImages(d);
        for (int start = 0; start < n; start += images) {
            int m = Math.min(images, n - start), first = start;
            float[] xp = scratch(4, (long) m * ps);
            pool.forEach(m * ch, 1, t -> FastConvF32.toPhases(d, x, (first + t / ch) * in, xp, (t / ch) * ps, t % ch));
            pool.forEach(m * o, 1, t -> FastConvF32.forward(d, w, b, xp, (t / o) * ps, y, (first + t / o) * out, t % o));
        }
    }

    /** The data gradient of {@code rows} gradient rows through the direct kernels, in parallel over rows and input channels. */
    void directBackwardData(DirectConv d, float[] w, float[] dy, int rows, float[] dx) {
        int in = d.inSize(), out = d.outSize(), ch = d.channels();
        if (d.conv().strideW() == 1) {
            pool.forEach(rows * ch, 1, t -> FastConvF32.backwardData(d, w, dy, (t / ch) * out, dx, (t / ch) * in, t % ch));
            return;
        }
        int ps = d.phaseSize(), images = phaseImages(d);
        for (int start = 0; start < rows; start += images) {
            int m = Math.min(images, rows - start), first = start;
            float[] dxp = scratch(4, (long) m * ps);
            pool.forEach(m * ch, 1, t -> {
                int s = t / ch, c = t % ch;
                FastConvF32.backwardData(d, w, dy, (first + s) * out, dxp, s * ps, c);
                FastConvF32.fromPhases(d, dxp, s * ps, dx, (first + s) * in, c);
            });
        }
    }

    /** {@code dW} and {@code db} of a direct convolution summed over {@code n} images, in parallel over output channels. */
    Tensor[] directParameterGradients(DirectConv d, float[] x, float[] dy, int n) {
        Conv2d c = d.conv();
        int o = c.outChannels(), in = d.inSize(), out = d.outSize(), ch = d.channels();
        double[] dw = new double[c.weight().size()];
        double[] db = new double[o];
        int ps = c.strideW() == 1 ? in : d.phaseSize(), images = c.strideW() == 1 ? n : phaseImages(d);
        for (int start = 0; start < n; start += images) {
            int m = Math.min(images, n - start), first = start;
            float[] xp = c.strideW() == 1 ? x : scratch(4, (long) m * ps);
            int xpFirst = c.strideW() == 1 ? first : 0;
            if (c.strideW() != 1) {
                pool.forEach(m * ch, 1, t -> FastConvF32.toPhases(d, x, (first + t / ch) * in, xp, (t / ch) * ps, t % ch));
            }
            pool.forEach(o, 1, oc -> {
                for (int s = 0; s < m; s++) {
                    FastConvF32.parameterGradients(d, xp, (xpFirst + s) * ps, dy, (first + s) * out, oc, dw, db);
                }
            });
        }
        return new Tensor[] {new Tensor(c.weight().shape(), dw), new Tensor(c.bias().shape(), db)};
    }

    /** Frees the GEMM operands. */
    @Override
    public void close() {
        ma.close();
        mb.close();
        mc.close();
    }
}
