package org.lde.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.junit.jupiter.api.Test;
import org.lde.metrics.AopcOptions;
import org.lde.metrics.AopcResult;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The AOPC chart plots {@link AopcResult#meanCurve()} with the 95% interval of the mean, computed here independently
 * with Commons Math (sample standard deviation, normal quantile).
 */
class AopcChartsTest {
    static AopcResult result(String name, int n, int steps, long seed) {
        Random rnd = new Random(seed);
        double[] p = new double[n * (steps + 1)];
        for (int i = 0; i < p.length; i++) {
            p[i] = rnd.nextDouble();
        }
        int[] removed = new int[steps + 1];
        for (int k = 0; k <= steps; k++) {
            removed[k] = k;
        }
        return new AopcResult(name, AopcOptions.Order.MORF, 4, steps, 1, 49, AopcOptions.Schedule.CONSTANT, removed,
                AopcOptions.Baseline.ZERO, AopcOptions.Ranking.SIGNED, AopcOptions.Aggregation.MEAN, seed, new int[n],
                new int[n][49], new Tensor(Shape.of(n, steps + 1), p), new double[n], 0);
    }

    @Test
    void theChartHoldsTheMeanCurveAndTheNinetyFivePercentIntervalOfTheMean() {
        Map<String, AopcResult> curves = new LinkedHashMap<>();
        curves.put("a", result("a", 7, 5, 1));
        curves.put("b", result("b", 7, 5, 2));
        Charts.LineChart c = AopcCharts.curves("MoRF", curves);
        assertTrue(c.title().startsWith("MoRF") && c.title().contains("95% CI"), c.title());
        assertEquals("removal step k [n_k patches removed]", c.x().text());
        double z = new NormalDistribution().inverseCumulativeProbability(0.975);
        int s = 0;
        for (AopcResult r : curves.values()) {
            Charts.Series series = c.series().get(s++);
            assertEquals(r.method(), series.name());
            double[] mean = r.meanCurve();
            double[] p = r.probabilities().data();
            for (int k = 0; k <= 5; k++) {
                assertEquals(k, series.x()[k], 0);
                assertEquals(mean[k], series.y()[k], 1e-15);
                DescriptiveStatistics d = new DescriptiveStatistics();
                for (int i = 0; i < 7; i++) {
                    d.addValue(p[i * 6 + k]);
                }
                double half = z * d.getStandardDeviation() / Math.sqrt(7);
                assertEquals(d.getMean() - half, series.lower()[k], 1e-12);
                assertEquals(d.getMean() + half, series.upper()[k], 1e-12);
            }
        }
    }

    @Test
    void oneImageHasNoBandAndNanIsRefused() {
        Charts.LineChart c = AopcCharts.curves("LeRF", Map.of("a", result("a", 1, 3, 3)));
        assertFalse(c.series().get(0).hasInterval());
        assertFalse(c.title().contains("CI"), c.title());
        AopcResult r = result("a", 2, 3, 4);
        double[] p = r.probabilities().data().clone();
        p[5] = Double.NaN;
        AopcResult bad = new AopcResult("a", AopcOptions.Order.MORF, 4, 3, 1, 49, AopcOptions.Schedule.CONSTANT,
                new int[] {0, 1, 2, 3}, AopcOptions.Baseline.ZERO, AopcOptions.Ranking.SIGNED, AopcOptions.Aggregation.MEAN, 4,
                new int[2], new int[2][49], new Tensor(Shape.of(2, 4), p), new double[2], 0);
        ChartsTest.assertMessage("AOPC curve 'a': p_y(x_1) of image 1 is NaN", () -> AopcCharts.curves("t", Map.of("a", bad)));
        Map<String, AopcResult> mixed = new LinkedHashMap<>();
        mixed.put("a", result("a", 2, 3, 5));
        mixed.put("b", result("b", 2, 4, 6));
        ChartsTest.assertMessage("AOPC curve 'b' has L = 4, the others 3", () -> AopcCharts.curves("t", mixed));
        ChartsTest.assertMessage("at least one curve", () -> AopcCharts.curves("t", Map.of()));
    }
}
