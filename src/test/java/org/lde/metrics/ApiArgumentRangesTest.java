package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.baseline.DeepFool;
import org.lde.explain.baseline.IntegratedGradients;
import org.lde.explain.baseline.Rise;
import org.lde.explain.baseline.SmoothGrad;

/**
 * Option ranges are checked in the Java API, not only in the CLI: a negative count or a non-finite
 * size is an IllegalArgumentException whose message names the parameter (as a count where it is one)
 * and the value. Issue 14: {@code Pgd.of(norm, 1, -10)} used to report "step size ... -0.25", a
 * value derived from the bad count.
 */
class ApiArgumentRangesTest {
    private static void fails(String expected, Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    @Test
    void pgdNamesTheCountOfStepsAndTheBudgetBeforeDerivingAStepSize() {
        fails("PGD steps (the number of gradient steps) must be >= 1, got -10", () -> Pgd.of(Pgd.Norm.LINF, 1, -10));
        fails("PGD steps (the number of gradient steps) must be >= 1, got 0", () -> Pgd.of(Pgd.Norm.L2, 0, 0));
        fails("PGD budget eps must be finite and >= 0, got Infinity", () -> Pgd.of(Pgd.Norm.LINF, Double.POSITIVE_INFINITY, 10));
        fails("PGD budget eps must be finite and >= 0, got NaN", () -> Pgd.of(Pgd.Norm.LINF, Double.NaN, 10));
        fails("PGD steps (the number of gradient steps) must be >= 1, got -1",
                () -> new Pgd(Pgd.Norm.LINF, 0.1, -0.25, -1, true, 1));
        fails("PGD step size alpha must be positive and finite, got NaN", () -> new Pgd(Pgd.Norm.LINF, 0.1, Double.NaN, 5, true, 1));
    }

    @Test
    void carliniWagnerNamesEachParameter() {
        fails("CW binarySteps (the number of binary-search steps on c) must be >= 1, got -1",
                () -> new CarliniWagner(-1, 100, 0.01, 1, 0));
        fails("CW iterations (the number of Adam steps per binary-search step) must be >= 1, got 0",
                () -> new CarliniWagner(5, 0, 0.01, 1, 0));
        fails("CW learningRate must be positive and finite, got Infinity",
                () -> new CarliniWagner(5, 100, Double.POSITIVE_INFINITY, 1, 0));
        fails("CW initialConst c_0 must be positive and finite, got -1.0", () -> new CarliniWagner(5, 100, 0.01, -1, 0));
        fails("CW kappa must be finite and >= 0, got NaN", () -> new CarliniWagner(5, 100, 0.01, 1, Double.NaN));
    }

    @Test
    void explainersAndMetricsNameTheParameter() {
        fails("maxOuterIterations (S_max) must be >= 1, got -3",
                () -> LagrangeDualExplainer.builder().maxOuterIterations(-3).build());
        fails("blurSigma must be finite and > 0, got Infinity",
                () -> LagrangeDualExplainer.builder().blurSigma(Double.POSITIVE_INFINITY).build());
        fails("integrated-gradients steps must be >= 1, got -1", () -> new IntegratedGradients().withSteps(-1));
        fails("smoothgrad samples must be >= 1, got -5", () -> new SmoothGrad().withSamples(-5));
        fails("smoothgrad noise fraction must be positive and finite, got NaN", () -> new SmoothGrad().withNoiseFraction(Double.NaN));
        fails("RISE cell size must be >= 1, got 0", () -> new Rise().withCellSize(0));
        fails("DeepFool max iterations must be >= 1, got -2", () -> new DeepFool().withMaxIterations(-2));
        fails("infidelity samples must be >= 1, got -1", () -> Infidelity.evaluate(null, "m", null, null, -1, 0.1, 1));
        fails("AOPC steps L must be >= 1, got -1", () -> AopcOptions.defaults().withSteps(-1));
    }
}
