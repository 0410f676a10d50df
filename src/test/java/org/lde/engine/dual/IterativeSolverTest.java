package org.lde.engine.dual;

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

    /**
     * Two nearly parallel half-spaces without a box: both bind, {@code t*} is the intersection
     * point of the two lines (Cramer's rule), huge when the determinant is small. The relative gap
     * that float64 can resolve grows with the cancellation in {@code A^T lambda}; the solver must
     * still report SOLVED (at the rounding floor) with the right point, not spin to MAX_ITER.
     */
    @Test
    void nearlyParallelRowsSolveToTheRoundingFloor() {
        double ninf = Double.NEGATIVE_INFINITY;
        double inf = Double.POSITIVE_INFINITY;
        for (double a22 : new double[] {-0.2, -0.19, -0.1941}) {
            double[] a = {1.7, 0.3, -1.1, a22};
            double det = 1.7 * a22 - 0.3 * -1.1;
            double[] want = {(0.5 * a22 - 0.3 * 0.5) / det, (1.7 * 0.5 + 1.1 * 0.5) / det};
            TestProblems.Data p = new TestProblems.Data(2, 2, a, new double[] {0.5, 0.5}, new double[] {ninf, ninf}, new double[] {inf, inf});
            DualSolution s = new ReferenceDualSolver().solve(TestProblems.batch(Objective.L2, p)).get(0);
            assertEquals(DualStatus.SOLVED, s.status(), s.toString());
            assertTrue(s.iterations() < 1000, "iterations " + s.iterations());
            // the answer is parametrized by lambda (t = A^T lambda), whose float64 accuracy is about
            // eps cond(A)^2: allow 100 eps cond(A)^2 relative (cond^2 = ratio of eigenvalues of A A^T)
            double m11 = 1.7 * 1.7 + 0.3 * 0.3;
            double m22 = 1.1 * 1.1 + a22 * a22;
            double m12 = 1.7 * -1.1 + 0.3 * a22;
            double tr = m11 + m22;
            double disc = Math.sqrt((m11 - m22) * (m11 - m22) + 4 * m12 * m12);
            double cond2 = (tr + disc) / (tr - disc);
            double rel = TestProblems.diffNorm(s.t(), want) / TestProblems.norm2(want);
            assertTrue(rel <= 100 * Math.ulp(1.0) * cond2 && rel <= 1e-5, "t relative error " + rel + ", cond^2 " + cond2);
            assertTrue(s.relativeGap() <= 1e-4, "gap " + s.relativeGap());
        }
    }

    @Test
    void agreementMeasuresAgainstTheReference() {
        Rng rng = new Rng(75);
        TestProblems.Data p = TestProblems.feasible(rng, 3, 40, false);
        DualProblem prob = TestProblems.batch(Objective.L2, p);
        DualSolution ref = new ReferenceDualSolver().solve(prob).get(0);
        DualSolution plain = new ReferenceDualSolver(DualSolverOptions.builder().activeSetStep(false)
                .feasibilityTolerance(1e-6).gapTolerance(1e-6).build()).solve(prob).get(0);
        DualAgreement same = DualAgreement.of(ref, ref);
        assertEquals(0, same.tError(), 0);
        assertTrue(same.passes(0));
        DualAgreement ag = DualAgreement.of(ref, plain);
        assertTrue(ag.passes(1e-4), ag.toString());
        // a NaN never passes
        double[] bad = ref.t();
        bad[3] = Double.NaN;
        DualSolution nan = new DualSolution(ref.status(), ref.objective(), bad, ref.lambda(), ref.nu(), ref.dualValue(),
                ref.primalValue(), ref.relativeGap(), ref.maxViolation(), 0, ref.iterations(), ref.kkt());
        DualAgreement an = DualAgreement.of(ref, nan);
        assertEquals(Double.POSITIVE_INFINITY, an.tError());
        assertTrue(!an.passes(1e300));
        // duplicate rows: lambda is not unique, t and G are
        double[] a = p.a().clone();
        System.arraycopy(a, 0, a, 40, 40);
        double[] r = p.r().clone();
        r[1] = r[0];
        DualProblem dup = TestProblems.batch(Objective.L2, new TestProblems.Data(3, 40, a, r, p.tl(), p.tu()));
        DualSolution d1 = new ReferenceDualSolver().solve(dup).get(0);
        double[] split = d1.lambda();
        double total = split[0] + split[1];
        split[0] = total;
        split[1] = 0;
        DualSolution d2 = new DualSolution(d1.status(), d1.objective(), d1.t(), split, d1.nu(), d1.dualValue(), d1.primalValue(),
                d1.relativeGap(), d1.maxViolation(), 0, d1.iterations(), d1.kkt());
        DualAgreement ad = DualAgreement.of(d1, d2);
        assertTrue(ad.passesPrimalAndValue(1e-12));
        if (total > 0 && d1.lambda(1) > 0) {
            assertTrue(!ad.passes(1e-4), "a different split of a non-unique lambda is reported as lambda error");
        }
        // the other split is as optimal: same dual value
        assertEquals(d1.dualValue(), Certificates.weakDualityBound(dup, 0, split), 1e-12 * (1 + Math.abs(d1.dualValue())));
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
