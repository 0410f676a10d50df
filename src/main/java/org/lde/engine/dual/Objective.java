package org.lde.engine.dual;

/**
 * The objective of the primal problem (METHOD.md section 2). All three minimize a norm of
 * {@code t} subject to {@code A t >= r} and {@code tl <= t <= tu}.
 *
 * <ul>
 *   <li>{@link #L2}: {@code 1/2 ||t||_2^2}, any number of constraints {@code K}. Its dual is
 *       {@code G(lambda) = min_{t in box} 1/2||t||^2 - lambda^T (A t - r)}, attained at
 *       {@code t(lambda) = clip(A^T lambda, tl, tu)}.</li>
 *   <li>{@link #LINF}: {@code ||t||_inf}, only {@code K = 1} (the additive model's L_inf
 *       perturbation). Solved exactly by a 1-D search over the common magnitude {@code s}.</li>
 *   <li>{@link #L1}: {@code ||t||_1}, only {@code K = 1}. Solved exactly as a fractional
 *       knapsack.</li>
 * </ul>
 */
public enum Objective {
    L2,
    LINF,
    L1;

    /** The objective whose norm is this one's dual norm: L2 for L2, L1 for L_inf, L_inf for L1. */
    public Objective dual() {
        return this == L2 ? L2 : this == LINF ? L1 : LINF;
    }

    /** {@code ||v[off .. off+len)||} in this objective's norm. */
    public double norm(double[] v, int off, int len) {
        double acc = 0;
        for (int k = off; k < off + len; k++) {
            double e = v[k];
            if (this == LINF) {
                acc = Math.max(acc, Math.abs(e));
            } else if (this == L1) {
                acc += Math.abs(e);
            } else {
                acc += e * e;
            }
        }
        return this == L2 ? Math.sqrt(acc) : acc;
    }
}
