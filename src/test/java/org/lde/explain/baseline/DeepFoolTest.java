package org.lde.explain.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;
import org.lde.engine.Evaluation;

/** DeepFool's closed form on linear models, verification on a CNN, and the boundary attributions. */
class DeepFoolTest {

    @Test
    void deepFoolFlipsALinearBinaryModelWithTheClosedFormMinimalPerturbationTimesOvershoot() {
        Network net = TestModels.randomLinear(11, 2, 6);
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        double[] b = ((Dense) net.layers().get(0)).bias().data();
        Tensor x = TestModels.inputs(12, 4, 6);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            DeepFool df = new DeepFool().withOvershoot(0.05);
            DeepFool.Result r = df.run(be, x, y);
            for (int i = 0; i < 4; i++) {
                int k = 1 - y[i];
                double[] dw = new double[6];
                double g = b[k] - b[y[i]];
                double nn = 0;
                for (int j = 0; j < 6; j++) {
                    dw[j] = w[k * 6 + j] - w[y[i] * 6 + j];
                    g += dw[j] * x.data()[i * 6 + j];
                    nn += dw[j] * dw[j];
                }
                double norm = Math.sqrt(nn);
                double len = 1.05 * (Math.abs(g) / norm + DeepFool.STEP_SLACK);
                for (int j = 0; j < 6; j++) {
                    assertEquals(len * dw[j] / norm, r.perturbation().data()[i * 6 + j], 1e-12);
                }
                assertEquals(len, r.norms()[i], 1e-12);
                assertTrue(r.verified()[i]);
                assertEquals(k, r.adversarialClass()[i]);
                assertEquals(1, r.iterations()[i]);
            }
            assertEquals(0, df.attribute(be, x, y).maxAbsDiff(r.perturbation()));
        }
    }

    @Test
    void onAMulticlassLinearModelDeepFoolIsNoShorterThanTheNearestHyperplane() {
        Network net = TestModels.randomLinear(13, 5, 8);
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        double[] b = ((Dense) net.layers().get(0)).bias().data();
        Tensor x = TestModels.inputs(14, 6, 8);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            DeepFool.Result r = new DeepFool().run(be, x, y);
            int[] at = Evaluation.argmax(be.forward(r.adversarial()));
            for (int i = 0; i < 6; i++) {
                double nearest = Double.POSITIVE_INFINITY;
                for (int k = 0; k < 5; k++) {
                    if (k == y[i]) {
                        continue;
                    }
                    double g = b[k] - b[y[i]];
                    double nn = 0;
                    for (int j = 0; j < 8; j++) {
                        double dw = w[k * 8 + j] - w[y[i] * 8 + j];
                        g += dw * x.data()[i * 8 + j];
                        nn += dw * dw;
                    }
                    nearest = Math.min(nearest, Math.abs(g) / Math.sqrt(nn));
                }
                assertTrue(r.verified()[i]);
                assertTrue(at[i] != y[i]);
                assertEquals(at[i], r.adversarialClass()[i]);
                assertTrue(r.norms()[i] >= nearest * (1 - 1e-12), r.norms()[i] + " < " + nearest);
            }
        }
    }

    @Test
    void deepFoolVerifiesEveryFlipOnACnnAndBoundaryAttributionsAreAnchoredThere() {
        Network net = TestModels.smallCnn(21);
        Tensor x = TestModels.inputs(22, 5, 1, 8, 8);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            DeepFool.Result r = new DeepFool().run(be, x, y);
            assertEquals(5, r.verifiedCount());
            int[] at = Evaluation.argmax(be.forward(r.adversarial()));
            for (int i = 0; i < 5; i++) {
                assertTrue(at[i] != y[i]);
                assertEquals(at[i], r.adversarialClass()[i]);
            }
            // BIG: completeness against f_y(x) - f_y(x') up to quadrature error
            Tensor big = BoundaryAttributions.big().attribute(be, x, y);
            Tensor fx = be.forward(x);
            Tensor fa = be.forward(r.adversarial());
            for (int i = 0; i < 5; i++) {
                double s = 0;
                for (int j = 0; j < 64; j++) {
                    s += big.data()[i * 64 + j];
                }
                double want = fx.get(i, y[i]) - fa.get(i, y[i]);
                assertEquals(want, s, 0.05 * Math.abs(want) + 1e-6);
            }
        }
    }

    @Test
    void boundaryAttributionsOnALinearModelAreTheMarginNormalAndTheExactPathIntegral() {
        Network net = TestModels.randomLinear(31, 2, 5);
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        Tensor x = TestModels.inputs(32, 3, 5);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            Tensor bsm = BoundaryAttributions.bsm().attribute(be, x, y);
            DeepFool.Result r = new DeepFool().run(be, x, y);
            Tensor big = BoundaryAttributions.big().attribute(be, x, y);
            for (int i = 0; i < 3; i++) {
                int k = 1 - y[i];
                for (int j = 0; j < 5; j++) {
                    assertEquals(w[y[i] * 5 + j] - w[k * 5 + j], bsm.data()[i * 5 + j], 1e-12);
                    double dx = x.data()[i * 5 + j] - r.adversarial().data()[i * 5 + j];
                    assertEquals(w[y[i] * 5 + j] * dx, big.data()[i * 5 + j], 1e-12);
                }
            }
        }
    }
}
