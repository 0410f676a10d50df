package org.lde.engine.dual;

/**
 * How far a solution from another solver (e.g. the float32 dual-ascent kernels) is from the
 * float64 reference, in the measure of METHOD.md section 10: {@code ||x - ref|| / ||ref||}
 * (2-norm; the absolute difference when {@code ref = 0}) for {@code t}, {@code lambda} and the dual
 * value {@code G}. A NaN or infinite entry in the other solution gives {@code +Infinity}, so it
 * never passes.
 *
 * <p>Caveat: {@code t*} is unique (strictly convex primal), but {@code lambda*} is not when the
 * active rows are linearly dependent or a multiplier is degenerate (e.g. duplicate rows, where
 * any split of the multiplier between them is optimal). There, {@code lambdaError} can be large
 * for a correct solution; {@link #passesPrimalAndValue(double)} checks {@code t} and {@code G} only.
 *
 * @param tError          relative error of {@code t}
 * @param lambdaError     relative error of {@code lambda}
 * @param dualValueError  relative error of the dual value
 */
public record DualAgreement(double tError, double lambdaError, double dualValueError) {

    /**
     * Compares {@code other} with {@code reference}; both must have the same status and sizes.
     *
     * @throws IllegalArgumentException if the statuses or sizes differ, or the reference is not SOLVED
     */
    public static DualAgreement of(DualSolution reference, DualSolution other) {
        if (reference.status() != DualStatus.SOLVED) {
            throw new IllegalArgumentException("reference is " + reference.status() + ", not SOLVED");
        }
        if (other.status() != reference.status()) {
            throw new IllegalArgumentException("status " + other.status() + " differs from the reference's " + reference.status());
        }
        if (other.t().length != reference.t().length || other.lambda().length != reference.lambda().length) {
            throw new IllegalArgumentException("sizes differ: d " + other.t().length + " vs " + reference.t().length
                    + ", K " + other.lambda().length + " vs " + reference.lambda().length);
        }
        return new DualAgreement(rel(other.t(), reference.t()), rel(other.lambda(), reference.lambda()),
                rel(new double[] {other.dualValue()}, new double[] {reference.dualValue()}));
    }

    private static double rel(double[] x, double[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                return Double.POSITIVE_INFINITY;
            }
            double dd = x[i] - ref[i];
            num += dd * dd;
            den += ref[i] * ref[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** All three errors at most {@code tol} (METHOD.md section 10: {@code 1e-4} for dual quantities). */
    public boolean passes(double tol) {
        return tError <= tol && lambdaError <= tol && dualValueError <= tol;
    }

    /** {@code t} and the dual value within {@code tol} (for problems whose {@code lambda*} is not unique). */
    public boolean passesPrimalAndValue(double tol) {
        return tError <= tol && dualValueError <= tol;
    }
}
