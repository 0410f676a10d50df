package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.LinearConstraintSet;
import org.apache.commons.math3.optim.linear.LinearObjectiveFunction;
import org.apache.commons.math3.optim.linear.NonNegativeConstraint;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.SimplexSolver;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.junit.jupiter.api.Test;
import org.lde.tensor.Rng;

/**
 * The projected-Sinkhorn projection against brute-force transport LPs (commons-math3's simplex):
 * the projected point lies in the Wasserstein ball (exact transport cost by LP), and it is nearly
 * optimal (the Frank-Wolfe gap over the ball, an LP in the plan, bounds its excess distance).
 */
class SinkhornProjectionTest {

    @Test
    void lambertWOfExpSolvesWPlusLogWEqualsL() {
        assertEquals(0.5671432904097838, SinkhornProjection.lambertWOfExp(0), 1e-15); // the omega constant
        assertEquals(1, SinkhornProjection.lambertWOfExp(1), 1e-15);                   // W(e) = 1
        assertEquals(0, SinkhornProjection.lambertWOfExp(Double.NEGATIVE_INFINITY), 0);
        assertEquals(Math.exp(-50), SinkhornProjection.lambertWOfExp(-50), 1e-30);     // W(x) ~ x for tiny x
        for (double l : new double[] {-3, 0.5, 2, 30, 1000, 1e5}) {
            double w = SinkhornProjection.lambertWOfExp(l);
            assertEquals(l, w + Math.log(w), 1e-12 * Math.max(1, Math.abs(l)), "l=" + l);
        }
    }

    /** Two pixels at distance 1 (cost 1 per unit moved): the ball is z = (0.6 - m, 0.4 + m), |m| <= eps. */
    @Test
    void twoPixelsHaveTheClosedFormProjection() {
        double[] x = {0.6, 0.4};
        double[] w = {0.2, 0.9};
        // unconstrained in m: m = (w1 - w0 + 0.6 - 0.4) / 2 = 0.45, clipped to eps = 0.1: z = (0.5, 0.5)
        SinkhornProjection p = new SinkhornProjection(1, 1, 2, new SinkhornProjection.Options(1e3, 3, 2, 100000, 1e-10));
        SinkhornProjection.Result r = p.project(x, w, 0.1);
        assertArrayEquals(new double[] {0.5, 0.5}, r.z(), 1e-8);
        assertEquals(0.1, r.planCost(), 1e-8);
        assertTrue(r.marginalError() <= 1e-10, "row error " + r.marginalError());
        assertTrue(r.psi() > 0);
        // inside the ball the projection is w itself up to the entropic blur (the entropy spreads the plan,
        // moving mass both ways, so even here the cost constraint binds: the plan costs eps, not 0.05)
        SinkhornProjection.Result in = p.project(x, new double[] {0.55, 0.45}, 0.1);
        assertArrayEquals(new double[] {0.55, 0.45}, in.z(), 1e-3);
        assertTrue(in.planCost() <= 0.1 + 1e-8, "cost " + in.planCost());
    }

    @Test
    void onTinyImagesTheProjectionIsFeasibleAndNearlyOptimalByLp() {
        Rng rng = new Rng(5);
        int[][] shapes = {{1, 3, 3}, {2, 2, 2}, {1, 2, 4}};
        for (int[] s : shapes) {
            int d = s[0] * s[1] * s[2];
            double[] x = new double[d];
            double mass = 0;
            for (int i = 0; i < d; i++) {
                x[i] = i == 1 ? 0 : 0.1 + rng.uniform(); // one empty pixel: log 0 must be handled
                mass += x[i];
            }
            double[] w = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] /= mass;
                w[i] = x[i] + 0.15 * rng.gaussian();
            }
            double eps = 0.05;
            double lastGap = Double.POSITIVE_INFINITY;
            for (double lambda : new double[] {1e2, 1e3}) {
                SinkhornProjection p = new SinkhornProjection(s[0], s[1], s[2], new SinkhornProjection.Options(lambda, 3, 2, 200000, 1e-10));
                SinkhornProjection.Result r = p.project(x, w, eps);
                double[] z = r.z();
                double zs = 0;
                for (double v : z) {
                    assertTrue(v >= 0);
                    zs += v;
                }
                assertEquals(1, zs, 1e-6, "mass is conserved");
                double exact = transportCost(p, x, z);
                assertTrue(exact <= eps * (1 + 1e-4) + 1e-7, java.util.Arrays.toString(s) + " lambda " + lambda + ": W = " + exact + " > eps");
                assertTrue(exact <= r.planCost() + 1e-6, "the LP optimum is at most the plan's cost");
                double gap = frankWolfeGap(p, x, w, z, eps);
                double dist2 = 0;
                for (int i = 0; i < d; i++) {
                    dist2 += (w[i] - z[i]) * (w[i] - z[i]);
                }
                assertTrue(gap >= -1e-7, "gap " + gap);
                assertTrue(gap <= 0.05 * dist2, java.util.Arrays.toString(s) + " lambda " + lambda + ": gap " + gap + " vs ||w - z||^2 " + dist2);
                if (lambda >= 1e3) {
                    assertTrue(gap < lastGap, "the gap shrinks as lambda grows: " + gap + " after " + lastGap);
                }
                lastGap = gap;
            }
            assertTrue(lastGap <= 2e-5, "at lambda 1e3 the projection is nearly exact, gap " + lastGap);
        }
    }

    @Test
    void massMovesOnlyWithinAChannelAndTheWindow() {
        SinkhornProjection p = new SinkhornProjection(2, 3, 3, SinkhornProjection.Options.defaults().withKernelSize(3));
        assertEquals(Double.POSITIVE_INFINITY, p.cost(0, 9));  // channel 0 -> channel 1
        assertEquals(Double.POSITIVE_INFINITY, p.cost(0, 2));  // two columns apart, window 3
        assertEquals(2, p.cost(0, 4), 0);                      // diagonal neighbour, p = 2
        assertEquals(0, p.cost(4, 4), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.project(new double[18], new double[18], 0.1));
        assertTrue(e.getMessage().contains("no mass"), e.getMessage());
        double[] neg = new double[18];
        neg[3] = -0.1;
        neg[4] = 1;
        e = assertThrows(IllegalArgumentException.class, () -> p.project(neg, new double[18], 0.1));
        assertTrue(e.getMessage().contains("flat index 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SinkhornProjection.Options.defaults().withKernelSize(4));
    }

    /** The pairs (i, j) between which mass may move, in a fixed order. */
    private static List<int[]> pairs(SinkhornProjection p, int d) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                if (Double.isFinite(p.cost(i, j))) {
                    out.add(new int[] {i, j});
                }
            }
        }
        return out;
    }

    /** min <Pi, C> over Pi >= 0 with rows x and columns z (the last column constraint is implied by the masses). */
    static double transportCost(SinkhornProjection p, double[] x, double[] z) {
        int d = x.length;
        List<int[]> pr = pairs(p, d);
        double[] c = new double[pr.size()];
        for (int v = 0; v < pr.size(); v++) {
            c[v] = p.cost(pr.get(v)[0], pr.get(v)[1]);
        }
        List<LinearConstraint> cons = new ArrayList<>();
        for (int i = 0; i < d; i++) {
            cons.add(new LinearConstraint(indicator(pr, i, 0), Relationship.EQ, x[i]));
        }
        // per channel the masses agree only to the solver's tolerance: drop one column per channel? The
        // projection conserves mass per channel, so keep all but the last column overall.
        for (int j = 0; j < d - 1; j++) {
            cons.add(new LinearConstraint(indicator(pr, j, 1), Relationship.EQ, z[j]));
        }
        PointValuePair sol = new SimplexSolver(1e-9, 10, 1e-12).optimize(new MaxIter(100000), new LinearObjectiveFunction(c, 0),
                new LinearConstraintSet(cons), GoalType.MINIMIZE, new NonNegativeConstraint(true));
        return sol.getValue();
    }

    /** max over the ball of (w - z)^T (z' - z): an LP in the plan Pi of z'. */
    static double frankWolfeGap(SinkhornProjection p, double[] x, double[] w, double[] z, double eps) {
        int d = x.length;
        List<int[]> pr = pairs(p, d);
        double[] obj = new double[pr.size()];
        double[] c = new double[pr.size()];
        for (int v = 0; v < pr.size(); v++) {
            int j = pr.get(v)[1];
            obj[v] = w[j] - z[j];
            c[v] = p.cost(pr.get(v)[0], j);
        }
        List<LinearConstraint> cons = new ArrayList<>();
        for (int i = 0; i < d; i++) {
            cons.add(new LinearConstraint(indicator(pr, i, 0), Relationship.EQ, x[i]));
        }
        cons.add(new LinearConstraint(c, Relationship.LEQ, eps));
        PointValuePair sol = new SimplexSolver(1e-9, 10, 1e-12).optimize(new MaxIter(100000), new LinearObjectiveFunction(obj, 0),
                new LinearConstraintSet(cons), GoalType.MAXIMIZE, new NonNegativeConstraint(true));
        double base = 0;
        for (int j = 0; j < d; j++) {
            base += (w[j] - z[j]) * z[j];
        }
        return sol.getValue() - base;
    }

    private static double[] indicator(List<int[]> pr, int k, int side) {
        double[] a = new double[pr.size()];
        for (int v = 0; v < pr.size(); v++) {
            if (pr.get(v)[side] == k) {
                a[v] = 1;
            }
        }
        return a;
    }
}
