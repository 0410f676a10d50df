package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.baseline.GradientTimesInput;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/** The patch grid and the AOPC protocol of record, against curves computed by hand. */
class AopcTest {

    @Test
    void patchGridOn28x28() {
        PatchGrid g2 = new PatchGrid(Shape.of(1, 28, 28), 2);
        assertEquals(196, g2.count());
        assertEquals(14, g2.rows());
        PatchGrid g4 = new PatchGrid(Shape.of(1, 28, 28), 4);
        assertEquals(49, g4.count());
        PatchGrid g1 = new PatchGrid(Shape.of(1, 28, 28), 1);
        assertEquals(784, g1.count());
        // k = 3 does not divide 28: the last row and column of patches hold one pixel line
        PatchGrid g3 = new PatchGrid(Shape.of(1, 28, 28), 3);
        assertEquals(100, g3.count());
        assertEquals(9, g3.members(0).length);
        assertEquals(3, g3.members(9).length);   // row 0, last column: 3 rows x 1 column
        assertEquals(1, g3.members(99).length);  // the corner
        assertArrayEquals(new int[] {27 * 28 + 27}, g3.members(99));
        assertPartition(g3, 784);
        assertPartition(g2, 784);
        // the default s = 1% of the patches
        assertEquals(2, AopcOptions.defaults().resolvedStepPatches(196));
        assertEquals(8, AopcOptions.defaults().resolvedStepPatches(784));
        assertEquals(1, AopcOptions.defaults().resolvedStepPatches(49));
    }

    @Test
    void patchGridOn5x7WithThreeChannelsPadsTheLastRowAndColumn() {
        PatchGrid g = new PatchGrid(Shape.of(3, 5, 7), 2);
        assertEquals(3, g.rows());
        assertEquals(4, g.cols());
        assertEquals(12, g.count());
        // patch 3: row 0, column 3 covers pixels (0,6) and (1,6) in all three channels
        assertArrayEquals(new int[] {6, 13, 35 + 6, 35 + 13, 70 + 6, 70 + 13}, g.members(3));
        // patch 8: row 2 (pixel row 4 only), column 0: (4,0), (4,1)
        assertArrayEquals(new int[] {28, 29, 63, 64, 98, 99}, g.members(8));
        assertArrayEquals(new int[] {34, 69, 104}, g.members(11));
        assertPartition(g, 105);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AopcOptions.defaults().resolvedStepPatches(12));
        assertTrue(e.getMessage().contains("only 12 patches"), e.getMessage());
    }

    private static void assertPartition(PatchGrid g, int d) {
        int[] seen = new int[d];
        for (int p = 0; p < g.count(); p++) {
            for (int i : g.members(p)) {
                seen[i]++;
            }
        }
        for (int i = 0; i < d; i++) {
            assertEquals(1, seen[i], "value " + i + " must be in exactly one patch");
        }
    }

    /** softmax_y of W v + b, by hand. */
    private static double prob(double[] w, double[] b, double[] v, int y, int c) {
        int d = v.length;
        double[] z = new double[c];
        double m = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < c; k++) {
            z[k] = b[k];
            for (int j = 0; j < d; j++) {
                z[k] += w[k * d + j] * v[j];
            }
            m = Math.max(m, z[k]);
        }
        double s = 0;
        for (int k = 0; k < c; k++) {
            s += Math.exp(z[k] - m);
        }
        return Math.exp(z[y] - m) / s;
    }

    @Test
    void aopcOnALinearModelWithAKnownRankingMatchesTheHandComputedCurve() {
        Network net = TestModels.randomLinear(41, 3, 1, 4, 4);
        double[] w = ((Dense) net.layers().get(1)).weight().data();
        double[] b = ((Dense) net.layers().get(1)).bias().data();
        Tensor x = TestModels.inputs(42, 1, 1, 4, 4);
        // an attribution whose 2x2 patch sums are [3, -1, 5, 0]: MoRF order 2, 0, 3, 1; LeRF 1, 3, 0, 2
        double[] sums = {3, -1, 5, 0};
        Tensor phi = Tensor.zeros(1, 1, 4, 4);
        for (int y = 0; y < 4; y++) {
            for (int xx = 0; xx < 4; xx++) {
                phi.data()[y * 4 + xx] = sums[(y / 2) * 2 + xx / 2] / 4;
            }
        }
        int[][] patchPixels = {{0, 1, 4, 5}, {2, 3, 6, 7}, {8, 9, 12, 13}, {10, 11, 14, 15}};
        AopcOptions opts = AopcOptions.defaults().withPatchSize(2).withSteps(3).withStepPatches(1);
        try (Backend be = Backends.cpu(net)) {
            int y = org.lde.engine.Evaluation.argmax(be.forward(x))[0];
            for (Object[] c : new Object[][] {{AopcOptions.Order.MORF, new int[] {2, 0, 3, 1}}, {AopcOptions.Order.LERF, new int[] {1, 3, 0, 2}}}) {
                AopcOptions.Order order = (AopcOptions.Order) c[0];
                int[] seq = (int[]) c[1];
                double[] v = x.data().clone();
                double[] curve = new double[4];
                curve[0] = prob(w, b, v, y, 3);
                for (int k = 1; k <= 3; k++) {
                    for (int p : patchPixels[seq[k - 1]]) {
                        v[p] = 0;
                    }
                    curve[k] = prob(w, b, v, y, 3);
                }
                double aopc = 0;
                double trap = 0;
                for (int k = 0; k <= 3; k++) {
                    aopc += (curve[0] - curve[k]) / 4;
                }
                for (int k = 0; k < 3; k++) {
                    trap += ((curve[0] - curve[k]) + (curve[0] - curve[k + 1])) / 2 / 3;
                }
                AopcResult r = Aopc.evaluate(be, "hand", x, phi, opts, order);
                assertArrayEquals(curve, r.meanCurve(), 1e-14);
                assertEquals(aopc, r.aopc(), 1e-14);
                assertEquals(2, r.patchSize());
                assertEquals(3, r.steps());
                assertEquals(1, r.stepPatches());
                assertEquals(4, r.patchCount());
                assertEquals(order, r.order());
                assertEquals(AopcOptions.Baseline.ZERO, r.baseline());
                AopcResult t = Aopc.evaluate(be, "hand", x, phi, opts.withAggregation(AopcOptions.Aggregation.TRAPEZOID), order);
                assertEquals(trap, t.aopc(), 1e-14);
            }
            // abs ranking of the negated map: |sums| = 3, 1, 5, 0 -> MoRF order 2, 0, 1, 3 (signed would be 1, 3, 0, 2)
            Tensor neg = phi.copy();
            for (int i = 0; i < 16; i++) {
                neg.data()[i] = -neg.data()[i];
            }
            AopcResult absNeg = Aopc.evaluate(be, "hand", x, neg, opts.withRanking(AopcOptions.Ranking.ABS), AopcOptions.Order.MORF);
            double[] v3 = x.data().clone();
            double[] absCurve = new double[4];
            absCurve[0] = prob(w, b, v3, y, 3);
            int[] absSeq = {2, 0, 1, 3};
            for (int k = 1; k <= 3; k++) {
                for (int p : patchPixels[absSeq[k - 1]]) {
                    v3[p] = 0;
                }
                absCurve[k] = prob(w, b, v3, y, 3);
            }
            assertArrayEquals(absCurve, absNeg.meanCurve(), 1e-14);
            assertEquals(AopcOptions.Ranking.ABS, absNeg.ranking());
            // baselines: image minimum and mean
            double min = Arrays.stream(x.data()).min().getAsDouble();
            double mean = Arrays.stream(x.data()).average().getAsDouble();
            for (Object[] c : new Object[][] {{AopcOptions.Baseline.IMAGE_MIN, min}, {AopcOptions.Baseline.IMAGE_MEAN, mean}}) {
                double[] v = x.data().clone();
                for (int p : patchPixels[2]) {
                    v[p] = (double) c[1];
                }
                AopcResult r = Aopc.evaluate(be, "hand", x, phi, opts.withBaseline((AopcOptions.Baseline) c[0]), AopcOptions.Order.MORF);
                assertEquals(prob(w, b, v, y, 3), r.probabilities().get(0, 1), 1e-14);
            }
            // random order: a permutation from Rng(seed), reproducible
            AopcResult r1 = Aopc.evaluate(be, "hand", x, phi, opts.withSeed(9), AopcOptions.Order.RANDOM);
            int[] perm = new Rng(9).permutation(4);
            double[] v = x.data().clone();
            for (int p : patchPixels[perm[0]]) {
                v[p] = 0;
            }
            assertEquals(prob(w, b, v, y, 3), r1.probabilities().get(0, 1), 1e-14);
            assertEquals(r1.aopc(), Aopc.evaluate(be, "hand", x, phi, opts.withSeed(9), AopcOptions.Order.RANDOM).aopc(), 0);
        }
    }

    @Test
    void gradientTimesInputBeatsItsReverseOnALinearModel() {
        // For a linear model, removing the patches with the largest w_y x sum first lowers f_y fastest.
        Network net = TestModels.randomLinear(51, 4, 1, 8, 8);
        Tensor x = TestModels.inputs(52, 6, 1, 8, 8);
        try (Backend be = Backends.cpu(net)) {
            AopcOptions o = AopcOptions.defaults().withSteps(8).withStepPatches(1);
            AopcResult morf = Aopc.evaluate(be, new GradientTimesInput(), x, o, AopcOptions.Order.MORF);
            AopcResult lerf = Aopc.evaluate(be, new GradientTimesInput(), x, o, AopcOptions.Order.LERF);
            AopcResult rnd = Aopc.evaluate(be, new GradientTimesInput(), x, o, AopcOptions.Order.RANDOM);
            assertTrue(morf.aopc() > rnd.aopc() && rnd.aopc() > lerf.aopc(), morf.aopc() + " > " + rnd.aopc() + " > " + lerf.aopc());
            assertEquals(6, morf.perSample().length);
            // building the removal images in groups of samples changes nothing
            AopcResult grouped = Aopc.evaluate(be, new GradientTimesInput(), x, o.withChunkRows(10), AopcOptions.Order.MORF);
            assertArrayEquals(morf.perSample(), grouped.perSample(), 1e-15);
            assertEquals(Shape.of(6, 9), morf.probabilities().shape());
        }
    }

    @Test
    void mismatchedAttributionsAreRejected() {
        try (Backend be = Backends.cpu(TestModels.randomLinear(1, 2, 1, 4, 4))) {
            Tensor x = TestModels.inputs(1, 2, 1, 4, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Aopc.evaluate(be, "m", x, Tensor.zeros(1, 1, 4, 4), AopcOptions.defaults().withSteps(2), AopcOptions.Order.MORF));
            assertTrue(e.getMessage().contains("do not match"), e.getMessage());
            Tensor nan = Tensor.zeros(2, 1, 4, 4);
            nan.data()[3] = Double.NaN;
            assertThrows(IllegalArgumentException.class,
                    () -> Aopc.evaluate(be, "m", x, nan, AopcOptions.defaults().withSteps(2), AopcOptions.Order.MORF));
            assertThrows(IllegalArgumentException.class, () -> AopcOptions.defaults().withSteps(0));
            assertThrows(IllegalArgumentException.class, () -> AopcOptions.defaults().withPatchSize(0));
        }
    }
}
