package org.lde.engine.dual;

import java.util.Objects;
import org.lde.tensor.Tensor;

/**
 * The result of one linearized dual step ({@code Backend.solveLinearized}): the constraint rows
 * {@code a = D g} ({@code [N, R, d]}) and right-hand sides {@code r} ({@code [N, R]}) as the backend
 * computed them (float64 on the reference; the float32 values of the device, widened, on a GPU
 * backend), the problem batch they form (see {@link DualLinearization#problem}), and its solutions, in
 * problem order. The solutions' certificates are float64 evaluations for exactly that problem.
 */
public record LinearizedDual(Tensor rows, Tensor rhs, DualProblem problem, DualSolutions solutions) {
    public LinearizedDual {
        Objects.requireNonNull(rows, "rows");
        Objects.requireNonNull(rhs, "rhs");
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(solutions, "solutions");
        if (solutions.size() != problem.batch()) {
            throw new IllegalArgumentException(solutions.size() + " solutions for " + problem.batch() + " problems");
        }
    }
}
