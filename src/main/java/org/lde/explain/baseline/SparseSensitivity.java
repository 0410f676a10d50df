package org.lde.explain.baseline;

import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.tensor.Tensor;

/**
 * L0 sparse sensitivity with support size one: the change of the class logit when exactly one
 * feature (one input value, {@code ||delta||_0 = 1}) is set to the baseline {@code b},
 * {@code phi_i = f_y(x) - f_y(x with x_i := b)}. It is the first step of the greedy L0 deletion
 * (which would remove the best feature and repeat); unlike occlusion it acts on single values,
 * not on windows across channels. For a linear model {@code phi_i = w_i (x_i - b)}. The
 * {@code N (d + 1)} inputs go to the backend as batched forward passes of at most
 * {@code chunkRows} rows.
 */
public final class SparseSensitivity implements Attributor {
    private final double baseline;
    private final int chunkRows;

    public SparseSensitivity() {
        this(0, Batched.DEFAULT_CHUNK_ROWS);
    }

    public SparseSensitivity(double baseline, int chunkRows) {
        if (!Double.isFinite(baseline)) {
            throw new IllegalArgumentException("sparse-sensitivity baseline must be finite, got " + baseline);
        }
        Batched.requireChunk(chunkRows);
        this.baseline = baseline;
        this.chunkRows = chunkRows;
    }

    @Override
    public String name() {
        return "l0-sensitivity";
    }

    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        int per = d + 1;
        long total = (long) n * per;
        double[] score = new double[Math.toIntExact(total)];
        for (long from = 0; from < total; from += chunkRows) {
            int rows = (int) Math.min(chunkRows, total - from);
            double[] buf = new double[rows * d];
            int[] cls = new int[rows];
            for (int r = 0; r < rows; r++) {
                int idx = (int) (from + r);
                int i = idx / per;
                int j = idx % per;
                cls[r] = classes[i];
                System.arraycopy(x.data(), i * d, buf, r * d, d);
                if (j < d) {
                    buf[r * d + j] = baseline;
                }
            }
            double[] f = Batched.classLogits(backend, new Tensor(backend.network().inputShape().withBatch(rows), buf), cls, rows);
            System.arraycopy(f, 0, score, (int) from, rows);
        }
        double[] phi = new double[n * d];
        for (int i = 0; i < n; i++) {
            double full = score[i * per + d];
            for (int j = 0; j < d; j++) {
                phi[i * d + j] = full - score[i * per + j];
            }
        }
        return new Tensor(x.shape(), phi);
    }
}
