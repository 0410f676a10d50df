package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.baseline.Bilinear;
import org.lde.explain.baseline.IntegratedGradients;
import org.lde.explain.baseline.Occlusion;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/** Invariants over random shapes, budgets and models. */
class MetricsProperties {

    /** Every value of a sample lies in exactly one patch, and the patch count is ceil(H/k) ceil(W/k). */
    @Property(tries = 80)
    void patchesPartitionTheImage(@ForAll @IntRange(min = 1, max = 3) int c, @ForAll @IntRange(min = 1, max = 13) int h,
                                  @ForAll @IntRange(min = 1, max = 13) int w, @ForAll @IntRange(min = 1, max = 6) int k) {
        PatchGrid g = new PatchGrid(Shape.of(c, h, w), k);
        assertEquals(((h + k - 1) / k) * ((w + k - 1) / k), g.count());
        int[] seen = new int[c * h * w];
        for (int p = 0; p < g.count(); p++) {
            for (int i : g.members(p)) {
                seen[i]++;
            }
        }
        for (int v : seen) {
            assertEquals(1, v);
        }
    }

    /**
     * The L2-ball-and-box projection is feasible and satisfies the optimality condition of a
     * projection onto a convex set: {@code (z - p) . (q - p) <= 0} for feasible {@code q}.
     */
    @Property(tries = 60)
    void l2BoxProjectionIsFeasibleAndOptimal(@ForAll @IntRange(min = 1, max = 12) int d, @ForAll @DoubleRange(min = 0.01, max = 3) double eps,
                                             @ForAll long seed) {
        Rng rng = new Rng(seed);
        double[] x = new double[d];
        double[] z = new double[d];
        for (int j = 0; j < d; j++) {
            x[j] = rng.uniform();
            z[j] = x[j] + rng.gaussian();
        }
        double[] p = z.clone();
        Pgd.projectL2Box(p, x, 0, d, eps, 0, 1);
        double n = 0;
        for (int j = 0; j < d; j++) {
            assertTrue(p[j] >= 0 && p[j] <= 1);
            n += (p[j] - x[j]) * (p[j] - x[j]);
        }
        assertTrue(Math.sqrt(n) <= eps * (1 + 1e-12));
        for (int t = 0; t < 20; t++) {
            // a random feasible q: a point of the box, pulled into the ball
            double[] q = new double[d];
            double qn = 0;
            for (int j = 0; j < d; j++) {
                q[j] = rng.uniform();
                qn += (q[j] - x[j]) * (q[j] - x[j]);
            }
            double f = Math.min(1, eps / Math.sqrt(qn));
            double dot = 0;
            for (int j = 0; j < d; j++) {
                q[j] = x[j] + f * (q[j] - x[j]);
                dot += (z[j] - p[j]) * (q[j] - p[j]);
            }
            assertTrue(dot <= 1e-7, "variational inequality violated: " + dot);
        }
    }

    /** Integrated gradients is exact on any linear model, for any rule and step count. */
    @Property(tries = 30)
    void integratedGradientsIsCompleteOnLinearModels(@ForAll @IntRange(min = 2, max = 9) int d, @ForAll @IntRange(min = 2, max = 5) int c,
                                                     @ForAll @IntRange(min = 2, max = 12) int steps, @ForAll boolean gauss, @ForAll long seed) {
        Network net = TestModels.randomLinear(seed, c, d);
        Tensor x = TestModels.inputs(seed + 1, 3, d);
        int[] cls = {0, c - 1, 1};
        IntegratedGradients ig = new IntegratedGradients().withSteps(steps)
                .withRule(gauss ? IntegratedGradients.Rule.GAUSS_LEGENDRE : IntegratedGradients.Rule.TRAPEZOID);
        try (Backend be = Backends.cpu(net)) {
            assertTrue(ig.explain(be, x, cls).maxAbsDelta() < 1e-10);
        }
    }

    /** Occlusion with a 1-wide window equals w_i (x_i - b) on a linear model, for any stride-1 layout. */
    @Property(tries = 30)
    void unitOcclusionIsWeightTimesDifference(@ForAll @IntRange(min = 1, max = 6) int h, @ForAll @IntRange(min = 1, max = 6) int w,
                                              @ForAll @DoubleRange(min = -1, max = 1) double b, @ForAll long seed) {
        Network net = TestModels.randomLinear(seed, 2, 1, h, w);
        double[] wt = ((Dense) net.layers().get(1)).weight().data();
        Tensor x = TestModels.inputs(seed + 2, 2, 1, h, w);
        int[] cls = {1, 0};
        try (Backend be = Backends.cpu(net)) {
            Tensor phi = new Occlusion().withWindow(1).withStride(1).withBaseline(b).attribute(be, x, cls);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < h * w; j++) {
                    assertEquals(wt[cls[i] * h * w + j] * (x.data()[i * h * w + j] - b), phi.data()[i * h * w + j], 1e-12);
                }
            }
        }
    }

    /** Bilinear resizing keeps constants and stays within the input's range. */
    @Property(tries = 60)
    void bilinearResizeIsAConvexCombination(@ForAll @IntRange(min = 1, max = 7) int ih, @ForAll @IntRange(min = 1, max = 7) int iw,
                                            @ForAll @IntRange(min = 1, max = 20) int oh, @ForAll @IntRange(min = 1, max = 20) int ow,
                                            @ForAll long seed) {
        Rng rng = new Rng(seed);
        double[] m = new double[ih * iw];
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.gaussian();
            lo = Math.min(lo, m[i]);
            hi = Math.max(hi, m[i]);
        }
        for (double v : Bilinear.resize(m, ih, iw, oh, ow)) {
            assertTrue(v >= lo - 1e-12 && v <= hi + 1e-12);
        }
        double[] constant = new double[ih * iw];
        java.util.Arrays.fill(constant, 0.7);
        for (double v : Bilinear.resize(constant, ih, iw, oh, ow)) {
            assertEquals(0.7, v, 1e-15);
        }
    }
}
