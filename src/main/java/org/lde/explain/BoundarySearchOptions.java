package org.lde.explain;

/**
 * Options of the explainer's boundary-tracking outer loop ({@link LagrangeDualExplainer.Builder#boundarySearch}),
 * FAB's parameters (Croce and Hein 2020) on the explainer's linearized problems: the walkers per sample
 * ({@code restarts}, the first starting at {@code x}), the largest bias toward {@code x} ({@code alphaMax}),
 * the extrapolation ({@code eta}), the backward step of a verified walker ({@code beta}), the secant steps of
 * the final search along the segment from {@code x} to the best verified point, and the seed of the random
 * starts. The number of iterations is the explainer's {@code maxOuterIterations}.
 */
public record BoundarySearchOptions(int restarts, double alphaMax, double eta, double beta, int finalSearchSteps,
                                    long seed) {

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
        if (finalSearchSteps < 0) {
            throw new IllegalArgumentException("boundary search finalSearchSteps must be >= 0, got " + finalSearchSteps);
        }
    }

    /** FAB's {@code alpha_max = 0.1, eta = 1.05, beta = 0.9}, 5 walkers, 5 final-search steps, seed 0. */
    public static BoundarySearchOptions defaults() {
        return new BoundarySearchOptions(5, 0.1, 1.05, 0.9, 5, 0);
    }

    public BoundarySearchOptions withRestarts(int r) {
        return new BoundarySearchOptions(r, alphaMax, eta, beta, finalSearchSteps, seed);
    }

    public BoundarySearchOptions withSeed(long s) {
        return new BoundarySearchOptions(restarts, alphaMax, eta, beta, finalSearchSteps, s);
    }

    public BoundarySearchOptions withFinalSearchSteps(int n) {
        return new BoundarySearchOptions(restarts, alphaMax, eta, beta, n, seed);
    }
}
