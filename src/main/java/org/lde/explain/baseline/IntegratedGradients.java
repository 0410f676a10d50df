package org.lde.explain.baseline;

import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.tensor.Tensor;

/**
 * Integrated gradients (Sundararajan et al. 2017) of the class logit {@code f_y} from a baseline
 * {@code b} to the input {@code x}:
 *
 * <pre>
 *   phi_i = (x_i - b_i) * integral_0^1 d f_y / d x_i (b + a (x - b)) da
 *        ~= (x_i - b_i) * sum_k w_k g_i(b + a_k (x - b))
 * </pre>
 *
 * with one of three quadrature rules over {@code m = steps}:
 * <ul>
 * <li>{@link Rule#GAUSS_LEGENDRE} (default): the {@code m} Gauss-Legendre nodes mapped to
 *     {@code [0, 1]}, {@code a_k = (1 + t_k) / 2}, {@code w_k = omega_k / 2}; exact for
 *     integrands that are polynomials of degree {@code <= 2m - 1};</li>
 * <li>{@link Rule#TRAPEZOID} (the textbook composite trapezoid rule, named {@code ig-trap}):
 *     {@code m} points {@code a_k = k / (m - 1)}, {@code k = 0..m-1}, weights {@code 1/(m-1)}
 *     with both end points halved, summing to 1 ({@code m >= 2}). This is NOT what Captum's
 *     {@code riemann_trapezoid} computes (an earlier version of this comment said so);</li>
 * <li>{@link Rule#CAPTUM_TRAPEZOID} (Captum's {@code riemann_trapezoid}, named {@code ig-captum-trap}):
 *     the same points {@code a_k = k / (m - 1)}, rounded to float32 as {@code torch.linspace} gives them
 *     (releases that build them with {@code np.linspace} keep float64: a difference below {@code 6e-8}
 *     per node), but Captum's step sizes {@code 1/m} with both end points halved, which sum to {@code (m - 1)/m}:
 *     on a linear model it returns {@code (m - 1)/m} of the exact integrated gradients (completeness
 *     delta {@code -(f_y(x) - f_y(b))/m}) ({@code m >= 2}).</li>
 * </ul>
 * The completeness delta {@code sum_i phi_i - (f_y(x) - f_y(b))} is returned per sample by
 * {@link #explain}; it measures the quadrature error (zero for a linear model, where the gradient
 * is constant along the path). All {@code N m} path points go to the backend as a few batched
 * gradient calls of at most {@code chunkRows} rows (samples are taken in groups of
 * {@code max(1, chunkRows / m)}, so memory stays bounded); the end points {@code x} and {@code b} are one
 * extra batched forward pass.
 */
public final class IntegratedGradients implements Attributor {

    /** Quadrature rule along the path. */
    public enum Rule {
        /** Gauss-Legendre nodes and weights on [0, 1] (default). */
        GAUSS_LEGENDRE,
        /** The textbook trapezoid rule, weights summing to 1. */
        TRAPEZOID,
        /** Captum's {@code riemann_trapezoid}: weights {@code 1/m} (ends halved), float32 {@code alpha}. */
        CAPTUM_TRAPEZOID
    }

    /** Attributions {@code [N, inputShape...]} and the completeness delta per sample. */
    public record Result(Tensor attributions, double[] completenessDelta, Rule rule, int steps) {
        public Result {
            Objects.requireNonNull(attributions, "attributions");
            completenessDelta = completenessDelta.clone();
        }

        @Override
        public double[] completenessDelta() {
            return completenessDelta.clone();
        }

        /** {@code max_n |delta_n|}. */
        public double maxAbsDelta() {
            double m = 0;
            for (double d : completenessDelta) {
                m = Math.max(m, Math.abs(d));
            }
            return m;
        }
    }

    private final int steps;
    private final Rule rule;
    private final double baselineValue;
    private final int chunkRows;

    private IntegratedGradients(int steps, Rule rule, double baselineValue, int chunkRows) {
        Objects.requireNonNull(rule, "rule");
        Batched.requirePositive("integrated-gradients steps", steps);
        if (rule != Rule.GAUSS_LEGENDRE && steps < 2) {
            throw new IllegalArgumentException("the trapezoid rule needs >= 2 points, got steps = " + steps);
        }
        if (!Double.isFinite(baselineValue)) {
            throw new IllegalArgumentException("baseline value must be finite, got " + baselineValue);
        }
        Batched.requireChunk(chunkRows);
        this.steps = steps;
        this.rule = rule;
        this.baselineValue = baselineValue;
        this.chunkRows = chunkRows;
    }

    /** 50 Gauss-Legendre points from the zero baseline. */
    public IntegratedGradients() {
        this(50, Rule.GAUSS_LEGENDRE, 0, Batched.DEFAULT_CHUNK_ROWS);
    }

    public IntegratedGradients withSteps(int s) {
        return new IntegratedGradients(s, rule, baselineValue, chunkRows);
    }

    public IntegratedGradients withRule(Rule r) {
        return new IntegratedGradients(steps, r, baselineValue, chunkRows);
    }

    /** A constant baseline {@code b_i = v} for {@link #attribute} (default 0). */
    public IntegratedGradients withBaselineValue(double v) {
        return new IntegratedGradients(steps, rule, v, chunkRows);
    }

    public IntegratedGradients withChunkRows(int rows) {
        return new IntegratedGradients(steps, rule, baselineValue, rows);
    }

    public int steps() {
        return steps;
    }

    public Rule rule() {
        return rule;
    }

    /** The constant baseline of {@link #attribute} and {@link #explain(Backend, Tensor, int[])}. */
    public double baselineValue() {
        return baselineValue;
    }

    @Override
    public String name() {
        switch (rule) {
            case GAUSS_LEGENDRE:
                return "ig-gl" + steps;
            case TRAPEZOID:
                return "ig-trap" + steps;
            default:
                return "ig-captum-trap" + steps;
        }
    }

    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        return explain(backend, x, classes).attributions();
    }

    /** With the constant baseline of this instance (default 0). */
    public Result explain(Backend backend, Tensor x, int[] classes) {
        Tensor b = Tensor.zeros(x.shape());
        java.util.Arrays.fill(b.data(), baselineValue);
        return explain(backend, x, b, classes);
    }

    /**
     * Integrated gradients from a per-sample baseline {@code baseline: [N, inputShape...]} (e.g. a
     * boundary point, as in BIG).
     */
    public Result explain(Backend backend, Tensor x, Tensor baseline, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        Objects.requireNonNull(baseline, "baseline");
        if (!baseline.shape().equals(x.shape())) {
            throw new IllegalArgumentException("baseline shape " + baseline.shape() + " differs from the inputs' " + x.shape());
        }
        baseline.requireFinite("baseline");
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        double[][] nw = nodes(rule, steps);
        double[] a = nw[0];
        double[] w = nw[1];
        int m = a.length;
        double[] xd = x.data();
        double[] bd = baseline.data();
        double[] phi = new double[n * d];
        // Samples in groups of at most max(1, chunkRows / m), so that the path points of a group
        // (group * m rows) fill about one backend call and memory stays bounded for large N.
        int group = Math.max(1, chunkRows / m);
        for (int from = 0; from < n; from += group) {
            int to = Math.min(n, from + group);
            int gn = to - from;
            double[] path = new double[Math.multiplyExact(Math.multiplyExact(gn, m), d)];
            for (int i = from; i < to; i++) {
                for (int k = 0; k < m; k++) {
                    int off = ((i - from) * m + k) * d;
                    for (int j = 0; j < d; j++) {
                        path[off + j] = bd[i * d + j] + a[k] * (xd[i * d + j] - bd[i * d + j]);
                    }
                }
            }
            Tensor pts = new Tensor(backend.network().inputShape().withBatch(gn * m), path);
            int[] cls = Batched.repeatEach(java.util.Arrays.copyOfRange(classes, from, to), m);
            double[] gd = Batched.classGradients(backend, pts, cls, chunkRows).data();
            for (int i = from; i < to; i++) {
                for (int k = 0; k < m; k++) {
                    int off = ((i - from) * m + k) * d;
                    for (int j = 0; j < d; j++) {
                        phi[i * d + j] += w[k] * gd[off + j];
                    }
                }
                for (int j = 0; j < d; j++) {
                    phi[i * d + j] *= xd[i * d + j] - bd[i * d + j];
                }
            }
        }
        // End points in one batched forward pass: rows 0..n-1 are x, n..2n-1 the baselines.
        double[] ends = new double[2 * n * d];
        System.arraycopy(xd, 0, ends, 0, n * d);
        System.arraycopy(bd, 0, ends, n * d, n * d);
        int[] cls2 = new int[2 * n];
        System.arraycopy(classes, 0, cls2, 0, n);
        System.arraycopy(classes, 0, cls2, n, n);
        double[] f = Batched.classLogits(backend, new Tensor(backend.network().inputShape().withBatch(2 * n), ends), cls2, chunkRows);
        double[] delta = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += phi[i * d + j];
            }
            delta[i] = s - (f[i] - f[n + i]);
        }
        return new Result(new Tensor(x.shape(), phi), delta, rule, steps);
    }

    /**
     * Nodes {@code a_k} in {@code [0, 1]} and weights {@code w_k} of the rule (summing to 1, except
     * Captum's trapezoid: {@code (m - 1)/m}).
     */
    static double[][] nodes(Rule rule, int m) {
        double[] a = new double[m];
        double[] w = new double[m];
        if (rule == Rule.CAPTUM_TRAPEZOID) {
            for (int k = 0; k < m; k++) {
                a[k] = (float) ((double) k / (m - 1));
                w[k] = (k == 0 || k == m - 1 ? 0.5 : 1.0) / m;
            }
            return new double[][] {a, w};
        }
        if (rule == Rule.TRAPEZOID) {
            for (int k = 0; k < m; k++) {
                a[k] = (double) k / (m - 1);
                w[k] = (k == 0 || k == m - 1 ? 0.5 : 1.0) / (m - 1);
            }
            return new double[][] {a, w};
        }
        double[][] gl = gaussLegendre(m);
        for (int k = 0; k < m; k++) {
            a[k] = (1 + gl[0][k]) / 2;
            w[k] = gl[1][k] / 2;
        }
        return new double[][] {a, w};
    }

    /**
     * Gauss-Legendre nodes and weights on {@code [-1, 1]} by Newton's method on the Legendre
     * polynomial {@code P_m} (three-term recurrence), started at {@code cos(pi (k + 3/4) / (m + 1/2))};
     * weights {@code 2 / ((1 - t^2) P_m'(t)^2)}. Nodes ascending.
     */
    static double[][] gaussLegendre(int m) {
        double[] t = new double[m];
        double[] w = new double[m];
        for (int k = 0; k < (m + 1) / 2; k++) {
            double z = Math.cos(Math.PI * (k + 0.75) / (m + 0.5));
            double dp = 0;
            for (int it = 0; it < 100; it++) {
                double p0 = 1;
                double p1 = z;
                for (int j = 2; j <= m; j++) {
                    double p2 = ((2 * j - 1) * z * p1 - (j - 1) * p0) / j;
                    p0 = p1;
                    p1 = p2;
                }
                dp = m * (z * p1 - p0) / (z * z - 1);
                double dz = p1 / dp;
                z -= dz;
                if (Math.abs(dz) < 1e-16) {
                    break;
                }
            }
            // recompute the derivative at the converged node
            double p0 = 1;
            double p1 = z;
            for (int j = 2; j <= m; j++) {
                double p2 = ((2 * j - 1) * z * p1 - (j - 1) * p0) / j;
                p0 = p1;
                p1 = p2;
            }
            dp = m * (z * p1 - p0) / (z * z - 1);
            double wk = 2 / ((1 - z * z) * dp * dp);
            t[k] = -z;
            t[m - 1 - k] = z;
            w[k] = wk;
            w[m - 1 - k] = wk;
        }
        return new double[][] {t, w};
    }
}
