package org.lde.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.LinearConstraintSet;
import org.apache.commons.math3.optim.linear.LinearObjectiveFunction;
import org.apache.commons.math3.optim.linear.NoFeasibleSolutionException;
import org.apache.commons.math3.optim.linear.NonNegativeConstraint;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.SimplexSolver;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.bound.Norm;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The certified radius against exact minimal perturbations. On tiny ReLU networks (2 inputs, 6 + 5
 * hidden units, 3 classes) the exact minimal perturbation is found by enumerating all {@code 2^11}
 * activation regions: in each region the network is affine, and the smallest perturbation that
 * reaches {@code f_j >= f_y} inside the region is an LP (L_inf, in the domain) or, in the plane, the
 * nearest of the candidate points (the center, its projections on the region's lines, their
 * intersections) that lie in the polygon (L2, no domain). {@code r_lo} never exceeds it. On linear
 * classifiers the radius equals the closed form {@code min_j m_j / ||w_y - w_j||_q} within the tolerance.
 */
class CertifyRadiusTest {
    private static final double TOL = 1e-4;

    @Test
    void certifiedRadiusNeverExceedsTheExactMinimalPerturbation() {
        int compared = 0;
        double ratioSum = 0;
        for (long seed = 0; seed < 3; seed++) {
            Network net = Network.builder(2).seed(200 + seed).dense(6).relu().dense(5).relu().dense(3).build();
            Tensor x = new Rng(seed).uniform(Shape.of(3, 2), 0.25, 0.75);
            try (Backend backend = Backends.cpu(net)) {
                int[] y = Certifier.predicted(backend, x);
                for (Norm norm : Norm.values()) {
                    double[] exact = new double[3];
                    for (int n = 0; n < 3; n++) {
                        exact[n] = exactMinimal(net, new double[] {x.data()[2 * n], x.data()[2 * n + 1]}, y[n], norm);
                    }
                    for (Method m : Method.values()) {
                        double[] r = Certifier.builder().method(m).norm(norm).alphaIterations(5).build()
                                .certifiedRadius(backend, x, y, RadiusOptions.defaults().withTolerance(TOL));
                        for (int n = 0; n < 3; n++) {
                            assertTrue(r[n] <= exact[n] + 1e-9, m + " " + norm + " r_lo " + r[n] + " above the exact minimal "
                                    + "perturbation " + exact[n] + " (net " + seed + ", sample " + n + ")");
                            if (m == Method.CROWN && Double.isFinite(exact[n])) {
                                compared++;
                                ratioSum += r[n] / exact[n];
                            }
                        }
                    }
                }
            }
        }
        System.out.printf("exact radius check: %d CROWN radii, mean r_lo / r_exact %.3f%n", compared, ratioSum / compared);
        assertTrue(compared >= 12 && ratioSum / compared > 0.2, "CROWN radii are trivially small: mean ratio " + ratioSum / compared);
    }

    /** The exact minimal perturbation of sample {@code x} (class {@code y}), infinity when no class change is possible. */
    static double exactMinimal(Network net, double[] x, int y, Norm norm) {
        Dense d1 = (Dense) net.layers().get(0);
        Dense d2 = (Dense) net.layers().get(2);
        Dense d3 = (Dense) net.layers().get(4);
        int h1 = d1.out();
        int h2 = d2.out();
        double best = Double.POSITIVE_INFINITY;
        for (int pattern = 0; pattern < 1 << (h1 + h2); pattern++) {
            // affine maps of x: pre-activations of layer 1, then layer 2 given pattern 1, then logits
            double[][] z1 = affine(d1, identity(2));
            double[][] y1 = mask(z1, pattern, 0);
            double[][] z2 = affine(d2, y1);
            double[][] y2 = mask(z2, pattern >> h1, 0);
            double[][] f = affine(d3, y2);
            // region: a . x + c >= 0 rows
            List<double[]> region = new ArrayList<>();
            for (int j = 0; j < h1; j++) {
                region.add(signed(z1[j], (pattern >> j & 1) == 1));
            }
            for (int j = 0; j < h2; j++) {
                region.add(signed(z2[j], (pattern >> (h1 + j) & 1) == 1));
            }
            for (int j = 0; j < f.length; j++) {
                if (j == y) {
                    continue;
                }
                List<double[]> cons = new ArrayList<>(region);
                double[] flip = new double[3];
                for (int i = 0; i < 3; i++) {
                    flip[i] = f[j][i] - f[y][i];
                }
                cons.add(flip);
                best = Math.min(best, norm == Norm.LINF ? linf(cons, x) : l2(cons, x));
            }
        }
        return best;
    }

    static double[][] identity(int d) {
        double[][] m = new double[d][d + 1];
        for (int i = 0; i < d; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    /** Rows {@code W m + b} of affine maps {@code m} (each {@code [a0, a1, c]}). */
    static double[][] affine(Dense d, double[][] m) {
        double[] w = d.weight().data();
        double[][] out = new double[d.out()][3];
        for (int o = 0; o < d.out(); o++) {
            out[o][2] = d.bias().data()[o];
            for (int i = 0; i < d.in(); i++) {
                for (int k = 0; k < 3; k++) {
                    out[o][k] += w[o * d.in() + i] * m[i][k];
                }
            }
        }
        return out;
    }

    static double[][] mask(double[][] z, int pattern, int shift) {
        double[][] out = new double[z.length][];
        for (int j = 0; j < z.length; j++) {
            out[j] = (pattern >> (shift + j) & 1) == 1 ? z[j].clone() : new double[3];
        }
        return out;
    }

    static double[] signed(double[] row, boolean positive) {
        double[] r = row.clone();
        if (!positive) {
            for (int i = 0; i < 3; i++) {
                r[i] = -r[i];
            }
        }
        return r;
    }

    /** {@code min t} with {@code |x' - x|_inf <= t}, {@code x' in [0, 1]^2}, {@code a . x' + c >= 0} for all rows. */
    static double linf(List<double[]> cons, double[] x) {
        List<LinearConstraint> lc = new ArrayList<>();
        for (double[] c : cons) {
            lc.add(new LinearConstraint(new double[] {c[0], c[1], 0}, Relationship.GEQ, -c[2]));
        }
        for (int i = 0; i < 2; i++) {
            double[] p = new double[3];
            p[i] = 1;
            p[2] = -1;
            lc.add(new LinearConstraint(p, Relationship.LEQ, x[i]));
            double[] q = new double[3];
            q[i] = 1;
            q[2] = 1;
            lc.add(new LinearConstraint(q, Relationship.GEQ, x[i]));
            double[] e = new double[3];
            e[i] = 1;
            lc.add(new LinearConstraint(e, Relationship.GEQ, 0));
            lc.add(new LinearConstraint(e.clone(), Relationship.LEQ, 1));
        }
        try {
            PointValuePair p = new SimplexSolver().optimize(new MaxIter(1000), new LinearObjectiveFunction(new double[] {0, 0, 1}, 0),
                    new LinearConstraintSet(lc), GoalType.MINIMIZE, new NonNegativeConstraint(false));
            return p.getValue();
        } catch (NoFeasibleSolutionException e) {
            return Double.POSITIVE_INFINITY;
        }
    }

    /** The nearest point to {@code x} of the polygon {@code a . x' + c >= 0} (exact in the plane). */
    static double l2(List<double[]> cons, double[] x) {
        List<double[]> cand = new ArrayList<>();
        cand.add(x.clone());
        for (double[] c : cons) {
            double n2 = c[0] * c[0] + c[1] * c[1];
            if (n2 == 0) {
                continue;
            }
            double t = (c[0] * x[0] + c[1] * x[1] + c[2]) / n2;
            cand.add(new double[] {x[0] - t * c[0], x[1] - t * c[1]});
        }
        for (int i = 0; i < cons.size(); i++) {
            for (int j = i + 1; j < cons.size(); j++) {
                double[] a = cons.get(i);
                double[] b = cons.get(j);
                double det = a[0] * b[1] - a[1] * b[0];
                if (Math.abs(det) < 1e-14) {
                    continue;
                }
                cand.add(new double[] {(-a[2] * b[1] + b[2] * a[1]) / det, (-a[0] * b[2] + b[0] * a[2]) / det});
            }
        }
        double best = Double.POSITIVE_INFINITY;
        for (double[] p : cand) {
            boolean ok = true;
            for (double[] c : cons) {
                double scale = Math.max(1, Math.abs(c[0]) + Math.abs(c[1]) + Math.abs(c[2]));
                ok &= c[0] * p[0] + c[1] * p[1] + c[2] >= -1e-10 * scale;
            }
            if (ok) {
                best = Math.min(best, Math.hypot(p[0] - x[0], p[1] - x[1]));
            }
        }
        return best;
    }

    @Test
    void linearClassifiersGetTheClosedFormRadius() {
        Rng rng = new Rng(9);
        int d = 5;
        Network net = new Network(Shape.of(d), List.of(new Dense("fc", d, 3, rng.uniform(Shape.of(3, d), -1, 1),
                rng.uniform(Shape.of(3), -0.05, 0.05))), org.lde.model.Task.CLASSIFICATION, List.of(), -10, 10);
        Tensor x = rng.uniform(Shape.of(4, d), -0.5, 0.5);
        try (Backend backend = Backends.cpu(net)) {
            int[] y = Certifier.predicted(backend, x);
            double[] logits = backend.forward(x).data();
            double[] w = net.layers().get(0) instanceof Dense dd ? dd.weight().data() : null;
            for (Norm norm : Norm.values()) {
                for (Method m : Method.values()) {
                    double[] r = Certifier.builder().method(m).norm(norm).build().certifiedRadius(backend, x, y,
                            RadiusOptions.defaults().withTolerance(1e-6).withMaxEps(5));
                    for (int n = 0; n < 4; n++) {
                        double want = Double.POSITIVE_INFINITY;
                        for (int j = 0; j < 3; j++) {
                            if (j == y[n]) {
                                continue;
                            }
                            double margin = logits[n * 3 + y[n]] - logits[n * 3 + j];
                            double q = 0;
                            for (int i = 0; i < d; i++) {
                                double g = w[y[n] * d + i] - w[j * d + i];
                                q += norm == Norm.LINF ? Math.abs(g) : g * g;
                            }
                            want = Math.min(want, margin / (norm == Norm.LINF ? q : Math.sqrt(q)));
                        }
                        assertTrue(want < 5, "test setup: radius " + want + " must stay inside the domain");
                        // IBP bounds the L2 ball by its enclosing box, so only its L_inf radius is exact.
                        boolean exact = m != Method.IBP || norm == Norm.LINF;
                        assertTrue(r[n] <= want && (!exact || r[n] > want - 1e-6), m + " " + norm + ": radius " + r[n]
                                + ", closed form " + want);
                    }
                }
            }
        }
    }

    @Test
    void radiusIsZeroForAWrongLabelAndBadInputIsRejected() {
        Network net = CertifyNets.mlp(1, 4, 5, 5, 3);
        Tensor x = CertifyNets.inputs(net, 2, 1);
        try (Backend backend = Backends.cpu(net)) {
            int[] y = Certifier.predicted(backend, x);
            int[] wrong = {(y[0] + 1) % 3, (y[1] + 1) % 3};
            Certifier c = Certifier.builder().build();
            assertEquals(0, Arrays.stream(c.certifiedRadius(backend, x, wrong, RadiusOptions.defaults())).sum());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.certifiedRadius(backend, x, new int[] {0, 3}, RadiusOptions.defaults()));
            assertTrue(e.getMessage().contains("label 3"), e.getMessage());
            Tensor outside = x.copy();
            outside.data()[1] = 1.5;
            e = assertThrows(IllegalArgumentException.class, () -> c.bounds(backend, outside, Specification.logits(), 0.1));
            assertTrue(e.getMessage().contains("outside the domain"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> c.bounds(backend, x, Specification.logits(), -0.1));
            assertTrue(e.getMessage().contains("eps"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> c.bounds(backend, x, Specification.logits(), Double.NaN));
            assertTrue(e.getMessage().contains("eps"), e.getMessage());
        }
    }
}
