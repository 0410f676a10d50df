package org.lde.engine.dual;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The linearized problems of one outer step of METHOD.md section 6, for {@code N} samples with
 * {@code R} margins each, described by everything but the margin gradients (which a backend's reverse
 * pass supplies): at the points {@code z_n = x_n + D_n t_n}, with the gradients
 * {@code g_nk = grad m_k(z_n)} ({@code [N, R, d]}), the constraint rows and right-hand sides are
 *
 * <pre>
 *   a_nk = D_n g_nk                        (elementwise: a_nki = scale_ni g_nki)
 *   r_nk = kappa - m_nk + a_nk^T t_n       (= kappa - m_k(z_n) + g_nk^T (z_n - x_n))
 * </pre>
 *
 * so that {@code a_nk^T t >= r_nk} is the linearized {@code m_k(x_n + D_n t) >= kappa} on the total
 * perturbation {@code t}, inside the box {@code lower_n <= t <= upper_n}. {@link Grouping#PER_ROW}
 * makes one {@code K = 1} problem per row (FLIP: {@code N R} problems, row-major, the {@code R} problems
 * of a sample sharing its box); {@link Grouping#PER_SAMPLE} one problem with {@code K = R} rows per
 * sample (TARGET).
 *
 * <p>{@link #rows(Tensor)} is the float64 reference of kernel {@code dual_linearize_rows}
 * (kernels/dual.cu); {@link #solveOnHost} is what a backend without a device does
 * ({@code Backend.solveLinearized}'s default). Validation on {@link Builder#build()} names the first
 * problem found (field, index, value); all tensors are copied.
 */
public final class DualLinearization {

    /** How the {@code N R} rows form problems. */
    public enum Grouping {
        /** One {@code K = 1} problem per row ({@code N R} problems; FLIP mode and regression). */
        PER_ROW,
        /** One problem with {@code K = R} rows per sample ({@code N} problems; TARGET mode). */
        PER_SAMPLE
    }

    private final int n;
    private final int rowsPerSample;
    private final int d;
    private final double[] scale;
    private final double[] t;
    private final double[] margins;
    private final double kappa;
    private final double[] lower;
    private final double[] upper;
    private final Grouping grouping;
    private final Objective objective;
    private final double[] warmStart; // [N, R] or null (PER_SAMPLE only)
    private final DualSolverOptions options; // or null: the backend's defaults

    private DualLinearization(Builder b) {
        Shape ss = b.scale.shape();
        if (ss.rank() != 2 || ss.dim(0) < 1 || ss.dim(1) < 1) {
            throw new IllegalArgumentException("DualLinearization: scale must have shape [N, d] with N, d >= 1, got " + ss);
        }
        n = ss.dim(0);
        d = ss.dim(1);
        Shape ms = b.margins.shape();
        if (ms.rank() != 2 || ms.dim(0) != n || ms.dim(1) < 1) {
            throw new IllegalArgumentException("DualLinearization: margins must have shape [N = " + n + ", R >= 1], got " + ms);
        }
        rowsPerSample = ms.dim(1);
        need("t", b.t, Shape.of(n, d));
        need("lower", b.lower, Shape.of(n, d));
        need("upper", b.upper, Shape.of(n, d));
        finite("scale", b.scale);
        finite("t", b.t);
        finite("margins", b.margins);
        if (!Double.isFinite(b.kappa)) {
            throw new IllegalArgumentException("DualLinearization: kappa = " + b.kappa + " (must be finite)");
        }
        double[] lo = b.lower.data();
        double[] hi = b.upper.data();
        for (int j = 0; j < lo.length; j++) {
            if (Double.isNaN(lo[j]) || Double.isNaN(hi[j]) || lo[j] == Double.POSITIVE_INFINITY
                    || hi[j] == Double.NEGATIVE_INFINITY || lo[j] > hi[j]) {
                throw new IllegalArgumentException("DualLinearization: box of sample " + j / d + ", feature " + j % d
                        + " is [" + lo[j] + ", " + hi[j] + "] (need lower <= upper, lower < +inf, upper > -inf, no NaN)");
            }
        }
        if (b.objective != Objective.L2 && b.grouping != Grouping.PER_ROW) {
            throw new IllegalArgumentException("DualLinearization: objective " + b.objective
                    + " needs K = 1 problems (Grouping.PER_ROW), got " + b.grouping);
        }
        if (b.warmStart != null) {
            if (b.grouping != Grouping.PER_SAMPLE) {
                throw new IllegalArgumentException("DualLinearization: a warm start applies to Grouping.PER_SAMPLE only");
            }
            need("warm start lambda0", b.warmStart, Shape.of(n, rowsPerSample));
            double[] w = b.warmStart.data();
            for (int j = 0; j < w.length; j++) {
                if (!(w[j] >= 0) || !Double.isFinite(w[j])) {
                    throw new IllegalArgumentException("DualLinearization: warm start lambda0[" + j / rowsPerSample + ", "
                            + j % rowsPerSample + "] = " + w[j] + " (must be finite and >= 0)");
                }
            }
        }
        scale = b.scale.data().clone();
        t = b.t.data().clone();
        margins = b.margins.data().clone();
        kappa = b.kappa;
        lower = lo.clone();
        upper = hi.clone();
        grouping = b.grouping;
        objective = b.objective;
        warmStart = b.warmStart == null ? null : b.warmStart.data().clone();
        options = b.options;
    }

    private static void need(String what, Tensor x, Shape want) {
        if (!x.shape().equals(want)) {
            throw new IllegalArgumentException("DualLinearization: " + what + " has shape " + x.shape() + ", expected "
                    + want + " (from scale [N, d] and margins [N, R])");
        }
    }

    private static void finite(String what, Tensor x) {
        double[] v = x.data();
        for (int j = 0; j < v.length; j++) {
            if (!Double.isFinite(v[j])) {
                int cols = x.shape().dim(1);
                throw new IllegalArgumentException("DualLinearization: " + what + "[" + j / cols + ", " + j % cols + "] = "
                        + v[j] + " (must be finite)");
            }
        }
    }

    /**
     * Starts a description: {@code scale} the diagonal of {@code D} ({@code [N, d]}), {@code t} the
     * current iterates ({@code [N, d]}), {@code margins} the margins {@code m_k(z_n)} ({@code [N, R]}),
     * {@code kappa} the required margin. Defaults: no box, {@link Grouping#PER_ROW}, {@link Objective#L2},
     * no warm start, the backend's solver options.
     */
    public static Builder builder(Tensor scale, Tensor t, Tensor margins, double kappa) {
        return new Builder(scale, t, margins, kappa);
    }

    /** Options of a {@link DualLinearization}. */
    public static final class Builder {
        private final Tensor scale;
        private final Tensor t;
        private final Tensor margins;
        private final double kappa;
        private Tensor lower;
        private Tensor upper;
        private Grouping grouping = Grouping.PER_ROW;
        private Objective objective = Objective.L2;
        private Tensor warmStart;
        private DualSolverOptions options;

        private Builder(Tensor scale, Tensor t, Tensor margins, double kappa) {
            this.scale = Objects.requireNonNull(scale, "scale");
            this.t = Objects.requireNonNull(t, "t");
            this.margins = Objects.requireNonNull(margins, "margins");
            this.kappa = kappa;
        }

        /** The box of {@code t} per sample, both {@code [N, d]}; infinite entries mean no bound. */
        public Builder box(Tensor lo, Tensor hi) {
            this.lower = Objects.requireNonNull(lo, "lower");
            this.upper = Objects.requireNonNull(hi, "upper");
            return this;
        }

        public Builder grouping(Grouping g) {
            this.grouping = Objects.requireNonNull(g, "grouping");
            return this;
        }

        public Builder objective(Objective o) {
            this.objective = Objects.requireNonNull(o, "objective");
            return this;
        }

        /** Multipliers {@code [N, R]} to start from ({@link Grouping#PER_SAMPLE} only). */
        public Builder warmStart(Tensor lambda0) {
            this.warmStart = Objects.requireNonNull(lambda0, "lambda0");
            return this;
        }

        /** Solver options; without them the backend uses its {@code dualDefaults()}. */
        public Builder options(DualSolverOptions o) {
            this.options = Objects.requireNonNull(o, "options");
            return this;
        }

        public DualLinearization build() {
            if (lower == null) {
                int nn = scale.shape().rank() == 2 ? scale.shape().dim(0) : 0;
                int dd = scale.shape().rank() == 2 ? scale.shape().dim(1) : 0;
                double[] lo = new double[nn * dd];
                double[] hi = new double[nn * dd];
                Arrays.fill(lo, Double.NEGATIVE_INFINITY);
                Arrays.fill(hi, Double.POSITIVE_INFINITY);
                lower = new Tensor(Shape.of(nn, dd), lo);
                upper = new Tensor(Shape.of(nn, dd), hi);
            }
            return new DualLinearization(this);
        }
    }

    /** Samples {@code N}. */
    public int samples() {
        return n;
    }

    /** Rows (margins) per sample {@code R}. */
    public int rowsPerSample() {
        return rowsPerSample;
    }

    /** Variables per problem {@code d}. */
    public int dim() {
        return d;
    }

    public double kappa() {
        return kappa;
    }

    public Grouping grouping() {
        return grouping;
    }

    public Objective objective() {
        return objective;
    }

    /** The requested solver options, if any (else the backend's defaults apply). */
    public Optional<DualSolverOptions> options() {
        return Optional.ofNullable(options);
    }

    /** Problems in the batch: {@code N R} ({@link Grouping#PER_ROW}) or {@code N}. */
    public int problems() {
        return grouping == Grouping.PER_ROW ? n * rowsPerSample : n;
    }

    /** Constraints per problem: 1 ({@link Grouping#PER_ROW}) or {@code R}. */
    public int constraints() {
        return grouping == Grouping.PER_ROW ? 1 : rowsPerSample;
    }

    /** {@code diag(D)} as {@code [N, d]} (a copy). */
    public Tensor scale() {
        return new Tensor(Shape.of(n, d), scale.clone());
    }

    /** The iterates {@code t} as {@code [N, d]} (a copy). */
    public Tensor t() {
        return new Tensor(Shape.of(n, d), t.clone());
    }

    /** The margins {@code m} as {@code [N, R]} (a copy). */
    public Tensor margins() {
        return new Tensor(Shape.of(n, rowsPerSample), margins.clone());
    }

    /** The box's lower bounds {@code [N, d]} (a copy). */
    public Tensor lower() {
        return new Tensor(Shape.of(n, d), lower.clone());
    }

    /** The box's upper bounds {@code [N, d]} (a copy). */
    public Tensor upper() {
        return new Tensor(Shape.of(n, d), upper.clone());
    }

    /** The warm start as the solver takes it ({@code [problems, K]}): the given multipliers, else zeros. */
    public Tensor lambda0() {
        double[] l = warmStart == null ? new double[problems() * constraints()] : warmStart.clone();
        return new Tensor(Shape.of(problems(), constraints()), l);
    }

    /** Whether a warm start was given. */
    public boolean hasWarmStart() {
        return warmStart != null;
    }

    /** The rows {@code a = D g} ({@code [N, R, d]}) and right-hand sides {@code r} ({@code [N, R]}). */
    public record Rows(Tensor a, Tensor r) {
    }

    /**
     * The float64 rows and right-hand sides for the gradients {@code g [N, R, d]} (the reference of
     * kernel {@code dual_linearize_rows}).
     *
     * @throws IllegalArgumentException when {@code g} has another shape or a non-finite entry
     */
    public Rows rows(Tensor g) {
        Objects.requireNonNull(g, "g");
        Shape want = Shape.of(n, rowsPerSample, d);
        if (g.shape().rank() < 3 || g.shape().dim(0) != n || g.shape().dim(1) != rowsPerSample
                || g.size() != (long) n * rowsPerSample * d) {
            throw new IllegalArgumentException("DualLinearization: gradients have shape " + g.shape() + ", expected " + want
                    + " (or [N, R, inputShape...])");
        }
        double[] gd = g.data();
        double[] a = new double[gd.length];
        double[] r = new double[n * rowsPerSample];
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < rowsPerSample; k++) {
                int q = s * rowsPerSample + k;
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    double gi = gd[q * d + i];
                    if (!Double.isFinite(gi)) {
                        throw new IllegalArgumentException("DualLinearization: gradient [" + s + ", " + k + ", " + i + "] = "
                                + gi + " (must be finite)");
                    }
                    double ai = scale[s * d + i] * gi;
                    a[q * d + i] = ai;
                    dot += ai * t[s * d + i];
                }
                r[q] = kappa - margins[q] + dot;
            }
        }
        return new Rows(new Tensor(want, a), new Tensor(Shape.of(n, rowsPerSample), r));
    }

    /**
     * The problem batch for rows {@code a [N, R, d]} and right-hand sides {@code r [N, R]}: {@code N R}
     * problems with {@code K = 1} (each sample's box repeated), or {@code N} problems with {@code K = R}.
     */
    public DualProblem problem(Tensor a, Tensor r) {
        if (!a.shape().equals(Shape.of(n, rowsPerSample, d)) || !r.shape().equals(Shape.of(n, rowsPerSample))) {
            throw new IllegalArgumentException("DualLinearization: rows " + a.shape() + " and right-hand sides " + r.shape()
                    + ", expected " + Shape.of(n, rowsPerSample, d) + " and " + Shape.of(n, rowsPerSample));
        }
        int b = problems();
        int k = constraints();
        double[] lo;
        double[] hi;
        if (grouping == Grouping.PER_ROW) {
            lo = new double[b * d];
            hi = new double[b * d];
            for (int s = 0; s < n; s++) {
                for (int j = 0; j < rowsPerSample; j++) {
                    System.arraycopy(lower, s * d, lo, (s * rowsPerSample + j) * d, d);
                    System.arraycopy(upper, s * d, hi, (s * rowsPerSample + j) * d, d);
                }
            }
        } else {
            lo = lower;
            hi = upper;
        }
        return DualProblem.builder(a.reshape(b, k, d), r.reshape(b, k))
                .box(new Tensor(Shape.of(b, d), lo), new Tensor(Shape.of(b, d), hi)).objective(objective).build();
    }

    /**
     * Everything on the host: the float64 rows of {@code g}, the problem batch, and {@code solver}'s
     * solutions (warm-started when a warm start was given and the solver supports it).
     */
    public LinearizedDual solveOnHost(Tensor g, DualSolver solver) {
        Objects.requireNonNull(solver, "solver");
        boolean warm = hasWarmStart() && solver.supportsWarmStart();
        return solveOnHost(g, (p, lambda0) -> warm ? solver.solve(p, lambda0) : solver.solve(p));
    }

    /**
     * As {@link #solveOnHost(Tensor, DualSolver)}, with a solve that always takes the start
     * {@link #lambda0()} (zeros without a warm start).
     */
    public LinearizedDual solveOnHost(Tensor g, BiFunction<DualProblem, Tensor, DualSolutions> solveFrom) {
        Objects.requireNonNull(solveFrom, "solveFrom");
        Rows rows = rows(g);
        DualProblem p = problem(rows.a(), rows.r());
        return new LinearizedDual(rows.a(), rows.r(), p, solveFrom.apply(p, lambda0()));
    }

    @Override
    public String toString() {
        return "DualLinearization[N=" + n + ", R=" + rowsPerSample + ", d=" + d + ", " + grouping + ", " + objective + "]";
    }
}
