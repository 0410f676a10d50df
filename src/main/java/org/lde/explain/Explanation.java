package org.lde.explain;

import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.Objective;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.lde.tensor.Tensor;

/**
 * One sample's Lagrange dual explanation (METHOD.md sections 2-6), from
 * {@link LagrangeDualExplainer#explain}. Maps have the input's shape; {@code t}, {@code nu} live in
 * the variable space of the perturbation model ({@code delta = D t}).
 *
 * <p>The solved quantities ({@code t*, lambda*, nu*}, the dual contribution and the margin
 * contribution) belong to the final linearized problem, around the last linearization point
 * {@code z_{S-1}} ({@code = x} with one outer iteration). The {@link Certificate} is not theirs: its
 * linearized bound {@code r_lin} and status are those of the linearization at {@code x}, and its
 * {@code r_lo}, {@code r_hi} are about the network (METHOD.md section 4). When the final problem is
 * {@link DualStatus#INFEASIBLE_IN_BOX} ({@link StopReason#INFEASIBLE_IN_BOX}) the maps hold the infeasibility certificate as
 * {@link DualSolution} does: {@code lambda} = {@code mu}, {@code t} = the box point that maximizes
 * {@code mu^T A t}, {@code nu = 0}; the dual contribution is then {@code t_i (A^T mu)_i}, whose
 * residual against {@code mu^T r} is the infeasibility margin (nothing pretends to be a solution).
 *
 * @param sample             the sample's index in the batch
 * @param predictedClass     {@code argmax f(x)} (0 for regression)
 * @param explainedClass     FLIP: the class moved away from ({@code y}); TARGET: the target {@code c};
 *                           regression: 0
 * @param chosenClass        FLIP: the nearest competitor {@code j*}; TARGET: {@code c}; regression: 0
 * @param logits             {@code f(x)}, {@code [C]}
 * @param constraintClasses  the class {@code j} of each row of the final problem (FLIP: {@code [j*]},
 *                           TARGET: every {@code j != c} ascending, regression: {@code [0]})
 * @param t                  {@code t*} (input shape)
 * @param delta              {@code delta* = D t*} (input shape): the perturbation map
 * @param lambda             {@code lambda*}, {@code [K]}
 * @param nu                 the shadow prices {@code nu* = A^T lambda* - t*} (input shape)
 * @param dualContribution   {@code phi_i = t*_i (A^T lambda*)_i}, expected sum {@code lambda*^T r}
 * @param marginContribution for {@code K = 1}: {@code c_i = a_i t*_i}, expected sum {@code r}
 * @param pathAttribution    {@code sum_s g(z_s)_i (z_{s+1} - z_s)_i} for the margin of
 *                           {@code chosenClass} (TARGET: {@code f_c - f_j} for the strongest rival
 *                           {@code j} at the final iterate), expected sum {@code m(z_S) - m(x)}
 * @param finalDelta         {@code z_S - x}: the perturbation of the last outer iterate (the end of the path)
 * @param adversarial        the best verified perturbed input, if any iterate was verified
 * @param certificate        {@code r_lin} (linearized at {@code x}), {@code r_lo} (certified), {@code r_hi}
 *                           (verified), the linearized status and gap, {@code verified}
 * @param outerIterations    linearize-and-solve steps taken
 * @param forwardPasses      forward evaluations of this sample's points (the recorded pass at each iterate,
 *                           one per candidate factor and iteration, the final iterate, and on a float32
 *                           backend the float64 host re-checks of candidates); each is one row of a
 *                           batched pass, so this is the machine-independent cost of METHOD.md section 9
 * @param reversePasses      batched reverse passes this sample took part in (one per outer iteration)
 * @param reverseSeeds       gradient rows it needed ({@code reversePasses} times the seeds per pass)
 * @param stopReason         why its outer loop stopped
 */
public record Explanation(int sample, Perturbation perturbation, ExplainMode mode, Objective objective,
                          double kappa, int predictedClass, int explainedClass, int chosenClass, Tensor logits,
                          List<Integer> constraintClasses, Tensor t, Tensor delta, Tensor lambda, Tensor nu,
                          AttributionMap dualContribution, Optional<AttributionMap> marginContribution,
                          AttributionMap pathAttribution, Tensor finalDelta, Optional<VerifiedPoint> adversarial,
                          Certificate certificate, int outerIterations, int forwardPasses, int reversePasses,
                          int reverseSeeds, StopReason stopReason) {

    public Explanation {
        Objects.requireNonNull(perturbation, "perturbation");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(dualContribution, "dualContribution");
        Objects.requireNonNull(marginContribution, "marginContribution");
        Objects.requireNonNull(pathAttribution, "pathAttribution");
        Objects.requireNonNull(adversarial, "adversarial");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(stopReason, "stopReason");
        if (adversarial.isPresent() != certificate.verified()) {
            throw new IllegalArgumentException("an adversarial point " + (adversarial.isPresent() ? "is" : "is not")
                    + " present but the certificate says verified = " + certificate.verified());
        }
        constraintClasses = List.copyOf(constraintClasses);
        logits = logits.copy();
        t = t.copy();
        delta = delta.copy();
        lambda = lambda.copy();
        nu = nu.copy();
        finalDelta = finalDelta.copy();
    }

    @Override
    public Tensor finalDelta() {
        return finalDelta.copy();
    }

    @Override
    public Tensor logits() {
        return logits.copy();
    }

    @Override
    public Tensor t() {
        return t.copy();
    }

    @Override
    public Tensor delta() {
        return delta.copy();
    }

    @Override
    public Tensor lambda() {
        return lambda.copy();
    }

    @Override
    public Tensor nu() {
        return nu.copy();
    }

    /**
     * The status of the linearized solve at {@code x} ({@link Certificate#linearizedStatus()}): about the
     * linear model only; whether the network was moved is {@link #verified()}.
     */
    public DualStatus linearizedStatus() {
        return certificate.linearizedStatus();
    }

    /** Whether a float64 forward pass verified a perturbation ({@link #adversarial()} is present). */
    public boolean verified() {
        return certificate.verified();
    }

    /**
     * The map of the given kind (input shape).
     *
     * @throws IllegalArgumentException for {@link AttributionKind#MARGIN_CONTRIBUTION} when {@code K > 1}
     */
    public Tensor attribution(AttributionKind kind) {
        switch (kind) {
            case MARGIN_CONTRIBUTION:
                return marginContribution.orElseThrow(() -> new IllegalArgumentException(
                        "the margin contribution needs K = 1 constraint; this explanation has K = "
                                + constraintClasses.size() + " (use DUAL_CONTRIBUTION)")).map();
            case PERTURBATION:
                return delta();
            case SHADOW_PRICE:
                return nu();
            case PATH:
                return pathAttribution.map();
            case DUAL_CONTRIBUTION:
            default:
                return dualContribution.map();
        }
    }
}
