package org.lde.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.dual.Objective;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The sparse (L1) deletion model of docs/method.md section 5 against its closed form on linear models:
 * {@code min ||t||_1} subject to {@code a^T t >= r}, {@code 0 <= t <= 1}, with
 * {@code a_i = (w_j - w_y)_i (b_i - x_i)} and {@code r = f_y(x) - f_j(x)}, is the fractional knapsack:
 * delete the features of largest {@code a_i} whole until the next one, deleted in part, closes the margin.
 */
class SparseDeletionTest {

    /** The knapsack solution computed here, independently of the engine's solver. */
    static double[] knapsack(double[] a, double r) {
        Integer[] order = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -a[i]));
        double[] t = new double[a.length];
        double rem = r;
        for (int i : order) {
            if (rem <= 0 || a[i] <= 0) {
                break;
            }
            t[i] = Math.min(1, rem / a[i]);
            rem -= a[i] * t[i];
            if (t[i] < 1) {
                break; // the feature deleted in part closes the gap
            }
        }
        return t;
    }

    /** A two-class linear model at {@code x}: logits, predicted and rival class, {@code a = D g}, and {@code sum max(0, a_i)}. */
    private record Linear(double[] f, int y, int j, double[] a, double cap) {
        static Linear of(Network net, Tensor x) {
            double[] xs = x.data();
            int d = xs.length;
            double[] f = LagrangeDualExplainerTest.logits(net, xs);
            int y = LagrangeDualExplainerTest.argmax(f);
            int j = 1 - y;
            double[] w = ((Dense) net.layers().get(0)).weight().data();
            double[] a = new double[d];
            double cap = 0;
            for (int i = 0; i < d; i++) {
                a[i] = (w[j * d + i] - w[y * d + i]) * (0 - xs[i]); // baseline 0: D = diag(-x)
                cap += Math.max(0, a[i]);
            }
            return new Linear(f, y, j, a, cap);
        }
    }

    @Test
    void onALinearModelTheDeletionSetIsTheKnapsackSolution() {
        int d = 12;
        int checked = 0;
        for (long seed = 1; seed <= 30; seed++) {
            Network net = LagrangeDualExplainerTest.linear(d, 2, seed, 0, 1);
            Tensor x = new Rng(seed + 100).uniform(Shape.of(1, d), 0, 1);
            Linear p = Linear.of(net, x);
            double[] xs = x.data();
            double[] f = p.f;
            int y = p.y;
            double[] a = p.a;
            double cap = p.cap;
            double r = f[y] - f[p.j];
            if (cap <= r * 1.01) {
                continue; // deleting everything does not flip this one: the problem is infeasible in the box
            }
            List<Explanation> out;
            try (Backend be = Backends.cpu(net)) {
                out = LagrangeDualExplainer.builder().objective(Objective.L1).maxOuterIterations(3).build().explain(be, x);
            }
            Explanation e = out.get(0);
            double[] want = knapsack(a, r);
            double[] got = e.t().data();
            int partial = 0;
            for (int i = 0; i < d; i++) {
                assertEquals(want[i], got[i], 1e-9, "seed " + seed + " feature " + i);
                partial += want[i] > 0 && want[i] < 1 ? 1 : 0;
            }
            assertTrue(partial <= 1, "a knapsack solution deletes at most one feature in part");
            // the linearized dual bound is the minimal L1 deletion (strong duality of the LP)
            double norm1 = Arrays.stream(want).sum();
            assertEquals(norm1, e.certificate().rLin(), 1e-9 * Math.max(1, norm1));
            // the verified point is a real flip of the linear network, between x and the baseline
            double[] adv = e.adversarial().orElseThrow().input().data();
            assertNotEquals(y, LagrangeDualExplainerTest.argmax(LagrangeDualExplainerTest.logits(net, adv)));
            for (int i = 0; i < d; i++) {
                assertTrue(adv[i] >= -1e-12 && adv[i] <= xs[i] + 1e-12, "feature " + i + " moved outside [0, x_i]");
            }
            checked++;
        }
        assertTrue(checked >= 5, "only " + checked + " feasible draws");
    }

    @Test
    void withoutTheConvergenceStopTheIterationRunsToTheEndAlongTheClosedFormPath() {
        // On a linear model every linearization gives the same t* (the knapsack), so with alpha = 1/2 the
        // iterates are t_s = (1 - 2^-s) t* and the last one is clip(overshoot (1 - 2^-S) t*, 0, 1); the path
        // attribution sums exactly to m(z_S) - m(x) (the model is linear along the path).
        int d = 10;
        int s = 6;
        int checked = 0;
        for (long seed = 1; seed <= 30 && checked < 5; seed++) {
            Network net = LagrangeDualExplainerTest.linear(d, 2, seed, 0, 1);
            Tensor x = new Rng(seed + 300).uniform(Shape.of(1, d), 0, 1);
            Linear p = Linear.of(net, x);
            double[] xs = x.data();
            double[] f = p.f;
            int y = p.y;
            int j = p.j;
            double kappa = 0.5;
            double r = f[y] - f[j] + kappa;
            if (p.cap <= r * 1.01) {
                continue;
            }
            Explanation e;
            try (Backend be = Backends.cpu(net)) {
                e = LagrangeDualExplainer.builder().objective(Objective.L1).kappa(kappa).maxOuterIterations(s)
                        .verifyCandidates(false).stopOnConvergence(false).attribution(AttributionKind.PATH).build()
                        .explain(be, x).get(0);
            }
            assertEquals(StopReason.MAX_OUTER_ITERATIONS, e.stopReason());
            assertEquals(s, e.outerIterations());
            double[] tStar = knapsack(p.a, r);
            double[] fin = e.finalDelta().data();
            double[] z = new double[d];
            for (int i = 0; i < d; i++) {
                double ti = Math.min(1, 1.1 * (1 - Math.pow(0.5, s)) * tStar[i]);
                assertEquals(-xs[i] * ti, fin[i], 1e-9, "seed " + seed + " feature " + i);
                z[i] = xs[i] + fin[i];
            }
            double[] fz = LagrangeDualExplainerTest.logits(net, z);
            double want = (fz[j] - fz[y]) - (f[j] - f[y]);
            double[] phi = e.attribution(AttributionKind.PATH).data();
            double sum = 0;
            for (double v : phi) {
                sum += v;
            }
            assertEquals(want, sum, 1e-9 * Math.max(1, Math.abs(want)));
            checked++;
        }
        assertTrue(checked >= 3, "only " + checked + " feasible draws");
    }
}
