package org.lde.explain;

import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.lde.engine.dual.DualSolver;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.Objective;

/**
 * The validated options of a {@link LagrangeDualExplainer} (what its {@link LagrangeDualExplainer.Builder}
 * collects); see the builder's methods for their meaning. Immutable; {@link #candidateFactors} is a
 * private copy, read through {@link #factors()}.
 */
record ExplainerSettings(Perturbation perturbation, Baseline baseline, double blurSigma, OptionalDouble linfBudget,
                         ExplainMode mode, OptionalInt target, RegressionGoal regressionGoal, Objective objective,
                         double kappa, int maxOuterIterations, double alpha, double overshoot, double tolerance,
                         boolean stopOnConvergence,
                         boolean verifyCandidates, double[] candidateFactors, Optional<DualSolver> solver,
                         Optional<DualSolverOptions> solverOptions, AttributionKind attributionKind,
                         Optional<RadiusCertifier> certifier, Optional<BoundarySearchOptions> boundarySearch) {

    ExplainerSettings {
        candidateFactors = candidateFactors.clone();
    }

    /** A copy of the candidate factors. */
    double[] factors() {
        return candidateFactors.clone();
    }

    /**
     * Checks the options together.
     *
     * @return this
     * @throws IllegalArgumentException naming the first inconsistent option
     */
    ExplainerSettings validate() {
        if (!(blurSigma > 0) || !Double.isFinite(blurSigma)) {
            throw new IllegalArgumentException("blurSigma must be finite and > 0, got " + blurSigma);
        }
        if (linfBudget.isPresent()) {
            double e = linfBudget.getAsDouble();
            if (!(e > 0) || Double.isNaN(e)) {
                throw new IllegalArgumentException("the L_inf budget eps must be > 0, got " + e);
            }
            if (perturbation != Perturbation.ADDITIVE) {
                throw new IllegalArgumentException("an L_inf budget eps applies to the ADDITIVE model only, "
                        + "the perturbation is " + perturbation);
            }
        }
        if (!(kappa >= 0) || !Double.isFinite(kappa)) {
            throw new IllegalArgumentException("kappa must be finite and >= 0, got " + kappa);
        }
        if (maxOuterIterations < 1) {
            throw new IllegalArgumentException("maxOuterIterations (S_max) must be >= 1, got " + maxOuterIterations);
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("the step alpha must be in (0, 1], got " + alpha);
        }
        if (!(overshoot >= 1) || !Double.isFinite(overshoot)) {
            throw new IllegalArgumentException("overshoot must be finite and >= 1, got " + overshoot);
        }
        if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be finite and >= 0, got " + tolerance);
        }
        if (objective == Objective.LINF && (perturbation != Perturbation.ADDITIVE || mode != ExplainMode.FLIP)) {
            throw new IllegalArgumentException("objective " + objective + " is defined for the ADDITIVE FLIP model "
                    + "(K = 1) only; this explainer is " + perturbation + " " + mode + " (use L2)");
        }
        if (objective == Objective.L1 && mode != ExplainMode.FLIP) {
            throw new IllegalArgumentException("objective L1 is defined for FLIP (K = 1) only, additive or deletion; "
                    + "this explainer is " + perturbation + " " + mode + " (use L2)");
        }
        if (candidateFactors.length == 0) {
            throw new IllegalArgumentException("candidateFactors must not be empty (use verifyCandidates(false))");
        }
        for (double f : candidateFactors) {
            if (!(f >= 1) || !Double.isFinite(f)) {
                throw new IllegalArgumentException("candidate factors must be finite and >= 1, got " + f);
            }
        }
        if (target.isPresent() && target.getAsInt() < 0) {
            throw new IllegalArgumentException("target class must be >= 0, got " + target.getAsInt());
        }
        return this;
    }
}
