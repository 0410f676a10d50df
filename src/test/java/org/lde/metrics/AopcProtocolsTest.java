package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.baseline.GradientTimesInput;
import org.lde.explain.baseline.Saliency;
import org.lde.model.Network;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/**
 * The protocol pieces of METHOD.md section 9 "comparable with the literature": both aggregations,
 * the proportional step schedule, the tie rule, the returned ranking and given targets, against
 * closed forms.
 */
class AopcProtocolsTest {

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void theProportionalScheduleRemovesRoundHalfUpOfKPOverL() {
        AopcOptions lit = AopcOptions.literature();
        int[] n = lit.removedCounts(784);
        assertEquals(101, n.length);
        for (int k = 0; k <= 100; k++) {
            int want = BigDecimal.valueOf(784L * k).divide(BigDecimal.valueOf(100)).setScale(0, RoundingMode.HALF_UP).intValueExact();
            assertEquals(want, n[k], "n_" + k);
        }
        assertEquals(8, n[1]);     // 7.84
        assertEquals(16, n[2]);    // 15.68
        assertEquals(24, n[3]);    // 23.52
        assertEquals(784, n[100]);
        // half-way cases round up: P = 10, L = 4 -> 2.5, 5, 7.5, 10
        assertArrayEquals(new int[] {0, 3, 5, 8, 10}, lit.withSteps(4).removedCounts(10));
        // the constant schedule of record: s = round(784 / 100) = 8 per step, and L = 100 does not fit
        assertArrayEquals(new int[] {0, 8, 16, 24}, AopcOptions.defaults().withSteps(3).removedCounts(784));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AopcOptions.defaults().withSteps(100).removedCounts(784));
        assertTrue(e.getMessage().contains("only 784 patches"), e.getMessage());
        // large P L stays exact (no int overflow in 2 k P)
        int[] big = lit.withSteps(1000).removedCounts(3_000_000);
        assertEquals(3000, big[1]);
        assertEquals(3_000_000, big[1000]);
        assertTrue(lit.describe(784).contains("round_half_up(k*784/100)"), lit.describe(784));
        assertTrue(AopcOptions.defaults().describe(196).contains("constant s=2"), AopcOptions.defaults().describe(196));
    }

    /**
     * f_0 = 0, f_1 = w^T x + b on 10 features, explained by gradient x input (phi_i = w_i x_i), pixel
     * patches: removing the top n features (by w_i x_i) to 0 leaves f_1 = f_1(x) - (sum of the n largest
     * w_i x_i), so p_1(x_k) = sigmoid of that. Both aggregations and the proportional schedule
     * against this closed form.
     */
    @Test
    void aopcOnABinaryLinearModelHasAClosedForm() {
        double[] w = {0.9, -0.4, 1.3, 0.2, -1.1, 0.7, 0.05, -0.3, 1.8, 0.6};
        double bias = 0.4;
        Network net = TestModels.binaryLinear(w, bias);
        Tensor x = TestModels.inputs(21, 3, 10);
        try (Backend be = Backends.cpu(net)) {
            AopcOptions opts = AopcOptions.literature().withSteps(4);
            int[] nk = {0, 3, 5, 8, 10};
            for (int i = 0; i < 3; i++) {
                double f = bias;
                Double[] c = new Double[10];
                for (int j = 0; j < 10; j++) {
                    c[j] = w[j] * x.data()[i * 10 + j];
                    f += c[j];
                }
                assertTrue(f > 0, "sample " + i + " must be predicted as class 1 for this closed form");
                Arrays.sort(c, Comparator.reverseOrder());
                double[] curve = new double[5];
                for (int k = 0; k <= 4; k++) {
                    double removed = 0;
                    for (int t = 0; t < nk[k]; t++) {
                        removed += c[t];
                    }
                    curve[k] = sigmoid(f - removed);
                }
                double lit = 0;
                for (int k = 1; k <= 4; k++) {
                    lit += (curve[0] - curve[k]) / 4;
                }
                AopcResult r = AopcCheck.one(be, x, i, opts);
                assertArrayEquals(curve, r.meanCurve(), 1e-14);
                assertEquals(lit, r.aopc(), 1e-14);
                assertArrayEquals(nk, r.removedPatches());
                assertEquals(AopcOptions.Schedule.PROPORTIONAL, r.schedule());
                AopcResult mean = AopcCheck.one(be, x, i, opts.withAggregation(AopcOptions.Aggregation.MEAN));
                assertEquals(lit * 4 / 5, mean.aopc(), 1e-14);
            }
        }
    }

    /** Helpers that keep the closed-form test short. */
    private static final class AopcCheck {
        static AopcResult one(Backend be, Tensor x, int i, AopcOptions opts) {
            Tensor xi = x.slice(i, i + 1);
            return Aopc.evaluate(be, new GradientTimesInput(), xi, opts, AopcOptions.Order.MORF);
        }
    }

    @Test
    void theRecordMeanIsLOverLPlusOneOfTheLiteratureFormOnEverySample() {
        Network net = TestModels.smallCnn(5);
        Tensor x = TestModels.inputs(6, 5, 1, 8, 8);
        try (Backend be = Backends.cpu(net)) {
            for (int l : new int[] {3, 7, 16}) {
                AopcOptions o = AopcOptions.defaults().withPatchSize(2).withSteps(l).withStepPatches(1);
                AopcResult mean = Aopc.evaluate(be, Saliency.signed(), x, o, AopcOptions.Order.MORF);
                AopcResult lit = Aopc.evaluate(be, Saliency.signed(), x, o.withAggregation(AopcOptions.Aggregation.LITERATURE),
                        AopcOptions.Order.MORF);
                double[] a = mean.perSample();
                double[] b = lit.perSample();
                for (int i = 0; i < a.length; i++) {
                    assertEquals((double) l / (l + 1) * b[i], a[i], 1e-15 * Math.max(1, Math.abs(b[i])), "L=" + l + " sample " + i);
                }
                assertArrayEquals(mean.meanCurve(), lit.meanCurve(), 0);
            }
        }
    }

    @Test
    void tiesKeepAscendingPatchIndexInEveryOrderAndTheRankingIsReturned() {
        Network net = TestModels.randomLinear(7, 3, 1, 4, 4);
        Tensor x = TestModels.inputs(8, 1, 1, 4, 4);
        try (Backend be = Backends.cpu(net)) {
            AopcOptions o = AopcOptions.defaults().withPatchSize(2).withSteps(2).withStepPatches(1);
            // a constant map: 0, 1, 2, 3 in MoRF and in LeRF
            Tensor zero = Tensor.zeros(1, 1, 4, 4);
            for (AopcOptions.Order ord : new AopcOptions.Order[] {AopcOptions.Order.MORF, AopcOptions.Order.LERF}) {
                assertArrayEquals(new int[] {0, 1, 2, 3}, Aopc.evaluate(be, "c", x, zero, o, ord).removalOrder()[0], ord.name());
            }
            // -0.0 ties with 0.0 (Double.compare would put patch 0 last in MoRF)
            Tensor negZero = Tensor.zeros(1, 1, 4, 4);
            negZero.data()[0] = -0.0;
            assertArrayEquals(new int[] {0, 1, 2, 3}, Aopc.evaluate(be, "z", x, negZero, o, AopcOptions.Order.MORF).removalOrder()[0]);
            // patch sums [1, 2, 1, 2]: MoRF 1, 3, 0, 2; LeRF 0, 2, 1, 3
            Tensor phi = Tensor.zeros(1, 1, 4, 4);
            double[] sums = {1, 2, 1, 2};
            for (int yy = 0; yy < 4; yy++) {
                for (int xx = 0; xx < 4; xx++) {
                    phi.data()[yy * 4 + xx] = sums[(yy / 2) * 2 + xx / 2] / 4;
                }
            }
            AopcResult morf = Aopc.evaluate(be, "t", x, phi, o, AopcOptions.Order.MORF);
            assertArrayEquals(new int[] {1, 3, 0, 2}, morf.removalOrder()[0]);
            assertArrayEquals(new int[] {0, 2, 1, 3}, Aopc.evaluate(be, "t", x, phi, o, AopcOptions.Order.LERF).removalOrder()[0]);
            // the returned ranking is the one used: zeroing patches 1 then 3 by hand gives the curve
            double[] v = x.data().clone();
            int[][] pix = {{0, 1, 4, 5}, {2, 3, 6, 7}, {8, 9, 12, 13}, {10, 11, 14, 15}};
            for (int p : pix[1]) {
                v[p] = 0;
            }
            int y = morf.targets()[0];
            assertEquals(softmax(be, v, y), morf.probabilities().get(0, 1), 1e-14);
            // a copy: changing it does not change the result
            morf.removalOrder()[0][0] = 99;
            assertEquals(1, morf.removalOrder()[0][0]);
        }
    }

    private static double softmax(Backend be, double[] v, int y) {
        Tensor z = be.forward(new Tensor(Shape.of(1, 1, 4, 4), v));
        double m = Arrays.stream(z.data()).max().getAsDouble();
        double s = 0;
        for (double a : z.data()) {
            s += Math.exp(a - m);
        }
        return Math.exp(z.data()[y] - m) / s;
    }

    @Test
    void givenTargetsAreTrackedInsteadOfThePrediction() {
        double[] w = {1.0, 2.0, -0.5, 0.25};
        Network net = TestModels.binaryLinear(w, 0.1);
        Tensor x = Tensor.of(Shape.of(1, 4), 0.5, 0.6, 0.2, 0.9);
        try (Backend be = Backends.cpu(net)) {
            // f_1 = 0.1 + 0.5 + 1.2 - 0.1 + 0.225 = 1.925 > 0: predicted class 1. Track class 0 with phi = -w x
            // (the gradient of f_0 - f_1 is -w): MoRF by -w_i x_i descending: feature 2 (+0.1), 3 (-0.225),
            // 0 (-0.5), 1 (-1.2); f_1 after each removal: 2.025, 1.8, 1.3, 0.1 (the bias alone)
            Tensor phi = Tensor.of(Shape.of(1, 4), -0.5, -1.2, 0.1, -0.225);
            AopcOptions o = AopcOptions.literature().withSteps(4);
            AopcResult r = Aopc.evaluate(be, "t", x, phi, o, AopcOptions.Order.MORF, new int[] {0});
            assertArrayEquals(new int[] {2, 3, 0, 1}, r.removalOrder()[0]);
            assertArrayEquals(new int[] {0}, r.targets());
            double f = 1.925;
            double[] left = {f, f + 0.1, f + 0.1 - 0.225, f + 0.1 - 0.225 - 0.5, 0.1};
            for (int k = 0; k <= 4; k++) {
                assertEquals(1 - sigmoid(left[k]), r.probabilities().get(0, k), 1e-14, "k=" + k);
            }
            assertThrows(IllegalArgumentException.class, () -> Aopc.evaluate(be, "t", x, phi, o, AopcOptions.Order.MORF, new int[] {2}));
            assertThrows(IllegalArgumentException.class, () -> Aopc.evaluate(be, "t", x, phi, o, AopcOptions.Order.MORF, new int[] {0, 1}));
        }
    }
}
