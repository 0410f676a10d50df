package org.lde.engine.dual;

import org.lde.tensor.Tensor;

/**
 * Solves a batch of problems of METHOD.md sections 2-3 in one call. Implementations: the float64
 * {@link ReferenceDualSolver} (the truth) and backend solvers (float32 dual ascent kernels) that
 * must agree with it to the tolerances of METHOD.md section 10.
 */
public interface DualSolver {
    DualSolutions solve(DualProblem problem);

    /**
     * Solves every problem, starting an iterative method from {@code lambda0 [B, K]} (finite,
     * {@code >= 0}). The default ignores the start and calls {@link #solve(DualProblem)}; solvers
     * that can use a warm start override it (and {@link #supportsWarmStart()}). The answer may differ
     * from a cold start only within the solver's tolerances.
     */
    default DualSolutions solve(DualProblem problem, Tensor lambda0) {
        return solve(problem);
    }

    /** True when {@link #solve(DualProblem, Tensor)} uses its start. */
    default boolean supportsWarmStart() {
        return false;
    }
}
