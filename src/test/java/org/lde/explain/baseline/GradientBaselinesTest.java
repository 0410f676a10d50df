package org.lde.explain.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.Recorded;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/** Saliency, gradient x input, integrated gradients and SmoothGrad against independent computations. */
class GradientBaselinesTest {

    @Test
    void saliencyEqualsTheBackendsReversePassAndFiniteDifferences() {
        Network net = TestModels.smallCnn(4);
        Tensor x = TestModels.inputs(5, 3, 1, 8, 8);
        int[] cls = {0, 2, 1};
        try (Backend be = Backends.cpu(net)) {
            Tensor s = Saliency.signed().attribute(be, x, cls);
            Tensor seeds = Tensor.zeros(3, 1, 3);
            for (int i = 0; i < 3; i++) {
                seeds.data()[i * 3 + cls[i]] = 1;
            }
            Tensor ref;
            try (Recorded rec = be.forwardRecorded(x)) {
                ref = be.reverse(rec, seeds).reshape(x.shape());
            }
            assertEquals(0, s.maxAbsDiff(ref), 1e-15);
            // chunking changes nothing
            assertEquals(0, Saliency.signed().withChunkRows(1).attribute(be, x, cls).maxAbsDiff(ref), 1e-15);
            // central finite differences on a few coordinates (a ReLU network is piecewise linear)
            double h = 1e-6;
            for (int j : new int[] {0, 17, 40, 63}) {
                for (int i = 0; i < 3; i++) {
                    Tensor xp = x.copy();
                    Tensor xm = x.copy();
                    xp.data()[i * 64 + j] += h;
                    xm.data()[i * 64 + j] -= h;
                    double fd = (be.forward(xp).get(i, cls[i]) - be.forward(xm).get(i, cls[i])) / (2 * h);
                    assertEquals(fd, s.data()[i * 64 + j], 1e-6, "sample " + i + " feature " + j);
                }
            }
            Tensor a = Saliency.absolute().attribute(be, x, cls);
            for (int k = 0; k < a.size(); k++) {
                assertEquals(Math.abs(ref.data()[k]), a.data()[k], 0);
            }
        }
    }

    @Test
    void gradientTimesInputOnALinearModelIsWeightTimesInput() {
        Network net = TestModels.randomLinear(1, 4, 1, 3, 3);
        Tensor x = TestModels.inputs(2, 2, 1, 3, 3);
        int[] cls = {3, 1};
        Tensor w = ((org.lde.model.Dense) net.layers().get(1)).weight();
        try (Backend be = Backends.cpu(net)) {
            Tensor phi = new GradientTimesInput().attribute(be, x, cls);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 9; j++) {
                    assertEquals(w.get(cls[i], j) * x.data()[i * 9 + j], phi.data()[i * 9 + j], 1e-14);
                }
            }
        }
    }

    @Test
    void gaussLegendreNodesAndWeightsAreTheKnownOnes() {
        double[][] g3 = IntegratedGradients.gaussLegendre(3);
        assertArrayEquals(new double[] {-Math.sqrt(0.6), 0, Math.sqrt(0.6)}, g3[0], 1e-15);
        assertArrayEquals(new double[] {5.0 / 9, 8.0 / 9, 5.0 / 9}, g3[1], 1e-15);
        double[][] g2 = IntegratedGradients.gaussLegendre(2);
        assertArrayEquals(new double[] {-1 / Math.sqrt(3), 1 / Math.sqrt(3)}, g2[0], 1e-15);
        // 50 points: weights sum to 2 and integrate x^98 exactly (2/99)
        double[][] g50 = IntegratedGradients.gaussLegendre(50);
        double s = 0;
        double p = 0;
        for (int k = 0; k < 50; k++) {
            s += g50[1][k];
            p += g50[1][k] * Math.pow(g50[0][k], 98);
        }
        assertEquals(2, s, 1e-13);
        assertEquals(2.0 / 99, p, 1e-13);
    }

    @Test
    void integratedGradientsIsExactOnALinearModelWithAnyBaseline() {
        Network net = TestModels.randomLinear(3, 3, 1, 4, 4);
        Tensor x = TestModels.inputs(4, 3, 1, 4, 4);
        int[] cls = {0, 1, 2};
        Tensor w = ((org.lde.model.Dense) net.layers().get(1)).weight();
        try (Backend be = Backends.cpu(net)) {
            for (IntegratedGradients.Rule rule : IntegratedGradients.Rule.values()) {
                IntegratedGradients ig = new IntegratedGradients().withRule(rule).withSteps(5).withBaselineValue(0.3);
                IntegratedGradients.Result r = ig.explain(be, x, cls);
                // Captum's riemann_trapezoid weights 1/m (ends halved) sum to (m - 1)/m: 4/5 of the exact answer
                double factor = rule == IntegratedGradients.Rule.CAPTUM_TRAPEZOID ? 4.0 / 5 : 1;
                for (int i = 0; i < 3; i++) {
                    double margin = 0;
                    for (int j = 0; j < 16; j++) {
                        double exact = w.get(cls[i], j) * (x.data()[i * 16 + j] - 0.3);
                        margin += exact;
                        assertEquals(factor * exact, r.attributions().data()[i * 16 + j], 1e-12);
                    }
                    assertEquals((factor - 1) * margin, r.completenessDelta()[i], 1e-10, rule + " delta");
                }
            }
        }
    }

    @Test
    void integratedGradientsCompletenessDeltaShrinksWithSteps() {
        Network net = TestModels.smallMlp(7, 10, 3);
        Tensor x = TestModels.inputs(8, 8, 10);
        int[] cls = {0, 1, 2, 0, 1, 2, 0, 1};
        try (Backend be = Backends.cpu(net)) {
            for (IntegratedGradients.Rule rule : IntegratedGradients.Rule.values()) {
                double coarse = sumAbs(new IntegratedGradients().withRule(rule).withSteps(3).explain(be, x, cls).completenessDelta());
                double mid = sumAbs(new IntegratedGradients().withRule(rule).withSteps(30).explain(be, x, cls).completenessDelta());
                double fine = sumAbs(new IntegratedGradients().withRule(rule).withSteps(300).explain(be, x, cls).completenessDelta());
                assertTrue(coarse > 1e-4, rule + ": the coarse rule should not be exact on a ReLU net, delta " + coarse);
                assertTrue(mid < coarse && fine < mid, rule + ": " + coarse + " > " + mid + " > " + fine + " expected");
                assertTrue(fine < coarse / 20, rule + ": " + fine + " vs " + coarse);
            }
        }
    }

    @Test
    void groupingSamplesIntoChunksChangesNothing() {
        Network net = TestModels.smallCnn(12);
        Tensor x = TestModels.inputs(13, 3, 1, 8, 8);
        int[] cls = {2, 0, 1};
        try (Backend be = Backends.cpu(net)) {
            IntegratedGradients.Result whole = new IntegratedGradients().withSteps(10).explain(be, x, cls);
            IntegratedGradients.Result grouped = new IntegratedGradients().withSteps(10).withChunkRows(7).explain(be, x, cls);
            assertEquals(0, whole.attributions().maxAbsDiff(grouped.attributions()), 1e-15);
            assertArrayEquals(whole.completenessDelta(), grouped.completenessDelta(), 1e-13);
            Tensor sg = new SmoothGrad().withSamples(4).attribute(be, x, cls);
            assertEquals(0, sg.maxAbsDiff(new SmoothGrad().withSamples(4).withChunkRows(3).attribute(be, x, cls)), 1e-15);
        }
    }

    private static double sumAbs(double[] v) {
        double s = 0;
        for (double d : v) {
            s += Math.abs(d);
        }
        return s;
    }

    @Test
    void smoothGradIsTheMeanGradientOverTheSeededNoisyCopies() {
        Network net = TestModels.smallCnn(9);
        Tensor x = TestModels.inputs(10, 2, 1, 8, 8);
        int[] cls = {1, 2};
        int n = 6;
        try (Backend be = Backends.cpu(net)) {
            Tensor phi = new SmoothGrad().withSamples(n).withNoiseFraction(0.2).withSeed(42).attribute(be, x, cls);
            // independent: the same draws, one saliency call per noisy copy
            Rng rng = new Rng(42);
            double[][] noise = new double[2 * n][64];
            for (int r = 0; r < 2 * n; r++) {
                for (int j = 0; j < 64; j++) {
                    noise[r][j] = 0.2 * rng.gaussian();
                }
            }
            for (int i = 0; i < 2; i++) {
                double[] mean = new double[64];
                for (int k = 0; k < n; k++) {
                    Tensor xi = x.row(i).reshape(1, 1, 8, 8).copy();
                    for (int j = 0; j < 64; j++) {
                        xi.data()[j] += noise[i * n + k][j];
                    }
                    Tensor g = Saliency.signed().attribute(be, xi, new int[] {cls[i]});
                    for (int j = 0; j < 64; j++) {
                        mean[j] += g.data()[j] / n;
                    }
                }
                for (int j = 0; j < 64; j++) {
                    assertEquals(mean[j], phi.data()[i * 64 + j], 1e-12);
                }
            }
            assertEquals(0, phi.maxAbsDiff(new SmoothGrad().withSamples(n).withNoiseFraction(0.2).withSeed(42).attribute(be, x, cls)));
        }
        // on a linear model the gradient is constant: SmoothGrad = saliency = the weight row
        Network lin = TestModels.randomLinear(2, 3, 5);
        try (Backend be = Backends.cpu(lin)) {
            Tensor xl = TestModels.inputs(3, 2, 5);
            int[] c = {2, 0};
            assertEquals(0, new SmoothGrad().attribute(be, xl, c).maxAbsDiff(Saliency.signed().attribute(be, xl, c)), 1e-12);
        }
    }

    @Test
    void badInputsAreRejectedWithClearMessages() {
        try (Backend be = Backends.cpu(TestModels.smallCnn(1))) {
            Tensor x = TestModels.inputs(1, 2, 1, 8, 8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Saliency.signed().attribute(be, x, new int[] {0}));
            assertTrue(e.getMessage().contains("1 classes for 2 inputs"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Saliency.signed().attribute(be, x, new int[] {0, 3}));
            assertTrue(e.getMessage().contains("class 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Saliency.signed().attribute(be, Tensor.zeros(Shape.of(2, 64)), new int[] {0, 1}));
            assertTrue(e.getMessage().contains("[N, 1, 8, 8]"), e.getMessage());
            Tensor bad = x.copy();
            bad.data()[5] = Double.NaN;
            e = assertThrows(IllegalArgumentException.class, () -> new GradientTimesInput().attribute(be, bad, new int[] {0, 1}));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new IntegratedGradients().withSteps(0));
            assertThrows(IllegalArgumentException.class, () -> new IntegratedGradients().withRule(IntegratedGradients.Rule.TRAPEZOID).withSteps(1));
            assertThrows(IllegalArgumentException.class, () -> new SmoothGrad().withNoiseFraction(-1));
        }
    }
}
