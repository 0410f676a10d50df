package org.lde.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.Loss;
import org.lde.engine.LossValue;
import org.lde.engine.OptimizerSpec;
import org.lde.engine.OptimizerState;
import org.lde.engine.ParameterGradients;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.model.Architectures;
import org.lde.model.AvgPool2d;
import org.lde.model.BatchNorm2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

class EjmlBackendTest {

    /** {@code [1, 2, 2]} input, one pooling layer with the given window, then Flatten and a Dense that sums with weights 1..k. */
    private static Network poolNet(Layer pool, int pooled) {
        double[] w = new double[pooled];
        for (int i = 0; i < pooled; i++) {
            w[i] = i + 1;
        }
        return new Network(Shape.of(1, 2, 2), List.of(pool, new Flatten("flat"),
                new Dense("fc", pooled, 2, Tensor.of(Shape.of(2, pooled), concat(w, new double[pooled])), Tensor.zeros(2))),
                Task.CLASSIFICATION, List.of(), 0, 1);
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = new double[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void maxPoolGradientGoesToTheFirstMaximumInRowMajorOrder() {
        Network net = poolNet(new MaxPool2d("pool", 2, 2, 2, 2, 0, 0), 1);
        try (Backend b = new EjmlBackend(net)) {
            // ties everywhere: the first cell (0, 0) takes the gradient
            Tensor x = Tensor.of(Shape.of(2, 1, 2, 2), 0.5, 0.5, 0.5, 0.5, /* second sample */ 0.1, 0.7, 0.3, 0.7);
            try (Recorded rec = b.forwardRecorded(x)) {
                Tensor g = b.reverse(rec, Seeds.margin(new int[] {0, 0}, new int[] {1, 1}, 2));
                assertArrayEquals(new double[] {1, 0, 0, 0, /* tie between (0,1) and (1,1): first is (0,1) */ 0, 1, 0, 0},
                        g.data(), 0.0);
                assertArrayEquals(new double[] {0.5, 0, 0.7, 0}, rec.logits().data(), 0.0);
            }
        }
    }

    @Test
    void maxPoolPaddingIsMinusInfinityAndAvgPoolCountsPadding() {
        Tensor x = Tensor.of(Shape.of(1, 1, 2, 2), -1, -2, -3, -4);
        // 2x2 window, stride 2, padding 1: four windows, each holding one real cell and three padding cells
        Network max = poolNet(new MaxPool2d("pool", 2, 2, 2, 2, 1, 1), 4);
        Network avg = poolNet(new AvgPool2d("pool", 2, 2, 2, 2, 1, 1), 4);
        try (Backend bm = new EjmlBackend(max); Backend ba = new EjmlBackend(avg);
             Recorded rm = bm.forwardRecorded(x); Recorded ra = ba.forwardRecorded(x)) {
            assertArrayEquals(new double[] {-1, -2, -3, -4}, bm.layerOutput(rm, "pool").data(), 0.0);
            assertArrayEquals(new double[] {-0.25, -0.5, -0.75, -1}, ba.layerOutput(ra, "pool").data(), 0.0);
            // d(sum_k (k+1) pool_k)/dx: max passes weights 1..4 through, avg divides them by kH*kW = 4
            Tensor seed = Seeds.identity(1, 2);
            assertArrayEquals(new double[] {1, 2, 3, 4, 0, 0, 0, 0}, bm.reverse(rm, seed).data(), 0.0);
            assertArrayEquals(new double[] {0.25, 0.5, 0.75, 1, 0, 0, 0, 0}, ba.reverse(ra, seed).data(), 0.0);
        }
    }

    @Test
    void reluDerivativeAtZeroIsZero() {
        Network net = Network.builder(2).seed(1).add(new Dense("fc1", 2, 2, Tensor.of(Shape.of(2, 2), 1, 0, 0, 1), Tensor.zeros(2)))
                .relu().add(new Dense("fc2", 2, 2, Tensor.of(Shape.of(2, 2), 1, 1, 0, 0), Tensor.zeros(2))).build();
        try (Backend b = new EjmlBackend(net); Recorded rec = b.forwardRecorded(Tensor.of(Shape.of(1, 2), 0, 2))) {
            assertArrayEquals(new double[] {0, 1}, b.reverse(rec, Seeds.identity(1, 2)).reshape(2, 2).row(0).data(), 0.0);
        }
    }

    @Test
    void batchedJacobianEqualsSeparateSingleSeedPasses() {
        Network net = Architectures.fashionCnn(3);
        Rng rng = new Rng(5);
        Tensor x = rng.uniform(Shape.of(3, 1, 28, 28), 0, 1);
        try (Backend b = Backends.cpu(net); Recorded rec = b.forwardRecorded(x)) {
            Tensor jac = b.reverse(rec, Seeds.identity(3, 10));
            assertEquals(Shape.of(3, 10, 1, 28, 28), jac.shape());
            for (int c = 0; c < 10; c += 3) {
                int[] a = {c, c, c};
                Tensor seeds = Tensor.zeros(3, 1, 10);
                for (int n = 0; n < 3; n++) {
                    seeds.data()[n * 10 + c] = 1;
                }
                Tensor one = b.reverse(rec, seeds);
                for (int n = 0; n < 3; n++) {
                    for (int k = 0; k < 784; k++) {
                        assertEquals(jac.data()[(n * 10 + a[n]) * 784 + k], one.data()[n * 784 + k], 1e-12);
                    }
                }
            }
            // samples split into groups of one (a tiny reverse-pass bound) give the same numbers
            try (Backend grouped = new EjmlBackend(net, 1); Recorded rg = grouped.forwardRecorded(x)) {
                assertArrayEquals(jac.data(), grouped.reverse(rg, Seeds.identity(3, 10)).data(), 0.0);
                assertArrayEquals(b.layerGradient(rec, "conv2", Seeds.identity(3, 10)).data(),
                        grouped.layerGradient(rg, "conv2", Seeds.identity(3, 10)).data(), 0.0);
            }
            assertThrows(IllegalArgumentException.class, () -> new EjmlBackend(net, 0));
            // the 10-class layer gradient at the last layer is the seed itself
            assertArrayEquals(Seeds.identity(3, 10).data(), b.layerGradient(rec, "fc2", Seeds.identity(3, 10)).data(), 0.0);
        }
    }

    @Test
    void batchNormIsFoldedAndTheCallersNetworkIsNotTrained() {
        Network net = Network.builder(1, 6, 6).seed(2).conv2d("conv", 2, 3, 3, 1, 1, 0, 0).batchNorm("bn").relu()
                .flatten().dense("fc", 3).build();
        double w0 = net.layers().get(0).parameters().get(0).value().data()[0];
        try (Backend b = new EjmlBackend(net); OptimizerState opt = b.optimizer(OptimizerSpec.sgd(0.5, 0))) {
            assertFalse(b.network().layers().stream().anyMatch(l -> l instanceof BatchNorm2d));
            assertEquals(List.of("conv.weight", "conv.bias", "fc.weight", "fc.bias"),
                    b.network().trainableParameters().stream().map(Layer.Parameter::name).toList());
            Tensor x = new Rng(1).uniform(Shape.of(2, 1, 6, 6), 0, 1);
            try (Recorded rec = b.forwardRecorded(x)) {
                // the folded conv outputs what the BatchNorm did; the BatchNorm's name is an alias of it
                assertArrayEquals(b.layerOutput(rec, "conv").data(), b.layerOutput(rec, "bn").data(), 0.0);
                double[] x0 = x.row(0).data();
                double[] bnOut = NaiveNetwork.layerOutputs(net, x0)[1];
                assertTrue(EjmlBackendProperties.relErr(java.util.Arrays.copyOf(b.layerOutput(rec, "bn").data(), bnOut.length), bnOut) < 1e-12);
            }
            Network before = b.snapshot();
            try (Recorded rec = b.forwardRecorded(x)) {
                b.step(opt, b.parameterGradients(rec, Tensor.of(Shape.of(2, 3), 1, 2, 3, 4, 5, 6)));
            }
            assertEquals(w0, net.layers().get(0).parameters().get(0).value().data()[0], 0.0, "caller's network changed");
            // fc.bias gets the column sums of outputGrad: [5, 7, 9]; SGD(lr 0.5) moves it by -[2.5, 3.5, 4.5]
            Tensor bias = b.snapshot().trainableParameters().get(3).value();
            Tensor biasBefore = before.trainableParameters().get(3).value();
            for (int k = 0; k < 3; k++) {
                assertEquals(biasBefore.data()[k] - 0.5 * (5 + 2 * k), bias.data()[k], 1e-12);
            }
            assertTrue(bias != b.snapshot().trainableParameters().get(3).value(), "snapshot must be a copy");
        }
    }

    // ---- optimizers ---------------------------------------------------------------------------

    /** Dense 1 -> 2 with weight [1, -2], bias [0.5, 3]; gradients are given, not computed. */
    private static Network tiny() {
        return new Network(Shape.of(1), List.of(new Dense("fc", 1, 2, Tensor.of(Shape.of(2, 1), 1, -2),
                Tensor.of(Shape.of(2), 0.5, 3))), Task.CLASSIFICATION, List.of(), 0, 1);
    }

    private static ParameterGradients grads(double w0, double w1, double b0, double b1) {
        return new ParameterGradients(List.of(Tensor.of(Shape.of(2, 1), w0, w1), Tensor.of(Shape.of(2), b0, b1)));
    }

    private static double[] params(Backend b) {
        Network s = b.snapshot();
        Dense d = (Dense) s.layers().get(0);
        return new double[] {d.weight().data()[0], d.weight().data()[1], d.bias().data()[0], d.bias().data()[1]};
    }

    @Test
    void sgdWithMomentumAndWeightDecayMatchesHandComputedPyTorchSteps() {
        // parameter fc.weight[0] = 1, constant gradient 0.5, lr 0.1, momentum 0.9, weight decay 0.1 (torch.optim.SGD):
        // g1 = 0.5 + 0.1*1 = 0.6, v1 = 0.6, p1 = 0.94
        // g2 = 0.5 + 0.094 = 0.594, v2 = 0.54 + 0.594 = 1.134, p2 = 0.8266
        // g3 = 0.5 + 0.08266 = 0.58266, v3 = 1.0206 + 0.58266 = 1.60326, p3 = 0.666274
        double[] expected = {0.94, 0.8266, 0.666274};
        try (Backend b = new EjmlBackend(tiny());
             OptimizerState st = b.optimizer(new OptimizerSpec(OptimizerSpec.Kind.SGD, 0.1, 0.9, 0.9, 0.999, 1e-8, 0.1))) {
            for (int t = 0; t < 3; t++) {
                b.step(st, grads(0.5, 0, 0, 0));
                assertEquals(expected[t], params(b)[0], 1e-12, "SGD step " + (t + 1));
                assertEquals(t + 1, st.steps());
            }
            // zero gradient: the other parameters move by weight decay and momentum only
            // p = -2: g = -0.2, v1 = -0.2, p1 = -1.98; g2 = -0.198, v2 = -0.378, p2 = -1.9422;
            // g3 = -0.19422, v3 = -0.3402 - 0.19422 = -0.53442, p3 = -1.888758
            assertEquals(-1.888758, params(b)[1], 1e-12);
        }
        // plain SGD without momentum: p -= lr g
        try (Backend b = new EjmlBackend(tiny()); OptimizerState st = b.optimizer(OptimizerSpec.sgd(0.25, 0))) {
            b.step(st, grads(1, 2, 3, 4));
            assertArrayEquals(new double[] {0.75, -2.5, -0.25, 2}, params(b), 1e-15);
        }
    }

    @Test
    void adamMatchesTorchOptimAdam() {
        // With a constant gradient g, Adam's bias-corrected moments are exactly g and g^2, so every
        // step moves p by lr * g / (|g| + eps) (closed form, independent of the recursion).
        try (Backend b = new EjmlBackend(tiny()); OptimizerState st = b.optimizer(OptimizerSpec.adam(0.1))) {
            for (int t = 1; t <= 3; t++) {
                b.step(st, grads(0.5, -3, 1e-3, 0));
                double[] p = params(b);
                assertEquals(1 - t * 0.1 * 0.5 / (0.5 + 1e-8), p[0], 1e-12, "step " + t);
                assertEquals(-2 + t * 0.1 * 3 / (3 + 1e-8), p[1], 1e-12);
                assertEquals(0.5 - t * 0.1 * 1e-3 / (1e-3 + 1e-8), p[2], 1e-12);
                assertEquals(3, p[3], 0.0, "zero gradient, zero moments: no move");
            }
        }
        // changing gradients with weight decay, against torch.optim.Adam's algorithm written out:
        // g += wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
        double lr = 0.05, b1 = 0.8, b2 = 0.99, eps = 1e-3, wd = 0.2;
        double[][] gs = {{0.3, -1, 2, 0.1}, {-0.7, 0.5, 1, 0}, {0.2, 0.2, -3, 4}};
        double[] p = {1, -2, 0.5, 3}, m = new double[4], v = new double[4];
        try (Backend b = new EjmlBackend(tiny());
             OptimizerState st = b.optimizer(new OptimizerSpec(OptimizerSpec.Kind.ADAM, lr, 0, b1, b2, eps, wd))) {
            for (int t = 1; t <= 3; t++) {
                for (int k = 0; k < 4; k++) {
                    double g = gs[t - 1][k] + wd * p[k];
                    m[k] = b1 * m[k] + (1 - b1) * g;
                    v[k] = b2 * v[k] + (1 - b2) * g * g;
                    double mhat = m[k] / (1 - Math.pow(b1, t));
                    double vhat = v[k] / (1 - Math.pow(b2, t));
                    p[k] -= lr * mhat / (Math.sqrt(vhat) + eps);
                }
                b.step(st, grads(gs[t - 1][0], gs[t - 1][1], gs[t - 1][2], gs[t - 1][3]));
                assertArrayEquals(p, params(b), 1e-12, "Adam step " + t);
            }
        }
    }

    /** A small CNN learns "is the left half brighter than the right half" with either optimizer. */
    @Test
    void trainingLoopLearnsASimpleTask() {
        for (OptimizerSpec spec : List.of(OptimizerSpec.adam(0.01), OptimizerSpec.sgd(0.05, 0.9))) {
            Network net = Network.builder(1, 6, 7).seed(11).conv2d("conv", 4, 3, 3, 1, 1, 1, 1).relu().maxPool(2, 2)
                    .flatten().dense("fc", 2).build();
            Rng rng = new Rng(12);
            try (Backend b = new EjmlBackend(net); OptimizerState opt = b.optimizer(spec)) {
                double first = 0, last = 0;
                int correct = 0;
                for (int it = 0; it < 300; it++) {
                    Tensor x = rng.uniform(Shape.of(32, 1, 6, 7), 0, 1);
                    Tensor y = Tensor.zeros(32);
                    for (int n = 0; n < 32; n++) {
                        double diff = 0;
                        for (int r = 0; r < 6; r++) {
                            for (int c = 0; c < 7; c++) {
                                diff += c < 3 ? x.get(n, 0, r, c) : c > 3 ? -x.get(n, 0, r, c) : 0;
                            }
                        }
                        y.data()[n] = diff > 0 ? 1 : 0;
                    }
                    try (Recorded rec = b.forwardRecorded(x)) {
                        LossValue l = b.loss(rec.logits(), y, Loss.SOFTMAX_CROSS_ENTROPY);
                        b.step(opt, b.parameterGradients(rec, l.gradient()));
                        first = it == 0 ? l.value() : first;
                        last = l.value();
                        correct = it >= 250 ? correct + l.correct() : 0;
                    }
                }
                assertTrue(last < 0.5 * first, spec.kind() + ": loss " + first + " -> " + last);
                assertTrue(correct > 0.85 * 50 * 32, spec.kind() + ": accuracy over the last 50 batches " + correct / 1600.0);
            }
        }
    }

    // ---- loss ---------------------------------------------------------------------------------

    @Test
    void crossEntropyIsStableForHugeLogits() {
        try (Backend b = new EjmlBackend(tiny())) {
            LossValue l = b.loss(Tensor.of(Shape.of(2, 2), 1000, 0, -1000, 1000), Tensor.of(Shape.of(2), 1, 1),
                    Loss.SOFTMAX_CROSS_ENTROPY);
            assertEquals(500, l.value(), 1e-9); // (1000 + 0) / 2
            assertArrayEquals(new double[] {0.5, -0.5, 0, 0}, l.gradient().data(), 1e-12);
            assertEquals(1, l.correct());
        }
    }

    // ---- errors -------------------------------------------------------------------------------

    private static void assertMessage(Class<? extends Throwable> type, Executable e, String... parts) {
        Throwable t = assertThrows(type, e);
        for (String p : parts) {
            assertTrue(t.getMessage().contains(p), "message '" + t.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void badInputsAreRejectedWithClearMessages() {
        Network net = Network.builder(1, 5, 5).seed(4).conv2d("conv", 2, 3, 3, 1, 1, 1, 1).relu().flatten().dense("fc", 3).build();
        try (Backend b = new EjmlBackend(net); Backend other = new EjmlBackend(net)) {
            Tensor x = new Rng(0).uniform(Shape.of(2, 1, 5, 5), 0, 1);
            assertMessage(IllegalArgumentException.class, () -> b.forward(Tensor.zeros(2, 25)), "input x", "[N, 1, 5, 5]", "[2, 25]");
            assertMessage(IllegalArgumentException.class, () -> b.forward(Tensor.zeros(0, 1, 5, 5)), "N >= 1");
            Tensor bad = x.copy();
            bad.data()[7] = Double.NaN;
            assertMessage(IllegalArgumentException.class, () -> b.forwardRecorded(bad), "input x", "NaN", "index 7");
            try (Recorded rec = b.forwardRecorded(x)) {
                assertMessage(IllegalArgumentException.class, () -> b.reverse(rec, Tensor.zeros(2, 1, 4)), "seeds", "[2, S, 3]", "[2, 1, 4]");
                assertMessage(IllegalArgumentException.class, () -> b.reverse(rec, Tensor.zeros(3, 1, 3)), "seeds", "[3, 1, 3]");
                Tensor inf = Tensor.zeros(2, 2, 3);
                inf.data()[4] = Double.POSITIVE_INFINITY;
                assertMessage(IllegalArgumentException.class, () -> b.reverse(rec, inf), "seeds", "Infinity", "index 4");
                assertMessage(IllegalArgumentException.class, () -> b.layerOutput(rec, "nope"), "nope", "conv");
                assertMessage(IllegalArgumentException.class, () -> b.layerGradient(rec, "nope", Seeds.identity(2, 3)), "nope");
                assertMessage(IllegalArgumentException.class, () -> other.reverse(rec, Seeds.identity(2, 3)), "not made by this");
                assertMessage(IllegalArgumentException.class, () -> b.parameterGradients(rec, Tensor.zeros(2, 2)), "outputGrad", "[2, 3]");
            }
            Tensor logits = Tensor.zeros(2, 3);
            assertMessage(IllegalArgumentException.class, () -> b.loss(logits, Tensor.of(Shape.of(2), 0, 1.5),
                    Loss.SOFTMAX_CROSS_ENTROPY), "targets[1]", "1.5", "[0, 3)");
            assertMessage(IllegalArgumentException.class, () -> b.loss(logits, Tensor.of(Shape.of(2), 3, 0),
                    Loss.SOFTMAX_CROSS_ENTROPY), "targets[0]", "3.0");
            assertMessage(IllegalArgumentException.class, () -> b.loss(logits, Tensor.zeros(2, 3),
                    Loss.SOFTMAX_CROSS_ENTROPY), "[2]", "[2, 3]");
            assertMessage(IllegalArgumentException.class, () -> b.loss(logits, Tensor.zeros(2), Loss.MSE), "MSE targets", "[2, 3]");
            assertMessage(IllegalArgumentException.class, () -> b.loss(Tensor.zeros(2, 4), Tensor.zeros(2),
                    Loss.SOFTMAX_CROSS_ENTROPY), "logits", "[N, 3]");
            assertMessage(IllegalArgumentException.class, () -> Backends.open(net, "tpu"), "tpu", "cpu");
        }
    }

    @Test
    void closedOrStaleRecordedPassesAndForeignStateFailAndChangeNothing() {
        Network net = tiny();
        try (Backend b = new EjmlBackend(net); Backend other = new EjmlBackend(net);
             OptimizerState st = b.optimizer(OptimizerSpec.sgd(0.1, 0.9));
             OptimizerState foreign = other.optimizer(OptimizerSpec.sgd(0.1, 0.9))) {
            Tensor x = Tensor.of(Shape.of(1, 1), 0.3);
            Recorded rec = b.forwardRecorded(x);
            rec.close();
            assertMessage(IllegalStateException.class, () -> b.reverse(rec, Seeds.identity(1, 2)), "closed");
            assertMessage(IllegalStateException.class, () -> b.layerOutput(rec, "fc"), "closed");
            assertMessage(IllegalStateException.class, rec::logits, "closed");

            double[] before = params(b);
            assertMessage(IllegalArgumentException.class, () -> b.step(foreign, grads(1, 1, 1, 1)), "not created by this");
            assertMessage(IllegalArgumentException.class, () -> b.step(st, new ParameterGradients(List.of(Tensor.zeros(2, 1)))),
                    "1 gradients for 2");
            assertMessage(IllegalArgumentException.class, () -> b.step(st, new ParameterGradients(
                    List.of(Tensor.zeros(2, 1), Tensor.of(Shape.of(2), 0, Double.NaN)))), "fc.bias", "NaN");
            assertMessage(IllegalArgumentException.class, () -> b.step(st, new ParameterGradients(
                    List.of(Tensor.zeros(1, 2), Tensor.zeros(2)))), "fc.weight", "[1, 2]", "[2, 1]");
            assertArrayEquals(before, params(b), 0.0, "a rejected step changed parameters");
            assertEquals(0, st.steps());

            try (Recorded live = b.forwardRecorded(x)) {
                b.step(st, b.parameterGradients(live, Tensor.of(Shape.of(1, 2), 1, -1)));
                assertMessage(IllegalStateException.class, () -> b.reverse(live, Seeds.identity(1, 2)), "stale");
                assertEquals(1, st.steps());
            }
            OptimizerState closedState = b.optimizer(OptimizerSpec.adam(0.1));
            closedState.close();
            assertMessage(IllegalStateException.class, () -> b.step(closedState, grads(0, 0, 0, 0)), "closed");
        }
        Backend closed = new EjmlBackend(net);
        closed.close();
        assertMessage(IllegalStateException.class, () -> closed.forward(Tensor.zeros(1, 1)), "closed");
    }

    @Test
    void factoryOpensTheReferenceBackend() {
        try (Backend b = Backends.open(tiny(), " CPU ")) {
            assertEquals("ejml-f64", b.name());
            assertArrayEquals(new double[] {0.5 + 2, 3 - 4}, b.forward(Tensor.of(Shape.of(1, 1), 2)).data(), 0.0);
        }
    }
}
