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
}
