package org.lde.explain;

/** Why the outer loop of METHOD.md section 6 stopped for a sample. */
public enum StopReason {
    /** All {@code S_max} outer iterations ran. */
    MAX_OUTER_ITERATIONS,
    /** A verified iterate improved the best verified norm by less than the relative tolerance. */
    CONVERGED,
    /** The linearized problem at the current point has no solution in the box (all competitors). */
    INFEASIBLE_IN_BOX
}
