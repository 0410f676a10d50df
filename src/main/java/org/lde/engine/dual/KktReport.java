package org.lde.engine.dual;

/**
 * Residuals of the Karush-Kuhn-Tucker conditions of the L2 problem at a reported pair
 * {@code (t, lambda)} (all absolute, in the units of the data):
 *
 * <ul>
 *   <li>{@code primalViolation = max_k max(0, r_k - a_k^T t)} and
 *       {@code boxViolation = max_i max(0, tl_i - t_i, t_i - tu_i)};</li>
 *   <li>{@code dualViolation = max_k max(0, -lambda_k)};</li>
 *   <li>{@code complementarity = max_k |lambda_k (a_k^T t - r_k)|};</li>
 *   <li>{@code stationarity = max_i |t_i - clip((A^T lambda)_i, tl_i, tu_i)|} (for the L2
 *       objective, {@code t = clip(A^T lambda)} is stationarity of the Lagrangian over the box; the
 *       reference reports {@code t = t(lambda)}, so this entry is 0 by construction there and
 *       is meaningful for solutions from other solvers).</li>
 * </ul>
 *
 * For the L_inf and L1 objectives the stationarity entry is the residual of the subgradient
 * condition used to build {@code nu}; see {@link ReferenceDualSolver}.
 */
public record KktReport(double primalViolation, double boxViolation, double dualViolation,
                        double complementarity, double stationarity) {

    /** The largest of the five residuals. */
    public double max() {
        return Math.max(Math.max(primalViolation, boxViolation), Math.max(dualViolation, Math.max(complementarity, stationarity)));
    }
}
