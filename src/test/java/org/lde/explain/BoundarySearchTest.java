package org.lde.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.CountingBackend;
import org.lde.engine.dual.Objective;
import org.lde.model.Network;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;
import org.lde.engine.Evaluation;

/** The boundary-tracking outer loop against closed forms, the float64 network, its seeds and its pass counts. */
class BoundarySearchTest {

    private static LagrangeDualExplainer.Builder boundary(int iterations, int restarts) {
        return LagrangeDualExplainer.builder().maxOuterIterations(iterations)
                .boundarySearch(BoundarySearchOptions.defaults().withRestarts(restarts));
    }

    /** A random ReLU MLP 10-24-16-4 whose samples flip within the box. */
    private static Network mlp() {
        return Network.builder(10).seed(13).dense(24).relu().dense(16).relu().dense(4).build();
    }


    @Test
    void onLinearModelsTheMinimalPerturbationIsFoundTo1e9InEachNormWithAndWithoutABindingBox() {
        double[] w = {1.0, 0.9, 0.2, -0.1};
        double b = -1.9;
        double[][] xs = {{0.95, 0.85, 0.3, 0.4}, {0.5, 0.6, 0.45, 0.5}};
        try (Backend be = Backends.cpu(TestModels.binaryLinear(w, b))) {
            for (double[] x : xs) {
                double m = b;
                for (int i = 0; i < 4; i++) {
                    m += w[i] * x[i];
                }
                for (Objective o : Objective.values()) {
                    double want = minimalNorm(w, x, -m, o);
                    Explanation e = boundary(3, 2).additive().objective(o).build()
                            .explain(be, new Tensor(Shape.of(1, 4), x)).get(0);
                    assertTrue(e.verified(), o.toString());
                    assertEquals(want, e.adversarial().get().norm(), 1e-9 * want, o + " at " + java.util.Arrays.toString(x));
                }
            }
        }
    }

    /**
     * The least norm {@code ||t||} with {@code w^T t >= r} and {@code x + t in [0, 1]^d}, by the test's own
     * bisection on the norm: the most {@code w^T t} reachable within norm {@code s} is, for L_inf,
     * {@code sum |w_i| min(s, room_i)}; for L1 a greedy fill by decreasing {@code |w_i|}; for L2
     * {@code max over lambda} of {@code w^T clip(lambda w)} at {@code ||clip(lambda w)|| = s} (bisection inside).
     */
    private static double minimalNorm(double[] w, double[] x, double r, Objective o) {
        double lo = 0;
        double hi = 10;
        for (int it = 0; it < 200; it++) {
            double s = (lo + hi) / 2;
            if (reach(w, x, s, o) >= r) {
                hi = s;
            } else {
                lo = s;
            }
        }
        return hi;
    }

    private static double reach(double[] w, double[] x, double s, Objective o) {
        int d = w.length;
        double[] room = new double[d];
        for (int i = 0; i < d; i++) {
            room[i] = w[i] > 0 ? 1 - x[i] : x[i];
        }
        if (o == Objective.LINF) {
            double v = 0;
            for (int i = 0; i < d; i++) {
                v += Math.abs(w[i]) * Math.min(s, room[i]);
            }
            return v;
        }
        if (o == Objective.L1) {
            Integer[] idx = {0, 1, 2, 3};
            java.util.Arrays.sort(idx, (p, q) -> Double.compare(Math.abs(w[q]), Math.abs(w[p])));
            double left = s;
            double v = 0;
            for (int i : idx) {
                double take = Math.min(left, room[i]);
                v += Math.abs(w[i]) * take;
                left -= take;
            }
            return v;
        }
        double lamLo = 0;
        double lamHi = 100;
        for (int it = 0; it < 200; it++) {
            double lam = (lamLo + lamHi) / 2;
            double nn = 0;
            for (int i = 0; i < d; i++) {
                double t = Math.min(room[i], lam * Math.abs(w[i]));
                nn += t * t;
            }
            if (Math.sqrt(nn) > s) {
                lamHi = lam;
            } else {
                lamLo = lam;
            }
        }
        double v = 0;
        for (int i = 0; i < d; i++) {
            v += Math.abs(w[i]) * Math.min(room[i], lamLo * Math.abs(w[i]));
        }
        return v;
    }

    /**
     * {@code f_1 - f_0 = x1 + x2 + 2 relu(x1 - 0.3) - 0.9} on {@code [0, 1]^2} from {@code (0.2, 0.2)}: the
     * linearization at {@code x} predicts {@code 0.5 / sqrt 2}; the minimal L2 perturbation lies on the other
     * piece, {@code 3 x1 + x2 = 1.5}, at distance {@code 0.7 / sqrt 10} (point {@code (0.41, 0.27)}).
     */
    @Test
    void onAPiecewiseLinearModelTheKnownMinimalPerturbationIsFoundTo1e9() {
        Network net = TestModels.twoPieceRelu();
        try (Backend be = Backends.cpu(net)) {
            Explanation e = boundary(4, 1).additive().build().explain(be, Tensor.of(Shape.of(1, 2), 0.2, 0.2)).get(0);
            double want = 0.7 / Math.sqrt(10);
            assertEquals(want, e.adversarial().get().norm(), 1e-9 * want);
            assertEquals(0.41, e.adversarial().get().input().data()[0], 1e-9);
            assertEquals(0.27, e.adversarial().get().input().data()[1], 1e-9);
            // the default loop (damped steps and the ladder) stops short of it
            Explanation ladder = LagrangeDualExplainer.builder().additive().build()
                    .explain(be, Tensor.of(Shape.of(1, 2), 0.2, 0.2)).get(0);
            assertTrue(ladder.adversarial().get().norm() > want * (1 + 1e-3), "ladder " + ladder.adversarial().get().norm());
        }
    }

    @Test
    void verifiedPointsFlipTheFloat64NetworkForTheAdditiveAndDeletionModelsAndTarget() {
        Network net = mlp();
        Tensor x = new org.lde.tensor.Rng(6).uniform(Shape.of(5, 10), 0, 1);
        try (Backend be = Backends.cpu(net)) {
            int[] y = Evaluation.argmax(be.forward(x));
            List<LagrangeDualExplainer> all = List.of(boundary(6, 3).additive().build(),
                    boundary(6, 3).additive().objective(Objective.LINF).build(),
                    boundary(6, 3).additive().objective(Objective.L1).build(), boundary(6, 3).build(),
                    boundary(6, 3).target(2).build());
            int verified = 0;
            for (LagrangeDualExplainer ex : all) {
                List<Explanation> es = ex.explain(be, x);
                for (int i = 0; i < 5; i++) {
                    Explanation e = es.get(i);
                    if (!e.verified()) {
                        continue;
                    }
                    verified++;
                    VerifiedPoint p = e.adversarial().get();
                    double[] lg = be.forward(p.input().reshape(Shape.of(1, 10))).data();
                    int arg = Evaluation.argmax(new Tensor(Shape.of(1, 4), lg))[0];
                    if (ex.mode() == ExplainMode.TARGET) {
                        assertEquals(2, arg, ex.name());
                    } else {
                        assertTrue(arg != y[i] && lg[arg] > lg[y[i]], ex.name() + " sample " + i);
                    }
                    if (ex.perturbation() == Perturbation.ADDITIVE) {
                        assertEquals(Verifier.norm(ex.objective(), p.delta().data()), p.norm(), 0, "r_hi is the point's norm");
                    }
                }
            }
            assertTrue(verified >= 15, "verified " + verified + " of 25");
        }
    }

    @Test
    void seededRestartsRepeatExactlyAndTheCountsInEveryExplanationAreTheBackendsCounts() {
        Network net = mlp();
        Tensor x = new org.lde.tensor.Rng(8).uniform(Shape.of(4, 10), 0, 1);
        try (CountingBackend be = new CountingBackend(Backends.cpu(net))) {
            LagrangeDualExplainer ex = boundary(5, 3).additive().build();
            be.reset();
            List<Explanation> a = ex.explain(be, x);
            CountingBackend.Counts k = be.counts();
            List<Explanation> b = ex.explain(be, x);
            long fw = 0;
            long rv = 0;
            long seeds = 0;
            for (int i = 0; i < 4; i++) {
                assertEquals(a.get(i).verified(), b.get(i).verified());
                if (a.get(i).verified()) {
                    assertArrayEquals(a.get(i).adversarial().get().input().data(), b.get(i).adversarial().get().input().data(), 0);
                }
                assertArrayEquals(a.get(i).t().data(), b.get(i).t().data(), 0);
                fw += a.get(i).forwardPasses();
                rv += a.get(i).reversePasses();
                seeds += a.get(i).reverseSeeds();
            }
            assertEquals(k.forwardSamples(), fw);
            assertEquals(k.reverseSamples(), rv);
            assertEquals(k.reverseRows(), seeds);
            // one reverse pass per iteration for every sample and walker together
            assertEquals(5, k.reverseCalls());
            // walker 0 from the first iteration, walkers 1 and 2 from the second: at most 1 + 4 * 3 per sample
            assertTrue(rv <= 4 * (1 + 4 * 3), "reverse passes " + rv);
            LagrangeDualExplainer other = LagrangeDualExplainer.builder().additive().maxOuterIterations(5)
                    .boundarySearch(BoundarySearchOptions.defaults().withRestarts(3).withSeed(99)).build();
            List<Explanation> c = other.explain(be, x);
            boolean differs = false;
            for (int i = 0; i < 4; i++) {
                differs |= a.get(i).verified() != c.get(i).verified() || (a.get(i).verified()
                        && !java.util.Arrays.equals(a.get(i).adversarial().get().input().data(),
                        c.get(i).adversarial().get().input().data()));
            }
            assertTrue(differs, "another seed draws other starts");
        }
    }

    @Test
    void restartWalkersChooseTheBoundaryNearestTheirIterateAmongRowsFeasibleInTheBox() {
        // Rows in t (d = 2), box [-5, 5]^2: t_1 >= 1; 2 t_2 >= 4; t_1 >= 6 (no solution in the box).
        double[] a = {1, 0, 0, 2, 1, 0};
        double[] r = {1, 4, 6};
        for (Objective o : new Objective[] {Objective.L2, Objective.LINF, Objective.L1}) {
            Tensor lo = new Tensor(Shape.of(3, 2), new double[] {-5, -5, -5, -5, -5, -5});
            Tensor hi = new Tensor(Shape.of(3, 2), new double[] {5, 5, 5, 5, 5, 5});
            org.lde.engine.dual.DualProblem p = org.lde.engine.dual.DualProblem.builder(
                    new Tensor(Shape.of(3, 1, 2), a), new Tensor(Shape.of(3, 1), r)).box(lo, hi).objective(o).build();
            List<org.lde.engine.dual.DualSolution> sq = new org.lde.engine.dual.ReferenceDualSolver().solve(p).items();
            assertEquals(org.lde.engine.dual.DualStatus.INFEASIBLE_IN_BOX, sq.get(2).status(), o.name());
            // from t = 0: box-free distances 1, 2 (|4| / ||(0, 2)||_* = 2 in every norm), 6
            assertEquals(0, BoundarySearch.iterateChoice(o, sq, a, r, 0, 3, 2, new double[] {0, 0}), o.name());
            // from t = (4.9, 0): 3.9, 2, and 1.1 for the row without a solution in the box, which is skipped
            assertEquals(1, BoundarySearch.iterateChoice(o, sq, a, r, 0, 3, 2, new double[] {4.9, 0}), o.name());
            // from t = (0.5, 1.9): 0.5 and 0.1
            assertEquals(1, BoundarySearch.iterateChoice(o, sq, a, r, 0, 3, 2, new double[] {0.5, 1.9}), o.name());
            assertEquals(-1, BoundarySearch.iterateChoice(o, List.of(sq.get(2)), new double[] {1, 0}, new double[] {6}, 0, 1, 2,
                    new double[] {0, 0}), o.name());
        }
        // The dual norm decides: row t_1 + t_2 >= 2 is at 2 / ||(1, 1)||_* from 0: sqrt(2) in L2, 1 in L_inf
        // (||.||_1), 2 in L1 (||.||_inf); row t_1 >= c at c in every norm.
        double[] pair = {1, 1, 1, 0};
        assertEquals(1, choiceAtZero(Objective.L2, pair, new double[] {2, 1.2}));   // 1.2 < 1.414
        assertEquals(0, choiceAtZero(Objective.LINF, pair, new double[] {2, 1.2})); // 1 < 1.2
        assertEquals(1, choiceAtZero(Objective.L1, pair, new double[] {2, 1.2}));   // 1.2 < 2
        assertEquals(0, choiceAtZero(Objective.L2, pair, new double[] {2, 1.5}));   // 1.414 < 1.5
        assertEquals(1, choiceAtZero(Objective.L1, pair, new double[] {2, 1.5}));   // 1.5 < 2
    }

    /** {@link BoundarySearch#iterateChoice} from {@code t = 0} among two rows in d = 2, box [-5, 5]^2. */
    private static int choiceAtZero(Objective o, double[] a, double[] r) {
        Tensor lo = new Tensor(Shape.of(2, 2), new double[] {-5, -5, -5, -5});
        Tensor hi = new Tensor(Shape.of(2, 2), new double[] {5, 5, 5, 5});
        org.lde.engine.dual.DualProblem p = org.lde.engine.dual.DualProblem.builder(
                new Tensor(Shape.of(2, 1, 2), a), new Tensor(Shape.of(2, 1), r)).box(lo, hi).objective(o).build();
        List<org.lde.engine.dual.DualSolution> sq = new org.lde.engine.dual.ReferenceDualSolver().solve(p).items();
        return BoundarySearch.iterateChoice(o, sq, a, r, 0, 2, 2, new double[] {0, 0});
    }

    @Test
    void theLinfDefaultsBiasTowardTheDualSolutionMoreThanFab() {
        assertEquals(0.3, BoundarySearchOptions.defaults(Objective.LINF).alphaMax());
        assertEquals(0.1, BoundarySearchOptions.defaults(Objective.L2).alphaMax());
        assertEquals(0.1, BoundarySearchOptions.defaults(Objective.L1).alphaMax());
        assertEquals(BoundarySearchOptions.defaults().withAlphaMax(0.3), BoundarySearchOptions.defaults(Objective.LINF));
    }

    @Test
    void badOptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BoundarySearchOptions(0, 0.1, 1.05, 0.9, 0.8, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new BoundarySearchOptions(2, 1.1, 1.05, 0.9, 0.8, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new BoundarySearchOptions(2, 0.1, 0.5, 0.9, 0.8, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new BoundarySearchOptions(2, 0.1, 1.05, 0, 0.8, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new BoundarySearchOptions(2, 0.1, 1.05, 0.9, 0.95, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new BoundarySearchOptions(2, 0.1, 1.05, 0.9, 0.8, -1, 0));
    }
}
