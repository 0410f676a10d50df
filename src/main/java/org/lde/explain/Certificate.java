package org.lde.explain;

import java.util.Objects;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.Objective;

/**
 * The three numbers of METHOD.md section 4 that come with an explanation, never confused with one
 * another, and what produced them.
 *
 * <ul>
 *   <li>{@code rLin}, the <b>linearized dual bound</b> (local; not a bound on the network): weak duality
 *       for the problem linearized at {@code x} (the first linearization; later ones are working steps of
 *       the search and are not reported as bounds). {@code sqrt(2 max(G, 0))} for L2, {@code max(G, 0)}
 *       for L_inf and L1: no perturbation {@code t} in the box that satisfies the <i>linearized</i>
 *       constraints at {@code x} is smaller, in the objective's norm of {@code t}. On a nonlinear network it
 *       can lie above the true minimal perturbation, even above {@code r_hi}; it describes the local
 *       geometry. {@code +Infinity} when the linearization at {@code x} has no solution in the box.</li>
 *   <li>{@code rLo}, the <b>certified radius</b> (the network, sound; METHOD.md section 7): no perturbation
 *       with {@code ||delta||_p <= r_lo} inside the domain changes the decision. {@code NaN} when not
 *       computed (the default; {@link LagrangeDualExplainer.Builder#certify}). Only this number is called
 *       "certified".</li>
 *   <li>{@code rHi}, the <b>verified upper bound</b> (the network, sound): {@code ||delta||_p} of the best
 *       perturbation that a float64 forward pass of the network confirmed ({@link VerifiedPoint});
 *       {@code NaN} when none was verified.</li>
 * </ul>
 * So {@code r_lo <= r_true <= r_hi}; the constructor rejects {@code r_lo > r_hi} (a bug in a certifier or
 * in the verification, never a result).
 *
 * <h2>Norms and units</h2>
 * {@code r_lo} and {@code r_hi} are norms of {@code delta} in input space, in the norm {@link #norm()}:
 * the objective's norm ({@link Objective#L1}: {@code r_lo} is the certified L2 radius, a sound L1 radius
 * too since {@code ||delta||_1 >= ||delta||_2}). {@code r_lin} is in the objective's norm of {@code t}:
 * for the additive model {@code t = delta}, for the deletion model {@code t} is the removed fraction per
 * feature ({@code delta = D t}), so {@code r_lin} is then not comparable with {@code r_lo, r_hi}.
 *
 * <h2>Status and verification are separate</h2>
 * {@link #linearizedStatus()} describes the linearized solve at {@code x} only (SOLVED, MAX_ITER or
 * INFEASIBLE_IN_BOX); it says nothing about the network. {@link #verified()} says whether the network was
 * moved. The two can disagree: a linearization at {@code x} that is infeasible in the box while the
 * search holds a verified point is possible on a nonlinear network (the linear model at {@code x} is
 * wrong there). The record then says exactly that: {@code linearizedStatus = INFEASIBLE_IN_BOX},
 * {@code rLin = +Infinity} (true of the linear model), {@code verified = true} with its {@code rHi}, and
 * {@link #outcome()} {@code = VERIFIED}. No field claims robustness of the network except {@code rLo}.
 *
 * @param norm                    the norm {@code p} of {@code r_lo} and {@code r_hi} (the objective's)
 * @param linearizedStatus        status of the linearized solve at {@code x} (FLIP: SOLVED when every feasible
 *                                competitor solved, MAX_ITER when one stopped at its limit, INFEASIBLE_IN_BOX
 *                                when no competitor is reachable in the box)
 * @param linearizedDualValue     {@code G} at {@code x}; FLIP: {@code min_j G_j} over the competitors (a lower
 *                                bound for the union of their half-spaces); {@code +Infinity} when infeasible
 * @param rLin                    the linearized dual bound at {@code x} (see above)
 * @param linearizedPrimalValue   the objective at the feasible point of the linearized problem at {@code x}
 *                                (FLIP: the nearest competitor's; {@code +Infinity} when none)
 * @param linearizedRelativeGap   {@code (p - G) / max(|p|, |G|)} of that solve: measures the solver, not the network
 * @param linearizedIterations    dual-solver iterations at {@code x}, summed over the competitors
 * @param verified                whether a float64 forward pass confirmed a perturbation
 * @param verifiedBy              which computation confirmed it ({@link VerifiedBy#NONE} iff not verified)
 * @param rHi                     the verified upper bound ({@code NaN} iff not verified)
 * @param rLo                     the certified radius ({@code NaN} when not computed)
 */
public record Certificate(Objective norm, DualStatus linearizedStatus, double linearizedDualValue, double rLin,
                          double linearizedPrimalValue, double linearizedRelativeGap, int linearizedIterations,
                          boolean verified, VerifiedBy verifiedBy, double rHi, double rLo) {

    /** What an explanation found, in one word (derived, never contradicting {@link #verified()}). */
    public enum Outcome {
        /** A perturbation was verified in float64: {@code r_hi} bounds the minimal one from above. */
        VERIFIED,
        /**
         * Nothing verified, and the linearization at {@code x} has no solution in the box: the linear model
         * predicts that the box holds no flip. Not a certificate about the network ({@code r_lo} is).
         */
        NONE_VERIFIED_LINEARIZED_INFEASIBLE,
        /** Nothing verified. */
        NONE_VERIFIED
    }

    /**
     * @throws IllegalArgumentException on inconsistent fields: {@code verified} without a finite
     *                                  {@code r_hi >= 0} (or the reverse), {@code verifiedBy} not matching
     *                                  {@code verified}, a negative or NaN {@code r_lin}, a negative {@code r_lo}
     * @throws IllegalStateException    when {@code r_lo > r_hi}: the certified radius exceeds a verified
     *                                  perturbation, which a sound certifier and a float64 verification
     *                                  cannot produce
     */
    public Certificate {
        Objects.requireNonNull(norm, "norm");
        Objects.requireNonNull(linearizedStatus, "linearizedStatus");
        Objects.requireNonNull(verifiedBy, "verifiedBy");
        if (verified != (rHi >= 0 && Double.isFinite(rHi))) {
            throw new IllegalArgumentException("verified = " + verified + " needs " + (verified ? "a finite r_hi >= 0" : "r_hi = NaN")
                    + ", got r_hi = " + rHi);
        }
        if (!verified && !Double.isNaN(rHi)) {
            throw new IllegalArgumentException("r_hi must be NaN when nothing was verified, got " + rHi);
        }
        if (verified == (verifiedBy == VerifiedBy.NONE)) {
            throw new IllegalArgumentException("verifiedBy " + verifiedBy + " with verified = " + verified);
        }
        if (!(rLin >= 0)) {
            throw new IllegalArgumentException("r_lin must be >= 0 (or +Infinity), got " + rLin);
        }
        if (linearizedStatus == DualStatus.INFEASIBLE_IN_BOX && rLin != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("an infeasible linearization has r_lin = +Infinity, got " + rLin);
        }
        if (rLo < 0) {
            throw new IllegalArgumentException("r_lo must be >= 0 or NaN, got " + rLo);
        }
        if (verified && rLo > rHi) {
            throw new IllegalStateException("r_lo = " + rLo + " > r_hi = " + rHi + ": the certified radius exceeds a "
                    + "float64-verified perturbation (" + norm + "); the certifier is unsound");
        }
    }

    /** Whether {@code r_lo} was computed. */
    public boolean rLoComputed() {
        return !Double.isNaN(rLo);
    }

    /** {@code r_lo / r_hi} (1 means the minimal perturbation is known exactly); {@code NaN} unless both are known. */
    public double rLoOverRHi() {
        if (!verified || !rLoComputed()) {
            return Double.NaN;
        }
        return rHi == 0 ? 1 : rLo / rHi; // r_hi = 0 forces r_lo = 0: the interval is the point 0
    }

    /** The outcome: {@link Outcome#VERIFIED} whenever {@link #verified()}, whatever the linearized status. */
    public Outcome outcome() {
        if (verified) {
            return Outcome.VERIFIED;
        }
        return linearizedStatus == DualStatus.INFEASIBLE_IN_BOX ? Outcome.NONE_VERIFIED_LINEARIZED_INFEASIBLE
                : Outcome.NONE_VERIFIED;
    }

    /** This certificate with {@code r_lo} filled in (checked against {@code r_hi}). */
    public Certificate withRLo(double r) {
        return new Certificate(norm, linearizedStatus, linearizedDualValue, rLin, linearizedPrimalValue,
                linearizedRelativeGap, linearizedIterations, verified, verifiedBy, rHi, r);
    }
}
