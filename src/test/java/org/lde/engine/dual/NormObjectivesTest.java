package org.lde.engine.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.tensor.Rng;

/** L_inf and L1 (K = 1) with boxes against independent brute-force solves. */
class NormObjectivesTest {

    /** The most {@code a^T t} reaches over the box intersected with {@code [-s, s]^d}, computed per coordinate. */
    private static double reachAt(TestProblems.Data p, double s) {
        double m = 0;
        for (int i = 0; i < p.d(); i++) {
            double lo = Math.max(p.tl()[i], -s);
            double hi = Math.min(p.tu()[i], s);
            if (lo > hi) {
                return Double.NEGATIVE_INFINITY;
            }
            m += Math.max(p.a()[i] * lo, p.a()[i] * hi);
        }
        return m;
    }

    /** Independent L_inf optimum: bisection on the magnitude s with the feasibility oracle above. */
    private static double bisectLinf(TestProblems.Data p) {
        double r = p.r()[0];
        double lo = 0;
        double hi = 1;
        while (!(reachAt(p, hi) >= r)) {
            hi *= 2;
        }
        if (reachAt(p, 0) >= r) {
            return 0;
        }
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            if (reachAt(p, mid) >= r) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /**
     * Independent L1 optimum for small d: an LP optimum of {@code min ||t||_1} over one half-space
     * and a box is attained where every coordinate but at most one is at {@code tl_i}, {@code tu_i}
     * or 0 (if in the box); enumerate those and solve for the remaining one from {@code a^T t = r}.
     */
    private static double enumerateL1(TestProblems.Data p) {
        int d = p.d();
        double r = p.r()[0];
        double best = Double.POSITIVE_INFINITY;
        int states = 1;
        for (int i = 0; i < d; i++) {
            states *= 3;
        }
        for (int free = -1; free < d; free++) {
            for (int code = 0; code < states; code++) {
                int c = code;
                double[] t = new double[d];
                boolean ok = true;
                for (int i = 0; i < d; i++) {
                    int s = c % 3;
                    c /= 3;
                    double v = s == 0 ? p.tl()[i] : (s == 1 ? p.tu()[i] : 0);
                    if (i == free) {
                        v = 0;
                        if (s != 0) {
                            ok = false;
                        }
                    } else if (!Double.isFinite(v) || v < p.tl()[i] || v > p.tu()[i]) {
                        ok = false;
                    }
                    t[i] = v;
                }
                if (!ok) {
                    continue;
                }
                if (free >= 0) {
                    if (p.a()[free] == 0) {
                        continue;
                    }
                    double rest = 0;
                    for (int i = 0; i < d; i++) {
                        rest += p.a()[i] * t[i];
                    }
                    t[free] = (r - rest) / p.a()[free];
                    if (t[free] < p.tl()[free] || t[free] > p.tu()[free]) {
                        continue;
                    }
                }
                double at = 0;
                double n1 = 0;
                for (int i = 0; i < d; i++) {
                    at += p.a()[i] * t[i];
                    n1 += Math.abs(t[i]);
                }
                if (at >= r - 1e-12 * (1 + Math.abs(r))) {
                    best = Math.min(best, n1);
                }
            }
        }
        return best;
    }

    private static TestProblems.Data randomBinding(Rng rng, int d, boolean inf) {
        TestProblems.Data p = TestProblems.feasible(rng, 1, d, inf);
        double reach = 0;
        for (int i = 0; i < d; i++) {
            reach += p.a()[i] == 0 ? 0 : Math.max(p.a()[i] * p.tl()[i], p.a()[i] * p.tu()[i]);
        }
        double r = Double.isFinite(reach) ? p.r()[0] + rng.uniform(0, 0.95) * (reach - p.r()[0]) : p.r()[0] + rng.uniform(0, 2);
        return new TestProblems.Data(1, d, p.a(), new double[] {r}, p.tl(), p.tu());
    }

    private static void checkNuSigns(DualSolution s, TestProblems.Data p) {
        for (int i = 0; i < p.d(); i++) {
            if (s.nu(i) > 1e-12) {
                assertEquals(p.tu()[i], s.t(i), 1e-12, "nu > 0 off the upper bound at " + i);
            }
            if (s.nu(i) < -1e-12) {
                assertEquals(p.tl()[i], s.t(i), 1e-12, "nu < 0 off the lower bound at " + i);
            }
        }
    }

    @Test
    void linfAgreesWithBisectionAndStrongDuality() {
        Rng rng = new Rng(41);
        for (int trial = 0; trial < 40; trial++) {
            int bN = 1 + rng.nextInt(7);
            int d = 1 + rng.nextInt(23);
            TestProblems.Data[] ps = new TestProblems.Data[bN];
            for (int b = 0; b < bN; b++) {
                ps[b] = randomBinding(rng, d, trial % 2 == 0);
            }
            DualProblem prob = TestProblems.batch(Objective.LINF, ps);
            DualSolutions sol = new ReferenceDualSolver().solve(prob);
            for (int b = 0; b < bN; b++) {
                DualSolution s = sol.get(b);
                double want = bisectLinf(ps[b]);
                assertEquals(DualStatus.SOLVED, s.status(), s.toString());
                assertEquals(want, s.primalValue(), 1e-10 * (1 + want), "trial " + trial);
                assertEquals(want, java.util.Arrays.stream(s.t()).map(Math::abs).max().orElse(0), 1e-10 * (1 + want));
                assertTrue(TestProblems.feasibleWithin(ps[b], s.t(), 1e-10));
                // strong duality, with the dual evaluated by Certificates
                double g = Certificates.weakDualityBound(prob, b, s.lambda());
                assertEquals(want, g, 1e-10 * (1 + want), "dual at lambda*");
                assertTrue(Math.abs(s.relativeGap()) <= 1e-12);
                checkNuSigns(s, ps[b]);
            }
        }
    }

    @Test
    void l1AgreesWithVertexEnumerationAndStrongDuality() {
        Rng rng = new Rng(42);
        for (int trial = 0; trial < 40; trial++) {
            int bN = 1 + rng.nextInt(7);
            int d = 1 + rng.nextInt(6);
            TestProblems.Data[] ps = new TestProblems.Data[bN];
            for (int b = 0; b < bN; b++) {
                ps[b] = randomBinding(rng, d, trial % 2 == 0);
            }
            DualProblem prob = TestProblems.batch(Objective.L1, ps);
            DualSolutions sol = new ReferenceDualSolver().solve(prob);
            for (int b = 0; b < bN; b++) {
                DualSolution s = sol.get(b);
                double want = enumerateL1(ps[b]);
                assertEquals(DualStatus.SOLVED, s.status(), s.toString());
                assertEquals(want, s.primalValue(), 1e-10 * (1 + want), "trial " + trial + " problem " + b);
                assertTrue(TestProblems.feasibleWithin(ps[b], s.t(), 1e-10));
                double g = Certificates.weakDualityBound(prob, b, s.lambda());
                assertEquals(want, g, 1e-10 * (1 + want), "dual at lambda*");
                checkNuSigns(s, ps[b]);
            }
        }
    }

    @Test
    void linfBoxExcludingZeroForcesMagnitude() {
        // t0 in [0.5, 1] forces ||t||_inf >= 0.5; constraint t1 >= 0.2 is then free at magnitude 0.5
        TestProblems.Data p = new TestProblems.Data(1, 2, new double[] {0, 1}, new double[] {0.2},
                new double[] {0.5, -2}, new double[] {1, 2});
        DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.LINF, p)).get(0);
        assertEquals(0.5, s.primalValue(), 0);
        assertEquals(0, s.lambda(0), 0);
        assertEquals(0.5, s.t(0), 0);
        assertEquals(0.2, s.t(1), 1e-15);
        assertEquals(0.5, s.dualValue(), 0);
        assertEquals(-1, s.nu(0), 0);
    }
}
