package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.baseline.GradientTimesInput;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/** Infidelity and max-sensitivity with caller-supplied noise, against closed forms on a linear model. */
class GivenNoiseTest {
    private static final double[] W = {0.8, -0.6, 1.5, 0.3};

    @Test
    void infidelityWithGivenNoiseIsTheMeanSquaredProjectionOfPhiMinusW() {
        // f_0 = 0, f_1 = w^T x + 0.2: Delta = f_1(x) - f_1(x - I) = w^T I, so INFD = mean_k ((phi - w)^T I_k)^2
        Network net = TestModels.binaryLinear(W, 0.2);
        Tensor x = Tensor.of(Shape.of(2, 4), 0.5, 0.1, 0.6, 0.3, 0.9, 0.4, 0.2, 0.7);
        Tensor phi = Tensor.of(Shape.of(2, 4), 1, 0, 1, 0, 0.8, -0.6, 1.5, 0.3);
        Tensor noise = new Rng(3).uniform(Shape.of(6, 4), -0.2, 0.2);
        try (Backend be = Backends.cpu(net)) {
            Infidelity.Result r = Infidelity.evaluateWithNoise(be, "m", x, phi, noise);
            assertTrue(r.givenNoise());
            assertEquals(3, r.samples());
            double[] per = r.perSample();
            // sample 0
            double want = 0;
            double num = 0;
            double den = 0;
            double[] a = new double[3];
            double[] dl = new double[3];
            for (int k = 0; k < 3; k++) {
                for (int j = 0; j < 4; j++) {
                    double e = noise.data()[k * 4 + j];
                    a[k] += phi.data()[j] * e;
                    dl[k] += W[j] * e;
                }
                want += (a[k] - dl[k]) * (a[k] - dl[k]) / 3;
                num += a[k] * dl[k];
                den += a[k] * a[k];
            }
            assertEquals(want, per[0], 1e-14);
            double beta = num / den;
            double norm = 0;
            for (int k = 0; k < 3; k++) {
                norm += (beta * a[k] - dl[k]) * (beta * a[k] - dl[k]) / 3;
            }
            assertEquals(norm, r.perSampleNormalized()[0], 1e-14);
            // sample 1 is the exact linear attribution: 0
            assertEquals(0, per[1], 1e-14);
            // the seeded path is the given path with sigma * gaussian draws in the order sample, draw, feature
            Rng rng = new Rng(7);
            Tensor e = Tensor.zeros(8, 4);
            for (int i = 0; i < e.size(); i++) {
                e.data()[i] = 0.1 * rng.gaussian();
            }
            assertEquals(Infidelity.evaluate(be, "m", x, phi, 4, 0.1, 7).mean(), Infidelity.evaluateWithNoise(be, "m", x, phi, e).mean(), 1e-15);
            assertThrows(IllegalArgumentException.class, () -> Infidelity.evaluateWithNoise(be, "m", x, phi, Tensor.zeros(3, 4)));
        }
    }

    @Test
    void maxSensitivityWithGivenNoiseIsTheLargestRelativeChangeOfWTimesX() {
        // gradient x input on a linear model: phi(x) = w_1 * x, phi(x + u) - phi(x) = w_1 * u
        Network net = TestModels.binaryLinear(W, 0.2);
        Tensor x = Tensor.of(Shape.of(1, 4), 0.5, 0.1, 0.6, 0.3);
        Tensor noise = Tensor.of(Shape.of(2, 4), 0.01, 0.02, -0.03, 0.0, -0.05, 0.01, 0.02, 0.04);
        try (Backend be = Backends.cpu(net)) {
            GradientTimesInput gxi = new GradientTimesInput();
            Tensor phi = gxi.attribute(be, x, new int[] {1});
            MaxSensitivity.Result r = MaxSensitivity.evaluateWithNoise(be, gxi, x, phi, noise, false);
            double base = 0;
            for (int j = 0; j < 4; j++) {
                base += W[j] * x.data()[j] * W[j] * x.data()[j];
            }
            double mx = 0;
            for (int k = 0; k < 2; k++) {
                double s = 0;
                for (int j = 0; j < 4; j++) {
                    double d = W[j] * noise.data()[k * 4 + j];
                    s += d * d;
                }
                mx = Math.max(mx, Math.sqrt(s));
            }
            assertEquals(mx / Math.sqrt(base), r.mean(), 1e-14);
            assertTrue(r.givenNoise());
            assertEquals(0.05, r.radius(), 0);
            assertEquals(2, r.samples());
        }
    }
}
