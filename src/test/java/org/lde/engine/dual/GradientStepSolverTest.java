package org.lde.engine.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/** The ablation without the dual: one gradient step, checked against the step computed by hand. */
class GradientStepSolverTest {

    private static double[] clippedStep(double[] a, double r, double[] tl, double[] tu) {
        double aa = 0;
        for (double v : a) {
            aa += v * v;
        }
        double[] t = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            t[i] = Math.min(tu[i], Math.max(tl[i], r / aa * a[i]));
        }
        return t;
    }

    @Test
    void oneConstraintIsTheClippedGradientStep() {
        Rng rng = new Rng(9);
        int d = 13;
        for (int trial = 0; trial < 20; trial++) {
            double[] a = new double[d];
            double[] tl = new double[d];
            double[] tu = new double[d];
            for (int i = 0; i < d; i++) {
                a[i] = rng.uniform(-1, 1);
                tl[i] = -rng.uniform(0, 0.3);
                tu[i] = rng.uniform(0, 0.3);
            }
            double r = rng.uniform(0.05, 1.5);
            DualProblem p = DualProblem.builder(new Tensor(Shape.of(1, 1, d), a), Tensor.of(Shape.of(1, 1), r))
                    .box(new Tensor(Shape.of(1, d), tl), new Tensor(Shape.of(1, d), tu)).build();
            DualSolution s = new GradientStepSolver().solve(p).get(0);
            double[] want = clippedStep(a, r, tl, tu);
            double at = 0;
            boolean binds = false;
            for (int i = 0; i < d; i++) {
                assertEquals(want[i], s.t(i), 1e-15, "trial " + trial + " feature " + i);
                at += a[i] * want[i];
                binds |= want[i] == tl[i] || want[i] == tu[i];
            }
            assertEquals(1, s.iterations());
            if (binds) {
                // the step falls short of the linearized boundary: not a solution, and it says so
                assertTrue(at < r - 1e-12);
                assertEquals(DualStatus.MAX_ITER, s.status());
                // the exact dual solve reaches it; its optimum is never above the step's lower bound
                DualSolution exact = new ReferenceDualSolver(DualSolverOptions.defaults()).solve(p).get(0);
                if (exact.status() == DualStatus.SOLVED) {
                    assertTrue(s.dualValue() <= exact.primalValue() + 1e-12);
                }
            }
        }
    }

    @Test
    void withoutBindingBoxItEqualsTheExactSolve() {
        Rng rng = new Rng(3);
        int d = 11;
        double[] a = new double[d];
        double[] tl = new double[d];
        double[] tu = new double[d];
        for (int i = 0; i < d; i++) {
            a[i] = rng.uniform(-1, 1);
            tl[i] = -10;
            tu[i] = 10;
        }
        DualProblem p = DualProblem.builder(new Tensor(Shape.of(1, 1, d), a), Tensor.of(Shape.of(1, 1), 0.7))
                .box(new Tensor(Shape.of(1, d), tl), new Tensor(Shape.of(1, d), tu)).build();
        DualSolution s = new GradientStepSolver().solve(p).get(0);
        DualSolution exact = new ReferenceDualSolver(DualSolverOptions.defaults()).solve(p).get(0);
        assertEquals(DualStatus.SOLVED, s.status());
        assertEquals(exact.lambda(0), s.lambda(0), 1e-12);
        for (int i = 0; i < d; i++) {
            assertEquals(exact.t(i), s.t(i), 1e-12);
        }
    }

    @Test
    void refusesOtherObjectives() {
        DualProblem p = DualProblem.builder(new Tensor(Shape.of(1, 1, 2), new double[] {1, 1}), Tensor.of(Shape.of(1, 1), 1))
                .objective(Objective.LINF).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GradientStepSolver().solve(p));
        assertTrue(e.getMessage().contains("L2"), e.getMessage());
    }

    /**
     * The explainer with the dual removed: on a linear 2-class model, one outer iteration of the deletion
     * model gives {@code t = clip(r a / ||a||^2, 0, 1)} with {@code a = (0 - x) . (w_j - w_y)} and
     * {@code r = f_y(x) - f_j(x)}, computed here by hand, while the exact dual solve differs where the box binds.
     */
    @Test
    void explainerWithoutTheDualTakesThePlainGradientStep() {
        int d = 6;
        double[] w = {2.0, -1.5, 0.8, 3.0, -0.2, 1.1};
        Network net = TestModels.binaryLinear(w, -0.9); // f_0 = 0, f_1 = w^T x + b
        double[] x = {0.9, 0.1, 0.5, 0.7, 0.3, 0.2};
        double f1 = -0.9;
        for (int i = 0; i < d; i++) {
            f1 += w[i] * x[i];
        }
        assertTrue(f1 > 0, "class 1 predicted");
        double[] a = new double[d];
        double[] tl = new double[d];
        double[] tu = new double[d];
        for (int i = 0; i < d; i++) {
            a[i] = -x[i] * (0 - w[i]); // (b - x) * (w_j - w_y), j = 0, y = 1
            tu[i] = 1;
        }
        double[] want = clippedStep(a, f1, tl, tu);
        Tensor xt = new Tensor(Shape.of(1, d), x);
        try (Backend be = Backends.open(net, "cpu")) {
            List<Explanation> ablated = LagrangeDualExplainer.builder().maxOuterIterations(1)
                    .solver(new GradientStepSolver()).build().explain(be, xt);
            List<Explanation> dual = LagrangeDualExplainer.builder().maxOuterIterations(1).build().explain(be, xt);
            double[] t = ablated.get(0).t().data();
            double diff = 0;
            for (int i = 0; i < d; i++) {
                assertEquals(want[i], t[i], 1e-12, "feature " + i);
                diff = Math.max(diff, Math.abs(dual.get(0).t().data()[i] - t[i]));
            }
            assertTrue(diff > 1e-3, "the box binds here, so the exact dual solve must differ from the step; max diff " + diff);
        }
    }
}
