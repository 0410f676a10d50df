package org.lde.explain;

import org.lde.engine.dual.Objective;

/**
 * Options of the explainer's boundary-tracking outer loop ({@link LagrangeDualExplainer.Builder#boundarySearch}),
 * FAB's parameters (Croce and Hein 2020) on the explainer's linearized problems: the walkers per sample
 * ({@code restarts}, the first starting at {@code x}), the largest bias toward {@code x} ({@code alphaMax}),
 * the extrapolation ({@code eta}), the backward step of a verified walker (between {@code betaMin} and {@code beta},
 * from the gap of its linearization: {@link BoundarySearch#backwardStep}), the secant steps of
 * the final search along the segment from {@code x} to the best verified point, and the seed of the random
 * starts. The number of iterations is the explainer's {@code maxOuterIterations}.
 */
public record BoundarySearchOptions(int restarts, double alphaMax, double eta, double beta, double betaMin,
                                    int finalSearchSteps, long seed) {

    /**
     * @throws IllegalArgumentException naming the first bad option
     */
    public BoundarySearchOptions {
        if (restarts < 1) {
            throw new IllegalArgumentException("boundary search restarts must be >= 1, got " + restarts);
        }
        if (!(alphaMax >= 0 && alphaMax <= 1)) {
            throw new IllegalArgumentException("boundary search alphaMax must be in [0, 1], got " + alphaMax);
        }
        if (!(eta >= 1) || !Double.isFinite(eta)) {
            throw new IllegalArgumentException("boundary search eta must be finite and >= 1, got " + eta);
        }
        if (!(beta > 0 && beta <= 1)) {
            throw new IllegalArgumentException("boundary search beta must be in (0, 1], got " + beta);
        }
        if (!(betaMin > 0 && betaMin <= beta)) {
            throw new IllegalArgumentException("boundary search betaMin must be in (0, beta = " + beta + "], got " + betaMin);
        }
        if (finalSearchSteps < 0) {
            throw new IllegalArgumentException("boundary search finalSearchSteps must be >= 0, got " + finalSearchSteps);
        }
    }

    /**
     * FAB's {@code alpha_max = 0.1, eta = 1.05}; the backward step from the linearization's gap with
     * {@code beta = 0.99, betaMin = 0.8}; one walker (measured: with a fixed budget of passes, one walker with
     * more iterations beats several with fewer on the sample models); 5 final-search steps, seed 0.
     */
    public static BoundarySearchOptions defaults() {
        return new BoundarySearchOptions(1, 0.1, 1.05, 0.99, 0.8, 5, 0);
    }

    /**
     * The defaults for objective {@code o}: {@link #defaults()}, with {@code alphaMax = 0.3} for L_inf.
     * Chosen on the development split (embedded test images 500-549, 2 walkers x 96 iterations, median
     * ratio of the verified L_inf norm to FAB's): sample CNN 1.0034 with 0.1, 1.0018 with 0.2 and 0.3,
     * 1.0015 with 0.5 (mean 1.0096, 1.0059, 1.0052, 1.0079); sample MLP 0.9999 with 0.1 and 0.3 (mean
     * 1.0113 and 1.0055). On the reported split (images 0-499) the CNN's median went from 1.0013 with 0.1
     * to 1.0019 with 0.3: the development gain did not carry over (README, "Verified adversarial points
     * against FAB").
     */
    public static BoundarySearchOptions defaults(Objective o) {
        BoundarySearchOptions d = defaults();
        return o == Objective.LINF ? d.withAlphaMax(0.3) : d;
    }

    public BoundarySearchOptions withAlphaMax(double a) {
        return new BoundarySearchOptions(restarts, a, eta, beta, betaMin, finalSearchSteps, seed);
    }

    /** FAB's fixed backward step: {@code betaMin = beta = b}. */
    public BoundarySearchOptions withFixedBeta(double b) {
        return new BoundarySearchOptions(restarts, alphaMax, eta, b, b, finalSearchSteps, seed);
    }

    public BoundarySearchOptions withRestarts(int r) {
        return new BoundarySearchOptions(r, alphaMax, eta, beta, betaMin, finalSearchSteps, seed);
    }

    public BoundarySearchOptions withSeed(long s) {
        return new BoundarySearchOptions(restarts, alphaMax, eta, beta, betaMin, finalSearchSteps, s);
    }

    public BoundarySearchOptions withFinalSearchSteps(int n) {
        return new BoundarySearchOptions(restarts, alphaMax, eta, beta, betaMin, n, seed);
    }
}
