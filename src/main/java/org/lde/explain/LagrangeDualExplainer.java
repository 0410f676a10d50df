package org.lde.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.lde.engine.Backend;
import org.lde.engine.dual.DualSolver;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.Objective;
import org.lde.engine.dual.ReferenceDualSolver;
import org.lde.tensor.Tensor;

/**
 * The Lagrange dual explainer (METHOD.md sections 2-6): for each input, the smallest perturbation
 * {@code delta = D t} (in the objective's norm of {@code t}, inside a box) that moves the linearized
 * decision, its multipliers ({@code lambda*}, the box multipliers {@code nu*}), the dual contribution
 * {@code phi_i = t*_i (A^T lambda*)_i} as the attribution, and the {@link Certificate} of METHOD.md
 * section 4: the linearized dual bound {@code r_lin} at {@code x}, the certified radius {@code r_lo} when
 * asked for ({@link Builder#certify}), and the verified upper bound {@code r_hi} of the best perturbed input
 * that a float64 forward pass of the real network confirms (on a float32 backend, a host re-check; see
 * {@link Verifier}).
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
 * <h2>Structure</h2>
 * This class holds the options ({@link Builder}, checked in {@link ExplainerSettings}) and the public
 * calls. A call sets up the batch ({@link ExplainBatch}: input checks, boxes, margin rows), runs the
 * outer loop ({@link OuterLoop}: {@link LadderSearch} by default, {@link BoundarySearch} with
 * {@link Builder#boundarySearch}) with the {@link Verifier}, and
 * assembles each sample's attributions and certificate ({@link ExplanationAssembly}).
 *
 * <p>Instances are immutable and thread-safe (a {@link Backend} is not; use one per thread).
 */
public final class LagrangeDualExplainer implements Attributor {
    /** Default standard deviation of the {@link Baseline#BLUR} Gaussian, in pixels. */
    public static final double DEFAULT_BLUR_SIGMA = 2.0;

    private final ExplainerSettings cfg;

    private LagrangeDualExplainer(ExplainerSettings cfg) {
        this.cfg = cfg;
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
        private boolean stopOnConvergence = true;
        private boolean verifyCandidates = true;
        private double[] candidateFactors = {1.1, 1.25, 1.5, 2.0};
        private Optional<DualSolver> solver = Optional.empty();
        private Optional<DualSolverOptions> solverOptions = Optional.empty();
        private AttributionKind attributionKind = AttributionKind.DUAL_CONTRIBUTION;
        private Optional<RadiusCertifier> certifier = Optional.empty();
        private Optional<BoundarySearchOptions> boundarySearch = Optional.empty();

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
         * Whether a sample stops once its best verified norm improves by at most the {@link #tolerance} (default
         * true, {@link StopReason#CONVERGED}). With false every sample runs all {@code S_max} iterations (unless
         * its problem becomes infeasible): the path attribution then follows the whole iteration, e.g. past the
         * boundary to the margin {@code kappa}.
         */
        public Builder stopOnConvergence(boolean stop) {
            stopOnConvergence = stop;
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

        /**
         * Replaces the default outer loop (damped steps and the candidate ladder) by the boundary-tracking
         * loop of {@link BoundarySearch}: FAB's biased projection steps on the linearized problems, with
         * restarts and a final secant search on the segment to the best verified point, all walkers of all
         * samples in each pass; {@code maxOuterIterations} iterations ({@code alpha}, {@code overshoot},
         * {@code tolerance} and the candidate factors are not used).
         */
        public Builder boundarySearch(BoundarySearchOptions o) {
            boundarySearch = Optional.of(Objects.requireNonNull(o, "boundary search options"));
            return this;
        }

        /**
         * Computes the certified radius {@code r_lo} of every explanation with this certifier (METHOD.md
         * sections 4 and 7; default: none, and {@code r_lo} is {@code NaN}, "not computed"). It is asked once
         * per explain call, batched, for the samples whose explained decision is the predicted class, in the
         * norm of the objective (L2 for {@link Objective#L1}, a sound L1 radius too); samples explained away
         * from (FLIP) or toward (TARGET) a class that is the predicted one at {@code x} only where it is not
         * the decision get {@code r_lo = 0}, the trivial bound. Regression models have no certified radius
         * ({@code NaN}). The deletion model needs a baseline inside the network's domain (its perturbations
         * must lie in the set the radius is about). Every {@code r_lo} is checked against the float64-verified
         * {@code r_hi} ({@link Certificate}).
         */
        public Builder certify(RadiusCertifier c) {
            certifier = Optional.of(Objects.requireNonNull(c, "certifier"));
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
            return new LagrangeDualExplainer(new ExplainerSettings(perturbation, baseline, blurSigma, linfBudget, mode,
                    target, regressionGoal, objective, kappa, maxOuterIterations, alpha, overshoot, tolerance, stopOnConvergence,
                    verifyCandidates, candidateFactors, solver, solverOptions, attributionKind, certifier,
                    boundarySearch).validate());
        }
    }

    @Override
    public String name() {
        String p = cfg.perturbation() == Perturbation.ADDITIVE ? "additive" : "deletion-" + cfg.baseline().name().toLowerCase();
        String o = cfg.objective() == Objective.L2 ? "" : "-" + cfg.objective().name().toLowerCase();
        return "lde-" + p + "-" + cfg.mode().name().toLowerCase() + o;
    }

    public Perturbation perturbation() {
        return cfg.perturbation();
    }

    public ExplainMode mode() {
        return cfg.mode();
    }

    public Objective objective() {
        return cfg.objective();
    }

    public double kappa() {
        return cfg.kappa();
    }

    public int maxOuterIterations() {
        return cfg.maxOuterIterations();
    }

    public AttributionKind attributionKind() {
        return cfg.attributionKind();
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
            maps.add(e.attribution(cfg.attributionKind()));
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

    private List<Explanation> run(Backend backend, Tensor x, int[] classes) {
        ExplainBatch batch = ExplainBatch.of(cfg, backend, x, classes);
        OuterLoop loop = cfg.boundarySearch().isPresent() ? new BoundarySearch() : new LadderSearch();
        try (Verifier verifier = new Verifier(batch, backend)) {
            loop.search(backend, batch, verifier);
        }
        cfg.certifier().ifPresent(c -> certify(c, backend, x, batch));
        ExplanationAssembly assembly = new ExplanationAssembly(batch);
        List<Explanation> out = new ArrayList<>(batch.samples.size());
        for (SampleState s : batch.samples) {
            out.add(assembly.assemble(s));
        }
        return out;
    }

    /**
     * Sets {@link SampleState#rLo}: the certifier's radius for the samples whose explained decision is the
     * predicted one (FLIP away from it, TARGET toward another class), 0 for the others (the decision at
     * {@code x} already differs from the explained one, or the target is already the decision).
     */
    private void certify(RadiusCertifier certifier, Backend backend, Tensor x, ExplainBatch batch) {
        if (batch.regression) {
            return;
        }
        List<Integer> asked = new ArrayList<>();
        for (SampleState s : batch.samples) {
            boolean decisionIsExplained = cfg.mode() == ExplainMode.FLIP ? s.explained == s.predicted
                    : s.explained != s.predicted;
            if (decisionIsExplained) {
                asked.add(s.n);
            } else {
                s.rLo = 0;
            }
        }
        if (asked.isEmpty()) {
            return;
        }
        List<Tensor> rows = new ArrayList<>(asked.size());
        int[] labels = new int[asked.size()];
        for (int q = 0; q < asked.size(); q++) {
            rows.add(x.row(asked.get(q)));
            labels[q] = batch.samples.get(asked.get(q)).predicted;
        }
        Objective norm = cfg.objective() == Objective.LINF ? Objective.LINF : Objective.L2;
        double[] r = certifier.radius(backend, Tensor.stack(rows), labels.clone(), norm);
        if (r == null || r.length != asked.size()) {
            throw new IllegalStateException("the radius certifier returned " + (r == null ? "null" : r.length + " radii")
                    + " for " + asked.size() + " samples");
        }
        for (int q = 0; q < asked.size(); q++) {
            if (!(r[q] >= 0)) {
                throw new IllegalStateException("the radius certifier returned r_lo = " + r[q] + " for sample "
                        + asked.get(q) + " (a radius is >= 0 or +Infinity)");
            }
            batch.samples.get(asked.get(q)).rLo = r[q];
        }
    }
}
