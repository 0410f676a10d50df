package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.CountingBackend;
import org.lde.engine.dual.Objective;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;
import org.lde.engine.Evaluation;

/** FAB against closed forms (linear and piecewise-linear models), verification, seeding and pass counts. */
class FabTest {


    @Test
    void onALinearModelWithoutBindingBoxTheResultIsTheClosedFormMinimalPerturbationInEachNorm() {
        double[] w = {0.8, -0.5, 0.3, 0.6, -0.2};
        double b = -0.6;
        double[] x = {0.4, 0.5, 0.45, 0.35, 0.55};
        double m = b; // f_1 - f_0 at x
        for (int i = 0; i < 5; i++) {
            m += w[i] * x[i];
        }
        assertTrue(m < 0);
        double l2 = 0;
        double l1w = 0;
        double maxw = 0;
        for (double v : w) {
            l2 += v * v;
            l1w += Math.abs(v);
            maxw = Math.max(maxw, Math.abs(v));
        }
        double[] want = new double[5];
        try (Backend be = Backends.cpu(TestModels.binaryLinear(w, b))) {
            Tensor xt = new Tensor(Shape.of(1, 5), x);
            for (Objective o : Objective.values()) {
                double size;
                for (int i = 0; i < 5; i++) {
                    switch (o) {
                        case L2:
                            want[i] = -m * w[i] / l2; // -m w / ||w||^2
                            break;
                        case LINF:
                            want[i] = -m / l1w * Math.signum(w[i]); // (|m| / ||w||_1) sign(w)
                            break;
                        default:
                            want[i] = i == 0 ? -m / maxw : 0; // the largest |w_i| alone
                            break;
                    }
                }
                size = o == Objective.L2 ? -m / Math.sqrt(l2) : (o == Objective.LINF ? -m / l1w : -m / maxw);
                Fab.Result r = Fab.builder(o).iterations(1).restarts(1).build().run(be, xt, new int[] {0});
                assertTrue(r.verified()[0], o.toString());
                assertEquals(1, r.adversarialClass()[0]);
                assertEquals(size, r.normValue()[0], 1e-9 * size, o.toString());
                for (int i = 0; i < 5; i++) {
                    assertEquals(x[i] + want[i], r.adversarial().data()[i], 1e-9, o + " coordinate " + i);
                }
            }
        }
    }

    /**
     * With a binding box the minimal L2 perturbation is {@code clip(lambda w, tl, tu)} with
     * {@code w^T t = -m}; the test finds {@code lambda} by its own bisection (not the solver's breakpoints).
     */
    @Test
    void onALinearModelWithABindingBoxTheL2ResultMatchesAnIndependentBisection() {
        double[] w = {1.0, 0.9, 0.2, -0.1};
        double b = -1.9;
        double[] x = {0.95, 0.85, 0.3, 0.4};
        double m = b;
        for (int i = 0; i < 4; i++) {
            m += w[i] * x[i];
        }
        double lo = 0;
        double hi = 100;
        for (int it = 0; it < 200; it++) {
            double lam = (lo + hi) / 2;
            double reach = 0;
            for (int i = 0; i < 4; i++) {
                reach += w[i] * Math.min(1 - x[i], Math.max(-x[i], lam * w[i]));
            }
            if (reach < -m) {
                lo = lam;
            } else {
                hi = lam;
            }
        }
        double size = 0;
        double[] t = new double[4];
        for (int i = 0; i < 4; i++) {
            t[i] = Math.min(1 - x[i], Math.max(-x[i], hi * w[i]));
            size += t[i] * t[i];
        }
        size = Math.sqrt(size);
        assertEquals(1 - x[0], t[0], 1e-15, "the box binds on feature 0");
        try (Backend be = Backends.cpu(TestModels.binaryLinear(w, b))) {
            // The first step's projection (of z = x, and of x) is the minimal perturbation.
            Fab fab = Fab.builder(Objective.L2).restarts(1).build();
            double[] wm = w.clone();
            double[][] steps = fab.project(be, x.clone(), x.clone(), wm, new double[] {m}, 1, 4, 0, 1);
            for (int i = 0; i < 4; i++) {
                assertEquals(t[i], steps[0][i], 1e-12);
                assertEquals(t[i], steps[1][i], 1e-12);
            }
            // The extrapolated step is clipped to the box, so the iterates only approach it: within 1e-3
            // after the default 100 iterations (FAB's behaviour, not a tolerance of the projection).
            Fab.Result r = fab.run(be, new Tensor(Shape.of(1, 4), x), new int[] {0});
            assertTrue(r.verified()[0]);
            assertTrue(r.normValue()[0] >= size * (1 - 1e-12), "never below the minimum");
            assertEquals(size, r.normValue()[0], 1e-3 * size);
        }
    }

    @Test
    void onAMulticlassLinearModelTheNearestHyperplaneIsFoundInOneStep() {
        Network net = TestModels.randomLinear(13, 5, 8);
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        double[] bias = ((Dense) net.layers().get(0)).bias().data();
        Tensor x = new org.lde.tensor.Rng(14).uniform(Shape.of(6, 8), 0.3, 0.7);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            Fab.Result r = Fab.builder(Objective.L2).iterations(1).restarts(1).build().run(be, x, y);
            for (int i = 0; i < 6; i++) {
                double nearest = Double.POSITIVE_INFINITY;
                for (int k = 0; k < 5; k++) {
                    if (k == y[i]) {
                        continue;
                    }
                    double g = bias[k] - bias[y[i]];
                    double nn = 0;
                    for (int j = 0; j < 8; j++) {
                        double dw = w[k * 8 + j] - w[y[i] * 8 + j];
                        g += dw * x.data()[i * 8 + j];
                        nn += dw * dw;
                    }
                    nearest = Math.min(nearest, Math.abs(g) / Math.sqrt(nn));
                }
                assertTrue(r.verified()[i]);
                // the box [0, 1] does not bind at these distances: the closed form holds
                assertTrue(nearest < 0.3, "test setup: " + nearest);
                assertEquals(nearest, r.normValue()[i], 1e-9 * nearest, "sample " + i);
            }
        }
    }

    /**
     * A ReLU network on {@code [0, 1]^2} with {@code f_1 - f_0 = x1 + x2 + 2 relu(x1 - 0.3) - 0.9}: from
     * {@code (0.2, 0.2)} the linearization predicts distance {@code 0.5 / sqrt 2 = 0.354}, the true minimal
     * L2 perturbation lies on the other linear piece, {@code 3 x1 + x2 = 1.5}, at distance
     * {@code 0.7 / sqrt 10 = 0.2214} (point {@code (0.41, 0.27)}, inside that piece).
     */
    @Test
    void onAPiecewiseLinearModelFabFindsTheKnownMinimalPerturbation() {
        Network net = TestModels.twoPieceRelu();
        try (Backend be = Backends.cpu(net)) {
            Fab.Result r = Fab.builder(Objective.L2).build().run(be, Tensor.of(Shape.of(1, 2), 0.2, 0.2), new int[] {0});
            assertTrue(r.verified()[0]);
            double want = 0.7 / Math.sqrt(10);
            assertEquals(want, r.normValue()[0], 1e-6 * want);
            assertEquals(0.41, r.adversarial().data()[0], 1e-6);
            assertEquals(0.27, r.adversarial().data()[1], 1e-6);
        }
    }

    @Test
    void verifiedPointsFlipTheFloat64NetworkAndTheReportedNormIsThePointsNorm() {
        Network net = Network.builder(10).seed(13).dense(24).relu().dense(16).relu().dense(4).build();
        Tensor x = new org.lde.tensor.Rng(6).uniform(Shape.of(5, 10), 0, 1);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            int verified = 0;
            for (Objective o : Objective.values()) {
                Fab.Result r = Fab.builder(o).iterations(20).restarts(3).build().run(be, x, y);
                double[] lg = be.forward(r.adversarial()).data();
                for (int i = 0; i < 5; i++) {
                    if (!r.verified()[i]) {
                        assertEquals(Double.POSITIVE_INFINITY, r.normValue()[i]);
                        continue;
                    }
                    verified++;
                    assertTrue(Fab.adversarialMargin(lg, i, 4, y[i]) > 0, o + " sample " + i);
                    double want = Fab.distance(o, r.adversarial().data(), x.data(), i * 10, 10);
                    assertEquals(want, r.normValue()[i], 0, "the reported norm is the point's");
                    for (double v : r.adversarial().row(i).data()) {
                        assertTrue(v >= 0 && v <= 1, "inside the data box");
                    }
                }
            }
            assertTrue(verified >= 12, "verified " + verified + " of 15");
        }
    }

    @Test
    void seededRestartsRepeatExactlyAndOtherSeedsDrawOtherStarts() {
        Network net = TestModels.smallCnn(7);
        Tensor x = TestModels.inputs(8, 4, 1, 8, 8);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            Fab f = Fab.builder(Objective.LINF).iterations(6).restarts(4).seed(42).build();
            Fab.Result a = f.run(be, x, y);
            Fab.Result b = f.run(be, x, y);
            assertArrayEquals(a.adversarial().data(), b.adversarial().data(), 0);
            assertArrayEquals(a.normValue(), b.normValue(), 0);
            assertArrayEquals(a.restart(), b.restart());
        }
        // the starts themselves: restart 0 at x, the others at distance eps / 2 (no clipping this far inside)
        double[] xi = new org.lde.tensor.Rng(9).uniform(Shape.of(2, 30), 0.4, 0.6).data();
        for (Objective o : Objective.values()) {
            Fab f = Fab.builder(o).restarts(3).eps(0.1).seed(42).build();
            double[] s1 = f.starts(xi, new int[] {0, 1}, 30, 0, 1);
            assertArrayEquals(s1, f.starts(xi, new int[] {0, 1}, 30, 0, 1), 0);
            double[] s2 = Fab.builder(o).restarts(3).eps(0.1).seed(43).build().starts(xi, new int[] {0, 1}, 30, 0, 1);
            assertFalse(java.util.Arrays.equals(s1, s2));
            for (int q = 0; q < 6; q++) {
                double[] xr = java.util.Arrays.copyOfRange(xi, q / 3 * 30, q / 3 * 30 + 30);
                double dist = Fab.distance(o, s1, expand(xr, q), q * 30, 30);
                assertEquals(q % 3 == 0 ? 0 : 0.05, dist, 1e-12, o + " start " + q);
            }
        }
    }

    private static double[] expand(double[] row, int q) {
        double[] out = new double[(q + 1) * row.length];
        System.arraycopy(row, 0, out, q * row.length, row.length);
        return out;
    }

    @Test
    void onePassOfEachKindPerIterationForAllSamplesAndRestartsTogether() {
        Network net = TestModels.smallMlp(3, 6, 4);
        Tensor x = TestModels.inputs(4, 5, 6);
        try (CountingBackend be = new CountingBackend(Backends.cpu(net))) {
            int[] y = Evaluation.argmax(be.forward(x));
            be.reset();
            Fab.builder(Objective.L2).iterations(7).restarts(3).finalSearchSteps(0).build().run(be, x, y);
            CountingBackend.Counts k = be.counts();
            // one forward at x, then per iteration one recorded and one plain forward of the 15 iterates
            assertEquals(1 + 2 * 7, k.forwardCalls());
            assertEquals(5 + 2 * 7 * 15, k.forwardSamples());
            assertEquals(7, k.reverseCalls());
            assertEquals(7 * 15 * 4, k.reverseRows());
        }
    }

    @Test
    void badOptionsAndInputsAreRejectedWithTheirNames() {
        assertThrows(IllegalArgumentException.class, () -> Fab.builder(Objective.L2).iterations(0).build());
        assertThrows(IllegalArgumentException.class, () -> Fab.builder(Objective.L2).alphaMax(1.5).build());
        assertThrows(IllegalArgumentException.class, () -> Fab.builder(Objective.L2).eta(0.9).build());
        assertThrows(IllegalArgumentException.class, () -> Fab.builder(Objective.L2).beta(0).build());
        assertThrows(IllegalArgumentException.class, () -> Fab.builder(Objective.L2).eps(Double.NaN).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fab.builder(Objective.L2).eps(-1).build());
        assertTrue(e.getMessage().contains("eps"), e.getMessage());
        try (Backend be = Backends.cpu(TestModels.randomLinear(1, 3, 4))) {
            Tensor out = Tensor.of(Shape.of(1, 4), 0.1, 1.2, 0.3, 0.4);
            e = assertThrows(IllegalArgumentException.class, () -> Fab.builder(Objective.L2).build().run(be, out, new int[] {0}));
            assertTrue(e.getMessage().contains("1.2"), e.getMessage());
        }
    }
}
