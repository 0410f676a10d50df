package org.lde.engine.dual;

/**
 * The one implementation of how an L2 dual solve becomes a {@link DualSolution}, shared by every
 * solver (the float64 {@link ReferenceDualSolver} and the kernel solver {@code engine.gpu.GpuDualSolver},
 * which builds its solutions on the host from the kernel's {@code lambda}): the infeasibility rule,
 * the infeasibility certificate, and the result at given multipliers with its status rule.
 *
 * <h2>Infeasibility: one rule</h2>
 * A problem is reported {@link DualStatus#INFEASIBLE_IN_BOX} only with a multiplier direction
 * {@code mu >= 0} whose float64 margin beats rounding ({@link #certificateMargin}):
 * {@code mu^T r - sigma_box(A^T mu) > 1e-12 (|mu|^T |r| + sum_i |w_i| max(|tl_i|, |tu_i|))},
 * {@code w = A^T mu}. For {@code K = 1} the direction is {@code mu = 1}
 * ({@code r - sum_i max(a_i tl_i, a_i tu_i)}, METHOD.md section 3); every solver tries the single rows
 * first ({@link #singleRowCertificate}). A margin inside the rounding band is not infeasibility: the
 * box corner then meets the constraint to rounding, and the problem is solved (or ends as MAX_ITER).
 *
 * <h2>SOLVED: one rule</h2>
 * {@link #l2Result} with the requested status {@link DualStatus#SOLVED} keeps it only when
 * {@code t(lambda)} is feasible to {@link DualSolverOptions#feasibilityTolerance()} and either the
 * solve is exact (the {@code K = 1} breakpoint search), or the relative gap is at most
 * {@link DualSolverOptions#gapTolerance()}, or the absolute gap is at its float64 rounding floor
 * ({@link DualMath#gapRoundingFloor}); otherwise it is {@link DualStatus#MAX_ITER}.
 */
public final class DualResults {
    /** The relative margin an infeasibility certificate must beat (float64 rounding of its sums). */
    public static final double CERTIFICATE_TOLERANCE = 1e-12;

    private DualResults() {
    }

    /**
     * {@code mu^T r - sigma_box(A^T mu)} when it exceeds {@link #CERTIFICATE_TOLERANCE} times
     * {@code |mu|^T |r| + sum_i |w_i| max(|tl_i|, |tu_i|)}, else a value {@code <= 0}
     * ({@code -Infinity} when the box is unbounded in the direction {@code A^T mu}).
     *
     * @param a  {@code [K, d]} row-major
     * @param mu {@code [K]}, {@code >= 0}
     */
    public static double certificateMargin(double[] a, int k, int d, double[] r, double[] tl, double[] tu,
                                           double[] mu) {
        double[] w = DualMath.multTransA(a, k, d, mu);
        double sigma = DualMath.supportBox(w, tl, tu);
        if (!(sigma < Double.POSITIVE_INFINITY)) {
            return Double.NEGATIVE_INFINITY;
        }
        double mr = 0;
        double scale = 0;
        for (int j = 0; j < k; j++) {
            mr += mu[j] * r[j];
            scale += Math.abs(mu[j] * r[j]);
        }
        for (int i = 0; i < d; i++) {
            if (w[i] != 0) {
                scale += Math.abs(w[i]) * Math.max(Math.abs(tl[i]), Math.abs(tu[i]));
            }
        }
        double margin = mr - sigma;
        return margin > CERTIFICATE_TOLERANCE * scale ? margin : Math.min(margin, 0);
    }

    /**
     * The first row {@code j} whose own certificate {@code mu = e_j} beats rounding, as the infeasibility
     * result of {@code objective}; null when no single row is infeasible in the box.
     */
    public static DualSolution singleRowCertificate(Objective objective, double[] a, int k, int d, double[] r,
                                                    double[] tl, double[] tu, int iterations) {
        for (int j = 0; j < k; j++) {
            double[] mu = new double[k];
            mu[j] = 1;
            double m = certificateMargin(a, k, d, r, tl, tu, mu);
            if (m > 0) {
                return infeasible(objective, a, k, d, r, tl, tu, mu, m, iterations);
            }
        }
        return null;
    }

    /**
     * The certificate of a direction: {@code mu = v / sum(v)} for {@code v >= 0} (e.g. the multipliers of a
     * diverging ascent, or their last increments), as the infeasibility result when its
     * {@link #certificateMargin} beats rounding; null otherwise (also when {@code sum(v) = 0}).
     */
    public static DualSolution directionCertificate(double[] a, int k, int d, double[] r, double[] tl, double[] tu,
                                                    double[] v, int iterations) {
        double s = 0;
        for (double c : v) {
            s += c;
        }
        if (!(s > 0)) {
            return null;
        }
        double[] mu = new double[k];
        for (int j = 0; j < k; j++) {
            mu[j] = v[j] / s;
        }
        double m = certificateMargin(a, k, d, r, tl, tu, mu);
        return m > 0 ? infeasible(Objective.L2, a, k, d, r, tl, tu, mu, m, iterations) : null;
    }

    /**
     * The infeasibility result (see {@link DualSolution}): {@code lambda = mu}, {@code t} the box point
     * that maximizes {@code mu^T A t}, {@code nu = 0}, infinite dual and primal values and gap.
     *
     * @param margin {@link #certificateMargin} of {@code mu}, {@code > 0}
     */
    public static DualSolution infeasible(Objective objective, double[] a, int k, int d, double[] r, double[] tl,
                                          double[] tu, double[] mu, double margin, int iterations) {
        if (!(margin > 0)) {
            throw new IllegalArgumentException("an infeasibility certificate needs a margin > 0, got " + margin);
        }
        double[] w = DualMath.multTransA(a, k, d, mu);
        double[] t = DualMath.argmaxBox(w, tl, tu);
        double viol = DualMath.maxViolation(a, k, d, r, t);
        KktReport kkt = new KktReport(viol, DualMath.boxViolation(t, tl, tu), 0, Double.POSITIVE_INFINITY,
                Double.POSITIVE_INFINITY);
        return new DualSolution(DualStatus.INFEASIBLE_IN_BOX, objective, t, mu, new double[d], Double.POSITIVE_INFINITY,
                Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, viol, margin, iterations, kkt);
    }

    /**
     * The L2 result at multipliers {@code lambda >= 0}: {@code t = clip(A^T lambda, tl, tu)},
     * {@code nu = A^T lambda - t}, {@code G(lambda)}, the primal value {@code 1/2||t||^2} when {@code t}
     * is feasible (else {@code +Infinity}), the relative gap and the KKT residuals; the status by the
     * class's SOLVED rule.
     *
     * @param requested {@link DualStatus#SOLVED} (kept only if the rule confirms it) or
     *                  {@link DualStatus#MAX_ITER}
     * @param exact     whether {@code lambda} comes from an exact method (the {@code K = 1} breakpoint search)
     */
    public static DualSolution l2Result(DualStatus requested, double[] a, int k, int d, double[] r, double[] tl,
                                        double[] tu, double[] lambda, int iterations, DualSolverOptions options,
                                        boolean exact) {
        if (requested == DualStatus.INFEASIBLE_IN_BOX) {
            throw new IllegalArgumentException("l2Result builds SOLVED or MAX_ITER results; use infeasible(...)");
        }
        double[] atl = DualMath.multTransA(a, k, d, lambda);
        double[] t = new double[d];
        double[] nu = new double[d];
        for (int i = 0; i < d; i++) {
            t[i] = DualMath.clip(atl[i], tl[i], tu[i]);
            nu[i] = atl[i] - t[i];
        }
        double[] at = DualMath.mult(a, k, d, t);
        double half = DualMath.halfSquaredNorm(t);
        double g = half;
        double viol = 0;
        double compl = 0;
        double dualViol = 0;
        for (int j = 0; j < k; j++) {
            g -= lambda[j] * (at[j] - r[j]);
            viol = Math.max(viol, r[j] - at[j]);
            compl = Math.max(compl, Math.abs(lambda[j] * (at[j] - r[j])));
            dualViol = Math.max(dualViol, -lambda[j]);
        }
        boolean feas = DualMath.feasible(a, k, d, r, t, options.feasibilityTolerance());
        double primal = feas ? half : Double.POSITIVE_INFINITY;
        double gap = DualMath.relativeGap(primal, g);
        DualStatus status = requested;
        if (requested == DualStatus.SOLVED && !(feas && (exact || Math.abs(gap) <= options.gapTolerance()
                || Math.abs(half - g) <= DualMath.gapRoundingFloor(a, k, d, r, lambda, t, half)))) {
            status = DualStatus.MAX_ITER;
        }
        KktReport kkt = new KktReport(viol, DualMath.boxViolation(t, tl, tu), dualViol, compl, 0);
        return new DualSolution(status, Objective.L2, t, lambda, nu, g, primal, gap, viol, 0, iterations, kkt);
    }
}
