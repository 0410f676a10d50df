package org.lde.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.Objective;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The certificate's invariants (METHOD.md section 4, issue 10) over thousands of random explanations:
 * random small MLPs and CNNs, the additive model with an L_inf budget and the deletion model, FLIP and
 * TARGET, L2 and L_inf objectives, with a sound test-double certifier (a global Lipschitz bound). Every
 * explanation must satisfy: {@code r_lo <= r_hi}; never infeasibility reported as the outcome beside a
 * verified point; {@code verified} iff an adversarial point, confirmed by an independent float64 forward
 * pass (a separate backend on a copy of the network) with margin {@code >= kappa}, whose
 * {@code ||delta||_p} is {@code r_hi}; {@code r_lin} equal to the dual bound of the linearization at
 * {@code x} (a one-step explanation's). Bounded in time (about 20 s alone).
 */
class CertificateInvariantsTest {

    /**
     * A sound certified radius by a global Lipschitz bound (ReLU and non-overlapping max-pool are
     * 1-Lipschitz in L2, Dense at most its Frobenius norm, Conv2d at most {@code ||W||_F sqrt(kh kw)}): for
     * the margin {@code f_y - f_j} with last-layer rows {@code w_y - w_j}, {@code L_j = ||w_y - w_j||_2 prod},
     * {@code r = min_j m_j(x) / L_j}; in L_inf, {@code r / sqrt(d)}. Loose but sound, independent of the engine.
     */
    static RadiusCertifier lipschitz(Network net) {
        List<Layer> layers = net.layers();
        double prod = 1;
        for (int l = 0; l < layers.size() - 1; l++) {
            Layer layer = layers.get(l);
            if (layer instanceof Dense dn) {
                prod *= frobenius(dn.weight().data());
            } else if (layer instanceof Conv2d cv) {
                prod *= frobenius(cv.weight().data()) * Math.sqrt(cv.kernelH() * cv.kernelW());
            } else if (layer instanceof MaxPool2d mp) {
                assertEquals(mp.kernelH(), mp.strideH(), "non-overlapping pooling only");
            }
        }
        Dense last = (Dense) layers.get(layers.size() - 1);
        double lip = prod;
        int d = net.inputSize();
        return (backend, x, labels, norm) -> {
            double[] f = backend.forward(x).data();
            int c = last.out();
            double[] w = last.weight().data();
            double[] r = new double[labels.length];
            for (int n = 0; n < labels.length; n++) {
                int y = labels[n];
                double best = Double.POSITIVE_INFINITY;
                for (int j = 0; j < c; j++) {
                    if (j == y) {
                        continue;
                    }
                    double s = 0;
                    for (int i = 0; i < last.in(); i++) {
                        double q = w[y * last.in() + i] - w[j * last.in() + i];
                        s += q * q;
                    }
                    double m = f[n * c + y] - f[n * c + j];
                    best = Math.min(best, Math.max(0, m) / (Math.sqrt(s) * lip));
                }
                // shrink by 1e-9 relative: the margin itself carries float64 rounding
                r[n] = (norm == Objective.LINF ? best / Math.sqrt(d) : best) * (1 - 1e-9);
            }
            return r;
        };
    }

    static double frobenius(double[] w) {
        double s = 0;
        for (double v : w) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    static Network randomNet(Rng rng, long seed, boolean cnn, int classes) {
        if (cnn) {
            return Network.builder(1, 6, 6).seed(seed).conv2d(2 + rng.nextInt(2), 3, 1, 1).relu().maxPool(2, 2)
                    .flatten().dense(6 + rng.nextInt(5)).relu().dense(classes).build();
        }
        int d = 4 + rng.nextInt(9);
        return Network.builder(d).seed(seed).dense(6 + rng.nextInt(10)).relu().dense(4 + rng.nextInt(8)).relu()
                .dense(classes).build();
    }

    @Test
    void everyExplanationKeepsTheIntervalAndNeverReportsInfeasibilityBesideAVerifiedPoint() {
        long start = System.nanoTime();
        Rng rng = new Rng(2026);
        int checked = 0;
        int verified = 0;
        int certified = 0;
        int linearizedInfeasible = 0;
        int infeasibleButVerified = 0;
        int rLinAboveRHi = 0;
        int nets = 0;
        while (checked < 8000 && System.nanoTime() - start < 20e9) {
            boolean cnn = nets % 3 == 2;
            int classes = 3 + rng.nextInt(3);
            Network net = randomNet(rng, 100 + nets, cnn, classes);
            int d = net.inputSize();
            Shape in = net.inputShape();
            int nN = 32;
            Tensor x = new Rng(500 + nets).uniform(in.withBatch(nN), 0, 1);
            boolean deletion = nets % 4 == 3;
            boolean target = nets % 2 == 1;
            Objective obj = !deletion && !target && nets % 5 == 0 ? Objective.LINF : Objective.L2;
            double kappa = nets % 7 == 0 ? 0.05 : 0;
            LagrangeDualExplainer.Builder b = LagrangeDualExplainer.builder().maxOuterIterations(1 + nets % 4)
                    .objective(obj).kappa(kappa).certify(lipschitz(net));
            if (deletion) {
                b.deletion(nets % 8 == 3 ? Baseline.MEAN : Baseline.ZERO);
            } else {
                b.additive().linfBudget(0.1 + 0.9 * rng.uniform(0, 1));
            }
            if (target) {
                b.mode(ExplainMode.TARGET);
            }
            int[] cls = new int[nN];
            for (int n = 0; n < nN; n++) {
                cls[n] = rng.nextInt(classes);
            }
            LagrangeDualExplainer ex = b.build();
            LagrangeDualExplainer first = b.maxOuterIterations(1).build();
            String what = String.format(Locale.ROOT, "net %d (%s, C=%d) %s %s %s kappa %s", nets, cnn ? "cnn" : "mlp",
                    classes, deletion ? "deletion" : "additive", target ? "TARGET" : "FLIP", obj, kappa);
            try (Backend be = Backends.cpu(net); Backend other = Backends.cpu(net.copy())) {
                List<Explanation> out = target ? ex.explain(be, x, cls) : ex.explain(be, x);
                List<Explanation> atX = target ? first.explain(be, x, cls) : first.explain(be, x);
                for (Explanation e : out) {
                    String w = what + ", sample " + e.sample() + ": " + e.certificate();
                    Certificate c = e.certificate();
                    // r_lin is the linearization at x: the one-step explanation's bound
                    assertEquals(atX.get(e.sample()).certificate().rLin(), c.rLin(), 0, w);
                    assertEquals(atX.get(e.sample()).linearizedStatus(), c.linearizedStatus(), w);
                    assertTrue(c.rLoComputed(), w);
                    assertEquals(e.adversarial().isPresent(), c.verified(), w);
                    if (c.linearizedStatus() == DualStatus.INFEASIBLE_IN_BOX) {
                        linearizedInfeasible++;
                    }
                    if (!c.verified()) {
                        assertTrue(Double.isNaN(c.rHi()), w);
                        assertEquals(VerifiedBy.NONE, c.verifiedBy(), w);
                        assertTrue(Double.isNaN(c.rLoOverRHi()), w);
                        checked++;
                        continue;
                    }
                    verified++;
                    assertEquals(Certificate.Outcome.VERIFIED, c.outcome(), w);
                    if (c.linearizedStatus() == DualStatus.INFEASIBLE_IN_BOX) {
                        infeasibleButVerified++;
                    }
                    // the verified point, by an independent float64 forward pass
                    VerifiedPoint v = e.adversarial().get();
                    assertEquals(VerifiedBy.FLOAT64_BACKEND, v.verifiedBy(), w);
                    double[] f = other.forward(v.input().reshape(in.withBatch(1))).data();
                    double margin = decisionMargin(f, e, target);
                    assertTrue(margin >= kappa && margin > 0, w + ": float64 margin " + margin);
                    assertEquals(margin, v.margin(), 1e-12 * (1 + Math.abs(margin)), w);
                    double[] dl = v.delta().data();
                    double[] xn = x.row(e.sample()).data();
                    double[] p = v.input().data();
                    for (int i = 0; i < d; i++) {
                        assertEquals(xn[i] + dl[i], p[i], 0, w);
                        assertTrue(p[i] >= net.lo() && p[i] <= net.hi(), w + ": x' leaves the domain");
                    }
                    assertEquals(Verifier.norm(obj, dl), c.rHi(), 0, w);
                    // the interval
                    if (c.rLoComputed()) {
                        certified++;
                        assertTrue(c.rLo() <= c.rHi(), w);
                        assertTrue(c.rLoOverRHi() >= 0 && c.rLoOverRHi() <= 1, w);
                    }
                    if (c.rLin() > c.rHi()) {
                        rLinAboveRHi++; // allowed: r_lin is local, not a bound on the network
                    }
                    checked++;
                }
            }
            nets++;
        }
        System.out.printf(Locale.ROOT, "CertificateInvariantsTest: %d explanations on %d random networks in %.1f s: %d "
                        + "verified (%d with r_lo), %d linearized-infeasible at x (%d of them verified), %d with "
                        + "r_lin > r_hi%n", checked, nets, (System.nanoTime() - start) / 1e9, verified, certified,
                linearizedInfeasible, infeasibleButVerified, rLinAboveRHi);
        assertTrue(checked >= 1000, "only " + checked + " explanations checked in the time bound");
        assertTrue(verified > checked / 5 && certified > verified / 2 && linearizedInfeasible > 0,
                "the random cases must exercise every branch");
    }

    /** FLIP: {@code max_{j != y} f_j - f_y}; TARGET: {@code f_c - max_{j != c} f_j}. */
    static double decisionMargin(double[] f, Explanation e, boolean target) {
        int y = e.explainedClass();
        double best = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < f.length; j++) {
            if (j != y) {
                best = Math.max(best, f[j]);
            }
        }
        return target ? f[y] - best : best - f[y];
    }

    @Test
    void anUnsoundCertifierIsCaughtByTheVerifiedPoint() {
        Network net = Network.builder(6).seed(3).domain(-1e6, 1e6).dense(3).build(); // linear: every flip verifies
        Tensor x = new Rng(4).uniform(Shape.of(8, 6), 0, 1);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().certify((be, xs, labels, norm) -> {
            double[] r = new double[labels.length];
            java.util.Arrays.fill(r, 1e9);
            return r;
        }).build();
        try (Backend be = Backends.cpu(net)) {
            String m = assertThrows(IllegalStateException.class, () -> ex.explain(be, x)).getMessage();
            assertTrue(m.contains("r_lo") && m.contains("r_hi"), m);
            LagrangeDualExplainer nan = LagrangeDualExplainer.builder().additive()
                    .certify((b2, xs, labels, norm) -> new double[] {Double.NaN}).build();
            m = assertThrows(IllegalStateException.class, () -> nan.explain(be, x)).getMessage();
            assertTrue(m.contains("returned 1 radii for 8"), m);
            // without certify, r_lo is not computed
            Explanation e = LagrangeDualExplainer.builder().additive().build().explain(be, x).get(0);
            assertFalse(e.certificate().rLoComputed());
        }
    }

    @Test
    void certifyingTheDeletionModelNeedsABaselineInsideTheDomain() {
        Network net = Network.builder(5).seed(8).domain(0.1, 1).dense(3).build();
        Tensor x = new Rng(9).uniform(Shape.of(2, 5), 0.2, 0.9);
        RadiusCertifier zero = (be, xs, labels, norm) -> new double[labels.length];
        try (Backend be = Backends.cpu(net)) {
            String m = assertThrows(IllegalArgumentException.class, () -> LagrangeDualExplainer.builder()
                    .deletion(Baseline.ZERO).certify(zero).build().explain(be, x)).getMessage();
            assertTrue(m.contains("ZERO baseline") && m.contains("[0.1, 1.0]"), m);
            // the mean of x lies inside the domain: fine, and r_lo = 0 is reported as computed
            Explanation e = LagrangeDualExplainer.builder().deletion(Baseline.MEAN).certify(zero).build().explain(be, x).get(0);
            assertEquals(0.0, e.certificate().rLo());
        }
    }

    @Test
    void theRecordRejectsContradictions() {
        assertThrows(IllegalStateException.class, () -> new Certificate(Objective.L2, DualStatus.SOLVED, 0.5, 1, 0.5, 0, 1,
                true, VerifiedBy.FLOAT64_BACKEND, 0.3, 0.4));
        assertThrows(IllegalArgumentException.class, () -> new Certificate(Objective.L2, DualStatus.SOLVED, 0.5, 1, 0.5, 0,
                1, true, VerifiedBy.NONE, 0.3, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Certificate(Objective.L2, DualStatus.SOLVED, 0.5, 1, 0.5, 0,
                1, false, VerifiedBy.NONE, 0.3, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Certificate(Objective.L2, DualStatus.INFEASIBLE_IN_BOX, 0.5,
                1, 0.5, 0, 1, false, VerifiedBy.NONE, Double.NaN, Double.NaN));
        // infeasible linearization beside a verified point: allowed as data, the outcome says VERIFIED
        Certificate c = new Certificate(Objective.L2, DualStatus.INFEASIBLE_IN_BOX, Double.POSITIVE_INFINITY,
                Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0, true,
                VerifiedBy.FLOAT64_BACKEND, 0.362, 0.1);
        assertEquals(Certificate.Outcome.VERIFIED, c.outcome());
        assertEquals(0.1 / 0.362, c.rLoOverRHi(), 1e-15);
        Certificate none = new Certificate(Objective.L2, DualStatus.INFEASIBLE_IN_BOX, Double.POSITIVE_INFINITY,
                Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0, false, VerifiedBy.NONE,
                Double.NaN, Double.NaN);
        assertEquals(Certificate.Outcome.NONE_VERIFIED_LINEARIZED_INFEASIBLE, none.outcome());
    }
}
