package org.lde.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.engine.dual.DualLinearization;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.LinearizedDual;
import org.lde.engine.dual.Objective;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The boundary-tracking outer loop (METHOD.md section 6, {@link LagrangeDualExplainer.Builder#boundarySearch}):
 * FAB's iteration (Croce and Hein 2020) on the explainer's own linearized problems, with restarts and a final
 * search along the segment, every sample and restart in one batch. In the variables {@code t} of the
 * perturbation model ({@code z = x + D t}, box {@code [tl, tu]}, the objective's norm), each walker (a
 * sample's iterate; walker 0 starts at {@code t = 0}) does per iteration:
 * <ol>
 *   <li>one recorded forward pass at {@code z} (all walkers of all samples together), which also verifies
 *       {@code z}; a verified walker steps back toward {@code x}, {@code t <- b t}, by an amount taken from the gap of
 *       its linearization ({@link #backwardStep}: {@code b = clip(||t_sub|| / ||t||, betaMin, beta)}, where FAB
 *       takes a fixed {@code beta});</li>
 *   <li>one reverse pass and one dual solve of the linearized problems at {@code z}
 *       ({@link Backend#solveLinearized}): the solution {@code t_sub} is the minimal perturbation from
 *       {@code x} to the linearized boundary in the box, FLIP choosing the competitor with the smallest
 *       optimal value, i.e. the nearest boundary with the box taken into account (FAB ranks competitors by
 *       the box-free distance {@code |m_j| / ||g_j||_q});</li>
 *   <li>the projection {@code v} of the walker's {@code t} onto the same linearized boundary in the box (no
 *       pass: one batched host solve of the same {@code K = 1} problems, or {@code K = C - 1} in TARGET mode,
 *       shifted to {@code t}; a walker past the boundary is projected back onto it, as FAB does);</li>
 *   <li>one plain forward pass verifies the dual's candidates {@code clip((1 + 1e-10) t_sub)} of all walkers
 *       (on a linear piece of the network {@code t_sub} is the minimal perturbation: this is where the
 *       exact solution of the linearized problem pays, where FAB only steps toward it);</li>
 *   <li>the biased step {@code t <- clip((1 - a)(t + eta v) + a eta t_sub)},
 *       {@code a = min(||v|| / (||v|| + ||t_sub||), alpha_max)}.</li>
 * </ol>
 * Restarts: after the first solve, walkers {@code 1 .. R-1} of a sample start at {@code clip(rho u)} with
 * {@code u} a random unit direction (Gaussian, L_inf: uniform in the cube; seeded per sample and restart, so
 * runs repeat exactly) and {@code rho} half the norm of the first linearized solution {@code t_sub(x)}
 * (FAB samples at half the best norm found; the dual's first answer is this search's first estimate of it).
 * Walker 0 steps toward the competitor the dual chooses (the smallest optimal value from {@code x}, the one
 * the explanation reports); walkers {@code 1 .. R-1} toward the one FAB chooses, the linearized boundary
 * nearest their own iterate ({@link #iterateChoice}). Measured (first 25 CNN images, 2 walkers x 96
 * iterations, against FAB's norms): with the dual's choice for every walker, the search never crossed
 * the boundary on two images where FAB and DeepFool did (embedded test images 83 and 275 in L2; its
 * iterates circled at about 1.1 times FAB's norm, the chosen competitor changing from step to step);
 * with FAB's choice for the restart walkers both verify, and the median ratios moved by less than 0.001.
 * After the last step one plain forward pass verifies the last iterates, then {@code finalSearchSteps}
 * secant steps on the segment from {@code x} to each sample's best verified point (one batched forward pass
 * each) look for the point nearest the boundary; the secant point is moved past the root by {@code 1e-10}
 * of the bracket, so that on a network that is linear along the segment it lands on the adversarial side.
 *
 * <p>Which walkers take the backward step and which end of the final search's bracket moves is decided
 * by the backend's own margins; {@code r_hi} is only what the {@link Verifier} confirms (in float64).
 *
 * <p>Walker 0 is the explanation's iterate: its linearizations go through
 * {@link SampleState#recordLinearization} (the attributions and the certificate read the last one) and its
 * steps make the path attribution; every walker's passes are counted in the sample's pass counts, and
 * every evaluated point goes through the {@link Verifier}. A sample whose first linearized problem has no
 * solution in the box stops there ({@link StopReason#INFEASIBLE_IN_BOX}).
 */
final class BoundarySearch implements OuterLoop {
    /** Slack past the secant root in the final search, as a fraction of the bracket. */
    static final double SEARCH_PUSH = 1e-10;

    /**
     * FAB's choice of competitor for a restart walker: the row whose linearized boundary is nearest the
     * walker's iterate {@code t}, box-free, {@code |r_k - a_k t| / ||a_k||_*} ({@code ||.||_*} the dual norm of the
     * objective), among rows whose problem has a solution in the box; {@code -1} if none has. Walker 0
     * keeps the dual's choice (the competitor with the smallest optimal value from {@code x}, which the
     * explanation reports).
     */
    static int iterateChoice(Objective obj, List<DualSolution> sq, double[] aAll, double[] rAll, int q, int rows, int d,
                             double[] t) {
        int best = -1;
        double bestDist = Double.POSITIVE_INFINITY;
        for (int k = 0; k < rows; k++) {
            DualSolution ds = sq.get(k);
            if (ds == null || ds.status() == DualStatus.INFEASIBLE_IN_BOX) {
                continue;
            }
            int off = (q * rows + k) * d;
            double deficit = rAll[q * rows + k];
            for (int i = 0; i < d; i++) {
                deficit -= aAll[off + i] * t[i];
            }
            double dist = Math.abs(deficit) / (obj.dual().norm(aAll, off, d) + 1e-12);
            if (dist < bestDist) {
                bestDist = dist;
                best = k;
            }
        }
        return best;
    }

    private static final class Walker {
        final SampleState s;
        final int restart;
        double[] t;
        double[] lambda; // warm start of the K = C - 1 problems (TARGET)

        Walker(SampleState s, int restart, double[] t) {
            this.s = s;
            this.restart = restart;
            this.t = t;
        }
    }

    @Override
    public void search(Backend backend, ExplainBatch batch, Verifier verifier) {
        ExplainerSettings cfg = batch.cfg;
        Shape in = batch.in;
        int d = batch.d;
        int c = batch.c;
        int rows = batch.rows;
        boolean flipRows = batch.flipRows;
        Objective obj = cfg.objective();
        int iterations = cfg.maxOuterIterations();
        BoundarySearchOptions opt = cfg.boundarySearch().orElseThrow();
        List<Walker> active = new ArrayList<>();
        for (SampleState s : batch.samples) {
            active.add(new Walker(s, 0, s.t.clone()));
        }
        for (int it = 0; it < iterations && !active.isEmpty(); it++) {
            int m = active.size();
            List<double[]> ts = new ArrayList<>(m);
            List<SampleState> owners = new ArrayList<>(m);
            for (Walker w : active) {
                ts.add(w.t);
                owners.add(w.s);
            }
            try (Recorded rec = backend.forwardRecorded(SampleState.gatherPoints(owners, in, d, ts))) {
                double[] ld = rec.logits().data();
                boolean[] adversarial = new boolean[m];
                double[] mAll = new double[m * rows];
                for (int q = 0; q < m; q++) {
                    Walker w = active.get(q);
                    double[] lg = Arrays.copyOfRange(ld, q * c, (q + 1) * c);
                    if (it == 0) {
                        batch.initRows(w.s, lg);
                    }
                    double[] mg = w.s.margins(lg, c);
                    if (w.restart == 0) {
                        w.s.logitsLast = lg;
                        w.s.mLast = mg;
                        if (it == 0) {
                            w.s.m0 = mg.clone();
                        }
                    }
                    System.arraycopy(mg, 0, mAll, q * rows, rows);
                    w.s.verifiedNow = false;
                    adversarial[q] = passes(batch, mg); // the backend's view: it steers the walker only
                }
                verifier.verify(owners, ts, rec.logits(), it);
                LinearizedDual step = linearize(backend, rec, batch, active, mAll);
                DualSolutions sol = step.solutions();
                double[] aAll = step.rows().data();
                double[] rAll = step.rhs().data();
                List<Walker> stepping = new ArrayList<>(m);
                List<double[]> subs = new ArrayList<>(m);
                List<Integer> at = new ArrayList<>(m);
                List<Integer> chosenRows = new ArrayList<>(m);
                for (int q = 0; q < m; q++) {
                    Walker w = active.get(q);
                    List<DualSolution> sq = flipRows ? new ArrayList<>(sol.items().subList(q * rows, (q + 1) * rows))
                            : List.of(sol.get(q));
                    DualSolution ds;
                    int row;
                    if (w.restart == 0) {
                        ds = w.s.recordLinearization(Arrays.copyOfRange(aAll, q * rows * d, (q + 1) * rows * d),
                                Arrays.copyOfRange(rAll, q * rows, (q + 1) * rows), sq, flipRows);
                        row = w.s.chosenRow;
                        if (ds == null && w.s.best != null) {
                            w.s.stop = null; // a later linearization without solution ends this walker only
                        }
                    } else {
                        w.s.reverses++;
                        int k = flipRows ? iterateChoice(obj, sq, aAll, rAll, q, rows, d, w.t) : SampleState.choose(sq);
                        ds = k < 0 ? null : sq.get(k);
                        row = flipRows ? Math.max(k, 0) : 0;
                    }
                    if (ds == null) {
                        continue;
                    }
                    w.lambda = ds.lambda();
                    if (adversarial[q]) {
                        double back = backwardStep(opt, obj, w.t, ds.t());
                        for (int i = 0; i < d; i++) {
                            w.t[i] *= back;
                        }
                    }
                    stepping.add(w);
                    subs.add(ds.t());
                    at.add(q);
                    chosenRows.add(row);
                }
                verifySolutions(backend, batch, verifier, stepping, subs, it + 1);
                double[][] v = projectIterates(backend, batch, stepping, at, chosenRows, aAll, rAll);
                List<Walker> next = new ArrayList<>(stepping.size());
                List<Walker> born = new ArrayList<>();
                for (int j = 0; j < stepping.size(); j++) {
                    Walker w = stepping.get(j);
                    double[] tSub = subs.get(j);
                    double a1 = Math.max(Verifier.norm(obj, v[j]), 1e-8);
                    double a2 = Math.max(Verifier.norm(obj, tSub), 1e-8);
                    double alpha = Math.min(a1 / (a1 + a2), opt.alphaMax());
                    double eta = opt.eta();
                    double[] tNew = new double[d];
                    for (int i = 0; i < d; i++) {
                        double u = (1 - alpha) * (w.t[i] + eta * v[j][i]) + alpha * eta * tSub[i];
                        tNew[i] = Math.min(w.s.tu[i], Math.max(w.s.tl[i], u));
                    }
                    if (w.restart == 0) {
                        int off = at.get(j) * rows * d;
                        for (int k = 0; k < rows; k++) {
                            for (int i = 0; i < d; i++) {
                                w.s.path[k * d + i] += aAll[off + k * d + i] * (tNew[i] - w.s.t[i]); // g D (t' - t)
                            }
                        }
                        w.s.t = tNew;
                        if (it == 0) {
                            born.addAll(restarts(opt, cfg.objective(), w.s, tSub, d));
                        }
                    }
                    w.t = tNew;
                    next.add(w);
                }
                next.addAll(born);
                active = next;
            }
        }
        // The last iterates, verified by one plain forward pass; then the final search.
        if (!active.isEmpty()) {
            List<double[]> ts = new ArrayList<>(active.size());
            List<SampleState> owners = new ArrayList<>(active.size());
            for (Walker w : active) {
                ts.add(w.t);
                owners.add(w.s);
            }
            Tensor lt = backend.forward(SampleState.gatherPoints(owners, in, d, ts));
            double[] ld = lt.data();
            for (int q = 0; q < active.size(); q++) {
                Walker w = active.get(q);
                if (w.restart == 0) {
                    double[] lg = Arrays.copyOfRange(ld, q * c, (q + 1) * c);
                    w.s.logitsLast = lg;
                    w.s.mLast = w.s.margins(lg, c);
                }
            }
            verifier.verify(owners, ts, lt, iterations);
        }
        finalSearch(backend, batch, verifier);
        for (SampleState s : batch.samples) {
            if (s.stop == null) {
                s.stop = StopReason.MAX_OUTER_ITERATIONS;
            }
        }
    }

    /**
     * The backward step of a verified walker, from the gap of its linearization: {@code t <- b t} with
     * {@code b = clip(||t_sub|| / ||t||, betaMin, beta)}. {@code ||t_sub||} is the optimum of the linearized
     * problem at the walker ({@code x}'s nearest point on the local boundary), {@code ||t||} a verified point's
     * norm, so their ratio is where the linear model puts the boundary along the way back: a walker far above
     * the local optimum steps back far, one at the optimum (ratio near 1) only by {@code 1 - beta}. FAB's
     * fixed step is {@code betaMin = beta}.
     */
    static double backwardStep(BoundarySearchOptions opt, Objective obj, double[] t, double[] tSub) {
        double nt = Verifier.norm(obj, t);
        if (!(nt > 0)) {
            return opt.beta();
        }
        return Math.max(opt.betaMin(), Math.min(opt.beta(), Verifier.norm(obj, tSub) / nt));
    }

    /**
     * The dual's own candidates: {@code clip((1 + 1e-10) t_sub)} of every walker, one batched plain forward
     * pass. On a piece where the network is linear, {@code t_sub} is the minimal perturbation itself (the
     * factor puts it on the adversarial side of the boundary despite rounding); near a kink it is the
     * local estimate of it, and a point that verifies is a new end of the final search's segment.
     */
    private static void verifySolutions(Backend backend, ExplainBatch batch, Verifier verifier, List<Walker> walkers,
                                        List<double[]> subs, int iteration) {
        if (walkers.isEmpty()) {
            return;
        }
        List<SampleState> owners = new ArrayList<>(walkers.size());
        List<double[]> cand = new ArrayList<>(walkers.size());
        for (int j = 0; j < walkers.size(); j++) {
            owners.add(walkers.get(j).s);
            cand.add(walkers.get(j).s.scaled(subs.get(j), 1 + SEARCH_PUSH));
        }
        verifier.verify(owners, cand, backend.forward(SampleState.gatherPoints(owners, batch.in, batch.d, cand)), iteration);
    }

    /** One reverse pass and one batched dual solve of the linearized problems of every walker. */
    private static LinearizedDual linearize(Backend backend, Recorded rec, ExplainBatch batch, List<Walker> active,
                                            double[] mAll) {
        ExplainerSettings cfg = batch.cfg;
        int m = active.size();
        int d = batch.d;
        int c = batch.c;
        int rows = batch.rows;
        Tensor seeds = new Tensor(Shape.of(m, rows, c), new double[m * rows * c]);
        double[] scaleAll = new double[m * d];
        double[] tAll = new double[m * d];
        double[] tlAll = new double[m * d];
        double[] tuAll = new double[m * d];
        for (int a = 0; a < m; a++) {
            Walker w = active.get(a);
            System.arraycopy(w.s.seeds, 0, seeds.data(), a * rows * c, rows * c);
            System.arraycopy(w.s.scale, 0, scaleAll, a * d, d);
            System.arraycopy(w.t, 0, tAll, a * d, d);
            System.arraycopy(w.s.tl, 0, tlAll, a * d, d);
            System.arraycopy(w.s.tu, 0, tuAll, a * d, d);
        }
        DualLinearization.Builder lb = DualLinearization.builder(new Tensor(Shape.of(m, d), scaleAll),
                        new Tensor(Shape.of(m, d), tAll), new Tensor(Shape.of(m, rows), mAll), cfg.kappa())
                .box(new Tensor(Shape.of(m, d), tlAll), new Tensor(Shape.of(m, d), tuAll))
                .grouping(batch.flipRows ? DualLinearization.Grouping.PER_ROW : DualLinearization.Grouping.PER_SAMPLE)
                .objective(cfg.objective());
        cfg.solverOptions().ifPresent(lb::options);
        if (!batch.flipRows) {
            // Warm start from the walker's previous multipliers (a new walker: its sample's), zeros at first.
            double[] l0 = new double[m * rows];
            for (int a = 0; a < m; a++) {
                Walker w = active.get(a);
                double[] prev = w.lambda != null ? w.lambda : w.s.lambdaPrev;
                if (prev != null) {
                    System.arraycopy(prev, 0, l0, a * rows, rows);
                }
            }
            lb.warmStart(new Tensor(Shape.of(m, rows), l0));
        }
        DualLinearization lin = lb.build();
        LinearizedDual step = cfg.solver().isPresent()
                ? lin.solveOnHost(backend.reverse(rec, seeds), cfg.solver().get())
                : backend.solveLinearized(rec, seeds, lin);
        if (step.solutions().size() != lin.problems()) {
            throw new IllegalStateException("dual solver returned " + step.solutions().size() + " solutions for "
                    + lin.problems() + " problems");
        }
        return step;
    }

    /**
     * The projections {@code v} of the walkers' {@code t} onto their linearized boundaries in the box:
     * {@code min ||v||} with {@code A v >= r - A t} (FLIP: the chosen row, its sign flipped when {@code t} is
     * already past it) and {@code t + v} in the box, one batched solve.
     */
    private static double[][] projectIterates(Backend backend, ExplainBatch batch, List<Walker> walkers,
                                              List<Integer> at, List<Integer> chosenRows, double[] aAll, double[] rAll) {
        int m = walkers.size();
        if (m == 0) {
            return new double[0][];
        }
        int d = batch.d;
        int rows = batch.rows;
        int k = batch.flipRows ? 1 : rows;
        double[] a = new double[m * k * d];
        double[] r = new double[m * k];
        double[] tl = new double[m * d];
        double[] tu = new double[m * d];
        for (int j = 0; j < m; j++) {
            Walker w = walkers.get(j);
            int q = at.get(j);
            int first = batch.flipRows ? chosenRows.get(j) : 0;
            for (int kk = 0; kk < k; kk++) {
                int src = (q * rows + first + kk) * d;
                double deficit = rAll[q * rows + first + kk];
                for (int i = 0; i < d; i++) {
                    deficit -= aAll[src + i] * w.t[i];
                }
                double sigma = batch.flipRows && deficit < 0 ? -1 : 1;
                for (int i = 0; i < d; i++) {
                    a[(j * k + kk) * d + i] = sigma * aAll[src + i];
                }
                r[j * k + kk] = sigma * deficit;
            }
            for (int i = 0; i < d; i++) {
                tl[j * d + i] = w.s.tl[i] - w.t[i];
                tu[j * d + i] = w.s.tu[i] - w.t[i];
            }
        }
        DualProblem p = DualProblem.builder(new Tensor(Shape.of(m, k, d), a), new Tensor(Shape.of(m, k), r))
                .box(new Tensor(Shape.of(m, d), tl), new Tensor(Shape.of(m, d), tu)).objective(batch.cfg.objective()).build();
        DualSolutions sol = backend.solveDual(p, Tensor.zeros(m, k),
                batch.cfg.solverOptions().orElse(backend.dualDefaults()));
        double[][] v = new double[m][];
        for (int j = 0; j < m; j++) {
            v[j] = sol.get(j).t();
        }
        return v;
    }

    /** Walkers {@code 1 .. R-1} of a sample: {@code clip(rho u)}, {@code rho = ||t_sub(x)|| / 2}. */
    private static List<Walker> restarts(BoundarySearchOptions opt, Objective obj, SampleState s, double[] tSub, int d) {
        List<Walker> out = new ArrayList<>(opt.restarts() - 1);
        double rho = Verifier.norm(obj, tSub) / 2;
        for (int r = 1; r < opt.restarts(); r++) {
            Rng rng = Rng.stream(opt.seed(), s.n, r);
            double[] u = new double[d];
            for (int i = 0; i < d; i++) {
                u[i] = obj == Objective.LINF ? rng.uniform(-1, 1) : rng.gaussian();
            }
            double nu = Verifier.norm(obj, u);
            double f = nu > 0 ? rho / nu : 0;
            double[] t = new double[d];
            for (int i = 0; i < d; i++) {
                t[i] = Math.min(s.tu[i], Math.max(s.tl[i], f * u[i]));
            }
            out.add(new Walker(s, r, t));
        }
        return out;
    }

    /**
     * Secant steps on {@code t = sigma t_best}, {@code sigma in [0, 1]}, for every sample with a verified
     * point of positive norm: one batched forward pass per step, every point through the {@link Verifier}.
     */
    private static void finalSearch(Backend backend, ExplainBatch batch, Verifier verifier) {
        ExplainerSettings cfg = batch.cfg;
        int d = batch.d;
        int c = batch.c;
        List<SampleState> ss = new ArrayList<>();
        for (SampleState s : batch.samples) {
            if (s.best != null && s.best.norm() > 0) {
                ss.add(s);
            }
        }
        int m = ss.size();
        int steps = cfg.boundarySearch().orElseThrow().finalSearchSteps();
        if (m == 0 || steps == 0) {
            return;
        }
        double[][] end = new double[m][];
        double[] sLo = new double[m];
        double[] sHi = new double[m];
        double[] mLo = new double[m];
        double[] mHi = new double[m];
        for (int j = 0; j < m; j++) {
            SampleState s = ss.get(j);
            double[] delta = s.best.delta().data();
            end[j] = new double[d];
            for (int i = 0; i < d; i++) {
                end[j][i] = s.scale[i] == 0 ? 0 : delta[i] / s.scale[i];
            }
            sHi[j] = 1;
            mLo[j] = decision(batch, s.m0) - cfg.kappa();
            mHi[j] = s.best.margin() - cfg.kappa();
        }
        for (int step = 0; step < steps; step++) {
            List<double[]> ts = new ArrayList<>(m);
            double[] sig = new double[m];
            for (int j = 0; j < m; j++) {
                double f = mLo[j] < 0 && mHi[j] >= 0 ? -mLo[j] / (mHi[j] - mLo[j]) : 0.5;
                double sec = sLo[j] + f * (sHi[j] - sLo[j]);
                sig[j] = Math.min(sHi[j], sec + SEARCH_PUSH * (sHi[j] - sLo[j]));
                double[] t = new double[d];
                for (int i = 0; i < d; i++) {
                    t[i] = sig[j] * end[j][i];
                }
                ts.add(t);
            }
            Tensor lt = backend.forward(SampleState.gatherPoints(ss, batch.in, d, ts));
            double[] ld = lt.data();
            verifier.verify(ss, ts, lt, cfg.maxOuterIterations() + 1 + step);
            for (int j = 0; j < m; j++) {
                SampleState s = ss.get(j);
                double[] mg = s.margins(Arrays.copyOfRange(ld, j * c, (j + 1) * c), c);
                if (passes(batch, mg)) {
                    sHi[j] = sig[j];
                    mHi[j] = decision(batch, mg) - cfg.kappa();
                } else {
                    sLo[j] = sig[j];
                    mLo[j] = decision(batch, mg) - cfg.kappa();
                }
            }
        }
    }

    /** Whether margins {@code mg} move the decision with margin {@code >= kappa} and {@code > 0} (the verification rule). */
    private static boolean passes(ExplainBatch batch, double[] mg) {
        double v = decision(batch, mg);
        return v >= batch.cfg.kappa() && v > 0;
    }

    /** The decision margin of the rows: the largest (FLIP, regression) or the smallest (TARGET). */
    private static double decision(ExplainBatch batch, double[] mg) {
        boolean max = batch.regression || batch.cfg.mode() == ExplainMode.FLIP;
        double v = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        for (double x : mg) {
            v = max ? Math.max(v, x) : Math.min(v, x);
        }
        return v;
    }
}
