package org.lde.explain;

import org.lde.engine.dual.Certificates;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.TestProblems;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.KktReport;
import org.lde.engine.dual.Objective;
import org.lde.engine.dual.ReferenceDualSolver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** METHOD.md section 5: completeness of the dual contribution, shadow prices at active bounds, delta = D t. */
class AttributionsTest {

    @Test
    void dualContributionIsCompleteForEveryObjectiveAndK() {
        Rng rng = new Rng(61);
        int checked = 0;
        for (int trial = 0; trial < 60; trial++) {
            Objective obj = trial % 3 == 0 ? Objective.L2 : (trial % 3 == 1 ? Objective.LINF : Objective.L1);
            int k = obj == Objective.L2 ? 1 + rng.nextInt(5) : 1;
            int d = 1 + rng.nextInt(45);
            int bN = 1 + rng.nextInt(7);
            TestProblems.Data[] ps = new TestProblems.Data[bN];
            for (int b = 0; b < bN; b++) {
                ps[b] = TestProblems.feasible(rng, k, d, trial % 2 == 0);
            }
            DualProblem prob = TestProblems.batch(obj, ps);
            DualSolutions sol = new ReferenceDualSolver().solve(prob);
            for (int b = 0; b < bN; b++) {
                DualSolution s = sol.get(b);
                assertEquals(DualStatus.SOLVED, s.status(), s.toString());
                Attributions.Contribution c = Attributions.dualContribution(prob, b, s);
                double lr = 0;
                for (int j = 0; j < k; j++) {
                    lr += s.lambda(j) * ps[b].r()[j];
                }
                assertEquals(lr, c.expected(), 0);
                assertTrue(c.relativeResidual() <= 1e-6, "completeness residual " + c.relativeResidual());
                // phi recomputed here: t_i (A^T lambda)_i
                double[] phi = c.phi();
                for (int i = 0; i < d; i++) {
                    double w = 0;
                    for (int j = 0; j < k; j++) {
                        w += s.lambda(j) * ps[b].a()[j * d + i];
                    }
                    assertEquals(s.t(i) * w, phi[i], 1e-14 * (1 + Math.abs(s.t(i) * w)));
                }
                if (k == 1 && s.lambda(0) > 0) {
                    Attributions.Contribution m = Attributions.marginContribution(prob, b, s);
                    assertEquals(ps[b].r()[0], m.expected(), 0);
                    assertTrue(m.relativeResidual() <= 1e-9, "margin completeness " + m.relativeResidual());
                    checked++;
                }
            }
        }
        assertTrue(checked > 20, "too few active K = 1 cases: " + checked);
    }

    @Test
    void shadowPricesOnlyAtActiveBoundsWithTheRightSign() {
        Rng rng = new Rng(62);
        int atBounds = 0;
        for (int trial = 0; trial < 40; trial++) {
            int k = 1 + rng.nextInt(4);
            int d = 2 + rng.nextInt(30);
            TestProblems.Data p = TestProblems.feasible(rng, k, d, trial % 2 == 0);
            DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, p)).get(0);
            double[] nu = Attributions.shadowPrices(s);
            for (int i = 0; i < d; i++) {
                // nu = A^T lambda - t, recomputed
                double w = 0;
                for (int j = 0; j < k; j++) {
                    w += s.lambda(j) * p.a()[j * d + i];
                }
                assertEquals(w - s.t(i), nu[i], 1e-13 * (1 + Math.abs(w)));
                if (nu[i] > 0) {
                    assertEquals(p.tu()[i], s.t(i), 0, "nu > 0 away from the upper bound at " + i);
                    atBounds++;
                } else if (nu[i] < 0) {
                    assertEquals(p.tl()[i], s.t(i), 0, "nu < 0 away from the lower bound at " + i);
                    atBounds++;
                } else if (s.t(i) > p.tl()[i] && s.t(i) < p.tu()[i]) {
                    assertEquals(w, s.t(i), 0);
                }
            }
        }
        assertTrue(atBounds > 20, "too few binding bounds: " + atBounds);
    }

    /**
     * {@code nu_i = -d p* / d tu_i} at an upper bound: widening that bound by {@code h} lowers the
     * optimal value by about {@code h nu_i} (finite difference of two exact solves).
     */
    @Test
    void shadowPriceIsSensitivityOfOptimalValue() {
        Rng rng = new Rng(63);
        int seen = 0;
        for (int trial = 0; trial < 30 && seen < 10; trial++) {
            int d = 3 + rng.nextInt(10);
            TestProblems.Data p = TestProblems.feasible(rng, 1, d, false);
            DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, p)).get(0);
            for (int i = 0; i < d; i++) {
                if (s.nu(i) > 1e-3 && p.tu()[i] > p.tl()[i]) {
                    double h = 1e-7;
                    double[] tu2 = p.tu().clone();
                    tu2[i] += h;
                    DualSolution s2 = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2,
                            new TestProblems.Data(1, d, p.a(), p.r(), p.tl(), tu2))).get(0);
                    double slope = (s.primalValue() - s2.primalValue()) / h;
                    assertEquals(s.nu(i), slope, 1e-4 * (1 + Math.abs(s.nu(i))));
                    seen++;
                }
            }
        }
        assertTrue(seen > 0);
    }

    /** {@code lambda*_k = d p* / d r_k}: raising one right-hand side by {@code h} raises the optimum by about {@code h lambda_k}. */
    @Test
    void constraintMultiplierIsSensitivityToTheMargin() {
        Rng rng = new Rng(64);
        int seen = 0;
        for (int trial = 0; trial < 30; trial++) {
            int k = 1 + rng.nextInt(3);
            int d = 4 + rng.nextInt(20);
            TestProblems.Data p = TestProblems.feasible(rng, k, d, false);
            DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, p)).get(0);
            for (int j = 0; j < k; j++) {
                if (s.lambda(j) > 1e-3) {
                    double h = 1e-7;
                    double[] r2 = p.r().clone();
                    r2[j] -= h;
                    DualSolution s2 = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2,
                            new TestProblems.Data(k, d, p.a(), r2, p.tl(), p.tu()))).get(0);
                    if (!s2.solved()) {
                        continue;
                    }
                    double slope = (s.primalValue() - s2.primalValue()) / h;
                    assertEquals(s.lambda(j), slope, 1e-4 * (1 + s.lambda(j)), "trial " + trial + " k " + j);
                    seen++;
                }
            }
        }
        assertTrue(seen > 5, "too few active constraints: " + seen);
    }

    @Test
    void kktResidualsOfAnyPair() {
        Rng rng = new Rng(65);
        TestProblems.Data p = TestProblems.feasible(rng, 3, 17, false);
        DualProblem prob = TestProblems.batch(Objective.L2, p);
        DualSolution s = new ReferenceDualSolver().solve(prob).get(0);
        KktReport at = Certificates.kkt(prob, 0, s.t(), s.lambda());
        assertTrue(at.max() <= 1e-12, at.toString());
        double[] t = s.t();
        int free = -1;
        for (int i = 0; i < t.length; i++) {
            if (t[i] > p.tl()[i] + 0.01 && t[i] < p.tu()[i] - 0.01) {
                free = i;
            }
        }
        assertTrue(free >= 0);
        t[free] += 0.005;
        KktReport moved = Certificates.kkt(prob, 0, t, s.lambda());
        assertEquals(0.005, moved.stationarity(), 1e-12);
        double[] lam = s.lambda();
        lam[0] = -0.25;
        assertEquals(0.25, Certificates.kkt(prob, 0, s.t(), lam).dualViolation(), 0);
        t[free] = p.tu()[free] + 1;
        assertEquals(1, Certificates.kkt(prob, 0, t, s.lambda()).boxViolation(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Certificates.kkt(prob, 0, new double[2], s.lambda()));
    }

    @Test
    void perturbationAppliesDiagonalScale() {
        double[] t = {1, -2, 0.5};
        assertArrayEquals(new double[] {2, 2, 0}, Attributions.perturbation(t, new double[] {2, -1, 0}), 0);
        String m = assertThrows(IllegalArgumentException.class, () -> Attributions.perturbation(t, new double[] {1, Double.NaN, 1})).getMessage();
        assertTrue(m.contains("D[1]"), m);
        assertThrows(IllegalArgumentException.class, () -> Attributions.perturbation(t, new double[] {1, 1}));
        // batched deletion map: delta = (b - x) * t
        TestProblems.Data p = new TestProblems.Data(1, 2, new double[] {1, 1}, new double[] {1}, new double[] {0, 0}, new double[] {1, 1});
        DualSolutions sol = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, p, p));
        Tensor delta = Attributions.perturbation(sol, new Tensor(Shape.of(2, 2), new double[] {-1, -2, 3, 4}));
        assertArrayEquals(new double[] {-0.5, -1, 1.5, 2}, delta.data(), 1e-15);
    }

    @Test
    void marginContributionNeedsOneConstraint() {
        TestProblems.Data p = new TestProblems.Data(2, 1, new double[] {1, 1}, new double[] {1, 1}, new double[] {-5}, new double[] {5});
        DualProblem prob = TestProblems.batch(Objective.L2, p);
        DualSolution s = new ReferenceDualSolver().solve(prob).get(0);
        String m = assertThrows(IllegalArgumentException.class, () -> Attributions.marginContribution(prob, 0, s)).getMessage();
        assertTrue(m.contains("K = 2"), m);
    }
}
