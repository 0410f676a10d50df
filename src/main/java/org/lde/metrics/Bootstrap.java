package org.lde.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap confidence intervals of a mean over samples (Efron and Tibshirani 1993,
 * chapter 13): draw {@code B} resamples of the {@code n} values with replacement, take each
 * resample's mean, and return the empirical {@code (1 - level)/2} and {@code (1 + level)/2}
 * quantiles of those {@code B} sorted means {@code m_(0) <= ... <= m_(B-1)}: {@code lo = m_(floor(a (B - 1)))},
 * {@code hi = m_(ceil((1 - a) (B - 1)))} with {@code a = (1 - level) / 2} (the outward rounding keeps
 * the interval at least as wide as the level). Deterministic for a given seed.
 */
public final class Bootstrap {
    private Bootstrap() {
    }

    /**
     * The percentile interval of the mean of {@code values}.
     *
     * @param values    per-sample values (at least one; all finite)
     * @param resamples {@code B >= 1}
     * @param level     coverage in {@code (0, 1)}, e.g. 0.95
     * @param seed      seed of the resampling
     * @return {@code {lo, hi}}
     * @throws IllegalArgumentException on an empty or non-finite input, {@code B < 1} or a level outside (0, 1)
     */
    public static double[] meanInterval(double[] values, int resamples, double level, long seed) {
        int n = values.length;
        if (n == 0) {
            throw new IllegalArgumentException("bootstrap: no values");
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("bootstrap: value " + i + " is " + values[i] + " (must be finite)");
            }
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("bootstrap: resamples must be >= 1, got " + resamples);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("bootstrap: level must be in (0, 1), got " + level);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += values[rnd.nextInt(n)];
            }
            means[b] = s / n;
        }
        Arrays.sort(means);
        double a = (1 - level) / 2;
        return new double[] {means[(int) Math.floor(a * (resamples - 1))], means[(int) Math.ceil((1 - a) * (resamples - 1))]};
    }
}
