package org.lde.engine.dual;

/**
 * Options of {@link ReferenceDualSolver}; {@link #defaults()} or {@link #builder()}.
 *
 * @param maxIterations        accelerated dual-ascent iterations per problem ({@code K > 1}); default 20000
 * @param gapTolerance         stop when the relative gap is at most this; default {@code 1e-12}
 * @param feasibilityTolerance a point {@code t} counts as feasible when, for every {@code k},
 *                             {@code r_k - a_k^T t <= feasibilityTolerance * (|r_k| + sum_i |a_ki t_i|)}:
 *                             the floating-point meaning of {@code a_k^T t >= r_k}; default {@code 1e-9}
 * @param checkEvery           iterations between polish, gap and infeasibility checks; default 10
 * @param exactOneConstraint   solve {@code K = 1} L2 problems by the exact breakpoint search (default
 *                             true); false forces the iterative path (used to test it)
 * @param activeSetStep        try the exact active-set step ({@link ReferenceDualSolver}) at every check
 *                             (default true); false leaves plain accelerated ascent, as the GPU kernels run
 *                             it, whose {@code t(lambda)} is feasible only to a looser tolerance
 */
public record DualSolverOptions(int maxIterations, double gapTolerance, double feasibilityTolerance, int checkEvery,
                                boolean exactOneConstraint, boolean activeSetStep) {

    public DualSolverOptions {
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
        }
        if (!(gapTolerance > 0) || !Double.isFinite(gapTolerance)) {
            throw new IllegalArgumentException("gapTolerance must be finite and > 0, got " + gapTolerance);
        }
        if (!(feasibilityTolerance >= 0) || !Double.isFinite(feasibilityTolerance)) {
            throw new IllegalArgumentException("feasibilityTolerance must be finite and >= 0, got " + feasibilityTolerance);
        }
        if (checkEvery < 1) {
            throw new IllegalArgumentException("checkEvery must be >= 1, got " + checkEvery);
        }
    }

    public static DualSolverOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the defaults listed on the record. */
    public static final class Builder {
        private int maxIterations = 20000;
        private double gapTolerance = 1e-12;
        private double feasibilityTolerance = 1e-9;
        private int checkEvery = 10;
        private boolean exactOneConstraint = true;
        private boolean activeSetStep = true;

        public Builder maxIterations(int v) {
            maxIterations = v;
            return this;
        }

        public Builder gapTolerance(double v) {
            gapTolerance = v;
            return this;
        }

        public Builder feasibilityTolerance(double v) {
            feasibilityTolerance = v;
            return this;
        }

        public Builder checkEvery(int v) {
            checkEvery = v;
            return this;
        }

        public Builder exactOneConstraint(boolean v) {
            exactOneConstraint = v;
            return this;
        }

        public Builder activeSetStep(boolean v) {
            activeSetStep = v;
            return this;
        }

        public DualSolverOptions build() {
            return new DualSolverOptions(maxIterations, gapTolerance, feasibilityTolerance, checkEvery, exactOneConstraint,
                    activeSetStep);
        }
    }
}
