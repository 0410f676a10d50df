package org.lde.engine.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.tensor.Rng;

/** The solver against closed forms (DeepFool's step, the L_inf and L1 norms' duals, KKT-built problems). */
class ClosedFormTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    private static double[] fill(int n, double v) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    private static TestProblems.Data free(int k, int d, double[] a, double[] r) {
        return new TestProblems.Data(k, d, a, r, fill(d, -INF), fill(d, INF));
    }

    @Test
    void l2NoBoxIsDeepFoolStep() {
        Rng rng = new Rng(11);
        for (int trial = 0; trial < 20; trial++) {
            int d = 1 + rng.nextInt(37);
            int bN = 1 + rng.nextInt(7);
            TestProblems.Data[] ps = new TestProblems.Data[bN];
            for (int b = 0; b < bN; b++) {
                double[] a = TestProblems.gaussian(rng, d);
                ps[b] = free(1, d, a, new double[] {rng.uniform(-1, 3)});
            }
            DualSolutions sol = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, ps));
            for (int b = 0; b < bN; b++) {
                double[] a = ps[b].a();
                double r = ps[b].r()[0];
                double n2 = Math.pow(TestProblems.norm2(a), 2);
                double lam = Math.max(0, r / n2);
                DualSolution s = sol.get(b);
                assertEquals(DualStatus.SOLVED, s.status());
                assertEquals(lam, s.lambda(0), 1e-13 * (1 + lam));
                for (int i = 0; i < d; i++) {
                    assertEquals(lam * a[i], s.t(i), 1e-13 * (1 + Math.abs(lam * a[i])));
                    assertEquals(0, s.nu(i), 1e-13);
                }
                // p* = 1/2 r^2/||a||^2 for r > 0, and the dual certifies ||t|| >= r/||a||
                double pstar = 0.5 * lam * lam * n2;
                assertEquals(pstar, s.primalValue(), 1e-12 * (1 + pstar));
                assertEquals(pstar, s.dualValue(), 1e-12 * (1 + pstar));
                assertEquals(Math.max(r, 0) / Math.sqrt(n2), s.certifiedNormLowerBound(), 1e-10);
                assertTrue(Math.abs(s.relativeGap()) <= 1e-12, "gap " + s.relativeGap());
            }
        }
    }

    @Test
    void linfNoBoxIsCommonMagnitude() {
        Rng rng = new Rng(12);
        for (int trial = 0; trial < 20; trial++) {
            int d = 1 + rng.nextInt(29);
            double[] a = TestProblems.gaussian(rng, d);
            if (d > 2) {
                a[1] = 0;
            }
            double r = rng.uniform(0.1, 3);
            DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.LINF, free(1, d, a, new double[] {r}))).get(0);
            double n1 = java.util.Arrays.stream(a).map(Math::abs).sum();
            double mag = r / n1;
            assertEquals(DualStatus.SOLVED, s.status());
            for (int i = 0; i < d; i++) {
                assertEquals(mag * Math.signum(a[i]), s.t(i), 1e-13);
                assertEquals(0, s.nu(i), 1e-13);
            }
            assertEquals(1 / n1, s.lambda(0), 1e-13 / n1);
            assertEquals(mag, s.primalValue(), 1e-13);
            assertEquals(mag, s.dualValue(), 1e-13);
        }
    }

    @Test
    void l1NoBoxPutsAllMassOnLargestGradient() {
        Rng rng = new Rng(13);
        for (int trial = 0; trial < 20; trial++) {
            int d = 1 + rng.nextInt(29);
            double[] a = TestProblems.gaussian(rng, d);
            double r = rng.uniform(0.1, 3);
            int m = 0;
            for (int i = 1; i < d; i++) {
                if (Math.abs(a[i]) > Math.abs(a[m])) {
                    m = i;
                }
            }
            DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L1, free(1, d, a, new double[] {r}))).get(0);
            assertEquals(DualStatus.SOLVED, s.status());
            for (int i = 0; i < d; i++) {
                assertEquals(i == m ? r / a[m] : 0, s.t(i), 1e-14, "coordinate " + i);
            }
            assertEquals(1 / Math.abs(a[m]), s.lambda(0), 1e-14);
            assertEquals(r / Math.abs(a[m]), s.primalValue(), 1e-13);
            assertEquals(r / Math.abs(a[m]), s.dualValue(), 1e-13);
        }
    }

    /**
     * The dual functions without a box, for any {@code lambda >= 0}:
     * L2 {@code G = lambda r - 1/2 lambda^2 ||a||^2};
     * L_inf {@code g = lambda r} if {@code lambda ||a||_1 <= 1}, else {@code -inf};
     * L1 {@code g = lambda r} if {@code lambda ||a||_inf <= 1}, else {@code -inf}.
     */
    @Test
    void dualFunctionsWithoutBox() {
        Rng rng = new Rng(15);
        for (int trial = 0; trial < 40; trial++) {
            int d = 1 + rng.nextInt(20);
            double[] a = TestProblems.gaussian(rng, d);
            double r = rng.uniform(-2, 2);
            double n2 = Math.pow(TestProblems.norm2(a), 2);
            double n1 = 0;
            double ninf = 0;
            for (double v : a) {
                n1 += Math.abs(v);
                ninf = Math.max(ninf, Math.abs(v));
            }
            double lam = rng.uniform(0, 2 / ninf);
            TestProblems.Data p = free(1, d, a, new double[] {r});
            assertEquals(lam * r - 0.5 * lam * lam * n2,
                    Certificates.weakDualityBound(TestProblems.batch(Objective.L2, p), 0, new double[] {lam}), 1e-12 * (1 + lam * lam * n2));
            double gi = Certificates.weakDualityBound(TestProblems.batch(Objective.LINF, p), 0, new double[] {lam});
            double g1 = Certificates.weakDualityBound(TestProblems.batch(Objective.L1, p), 0, new double[] {lam});
            if (lam * n1 < 1 - 1e-12) {
                assertEquals(lam * r, gi, 1e-12);
            } else if (lam * n1 > 1 + 1e-12) {
                assertEquals(Double.NEGATIVE_INFINITY, gi);
            }
            if (lam * ninf < 1 - 1e-12) {
                assertEquals(lam * r, g1, 1e-12);
            } else if (lam * ninf > 1 + 1e-12) {
                assertEquals(Double.NEGATIVE_INFINITY, g1);
            }
        }
    }

    /**
     * A problem whose solution is known by construction: pick {@code lambda > 0}, put
     * {@code t = clip(A^T lambda, tl, tu)} and {@code r = A t}. Then {@code (t, lambda)} satisfies
     * every KKT condition with all constraints active, so {@code t} is the unique optimum and
     * (for independent active rows) {@code lambda} the unique multiplier.
     */
    @Test
    void multiConstraintWithKnownKktPoint() {
        Rng rng = new Rng(14);
        for (int trial = 0; trial < 25; trial++) {
            int k = 2 + rng.nextInt(5);
            int d = k + 3 + rng.nextInt(30);
            int bN = 1 + rng.nextInt(7);
            TestProblems.Data[] ps = new TestProblems.Data[bN];
            double[][] lam = new double[bN][];
            double[][] ts = new double[bN][];
            for (int b = 0; b < bN; b++) {
                double[] a = TestProblems.gaussian(rng, k * d);
                double[][] box = trial % 3 == 0 ? new double[][] {fill(d, -INF), fill(d, INF)} : TestProblems.randomBox(rng, d, true);
                lam[b] = new double[k];
                for (int j = 0; j < k; j++) {
                    lam[b][j] = rng.uniform(0.05, 1);
                }
                double[] w = new double[d];
                for (int j = 0; j < k; j++) {
                    for (int i = 0; i < d; i++) {
                        w[i] += lam[b][j] * a[j * d + i];
                    }
                }
                ts[b] = new double[d];
                for (int i = 0; i < d; i++) {
                    ts[b][i] = TestProblems.clip(w[i], box[0][i], box[1][i]);
                }
                ps[b] = new TestProblems.Data(k, d, a, TestProblems.mult(a, k, d, ts[b]), box[0], box[1]);
            }
            DualSolutions sol = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, ps));
            for (int b = 0; b < bN; b++) {
                DualSolution s = sol.get(b);
                assertEquals(DualStatus.SOLVED, s.status(), "trial " + trial + " problem " + b + ": " + s);
                assertTrue(TestProblems.diffNorm(s.t(), ts[b]) <= 1e-8 * (1 + TestProblems.norm2(ts[b])),
                        "t error " + TestProblems.diffNorm(s.t(), ts[b]));
                assertTrue(TestProblems.diffNorm(s.lambda(), lam[b]) <= 1e-6 * TestProblems.norm2(lam[b]),
                        "lambda error " + TestProblems.diffNorm(s.lambda(), lam[b]));
                assertTrue(Math.abs(s.relativeGap()) <= 1e-12, "gap " + s.relativeGap());
                assertTrue(s.kkt().max() <= 1e-9 * (1 + TestProblems.norm2(ts[b])), "kkt " + s.kkt());
            }
        }
    }
}
