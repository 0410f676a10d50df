package org.lde.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** The accelerated dual ascent itself (as the GPU runs it), its step size, and warm starts. */
class IterativeSolverTest {

    @Test
    void largestEigenvalueMatchesDiagonalAndRankOneCases() {
        // diag(3, 1, 2) rotated by a permutation-free orthogonal matrix is hard to write by hand;
        // use rank one u u^T (eigenvalue ||u||^2) plus a multiple of the identity
        Rng rng = new Rng(71);
        for (int k : new int[] {1, 2, 5, 17, 48, 49, 60}) {
            double[] u = TestProblems.gaussian(rng, k);
            double c = rng.uniform(0.1, 2);
            double[] m = new double[k * k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    m[i * k + j] = u[i] * u[j] + (i == j ? c : 0);
                }
            }
            double want = Math.pow(TestProblems.norm2(u), 2) + c;
            double got = DualMath.largestEigenvalue(m, k);
            if (k <= 48) {
                assertEquals(want, got, 1e-12 * want, "Jacobi, K = " + k);
            } else {
                assertTrue(got >= want && got <= 1.02 * want, "power method, K = " + k + ": " + got + " vs " + want);
            }
        }
    }

    /** Plain accelerated ascent (no exact step) reaches the 1e-4 gap of METHOD.md section 4 and agrees with the reference. */
    @Test
    void plainAcceleratedAscentReachesTargetGap() {
        Rng rng = new Rng(72);
        ReferenceDualSolver plain = new ReferenceDualSolver(DualSolverOptions.builder().activeSetStep(false)
                .exactOneConstraint(false).feasibilityTolerance(1e-6).gapTolerance(1e-6).maxIterations(200000).build());
        for (int trial = 0; trial < 12; trial++) {
            int k = 1 + rng.nextInt(7);
            int d = 5 + rng.nextInt(90);
            int bN = 1 + rng.nextInt(7);
            TestProblems.Data[] ps = new TestProblems.Data[bN];
            for (int b = 0; b < bN; b++) {
                ps[b] = TestProblems.feasible(rng, k, d, trial % 2 == 0);
            }
            DualProblem prob = TestProblems.batch(Objective.L2, ps);
            DualSolutions ref = new ReferenceDualSolver().solve(prob);
            DualSolutions fast = plain.solve(prob);
            for (int b = 0; b < bN; b++) {
                DualSolution s = fast.get(b);
                assertEquals(DualStatus.SOLVED, s.status(), s.toString());
                assertTrue(Math.abs(s.relativeGap()) <= 1e-4, "gap " + s.relativeGap());
                double[] tr = ref.get(b).t();
                assertTrue(TestProblems.diffNorm(s.t(), tr) <= 1e-2 * (1e-3 + TestProblems.norm2(tr)),
                        "t differs: " + TestProblems.diffNorm(s.t(), tr) + " of " + TestProblems.norm2(tr));
            }
        }
    }

    /** Nearly parallel constraint rows make the dual ill-conditioned; the answer is known by construction. */
    @Test
    void illConditionedRowsWithKnownSolution() {
        Rng rng = new Rng(73);
        for (int trial = 0; trial < 10; trial++) {
            int k = 2 + rng.nextInt(3);
            int d = 20 + rng.nextInt(40);
            double[] base = TestProblems.gaussian(rng, d);
            double[] a = new double[k * d];
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < d; i++) {
                    a[j * d + i] = base[i] + 0.05 * rng.gaussian();
                }
            }
            double[][] box = TestProblems.randomBox(rng, d, false);
            double[] lam = new double[k];
            for (int j = 0; j < k; j++) {
                lam[j] = rng.uniform(0.1, 1);
            }
            double[] w = new double[d];
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < d; i++) {
                    w[i] += lam[j] * a[j * d + i];
                }
            }
            double[] t = new double[d];
            for (int i = 0; i < d; i++) {
                t[i] = TestProblems.clip(w[i], box[0][i], box[1][i]);
            }
            TestProblems.Data p = new TestProblems.Data(k, d, a, TestProblems.mult(a, k, d, t), box[0], box[1]);
            DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, p)).get(0);
            assertEquals(DualStatus.SOLVED, s.status(), s.toString());
            assertTrue(TestProblems.diffNorm(s.t(), t) <= 1e-7 * (1 + TestProblems.norm2(t)), "t error " + TestProblems.diffNorm(s.t(), t));
            assertTrue(TestProblems.diffNorm(s.lambda(), lam) <= 1e-5 * TestProblems.norm2(lam), "lambda error");
        }
    }

    @Test
    void warmStartAtTheOptimumStopsAtTheFirstCheck() {
        Rng rng = new Rng(74);
        int bN = 5;
        TestProblems.Data[] ps = new TestProblems.Data[bN];
        for (int b = 0; b < bN; b++) {
            ps[b] = TestProblems.feasible(rng, 4, 33, false);
        }
        DualProblem prob = TestProblems.batch(Objective.L2, ps);
        ReferenceDualSolver solver = new ReferenceDualSolver(DualSolverOptions.builder().checkEvery(1).build());
        DualSolutions cold = solver.solve(prob);
        Tensor lambda0 = cold.lambda();
        DualSolutions warm = solver.solve(prob, lambda0);
        for (int b = 0; b < bN; b++) {
            assertEquals(DualStatus.SOLVED, warm.get(b).status());
            assertTrue(warm.get(b).iterations() <= 1, "warm start took " + warm.get(b).iterations());
            assertTrue(TestProblems.diffNorm(warm.get(b).t(), cold.get(b).t()) <= 1e-9 * (1 + TestProblems.norm2(cold.get(b).t())));
        }
        assertEquals(Shape.of(bN, 4), lambda0.shape());
    }
}
