package org.lde.explain;

import org.lde.engine.dual.Certificates;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualSolver;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.Objective;
import org.lde.engine.dual.ReferenceDualSolver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.Architectures;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The explainer against closed forms on linear models (where linearization is exact), independent
 * solvers and forward passes of the real network.
 */
class LagrangeDualExplainerTest {

    /** A single Dense layer network {@code f(x) = W x + b} on {@code [d]} inputs. */
    static Network linear(int d, int c, long seed, double lo, double hi) {
        return Network.builder(d).seed(seed).domain(lo, hi).dense("fc", c).build();
    }

    static double[] logits(Network net, double[] x) {
        Dense l = (Dense) net.layers().get(net.layers().size() - 1);
        int c = l.out();
        int d = l.in();
        double[] out = new double[c];
        for (int k = 0; k < c; k++) {
            double v = l.bias().data()[k];
            for (int i = 0; i < d; i++) {
                v += l.weight().data()[k * d + i] * x[i];
            }
            out[k] = v;
        }
        return out;
    }

    static int argmax(double[] v) {
        int b = 0;
        for (int k = 1; k < v.length; k++) {
            if (v[k] > v[b]) {
                b = k;
            }
        }
        return b;
    }

    static double[] row(Tensor t, int n) {
        return t.row(n).data();
    }

    @Test
    void linearModelWithoutBoxMatchesTheClosedFormAndVerifiesTheFlip() {
        int d = 7;
        int c = 4;
        Network net = linear(d, c, 3, -1e6, 1e6); // a domain so wide that the box never binds
        Tensor x = new Rng(5).uniform(Shape.of(6, d), 0, 1);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().maxOuterIterations(1).alpha(1).overshoot(1.02).build();
        List<Explanation> out;
        try (Backend be = Backends.cpu(net)) {
            out = ex.explain(be, x);
        }
        Dense l = (Dense) net.layers().get(0);
        double[] w = l.weight().data();
        for (int n = 0; n < 6; n++) {
            double[] xn = row(x, n);
            double[] f = logits(net, xn);
            int y = argmax(f);
            // Closed form per competitor: delta_j = -m_j w_j / ||w_j||^2, norm |m_j| / ||w_j||.
            double bestNorm = Double.POSITIVE_INFINITY;
            int bestJ = -1;
            double[] bestDelta = null;
            for (int j = 0; j < c; j++) {
                if (j == y) {
                    continue;
                }
                double[] wj = new double[d];
                double nn = 0;
                for (int i = 0; i < d; i++) {
                    wj[i] = w[j * d + i] - w[y * d + i];
                    nn += wj[i] * wj[i];
                }
                double m = f[j] - f[y];
                double norm = Math.abs(m) / Math.sqrt(nn);
                if (norm < bestNorm) {
                    bestNorm = norm;
                    bestJ = j;
                    bestDelta = new double[d];
                    for (int i = 0; i < d; i++) {
                        bestDelta[i] = -m * wj[i] / nn;
                    }
                }
            }
            Explanation e = out.get(n);
            assertEquals(y, e.predictedClass());
            assertEquals(bestJ, e.chosenClass());
            assertEquals(DualStatus.SOLVED, e.linearizedStatus());
            double[] delta = e.delta().data();
            for (int i = 0; i < d; i++) {
                assertEquals(bestDelta[i], delta[i], 1e-10 * (1 + Math.abs(bestDelta[i])));
            }
            assertEquals(bestNorm, e.certificate().rLin(), 1e-9 * bestNorm);
            assertTrue(Math.abs(e.certificate().linearizedRelativeGap()) < 1e-9, "gap " + e.certificate().linearizedRelativeGap());
            // The verified point: the overshoot scales the total, a forward pass confirms the flip.
            assertTrue(e.verified());
            VerifiedPoint v = e.adversarial().orElseThrow();
            assertEquals(1.02 * bestNorm, v.norm(), 1e-9 * bestNorm);
            assertEquals(1.02 * bestNorm, e.certificate().rHi(), 1e-9 * bestNorm);
            double[] fx = logits(net, v.input().data());
            assertNotEquals(y, argmax(fx));
            assertEquals(bestJ, v.outputClass());
            assertEquals(argmax(fx), v.outputClass());
            // Completeness: dual contribution sums to lambda r, margin contribution to r; path is exact on a linear model.
            assertTrue(e.dualContribution().relativeResidual() < 1e-6, e.dualContribution().toString());
            assertTrue(e.marginContribution().orElseThrow().relativeResidual() < 1e-6);
            assertEquals(-(f[bestJ] - f[y]), e.marginContribution().orElseThrow().expected(), 1e-9);
            assertTrue(e.pathAttribution().relativeResidual() < 1e-9, e.pathAttribution().toString());
            assertEquals(1, e.outerIterations());
            assertEquals(2, e.forwardPasses());
            assertEquals(1, e.reversePasses());
            assertEquals(c - 1, e.reverseSeeds());
            assertTrue(Double.isNaN(e.certificate().rLo()));
        }
    }

    @Test
    void linfObjectiveMatchesROverTheOneNorm() {
        int d = 6;
        int c = 3;
        Network net = linear(d, c, 11, -1e6, 1e6);
        Tensor x = new Rng(2).uniform(Shape.of(4, d), 0, 1);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().objective(Objective.LINF)
                .maxOuterIterations(1).alpha(1).overshoot(1.02).build();
        List<Explanation> out;
        try (Backend be = Backends.cpu(net)) {
            out = ex.explain(be, x);
        }
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        for (int n = 0; n < 4; n++) {
            double[] f = logits(net, row(x, n));
            int y = argmax(f);
            double best = Double.POSITIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                if (j == y) {
                    continue;
                }
                double l1 = 0;
                for (int i = 0; i < d; i++) {
                    l1 += Math.abs(w[j * d + i] - w[y * d + i]);
                }
                best = Math.min(best, (f[y] - f[j]) / l1);
            }
            Explanation e = out.get(n);
            assertEquals(best, e.certificate().rLin(), 1e-9 * best);
            double linf = 0;
            for (double v : e.delta().data()) {
                linf = Math.max(linf, Math.abs(v));
            }
            assertEquals(best, linf, 1e-9 * best);
            VerifiedPoint v = e.adversarial().orElseThrow();
            assertEquals(1.02 * best, v.deltaLinf(), 1e-9 * best);
            assertNotEquals(y, argmax(logits(net, v.input().data())));
        }
    }

    @Test
    void l1ObjectiveSpendsEverythingOnTheLargestWeight() {
        int d = 6;
        Network net = linear(d, 2, 12, -1e6, 1e6);
        Tensor x = new Rng(9).uniform(Shape.of(3, d), 0, 1);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().objective(Objective.L1)
                .maxOuterIterations(1).alpha(1).overshoot(1.02).build();
        List<Explanation> out;
        try (Backend be = Backends.cpu(net)) {
            out = ex.explain(be, x);
        }
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        for (int n = 0; n < 3; n++) {
            double[] f = logits(net, row(x, n));
            int y = argmax(f);
            int j = 1 - y;
            int big = 0;
            for (int i = 1; i < d; i++) {
                if (Math.abs(w[j * d + i] - w[y * d + i]) > Math.abs(w[j * d + big] - w[y * d + big])) {
                    big = i;
                }
            }
            double aBig = w[j * d + big] - w[y * d + big];
            double want = (f[y] - f[j]) / Math.abs(aBig);
            Explanation e = out.get(n);
            assertEquals(want, e.certificate().rLin(), 1e-9 * want);
            double[] delta = e.delta().data();
            for (int i = 0; i < d; i++) {
                assertEquals(i == big ? Math.signum(aBig) * want : 0.0, delta[i], 1e-9 * want);
            }
            assertNotEquals(y, argmax(logits(net, e.adversarial().orElseThrow().input().data())));
        }
    }

    @Test
    void onALinearModelEveryLinearizationGivesTheSameSolutionSoDampedStepsKeepIt() {
        // With z != x the right-hand side needs the g^T (z - x) term; on a linear model the constraint
        // is the same at every z, so t* must equal the single-step closed form after any number of steps.
        int d = 5;
        int c = 3;
        Network net = linear(d, c, 31, -1e6, 1e6);
        Tensor x = new Rng(10).uniform(Shape.of(4, d), 0, 1);
        try (Backend be = Backends.cpu(net)) {
            List<Explanation> one = LagrangeDualExplainer.builder().additive().maxOuterIterations(1).alpha(1).build().explain(be, x);
            List<Explanation> damped = LagrangeDualExplainer.builder().additive().maxOuterIterations(4).alpha(0.3)
                    .verifyCandidates(false).tolerance(0).build().explain(be, x);
            for (int n = 0; n < 4; n++) {
                assertTrue(damped.get(n).t().relativeError(one.get(n).t()) < 1e-10);
                assertEquals(4, damped.get(n).outerIterations());
                // Iterates 0.3, 0.51, 0.657 of t*, then the overshoot 1.1 on the last: 1.1 * 0.7599 < 1, unverified.
                double[] fd = damped.get(n).finalDelta().data();
                double[] ts = one.get(n).delta().data();
                for (int i = 0; i < d; i++) {
                    assertEquals(1.1 * (1 - Math.pow(0.7, 4)) * ts[i], fd[i], 1e-10 * (1 + Math.abs(ts[i])));
                }
                assertFalse(damped.get(n).verified());
                assertTrue(damped.get(n).pathAttribution().relativeResidual() < 1e-9);
            }
        }
    }

    @Test
    void candidateLadderKeepsTheSmallestVerifiedFactorAndCountsItsPasses() {
        int d = 5;
        Network net = linear(d, 3, 8, -1e6, 1e6);
        Tensor x = new Rng(15).uniform(Shape.of(3, d), 0, 1);
        try (Backend be = Backends.cpu(net)) {
            List<Explanation> one = LagrangeDualExplainer.builder().additive().maxOuterIterations(1).alpha(1).build().explain(be, x);
            List<Explanation> ladder = LagrangeDualExplainer.builder().additive().maxOuterIterations(2).alpha(1)
                    .candidateFactors(3, 1.01).tolerance(0).build().explain(be, x);
            for (int n = 0; n < 3; n++) {
                double star = Math.sqrt(2 * one.get(n).certificate().linearizedPrimalValue());
                Explanation e = ladder.get(n);
                // Candidates 3 t* and 1.01 t* after the first solve; iterate z_1 = t* sits on the boundary;
                // the last step gives 1.1 t*. The smallest verified is 1.01 t* (z_1 only if rounding verifies it).
                VerifiedPoint v = e.adversarial().orElseThrow();
                assertTrue(Math.abs(v.norm() - 1.01 * star) < 1e-9 * star || Math.abs(v.norm() - star) < 1e-9 * star,
                        v.norm() + " vs " + star);
                assertEquals(1 + 2 + 1 + 1, e.forwardPasses());
                assertEquals(2, e.reversePasses());
                assertEquals(2 * 2, e.reverseSeeds());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> LagrangeDualExplainer.builder().candidateFactors(0.9).build());
        assertThrows(IllegalArgumentException.class, () -> LagrangeDualExplainer.builder().candidateFactors().build());
    }

    @Test
    void targetModeWarmStartAgreesWithAColdStart() {
        Network net = Network.builder(8).seed(5).dense(16).relu().dense(4).build();
        Tensor x = new Rng(3).uniform(Shape.of(4, 8), 0, 1);
        DualSolver cold = p -> new ReferenceDualSolver().solve(p); // supportsWarmStart() = false
        int[] targets = {1, 2, 3, 0};
        try (Backend be = Backends.cpu(net)) {
            LagrangeDualExplainer.Builder b = LagrangeDualExplainer.builder().additive().mode(ExplainMode.TARGET)
                    .maxOuterIterations(3).tolerance(0);
            List<Explanation> w = b.build().explain(be, x, targets);
            List<Explanation> k = b.solver(cold).build().explain(be, x, targets);
            for (int n = 0; n < 4; n++) {
                assertEquals(k.get(n).linearizedStatus(), w.get(n).linearizedStatus());
                assertTrue(w.get(n).t().relativeError(k.get(n).t()) < 1e-6, "sample " + n);
                assertEquals(k.get(n).certificate().linearizedDualValue(), w.get(n).certificate().linearizedDualValue(),
                        1e-6 * Math.abs(k.get(n).certificate().linearizedDualValue()));
                assertEquals(3, w.get(n).constraintClasses().size());
            }
        }
    }

    @Test
    void linfBudgetLimitsTheAdditiveBoxOrMakesItInfeasible() {
        int d = 6;
        Network net = linear(d, 2, 41, 0, 1);
        Tensor x = new Rng(14).uniform(Shape.of(1, d), 0.3, 0.7);
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        double[] f = logits(net, row(x, 0));
        int y = argmax(f);
        double l1 = 0;
        for (int i = 0; i < d; i++) {
            l1 += Math.abs(w[(1 - y) * d + i] - w[y * d + i]);
        }
        double need = (f[y] - f[1 - y]) / l1; // the smallest eps that reaches the boundary (box never binds below 0.3)
        assertTrue(need < 0.3, "fixture: the domain must not bind, need " + need);
        try (Backend be = Backends.cpu(net)) {
            Explanation small = LagrangeDualExplainer.builder().additive().linfBudget(0.9 * need).build().explain(be, x).get(0);
            assertEquals(DualStatus.INFEASIBLE_IN_BOX, small.linearizedStatus());
            assertFalse(small.verified());
            Explanation big = LagrangeDualExplainer.builder().additive().linfBudget(1.5 * need).maxOuterIterations(1)
                    .alpha(1).overshoot(1).build().explain(be, x).get(0);
            assertEquals(DualStatus.SOLVED, big.linearizedStatus());
            for (double v : big.delta().data()) {
                assertTrue(Math.abs(v) <= 1.5 * need + 1e-15);
            }
            assertTrue(big.dualContribution().relativeResidual() < 1e-6);
        }
    }

    /** The exact 1-D root of {@code phi(lambda) = a^T clip(lambda a, tl, tu) - r} by bisection. */
    static double[] bisect(double[] a, double r, double[] tl, double[] tu) {
        double lo = 0;
        double hi = 1;
        while (phi(a, r, tl, tu, hi) < 0) {
            hi *= 2;
        }
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            if (phi(a, r, tl, tu, mid) < 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double[] t = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            t[i] = Math.min(tu[i], Math.max(tl[i], hi * a[i]));
        }
        return t;
    }

    static double phi(double[] a, double r, double[] tl, double[] tu, double lambda) {
        double s = -r;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * Math.min(tu[i], Math.max(tl[i], lambda * a[i]));
        }
        return s;
    }

    @Test
    void singleStepAgreesWithTheExactOneDimensionalSolutionInTheDomainBox() {
        // Domain [0, 1]: the box [-x, 1 - x] binds for many features.
        int d = 12;
        int c = 2;
        Network net = linear(d, c, 21, 0, 1);
        Tensor x = new Rng(8).uniform(Shape.of(5, d), 0, 1);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().maxOuterIterations(1).alpha(1).kappa(0.3).build();
        List<Explanation> out;
        try (Backend be = Backends.cpu(net)) {
            out = ex.explain(be, x);
        }
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        int bound = 0;
        for (int n = 0; n < 5; n++) {
            double[] xn = row(x, n);
            double[] f = logits(net, xn);
            int y = argmax(f);
            int j = 1 - y;
            double[] a = new double[d];
            double[] tl = new double[d];
            double[] tu = new double[d];
            double maxReach = 0;
            for (int i = 0; i < d; i++) {
                a[i] = w[j * d + i] - w[y * d + i];
                tl[i] = -xn[i];
                tu[i] = 1 - xn[i];
                maxReach += Math.max(a[i] * tl[i], a[i] * tu[i]);
            }
            double r = 0.3 - (f[j] - f[y]);
            Explanation e = out.get(n);
            if (maxReach < r) {
                assertEquals(DualStatus.INFEASIBLE_IN_BOX, e.linearizedStatus());
                continue;
            }
            double[] want = bisect(a, r, tl, tu);
            double[] got = e.t().data();
            for (int i = 0; i < d; i++) {
                assertEquals(want[i], got[i], 1e-9);
                if (got[i] == tl[i] || got[i] == tu[i]) {
                    bound++;
                    assertNotEquals(0.0, e.nu().data()[i], "a bound binds at feature " + i + " so its shadow price is nonzero");
                }
            }
            // Weak duality: G(lambda) <= p* for random lambda >= 0, the maximum at lambda*.
            DualProblem p = DualProblem.builder(new Tensor(Shape.of(1, 1, d), a), Tensor.of(Shape.of(1, 1), r))
                    .box(new Tensor(Shape.of(1, d), tl), new Tensor(Shape.of(1, d), tu)).build();
            double pStar = 0.5 * dot(got, got);
            assertEquals(pStar, e.certificate().linearizedPrimalValue(), 1e-12);
            Rng rng = new Rng(n);
            for (int k = 0; k < 50; k++) {
                double lam = rng.uniform(0, 3 * e.lambda().data()[0] + 1);
                assertTrue(Certificates.weakDualityBound(p, 0, new double[] {lam}) <= pStar + 1e-12);
            }
            assertEquals(pStar, Certificates.weakDualityBound(p, 0, e.lambda().data()), 1e-9);
            assertTrue(e.dualContribution().relativeResidual() < 1e-6);
        }
        assertTrue(bound > 0, "the test needs some binding box constraints");
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void deletionTowardABaselineThatCannotFlipIsInfeasibleInTheBox() {
        // f_0 = sum x_i, f_1 = -10: removing features toward 0 never makes class 1 win.
        int d = 4;
        double[] wData = {1, 1, 1, 1, 0, 0, 0, 0};
        Network net = new Network(Shape.of(d), List.of(new Dense("fc", d, 2, Tensor.of(Shape.of(2, d), wData),
                Tensor.of(Shape.of(2), 0, -10))), Task.CLASSIFICATION, List.of(), 0, 1);
        Tensor x = Tensor.of(Shape.of(1, d), 0.5, 0.2, 0.9, 0.4);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().deletion(Baseline.ZERO).build();
        Explanation e;
        try (Backend be = Backends.cpu(net)) {
            e = ex.explain(be, x).get(0);
        }
        assertEquals(DualStatus.INFEASIBLE_IN_BOX, e.linearizedStatus());
        assertEquals(StopReason.INFEASIBLE_IN_BOX, e.stopReason());
        assertFalse(e.verified());
        assertTrue(Double.isNaN(e.certificate().rHi()));
        assertEquals(Double.POSITIVE_INFINITY, e.certificate().linearizedDualValue());
        assertEquals(Double.POSITIVE_INFINITY, e.certificate().rLin());
        // The box maximizer of the certificate removes every feature (t = 1), which still leaves margin -10.
        for (double v : e.t().data()) {
            assertEquals(1.0, v);
        }
        assertTrue(e.dualContribution().relativeResidual() > 0, "the residual shows the infeasibility margin");
    }

    @Test
    void verifiedPointsOfASmallCnnReallyFlipTheDecision() {
        Network net = Architectures.fashionCnn(4);
        Tensor x = org.lde.data.SampleData.fashionMnist().inputs().slice(0, 6);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().deletion(Baseline.BLUR).maxOuterIterations(4).build();
        List<Explanation> out;
        try (Backend be = Backends.cpu(net)) {
            out = ex.explain(be, x);
        }
        int verified = 0;
        try (Backend other = Backends.cpu(net.copy())) {
            Tensor base = Baseline.BLUR.of(x, LagrangeDualExplainer.DEFAULT_BLUR_SIGMA);
            for (Explanation e : out) {
                assertTrue(e.dualContribution().relativeResidual() < 1e-6, e.dualContribution().toString());
                assertTrue(e.forwardPasses() >= 2 && e.forwardPasses() <= 4 * (1 + 4) + 1, "passes " + e.forwardPasses());
                assertEquals(e.outerIterations(), e.reversePasses());
                if (e.adversarial().isEmpty()) {
                    continue;
                }
                verified++;
                VerifiedPoint v = e.adversarial().get();
                Tensor f = other.forward(v.input().reshape(Shape.of(1, 1, 28, 28)));
                int a = argmax(f.data());
                assertNotEquals(e.predictedClass(), a);
                assertEquals(a, v.outputClass());
                // x' lies between x and the blurred baseline, and x' = x + delta.
                double[] xn = row(x, e.sample()).clone();
                double[] bn = row(base, e.sample());
                double[] p = v.input().data();
                double[] dl = v.delta().data();
                for (int i = 0; i < xn.length; i++) {
                    assertEquals(xn[i] + dl[i], p[i], 1e-12);
                    assertTrue(p[i] >= Math.min(xn[i], bn[i]) - 1e-12 && p[i] <= Math.max(xn[i], bn[i]) + 1e-12);
                }
                // r_hi is ||delta||_2 in input space (the deletion model's t is a fraction per feature).
                assertEquals(v.deltaL2(), e.certificate().rHi(), 1e-12 * (1 + v.deltaL2()));
                assertEquals(VerifiedBy.FLOAT64_BACKEND, v.verifiedBy());
            }
        }
        assertTrue(verified > 0, "no explanation verified on the random CNN");
    }

    @Test
    void mostExplanationsOfTheTrainedSampleCnnVerifyAndEveryVerifiedPointFlips() {
        Network net = org.lde.model.ModelFile.openResource("/org/lde/models/fmnist-cnn.safetensors");
        Tensor x = org.lde.data.SampleData.fashionMnist().inputs().slice(0, 8);
        List<Explanation> out;
        try (Backend be = Backends.cpu(net)) {
            out = LagrangeDualExplainer.builder().additive().build().explain(be, x);
        }
        int verified = 0;
        try (Backend other = Backends.cpu(net.copy())) {
            for (Explanation e : out) {
                assertEquals(e.outerIterations(), e.reversePasses());
                assertEquals(e.reversePasses() * 9, e.reverseSeeds());
                assertTrue(e.dualContribution().relativeResidual() < 1e-6);
                if (e.adversarial().isEmpty()) {
                    continue;
                }
                verified++;
                VerifiedPoint v = e.adversarial().get();
                double[] f = other.forward(v.input().reshape(Shape.of(1, 1, 28, 28))).data();
                assertNotEquals(e.predictedClass(), argmax(f));
                assertEquals(f[argmax(f)] - f[e.predictedClass()], v.margin(), 1e-9);
                for (double p : v.input().data()) {
                    assertTrue(p >= 0 && p <= 1, "verified point outside the data domain: " + p);
                }
                assertTrue(v.norm() <= Math.sqrt(2 * 784), "norm " + v.norm());
            }
        }
        assertTrue(verified >= 4, "only " + verified + "/8 verified on the trained sample CNN");
    }

    @Test
    void batchedResultsEqualPerSampleResults() {
        Network net = Network.builder(1, 6, 6).seed(9).conv2d(3, 3, 1, 1).relu().maxPool(2, 2).dense(12).relu().dense(5).build();
        Tensor x = new Rng(4).uniform(Shape.of(5, 1, 6, 6), 0, 1);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().maxOuterIterations(3).build();
        try (Backend be = Backends.cpu(net)) {
            List<Explanation> all = ex.explain(be, x);
            for (int n = 0; n < 5; n++) {
                Explanation one = ex.explain(be, x.slice(n, n + 1)).get(0);
                Explanation b = all.get(n);
                assertEquals(one.chosenClass(), b.chosenClass());
                assertEquals(one.outerIterations(), b.outerIterations());
                assertEquals(one.stopReason(), b.stopReason());
                assertTrue(b.t().relativeError(one.t()) < 1e-10);
                assertTrue(b.lambda().relativeError(one.lambda()) < 1e-10);
                assertTrue(b.dualContribution().map().relativeError(one.dualContribution().map()) < 1e-10);
                assertTrue(b.pathAttribution().map().relativeError(one.pathAttribution().map()) < 1e-10);
                assertEquals(one.certificate().linearizedDualValue(), b.certificate().linearizedDualValue(),
                        1e-10 * Math.abs(one.certificate().linearizedDualValue()));
                assertEquals(one.verified(), b.verified());
            }
        }
    }

    @Test
    void nonlinearLoopKeepsOrImprovesTheVerifiedNormAndReportsThePathResidual() {
        Network net = Network.builder(10).seed(13).dense(24).relu().dense(16).relu().dense(4).build();
        Tensor x = new Rng(6).uniform(Shape.of(12, 10), 0, 1);
        LagrangeDualExplainer one = LagrangeDualExplainer.builder().additive().maxOuterIterations(1).alpha(1).build();
        LagrangeDualExplainer many = LagrangeDualExplainer.builder().additive().maxOuterIterations(8).tolerance(0).build();
        try (Backend be = Backends.cpu(net)) {
            List<Explanation> e1 = one.explain(be, x);
            List<Explanation> e8 = many.explain(be, x);
            int better = 0;
            for (int n = 0; n < 12; n++) {
                Explanation a = e1.get(n);
                Explanation b = e8.get(n);
                if (a.verified()) {
                    assertTrue(b.verified(), "sample " + n + " lost its verified point");
                    assertTrue(b.certificate().rHi() <= a.certificate().rHi() * (1 + 1e-9)
                            || b.adversarial().get().iteration() > 0,
                            "sample " + n + ": " + b.certificate().rHi() + " vs " + a.certificate().rHi());
                    if (b.certificate().rHi() < a.certificate().rHi() * (1 - 1e-6)) {
                        better++;
                    }
                }
                // The path residual is reported against an independent forward pass at the end of the path.
                Tensor end = x.row(n).copy();
                double[] ed = end.data();
                double[] fd = b.finalDelta().data();
                for (int i = 0; i < ed.length; i++) {
                    ed[i] += fd[i];
                }
                double[] fx = be.forward(x.slice(n, n + 1)).data();
                double[] fz = be.forward(end.reshape(Shape.of(1, 10))).data();
                int y = b.predictedClass();
                int j = b.chosenClass();
                double want = (fz[j] - fz[y]) - (fx[j] - fx[y]);
                assertEquals(want, b.pathAttribution().expected(), 1e-10);
                double res = Math.abs(b.pathAttribution().sum() - want) / Math.abs(want);
                assertEquals(res, b.pathAttribution().relativeResidual(), 1e-9);
                assertTrue(Double.isFinite(res));
            }
            assertTrue(better > 0, "the loop should improve some verified norms");
        }
    }

    @Test
    void regressionIncreaseAndDecreaseMoveTheOutputByKappa() {
        int d = 5;
        Network net = Network.builder(d).seed(2).task(Task.REGRESSION).domain(-1e6, 1e6).dense("fc", 1).build();
        Tensor x = new Rng(3).uniform(Shape.of(3, d), 0, 1);
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        double ww = dot(w, w);
        for (RegressionGoal goal : RegressionGoal.values()) {
            LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().regressionGoal(goal).kappa(0.5)
                    .maxOuterIterations(1).alpha(1).overshoot(1.02).build();
            List<Explanation> out;
            try (Backend be = Backends.cpu(net)) {
                out = ex.explain(be, x);
            }
            for (Explanation e : out) {
                double[] delta = e.delta().data();
                for (int i = 0; i < d; i++) {
                    assertEquals(goal.sign() * 0.5 * w[i] / ww, delta[i], 1e-12);
                }
                VerifiedPoint v = e.adversarial().orElseThrow();
                double change = logits(net, v.input().data())[0] - logits(net, row(x, e.sample()))[0];
                assertEquals(goal.sign() * 0.5 * 1.02, change, 1e-9);
                assertEquals(0.5 / Math.sqrt(ww), e.certificate().rLin(), 1e-9);
            }
        }
    }

    @Test
    void targetModeReachesTheTargetAndAgreesWithTheReferenceSolver() {
        int d = 8;
        int c = 4;
        Network net = linear(d, c, 17, -1e6, 1e6);
        Tensor x = new Rng(1).uniform(Shape.of(3, d), 0, 1);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().maxOuterIterations(1).alpha(1).kappa(0.1).build();
        int[] targets = {0, 2, 3};
        List<Explanation> out;
        try (Backend be = Backends.cpu(net)) {
            ex = LagrangeDualExplainer.builder().additive().mode(ExplainMode.TARGET).maxOuterIterations(1).alpha(1).kappa(0.1).build();
            out = ex.explain(be, x, targets);
        }
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        for (int n = 0; n < 3; n++) {
            int cT = targets[n];
            double[] f = logits(net, row(x, n));
            double[] a = new double[(c - 1) * d];
            double[] r = new double[c - 1];
            int k = 0;
            for (int j = 0; j < c; j++) {
                if (j == cT) {
                    continue;
                }
                for (int i = 0; i < d; i++) {
                    a[k * d + i] = w[cT * d + i] - w[j * d + i];
                }
                r[k] = 0.1 - (f[cT] - f[j]);
                k++;
            }
            double[] tl = new double[d];
            double[] tu = new double[d];
            java.util.Arrays.fill(tl, -1e6);
            java.util.Arrays.fill(tu, 1e6);
            for (int i = 0; i < d; i++) {
                tl[i] -= row(x, n)[i];
                tu[i] -= row(x, n)[i];
            }
            DualProblem p = DualProblem.builder(new Tensor(Shape.of(1, c - 1, d), a), new Tensor(Shape.of(1, c - 1), r))
                    .box(new Tensor(Shape.of(1, d), tl), new Tensor(Shape.of(1, d), tu)).build();
            DualSolution ref = new ReferenceDualSolver().solve(p).get(0);
            Explanation e = out.get(n);
            assertEquals(cT, e.chosenClass());
            assertEquals(c - 1, e.constraintClasses().size());
            assertTrue(e.t().relativeError(new Tensor(Shape.of(d), ref.t())) < 1e-9);
            assertTrue(e.dualContribution().relativeResidual() < 1e-6);
            VerifiedPoint v = e.adversarial().orElseThrow();
            double[] fx = logits(net, v.input().data());
            assertEquals(cT, argmax(fx));
            assertTrue(v.margin() >= 0.1);
        }
    }

    @Test
    void attributeReturnsTheChosenMapForEverySample() {
        Network net = linear(9, 3, 1, 0, 1);
        Tensor x = new Rng(12).uniform(Shape.of(4, 9), 0, 1);
        for (AttributionKind kind : List.of(AttributionKind.DUAL_CONTRIBUTION, AttributionKind.PERTURBATION,
                AttributionKind.SHADOW_PRICE, AttributionKind.PATH, AttributionKind.MARGIN_CONTRIBUTION)) {
            LagrangeDualExplainer ex = LagrangeDualExplainer.builder().attribution(kind).maxOuterIterations(2).build();
            try (Backend be = Backends.cpu(net)) {
                int[] pred = org.lde.engine.Evaluation.argmax(be.forward(x));
                Tensor maps = ex.attribute(be, x, pred);
                List<Explanation> e = ex.explain(be, x);
                assertEquals(Shape.of(4, 9), maps.shape());
                for (int n = 0; n < 4; n++) {
                    assertEquals(0, maps.row(n).maxAbsDiff(e.get(n).attribution(kind)));
                }
            }
        }
        assertEquals("lde-deletion-zero-flip", LagrangeDualExplainer.builder().build().name());
    }

    @Test
    void badOptionsAndInputsAreRejectedWithTheirName() {
        Network net = linear(4, 3, 1, 0, 1);
        Network reg = Network.builder(4).task(Task.REGRESSION).dense(1).build();
        String m;
        m = assertThrows(IllegalArgumentException.class, () -> LagrangeDualExplainer.builder().linfBudget(0.1).build()).getMessage();
        assertTrue(m.contains("ADDITIVE"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LagrangeDualExplainer.builder().objective(Objective.L1).mode(ExplainMode.TARGET).build()).getMessage();
        assertTrue(m.contains("L1") && m.contains("FLIP"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LagrangeDualExplainer.builder().objective(Objective.LINF).build()).getMessage();
        assertTrue(m.contains("LINF") && m.contains("ADDITIVE"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LagrangeDualExplainer.builder().alpha(0).build()).getMessage();
        assertTrue(m.contains("alpha"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LagrangeDualExplainer.builder().overshoot(0.9).build()).getMessage();
        assertTrue(m.contains("overshoot"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LagrangeDualExplainer.builder().kappa(-1).build()).getMessage();
        assertTrue(m.contains("kappa"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LagrangeDualExplainer.builder().maxOuterIterations(0).build()).getMessage();
        assertTrue(m.contains("S_max"), m);
        try (Backend be = Backends.cpu(net); Backend rb = Backends.cpu(reg)) {
            LagrangeDualExplainer ex = LagrangeDualExplainer.builder().build();
            m = assertThrows(IllegalArgumentException.class, () -> ex.explain(be, Tensor.zeros(2, 5))).getMessage();
            assertTrue(m.contains("[2, 5]"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> LagrangeDualExplainer.builder().mode(ExplainMode.TARGET).build().explain(be, Tensor.zeros(1, 4))).getMessage();
            assertTrue(m.contains("target"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> LagrangeDualExplainer.builder().target(3).build().explain(be, Tensor.zeros(1, 4))).getMessage();
            assertTrue(m.contains("target class 3"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> ex.explain(be, Tensor.zeros(2, 4), new int[] {0, 7})).getMessage();
            assertTrue(m.contains("class 7 of sample 1"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> LagrangeDualExplainer.builder().additive().build().explain(be, Tensor.of(Shape.of(1, 4), 0, 0.5, 1.5, 0))).getMessage();
            assertTrue(m.contains("feature 2") && m.contains("domain"), m);
            m = assertThrows(IllegalArgumentException.class, () -> ex.explain(rb, Tensor.zeros(1, 4))).getMessage();
            assertTrue(m.contains("kappa > 0"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> LagrangeDualExplainer.builder().deletion(Baseline.BLUR).build().explain(be, Tensor.zeros(1, 4))).getMessage();
            assertTrue(m.contains("BLUR"), m);
            Tensor bad = Tensor.zeros(1, 4);
            bad.data()[1] = Double.NaN;
            m = assertThrows(IllegalArgumentException.class, () -> ex.explain(be, bad)).getMessage();
            assertTrue(m.contains("NaN"), m);
        }
    }

    @Test
    void blurBaselineKeepsConstantsAndSpreadsAnImpulseAsAGaussian() {
        Tensor flat = Tensor.zeros(1, 1, 9, 9);
        java.util.Arrays.fill(flat.data(), 0.7);
        Tensor b = Baseline.BLUR.of(flat, 1.0);
        for (double v : b.data()) {
            assertEquals(0.7, v, 1e-12);
        }
        Tensor imp = Tensor.zeros(1, 1, 15, 15);
        imp.set(1.0, 0, 0, 7, 7);
        Tensor g = Baseline.BLUR.of(imp, 1.0);
        double z = 0;
        for (int i = -3; i <= 3; i++) {
            z += Math.exp(-0.5 * i * i);
        }
        assertEquals(1 / (z * z), g.get(0, 0, 7, 7), 1e-12);
        assertEquals(Math.exp(-0.5) * Math.exp(-2) / (z * z), g.get(0, 0, 8, 9), 1e-12);
        Tensor mean = Baseline.MEAN.of(Tensor.of(Shape.of(2, 2), 1, 3, 0, 4), 1);
        assertEquals(2.0, mean.get(0, 1));
        assertEquals(2.0, mean.get(1, 0));
    }
}
