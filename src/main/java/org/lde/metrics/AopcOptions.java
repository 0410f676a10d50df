package org.lde.metrics;

import java.util.Objects;

/**
 * The AOPC protocol's parameters (METHOD.md section 9), with the defaults of the protocol of
 * record: {@code 2 x 2} patches, {@code L = 20} steps, the constant schedule of {@code s} = 1% of
 * the patches per step ({@link #stepPatches} {@code = 0} means "1%": {@code s = max(1, round(P / 100))}),
 * baseline 0, signed ranking, the mean of {@code L + 1} points, seed 1 for the random order.
 * {@link #literature()} is the form most papers, Captum-based references and Quantus report:
 * pixels, {@code L = 100}, the proportional schedule and {@code 1/L sum_{k=1..L}}.
 */
public record AopcOptions(int patchSize, int steps, int stepPatches, Schedule schedule, Baseline baseline, Ranking ranking,
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

    /**
     * Which patches go first. Tie rule (stable, the same in every order): patches whose scores
     * compare equal ({@code -0.0 == 0.0}; NaN never reaches the ranking) keep ascending patch
     * index, so a constant map removes patches {@code 0, 1, 2, ...} in MoRF and in LeRF alike.
     */
    public enum Order {
        /** Most relevant first (the protocol of record): score descending, ties by lower index. */
        MORF,
        /** Least relevant first: score ascending, ties by lower index. */
        LERF,
        /** A seeded random permutation per image. */
        RANDOM
    }

    /** How the curve {@code D_k = p_y(x) - p_y(x_k)}, {@code k = 0..L}, becomes one number. */
    public enum Aggregation {
        /** {@code 1/(L+1) sum_{k=0..L} D_k} (of record; Samek et al. 2017's form, {@code D_0 = 0} included). */
        MEAN,
        /**
         * {@code 1/L sum_{k=1..L} D_k}, the form of most papers and of Quantus: the {@code k = 0} term
         * left out. Because {@code D_0 = 0}, {@code MEAN = L/(L+1) LITERATURE} exactly.
         */
        LITERATURE,
        /** The trapezoid rule over the same {@code L+1} points: {@code 1/L sum_{k=0..L-1} (D_k + D_{k+1}) / 2}. */
        TRAPEZOID
    }

    /** How many patches are gone after step {@code k} ({@code n_0 = 0} always). */
    public enum Schedule {
        /** {@code n_k = k s}, a constant {@code s} patches per step (of record). */
        CONSTANT,
        /**
         * {@code n_k = round_half_up(k P / L)} of the {@code P} patches (the fraction {@code k/L} of the
         * image; e.g. {@code round(7.84 k)} pixels of 784 with {@code L = 100}), computed exactly in
         * integers; {@code n_L = P}. METHOD.md section 9 writes {@code round_half_up(k P / 100)}: the same
         * at the literature's {@code L = 100}; for other {@code L} the fixed 100 would stop short of the
         * image ({@code L < 100}) or run past it ({@code L > 100}), so the fraction is {@code k/L}.
         * {@link #stepPatches} is ignored.
         */
        PROPORTIONAL
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
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(ranking, "ranking");
        Objects.requireNonNull(aggregation, "aggregation");
        if (chunkRows < 1) {
            throw new IllegalArgumentException("chunk rows must be >= 1, got " + chunkRows);
        }
    }

    /** The protocol of record. */
    public static AopcOptions defaults() {
        return new AopcOptions(2, 20, 0, Schedule.CONSTANT, Baseline.ZERO, Ranking.SIGNED, Aggregation.MEAN, 1, 512);
    }

    /**
     * The literature's form: {@code 1 x 1} patches (pixels), {@code L = 100}, the proportional
     * schedule, {@code 1/L sum_{k=1..L}}, baseline 0, signed ranking.
     */
    public static AopcOptions literature() {
        return new AopcOptions(1, 100, 0, Schedule.PROPORTIONAL, Baseline.ZERO, Ranking.SIGNED, Aggregation.LITERATURE, 1, 512);
    }

    public AopcOptions withPatchSize(int k) {
        return new AopcOptions(k, steps, stepPatches, schedule, baseline, ranking, aggregation, seed, chunkRows);
    }

    public AopcOptions withSteps(int l) {
        return new AopcOptions(patchSize, l, stepPatches, schedule, baseline, ranking, aggregation, seed, chunkRows);
    }

    /** {@code s} patches per step of the constant schedule; 0 means 1% of the patches. */
    public AopcOptions withStepPatches(int s) {
        return new AopcOptions(patchSize, steps, s, schedule, baseline, ranking, aggregation, seed, chunkRows);
    }

    public AopcOptions withSchedule(Schedule sc) {
        return new AopcOptions(patchSize, steps, stepPatches, sc, baseline, ranking, aggregation, seed, chunkRows);
    }

    public AopcOptions withBaseline(Baseline b) {
        return new AopcOptions(patchSize, steps, stepPatches, schedule, b, ranking, aggregation, seed, chunkRows);
    }

    public AopcOptions withRanking(Ranking r) {
        return new AopcOptions(patchSize, steps, stepPatches, schedule, baseline, r, aggregation, seed, chunkRows);
    }

    public AopcOptions withAggregation(Aggregation a) {
        return new AopcOptions(patchSize, steps, stepPatches, schedule, baseline, ranking, a, seed, chunkRows);
    }

    public AopcOptions withSeed(long s) {
        return new AopcOptions(patchSize, steps, stepPatches, schedule, baseline, ranking, aggregation, s, chunkRows);
    }

    public AopcOptions withChunkRows(int r) {
        return new AopcOptions(patchSize, steps, stepPatches, schedule, baseline, ranking, aggregation, seed, r);
    }

    /**
     * The patches removed per step of the constant schedule for {@code patchCount} patches:
     * {@link #stepPatches} if set, else {@code max(1, round(patchCount / 100))}.
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

    /**
     * The cumulative counts {@code n_k}, {@code k = 0..L}, of patches removed after step {@code k}
     * under this schedule (see {@link Schedule}).
     *
     * @throws IllegalArgumentException when the constant schedule's {@code L s} exceeds the patch count
     */
    public int[] removedCounts(int patchCount) {
        if (patchCount < 1) {
            throw new IllegalArgumentException("AOPC needs at least one patch, got " + patchCount);
        }
        int[] n = new int[steps + 1];
        if (schedule == Schedule.CONSTANT) {
            int s = resolvedStepPatches(patchCount);
            for (int k = 0; k <= steps; k++) {
                n[k] = k * s;
            }
            return n;
        }
        for (int k = 0; k <= steps; k++) {
            // round_half_up(k P / L) = floor((2 k P + L) / (2 L)), exact in long arithmetic
            n[k] = (int) ((2L * k * patchCount + steps) / (2L * steps));
        }
        return n;
    }

    /** One line that states this protocol, for the head of every table. */
    public String describe(int patchCount) {
        int[] n = removedCounts(patchCount);
        String sched = schedule == Schedule.CONSTANT
                ? "constant s=" + resolvedStepPatches(patchCount) + " patches/step"
                : "proportional n_k=round_half_up(k*" + patchCount + "/" + steps + ")";
        String agg;
        switch (aggregation) {
            case MEAN:
                agg = "1/(L+1) sum_{k=0..L}";
                break;
            case LITERATURE:
                agg = "1/L sum_{k=1..L}";
                break;
            default:
                agg = "trapezoid over k=0..L";
                break;
        }
        return String.format(java.util.Locale.ROOT,
                "%dx%d patches (P=%d), L=%d, %s (n_1=%d, n_L=%d), baseline %s, ranking %s, ties by lower patch index, "
                        + "AOPC %s, seed %d",
                patchSize, patchSize, patchCount, steps, sched, n.length > 1 ? n[1] : 0, n[steps],
                baseline.name().toLowerCase(java.util.Locale.ROOT), ranking.name().toLowerCase(java.util.Locale.ROOT), agg, seed);
    }
}
