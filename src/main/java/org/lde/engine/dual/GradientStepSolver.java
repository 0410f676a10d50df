package org.lde.engine.dual;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The ablation that removes the dual (issue 17, "lambda = 0, the plain gradient step"): instead of
 * solving the dual of METHOD.md section 3, take ONE projected dual-ascent step from {@code lambda = 0}
 * and stop:
 *
 * <pre>
 *   t0     = clip(0, tl, tu)
 *   eta    = 1 / ||A||_F^2                      (= 1 / ||a||^2 for K = 1)
 *   lambda = max(0, eta (r - A t0))
 *   t      = clip(A^T lambda, tl, tu)
 * </pre>
 *
 * For {@code K = 1} and a box that contains 0 (the additive box {@code [lo - x, hi - x]} and the
 * deletion box {@code [0, 1]} both do) this is {@code t = clip(r a / ||a||^2, tl, tu)}: the plain
 * gradient (DeepFool) step onto the linearized boundary, clipped to the box, with no multiplier
 * that accounts for the binding box constraints. Where no box constraint binds it IS the exact
 * solution (METHOD.md section 8: without binding box constraints the ranking is the gradient's); where
 * one binds, the step falls short of the linearized boundary and the status says so
 * ({@link DualStatus#MAX_ITER}, primal value {@code +Infinity}: not feasible). The reported
 * {@code G(lambda)} is still a valid lower bound (weak duality holds at every {@code lambda >= 0}).
 * L2 objective only.
 */
public final class GradientStepSolver implements DualSolver {
    private final DualSolverOptions options;

    /** With {@code options} for the feasibility tolerance of the status rule (the iteration limit is ignored: one step). */
    public GradientStepSolver(DualSolverOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** With {@link DualSolverOptions#defaults()}. */
    public GradientStepSolver() {
        this(DualSolverOptions.defaults());
    }

    @Override
    public DualSolutions solve(DualProblem problem) {
        if (problem.objective() != Objective.L2) {
            throw new IllegalArgumentException("the gradient-step ablation is defined for the L2 objective only, the problem's is "
                    + problem.objective());
        }
        int k = problem.constraints();
        int d = problem.dim();
        List<DualSolution> out = new ArrayList<>(problem.batch());
        for (int b = 0; b < problem.batch(); b++) {
            double[] a = problem.matrix(b);
            double[] r = problem.rhs(b);
            double[] tl = problem.lowerBounds(b);
            double[] tu = problem.upperBounds(b);
            double[] lambda = step(a, k, d, r, tl, tu);
            out.add(DualResults.l2Result(DualStatus.SOLVED, a, k, d, r, tl, tu, lambda, 1, options, false));
        }
        return new DualSolutions(out);
    }

    /** The multipliers of the single step (see the class comment). */
    static double[] step(double[] a, int k, int d, double[] r, double[] tl, double[] tu) {
        double frob = 0;
        for (double v : a) {
            frob += v * v;
        }
        double[] lambda = new double[k];
        if (frob == 0) {
            return lambda;
        }
        double[] t0 = DualMath.clipZero(tl, tu);
        double[] at0 = DualMath.mult(a, k, d, t0);
        for (int j = 0; j < k; j++) {
            lambda[j] = Math.max(0, (r[j] - at0[j]) / frob);
        }
        return lambda;
    }
}
