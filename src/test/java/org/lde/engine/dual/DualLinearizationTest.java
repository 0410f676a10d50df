package org.lde.engine.dual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

class DualLinearizationTest {

    /** Two samples, d = 3, R = 2: hand-computed rows and right-hand sides. */
    private static DualLinearization.Builder twoSamples() {
        Tensor scale = Tensor.of(Shape.of(2, 3), -0.5, 0, 2, 1, 1, 1);
        Tensor t = Tensor.of(Shape.of(2, 3), 0.2, 0.4, 0.1, 0, 0.5, -0.5);
        Tensor m = Tensor.of(Shape.of(2, 2), -1, -2, 0.5, -0.25);
        return DualLinearization.builder(scale, t, m, 0.1)
                .box(Tensor.of(Shape.of(2, 3), 0, 0, 0, -1, -1, -1), Tensor.of(Shape.of(2, 3), 1, 1, 1, 1, 1, 1));
    }

    private static Tensor gradients() {
        return Tensor.of(Shape.of(2, 2, 3), 1, 2, 3, -1, 0, 4, 2, -2, 1, 0, 3, 3);
    }

    @Test
    void rowsAreTheScaledGradientsAndTheRightHandSidesTheLinearizedMargins() {
        DualLinearization.Rows rows = twoSamples().build().rows(gradients());
        // sample 0: a = D g = (-0.5, 0, 6), (0.5, 0, 8); a^T t = -0.1 + 0.6 = 0.5, 0.1 + 0.8 = 0.9
        // sample 1: a = g = (2, -2, 1), (0, 3, 3); a^T t = -1 - 0.5 = -1.5, 1.5 - 1.5 = 0
        assertArrayEquals(new double[] {-0.5, 0, 6, 0.5, 0, 8, 2, -2, 1, 0, 3, 3}, rows.a().data(), 1e-15);
        assertEquals(Shape.of(2, 2, 3), rows.a().shape());
        // r = kappa - m + a^T t
        assertArrayEquals(new double[] {0.1 + 1 + 0.5, 0.1 + 2 + 0.9, 0.1 - 0.5 - 1.5, 0.1 + 0.25 + 0}, rows.r().data(),
                1e-15);
    }

    @Test
    void perRowProblemsRepeatTheSampleBoxAndPerSampleProblemsStackTheRows() {
        DualLinearization perRow = twoSamples().build();
        DualLinearization.Rows rows = perRow.rows(gradients());
        DualProblem p = perRow.problem(rows.a(), rows.r());
        assertEquals(4, p.batch());
        assertEquals(1, p.constraints());
        assertArrayEquals(new double[] {0.5, 0, 8}, p.row(1, 0));
        assertArrayEquals(new double[] {0, 0, 0}, p.lowerBounds(1));
        assertArrayEquals(new double[] {-1, -1, -1}, p.lowerBounds(2));
        assertArrayEquals(new double[] {-1, -1, -1}, p.lowerBounds(3));
        DualLinearization perSample = twoSamples().grouping(DualLinearization.Grouping.PER_SAMPLE).build();
        DualProblem q = perSample.problem(rows.a(), rows.r());
        assertEquals(2, q.batch());
        assertEquals(2, q.constraints());
        assertArrayEquals(new double[] {0, 3, 3}, q.row(1, 1));
        assertEquals(rows.r().data()[3], q.r(1, 1));
        assertArrayEquals(new double[] {1, 1, 1}, q.upperBounds(1));
    }

    @Test
    void theHostStepSolvesWithTheGivenSolverAndItsWarmStart() {
        Tensor warm = Tensor.of(Shape.of(2, 2), 0.1, 0.2, 0.3, 0);
        DualLinearization lin = twoSamples().grouping(DualLinearization.Grouping.PER_SAMPLE).warmStart(warm).build();
        assertArrayEquals(warm.data(), lin.lambda0().data());
        LinearizedDual step = lin.solveOnHost(gradients(), new ReferenceDualSolver());
        DualSolutions cold = new ReferenceDualSolver().solve(step.problem());
        for (int b = 0; b < 2; b++) {
            assertEquals(cold.get(b).status(), step.solutions().get(b).status());
            assertTrue(DualAgreement.of(cold.get(b), step.solutions().get(b)).passesPrimalAndValue(1e-9),
                    "warm and cold starts agree, problem " + b);
        }
        // the solver's solutions for the problems the step reports
        DualLinearization.Rows rows = lin.rows(gradients());
        assertArrayEquals(rows.a().data(), step.rows().data());
        assertArrayEquals(rows.r().data(), step.rhs().data());
    }

    @Test
    void badDescriptionsAreRefusedWithTheirName() {
        Tensor scale = Tensor.zeros(2, 3);
        Tensor t = Tensor.zeros(2, 3);
        Tensor m = Tensor.zeros(2, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DualLinearization.builder(scale, Tensor.zeros(2, 4), m, 0).build());
        assertTrue(e.getMessage().contains("t has shape [2, 4]"), e.getMessage());
        Tensor nan = Tensor.zeros(2, 4);
        nan.data()[5] = Double.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> DualLinearization.builder(scale, t, nan, 0).build());
        assertTrue(e.getMessage().contains("margins[1, 1] = NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> DualLinearization.builder(scale, t, m, 0).box(Tensor.zeros(2, 3), Tensor.of(Shape.of(2, 3), 1, 1, 1, 1, -1, 1)).build());
        assertTrue(e.getMessage().contains("sample 1, feature 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> DualLinearization.builder(scale, t, m, Double.POSITIVE_INFINITY).build());
        assertTrue(e.getMessage().contains("kappa"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> DualLinearization.builder(scale, t, m, 0).objective(Objective.LINF)
                        .grouping(DualLinearization.Grouping.PER_SAMPLE).build());
        assertTrue(e.getMessage().contains("PER_ROW"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> DualLinearization.builder(scale, t, m, 0).warmStart(Tensor.zeros(2, 4)).build());
        assertTrue(e.getMessage().contains("PER_SAMPLE"), e.getMessage());
        Tensor negative = Tensor.zeros(2, 4);
        negative.data()[2] = -1;
        e = assertThrows(IllegalArgumentException.class, () -> DualLinearization.builder(scale, t, m, 0)
                .grouping(DualLinearization.Grouping.PER_SAMPLE).warmStart(negative).build());
        assertTrue(e.getMessage().contains("lambda0[0, 2] = -1.0"), e.getMessage());
        DualLinearization ok = DualLinearization.builder(scale, t, m, 0).build();
        e = assertThrows(IllegalArgumentException.class, () -> ok.rows(Tensor.zeros(2, 3, 3)));
        assertTrue(e.getMessage().contains("gradients have shape [2, 3, 3], expected [2, 4, 3]"), e.getMessage());
        Tensor inf = Tensor.zeros(2, 4, 3);
        inf.data()[13] = Double.POSITIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> ok.rows(inf));
        assertTrue(e.getMessage().contains("gradient [1, 0, 1]"), e.getMessage());
    }
}
