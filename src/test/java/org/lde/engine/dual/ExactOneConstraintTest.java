package org.lde.engine.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.tensor.Rng;

/** The exact K = 1 breakpoint root against an independent bisection, and its edge cases. */
class ExactOneConstraintTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    private static DualSolution solve1(double[] a, double r, double[] tl, double[] tu) {
        return new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2,
                new TestProblems.Data(1, a.length, a, new double[] {r}, tl, tu))).get(0);
    }

    @Test
    void agreesWithBisectionOnRandomBoxes() {
        Rng rng = new Rng(21);
        int checked = 0;
        for (int trial = 0; trial < 60; trial++) {
            int bN = 1 + rng.nextInt(7);
            int d = 1 + rng.nextInt(41);
            TestProblems.Data[] ps = new TestProblems.Data[bN];
            for (int b = 0; b < bN; b++) {
                TestProblems.Data p = TestProblems.feasible(rng, 1, d, trial % 2 == 0);
                // raise r toward the box's reach so that boxes bind
                double reach = 0;
                for (int i = 0; i < d; i++) {
                    reach += p.a()[i] == 0 ? 0 : Math.max(p.a()[i] * p.tl()[i], p.a()[i] * p.tu()[i]);
                }
                double r = Double.isFinite(reach) ? p.r()[0] + rng.uniform(0, 1) * (reach - p.r()[0]) : p.r()[0] + rng.uniform(0, 3);
                ps[b] = new TestProblems.Data(1, d, p.a(), new double[] {r}, p.tl(), p.tu());
            }
            DualSolutions sol = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, ps));
            for (int b = 0; b < bN; b++) {
                TestProblems.Data p = ps[b];
                double lam = TestProblems.bisectionLambda(p.a(), p.r()[0], p.tl(), p.tu());
                double[] t = new double[d];
                for (int i = 0; i < d; i++) {
                    t[i] = TestProblems.clip(lam * p.a()[i], p.tl()[i], p.tu()[i]);
                }
                DualSolution s = sol.get(b);
                assertEquals(DualStatus.SOLVED, s.status(), s.toString());
                assertTrue(TestProblems.diffNorm(s.t(), t) <= 1e-10 * (1 + TestProblems.norm2(t)),
                        "trial " + trial + " t differs by " + TestProblems.diffNorm(s.t(), t));
                assertTrue(Math.abs(s.relativeGap()) <= 1e-12, "gap " + s.relativeGap());
                // the reference satisfies a^T t = r when lambda > 0
                if (s.lambda(0) > 0) {
                    double at = TestProblems.mult(p.a(), 1, d, s.t())[0];
                    assertEquals(p.r()[0], at, 1e-12 * (1 + Math.abs(p.r()[0])));
                }
                // the minimal-norm solution also beats the enumerated one for small d
                if (d <= 6) {
                    double[] te = TestProblems.enumerateL2(p);
                    assertTrue(TestProblems.diffNorm(s.t(), te) <= 1e-8 * (1 + TestProblems.norm2(te)));
                    checked++;
                }
            }
        }
        assertTrue(checked > 5, "too few enumerated cases: " + checked);
    }

    @Test
    void zeroGradientEntriesKeepClipZero() {
        double[] a = {0, 2, 0};
        double[] tl = {0.3, -1, -2};
        double[] tu = {0.9, 1, -0.5};
        DualSolution s = solve1(a, 1, tl, tu);
        assertEquals(0.3, s.t(0), 0);
        assertEquals(0.5, s.t(1), 1e-15);
        assertEquals(-0.5, s.t(2), 0);
        assertEquals(0.25, s.lambda(0), 1e-15);
        // nu: coordinate 0 sits at its lower bound with A^T lambda = 0 < 0.3
        assertEquals(-0.3, s.nu(0), 1e-15);
        assertEquals(0.5, s.nu(2), 1e-15);
        assertEquals(0, s.nu(1), 1e-15);
    }

    @Test
    void zeroWidthBoxesAndOneSidedInfiniteBounds() {
        // t0 fixed at 0.5 (contributes 1), t1 in [-inf, 0.2], t2 in [0, inf)
        double[] a = {2, 1, 1};
        double[] tl = {0.5, Double.NEGATIVE_INFINITY, 0};
        double[] tu = {0.5, 0.2, INF};
        // phi(lam) = 1 + min(lam, 0.2) + lam - 3; root: lam > 0.2: 1.2 + lam = 3 -> lam = 1.8
        DualSolution s = solve1(a, 3, tl, tu);
        assertEquals(1.8, s.lambda(0), 1e-15);
        assertEquals(0.5, s.t(0), 0);
        assertEquals(0.2, s.t(1), 0);
        assertEquals(1.8, s.t(2), 1e-15);
        assertEquals(1.8 * 2 - 0.5, s.nu(0), 1e-15);
        assertEquals(1.6, s.nu(1), 1e-15);
        assertEquals(0, s.nu(2), 0);
    }

    @Test
    void satisfiedAtClipZeroGivesZeroMultiplierEvenWithPositiveR() {
        // box excludes 0: t0 = 2 already satisfies t >= 1
        DualSolution s = solve1(new double[] {1}, 1, new double[] {2}, new double[] {3});
        assertEquals(0, s.lambda(0), 0);
        assertEquals(2, s.t(0), 0);
        assertEquals(2, s.primalValue(), 0);
        assertEquals(2, s.dualValue(), 0);
        assertEquals(-2, s.nu(0), 0);
    }

    @Test
    void boxExcludingZeroNeedsMultiplierEvenWithZeroR() {
        // t1 in [-2, -1], t2 free, t1 + t2 >= 0: t0 = (-1, 0) violates; lambda* = 1, t* = (-1, 1)
        DualSolution s = solve1(new double[] {1, 1}, 0, new double[] {-2, Double.NEGATIVE_INFINITY}, new double[] {-1, INF});
        assertEquals(1, s.lambda(0), 1e-15);
        assertEquals(-1, s.t(0), 0);
        assertEquals(1, s.t(1), 1e-15);
        assertEquals(1.0, s.primalValue(), 1e-15);
        assertEquals(2, s.nu(0), 1e-15);
    }

    @Test
    void nonPositiveRWithZeroFeasibleGivesZero() {
        Rng rng = new Rng(22);
        double[] a = TestProblems.gaussian(rng, 9);
        double[][] box = {new double[9], new double[9]};
        for (int i = 0; i < 9; i++) {
            box[0][i] = -rng.uniform(0.1, 1);
            box[1][i] = rng.uniform(0.1, 1);
        }
        DualSolution s = solve1(a, -0.7, box[0], box[1]);
        assertEquals(0, s.lambda(0), 0);
        assertEquals(0, TestProblems.norm2(s.t()), 0);
        assertEquals(0, s.dualValue(), 0);
        assertEquals(0, s.relativeGap(), 0);
    }

    @Test
    void iterativePathAgreesWithExactRoot() {
        Rng rng = new Rng(23);
        ReferenceDualSolver iterative = new ReferenceDualSolver(DualSolverOptions.builder().exactOneConstraint(false).build());
        for (int trial = 0; trial < 30; trial++) {
            int d = 1 + rng.nextInt(30);
            TestProblems.Data p = TestProblems.feasible(rng, 1, d, true);
            DualProblem prob = TestProblems.batch(Objective.L2, p);
            DualSolution e = new ReferenceDualSolver().solve(prob).get(0);
            DualSolution it = iterative.solve(prob).get(0);
            assertEquals(DualStatus.SOLVED, it.status(), it.toString());
            assertTrue(TestProblems.diffNorm(e.t(), it.t()) <= 1e-8 * (1 + TestProblems.norm2(e.t())));
            assertEquals(e.primalValue(), it.primalValue(), 1e-10 * (1 + e.primalValue()));
        }
    }
}
