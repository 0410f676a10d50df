package org.lde.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.Evaluation;
import org.lde.engine.dual.Objective;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/**
 * The boundary search against closed forms on linear classifiers (where the closest boundary point is known
 * without any solver), with the gap-based backward step of the defaults and with FAB's fixed one, and its
 * verified points re-checked by an independent float64 forward pass when the search runs on a float32 backend.
 */
class BoundarySearchClosedFormTest {

    private static LagrangeDualExplainer search(Objective o, BoundarySearchOptions opt) {
        return LagrangeDualExplainer.builder().additive().objective(o).maxOuterIterations(4).boundarySearch(opt).build();
    }

    private static final List<BoundarySearchOptions> OPTIONS = List.of(BoundarySearchOptions.defaults(),
            BoundarySearchOptions.defaults().withFixedBeta(0.9).withRestarts(3));

    /**
     * A 5-class linear classifier on 23 features from points near the centre of {@code [0, 1]^23}: the
     * closest boundary point in L2 is at {@code min_j |m_j| / ||w_j - w_y||_2}, in L_inf at
     * {@code min_j |m_j| / ||w_j - w_y||_1} (the box does not bind: the test checks that the closed-form
     * point stays inside it).
     */
    @Test
    void multiclassLinearClassifierInteriorDistancesInClosedForm() {
        int c = 5;
        int d = 23;
        Rng rng = new Rng(1301);
        double[] w = new double[c * d];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.uniform(-1, 1);
        }
        double[] b = new double[c];
        for (int j = 0; j < c; j++) {
            b[j] = rng.uniform(-0.2, 0.2);
        }
        Network net = TestModels.linear(new Tensor(Shape.of(c, d), w), new Tensor(Shape.of(c), b), d);
        int checked = 0;
        try (Backend be = Backends.cpu(net)) {
            for (int s = 0; s < 6; s++) {
                double[] x = new double[d];
                for (int i = 0; i < d; i++) {
                    x[i] = 0.5 + rng.uniform(-0.05, 0.05);
                }
                double[] f = logits(w, b, x, c, d);
                int y = argmax(f);
                for (Objective o : List.of(Objective.L2, Objective.LINF)) {
                    double want = Double.POSITIVE_INFINITY;
                    double[] wantT = null;
                    for (int j = 0; j < c; j++) {
                        if (j == y) {
                            continue;
                        }
                        double[] g = new double[d];
                        for (int i = 0; i < d; i++) {
                            g[i] = w[j * d + i] - w[y * d + i];
                        }
                        double m = f[y] - f[j];
                        double dist = o == Objective.L2 ? m / Verifier.norm(Objective.L2, g) : m / Verifier.norm(Objective.L1, g);
                        if (dist < want) {
                            want = dist;
                            wantT = new double[d];
                            double g2 = Verifier.norm(Objective.L2, g);
                            for (int i = 0; i < d; i++) {
                                wantT[i] = o == Objective.L2 ? m * g[i] / (g2 * g2) : dist * Math.signum(g[i]);
                            }
                        }
                    }
                    for (int i = 0; i < d; i++) {
                        double z = x[i] + wantT[i];
                        if (z < 0 || z > 1) {
                            throw new AssertionError("test setup: the closed-form point leaves the box");
                        }
                    }
                    for (BoundarySearchOptions opt : OPTIONS) {
                        Explanation e = search(o, opt).explain(be, new Tensor(Shape.of(1, d), x)).get(0);
                        assertTrue(e.verified(), o + " sample " + s);
                        assertEquals(want, e.adversarial().get().norm(), 1e-9 * want, o + " sample " + s + " " + opt);
                        double[] got = e.adversarial().get().delta().data();
                        for (int i = 0; i < d; i++) {
                            assertEquals(wantT[i], got[i], 1e-7 * want, o + " sample " + s + " feature " + i);
                        }
                        checked++;
                    }
                }
            }
        }
        assertEquals(6 * 2 * OPTIONS.size(), checked);
    }

    /**
     * L_inf with a binding box, binary {@code f_1 - f_0 = w^T x + b}: within norm {@code s} the most margin
     * reachable is {@code sum_i |w_i| min(s, room_i)} ({@code room_i} the distance to the box face that
     * {@code sign w_i} points at), piecewise linear in {@code s}: its root is found exactly by walking the sorted
     * rooms.
     */
    @Test
    void linfDistanceWithTheBoxBindingIsThePiecewiseLinearRoot() {
        double[] w = {2.0, -1.5, 0.7, 0.4, -0.3, 1.1, 0.05};
        double[] x = {0.97, 0.04, 0.5, 0.93, 0.5, 0.6, 0.2};
        double b = -needMargin(w, x) - 0.9; // f_1 - f_0 = -0.9 at x
        int d = w.length;
        double r = 0.9;
        double[] room = new double[d];
        Integer[] idx = new Integer[d];
        for (int i = 0; i < d; i++) {
            room[i] = w[i] > 0 ? 1 - x[i] : x[i];
            idx[i] = i;
        }
        Arrays.sort(idx, (p, q) -> Double.compare(room[p], room[q]));
        double sumFree = 0;
        for (double wi : w) {
            sumFree += Math.abs(wi);
        }
        double reached = 0; // margin from the coordinates already at their face
        double want = Double.NaN;
        double prev = 0;
        for (int k = 0; k < d; k++) {
            int i = idx[k];
            // on [prev, room_i]: reach(s) = reached + sumFree * s
            double s = (r - reached) / sumFree;
            if (s <= room[i]) {
                want = s;
                break;
            }
            reached += Math.abs(w[i]) * room[i];
            sumFree -= Math.abs(w[i]);
            prev = room[i];
        }
        assertTrue(want > room[idx[0]] && want > prev, "test setup: some coordinates must sit at their face");
        try (Backend be = Backends.cpu(TestModels.binaryLinear(w, b))) {
            for (BoundarySearchOptions opt : OPTIONS) {
                Explanation e = search(Objective.LINF, opt).explain(be, new Tensor(Shape.of(1, d), x)).get(0);
                assertEquals(want, e.adversarial().get().norm(), 1e-9 * want, opt.toString());
            }
        }
    }

    /**
     * L2 with one coordinate at its face: {@code w_0} is large and {@code x_0 = 0.96}, so the box-free step
     * {@code lambda w_0} would leave the box; then {@code t_0 = 0.04}, {@code t_i = lambda w_i} for the others
     * with {@code lambda = (r - 0.04 w_0) / sum_{i > 0} w_i^2}, and the test checks the KKT conditions of that
     * guess ({@code lambda w_0 > 0.04}, the others inside the box) before using it.
     */
    @Test
    void l2DistanceWithOneCoordinateAtItsFaceInClosedForm() {
        double[] w = {3.0, 0.5, -0.4, 0.3, 0.2};
        double[] x = {0.96, 0.5, 0.5, 0.5, 0.5};
        double r = 0.5;
        double b = -needMargin(w, x) - r;
        int d = w.length;
        double room0 = 1 - x[0];
        double rest = 0;
        for (int i = 1; i < d; i++) {
            rest += w[i] * w[i];
        }
        double lambda = (r - w[0] * room0) / rest;
        assertTrue(lambda * w[0] > room0, "test setup: coordinate 0 must bind");
        double n2 = room0 * room0;
        for (int i = 1; i < d; i++) {
            double t = lambda * w[i];
            assertTrue(x[i] + t > 0 && x[i] + t < 1, "test setup: coordinate " + i + " must stay free");
            n2 += t * t;
        }
        double want = Math.sqrt(n2);
        try (Backend be = Backends.cpu(TestModels.binaryLinear(w, b))) {
            for (BoundarySearchOptions opt : OPTIONS) {
                Explanation e = search(Objective.L2, opt).explain(be, new Tensor(Shape.of(1, d), x)).get(0);
                assertEquals(want, e.adversarial().get().norm(), 1e-9 * want, opt.toString());
                assertEquals(x[0] + room0, e.adversarial().get().input().data()[0], 1e-12, "feature 0 at its face");
            }
        }
    }

    /**
     * On the float32 fast backend the search proposes and float64 decides: every verified point was
     * re-checked on the host ({@link VerifiedBy#FLOAT64_HOST_RECHECK}), and an independent float64 forward
     * pass (EJML) at the point gives another class than at {@code x}.
     */
    @Test
    void onAFloat32BackendVerifiedPointsAreReCheckedInFloat64() {
        Network net = Network.builder(12).seed(1313).dense(20).relu().dense(16).relu().dense(5).build();
        Tensor x = new Rng(7).uniform(Shape.of(8, 12), 0, 1);
        int verified = 0;
        try (Backend f32 = Backends.open(net, "cpu-fast"); Backend f64 = Backends.cpu(net)) {
            assertTrue(!f32.float64(), "the test needs a float32 backend");
            int[] y = Evaluation.argmax(f64.forward(x));
            for (Objective o : List.of(Objective.L2, Objective.LINF)) {
                List<Explanation> es = LagrangeDualExplainer.builder().additive().objective(o).maxOuterIterations(12)
                        .boundarySearch(BoundarySearchOptions.defaults()).build().explain(f32, x, y);
                for (int i = 0; i < 8; i++) {
                    if (!es.get(i).verified()) {
                        continue;
                    }
                    verified++;
                    VerifiedPoint p = es.get(i).adversarial().get();
                    assertEquals(VerifiedBy.FLOAT64_HOST_RECHECK, p.verifiedBy());
                    double[] lg = f64.forward(p.input().reshape(Shape.of(1, 12))).data();
                    double other = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < 5; j++) {
                        if (j != y[i]) {
                            other = Math.max(other, lg[j]);
                        }
                    }
                    assertTrue(other > lg[y[i]], o + " sample " + i + ": the float64 network keeps class " + y[i]);
                }
            }
        }
        assertTrue(verified >= 12, "only " + verified + " of 16 verified");
    }

    /** {@code w^T x}: the bias that puts the margin {@code -r} at {@code x} is {@code -w^T x - r}. */
    private static double needMargin(double[] w, double[] x) {
        double v = 0;
        for (int i = 0; i < w.length; i++) {
            v += w[i] * x[i];
        }
        return v;
    }

    private static double[] logits(double[] w, double[] b, double[] x, int c, int d) {
        double[] f = new double[c];
        for (int j = 0; j < c; j++) {
            f[j] = b[j];
            for (int i = 0; i < d; i++) {
                f[j] += w[j * d + i] * x[i];
            }
        }
        return f;
    }

    private static int argmax(double[] f) {
        int a = 0;
        for (int j = 1; j < f.length; j++) {
            if (f[j] > f[a]) {
                a = j;
            }
        }
        return a;
    }
}
