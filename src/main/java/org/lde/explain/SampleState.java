package org.lde.explain;

import java.util.List;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualStatus;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * One sample's state during an explanation (all arrays are this sample's own): its box, its
 * margin rows, the current iterate of the outer loop, the last linearized problem and its solutions,
 * the best verified point and the pass counts. Written by {@link ExplainBatch} (setup), the
 * {@link OuterLoop} (the search) and {@link Verifier}; read by {@link ExplanationAssembly}.
 */
final class SampleState {
    int n;
    double[] x;
    double[] scale; // D
    double[] tl;
    double[] tu;
    double[] t; // current iterate t_s
    int predicted;
    int explained;
    double[] logits0;
    int[] rowClass; // class j of each margin row
    double[] seeds; // [R, C]
    double[] offsets; // [R]
    double[] m0; // margins at x
    double[] mLast; // margins at the final iterate
    double[] logitsLast;
    double[] path; // [R, d]
    double[] lambdaPrev; // warm start (TARGET)
    // the final subproblem
    double[] aLast; // [R, d]
    double[] rLast; // [R]
    List<DualSolution> solLast;
    // the first linearized problem (at x): the certificate's r_lin
    List<DualSolution> solFirst;
    double rLo = Double.NaN; // the certified radius, when asked for
    int chosenRow;
    VerifiedPoint best;
    int outer;
    int forwards;
    int reverses;
    StopReason stop;
    boolean verifiedNow; // some point verified in the current outer iteration

    /**
     * Records the linearized problem just solved around the current iterate: its rows {@code a [R, d]},
     * right-hand sides {@code r [R]} and solutions (FLIP: one per row; TARGET: one), and chooses the row
     * (FLIP: the competitor with the smallest primal value). Counts the reverse pass and the outer
     * iteration. The first call's solutions are kept as the linearization at {@code x} (the certificate's
     * {@code r_lin}, METHOD.md section 4).
     *
     * @return the chosen solution, or null when every row is infeasible in the box (then
     *         {@link #chosenRow} is the nearest infeasible one and the sample stops with
     *         {@link StopReason#INFEASIBLE_IN_BOX})
     */
    DualSolution recordLinearization(double[] a, double[] r, List<DualSolution> sols, boolean flipRows) {
        reverses++;
        outer++;
        aLast = a;
        rLast = r;
        solLast = sols;
        if (solFirst == null) {
            solFirst = sols;
        }
        int chosen = choose(sols);
        if (chosen < 0) {
            chosenRow = nearestInfeasible(sols);
            stop = StopReason.INFEASIBLE_IN_BOX;
            return null;
        }
        DualSolution ds = sols.get(chosen);
        chosenRow = flipRows ? chosen : 0;
        if (!flipRows) {
            lambdaPrev = ds.lambda();
        }
        return ds;
    }

    /** Index of the solution with the smallest primal value (dual value if none is finite); -1 if all infeasible. */
    static int choose(List<DualSolution> sols) {
        int best = -1;
        for (int k = 0; k < sols.size(); k++) {
            DualSolution q = sols.get(k);
            if (q.status() == DualStatus.INFEASIBLE_IN_BOX) {
                continue;
            }
            if (best < 0 || key(q) < key(sols.get(best))) {
                best = k;
            }
        }
        return best;
    }

    /** All infeasible: the row with the smallest infeasibility margin (the nearest the box comes). */
    private static int nearestInfeasible(List<DualSolution> sols) {
        int best = 0;
        for (int k = 1; k < sols.size(); k++) {
            if (sols.get(k).infeasibilityMargin() < sols.get(best).infeasibilityMargin()) {
                best = k;
            }
        }
        return best;
    }

    private static double key(DualSolution q) {
        return Double.isFinite(q.primalValue()) ? q.primalValue() : 1e300 + q.dualValue();
    }

    /** The margins {@code seeds_k . f - offsets_k} of the rows, from logits {@code lg [C]}. */
    double[] margins(double[] lg, int c) {
        int rows = offsets.length;
        double[] m = new double[rows];
        for (int k = 0; k < rows; k++) {
            double v = -offsets[k];
            for (int j = 0; j < c; j++) {
                v += seeds[k * c + j] * lg[j];
            }
            m[k] = v;
        }
        return m;
    }

    /** {@code clip(gamma t, tl, tu)}: the projection onto the box (both boxes contain 0, so this is the box point on the ray). */
    double[] scaled(double[] v, double gamma) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = Math.min(tu[i], Math.max(tl[i], gamma * v[i]));
        }
        return o;
    }

    /** The points {@code x + D t} of the samples, with {@code t} their iterate or the given ones. */
    static Tensor gatherPoints(List<SampleState> active, Shape in, int d, List<double[]> ts) {
        double[] z = new double[active.size() * d];
        for (int a = 0; a < active.size(); a++) {
            SampleState s = active.get(a);
            double[] t = ts == null ? s.t : ts.get(a);
            for (int i = 0; i < d; i++) {
                z[a * d + i] = s.x[i] + s.scale[i] * t[i];
            }
        }
        return new Tensor(in.withBatch(active.size()), z);
    }
}
