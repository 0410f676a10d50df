package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.baseline.Batched;
import org.lde.explain.baseline.GradientTimesInput;
import org.lde.explain.baseline.Saliency;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;
import org.lde.engine.Evaluation;

/** Deletion/insertion, infidelity and max-sensitivity against hand computations on linear models. */
class ExplanationRobustnessTest {

    @Test
    void deletionAndInsertionCurvesFollowTheGridAndTheTrapezoidRule() {
        Network net = TestModels.randomLinear(61, 3, 1, 2, 2);
        Tensor x = TestModels.inputs(62, 1, 1, 2, 2);
        Tensor phi = Tensor.of(x.shape(), 0.5, -2, 3, 0.1); // order: 2, 0, 3, 1
        int[] seq = {2, 0, 3, 1};
        try (Backend be = Backends.cpu(net)) {
            int y = Evaluation.argmax(be.forward(x))[0];
            // T = 2 on 4 pixels: points after 0, 2, 4 pixels
            DeletionInsertion.Result r = DeletionInsertion.evaluate(be, "m", x, phi, DeletionInsertion.Options.defaults().withSteps(2));
            double[] del = new double[3];
            double[] ins = new double[3];
            int[] counts = {0, 2, 4};
            for (int j = 0; j < 3; j++) {
                Tensor d = x.copy();
                Tensor in = Tensor.zeros(x.shape());
                for (int t = 0; t < counts[j]; t++) {
                    d.data()[seq[t]] = 0;
                    in.data()[seq[t]] = x.data()[seq[t]];
                }
                del[j] = Batched.softmax(be.forward(d)).get(0, y);
                ins[j] = Batched.softmax(be.forward(in)).get(0, y);
            }
            assertArrayEquals(del, r.deletionCurves().data(), 1e-14);
            assertArrayEquals(ins, r.insertionCurves().data(), 1e-14);
            assertEquals(((del[0] + del[1]) / 2 + (del[1] + del[2]) / 2) / 2, r.deletionAuc(), 1e-14);
            assertEquals(((ins[0] + ins[1]) / 2 + (ins[1] + ins[2]) / 2) / 2, r.insertionAuc(), 1e-14);
            // both ends: the fully deleted image equals the empty insertion start
            assertEquals(r.deletionCurves().get(0, 2), r.insertionCurves().get(0, 0), 1e-15);
            assertEquals(r.deletionCurves().get(0, 0), r.insertionCurves().get(0, 2), 1e-15);
        }
    }

    @Test
    void infidelityIsZeroForTheExactLinearAttributionAndKnownForAScaledOne() {
        Network net = TestModels.randomLinear(71, 3, 6);
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        Tensor x = TestModels.inputs(72, 2, 6);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            Tensor exact = Saliency.signed().attribute(be, x, y);
            Infidelity.Result r = Infidelity.evaluate(be, "saliency", x, exact, 40, 0.1, 3);
            assertEquals(0, r.mean(), 1e-24);
            assertEquals(0.1, r.sigma(), 0);
            Tensor twice = exact.copy();
            for (int i = 0; i < twice.size(); i++) {
                twice.data()[i] *= 2;
            }
            Infidelity.Result s = Infidelity.evaluate(be, "twice", x, twice, 40, 0.1, 3);
            // (I^T 2w - I^T w)^2 = (I^T w)^2 with the same draws
            Rng rng = new Rng(3);
            for (int i = 0; i < 2; i++) {
                double want = 0;
                for (int k = 0; k < 40; k++) {
                    double dot = 0;
                    for (int j = 0; j < 6; j++) {
                        dot += 0.1 * rng.gaussian() * w[y[i] * 6 + j];
                    }
                    want += dot * dot / 40;
                }
                assertEquals(want, s.perSample()[i], 1e-15);
            }
            assertEquals(0, s.meanNormalized(), 1e-24); // beta = 1/2 removes the scale
        }
    }

    @Test
    void maxSensitivityOfLinearSaliencyIsZeroAndOfGradientTimesInputIsTheHandValue() {
        Network net = TestModels.randomLinear(81, 3, 5);
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        Tensor x = TestModels.inputs(82, 2, 5);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            Tensor sal = Saliency.signed().attribute(be, x, y);
            assertEquals(0, MaxSensitivity.evaluate(be, Saliency.signed(), x, sal, 7, 0.05, 4).mean(), 1e-15);
            Tensor gxi = new GradientTimesInput().attribute(be, x, y);
            MaxSensitivity.Result r = MaxSensitivity.evaluate(be, new GradientTimesInput(), x, gxi, 7, 0.05, 4);
            Rng rng = new Rng(4);
            for (int i = 0; i < 2; i++) {
                double base = 0;
                for (int j = 0; j < 5; j++) {
                    base += Math.pow(w[y[i] * 5 + j] * x.data()[i * 5 + j], 2);
                }
                double mx = 0;
                for (int k = 0; k < 7; k++) {
                    double s = 0;
                    for (int j = 0; j < 5; j++) {
                        s += Math.pow(w[y[i] * 5 + j] * rng.uniform(-0.05, 0.05), 2);
                    }
                    mx = Math.max(mx, Math.sqrt(s));
                }
                assertEquals(mx / Math.sqrt(base), r.perSample()[i], 1e-12);
            }
            assertEquals(0, r.undefinedSamples());
            assertTrue(!r.clippedToDomain());
            // clipped to the domain [0, 1]: the difference is w (clip(x + u) - x)
            MaxSensitivity.Result c = MaxSensitivity.evaluate(be, new GradientTimesInput(), x, gxi, 7, 0.3, 4, true);
            assertTrue(c.clippedToDomain());
            Rng rc = new Rng(4);
            for (int i = 0; i < 2; i++) {
                double base = 0;
                for (int j = 0; j < 5; j++) {
                    base += Math.pow(w[y[i] * 5 + j] * x.data()[i * 5 + j], 2);
                }
                double mx = 0;
                for (int k = 0; k < 7; k++) {
                    double s = 0;
                    for (int j = 0; j < 5; j++) {
                        double v = x.data()[i * 5 + j];
                        double moved = Math.min(1, Math.max(0, v + rc.uniform(-0.3, 0.3)));
                        s += Math.pow(w[y[i] * 5 + j] * (moved - v), 2);
                    }
                    mx = Math.max(mx, Math.sqrt(s));
                }
                assertEquals(mx / Math.sqrt(base), c.perSample()[i], 1e-12);
            }
            // a zero map has no relative sensitivity: NaN and counted, not hidden
            MaxSensitivity.Result z = MaxSensitivity.evaluate(be, new GradientTimesInput(), x, Tensor.zeros(x.shape()), 2, 0.05, 4);
            assertEquals(2, z.undefinedSamples());
            assertTrue(Double.isNaN(z.mean()));
        }
    }
}
