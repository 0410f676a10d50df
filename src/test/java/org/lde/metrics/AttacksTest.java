package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lde.data.Dataset;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;
import org.lde.engine.Evaluation;

/** PGD and Carlini-Wagner stay in their budget and the data box, and lower accuracy on a trained model. */
class AttacksTest {
    static Network trained;
    static Tensor x;
    static int[] labels;

    @BeforeAll
    static void train() {
        trained = TestModels.trainedFashionMlp();
        Dataset ds = SampleData.fashionMnist();
        x = ds.inputs().slice(900, 964); // not the first images only; the net saw all 1,000 in training
        labels = java.util.Arrays.copyOfRange(ds.labels(), 900, 964);
    }

    @Test
    void pgdLinfStaysInTheBudgetAndTheBoxAndLowersAccuracy() {
        try (Backend be = Backends.cpu(trained)) {
            double clean = Evaluation.accuracy(be, x, labels, 64);
            assertTrue(clean > 0.6, "the test model should have learned something, accuracy " + clean);
            double eps = 0.05;
            AttackResult r = Pgd.of(Pgd.Norm.LINF, eps, 10).run(be, x, labels);
            for (int i = 0; i < labels.length; i++) {
                assertTrue(r.linf()[i] <= eps + 1e-12, "sample " + i + " L_inf " + r.linf()[i]);
            }
            assertInBox(r.adversarial());
            assertTrue(r.robustAccuracy() < clean - 0.2, "robust " + r.robustAccuracy() + " vs clean " + clean);
            int[] at = Evaluation.argmax(be.forward(r.adversarial()));
            for (int i = 0; i < labels.length; i++) {
                assertEquals(at[i] != labels[i], r.fooled()[i], "sample " + i + ": fooled must be verified by a forward pass");
            }
        }
    }

    @Test
    void pgdL2StaysInTheBudgetAndTheBoxAndLowersAccuracy() {
        try (Backend be = Backends.cpu(trained)) {
            double clean = Evaluation.accuracy(be, x, labels, 64);
            double eps = 1.0;
            AttackResult r = Pgd.of(Pgd.Norm.L2, eps, 10).run(be, x, labels);
            for (int i = 0; i < labels.length; i++) {
                assertTrue(r.l2()[i] <= eps * (1 + 1e-12), "sample " + i + " L2 " + r.l2()[i]);
            }
            assertInBox(r.adversarial());
            assertTrue(r.robustAccuracy() < clean - 0.2, "robust " + r.robustAccuracy() + " vs clean " + clean);
        }
    }

    @Test
    void carliniWagnerStaysInTheBoxAndFindsSmallPerturbations() {
        try (Backend be = Backends.cpu(trained)) {
            Tensor xs = x.slice(0, 16);
            int[] ls = java.util.Arrays.copyOf(labels, 16);
            double clean = Evaluation.accuracy(be, xs, ls, 64);
            AttackResult r = new CarliniWagner(3, 40, 0.05, 1, 0).run(be, xs, ls);
            assertInBox(r.adversarial());
            int[] at = Evaluation.argmax(be.forward(r.adversarial()));
            int fooled = 0;
            for (int i = 0; i < 16; i++) {
                assertEquals(at[i] != ls[i], r.fooled()[i]);
                fooled += r.fooled()[i] ? 1 : 0;
            }
            assertTrue(fooled >= 12, "CW fooled only " + fooled + " of 16");
            assertTrue(r.robustAccuracyWithinL2(2.0) < clean, r.robustAccuracyWithinL2(2.0) + " vs " + clean);
            assertEquals(clean, r.robustAccuracyWithinL2(0), 1e-12, "at budget 0 only the misclassified are broken");
        }
    }

    @Test
    void l2BoxProjectionIsTheNearestFeasiblePoint() {
        // 2-D: brute force over a fine grid of the feasible set
        Rng rng = new Rng(5);
        for (int trial = 0; trial < 5; trial++) {
            double[] c = {rng.uniform(0, 1), rng.uniform(0, 1)};
            double[] z = {rng.uniform(-1, 2), rng.uniform(-1, 2)};
            double eps = rng.uniform(0.1, 0.6);
            double[] p = z.clone();
            Pgd.projectL2Box(p, c, 0, 2, eps, 0, 1);
            double dp = Math.hypot(p[0] - z[0], p[1] - z[1]);
            assertTrue(Math.hypot(p[0] - c[0], p[1] - c[1]) <= eps * (1 + 1e-12));
            assertTrue(p[0] >= 0 && p[0] <= 1 && p[1] >= 0 && p[1] <= 1);
            double best = Double.POSITIVE_INFINITY;
            int g = 1000;
            for (int a = 0; a <= g; a++) {
                for (int b = 0; b <= g; b++) {
                    double u = (double) a / g;
                    double v = (double) b / g;
                    if (Math.hypot(u - c[0], v - c[1]) <= eps) {
                        best = Math.min(best, Math.hypot(u - z[0], v - z[1]));
                    }
                }
            }
            assertTrue(dp <= best + 1e-9, "projection distance " + dp + " vs grid best " + best);
            assertTrue(dp >= best - 2e-3, "grid resolution bound " + dp + " vs " + best);
        }
    }

    @Test
    void pgdIsRepeatableForASeedAndTheSeedMatters() {
        try (Backend be = Backends.cpu(trained)) {
            Tensor xs = x.slice(0, 8);
            int[] ls = java.util.Arrays.copyOf(labels, 8);
            AttackResult a = new Pgd(Pgd.Norm.L2, 0.3, 0.05, 3, true, 11).run(be, xs, ls);
            AttackResult b = new Pgd(Pgd.Norm.L2, 0.3, 0.05, 3, true, 11).run(be, xs, ls);
            AttackResult c = new Pgd(Pgd.Norm.L2, 0.3, 0.05, 3, true, 12).run(be, xs, ls);
            assertEquals(0, a.adversarial().maxAbsDiff(b.adversarial()), 0);
            assertTrue(a.adversarial().maxAbsDiff(c.adversarial()) > 1e-6);
            // without a random start and with a zero budget, the input comes back unchanged
            AttackResult z = new Pgd(Pgd.Norm.LINF, 0, 0.01, 3, false, 1).run(be, xs, ls);
            assertEquals(0, z.adversarial().maxAbsDiff(xs), 0);
        }
    }

    @Test
    void inputsOutsideTheBoxAreRejected() {
        try (Backend be = Backends.cpu(trained)) {
            Tensor bad = x.slice(0, 1);
            bad.data()[3] = 1.5;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Pgd.of(Pgd.Norm.LINF, 0.1, 2).run(be, bad, new int[] {labels[0]}));
            assertTrue(e.getMessage().contains("outside the data box"), e.getMessage());
        }
    }

    private static void assertInBox(Tensor t) {
        for (double v : t.data()) {
            assertTrue(v >= 0 && v <= 1, "value " + v + " outside [0, 1]");
        }
    }
}
