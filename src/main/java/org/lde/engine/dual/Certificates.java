package org.lde.engine.dual;

import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The certificates of METHOD.md section 4 that need no network: weak duality and the gap.
 *
 * <p><b>Weak duality.</b> For every {@code lambda >= 0} and every feasible {@code t}
 * ({@code A t >= r}, {@code t} in the box), {@code f(t) >= f(t) - lambda^T (A t - r)
 * >= min_{t' in box} [f(t') - lambda^T (A t' - r)] = g(lambda)}. So the dual value at any
 * nonnegative multipliers, from any solver, is a lower bound on the optimal value {@code p*}. For
 * the L2 objective {@code f = 1/2||t||^2} this gives {@code ||t|| >= sqrt(2 g(lambda))}; for L_inf
 * and L1, {@code ||t|| >= g(lambda)} directly.
 */
public final class Certificates {
    private Certificates() {
    }

    /**
     * The dual function of problem {@code b} at {@code lambda} ({@code K} entries, finite, {@code >= 0}):
     * {@code G(lambda) = 1/2||t(lambda)||^2 - lambda^T (A t(lambda) - r)},
     * {@code t(lambda) = clip(A^T lambda, tl, tu)} for L2; for L_inf and L1 the closed forms of
     * {@link ReferenceDualSolver}. A lower bound on {@code p*}; may be {@code -Infinity} (L_inf,
     * L1 with unbounded boxes) or negative, which bounds nothing.
     *
     * @throws IllegalArgumentException if {@code lambda} has the wrong length, a negative entry,
     *                                  or a non-finite entry (naming the entry)
     */
    public static double weakDualityBound(DualProblem p, int b, double[] lambda) {
        if (b < 0 || b >= p.batch()) {
            throw new IndexOutOfBoundsException("problem " + b + " outside batch of " + p.batch());
        }
        int k = p.constraints();
        if (lambda.length != k) {
            throw new IllegalArgumentException("problem " + b + ": lambda has " + lambda.length + " entries, K = " + k);
        }
        for (int j = 0; j < k; j++) {
            if (!(lambda[j] >= 0) || !Double.isFinite(lambda[j])) {
                throw new IllegalArgumentException("problem " + b + ": lambda[" + j + "] = " + lambda[j]
                        + " (weak duality needs finite lambda >= 0)");
            }
        }
        double[] a = p.matrix(b);
        double[] r = p.rhs(b);
        double[] tl = p.lowerBounds(b);
        double[] tu = p.upperBounds(b);
        switch (p.objective()) {
            case LINF:
                return DualMath.dualLinf(a, r[0], tl, tu, lambda[0]);
            case L1:
                return DualMath.dualL1(a, r[0], tl, tu, lambda[0]);
            case L2:
            default:
                return DualMath.dualL2(a, k, p.dim(), r, tl, tu, lambda);
        }
    }

    /** {@link #weakDualityBound(DualProblem, int, double[])} for every problem: {@code lambda [B, K]} gives {@code [B]}. */
    public static Tensor weakDualityBounds(DualProblem p, Tensor lambda) {
        Shape want = Shape.of(p.batch(), p.constraints());
        if (!lambda.shape().equals(want)) {
            throw new IllegalArgumentException("lambda has shape " + lambda.shape() + ", expected " + want);
        }
        double[] out = new double[p.batch()];
        int k = p.constraints();
        for (int b = 0; b < p.batch(); b++) {
            out[b] = weakDualityBound(p, b, java.util.Arrays.copyOfRange(lambda.data(), b * k, (b + 1) * k));
        }
        return new Tensor(Shape.of(p.batch()), out);
    }

    /**
     * The KKT residuals of the L2 problem {@code b} at any pair {@code (t, lambda)}, e.g. one
     * returned by a float32 backend: see {@link KktReport} (stationarity is
     * {@code max_i |t_i - clip((A^T lambda)_i, tl_i, tu_i)|}). All five are 0 exactly at the optimum.
     *
     * @throws IllegalArgumentException if the objective is not L2, on wrong lengths, or on NaN entries
     */
    public static KktReport kkt(DualProblem p, int b, double[] t, double[] lambda) {
        if (p.objective() != Objective.L2) {
            throw new IllegalArgumentException("KKT residuals are defined here for the L2 objective, problem has " + p.objective());
        }
        if (b < 0 || b >= p.batch()) {
            throw new IndexOutOfBoundsException("problem " + b + " outside batch of " + p.batch());
        }
        int k = p.constraints();
        int d = p.dim();
        if (t.length != d || lambda.length != k) {
            throw new IllegalArgumentException("problem " + b + ": t has " + t.length + " entries (d = " + d + "), lambda has "
                    + lambda.length + " (K = " + k + ")");
        }
        for (int i = 0; i < d; i++) {
            if (Double.isNaN(t[i])) {
                throw new IllegalArgumentException("problem " + b + ": t[" + i + "] is NaN");
            }
        }
        for (int j = 0; j < k; j++) {
            if (Double.isNaN(lambda[j])) {
                throw new IllegalArgumentException("problem " + b + ": lambda[" + j + "] is NaN");
            }
        }
        double[] a = p.matrix(b);
        double[] r = p.rhs(b);
        double[] tl = p.lowerBounds(b);
        double[] tu = p.upperBounds(b);
        double[] at = DualMath.mult(a, k, d, t);
        double[] w = DualMath.multTransA(a, k, d, lambda);
        double primal = 0;
        double dualV = 0;
        double compl = 0;
        for (int j = 0; j < k; j++) {
            primal = Math.max(primal, r[j] - at[j]);
            dualV = Math.max(dualV, -lambda[j]);
            compl = Math.max(compl, Math.abs(lambda[j] * (at[j] - r[j])));
        }
        double stat = 0;
        for (int i = 0; i < d; i++) {
            stat = Math.max(stat, Math.abs(t[i] - DualMath.clip(w[i], tl[i], tu[i])));
        }
        return new KktReport(primal, DualMath.boxViolation(t, tl, tu), dualV, compl, stat);
    }

    /**
     * The norm bound a dual value certifies: {@code sqrt(2 max(G, 0))} for L2 (since the objective
     * is {@code 1/2||t||^2}), {@code max(G, 0)} for L_inf and L1 (a negative dual value certifies
     * only the trivial bound 0); {@code +Infinity} for {@code G = +Infinity} (infeasible).
     */
    public static double normLowerBound(Objective objective, double dualValue) {
        if (Double.isNaN(dualValue)) {
            throw new IllegalArgumentException("dual value is NaN");
        }
        double g = Math.max(dualValue, 0);
        return objective == Objective.L2 ? Math.sqrt(2 * g) : g;
    }

    /** The objective {@code f(t)}: {@code 1/2||t||^2}, {@code ||t||_inf} or {@code ||t||_1}. */
    public static double primalValue(Objective objective, double[] t) {
        switch (objective) {
            case LINF:
                return DualMath.normInf(t);
            case L1:
                return DualMath.norm1(t);
            case L2:
            default:
                return DualMath.halfSquaredNorm(t);
        }
    }

    /**
     * The relative gap {@code (p - g) / max(|p|, |g|)}: 0 when both are 0, {@code +Infinity} when
     * either is infinite; not clamped (rounding can make it slightly negative).
     */
    public static double relativeGap(double primal, double dual) {
        if (Double.isNaN(primal) || Double.isNaN(dual)) {
            throw new IllegalArgumentException("relative gap of NaN: primal " + primal + ", dual " + dual);
        }
        return DualMath.relativeGap(primal, dual);
    }
}
