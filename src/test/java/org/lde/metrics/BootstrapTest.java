package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Bootstrap} against closed forms. */
class BootstrapTest {

    /** {@code P(X <= k)} for {@code X ~ Binomial(n, 1/2)}, exactly (in doubles, n small). */
    static double binomialHalfCdf(int n, int k) {
        double s = 0;
        double c = 1; // C(n, 0)
        for (int j = 0; j <= k; j++) {
            s += c;
            c = c * (n - j) / (j + 1);
        }
        return s / Math.pow(2, n);
    }

    @Test
    void zeroOneValuesGiveTheBinomialQuantiles() {
        // n = 20 values, half of them 1: the mean of a resample is Binomial(20, 1/2) / 20 exactly, so the
        // percentile interval's ends are that law's 2.5% and 97.5% quantiles (6/20 and 14/20; the CDF
        // steps past 0.025 and 0.975 by 0.004 or more, about ten standard errors of 100,000 draws).
        int n = 20;
        double[] v = new double[n];
        for (int i = 0; i < n; i += 2) {
            v[i] = 1;
        }
        int lo = 0;
        while (binomialHalfCdf(n, lo) < 0.025) {
            lo++;
        }
        int hi = 0;
        while (binomialHalfCdf(n, hi) < 0.975) {
            hi++;
        }
        assertEquals(6, lo);
        assertEquals(14, hi);
        double[] ci = Bootstrap.meanInterval(v, 100_000, 0.95, 7);
        assertEquals(lo / (double) n, ci[0], 0);
        assertEquals(hi / (double) n, ci[1], 0);
    }

    @Test
    void aConstantSampleHasADegenerateIntervalAndTheSeedFixesTheResult() {
        double[] c = {0.3, 0.3, 0.3, 0.3};
        assertArrayEquals(new double[] {0.3, 0.3}, Bootstrap.meanInterval(c, 500, 0.95, 1), 1e-15);
        double[] v = {0.1, 0.9, 0.4, 0.7, 0.2, 0.5};
        assertArrayEquals(Bootstrap.meanInterval(v, 1000, 0.95, 3), Bootstrap.meanInterval(v, 1000, 0.95, 3), 0);
        double[] ci = Bootstrap.meanInterval(v, 1000, 0.95, 3);
        assertTrue(ci[0] < 0.4666 && 0.4667 < ci[1] && ci[0] >= 0.1 && ci[1] <= 0.9);
        // a wider level gives a wider interval on the same draws
        double[] wide = Bootstrap.meanInterval(v, 1000, 0.99, 3);
        assertTrue(wide[0] <= ci[0] && wide[1] >= ci[1]);
    }

    @Test
    void badInputsAreRefusedWithTheProblemNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Bootstrap.meanInterval(new double[0], 10, 0.95, 1))
                .getMessage().contains("no values"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Bootstrap.meanInterval(new double[] {1, Double.NaN}, 10, 0.95, 1))
                .getMessage().contains("value 1 is NaN"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Bootstrap.meanInterval(new double[] {1}, 0, 0.95, 1))
                .getMessage().contains("resamples"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Bootstrap.meanInterval(new double[] {1}, 10, 1, 1))
                .getMessage().contains("level"));
    }
}
