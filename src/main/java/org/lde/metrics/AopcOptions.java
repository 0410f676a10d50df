package org.lde.metrics;

import java.util.Objects;

/**
 * The AOPC protocol's parameters (METHOD.md section 9), with the defaults of the protocol of
 * record: {@code 2 x 2} patches, {@code L = 20} steps, {@code s} = 1% of the patches per step
 * ({@link #stepPatches} {@code = 0} means "1%": {@code s = max(1, round(P / 100))}), baseline 0,
 * signed ranking, the mean of {@code L + 1} points, seed 1 for the random order.
 */
public record AopcOptions(int patchSize, int steps, int stepPatches, Baseline baseline, Ranking ranking,
                          Aggregation aggregation, long seed, int chunkRows) {

    /** What removed patches are replaced by. */
    public enum Baseline {
        /** The constant 0 (of record). */
        ZERO,
        /** The minimum over all values of the image. */
        IMAGE_MIN,
        /** The mean over all values of the image. */
        IMAGE_MEAN
    }

    /** How patches are ranked. */
    public enum Ranking {
        /** By summed signed attribution (of record). */
        SIGNED,
        /** By summed absolute attribution. */
        ABS
    }

    /** Which patches go first. */
    public enum Order {
        /** Most relevant first (the protocol of record). */
        MORF,
        /** Least relevant first. */
        LERF,
        /** A seeded random permutation per image. */
        RANDOM
    }

    /** How the curve becomes one number. */
    public enum Aggregation {
        /** {@code 1/(L+1) sum_{k=0..L} (p_y(x) - p_y(x_k))} (of record). */
        MEAN,
        /** The trapezoid rule over the same {@code L+1} points: {@code 1/L sum_{k=0..L-1} (D_k + D_{k+1}) / 2}. */
        TRAPEZOID
    }

    public AopcOptions {
        if (patchSize < 1) {
            throw new IllegalArgumentException("AOPC patch size must be >= 1, got " + patchSize);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("AOPC steps L must be >= 1, got " + steps);
        }
        if (stepPatches < 0) {
            throw new IllegalArgumentException("AOPC patches per step must be >= 1 (or 0 for 1% of the patches), got " + stepPatches);
        }
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(ranking, "ranking");
        Objects.requireNonNull(aggregation, "aggregation");
        if (chunkRows < 1) {
            throw new IllegalArgumentException("chunk rows must be >= 1, got " + chunkRows);
        }
    }

    /** The protocol of record. */
    public static AopcOptions defaults() {
        return new AopcOptions(2, 20, 0, Baseline.ZERO, Ranking.SIGNED, Aggregation.MEAN, 1, 512);
    }

    public AopcOptions withPatchSize(int k) {
        return new AopcOptions(k, steps, stepPatches, baseline, ranking, aggregation, seed, chunkRows);
    }

    public AopcOptions withSteps(int l) {
        return new AopcOptions(patchSize, l, stepPatches, baseline, ranking, aggregation, seed, chunkRows);
    }

    /** {@code s} patches per step; 0 means 1% of the patches. */
    public AopcOptions withStepPatches(int s) {
        return new AopcOptions(patchSize, steps, s, baseline, ranking, aggregation, seed, chunkRows);
    }

    public AopcOptions withBaseline(Baseline b) {
        return new AopcOptions(patchSize, steps, stepPatches, b, ranking, aggregation, seed, chunkRows);
    }

    public AopcOptions withRanking(Ranking r) {
        return new AopcOptions(patchSize, steps, stepPatches, baseline, r, aggregation, seed, chunkRows);
    }

    public AopcOptions withAggregation(Aggregation a) {
        return new AopcOptions(patchSize, steps, stepPatches, baseline, ranking, a, seed, chunkRows);
    }

    public AopcOptions withSeed(long s) {
        return new AopcOptions(patchSize, steps, stepPatches, baseline, ranking, aggregation, s, chunkRows);
    }

    public AopcOptions withChunkRows(int r) {
        return new AopcOptions(patchSize, steps, stepPatches, baseline, ranking, aggregation, seed, r);
    }

    /**
     * The patches removed per step for {@code patchCount} patches: {@link #stepPatches} if set,
     * else {@code max(1, round(patchCount / 100))}.
     *
     * @throws IllegalArgumentException when {@code L s} exceeds the patch count
     */
    public int resolvedStepPatches(int patchCount) {
        int s = stepPatches > 0 ? stepPatches : (int) Math.max(1, Math.round(patchCount / 100.0));
        if ((long) s * steps > patchCount) {
            throw new IllegalArgumentException("AOPC removes L s = " + steps + " x " + s + " = " + ((long) s * steps)
                    + " patches but the image has only " + patchCount + " patches of " + patchSize + "x" + patchSize);
        }
        return s;
    }
}
