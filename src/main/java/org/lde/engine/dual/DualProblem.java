package org.lde.engine.dual;

import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * A batch of {@code B} primal problems of METHOD.md section 2, each with {@code d} variables and
 * {@code K} linear constraints:
 *
 * <pre>
 *   minimize  f(t)   subject to   A_b t &gt;= r_b   and   tl_b &lt;= t &lt;= tu_b
 * </pre>
 *
 * with {@code f} given by the {@link Objective} ({@code 1/2||t||_2^2} by default; {@code ||t||_inf}
 * and {@code ||t||_1} only for {@code K = 1}). Storage is float64, row-major:
 * {@code A [B, K, d]} (row {@code k} of problem {@code b} is the constraint normal {@code a_k}),
 * {@code r [B, K]}, {@code tl [B, d]}, {@code tu [B, d]}.
 *
 * <p>Validation on construction (the first problem found is reported, with its index and field):
 * {@code A} and {@code r} must be finite; bounds must not be NaN; {@code tl <= tu};
 * {@code tl < +inf} and {@code tu > -inf} (an infinite bound is allowed only on its own side:
 * "no box" is {@code tl = -inf, tu = +inf}); {@code B >= 1}, {@code K >= 1}, {@code d >= 1};
 * shapes must agree. All inputs are copied, so later changes to the caller's tensors do not
 * change the problem.
 */
public final class DualProblem {
    private final int batch;
    private final int constraints;
    private final int dim;
    private final double[] a;
    private final double[] r;
    private final double[] tl;
    private final double[] tu;
    private final Objective objective;

    private DualProblem(Builder bld) {
        Tensor at = bld.a;
        if (at.shape().rank() != 3) {
            throw new IllegalArgumentException("DualProblem: A must have shape [B, K, d], got " + at.shape());
        }
        int bN = at.shape().dim(0);
        int kN = at.shape().dim(1);
        int dN = at.shape().dim(2);
        if (bN == 0) {
            throw new IllegalArgumentException("DualProblem: batch size B = 0 (A has shape " + at.shape() + ")");
        }
        if (kN == 0) {
            throw new IllegalArgumentException("DualProblem: K = 0 constraints (A has shape " + at.shape() + ")");
        }
        if (dN == 0) {
            throw new IllegalArgumentException("DualProblem: d = 0 variables (A has shape " + at.shape() + ")");
        }
        requireShape("r", bld.r, Shape.of(bN, kN));
        Tensor tlT = bld.tl == null ? fill(bN, dN, Double.NEGATIVE_INFINITY) : bld.tl;
        Tensor tuT = bld.tu == null ? fill(bN, dN, Double.POSITIVE_INFINITY) : bld.tu;
        requireShape("tl", tlT, Shape.of(bN, dN));
        requireShape("tu", tuT, Shape.of(bN, dN));
        if (bld.objective != Objective.L2 && kN != 1) {
            throw new IllegalArgumentException("DualProblem: objective " + bld.objective
                    + " is only defined for K = 1 constraint, got K = " + kN);
        }
        double[] ad = at.data();
        for (int b = 0; b < bN; b++) {
            for (int k = 0; k < kN; k++) {
                for (int i = 0; i < dN; i++) {
                    double v = ad[(b * kN + k) * dN + i];
                    if (!Double.isFinite(v)) {
                        throw new IllegalArgumentException("DualProblem: problem " + b + ": A[b=" + b + ", k=" + k
                                + ", i=" + i + "] = " + v + " (must be finite)");
                    }
                }
            }
        }
        double[] rd = bld.r.data();
        for (int b = 0; b < bN; b++) {
            for (int k = 0; k < kN; k++) {
                double v = rd[b * kN + k];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("DualProblem: problem " + b + ": r[b=" + b + ", k=" + k + "] = "
                            + v + " (must be finite)");
                }
            }
        }
        double[] lo = tlT.data();
        double[] hi = tuT.data();
        for (int b = 0; b < bN; b++) {
            for (int i = 0; i < dN; i++) {
                double l = lo[b * dN + i];
                double u = hi[b * dN + i];
                String at2 = "[b=" + b + ", i=" + i + "]";
                if (Double.isNaN(l)) {
                    throw new IllegalArgumentException("DualProblem: problem " + b + ": tl" + at2 + " is NaN");
                }
                if (Double.isNaN(u)) {
                    throw new IllegalArgumentException("DualProblem: problem " + b + ": tu" + at2 + " is NaN");
                }
                if (l == Double.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException("DualProblem: problem " + b + ": tl" + at2
                            + " = +Infinity (a lower bound must be < +inf)");
                }
                if (u == Double.NEGATIVE_INFINITY) {
                    throw new IllegalArgumentException("DualProblem: problem " + b + ": tu" + at2
                            + " = -Infinity (an upper bound must be > -inf)");
                }
                if (l > u) {
                    throw new IllegalArgumentException("DualProblem: problem " + b + ": tl" + at2 + " = " + l
                            + " > tu" + at2 + " = " + u + " (empty box)");
                }
            }
        }
        this.batch = bN;
        this.constraints = kN;
        this.dim = dN;
        this.a = ad.clone();
        this.r = rd.clone();
        this.tl = lo.clone();
        this.tu = hi.clone();
        this.objective = bld.objective;
    }

    private static Tensor fill(int b, int d, double v) {
        double[] x = new double[Math.multiplyExact(b, d)];
        java.util.Arrays.fill(x, v);
        return new Tensor(Shape.of(b, d), x);
    }

    private static void requireShape(String name, Tensor t, Shape want) {
        if (!t.shape().equals(want)) {
            throw new IllegalArgumentException("DualProblem: " + name + " has shape " + t.shape() + ", expected " + want
                    + " (from A = [B, K, d])");
        }
    }

    /**
     * Starts a problem batch with constraint normals {@code A [B, K, d]} and right-hand sides
     * {@code r [B, K]}; without {@link Builder#box} there is no box ({@code tl = -inf},
     * {@code tu = +inf}); the objective defaults to {@link Objective#L2}.
     */
    public static Builder builder(Tensor a, Tensor r) {
        return new Builder(a, r);
    }

    /** Options of a {@link DualProblem}; {@link #build()} validates. */
    public static final class Builder {
        private final Tensor a;
        private final Tensor r;
        private Tensor tl;
        private Tensor tu;
        private Objective objective = Objective.L2;

        private Builder(Tensor a, Tensor r) {
            this.a = java.util.Objects.requireNonNull(a, "A");
            this.r = java.util.Objects.requireNonNull(r, "r");
        }

        /** The box {@code tl <= t <= tu}, both {@code [B, d]}; infinite entries mean no bound. */
        public Builder box(Tensor lower, Tensor upper) {
            this.tl = java.util.Objects.requireNonNull(lower, "tl");
            this.tu = java.util.Objects.requireNonNull(upper, "tu");
            return this;
        }

        public Builder objective(Objective o) {
            this.objective = java.util.Objects.requireNonNull(o, "objective");
            return this;
        }

        public DualProblem build() {
            return new DualProblem(this);
        }
    }

    /** Number of problems {@code B}. */
    public int batch() {
        return batch;
    }

    /** Number of constraints per problem {@code K}. */
    public int constraints() {
        return constraints;
    }

    /** Number of variables per problem {@code d}. */
    public int dim() {
        return dim;
    }

    public Objective objective() {
        return objective;
    }

    /** {@code A[b, k, i]}. */
    public double a(int b, int k, int i) {
        return a[(b * constraints + k) * dim + i];
    }

    /** {@code r[b, k]}. */
    public double r(int b, int k) {
        return r[b * constraints + k];
    }

    /** {@code tl[b, i]}. */
    public double lower(int b, int i) {
        return tl[b * dim + i];
    }

    /** {@code tu[b, i]}. */
    public double upper(int b, int i) {
        return tu[b * dim + i];
    }

    /** Row {@code a_k} of problem {@code b}, copied. */
    public double[] row(int b, int k) {
        int off = (b * constraints + k) * dim;
        return java.util.Arrays.copyOfRange(a, off, off + dim);
    }

    /** {@code A_b} as a row-major {@code K x d} array, copied. */
    public double[] matrix(int b) {
        int off = b * constraints * dim;
        return java.util.Arrays.copyOfRange(a, off, off + constraints * dim);
    }

    /** {@code r_b}, copied. */
    public double[] rhs(int b) {
        return java.util.Arrays.copyOfRange(r, b * constraints, (b + 1) * constraints);
    }

    /** {@code tl_b}, copied. */
    public double[] lowerBounds(int b) {
        return java.util.Arrays.copyOfRange(tl, b * dim, (b + 1) * dim);
    }

    /** {@code tu_b}, copied. */
    public double[] upperBounds(int b) {
        return java.util.Arrays.copyOfRange(tu, b * dim, (b + 1) * dim);
    }

    /** {@code A} as a tensor {@code [B, K, d]} (a copy). */
    public Tensor aTensor() {
        return new Tensor(Shape.of(batch, constraints, dim), a.clone());
    }

    /** {@code r} as a tensor {@code [B, K]} (a copy). */
    public Tensor rTensor() {
        return new Tensor(Shape.of(batch, constraints), r.clone());
    }

    /** {@code tl} as a tensor {@code [B, d]} (a copy). */
    public Tensor lowerTensor() {
        return new Tensor(Shape.of(batch, dim), tl.clone());
    }

    /** {@code tu} as a tensor {@code [B, d]} (a copy). */
    public Tensor upperTensor() {
        return new Tensor(Shape.of(batch, dim), tu.clone());
    }

    /** Problem {@code b} alone, as a batch of one (same objective). */
    public DualProblem select(int b) {
        if (b < 0 || b >= batch) {
            throw new IndexOutOfBoundsException("problem " + b + " outside batch of " + batch);
        }
        return builder(new Tensor(Shape.of(1, constraints, dim), matrix(b)), new Tensor(Shape.of(1, constraints), rhs(b)))
                .box(new Tensor(Shape.of(1, dim), lowerBounds(b)), new Tensor(Shape.of(1, dim), upperBounds(b)))
                .objective(objective).build();
    }

    @Override
    public String toString() {
        return "DualProblem[B=" + batch + ", K=" + constraints + ", d=" + dim + ", " + objective + "]";
    }
}
