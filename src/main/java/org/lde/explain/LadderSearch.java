package org.lde.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.engine.dual.DualLinearization;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.LinearizedDual;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The explainer's outer loop (METHOD.md section 6) with damped steps, a ladder of verified candidates and
 * a final overshoot; the algorithm is described on {@link LagrangeDualExplainer}. All samples of the batch
 * share each forward pass, reverse pass and dual solve; samples that stop leave the batch.
 */
final class LadderSearch implements OuterLoop {

    @Override
    public void search(Backend backend, ExplainBatch batch, Verifier verifier) {
        ExplainerSettings cfg = batch.cfg;
        Shape in = batch.in;
        int d = batch.d;
        int c = batch.c;
        int rows = batch.rows;
        boolean flipRows = batch.flipRows;
        int maxOuterIterations = cfg.maxOuterIterations();
        List<SampleState> active = new ArrayList<>(batch.samples);
        for (int it = 0; !active.isEmpty(); it++) {
            boolean last = it == maxOuterIterations;
            Tensor z = SampleState.gatherPoints(active, in, d, null);
            Recorded rec = last ? null : backend.forwardRecorded(z);
            try {
                // 1. Forward at z_s: margins, and verification of z_s.
                Tensor logits = last ? backend.forward(z) : rec.logits();
                double[] ld = logits.data();
                double[] bestBefore = new double[active.size()];
                for (int a = 0; a < active.size(); a++) {
                    SampleState s = active.get(a);
                    double[] lg = Arrays.copyOfRange(ld, a * c, (a + 1) * c);
                    if (it == 0) {
                        batch.initRows(s, lg);
                    }
                    bestBefore[a] = s.best == null ? Double.NaN : s.best.norm();
                    s.verifiedNow = false;
                    s.logitsLast = lg;
                    s.mLast = s.margins(lg, c);
                    if (it == 0) {
                        s.m0 = s.mLast.clone();
                    }
                    if (last) {
                        s.stop = StopReason.MAX_OUTER_ITERATIONS;
                    }
                }
                verifier.verify(active, null, logits, it);
                if (last) {
                    break;
                }
                // 2-3. One batched reverse pass (R seeds per sample), the linearized problems of all samples
                //      around z_s, and ONE batched solve: fused in the backend (on a device the rows never
                //      leave it before the solver), or the reverse pass and the explicitly chosen solver.
                int m = active.size();
                Tensor seeds = new Tensor(Shape.of(m, rows, c), new double[m * rows * c]);
                double[] scaleAll = new double[m * d];
                double[] tAll = new double[m * d];
                double[] mAll = new double[m * rows];
                double[] tlAll = new double[m * d];
                double[] tuAll = new double[m * d];
                for (int a = 0; a < m; a++) {
                    SampleState s = active.get(a);
                    System.arraycopy(s.seeds, 0, seeds.data(), a * rows * c, rows * c);
                    System.arraycopy(s.scale, 0, scaleAll, a * d, d);
                    System.arraycopy(s.t, 0, tAll, a * d, d);
                    System.arraycopy(s.mLast, 0, mAll, a * rows, rows);
                    System.arraycopy(s.tl, 0, tlAll, a * d, d);
                    System.arraycopy(s.tu, 0, tuAll, a * d, d);
                }
                DualLinearization.Builder lb = DualLinearization.builder(new Tensor(Shape.of(m, d), scaleAll),
                                new Tensor(Shape.of(m, d), tAll), new Tensor(Shape.of(m, rows), mAll), cfg.kappa())
                        .box(new Tensor(Shape.of(m, d), tlAll), new Tensor(Shape.of(m, d), tuAll))
                        .grouping(flipRows ? DualLinearization.Grouping.PER_ROW : DualLinearization.Grouping.PER_SAMPLE)
                        .objective(cfg.objective());
                cfg.solverOptions().ifPresent(lb::options);
                if (!flipRows && it > 0) {
                    double[] l0 = new double[m * rows];
                    for (int j = 0; j < m; j++) {
                        System.arraycopy(active.get(j).lambdaPrev, 0, l0, j * rows, rows);
                    }
                    lb.warmStart(new Tensor(Shape.of(m, rows), l0));
                }
                DualLinearization lin = lb.build();
                LinearizedDual step = cfg.solver().isPresent()
                        ? lin.solveOnHost(backend.reverse(rec, seeds), cfg.solver().get())
                        : backend.solveLinearized(rec, seeds, lin);
                int nb = lin.problems();
                DualSolutions sol = step.solutions();
                if (sol.size() != nb) {
                    throw new IllegalStateException("dual solver returned " + sol.size() + " solutions for " + nb
                            + " problems");
                }
                double[] aAll = step.rows().data();
                double[] rAll = step.rhs().data();
                List<SampleState> solved = new ArrayList<>(m);
                List<double[]> subs = new ArrayList<>(m);
                List<Integer> solvedAt = new ArrayList<>(m);
                for (int j = 0; j < m; j++) {
                    SampleState s = active.get(j);
                    List<DualSolution> sj = flipRows ? new ArrayList<>(sol.items().subList(j * rows, (j + 1) * rows))
                            : List.of(sol.get(j));
                    DualSolution ds = s.recordLinearization(Arrays.copyOfRange(aAll, j * rows * d, (j + 1) * rows * d),
                            Arrays.copyOfRange(rAll, j * rows, (j + 1) * rows), sj, flipRows);
                    if (ds == null) {
                        continue;
                    }
                    solved.add(s);
                    subs.add(ds.t());
                    solvedAt.add(j);
                }
                // 4. Candidates clip(gamma t_sub) for every factor gamma, verified by ONE batched forward pass
                //    (not on the last step, whose iterate carries the overshoot and is verified by the final pass).
                boolean lastStep = it == maxOuterIterations - 1;
                if (cfg.verifyCandidates() && !lastStep && !solved.isEmpty()) {
                    double[] factors = cfg.factors();
                    List<double[]> cand = new ArrayList<>(solved.size() * factors.length);
                    List<SampleState> owner = new ArrayList<>(solved.size() * factors.length);
                    for (int j = 0; j < solved.size(); j++) {
                        for (double gamma : factors) {
                            cand.add(solved.get(j).scaled(subs.get(j), gamma));
                            owner.add(solved.get(j));
                        }
                    }
                    verifier.verify(owner, cand, backend.forward(SampleState.gatherPoints(owner, in, d, cand)), it + 1);
                }
                // 5. Stop samples whose best verified norm improved by less than the tolerance; 6. step.
                List<SampleState> next = new ArrayList<>(solved.size());
                for (int j = 0; j < solved.size(); j++) {
                    SampleState s = solved.get(j);
                    double before = bestBefore[solvedAt.get(j)];
                    if (cfg.stopOnConvergence() && !Double.isNaN(before) && s.verifiedNow && before - s.best.norm() <= cfg.tolerance() * before) {
                        s.stop = StopReason.CONVERGED;
                        continue;
                    }
                    double[] ts = subs.get(j);
                    double[] tNew = new double[d];
                    for (int i = 0; i < d; i++) {
                        tNew[i] = s.t[i] + cfg.alpha() * (ts[i] - s.t[i]);
                    }
                    if (lastStep && cfg.overshoot() != 1) {
                        tNew = s.scaled(tNew, cfg.overshoot()); // clip(overshoot t, tl, tu)
                    }
                    int off = solvedAt.get(j) * rows * d;
                    for (int k = 0; k < rows; k++) {
                        for (int i = 0; i < d; i++) {
                            s.path[k * d + i] += aAll[off + k * d + i] * (tNew[i] - s.t[i]); // g D (t' - t)
                        }
                    }
                    s.t = tNew;
                    next.add(s);
                }
                active = next;
            } finally {
                if (rec != null) {
                    rec.close();
                }
            }
        }
    }
}
