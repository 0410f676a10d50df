package org.lde.engine.bound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.model.Activation;
import org.lde.model.LeakyReLU;
import org.lde.model.ReLU;
import org.lde.model.Sigmoid;
import org.lde.model.Tanh;
import org.lde.tensor.Rng;

/**
 * The activation relaxations against the functions themselves: on random intervals (one-sided,
 * crossing, tiny, degenerate, wide, saturated) every line bounds {@code f} at both ends and at 100
 * points between (soundness), one-sided sigmoid/tanh chords touch {@code f} at both ends and the
 * midpoint tangents touch it at the midpoint, crossing piecewise-linear chords touch the ends
 * (tightness), and the free slopes of ReLU/LeakyReLU stay sound anywhere in {@code [s, 1]}.
 */
class ActivationLinesTest {
    private static final List<Activation> KINDS = List.of(new ReLU("r"), new LeakyReLU("l1", 0.1), new LeakyReLU("l2", -0.3),
            new LeakyReLU("l3", 1.7), new Sigmoid("s"), new Tanh("t"));

    @Test
    void linesBoundTheFunctionOnEveryInterval() {
        Rng rng = new Rng(17);
        int n = 2000;
        double[] l = new double[n];
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            double scale = new double[] {1e-12, 1e-9, 1e-6, 0.01, 1, 5, 40}[i % 7];
            double a = rng.uniform(-6, 6);
            double b = a + scale * rng.uniform();
            switch (i % 5) {
                case 0 -> { l[i] = a; u[i] = a; }                       // degenerate
                case 1 -> { l[i] = -scale * rng.uniform(); u[i] = scale * rng.uniform(); } // crossing 0
                case 2 -> { l[i] = -Math.abs(b) - scale; u[i] = -Math.abs(a); }          // left of 0
                default -> { l[i] = Math.min(a, b); u[i] = Math.max(a, b); }
            }
        }
        int checked = 0;
        for (Activation f : KINDS) {
            ActivationLines lines = ActivationLines.of(f, l, u);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k <= 101; k++) {
                    double z = k == 101 ? u[i] : l[i] + (u[i] - l[i]) * k / 100.0;
                    z = Math.min(u[i], Math.max(l[i], z));
                    double y = f.apply(z);
                    double lo = lines.lowA[i] * z + lines.lowB[i];
                    double hi = lines.upA[i] * z + lines.upB[i];
                    // the lines are exact in real arithmetic; evaluating them here rounds by a few ulps of their terms
                    double tol = 1e-15 * (1 + Math.abs(y) + Math.abs(lines.upA[i] * z) + Math.abs(lines.upB[i])
                            + Math.abs(lines.lowA[i] * z) + Math.abs(lines.lowB[i]));
                    if (!(lo <= y + tol && y <= hi + tol)) {
                        fail(f.kind() + " on [" + l[i] + ", " + u[i] + "] at " + z + ": " + y + " outside [" + lo + ", " + hi
                                + "]");
                    }
                    if (lines.free[i]) {
                        double s = ActivationLines.leakSlope(f);
                        for (double a : new double[] {s, 1, 0.5 * (s + 1)}) {
                            assertTrue(a * z <= y + 1e-15, f.kind() + " free slope " + a + " at " + z);
                        }
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 1_200_000, "checked " + checked);
    }

    @Test
    void sShapedLinesTouchTheFunctionWhereTheConstructionSays() {
        for (Activation f : List.of(new Sigmoid("s"), new Tanh("t"))) {
            double[] l = {-3, 0.5, -3, -5};
            double[] u = {-1, 2.5, 0.1, 4};
            ActivationLines lines = ActivationLines.of(f, l, u);
            // u <= 0: chord above, touching both ends; tangent at the midpoint below
            assertEquals(f.apply(-3), lines.upA[0] * -3 + lines.upB[0], 1e-10);
            assertEquals(f.apply(-1), lines.upA[0] * -1 + lines.upB[0], 1e-10);
            assertEquals(f.apply(-2), lines.lowA[0] * -2 + lines.lowB[0], 1e-10);
            // l >= 0: chord below, tangent at the midpoint above
            assertEquals(f.apply(0.5), lines.lowA[1] * 0.5 + lines.lowB[1], 1e-10);
            assertEquals(f.apply(2.5), lines.lowA[1] * 2.5 + lines.lowB[1], 1e-10);
            assertEquals(f.apply(1.5), lines.upA[1] * 1.5 + lines.upB[1], 1e-10);
            // crossing, mostly left of 0: the chord is a valid upper line (k <= f'(u)) and is used; the lower line
            // is the tangent through (u, f(u))
            assertEquals(f.apply(-3), lines.upA[2] * -3 + lines.upB[2], 1e-10);
            assertEquals(f.apply(0.1), lines.upA[2] * 0.1 + lines.upB[2], 1e-10);
            assertEquals(f.apply(0.1), lines.lowA[2] * 0.1 + lines.lowB[2], 1e-9);
            assertTrue(lines.lowA[2] > lines.upA[2], "the lower tangent is steeper than the chord");
            // a wide crossing interval: tangent lines through the far end's value
            assertEquals(f.apply(-5), lines.upA[3] * -5 + lines.upB[3], 1e-6);
            assertEquals(f.apply(4), lines.lowA[3] * 4 + lines.lowB[3], 1e-6);
        }
    }

    @Test
    void piecewiseLinearChordsTouchTheEnds() {
        double[] l = {-2, -0.5};
        double[] u = {1, 3};
        for (Activation f : List.of(new ReLU("r"), new LeakyReLU("a", 0.2), new LeakyReLU("b", 1.7))) {
            ActivationLines lines = ActivationLines.of(f, l, u);
            boolean convex = ActivationLines.leakSlope(f) <= 1;
            for (int i = 0; i < 2; i++) {
                double[] a = convex ? lines.upA : lines.lowA;
                double[] b = convex ? lines.upB : lines.lowB;
                assertEquals(f.apply(l[i]), a[i] * l[i] + b[i], 1e-12, f.kind() + " chord at l");
                assertEquals(f.apply(u[i]), a[i] * u[i] + b[i], 1e-7, f.kind() + " chord at u");
                assertEquals(convex, lines.free[i]);
            }
            // adaptive: slope 1 when u > -l, else s
            double s = ActivationLines.leakSlope(f);
            double[] other = convex ? lines.lowA : lines.upA;
            assertEquals(s, other[0], 0);
            assertEquals(1, other[1], 0);
        }
    }
}
