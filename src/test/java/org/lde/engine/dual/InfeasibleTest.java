package org.lde.engine.dual;

import org.lde.explain.Attributions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.tensor.Rng;

/** INFEASIBLE_IN_BOX: reported with a checkable certificate, never as a fake solution. */
class InfeasibleTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    private static double support(double[] w, double[] tl, double[] tu) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] == 0 ? 0 : Math.max(w[i] * tl[i], w[i] * tu[i]);
        }
        return s;
    }

    private static void checkCertificate(TestProblems.Data p, DualSolution s) {
        assertEquals(DualStatus.INFEASIBLE_IN_BOX, s.status());
        double[] mu = s.lambda();
        double sum = 0;
        for (double m : mu) {
            assertTrue(m >= 0, "certificate has a negative entry");
            sum += m;
        }
        assertEquals(1, sum, 1e-12);
        double[] w = new double[p.d()];
        double mr = 0;
        for (int j = 0; j < p.k(); j++) {
            mr += mu[j] * p.r()[j];
            for (int i = 0; i < p.d(); i++) {
                w[i] += mu[j] * p.a()[j * p.d() + i];
            }
        }
        double margin = mr - support(w, p.tl(), p.tu());
        assertTrue(margin > 0, "certificate does not certify: margin " + margin);
        assertEquals(margin, s.infeasibilityMargin(), 1e-9 * (1 + Math.abs(mr)));
        assertEquals(INF, s.dualValue());
        assertEquals(INF, s.primalValue());
        assertEquals(INF, s.relativeGap());
        assertEquals(INF, s.certifiedNormLowerBound());
        for (int i = 0; i < p.d(); i++) {
            assertEquals(0, s.nu(i), 0);
            assertTrue(s.t(i) >= p.tl()[i] && s.t(i) <= p.tu()[i], "t outside the box");
        }
        assertTrue(s.maxViolation() > 0, "the reported box point must violate a constraint");
        assertThrows(IllegalStateException.class, () -> Attributions.dualContribution(TestProblems.batch(Objective.L2, p), 0, s));
    }

    @Test
    void oneConstraintBeyondReachForEveryObjective() {
        Rng rng = new Rng(51);
        for (Objective obj : Objective.values()) {
            for (int trial = 0; trial < 10; trial++) {
                int d = 1 + rng.nextInt(17);
                double[] a = TestProblems.gaussian(rng, d);
                double[][] box = TestProblems.randomBox(rng, d, false);
                double reach = support(a, box[0], box[1]);
                TestProblems.Data p = new TestProblems.Data(1, d, a, new double[] {reach + rng.uniform(1e-6, 1)}, box[0], box[1]);
                DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(obj, p)).get(0);
                checkCertificate(p, s);
                // the reported point is the vertex that maximizes a^T t
                double at = TestProblems.mult(a, 1, d, s.t())[0];
                assertEquals(reach, at, 1e-12 * (1 + Math.abs(reach)));
            }
        }
    }

    @Test
    void exactlyAtReachIsFeasible() {
        double[] a = {1, -2};
        double[] tl = {-1, -1};
        double[] tu = {0.5, 1};
        // reach = 0.5 + 2 = 2.5; r = 2.5 is met only by the vertex (0.5, -1)
        for (Objective obj : Objective.values()) {
            DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(obj,
                    new TestProblems.Data(1, 2, a, new double[] {2.5}, tl, tu))).get(0);
            assertEquals(DualStatus.SOLVED, s.status(), obj + ": " + s);
            assertArrayEquals(new double[] {0.5, -1}, s.t(), 1e-15);
        }
    }

    @Test
    void twoOpposedHalfSpaces() {
        // t0 >= 0.5 and -t0 >= 0.5 in the box [-1, 1]^3: each alone is feasible, together not
        double[] a = {1, 0, 0, -1, 0, 0};
        TestProblems.Data p = new TestProblems.Data(2, 3, a, new double[] {0.5, 0.5}, new double[] {-1, -1, -1}, new double[] {1, 1, 1});
        DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, p)).get(0);
        checkCertificate(p, s);
        assertArrayEquals(new double[] {0.5, 0.5}, s.lambda(), 1e-9);
    }

    /**
     * Random jointly infeasible problems whose constraints are each feasible: with {@code mu} in the
     * simplex and the sublinearity gap {@code G0 = sum_k mu_k sigma(a_k) - sigma(A^T mu) > 0},
     * {@code r_k = sigma(a_k) - 0.3 G0} keeps every single constraint feasible while
     * {@code mu^T r - sigma(A^T mu) = 0.7 G0 > 0}.
     */
    @Test
    void randomJointlyInfeasibleProblems() {
        Rng rng = new Rng(52);
        int certified = 0;
        for (int trial = 0; trial < 20; trial++) {
            int k = 2 + rng.nextInt(4);
            int d = 2 + rng.nextInt(20);
            double[] a = TestProblems.gaussian(rng, k * d);
            double[][] box = TestProblems.randomBox(rng, d, false);
            double[] mu = new double[k];
            double ms = 0;
            for (int j = 0; j < k; j++) {
                mu[j] = rng.uniform(0.2, 1);
                ms += mu[j];
            }
            double[] w = new double[d];
            double sum = 0;
            double[] sig = new double[k];
            for (int j = 0; j < k; j++) {
                mu[j] /= ms;
                double[] row = java.util.Arrays.copyOfRange(a, j * d, (j + 1) * d);
                sig[j] = support(row, box[0], box[1]);
                sum += mu[j] * sig[j];
                for (int i = 0; i < d; i++) {
                    w[i] += mu[j] * row[i];
                }
            }
            double g0 = sum - support(w, box[0], box[1]);
            if (g0 < 1e-3) {
                continue;
            }
            double[] r = new double[k];
            for (int j = 0; j < k; j++) {
                r[j] = sig[j] - 0.3 * g0;
            }
            TestProblems.Data p = new TestProblems.Data(k, d, a, r, box[0], box[1]);
            DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, p)).get(0);
            checkCertificate(p, s);
            assertTrue(s.iterations() > 0, "found only by the single-constraint check, which cannot certify this case");
            certified++;
        }
        assertTrue(certified >= 10, "too few cases: " + certified);
    }

    /**
     * Without a box, a certificate needs {@code A^T mu = 0} exactly, which floating-point iterates
     * may miss: the documented outcome is INFEASIBLE_IN_BOX when the check succeeds, otherwise
     * MAX_ITER with no feasible point; never SOLVED.
     */
    @Test
    void unboxedInfeasibleIsNeverSolved() {
        double ninf = Double.NEGATIVE_INFINITY;
        double[][] rows = {{1, 0, -1, 0}, {2, 0, -1, 0}, {3, 1, -1, 0.5}};
        for (double[] a : rows) {
            TestProblems.Data p = new TestProblems.Data(2, 2, a, new double[] {0.5, 0.5}, new double[] {ninf, ninf}, new double[] {INF, INF});
            if (a[1] != 0) {
                // 3 t0 + t1 >= .5 and -t0 + .5 t1 >= .5 is feasible (t = (0, 1)); check that for contrast
                DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, p)).get(0);
                assertEquals(DualStatus.SOLVED, s.status());
                continue;
            }
            DualSolution s = new ReferenceDualSolver(DualSolverOptions.builder().maxIterations(3000).build())
                    .solve(TestProblems.batch(Objective.L2, p)).get(0);
            assertTrue(s.status() == DualStatus.INFEASIBLE_IN_BOX || s.status() == DualStatus.MAX_ITER, s.toString());
            assertEquals(INF, s.primalValue());
            if (s.status() == DualStatus.INFEASIBLE_IN_BOX) {
                checkCertificate(p, s);
            }
        }
    }

    @Test
    void infeasibleAndFeasibleMixInOneBatch() {
        TestProblems.Data ok = new TestProblems.Data(1, 2, new double[] {1, 1}, new double[] {1}, new double[] {0, 0}, new double[] {1, 1});
        TestProblems.Data bad = new TestProblems.Data(1, 2, new double[] {1, 1}, new double[] {3}, new double[] {0, 0}, new double[] {1, 1});
        DualSolutions s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, ok, bad, ok));
        assertEquals(DualStatus.SOLVED, s.get(0).status());
        assertEquals(DualStatus.INFEASIBLE_IN_BOX, s.get(1).status());
        assertEquals(DualStatus.SOLVED, s.get(2).status());
        assertArrayEquals(new double[] {0.5, 0.5}, s.get(0).t(), 1e-15);
        assertEquals(INF, s.dualValues().data()[1]);
        assertEquals(0.25, s.primalValues().data()[2], 1e-15);
    }
}
