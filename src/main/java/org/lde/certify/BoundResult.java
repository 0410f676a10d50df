package org.lde.certify;

import org.lde.engine.bound.Norm;
import org.lde.tensor.Tensor;

/**
 * Bounds on a specification {@code C f(x')} over {@code x'} in the input set of each sample and
 * {@code eps}: {@code lower[n, e, r] <= (C f(x'))_r <= upper[n, e, r]}.
 *
 * @param lower {@code [N, E, R]}
 * @param upper {@code [N, E, R]}
 * @param anchors per sample, the class whose margins the rows are ({@code -1} for logits)
 * @param eps the {@code E} radii
 */
public record BoundResult(Tensor lower, Tensor upper, int[] anchors, double[] eps, Method method, Norm norm) {

    public int samples() {
        return lower.shape().dim(0);
    }

    public int rows() {
        return lower.shape().dim(2);
    }

    /** The class compared with in row {@code r} of sample {@code n} (the logit index for logits). */
    public int otherClass(int n, int r) {
        return Specification.other(anchors[n], r);
    }

    /**
     * Whether every margin lower bound of sample {@code n} at {@code eps[e]} is {@code > 0}: no input
     * in the set changes the decision (only for margin specifications).
     */
    public boolean certified(int n, int e) {
        if (anchors[n] < 0) {
            throw new IllegalStateException("certified(...) needs a margin specification, these bounds are on logits");
        }
        int r = rows();
        int base = (n * eps.length + e) * r;
        for (int i = 0; i < r; i++) {
            if (!(lower.data()[base + i] > 0)) {
                return false;
            }
        }
        return true;
    }

    /** The smallest margin lower bound of sample {@code n} at {@code eps[e]}. */
    public double minLower(int n, int e) {
        int r = rows();
        int base = (n * eps.length + e) * r;
        double m = Double.POSITIVE_INFINITY;
        for (int i = 0; i < r; i++) {
            m = Math.min(m, lower.data()[base + i]);
        }
        return m;
    }
}
