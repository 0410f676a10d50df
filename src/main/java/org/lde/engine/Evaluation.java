package org.lde.engine;

import org.lde.tensor.Tensor;

/** Batched evaluation helpers. */
public final class Evaluation {
    private Evaluation() {
    }

    /** Argmax of each row of logits {@code [N, C]} (the first maximum on ties). */
    public static int[] argmax(Tensor logits) {
        int n = logits.shape().dim(0);
        int c = logits.shape().dim(1);
        int[] out = new int[n];
        double[] d = logits.data();
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (d[i * c + k] > d[i * c + best]) {
                    best = k;
                }
            }
            out[i] = best;
        }
        return out;
    }

    /** Predicted classes for all of {@code x}, in batches of {@code batch}. */
    public static int[] predict(Backend backend, Tensor x, int batch) {
        int n = x.shape().dim(0);
        int[] out = new int[n];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            int[] p = argmax(backend.forward(x.slice(from, to)));
            System.arraycopy(p, 0, out, from, p.length);
        }
        return out;
    }

    /** Fraction of samples whose argmax equals the label. */
    public static double accuracy(Backend backend, Tensor x, int[] labels, int batch) {
        if (labels.length != x.shape().dim(0)) {
            throw new IllegalArgumentException(labels.length + " labels for " + x.shape().dim(0) + " samples");
        }
        int[] p = predict(backend, x, batch);
        int hit = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == labels[i]) {
                hit++;
            }
        }
        return (double) hit / labels.length;
    }

    /** The single output of a regression model for all of {@code x}, in batches of {@code batch}. */
    public static double[] outputs(Backend backend, Tensor x, int batch) {
        int n = x.shape().dim(0);
        double[] out = new double[n];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            Tensor z = backend.forward(x.slice(from, to));
            if (z.shape().dim(1) != 1) {
                throw new IllegalArgumentException("a regression model has one output, this one " + z.shape().dim(1));
            }
            System.arraycopy(z.data(), 0, out, from, to - from);
        }
        return out;
    }

    /**
     * Held-out figures of a regression model: root mean squared error, mean absolute error, and
     * {@code R^2 = 1 - sum (y - p)^2 / sum (y - mean(y))^2} (mean over the same samples), in the target's units.
     */
    public record Regression(int samples, double rmse, double mae, double r2) {
        /** The figures of predictions {@code p} against targets {@code y}. */
        public static Regression of(double[] p, double[] y) {
            if (p.length != y.length || p.length == 0) {
                throw new IllegalArgumentException(p.length + " predictions for " + y.length + " targets (need the same, > 0)");
            }
            double mean = 0;
            for (double v : y) {
                mean += v;
            }
            mean /= y.length;
            double sse = 0;
            double sae = 0;
            double sst = 0;
            for (int i = 0; i < y.length; i++) {
                sse += (y[i] - p[i]) * (y[i] - p[i]);
                sae += Math.abs(y[i] - p[i]);
                sst += (y[i] - mean) * (y[i] - mean);
            }
            return new Regression(y.length, Math.sqrt(sse / y.length), sae / y.length, 1 - sse / sst);
        }
    }
}
