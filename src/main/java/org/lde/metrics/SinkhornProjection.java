package org.lde.metrics;

import java.util.Objects;

/**
 * Projection onto a Wasserstein ball by projected Sinkhorn iterations (Wong, Schmidt and Kolter
 * 2019, "Wasserstein Adversarial Examples via Projected Sinkhorn Iterations", Algorithm 1, with an
 * exact {@code psi} update; see below).
 *
 * <p><b>Problem.</b> An image of {@code C x H x W} non-negative values {@code x} is a mass
 * distribution over its pixels, channel by channel: mass moves only within a channel and only
 * between pixels whose offsets lie in a {@code k x k} window ({@code k} odd), at cost
 * {@code C_ij = (dy^2 + dx^2)^(p/2)} (default {@code p = 2}, {@code k = 5}, as in the paper's code).
 * The Wasserstein ball is {@code B(x, eps) = {z : exists Pi >= 0, Pi 1 = x, Pi^T 1 = z, <Pi, C> <= eps}}
 * (so {@code z >= 0} and {@code sum z = sum x}), and the entropy-regularized projection of {@code w} is
 *
 * <pre>
 *   minimize_{z, Pi}  1/2 ||w - z||^2 + 1/lambda sum_ij Pi_ij log Pi_ij   over the constraints above.
 * </pre>
 *
 * <p><b>Dual</b> (variables scaled by {@code lambda}; {@code Pi_ij = exp(a_i + b_j - psi C_ij - 1)},
 * {@code z = w - b / lambda}):
 * {@code g(a, b, psi) = -||b||^2/(2 lambda) - psi eps + a^T x + b^T w - sum_ij Pi_ij}, maximized by block
 * coordinate ascent:
 * <ul>
 * <li>{@code a_i = log x_i - logsumexp_j (b_j - psi C_ij - 1)} (rows of {@code Pi} sum to {@code x};
 *     {@code a_i = -inf} where {@code x_i = 0});</li>
 * <li>{@code b_j = lambda w_j - W(lambda exp(lambda w_j) s_j)}, {@code s_j = sum_i exp(a_i - psi C_ij - 1)},
 *     with {@code W} the Lambert W function (columns of {@code Pi} sum to {@code z}), evaluated from the
 *     logarithm of its argument so that {@code exp(lambda w)} never overflows;</li>
 * <li>{@code psi >= 0}: the paper takes one Newton step on {@code g} in {@code psi} with {@code a} and
 *     {@code b} fixed ({@code g' = -eps + <Pi, C>}, {@code g'' = -<Pi, C^2>}), each step moving it by
 *     about {@code (<Pi, C> - eps) / <Pi, C^2>}, while the optimal (scaled) {@code psi} grows with
 *     {@code lambda}. Here the block {@code (a, psi)} is maximized exactly instead (still block
 *     coordinate ascent on the same concave dual): with {@code a} at its optimum the derivative in
 *     {@code psi} is {@code -eps + cost(psi)}, {@code cost} the transport cost of the row-normalized
 *     plan, non-increasing in {@code psi}; so {@code psi = 0} if {@code cost(0) <= eps}, else the root
 *     of {@code cost(psi) = eps} (safeguarded Newton), and then
 *     the {@code a} update above.</li>
 * </ul>
 * Starting from {@code b = 0}; each iteration solves {@code psi}, then {@code a}, then {@code b} (so the
 * columns of the plan sum to {@code z} exactly); stopping when the rows are off by at most
 * {@code tolerance * sum x} ({@code max_i |sum_j Pi_ij - x_i|}). The scaled duals are {@code O(lambda)},
 * so {@code lambda} is annealed for a warm start: solved at {@code min(lambda, 10)} to {@code 1e-4}, then
 * multiplied by 4 per stage (duals scaled along) up to the requested value. Hard cases (a binding
 * budget on a few pixels) still need a number of iterations that grows with {@code lambda}. Not reaching
 * the requested {@code lambda} within {@code maxIterations} is an error; reaching it without meeting the
 * tolerance returns the point with its row error ({@link Result#marginalError}). The projection is
 * {@code z = W(.) / lambda >= 0}.
 * As {@code lambda} grows it tends to the exact Euclidean projection; for finite {@code lambda} the
 * entropy blurs {@code z} slightly (also when {@code w} already lies in the ball).
 */
public final class SinkhornProjection {

    /** Regularization {@code lambda}, window {@code k}, cost exponent {@code p}, iteration limits. */
    public record Options(double lambda, int kernelSize, double p, int maxIterations, double tolerance) {
        public Options {
            if (!(lambda > 0) || !Double.isFinite(lambda)) {
                throw new IllegalArgumentException("Sinkhorn regularization lambda must be positive and finite, got " + lambda);
            }
            if (kernelSize < 1 || kernelSize % 2 == 0) {
                throw new IllegalArgumentException("Wasserstein transport window must be odd and >= 1, got " + kernelSize);
            }
            if (!(p > 0) || !Double.isFinite(p)) {
                throw new IllegalArgumentException("Wasserstein cost exponent p must be positive and finite, got " + p);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("Sinkhorn iterations must be >= 1, got " + maxIterations);
            }
            if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
                throw new IllegalArgumentException("Sinkhorn tolerance must be finite and >= 0, got " + tolerance);
            }
        }

        /**
         * The paper's attack settings, {@code lambda = 1000}, {@code 5 x 5} window, {@code p = 2}, at most
         * 400 iterations, with rows exact to {@code 1e-9} of the mass.
         */
        public static Options defaults() {
            return new Options(1000, 5, 2, 400, 1e-9);
        }

        public Options withLambda(double l) {
            return new Options(l, kernelSize, p, maxIterations, tolerance);
        }

        public Options withKernelSize(int k) {
            return new Options(lambda, k, p, maxIterations, tolerance);
        }

        public Options withMaxIterations(int m) {
            return new Options(lambda, kernelSize, p, m, tolerance);
        }

        /** Stop when every row of the plan is within {@code t * sum x} of its marginal. */
        public Options withTolerance(double t) {
            return new Options(lambda, kernelSize, p, maxIterations, t);
        }
    }

    /**
     * The projected point {@code z}, the transport cost {@code <Pi, C>} of the final plan, the largest
     * row-sum error {@code max_i |sum_j Pi_ij - x_i|} of that plan, the multiplier {@code psi} and the
     * iterations used.
     */
    public record Result(double[] z, double planCost, double marginalError, double psi, int iterations) {
        public Result {
            z = z.clone();
        }

        @Override
        public double[] z() {
            return z.clone();
        }
    }

    private final int channels;
    private final int height;
    private final int width;
    private final Options options;
    private final int[] dy;
    private final int[] dx;
    private final double[] cost;

    /** A projector for images {@code channels x height x width}. */
    public SinkhornProjection(int channels, int height, int width, Options options) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("Wasserstein projection needs a positive image size, got "
                    + channels + "x" + height + "x" + width);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.options = Objects.requireNonNull(options, "options");
        int r = options.kernelSize() / 2;
        int k = options.kernelSize() * options.kernelSize();
        dy = new int[k];
        dx = new int[k];
        cost = new double[k];
        int q = 0;
        for (int a = -r; a <= r; a++) {
            for (int b = -r; b <= r; b++) {
                dy[q] = a;
                dx[q] = b;
                cost[q] = Math.pow(a * a + b * b, options.p() / 2);
                q++;
            }
        }
    }

    /** The transport cost between pixels {@code i} and {@code j} (flat indices), or {@code +inf} when mass cannot move between them. */
    public double cost(int i, int j) {
        int hw = height * width;
        if (i / hw != j / hw) {
            return Double.POSITIVE_INFINITY;
        }
        int r = options.kernelSize() / 2;
        int ay = (i % hw) / width - (j % hw) / width;
        int ax = (i % hw) % width - (j % hw) % width;
        if (Math.abs(ay) > r || Math.abs(ax) > r) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.pow(ay * ay + ax * ax, options.p() / 2);
    }

    /** The neighbour of pixel {@code i} at window offset {@code q}, or -1 outside the image. */
    private int neighbour(int i, int q) {
        int hw = height * width;
        int y = (i % hw) / width + dy[q];
        int xx = (i % hw) % width + dx[q];
        if (y < 0 || y >= height || xx < 0 || xx >= width) {
            return -1;
        }
        return (i / hw) * hw + y * width + xx;
    }

    /**
     * Projects {@code w} onto the ball of radius {@code eps} around {@code x} (both of
     * {@code C H W} values; {@code x >= 0} with positive total mass).
     *
     * @throws IllegalArgumentException on a negative or non-finite {@code x}, zero mass, a non-finite
     *                                  {@code w} or a negative {@code eps}
     */
    public Result project(double[] x, double[] w, double eps) {
        int d = channels * height * width;
        if (x.length != d || w.length != d) {
            throw new IllegalArgumentException("Wasserstein projection of " + channels + "x" + height + "x" + width
                    + " images got " + x.length + " and " + w.length + " values");
        }
        if (!(eps >= 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("Wasserstein budget eps must be finite and >= 0, got " + eps);
        }
        double mass = 0;
        for (int i = 0; i < d; i++) {
            if (!(x[i] >= 0) || !Double.isFinite(x[i])) {
                throw new IllegalArgumentException("Wasserstein ball centre value " + x[i] + " at flat index " + i
                        + " is not a finite non-negative mass");
            }
            if (!Double.isFinite(w[i])) {
                throw new IllegalArgumentException("point to project has value " + w[i] + " at flat index " + i);
            }
            mass += x[i];
        }
        if (!(mass > 0)) {
            throw new IllegalArgumentException("Wasserstein ball centre has no mass (all values 0)");
        }
        double target = options.lambda();
        // Annealing ("epsilon scaling"): the scaled duals b and psi grow in proportion to lambda, and
        // plain alternation needs O(lambda) iterations to move them there. Solve at lambda_0 = min(lambda, 10),
        // then multiply lambda by 4 per stage, scaling b and psi with it (a follows from them), to the target.
        double lam = Math.min(target, 10);
        int k = cost.length;
        double[] a = new double[d];
        double[] b = new double[d];
        double[] u = new double[d];
        double[] logX = new double[d];
        for (int i = 0; i < d; i++) {
            logX[i] = x[i] > 0 ? Math.log(x[i]) : Double.NEGATIVE_INFINITY;
        }
        double psi = 0;
        int it = 0;
        double rowErr = Double.POSITIVE_INFINITY;
        double[] terms = new double[k];
        while (it < options.maxIterations()) {
            it++;
            double logLam = Math.log(lam);
            // (a, psi) jointly: psi maximizes h(psi) = max_a g, i.e. solves cost(psi) = eps for the
            // row-normalized plan (or psi = 0 when cost(0) <= eps); then a makes the rows sum to x.
            psi = solvePsi(x, b, eps, psi, lam);
            for (int i = 0; i < d; i++) {
                if (x[i] == 0) {
                    a[i] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                int m = 0;
                for (int q = 0; q < k; q++) {
                    int j = neighbour(i, q);
                    if (j >= 0) {
                        terms[m++] = b[j] - psi * cost[q] - 1;
                    }
                }
                a[i] = logX[i] - logSumExp(terms, m);
            }
            // b_j = lambda w_j - W(exp(log lambda + lambda w_j + log s_j)): the columns sum to z = u / lambda
            for (int j = 0; j < d; j++) {
                int m = 0;
                for (int q = 0; q < k; q++) {
                    int i = neighbour(j, q);
                    if (i >= 0 && a[i] != Double.NEGATIVE_INFINITY) {
                        terms[m++] = a[i] - psi * cost[q] - 1;
                    }
                }
                double logS = m == 0 ? Double.NEGATIVE_INFINITY : logSumExp(terms, m);
                u[j] = lambertWOfExp(logLam + lam * w[j] + logS);
                b[j] = lam * w[j] - u[j];
            }
            rowErr = rowError(a, b, x, psi);
            boolean last = lam >= target;
            if (rowErr <= (last ? options.tolerance() : Math.max(options.tolerance(), 1e-4)) * mass) {
                if (last) {
                    break;
                }
                double next = Math.min(target, 4 * lam);
                for (int j = 0; j < d; j++) {
                    b[j] *= next / lam;
                }
                psi *= next / lam;
                lam = next;
            }
        }
        if (lam < target) {
            throw new IllegalStateException("projected Sinkhorn reached lambda = " + lam + " of " + target + " in "
                    + options.maxIterations() + " iterations; allow more iterations or a smaller lambda");
        }
        double[] z = new double[d];
        double planCost = 0;
        for (int j = 0; j < d; j++) {
            z[j] = u[j] / lam;
        }
        for (int i = 0; i < d; i++) {
            if (a[i] != Double.NEGATIVE_INFINITY) {
                for (int q = 0; q < k; q++) {
                    int j = neighbour(i, q);
                    if (j >= 0) {
                        planCost += cost[q] * Math.exp(a[i] + b[j] - psi * cost[q] - 1);
                    }
                }
            }
        }
        return new Result(z, planCost, rowErr, psi, it);
    }

    /** {@code max_i |sum_j Pi_ij - x_i|} of the plan {@code Pi_ij = exp(a_i + b_j - psi C_ij - 1)}. */
    private double rowError(double[] a, double[] b, double[] x, double psi) {
        double err = 0;
        for (int i = 0; i < x.length; i++) {
            double row = 0;
            if (a[i] != Double.NEGATIVE_INFINITY) {
                for (int q = 0; q < cost.length; q++) {
                    int j = neighbour(i, q);
                    if (j >= 0) {
                        row += Math.exp(a[i] + b[j] - psi * cost[q] - 1);
                    }
                }
            }
            err = Math.max(err, Math.abs(row - x[i]));
        }
        return err;
    }

    /**
     * The transport cost {@code sum_i x_i sum_j q_ij C_ij} of the row-normalized plan
     * {@code q_ij = softmax_j (b_j - psi C_ij)} and its derivative in {@code psi},
     * {@code -sum_i x_i Var_{q_i}(C)}: {@code {cost, derivative}}.
     */
    private double[] rowCost(double[] x, double[] b, double psi) {
        int k = cost.length;
        double[] t = new double[k];
        double c1 = 0;
        double dc = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] == 0) {
                continue;
            }
            double mx = Double.NEGATIVE_INFINITY;
            for (int q = 0; q < k; q++) {
                int j = neighbour(i, q);
                t[q] = j >= 0 ? b[j] - psi * cost[q] : Double.NEGATIVE_INFINITY;
                mx = Math.max(mx, t[q]);
            }
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            for (int q = 0; q < k; q++) {
                if (t[q] == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                double e = Math.exp(t[q] - mx);
                s0 += e;
                s1 += e * cost[q];
                s2 += e * cost[q] * cost[q];
            }
            double m1 = s1 / s0;
            c1 += x[i] * m1;
            dc -= x[i] * Math.max(0, s2 / s0 - m1 * m1);
        }
        return new double[] {c1, dc};
    }

    /**
     * The {@code psi >= 0} that maximizes {@code max_a g(a, b, psi)}: 0 when the row-normalized plan
     * already costs at most {@code eps}, else the root of {@code cost(psi) = eps} (cost is
     * non-increasing in {@code psi}), by Newton steps kept inside a bisection bracket, warm-started
     * at {@code guess}. Capped at {@code 1e12 lambda} (reached only for {@code eps = 0}).
     */
    private double solvePsi(double[] x, double[] b, double eps, double guess, double lambda) {
        double[] f0 = rowCost(x, b, 0);
        if (f0[0] <= eps) {
            return 0;
        }
        double lo = 0;
        double hi = Math.max(guess, 1);
        double cap = 1e12 * lambda;
        double[] fh = rowCost(x, b, hi);
        while (fh[0] > eps && hi < cap) {
            lo = hi;
            hi *= 4;
            fh = rowCost(x, b, hi);
        }
        if (fh[0] > eps) {
            return cap;
        }
        double psi = guess > lo && guess < hi ? guess : (lo + hi) / 2;
        for (int iter = 0; iter < 200; iter++) {
            double[] f = rowCost(x, b, psi);
            double r = f[0] - eps;
            if (r > 0) {
                lo = psi;
            } else {
                hi = psi;
            }
            if (Math.abs(r) <= 1e-14 * Math.max(eps, 1e-300) || hi - lo <= 1e-15 * hi) {
                return psi;
            }
            double next = f[1] < 0 ? psi - r / f[1] : Double.NaN;
            psi = next > lo && next < hi ? next : (lo + hi) / 2;
        }
        return psi;
    }

    private static double logSumExp(double[] v, int m) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < m; i++) {
            mx = Math.max(mx, v[i]);
        }
        if (mx == Double.NEGATIVE_INFINITY) {
            return mx;
        }
        double s = 0;
        for (int i = 0; i < m; i++) {
            s += Math.exp(v[i] - mx);
        }
        return mx + Math.log(s);
    }

    /**
     * The Lambert W function (principal branch) of {@code exp(l)}: the {@code w >= 0} with
     * {@code w + log w = l}, by Newton's method on that equation from a point left of the root
     * ({@code x/(1+x)} for {@code l <= 1}, {@code l - log l} above; the function is increasing and
     * concave, so the iterates increase monotonically to the root). {@code l = -inf} gives 0.
     */
    static double lambertWOfExp(double l) {
        if (l == Double.NEGATIVE_INFINITY) {
            return 0;
        }
        if (Double.isNaN(l) || l == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("Lambert W of exp(" + l + ")");
        }
        double w;
        if (l <= 1) {
            double e = Math.exp(l);
            w = e / (1 + e);
        } else {
            w = l - Math.log(l);
        }
        if (w == 0) {
            return 0; // exp(l) underflows: W(x) = x to double precision
        }
        for (int i = 0; i < 100; i++) {
            double f = w + Math.log(w) - l;
            double step = f / (1 + 1 / w);
            double next = w - step;
            if (!(next > 0)) {
                next = w / 2;
            }
            if (Math.abs(next - w) <= 1e-15 * Math.max(w, Double.MIN_NORMAL)) {
                return next;
            }
            w = next;
        }
        return w;
    }
}
