package org.lde.explain;

import org.lde.engine.dual.Certificates;
import org.lde.engine.dual.DualLinearization;
import org.lde.engine.dual.LinearizedDual;
import org.lde.engine.dual.DualLinearAlgebra;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualSolver;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.Objective;
import org.lde.engine.dual.ReferenceDualSolver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The Lagrange dual explainer (METHOD.md sections 2-6): for each input, the smallest perturbation
 * {@code delta = D t} (in the objective's norm of {@code t}, inside a box) that moves the linearized
 * decision, its multipliers ({@code lambda*}, the box multipliers {@code nu*}), the dual contribution
 * {@code phi_i = t*_i (A^T lambda*)_i} as the attribution, weak-duality certificates, and the best
 * perturbed input that a forward pass of the real network verifies.
 *
 * <h2>Problem per sample (METHOD.md section 2)</h2>
 * Linearizing margins at the current point {@code z} (first {@code z = x}):
 * {@code m(x + delta) ~ m(z) + g(z)^T (delta - (z - x))}, so the constraint on the total
 * perturbation is {@code (D g)^T t >= kappa - m(z) + g(z)^T (z - x)}.
 * <ul>
 *   <li>{@link ExplainMode#FLIP}: one {@code K = 1} problem per competitor {@code j != y} with the
 *       margin {@code m_jy = f_j - f_y}; the competitor with the smallest optimal value is chosen.
 *       All competitors of all samples are ONE batched reverse pass ({@code C - 1} seeds
 *       {@code e_j - e_y} per sample) and ONE batched dual solve of {@code N (C - 1)} problems.</li>
 *   <li>{@link ExplainMode#TARGET}: one problem per sample with {@code K = C - 1} rows
 *       {@code a_j = D g_cj}, {@code j != c} (seeds {@code e_c - e_j}).</li>
 *   <li>Regression ({@code C = 1}): the margin is {@code s (f(z) - f(x))} with {@code s = }
 *       {@link RegressionGoal#sign()}, and {@code kappa > 0} is the requested change (seed {@code s}).</li>
 * </ul>
 *
 * <h2>The outer loop (METHOD.md section 6)</h2>
 * For {@code s = 0 .. S_max - 1}:
 * <ol>
 *   <li>a recorded forward pass at {@code z_s = x + D t_s} (its logits also verify {@code z_s});</li>
 *   <li>one batched reverse pass with the margin seeds, the constraints rebuilt around {@code z_s} and
 *       solved in one batch (TARGET: warm-started from the previous {@code lambda}), all in one
 *       {@link Backend#solveLinearized} call: on EJML the float64 {@link ReferenceDualSolver}; on a
 *       device backend the gradients stay on the device, kernel {@code dual_linearize_rows} builds
 *       {@code D g} and {@code r} there and kernel {@code dual_ascent_box} solves, with float64
 *       certificates evaluated on the host ({@link Builder#solver} picks a host solver instead);</li>
 *   <li>(not on the last step, option {@link Builder#verifyCandidates}) verify the candidates
 *       {@code clip(gamma t_sub)} for the {@link Builder#candidateFactors factors} {@code gamma} with
 *       one batched plain forward pass, as FAB checks its overshot point at every step (a ladder of
 *       factors is this engine's addition: the linearization of ReLU/max-pool networks is biased, see
 *       below);</li>
 *   <li>stop the sample if something verified in this iteration and the best verified norm improved
 *       by at most {@code tolerance} times its previous value ({@link StopReason#CONVERGED});</li>
 *   <li>step {@code t_{s+1} = t_s + alpha (t_sub - t_s)}; on the last step ({@code s = S_max - 1})
 *       the total is scaled by the overshoot and projected back onto the box,
 *       {@code t_S = clip(overshoot t_S)} (DeepFool scales its total perturbation by
 *       {@code 1 + overshoot}; the projection keeps the point in the data domain, or between {@code x}
 *       and the baseline). A final plain forward pass verifies {@code z_S}.</li>
 * </ol>
 * A sample whose linearized problem has no solution in the box (all competitors) stops there
 * ({@link StopReason#INFEASIBLE_IN_BOX}); stopped samples leave the batch. The best verified point
 * over all iterates and candidates is kept. The path attribution
 * {@code phi_i = sum_s g(z_s)_i (z_{s+1} - z_s)_i} (the iterates, not the candidates) is accumulated
 * for every margin and its completeness residual against {@code m(z_S) - m(x)} is reported; it is
 * exact only where the network is linear along the path (first-order Riemann sums over ReLU and
 * max-pool kinks can be far off; no quadrature points are added).
 *
 * <h2>Linearization on ReLU / max-pool networks</h2>
 * Images with constant regions (the zero background of Fashion-MNIST) put max-pool windows at exact
 * ties, where the network is not differentiable: the backend's gradient (first maximal cell) is one
 * element of the generalized gradient, and one-sided directional derivatives differ from it (on the
 * sample CNN, image 0, margin "Sneaker - Ankle boot", a random direction: finite differences give
 * 39.7 at steps 1e-5 and 1e-7, {@code g^T v} gives 16.0). The linearized problems are then biased,
 * typically predicting the boundary too near; the dual certificates remain exact for the linearized
 * problems but are not bounds for the network, and the verified {@code r_hi} comes from the candidate
 * ladder. Certified bounds on the network are METHOD.md section 7's business.
 *
 * <h2>Prior art (METHOD.md section 8)</h2>
 * The single linearized L2 problem with a box is what DeepFool (no box) and FAB (box, sorted
 * breakpoints) already solve, and the outer loop with a projection step and an overshoot is their
 * iteration; without binding box constraints the ranking of {@code t*} equals gradient saliency.
 * Nothing about that step is novel. What this class adds is returning the multipliers and the dual
 * contribution as the explanation, with the dual value, the gap and a verified point, in one batched
 * call, and the deletion perturbation model, whose ranking is not the gradient's.
 *
 * <p>Instances are immutable and thread-safe (a {@link Backend} is not; use one per thread).
 */
public final class LagrangeDualExplainer implements Attributor {
    /** Default standard deviation of the {@link Baseline#BLUR} Gaussian, in pixels. */
    public static final double DEFAULT_BLUR_SIGMA = 2.0;

    private final Perturbation perturbation;
    private final Baseline baseline;
    private final double blurSigma;
    private final OptionalDouble linfBudget;
    private final ExplainMode mode;
    private final OptionalInt target;
    private final RegressionGoal regressionGoal;
    private final Objective objective;
    private final double kappa;
    private final int maxOuterIterations;
    private final double alpha;
    private final double overshoot;
    private final double tolerance;
    private final boolean verifyCandidates;
    private final double[] candidateFactors;
    private final Optional<DualSolver> solver;
    private final Optional<DualSolverOptions> solverOptions;
    private final AttributionKind attributionKind;

    private LagrangeDualExplainer(Builder b) {
        this.perturbation = b.perturbation;
        this.baseline = b.baseline;
        this.blurSigma = b.blurSigma;
        this.linfBudget = b.linfBudget;
        this.mode = b.mode;
        this.target = b.target;
        this.regressionGoal = b.regressionGoal;
        this.objective = b.objective;
        this.kappa = b.kappa;
        this.maxOuterIterations = b.maxOuterIterations;
        this.alpha = b.alpha;
        this.overshoot = b.overshoot;
        this.tolerance = b.tolerance;
        this.verifyCandidates = b.verifyCandidates;
        this.candidateFactors = b.candidateFactors.clone();
        this.solver = b.solver;
        this.solverOptions = b.solverOptions;
        this.attributionKind = b.attributionKind;
    }

    /**
     * A builder with the defaults: {@link Perturbation#DELETION} toward {@link Baseline#ZERO} (the
     * AOPC protocol's baseline; provisional until the AOPC table of METHOD.md section 9 picks the
     * default), {@link ExplainMode#FLIP}, {@link Objective#L2}, {@code kappa = 0}, {@code S_max = 5}
     * outer iterations, {@code alpha = 0.5}, overshoot {@code 1.1}, candidates verified at every
     * iteration, tolerance {@code 1e-3}, the backend's dual solver with its default options
     * ({@link Backend#solveLinearized}, {@link Backend#dualDefaults()}),
     * candidate factors {@code 1.1, 1.25, 1.5, 2}, attribution {@link AttributionKind#DUAL_CONTRIBUTION}.
     * The step, overshoot and factors were chosen on the trained sample CNN ({@code sample:fmnist-cnn},
     * the first 16 embedded test images, FLIP): with {@code alpha = 1} and a single overshoot candidate
     * the iterates hover short of the boundary and few points verify (additive 0/16 with overshoot 1.1,
     * 3/16 with 1.3); with {@code alpha = 0.5} and the factor ladder, 11/16 (additive) and 12/16
     * (deletion to zero) verified after 5 outer iterations.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of the explainer; {@link #build()} checks them together. */
    public static final class Builder {
        private Perturbation perturbation = Perturbation.DELETION;
        private Baseline baseline = Baseline.ZERO;
        private double blurSigma = DEFAULT_BLUR_SIGMA;
        private OptionalDouble linfBudget = OptionalDouble.empty();
        private ExplainMode mode = ExplainMode.FLIP;
        private OptionalInt target = OptionalInt.empty();
        private RegressionGoal regressionGoal = RegressionGoal.INCREASE;
        private Objective objective = Objective.L2;
        private double kappa = 0;
        private int maxOuterIterations = 5;
        private double alpha = 0.5;
        private double overshoot = 1.1;
        private double tolerance = 1e-3;
        private boolean verifyCandidates = true;
        private double[] candidateFactors = {1.1, 1.25, 1.5, 2.0};
        private Optional<DualSolver> solver = Optional.empty();
        private Optional<DualSolverOptions> solverOptions = Optional.empty();
        private AttributionKind attributionKind = AttributionKind.DUAL_CONTRIBUTION;

        private Builder() {
        }

        public Builder perturbation(Perturbation p) {
            perturbation = Objects.requireNonNull(p, "perturbation");
            return this;
        }

        /** Shorthand for {@code perturbation(ADDITIVE)}. */
        public Builder additive() {
            return perturbation(Perturbation.ADDITIVE);
        }

        /** Shorthand for {@code perturbation(DELETION).baseline(b)}. */
        public Builder deletion(Baseline b) {
            return perturbation(Perturbation.DELETION).baseline(b);
        }

        public Builder baseline(Baseline b) {
            baseline = Objects.requireNonNull(b, "baseline");
            return this;
        }

        /** Standard deviation (pixels) of the {@link Baseline#BLUR} Gaussian; finite, {@code > 0}. */
        public Builder blurSigma(double sigma) {
            blurSigma = sigma;
            return this;
        }

        /** An L_inf budget {@code eps > 0} for the additive model: the box is intersected with {@code [-eps, eps]}. */
        public Builder linfBudget(double eps) {
            linfBudget = OptionalDouble.of(eps);
            return this;
        }

        public Builder mode(ExplainMode m) {
            mode = Objects.requireNonNull(m, "mode");
            return this;
        }

        /** {@link ExplainMode#TARGET} toward class {@code c} for every sample of {@link #explain(Backend, Tensor)}. */
        public Builder target(int c) {
            mode = ExplainMode.TARGET;
            target = OptionalInt.of(c);
            return this;
        }

        public Builder regressionGoal(RegressionGoal g) {
            regressionGoal = Objects.requireNonNull(g, "regressionGoal");
            return this;
        }

        /** {@link Objective#L2} (default); {@link Objective#LINF} and {@link Objective#L1} only for the additive FLIP model. */
        public Builder objective(Objective o) {
            objective = Objects.requireNonNull(o, "objective");
            return this;
        }

        /** The confidence margin {@code kappa >= 0} (classification) or the requested change {@code > 0} (regression). */
        public Builder kappa(double k) {
            kappa = k;
            return this;
        }

        /** {@code S_max >= 1}: outer iterations (each one recorded forward and one reverse pass). */
        public Builder maxOuterIterations(int s) {
            maxOuterIterations = s;
            return this;
        }

        /** The step {@code alpha} in {@code (0, 1]}. */
        public Builder alpha(double a) {
            alpha = a;
            return this;
        }

        /** The factor {@code >= 1} on the total perturbation at the last step (1 = none). */
        public Builder overshoot(double o) {
            overshoot = o;
            return this;
        }

        /** Relative improvement of the best verified norm below which a sample stops; {@code >= 0}. */
        public Builder tolerance(double tol) {
            tolerance = tol;
            return this;
        }

        /**
         * Whether every outer iteration but the last also verifies the candidates {@code clip(gamma t_sub)}
         * ({@link #candidateFactors}) with one batched plain forward pass (default true; FAB checks its
         * overshot point at every step too). Without it only the iterates {@code z_s} are verified.
         */
        public Builder verifyCandidates(boolean v) {
            verifyCandidates = v;
            return this;
        }

        /**
         * The factors {@code gamma >= 1} of the candidates {@code clip(gamma t_sub)} verified at every outer
         * iteration but the last (default {@code 1.1, 1.25, 1.5, 2}): a verification line search along the
         * linearized solution, one batched forward pass over all factors of all samples. The smallest
         * verified norm is kept, so more factors can only lower {@code r_hi}; each costs one forward
         * evaluation per sample and iteration.
         */
        public Builder candidateFactors(double... factors) {
            candidateFactors = factors.clone();
            return this;
        }

        /**
         * Solves every linearized problem with this solver on the host, after a plain reverse pass
         * ({@link Backend#reverse}), instead of the backend's fused {@link Backend#solveLinearized} (the
         * default: the float64 reference on EJML, the {@code dual_ascent_box} kernel on a device). For
         * comparisons, e.g. the float64 {@link ReferenceDualSolver} on a float32 backend's gradients.
         */
        public Builder solver(DualSolver s) {
            solver = Optional.of(Objects.requireNonNull(s, "solver"));
            return this;
        }

        /**
         * Options for the backend's dual solver (default: the backend's {@link Backend#dualDefaults()},
         * gap {@code 1e-12} on EJML, {@code 1e-5} for the float32 kernel). Ignored when an explicit
         * {@link #solver} is set (it has its own).
         */
        public Builder solverOptions(DualSolverOptions o) {
            solverOptions = Optional.of(Objects.requireNonNull(o, "options"));
            return this;
        }

        /** Which map {@link LagrangeDualExplainer#attribute} returns. */
        public Builder attribution(AttributionKind k) {
            attributionKind = Objects.requireNonNull(k, "attribution");
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the first inconsistent option
         */
        public LagrangeDualExplainer build() {
            if (!(blurSigma > 0) || !Double.isFinite(blurSigma)) {
                throw new IllegalArgumentException("blurSigma must be finite and > 0, got " + blurSigma);
            }
            if (linfBudget.isPresent()) {
                double e = linfBudget.getAsDouble();
                if (!(e > 0) || Double.isNaN(e)) {
                    throw new IllegalArgumentException("the L_inf budget eps must be > 0, got " + e);
                }
                if (perturbation != Perturbation.ADDITIVE) {
                    throw new IllegalArgumentException("an L_inf budget eps applies to the ADDITIVE model only, "
                            + "the perturbation is " + perturbation);
                }
            }
            if (!(kappa >= 0) || !Double.isFinite(kappa)) {
                throw new IllegalArgumentException("kappa must be finite and >= 0, got " + kappa);
            }
            if (maxOuterIterations < 1) {
                throw new IllegalArgumentException("maxOuterIterations (S_max) must be >= 1, got " + maxOuterIterations);
            }
            if (!(alpha > 0 && alpha <= 1)) {
                throw new IllegalArgumentException("the step alpha must be in (0, 1], got " + alpha);
            }
            if (!(overshoot >= 1) || !Double.isFinite(overshoot)) {
                throw new IllegalArgumentException("overshoot must be finite and >= 1, got " + overshoot);
            }
            if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
                throw new IllegalArgumentException("tolerance must be finite and >= 0, got " + tolerance);
            }
            if (objective != Objective.L2 && (perturbation != Perturbation.ADDITIVE || mode != ExplainMode.FLIP)) {
                throw new IllegalArgumentException("objective " + objective + " is defined for the ADDITIVE FLIP model "
                        + "(K = 1) only; this explainer is " + perturbation + " " + mode + " (use L2)");
            }
            if (candidateFactors.length == 0) {
                throw new IllegalArgumentException("candidateFactors must not be empty (use verifyCandidates(false))");
            }
            for (double f : candidateFactors) {
                if (!(f >= 1) || !Double.isFinite(f)) {
                    throw new IllegalArgumentException("candidate factors must be finite and >= 1, got " + f);
                }
            }
            if (target.isPresent() && target.getAsInt() < 0) {
                throw new IllegalArgumentException("target class must be >= 0, got " + target.getAsInt());
            }
            return new LagrangeDualExplainer(this);
        }
    }

    @Override
    public String name() {
        String p = perturbation == Perturbation.ADDITIVE ? "additive" : "deletion-" + baseline.name().toLowerCase();
        String o = objective == Objective.L2 ? "" : "-" + objective.name().toLowerCase();
        return "lde-" + p + "-" + mode.name().toLowerCase() + o;
    }

    public Perturbation perturbation() {
        return perturbation;
    }

    public ExplainMode mode() {
        return mode;
    }

    public Objective objective() {
        return objective;
    }

    public double kappa() {
        return kappa;
    }

    public int maxOuterIterations() {
        return maxOuterIterations;
    }

    public AttributionKind attributionKind() {
        return attributionKind;
    }

    /**
     * The chosen map ({@link Builder#attribution}) of {@link #explain(Backend, Tensor, int[])} with
     * {@code classes} as the explained classes: in FLIP mode the class moved away from (larger means:
     * moving this feature as the solution does pushes the decision away from {@code classes[n]}, i.e.
     * the feature supports it), in TARGET mode the target class. For regression every entry must be 0.
     */
    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        List<Explanation> ex = explain(backend, x, classes);
        List<Tensor> maps = new ArrayList<>(ex.size());
        for (Explanation e : ex) {
            maps.add(e.attribution(attributionKind));
        }
        return Tensor.stack(maps);
    }

    /**
     * Explains a batch: FLIP away from the predicted class, or TARGET toward the builder's
     * {@link Builder#target(int) target}.
     *
     * @param x inputs {@code [N, inputShape...]}
     */
    public List<Explanation> explain(Backend backend, Tensor x) {
        return run(backend, x, null);
    }

    /**
     * Explains a batch with explicit classes per sample: FLIP away from {@code classes[n]}, TARGET
     * toward {@code classes[n]}; regression: all entries 0.
     */
    public List<Explanation> explain(Backend backend, Tensor x, int[] classes) {
        Objects.requireNonNull(classes, "classes");
        return run(backend, x, classes.clone());
    }

    // ------------------------------------------------------------------------------------ the run

    /** Per-sample state of the outer loop (all arrays are this sample's own). */
    private static final class State {
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
        int chosenRow;
        VerifiedPoint best;
        int outer;
        int forwards;
        int reverses;
        StopReason stop;
        boolean verifiedNow; // some point verified in the current outer iteration
    }

    private List<Explanation> run(Backend backend, Tensor x, int[] classes) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(x, "x");
        Network net = backend.network();
        Shape in = net.inputShape();
        int d = net.inputSize();
        int c = net.outputSize();
        boolean regression = net.task() == Task.REGRESSION;
        if (x.shape().rank() != in.rank() + 1 || !x.shape().dropFirst().equals(in)) {
            throw new IllegalArgumentException("x has shape " + x.shape() + ", the network takes [N, "
                    + Arrays.toString(in.dims()).replace("[", "").replace("]", "") + "]");
        }
        int nN = x.shape().dim(0);
        if (nN == 0) {
            throw new IllegalArgumentException("x is an empty batch (shape " + x.shape() + ")");
        }
        x.requireFinite("x");
        if (regression) {
            if (mode == ExplainMode.TARGET) {
                throw new IllegalArgumentException("TARGET mode needs a classifier; the network is a regression model "
                        + "(use FLIP with a RegressionGoal and kappa > 0)");
            }
            if (!(kappa > 0)) {
                throw new IllegalArgumentException("a regression explanation needs kappa > 0 (the requested change of "
                        + "the output), got " + kappa);
            }
        }
        if (classes != null) {
            if (classes.length != nN) {
                throw new IllegalArgumentException(classes.length + " classes for a batch of " + nN);
            }
            for (int i = 0; i < nN; i++) {
                int lim = regression ? 1 : c;
                if (classes[i] < 0 || classes[i] >= lim) {
                    throw new IllegalArgumentException("class " + classes[i] + " of sample " + i + " is outside [0, "
                            + lim + ")" + (regression ? " (a regression network has the one output 0)" : ""));
                }
            }
        } else if (mode == ExplainMode.TARGET) {
            if (target.isEmpty()) {
                throw new IllegalArgumentException("TARGET mode needs a target class: builder.target(c), or "
                        + "explain(backend, x, targets)");
            }
            if (target.getAsInt() >= c) {
                throw new IllegalArgumentException("target class " + target.getAsInt() + " is outside the network's "
                        + c + " classes");
            }
        }
        double lo = net.lo();
        double hi = net.hi();
        double[] xd = x.data();
        if (perturbation == Perturbation.ADDITIVE) {
            for (int i = 0; i < xd.length; i++) {
                if (xd[i] < lo || xd[i] > hi) {
                    throw new IllegalArgumentException("sample " + i / d + ", feature " + i % d + " = " + xd[i]
                            + " lies outside the network's data domain [" + lo + ", " + hi + "] (the additive box "
                            + "[lo - x, hi - x] needs x inside it)");
                }
            }
        }
        double[] base = perturbation == Perturbation.DELETION ? baseline.of(x, blurSigma).data() : null;
        int rows = regression ? 1 : c - 1;
        boolean flipRows = mode == ExplainMode.FLIP; // K = 1 problems, one per row

        List<State> st = new ArrayList<>(nN);
        for (int n = 0; n < nN; n++) {
            State s = new State();
            s.n = n;
            s.x = Arrays.copyOfRange(xd, n * d, (n + 1) * d);
            s.scale = new double[d];
            s.tl = new double[d];
            s.tu = new double[d];
            s.t = new double[d];
            for (int i = 0; i < d; i++) {
                if (perturbation == Perturbation.ADDITIVE) {
                    s.scale[i] = 1;
                    double l = lo - s.x[i];
                    double u = hi - s.x[i];
                    if (linfBudget.isPresent()) {
                        l = Math.max(l, -linfBudget.getAsDouble());
                        u = Math.min(u, linfBudget.getAsDouble());
                    }
                    s.tl[i] = l;
                    s.tu[i] = u;
                } else {
                    s.scale[i] = base[n * d + i] - s.x[i];
                    s.tl[i] = 0;
                    s.tu[i] = 1;
                }
                s.t[i] = 0; // both boxes contain 0, so z_0 = x
            }
            s.path = new double[rows * d];
            st.add(s);
        }

        List<State> active = new ArrayList<>(st);
        for (int it = 0; !active.isEmpty(); it++) {
            boolean last = it == maxOuterIterations;
            Tensor z = gatherPoints(active, in, d, null);
            Recorded rec = last ? null : backend.forwardRecorded(z);
            try {
                // 1. Forward at z_s: margins, and verification of z_s.
                Tensor logits = last ? backend.forward(z) : rec.logits();
                double[] ld = logits.data();
                double[] bestBefore = new double[active.size()];
                for (int a = 0; a < active.size(); a++) {
                    State s = active.get(a);
                    double[] lg = Arrays.copyOfRange(ld, a * c, (a + 1) * c);
                    s.forwards++;
                    if (it == 0) {
                        initRows(s, lg, c, regression, classes);
                    }
                    bestBefore[a] = s.best == null ? Double.NaN : s.best.norm();
                    s.verifiedNow = false;
                    s.logitsLast = lg;
                    s.mLast = margins(s, lg, c);
                    if (it == 0) {
                        s.m0 = s.mLast.clone();
                    }
                    verify(s, s.t, s.mLast, lg, c, regression, it, in, d);
                    if (last) {
                        s.stop = StopReason.MAX_OUTER_ITERATIONS;
                    }
                }
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
                    State s = active.get(a);
                    System.arraycopy(s.seeds, 0, seeds.data(), a * rows * c, rows * c);
                    System.arraycopy(s.scale, 0, scaleAll, a * d, d);
                    System.arraycopy(s.t, 0, tAll, a * d, d);
                    System.arraycopy(s.mLast, 0, mAll, a * rows, rows);
                    System.arraycopy(s.tl, 0, tlAll, a * d, d);
                    System.arraycopy(s.tu, 0, tuAll, a * d, d);
                }
                DualLinearization.Builder lb = DualLinearization.builder(new Tensor(Shape.of(m, d), scaleAll),
                                new Tensor(Shape.of(m, d), tAll), new Tensor(Shape.of(m, rows), mAll), kappa)
                        .box(new Tensor(Shape.of(m, d), tlAll), new Tensor(Shape.of(m, d), tuAll))
                        .grouping(flipRows ? DualLinearization.Grouping.PER_ROW : DualLinearization.Grouping.PER_SAMPLE)
                        .objective(objective);
                solverOptions.ifPresent(lb::options);
                if (!flipRows && it > 0) {
                    double[] l0 = new double[m * rows];
                    for (int j = 0; j < m; j++) {
                        System.arraycopy(active.get(j).lambdaPrev, 0, l0, j * rows, rows);
                    }
                    lb.warmStart(new Tensor(Shape.of(m, rows), l0));
                }
                DualLinearization lin = lb.build();
                LinearizedDual step = solver.isPresent()
                        ? lin.solveOnHost(backend.reverse(rec, seeds), solver.get())
                        : backend.solveLinearized(rec, seeds, lin);
                int nb = lin.problems();
                DualSolutions sol = step.solutions();
                if (sol.size() != nb) {
                    throw new IllegalStateException("dual solver returned " + sol.size() + " solutions for " + nb
                            + " problems");
                }
                double[] aAll = step.rows().data();
                double[] rAll = step.rhs().data();
                List<State> solved = new ArrayList<>(m);
                List<double[]> subs = new ArrayList<>(m);
                List<Integer> solvedAt = new ArrayList<>(m);
                for (int j = 0; j < m; j++) {
                    State s = active.get(j);
                    s.reverses++;
                    s.outer++;
                    s.aLast = Arrays.copyOfRange(aAll, j * rows * d, (j + 1) * rows * d);
                    s.rLast = Arrays.copyOfRange(rAll, j * rows, (j + 1) * rows);
                    s.solLast = flipRows ? new ArrayList<>(sol.items().subList(j * rows, (j + 1) * rows))
                            : List.of(sol.get(j));
                    int chosen = choose(s.solLast);
                    if (chosen < 0) {
                        s.chosenRow = nearestInfeasible(s.solLast);
                        s.stop = StopReason.INFEASIBLE_IN_BOX;
                        continue;
                    }
                    DualSolution ds = s.solLast.get(chosen);
                    s.chosenRow = flipRows ? chosen : 0;
                    if (!flipRows) {
                        s.lambdaPrev = ds.lambda();
                    }
                    solved.add(s);
                    subs.add(ds.t());
                    solvedAt.add(j);
                }
                // 4. Candidates clip(gamma t_sub) for every factor gamma, verified by ONE batched forward pass
                //    (not on the last step, whose iterate carries the overshoot and is verified by the final pass).
                boolean lastStep = it == maxOuterIterations - 1;
                if (verifyCandidates && !lastStep && !solved.isEmpty()) {
                    int nf = candidateFactors.length;
                    List<double[]> cand = new ArrayList<>(solved.size() * nf);
                    List<State> owner = new ArrayList<>(solved.size() * nf);
                    for (int j = 0; j < solved.size(); j++) {
                        for (double gamma : candidateFactors) {
                            cand.add(scaled(solved.get(j), subs.get(j), gamma));
                            owner.add(solved.get(j));
                        }
                    }
                    double[] lc = backend.forward(gatherPoints(owner, in, d, cand)).data();
                    for (int q = 0; q < cand.size(); q++) {
                        State s = owner.get(q);
                        s.forwards++;
                        double[] lg = Arrays.copyOfRange(lc, q * c, (q + 1) * c);
                        verify(s, cand.get(q), margins(s, lg, c), lg, c, regression, it + 1, in, d);
                    }
                }
                // 5. Stop samples whose best verified norm improved by less than the tolerance; 6. step.
                List<State> next = new ArrayList<>(solved.size());
                for (int j = 0; j < solved.size(); j++) {
                    State s = solved.get(j);
                    double before = bestBefore[solvedAt.get(j)];
                    if (!Double.isNaN(before) && s.verifiedNow && before - s.best.norm() <= tolerance * before) {
                        s.stop = StopReason.CONVERGED;
                        continue;
                    }
                    double[] ts = subs.get(j);
                    double[] tNew = new double[d];
                    for (int i = 0; i < d; i++) {
                        tNew[i] = s.t[i] + alpha * (ts[i] - s.t[i]);
                    }
                    if (lastStep && overshoot != 1) {
                        tNew = overshot(s, tNew);
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
        List<Explanation> out = new ArrayList<>(nN);
        for (State s : st) {
            out.add(assemble(s, in, d, c, rows, regression, flipRows));
        }
        return out;
    }

    /** {@code clip(overshoot t, tl, tu)}. */
    private double[] overshot(State s, double[] t) {
        return scaled(s, t, overshoot);
    }

    /** {@code clip(gamma t, tl, tu)}: the projection onto the box (both boxes contain 0, so this is the box point on the ray). */
    private static double[] scaled(State s, double[] t, double gamma) {
        double[] o = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            o[i] = Math.min(s.tu[i], Math.max(s.tl[i], gamma * t[i]));
        }
        return o;
    }

    /** The points {@code x + D t} of the samples, with {@code t} their iterate or the given ones. */
    private Tensor gatherPoints(List<State> active, Shape in, int d, List<double[]> ts) {
        double[] z = new double[active.size() * d];
        for (int a = 0; a < active.size(); a++) {
            State s = active.get(a);
            double[] t = ts == null ? s.t : ts.get(a);
            for (int i = 0; i < d; i++) {
                z[a * d + i] = s.x[i] + s.scale[i] * t[i];
            }
        }
        return new Tensor(in.withBatch(active.size()), z);
    }

    private void initRows(State s, double[] lg, int c, boolean regression, int[] classes) {
        s.logits0 = lg.clone();
        int pred = 0;
        for (int k = 1; k < c; k++) {
            if (lg[k] > lg[pred]) {
                pred = k;
            }
        }
        s.predicted = regression ? 0 : pred;
        if (regression) {
            s.explained = 0;
            s.rowClass = new int[] {0};
            s.seeds = new double[] {regressionGoal.sign()};
            s.offsets = new double[] {regressionGoal.sign() * lg[0]};
            return;
        }
        if (classes != null) {
            s.explained = classes[s.n];
        } else {
            s.explained = mode == ExplainMode.FLIP ? pred : target.getAsInt();
        }
        int y = s.explained;
        s.rowClass = new int[c - 1];
        s.seeds = new double[(c - 1) * c];
        s.offsets = new double[c - 1];
        int k = 0;
        for (int j = 0; j < c; j++) {
            if (j == y) {
                continue;
            }
            s.rowClass[k] = j;
            if (mode == ExplainMode.FLIP) {
                s.seeds[k * c + j] = 1; // m_jy = f_j - f_y
                s.seeds[k * c + y] = -1;
            } else {
                s.seeds[k * c + y] = 1; // m_cj = f_c - f_j
                s.seeds[k * c + j] = -1;
            }
            k++;
        }
    }

    private static double[] margins(State s, double[] lg, int c) {
        int rows = s.offsets.length;
        double[] m = new double[rows];
        for (int k = 0; k < rows; k++) {
            double v = -s.offsets[k];
            for (int j = 0; j < c; j++) {
                v += s.seeds[k * c + j] * lg[j];
            }
            m[k] = v;
        }
        return m;
    }

    /**
     * Verifies the point {@code x + D t} from its logits {@code lg} and margins {@code mg} (see
     * {@link VerifiedPoint}); keeps it in {@code s.best} when its norm is smaller. Returns whether it verified.
     */
    private boolean verify(State s, double[] t, double[] mg, double[] lg, int c, boolean regression, int it, Shape in,
                           int d) {
        double margin;
        if (regression || mode == ExplainMode.FLIP) {
            margin = Double.NEGATIVE_INFINITY;
            for (double v : mg) {
                margin = Math.max(margin, v); // FLIP: max_j f_j - f_y; regression: s (f - f(x))
            }
        } else {
            margin = Double.POSITIVE_INFINITY;
            for (double v : mg) {
                margin = Math.min(margin, v); // TARGET: f_c - max_j f_j
            }
        }
        if (!(margin >= kappa && margin > 0)) {
            return false;
        }
        s.verifiedNow = true;
        double norm = norm(objective, t);
        if (s.best != null && !(norm < s.best.norm())) {
            return true;
        }
        double[] delta = new double[d];
        double[] point = new double[d];
        double l2 = 0;
        double li = 0;
        for (int i = 0; i < d; i++) {
            delta[i] = s.scale[i] * t[i];
            point[i] = s.x[i] + delta[i];
            l2 += delta[i] * delta[i];
            li = Math.max(li, Math.abs(delta[i]));
        }
        int arg = 0;
        for (int k = 1; k < c; k++) {
            if (lg[k] > lg[arg]) {
                arg = k;
            }
        }
        s.best = new VerifiedPoint(new Tensor(in, point), new Tensor(in, delta), regression ? 0 : arg, margin, norm,
                Math.sqrt(l2), li, it);
        return true;
    }

    /** Index of the solution with the smallest primal value (dual value if none is finite); -1 if all infeasible. */
    private static int choose(List<DualSolution> sols) {
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

    /** The objective's norm of {@code t}: {@code ||t||_2}, {@code ||t||_inf} or {@code ||t||_1}. */
    static double norm(Objective o, double[] t) {
        double acc = 0;
        for (double v : t) {
            switch (o) {
                case LINF:
                    acc = Math.max(acc, Math.abs(v));
                    break;
                case L1:
                    acc += Math.abs(v);
                    break;
                case L2:
                default:
                    acc += v * v;
                    break;
            }
        }
        return o == Objective.L2 ? Math.sqrt(acc) : acc;
    }

    private Explanation assemble(State s, Shape in, int d, int c, int rows, boolean regression, boolean flipRows) {
        // The final linearized problem: FLIP uses the chosen competitor's row (K = 1); TARGET all rows.
        int kRows = flipRows ? 1 : rows;
        int first = flipRows ? s.chosenRow : 0;
        DualSolution ds = s.solLast.get(flipRows ? s.chosenRow : 0);
        double[] a = Arrays.copyOfRange(s.aLast, first * d, (first + kRows) * d);
        double[] r = Arrays.copyOfRange(s.rLast, first, first + kRows);
        double[] t = ds.t();
        double[] lambda = ds.lambda();
        double[] w = DualLinearAlgebra.multTransA(a, kRows, d, lambda);
        double[] phi = new double[d];
        double[] delta = new double[d];
        double lr = 0;
        for (int k = 0; k < kRows; k++) {
            lr += lambda[k] * r[k];
        }
        for (int i = 0; i < d; i++) {
            phi[i] = t[i] * w[i];
            delta[i] = s.scale[i] * t[i];
        }
        AttributionMap dual = AttributionMap.of(phi, in, lr);
        Optional<AttributionMap> marginC = Optional.empty();
        if (kRows == 1) {
            double[] cm = new double[d];
            for (int i = 0; i < d; i++) {
                cm[i] = a[i] * t[i];
            }
            marginC = Optional.of(AttributionMap.of(cm, in, r[0]));
        }
        List<Integer> cls = new ArrayList<>();
        for (int k = first; k < first + kRows; k++) {
            cls.add(s.rowClass[k]);
        }
        // Path attribution for one margin.
        int pathRow;
        if (regression || mode == ExplainMode.FLIP) {
            pathRow = s.chosenRow;
        } else {
            pathRow = 0;
            for (int k = 1; k < rows; k++) {
                if (s.mLast[k] < s.mLast[pathRow]) {
                    pathRow = k; // smallest f_c - f_j: the strongest rival j
                }
            }
        }
        AttributionMap path = AttributionMap.of(Arrays.copyOfRange(s.path, pathRow * d, (pathRow + 1) * d), in,
                s.mLast[pathRow] - s.m0[pathRow]);
        double[] finalDelta = new double[d];
        for (int i = 0; i < d; i++) {
            finalDelta[i] = s.scale[i] * s.t[i];
        }
        Certificate cert = certificate(s, ds);
        int chosenClass = regression ? 0 : (mode == ExplainMode.FLIP ? s.rowClass[s.chosenRow] : s.explained);
        return new Explanation(s.n, perturbation, mode, objective, kappa, s.predicted, s.explained, chosenClass,
                new Tensor(Shape.of(c), s.logits0), cls, new Tensor(in, t), new Tensor(in, delta),
                new Tensor(Shape.of(kRows), lambda), new Tensor(in, ds.nu()), dual, marginC, path, new Tensor(in, finalDelta),
                Optional.ofNullable(s.best), cert, s.outer, s.forwards, s.reverses, s.reverses * rows, s.stop);
    }

    private Certificate certificate(State s, DualSolution chosen) {
        double rHi = s.best == null ? Double.NaN : s.best.norm();
        boolean allInfeasible = true;
        boolean anyMaxIter = false;
        double g = Double.POSITIVE_INFINITY;
        int iters = 0;
        for (DualSolution q : s.solLast) {
            iters += q.iterations();
            if (q.status() == DualStatus.INFEASIBLE_IN_BOX) {
                continue;
            }
            allInfeasible = false;
            anyMaxIter |= q.status() == DualStatus.MAX_ITER;
            g = Math.min(g, q.dualValue());
        }
        if (allInfeasible) {
            double inf = Double.POSITIVE_INFINITY;
            return new Certificate(DualStatus.INFEASIBLE_IN_BOX, objective, inf, inf, inf, inf, iters, rHi, Double.NaN);
        }
        double p = chosen.primalValue();
        return new Certificate(anyMaxIter ? DualStatus.MAX_ITER : DualStatus.SOLVED, objective, g,
                Certificates.normLowerBound(objective, g), p, Certificates.relativeGap(p, g), iters, rHi, Double.NaN);
    }
}
