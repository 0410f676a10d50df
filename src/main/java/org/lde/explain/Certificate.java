package org.lde.explain;

import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.Objective;

import java.util.Objects;

/**
 * The certificates that come with an explanation (METHOD.md section 4), for the linearized problem
 * that produced the explanation's multipliers (around the last linearization point
 * {@code z_{S-1}}; with one outer iteration, around {@code x}).
 *
 * <p>For {@link ExplainMode#FLIP} the problem is "reach any competitor's half-space", the union of
 * the {@code C - 1} competitors' problems: a perturbation that flips the linearized decision
 * satisfies at least one competitor's constraint {@code j} and so costs at least {@code G_j}. Hence
 * {@code dualValue = min_j G_j} over the competitors (infeasible ones count {@code +inf}) is a lower
 * bound for the union, and {@code primalValue} is the chosen (smallest) competitor's feasible value.
 *
 * @param status             {@link DualStatus#SOLVED} (every feasible competitor solved),
 *                           {@link DualStatus#INFEASIBLE_IN_BOX} (no competitor reachable inside the
 *                           box: a linearized robustness certificate), {@link DualStatus#MAX_ITER}
 *                           (some solve stopped at its iteration limit; the bound still holds)
 * @param objective          the norm minimized
 * @param dualValue          {@code G} ({@code +inf} when infeasible)
 * @param normLowerBound     {@code sqrt(2 G)} for L2, {@code G} for L_inf and L1: a certified lower bound
 *                           on the objective norm of {@code t} over the linearized constraints in the box
 * @param primalValue        the objective at a feasible point ({@code 1/2||t||^2} for L2; {@code +inf}
 *                           when none is known)
 * @param relativeGap        {@code (primalValue - dualValue) / max(|primalValue|, |dualValue|)}
 * @param iterations         dual-solver iterations, summed over the competitors' problems
 * @param verifiedUpperBound {@code r_hi}: the objective norm of {@code t} of the best verified point
 *                           ({@code NaN} when nothing was verified)
 * @param certifiedRadius    {@code r_lo} from interval/linear bounds (METHOD.md section 7); {@code NaN}
 *                           until that certifier exists
 */
public record Certificate(DualStatus status, Objective objective, double dualValue, double normLowerBound,
                          double primalValue, double relativeGap, int iterations, double verifiedUpperBound,
                          double certifiedRadius) {
    public Certificate {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(objective, "objective");
    }

    /** Whether a verified point exists. */
    public boolean verified() {
        return !Double.isNaN(verifiedUpperBound);
    }

    /** {@code r_lo / r_hi}, {@code NaN} unless both are known. */
    public double radiusRatio() {
        return certifiedRadius / verifiedUpperBound;
    }

    /** This certificate with {@code r_lo} filled in (for a later certifier). */
    public Certificate withCertifiedRadius(double rLo) {
        return new Certificate(status, objective, dualValue, normLowerBound, primalValue, relativeGap, iterations,
                verifiedUpperBound, rLo);
    }
}
