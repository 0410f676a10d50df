package org.lde.engine.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

class DualProblemTest {

    private static Tensor t(int[] shape, double... v) {
        return new Tensor(Shape.of(shape), v);
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    private static final double INF = Double.POSITIVE_INFINITY;

    @Test
    void nanInANamesProblemConstraintAndIndex() {
        double[] a = new double[2 * 2 * 3];
        a[(1 * 2 + 0) * 3 + 2] = Double.NaN;
        String m = message(() -> DualProblem.builder(t(new int[] {2, 2, 3}, a), Tensor.zeros(2, 2)).build());
        assertTrue(m.contains("problem 1") && m.contains("A[b=1, k=0, i=2]") && m.contains("NaN"), m);
    }

    @Test
    void infiniteAAndNanRRejected() {
        String m = message(() -> DualProblem.builder(t(new int[] {1, 1, 2}, 1, INF), Tensor.zeros(1, 1)).build());
        assertTrue(m.contains("A[b=0, k=0, i=1]") && m.contains("Infinity"), m);
        String m2 = message(() -> DualProblem.builder(Tensor.zeros(3, 2, 2), t(new int[] {3, 2}, 0, 0, 0, 0, 0, Double.NaN)).build());
        assertTrue(m2.contains("problem 2") && m2.contains("r[b=2, k=1]"), m2);
    }

    @Test
    void emptyBoxAndWrongInfinitiesRejected() {
        Tensor a = Tensor.zeros(2, 1, 2);
        Tensor r = Tensor.zeros(2, 1);
        String m = message(() -> DualProblem.builder(a, r).box(t(new int[] {2, 2}, 0, 0, 0, 0.5), t(new int[] {2, 2}, 1, 1, 1, 0.2)).build());
        assertTrue(m.contains("problem 1") && m.contains("tl[b=1, i=1] = 0.5") && m.contains("tu[b=1, i=1] = 0.2"), m);
        String m2 = message(() -> DualProblem.builder(a, r).box(t(new int[] {2, 2}, 0, INF, 0, 0), t(new int[] {2, 2}, INF, INF, 1, 1)).build());
        assertTrue(m2.contains("tl[b=0, i=1]") && m2.contains("+Infinity"), m2);
        String m3 = message(() -> DualProblem.builder(a, r).box(t(new int[] {2, 2}, -INF, -INF, 0, 0), t(new int[] {2, 2}, 1, 1, 1, -INF)).build());
        assertTrue(m3.contains("tu[b=1, i=1]") && m3.contains("-Infinity"), m3);
        String m4 = message(() -> DualProblem.builder(a, r).box(t(new int[] {2, 2}, 0, 0, Double.NaN, 0), t(new int[] {2, 2}, 1, 1, 1, 1)).build());
        assertTrue(m4.contains("tl[b=1, i=0] is NaN"), m4);
    }

    @Test
    void shapesAndEmptyDimensionsRejected() {
        assertTrue(message(() -> DualProblem.builder(Tensor.zeros(2, 3), Tensor.zeros(2, 1)).build()).contains("[B, K, d]"));
        assertTrue(message(() -> DualProblem.builder(Tensor.zeros(2, 0, 3), Tensor.zeros(2, 0)).build()).contains("K = 0"));
        assertTrue(message(() -> DualProblem.builder(Tensor.zeros(2, 1, 0), Tensor.zeros(2, 1)).build()).contains("d = 0"));
        assertTrue(message(() -> DualProblem.builder(Tensor.zeros(0, 1, 2), Tensor.zeros(0, 1)).build()).contains("B = 0"));
        String m = message(() -> DualProblem.builder(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 4)).build());
        assertTrue(m.contains("r has shape [2, 4]") && m.contains("[2, 3]"), m);
        String m2 = message(() -> DualProblem.builder(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 3)).box(Tensor.zeros(2, 4), Tensor.zeros(2, 5)).build());
        assertTrue(m2.contains("tu has shape [2, 5]"), m2);
        String m3 = message(() -> DualProblem.builder(Tensor.zeros(1, 2, 4), Tensor.zeros(1, 2)).objective(Objective.L1).build());
        assertTrue(m3.contains("L1") && m3.contains("K = 2"), m3);
    }

    @Test
    void inputsAreCopiedAndDefaultsAreNoBoxL2() {
        Tensor a = t(new int[] {1, 1, 2}, 3, 4);
        Tensor r = t(new int[] {1, 1}, 5);
        DualProblem p = DualProblem.builder(a, r).build();
        a.data()[0] = 100;
        r.data()[0] = -1;
        assertEquals(3, p.a(0, 0, 0));
        assertEquals(5, p.r(0, 0));
        assertEquals(Double.NEGATIVE_INFINITY, p.lower(0, 1));
        assertEquals(INF, p.upper(0, 0));
        assertEquals(Objective.L2, p.objective());
        DualSolution s = new ReferenceDualSolver().solve(p).get(0);
        // t = r a / ||a||^2 = 5 (3, 4) / 25
        assertEquals(0.6, s.t(0), 1e-15);
        assertEquals(0.8, s.t(1), 1e-15);
    }

    @Test
    void warmStartValidated() {
        DualProblem p = DualProblem.builder(Tensor.zeros(2, 2, 3), Tensor.zeros(2, 2)).build();
        String m = message(() -> new ReferenceDualSolver().solve(p, t(new int[] {2, 2}, 0, 0, -1, 0)));
        assertTrue(m.contains("lambda0[b=1, k=0] = -1.0"), m);
        assertTrue(message(() -> new ReferenceDualSolver().solve(p, Tensor.zeros(2, 3))).contains("[2, 2]"));
    }

    @Test
    void optionsValidated() {
        assertTrue(message(() -> DualSolverOptions.builder().maxIterations(0).build()).contains("maxIterations"));
        assertTrue(message(() -> DualSolverOptions.builder().gapTolerance(Double.NaN).build()).contains("gapTolerance"));
        assertTrue(message(() -> DualSolverOptions.builder().feasibilityTolerance(-1).build()).contains("feasibilityTolerance"));
    }
}
