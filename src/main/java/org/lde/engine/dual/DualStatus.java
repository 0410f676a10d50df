package org.lde.engine.dual;

/** How a dual solve ended. */
public enum DualStatus {
    /**
     * A primal point feasible to the tolerance and a dual point with {@code |relative gap|} within
     * the requested tolerance (the gap can be slightly negative because "feasible" allows a
     * violation of the feasibility tolerance; its absolute value is what is tested).
     */
    SOLVED,
    /**
     * The box does not meet the half-spaces: a multiplier vector {@code mu >= 0} was found with
     * {@code max_{t in box} mu^T A t < mu^T r} (a certificate; for {@code K = 1} it is
     * {@code sum_i max(a_i tl_i, a_i tu_i) < r}). No perturbation in the box satisfies the
     * linearized constraints; the dual is unbounded.
     */
    INFEASIBLE_IN_BOX,
    /** The iteration limit was reached before the gap tolerance; the fields hold the best iterate. */
    MAX_ITER
}
