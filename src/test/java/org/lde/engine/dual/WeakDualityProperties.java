package org.lde.engine.dual;

import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.lde.tensor.Rng;

/**
 * Weak duality (METHOD.md section 4): for every {@code lambda >= 0}, {@code g(lambda) <= f(t)} for
 * every feasible {@code t}, in particular for the point that generated the problem (independent
 * of the solver) and for the solver's optimum.
 */
class WeakDualityProperties {

    private record Generated(TestProblems.Data data, double[] feasiblePoint) {
    }

    private static Generated generate(Rng rng, int k, int d) {
        double[] a = TestProblems.gaussian(rng, k * d);
        double[][] box = TestProblems.randomBox(rng, d, rng.nextInt(2) == 0);
        double[] tf = TestProblems.pointInBox(rng, box[0], box[1]);
        double[] at = TestProblems.mult(a, k, d, tf);
        double[] r = new double[k];
        for (int j = 0; j < k; j++) {
            r[j] = at[j] - (rng.nextInt(2) == 0 ? 0 : rng.uniform(0, 0.5));
        }
        return new Generated(new TestProblems.Data(k, d, a, r, box[0], box[1]), tf);
    }

    private static double[] randomLambda(Rng rng, int k) {
        double scale = Math.pow(10, rng.uniform(-3, 2));
        double[] l = new double[k];
        for (int j = 0; j < k; j++) {
            l[j] = rng.nextInt(4) == 0 ? 0 : scale * rng.uniform();
        }
        return l;
    }

    @Property(tries = 150)
    void l2DualValueBoundsEveryFeasiblePoint(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int k,
                                             @ForAll @IntRange(min = 1, max = 31) int d) {
        Rng rng = new Rng(seed);
        Generated g = generate(rng, k, d);
        DualProblem p = TestProblems.batch(Objective.L2, g.data());
        double[] lambda = randomLambda(rng, k);
        double dual = Certificates.weakDualityBound(p, 0, lambda);
        double fFeasible = 0.5 * Math.pow(TestProblems.norm2(g.feasiblePoint()), 2);
        assertTrue(dual <= fFeasible + 1e-12 * (1 + Math.abs(fFeasible)), "G = " + dual + " > f(t_f) = " + fFeasible);
        assertTrue(Certificates.normLowerBound(Objective.L2, dual) <= TestProblems.norm2(g.feasiblePoint()) * (1 + 1e-12) + 1e-12);
        DualSolution s = new ReferenceDualSolver().solve(p).get(0);
        assertTrue(s.solved(), s.toString());
        assertTrue(dual <= s.primalValue() + 1e-11 * (1 + s.primalValue()), "G = " + dual + " > p* = " + s.primalValue());
        assertTrue(s.primalValue() <= fFeasible + 1e-12 * (1 + fFeasible), "p* above a feasible point's value");
        // multipliers near the optimum, where a wrong dual function would overshoot p* first
        double[] near = s.lambda();
        for (int j = 0; j < k; j++) {
            near[j] = Math.max(0, near[j] * (1 + rng.uniform(-0.5, 0.5)) + rng.uniform(0, 0.01));
        }
        double gNear = Certificates.weakDualityBound(p, 0, near);
        assertTrue(gNear <= s.primalValue() + 1e-11 * (1 + s.primalValue()), "G(near) = " + gNear + " > p* = " + s.primalValue());
    }

    @Property(tries = 150)
    void normObjectivesDualValueBoundsEveryFeasiblePoint(@ForAll long seed, @ForAll @IntRange(min = 1, max = 31) int d,
                                                         @ForAll boolean linf) {
        Rng rng = new Rng(seed);
        Generated g = generate(rng, 1, d);
        Objective obj = linf ? Objective.LINF : Objective.L1;
        DualProblem p = TestProblems.batch(obj, g.data());
        double[] lambda = randomLambda(rng, 1);
        double dual = Certificates.weakDualityBound(p, 0, lambda);
        double f = Certificates.primalValue(obj, g.feasiblePoint());
        assertTrue(dual <= f + 1e-12 * (1 + f), obj + ": g = " + dual + " > f(t_f) = " + f);
        DualSolution s = new ReferenceDualSolver().solve(p).get(0);
        assertTrue(s.solved(), s.toString());
        assertTrue(dual <= s.primalValue() + 1e-11 * (1 + s.primalValue()));
        assertTrue(s.primalValue() <= f + 1e-12 * (1 + f));
        assertTrue(Math.abs(s.relativeGap()) <= 1e-12, "gap " + s.relativeGap());
        double near = Math.max(0, s.lambda(0) * (1 + rng.uniform(-0.5, 0.5)) + rng.uniform(0, 0.01));
        double gNear = Certificates.weakDualityBound(p, 0, new double[] {near});
        assertTrue(gNear <= s.primalValue() + 1e-11 * (1 + s.primalValue()), "g(near) = " + gNear + " > p* = " + s.primalValue());
    }
}
