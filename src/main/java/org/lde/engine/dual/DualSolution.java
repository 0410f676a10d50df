package org.lde.engine.dual;

import java.util.Arrays;
import java.util.Objects;

/**
 * The solution of one problem of a {@link DualProblem} batch.
 *
 * <p>For status {@link DualStatus#SOLVED} and {@link DualStatus#MAX_ITER}:
 * <ul>
 *   <li>{@code t}: the primal point ({@code d}); for L2 it is {@code t(lambda) = clip(A^T lambda, tl, tu)}
 *       at the reported {@code lambda}, so it always lies in the box;</li>
 *   <li>{@code lambda}: the constraint multipliers ({@code K}, all {@code >= 0});</li>
 *   <li>{@code nu}: the box multipliers ({@code d}), {@code nu = A^T lambda - g} with {@code g} a
 *       subgradient of the objective at {@code t} ({@code g = t} for L2, so
 *       {@code nu = A^T lambda - t(lambda)}); {@code nu_i > 0} only where {@code t_i = tu_i},
 *       {@code nu_i < 0} only where {@code t_i = tl_i};</li>
 *   <li>{@code dualValue}: the dual function at {@code lambda} (a certified lower bound on the
 *       optimal value, whatever the status);</li>
 *   <li>{@code primalValue}: the objective at {@code t} if {@code t} is feasible to the solver's
 *       relative tolerance, else {@code +Infinity} (no feasible point known);</li>
 *   <li>{@code relativeGap}: {@code (primalValue - dualValue) / max(|primalValue|, |dualValue|)},
 *       0 when both are 0, {@code +Infinity} when no feasible point is known; not clamped, so
 *       rounding can make it slightly negative;</li>
 *   <li>{@code maxViolation}: {@code max_k max(0, r_k - a_k^T t)};</li>
 *   <li>{@code infeasibilityMargin}: 0.</li>
 * </ul>
 *
 * <p>For status {@link DualStatus#INFEASIBLE_IN_BOX}: {@code lambda} holds the certificate
 * {@code mu >= 0} (normalized to sum 1), {@code infeasibilityMargin = mu^T r - max_{t in box} mu^T A t > 0},
 * {@code t} the box point that maximizes {@code mu^T A t} (the nearest the box comes, in that
 * direction), {@code nu} zeros, {@code dualValue = primalValue = relativeGap = +Infinity} (the
 * dual is unbounded and no feasible point exists). It is never a number that pretends to be a
 * solution.
 *
 * <p>{@code iterations}: accelerated dual-ascent iterations for {@code K > 1} (or when the
 * iterative path is forced); for the exact {@code K = 1} solvers the number of breakpoints
 * (or knapsack items) passed.
 *
 * <p>Arrays are copied in and out; the record is immutable.
 */
public record DualSolution(DualStatus status, Objective objective, double[] t, double[] lambda, double[] nu,
                           double dualValue, double primalValue, double relativeGap, double maxViolation,
                           double infeasibilityMargin, int iterations, KktReport kkt) {

    public DualSolution {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(kkt, "kkt");
        t = t.clone();
        lambda = lambda.clone();
        nu = nu.clone();
        if (nu.length != t.length) {
            throw new IllegalArgumentException("nu has " + nu.length + " entries, t has " + t.length);
        }
    }

    @Override
    public double[] t() {
        return t.clone();
    }

    @Override
    public double[] lambda() {
        return lambda.clone();
    }

    @Override
    public double[] nu() {
        return nu.clone();
    }

    /** {@code t_i} without copying the array. */
    public double t(int i) {
        return t[i];
    }

    /** {@code lambda_k} without copying the array. */
    public double lambda(int k) {
        return lambda[k];
    }

    /** {@code nu_i} without copying the array. */
    public double nu(int i) {
        return nu[i];
    }

    public boolean solved() {
        return status == DualStatus.SOLVED;
    }

    /**
     * The norm bound that the dual value certifies: any feasible {@code t} has
     * {@code ||t||_2 >= sqrt(2 G)} (L2; {@code G} is the dual value of {@code 1/2||t||^2}),
     * {@code ||t||_inf >= G} (LINF) or {@code ||t||_1 >= G} (L1). {@code +Infinity} when infeasible.
     */
    public double certifiedNormLowerBound() {
        return Certificates.normLowerBound(objective, dualValue);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DualSolution s && status == s.status && objective == s.objective
                && Arrays.equals(t, s.t) && Arrays.equals(lambda, s.lambda) && Arrays.equals(nu, s.nu)
                && Double.compare(dualValue, s.dualValue) == 0 && Double.compare(primalValue, s.primalValue) == 0
                && Double.compare(relativeGap, s.relativeGap) == 0 && Double.compare(maxViolation, s.maxViolation) == 0
                && Double.compare(infeasibilityMargin, s.infeasibilityMargin) == 0 && iterations == s.iterations
                && kkt.equals(s.kkt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, objective, Arrays.hashCode(t), Arrays.hashCode(lambda), Arrays.hashCode(nu),
                dualValue, primalValue, relativeGap, iterations);
    }

    @Override
    public String toString() {
        return "DualSolution[" + status + ", " + objective + ", dual=" + dualValue + ", primal=" + primalValue
                + ", gap=" + relativeGap + ", iterations=" + iterations + ", lambda=" + Arrays.toString(lambda) + "]";
    }
}
