package org.lde.explain;

/**
 * Solves a batch of problems of METHOD.md sections 2-3 in one call. Implementations: the float64
 * {@link ReferenceDualSolver} (the truth) and backend solvers (float32 dual ascent kernels) that
 * must agree with it to the tolerances of METHOD.md section 10.
 */
public interface DualSolver {
    DualSolutions solve(DualProblem problem);
}
