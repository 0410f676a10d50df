package org.lde.metrics;

import java.util.Arrays;
import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.Objective;
import org.lde.explain.baseline.Batched;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * FAB, the fast adaptive boundary attack (Croce and Hein, "Minimally distorted adversarial examples
 * with a fast adaptive boundary attack", ICML 2020), untargeted, in the L2, L_inf or L1 norm
 * ({@link Objective}), a baseline for the verified upper bound {@code r_hi} of METHOD.md section 4.
 * Written from the paper and checked against its authors' published algorithm; this is our code.
 *
 * <h2>One iteration (all samples and all restarts in one batch)</h2>
 * With {@code x} the original point, {@code z} the iterate, {@code y} the class to move away from:
 * <ol>
 *   <li>one recorded forward pass and one reverse pass with the {@code C} one-hot seeds (the whole
 *       Jacobian) at every iterate of every sample and restart together;</li>
 *   <li>the nearest linearized decision boundary: for {@code j != y}, {@code m_j = f_j(z) - f_y(z)},
 *       {@code w_j = grad m_j(z)}, the class {@code s} with the least {@code |m_j| / ||w_j||_q}
 *       ({@code q} the dual norm: 2 for L2, 1 for L_inf, inf for L1), and its hyperplane
 *       {@code pi = {u : m_s + w_s^T (u - z) = 0}};</li>
 *   <li>two projections onto {@code pi} within the data box {@code [lo, hi]^d}, of {@code z}
 *       ({@code d1}) and of {@code x} ({@code d2}): the minimal-norm {@code t} with
 *       {@code sigma w^T t >= sigma (-h(p))}, {@code t in [lo - p, hi - p]}, where {@code h(p)} is the
 *       linear margin at the projected point {@code p} and {@code sigma = -sign h(p)} (so a point
 *       already past the hyperplane is projected back onto it, as the paper's projection does). These
 *       are {@code K = 1} problems of METHOD.md section 2, solved exactly by the engine's dual solver
 *       ({@link Backend#solveDual}, all {@code 2 N R} of them in one batch). Where the hyperplane
 *       cannot be reached inside the box, the solver's box point that comes nearest is used;</li>
 *   <li>the biased step {@code z' = clip((1 - alpha)(z + eta d1) + alpha (x + eta d2), lo, hi)},
 *       {@code alpha = min(||d1|| / (||d1|| + ||d2||), alpha_max)} (norms floored at {@code 1e-8}), with
 *       the extrapolation {@code eta};</li>
 *   <li>one plain forward pass at the {@code z'}: a point with {@code max_{j != y} f_j > f_y} is
 *       adversarial; the smallest one per sample (over restarts and iterations) is kept, and the
 *       iterate takes the backward step {@code z' <- x + beta (z' - x)}.</li>
 * </ol>
 * Restart {@code 0} starts at {@code x}; restart {@code r > 0} at {@code clip(x + (eps / 2) v)} with
 * {@code v} a random direction of unit norm (L2 and L1: Gaussian, L_inf: uniform in the cube), drawn from
 * a generator seeded by {@code (seed, index of the sample in the batch, restart)}: a run repeats exactly. The paper runs restarts one after another and
 * samples at {@code min(eps, ||best||) / 2}; here all restarts run in the same batch, when no best is
 * known yet, so every restart samples at {@code eps / 2}.
 *
 * <h2>Final search</h2>
 * On the segment from {@code x} ({@code s = 0}, class {@code y}) to the best adversarial point
 * ({@code s = 1}), {@link Builder#finalSearchSteps} secant (regula falsi) steps on the margin
 * {@code f_y - f_c} ({@code c} the class at the adversarial end), as the authors' code does, each one
 * batched forward pass: the secant point {@code s*} is moved past the root by {@code 1e-10} of the
 * bracket (so that on a network linear along the segment it lands on the adversarial side despite
 * rounding) and replaces the end whose side it is on. The result is the adversarial end: every
 * returned point was classified by a forward pass of the network ({@link Result#verified}).
 *
 * <h2>Passes</h2>
 * Per iteration: one recorded forward and one reverse pass with {@code C} seeds for each of the
 * {@code N R} iterates, and one plain forward pass for each of them; then one forward pass per sample
 * per final-search step. Count them with {@code CountingBackend}.
 *
 * <h2>Defaults (the paper's)</h2>
 * {@code alpha_max = 0.1}, {@code eta = 1.05}, {@code beta = 0.9}, 100 iterations, restart radius
 * {@code eps} 1.0 (L2), 0.3 (L_inf), 5.0 (L1) (the authors' defaults), 3 final-search steps; 10 restarts
 * (FAB-10), seed 0.
 */
public final class Fab {
    /** Slack past the secant root in the final search, as a fraction of the bracket. */
    static final double SEARCH_PUSH = 1e-10;

    private final Objective norm;
    private final int iterations;
    private final int restarts;
    private final double eps;
    private final double alphaMax;
    private final double eta;
    private final double beta;
    private final int finalSearchSteps;
    private final long seed;

    private Fab(Builder b) {
        this.norm = b.norm;
        this.iterations = b.iterations;
        this.restarts = b.restarts;
        this.eps = b.epsSet ? b.eps : defaultEps(b.norm);
        this.alphaMax = b.alphaMax;
        this.eta = b.eta;
        this.beta = b.beta;
        this.finalSearchSteps = b.finalSearchSteps;
        this.seed = b.seed;
    }

    /** The authors' restart radius per norm: 1.0 (L2), 0.3 (L_inf), 5.0 (L1). */
    public static double defaultEps(Objective o) {
        switch (o) {
            case LINF:
                return 0.3;
            case L1:
                return 5.0;
            case L2:
            default:
                return 1.0;
        }
    }

    /** A builder with the paper's defaults in the given norm. */
    public static Builder builder(Objective norm) {
        return new Builder(norm);
    }

    /** Options of {@link Fab}; {@link #build()} checks them. */
    public static final class Builder {
        private final Objective norm;
        private int iterations = 100;
        private int restarts = 10;
        private double eps = Double.NaN;
        private boolean epsSet;
        private double alphaMax = 0.1;
        private double eta = 1.05;
        private double beta = 0.9;
        private int finalSearchSteps = 3;
        private long seed = 0;

        private Builder(Objective norm) {
            this.norm = Objects.requireNonNull(norm, "norm");
        }

        /** Iterations per restart, {@code >= 1} (default 100). */
        public Builder iterations(int n) {
            iterations = n;
            return this;
        }

        /** Restarts, {@code >= 1} (default 10); the first starts at {@code x}. */
        public Builder restarts(int n) {
            restarts = n;
            return this;
        }

        /** Restart radius {@code eps > 0}: random starts lie at distance {@code eps / 2} (before clipping). */
        public Builder eps(double e) {
            eps = e;
            epsSet = true;
            return this;
        }

        /** {@code alpha_max} in {@code [0, 1]} (default 0.1). */
        public Builder alphaMax(double a) {
            alphaMax = a;
            return this;
        }

        /** The extrapolation {@code eta >= 1} (default 1.05). */
        public Builder eta(double e) {
            eta = e;
            return this;
        }

        /** The backward step {@code beta} in {@code (0, 1]} (default 0.9). */
        public Builder beta(double b) {
            beta = b;
            return this;
        }

        /** Secant steps of the final search, {@code >= 0} (default 3). */
        public Builder finalSearchSteps(int n) {
            finalSearchSteps = n;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** @throws IllegalArgumentException naming the first bad option */
        public Fab build() {
            if (iterations < 1) {
                throw new IllegalArgumentException("FAB iterations must be >= 1, got " + iterations);
            }
            if (restarts < 1) {
                throw new IllegalArgumentException("FAB restarts must be >= 1, got " + restarts);
            }
            if (epsSet && (!(eps > 0) || Double.isInfinite(eps))) {
                throw new IllegalArgumentException("FAB restart radius eps must be finite and > 0, got " + eps);
            }
            if (!(alphaMax >= 0 && alphaMax <= 1)) {
                throw new IllegalArgumentException("FAB alpha_max must be in [0, 1], got " + alphaMax);
            }
            if (!(eta >= 1) || !Double.isFinite(eta)) {
                throw new IllegalArgumentException("FAB eta must be finite and >= 1, got " + eta);
            }
            if (!(beta > 0 && beta <= 1)) {
                throw new IllegalArgumentException("FAB beta must be in (0, 1], got " + beta);
            }
            if (finalSearchSteps < 0) {
                throw new IllegalArgumentException("FAB final search steps must be >= 0, got " + finalSearchSteps);
            }
            return new Fab(this);
        }
    }

    /**
     * Per sample: the best adversarial point ({@code x} itself where none was found), whether a forward
     * pass verified it ({@code max_{j != y} f_j > f_y} there), the class there, its perturbation norm in
     * the attack's norm ({@code +Infinity} where not verified, 0 where {@code x} is already not of class
     * {@code y}), its L2, L_inf and L1 norms, and the restart that found it ({@code -1} if none).
     */
    public record Result(String attack, Objective norm, Tensor adversarial, boolean[] verified, int[] adversarialClass,
                         double[] normValue, double[] l2, double[] linf, double[] l1, int[] restart) {
        public Result {
            Objects.requireNonNull(attack, "attack");
            Objects.requireNonNull(norm, "norm");
            Objects.requireNonNull(adversarial, "adversarial");
            verified = verified.clone();
            adversarialClass = adversarialClass.clone();
            normValue = normValue.clone();
            l2 = l2.clone();
            linf = linf.clone();
            l1 = l1.clone();
            restart = restart.clone();
        }

        @Override
        public boolean[] verified() {
            return verified.clone();
        }

        @Override
        public int[] adversarialClass() {
            return adversarialClass.clone();
        }

        @Override
        public double[] normValue() {
            return normValue.clone();
        }

        @Override
        public double[] l2() {
            return l2.clone();
        }

        @Override
        public double[] linf() {
            return linf.clone();
        }

        @Override
        public double[] l1() {
            return l1.clone();
        }

        @Override
        public int[] restart() {
            return restart.clone();
        }
    }

    public Objective norm() {
        return norm;
    }

    public int iterations() {
        return iterations;
    }

    public int restarts() {
        return restarts;
    }

    public double eps() {
        return eps;
    }

    public String describe() {
        return String.format(java.util.Locale.ROOT,
                "fab-%s(iterations=%d, restarts=%d, eps=%s, alphaMax=%s, eta=%s, beta=%s, finalSearch=%d, seed=%d)",
                norm.name().toLowerCase(java.util.Locale.ROOT), iterations, restarts, eps, alphaMax, eta, beta,
                finalSearchSteps, seed);
    }

    /**
     * Attacks every sample away from {@code classes[n]} (the predicted class for a minimal adversarial
     * example). Inputs must lie in the network's data box.
     *
     * @param x {@code [N, inputShape...]}
     */
    public Result run(Backend backend, Tensor x, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        double lo = backend.network().lo();
        double hi = backend.network().hi();
        Pgd.requireInBox(x, lo, hi);
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        int c = backend.network().outputSize();
        if (c < 2) {
            throw new IllegalArgumentException("FAB needs a classifier with >= 2 classes, the network has " + c + " output");
        }
        Shape in = x.shape().dropFirst();
        double[] xd = x.data();
        double[] x0Logits = backend.forward(x).data();
        double[] bestNorm = new double[n];
        double[] best = xd.clone();
        double[] bestLogits = Arrays.copyOf(x0Logits, n * c);
        int[] bestRestart = new int[n];
        Arrays.fill(bestNorm, Double.POSITIVE_INFINITY);
        Arrays.fill(bestRestart, -1);
        int[] todo = java.util.stream.IntStream.range(0, n)
                .filter(i -> !(adversarialMargin(x0Logits, i, c, classes[i]) > 0)).toArray();
        for (int i = 0; i < n; i++) {
            if (adversarialMargin(x0Logits, i, c, classes[i]) > 0) {
                bestNorm[i] = 0; // already not of class y: the zero perturbation is verified
            }
        }
        int m = todo.length;
        int bN = m * restarts;
        if (m > 0) {
            // Iterates: row q = a * restarts + r (sample todo[a], restart r).
            double[] z = starts(xd, todo, d, lo, hi);
            double[] x0 = new double[bN * d];
            int[] y = new int[bN];
            for (int q = 0; q < bN; q++) {
                int i = todo[q / restarts];
                y[q] = classes[i];
                System.arraycopy(xd, i * d, x0, q * d, d);
            }
            Shape batch = in.withBatch(bN);
            Tensor seeds = Seeds.identity(bN, c);
            double[] w = new double[bN * d];
            double[] h = new double[bN];
            for (int it = 0; it < iterations; it++) {
                double[] logits;
                double[] jac;
                try (Recorded rec = backend.forwardRecorded(new Tensor(batch, z.clone()))) {
                    logits = rec.logits().data();
                    jac = backend.reverse(rec, seeds).data();
                }
                nearestHyperplanes(logits, jac, y, bN, c, d, w, h);
                double[][] steps = project(backend, z, x0, w, h, bN, d, lo, hi);
                double[] d1 = steps[0];
                double[] d2 = steps[1];
                for (int q = 0; q < bN; q++) {
                    double a1 = Math.max(norm(norm, d1, q * d, d), 1e-8);
                    double a2 = Math.max(norm(norm, d2, q * d, d), 1e-8);
                    double alpha = Math.min(a1 / (a1 + a2), alphaMax);
                    for (int k = q * d; k < (q + 1) * d; k++) {
                        double v = (1 - alpha) * (z[k] + eta * d1[k]) + alpha * (x0[k] + eta * d2[k]);
                        z[k] = Math.min(hi, Math.max(lo, v));
                    }
                }
                double[] lz = backend.forward(new Tensor(batch, z.clone())).data();
                for (int q = 0; q < bN; q++) {
                    if (!(adversarialMargin(lz, q, c, y[q]) > 0)) {
                        continue;
                    }
                    int i = todo[q / restarts];
                    double nv = distance(norm, z, x0, q * d, d);
                    if (nv < bestNorm[i]) {
                        bestNorm[i] = nv;
                        bestRestart[i] = q % restarts;
                        System.arraycopy(z, q * d, best, i * d, d);
                        System.arraycopy(lz, q * c, bestLogits, i * c, c);
                    }
                    for (int k = q * d; k < (q + 1) * d; k++) {
                        z[k] = x0[k] + beta * (z[k] - x0[k]);
                    }
                }
            }
            finalSearch(backend, xd, x0Logits, best, bestLogits, bestNorm, todo, classes, in, d, c);
        }
        boolean[] verified = new boolean[n];
        int[] cls = new int[n];
        double[] l2 = new double[n];
        double[] li = new double[n];
        double[] l1 = new double[n];
        for (int i = 0; i < n; i++) {
            verified[i] = bestNorm[i] < Double.POSITIVE_INFINITY;
            cls[i] = argmax(bestLogits, i, c);
            l2[i] = distance(Objective.L2, best, xd, i * d, d);
            li[i] = distance(Objective.LINF, best, xd, i * d, d);
            l1[i] = distance(Objective.L1, best, xd, i * d, d);
        }
        return new Result(describe(), norm, new Tensor(x.shape(), best), verified, cls, bestNorm, l2, li, l1, bestRestart);
    }

    /**
     * The starting iterates, row {@code a * restarts + r} for sample {@code todo[a]} and restart {@code r}:
     * {@code x} itself for {@code r = 0}, a seeded random start otherwise.
     */
    double[] starts(double[] xd, int[] todo, int d, double lo, double hi) {
        double[] z = new double[todo.length * restarts * d];
        for (int a = 0; a < todo.length; a++) {
            int i = todo[a];
            for (int r = 0; r < restarts; r++) {
                int q = a * restarts + r;
                System.arraycopy(xd, i * d, z, q * d, d);
                if (r > 0) {
                    randomStart(z, q * d, d, Rng.stream(seed, i, r), lo, hi);
                }
            }
        }
        return z;
    }

    /** {@code z[off..off+d) <- clip(z + (eps / 2) v)} with {@code v} of unit norm in the attack's norm. */
    private void randomStart(double[] z, int off, int d, Rng rng, double lo, double hi) {
        double[] v = new double[d];
        for (int k = 0; k < d; k++) {
            v[k] = norm == Objective.LINF ? rng.uniform(-1, 1) : rng.gaussian();
        }
        double nv = norm(norm, v, 0, d);
        double f = nv > 0 ? 0.5 * eps / nv : 0;
        for (int k = 0; k < d; k++) {
            z[off + k] = Math.min(hi, Math.max(lo, z[off + k] + f * v[k]));
        }
    }

    /**
     * For every iterate {@code q}: the normal {@code w = grad f_s - grad f_y} and value
     * {@code h = f_s - f_y} of the nearest linearized boundary, {@code s = argmin_{j != y} |m_j| / ||w_j||_q}.
     */
    private void nearestHyperplanes(double[] logits, double[] jac, int[] y, int bN, int c, int d, double[] w,
                                    double[] h) {
        Objective dual = norm.dual();
        double[] g = new double[d];
        for (int q = 0; q < bN; q++) {
            int yy = y[q];
            int yOff = (q * c + yy) * d;
            double bestDist = Double.POSITIVE_INFINITY;
            int s = -1;
            for (int j = 0; j < c; j++) {
                if (j == yy) {
                    continue;
                }
                int jOff = (q * c + j) * d;
                for (int k = 0; k < d; k++) {
                    g[k] = jac[jOff + k] - jac[yOff + k];
                }
                double dist = Math.abs(logits[q * c + j] - logits[q * c + yy]) / (1e-12 + norm(dual, g, 0, d));
                if (s < 0 || dist < bestDist) {
                    bestDist = dist;
                    s = j;
                }
            }
            int sOff = (q * c + s) * d;
            for (int k = 0; k < d; k++) {
                w[q * d + k] = jac[sOff + k] - jac[yOff + k];
            }
            h[q] = logits[q * c + s] - logits[q * c + yy];
        }
    }

    /**
     * The projections {@code d1} (of {@code z}) and {@code d2} (of {@code x}) onto the hyperplanes
     * {@code h + w^T (u - z) = 0} within the box, as {@code 2 bN} problems {@code K = 1} of one batch.
     */
    double[][] project(Backend backend, double[] z, double[] x0, double[] w, double[] h, int bN, int d,
                              double lo, double hi) {
        int pb = 2 * bN;
        double[] a = new double[pb * d];
        double[] r = new double[pb];
        double[] tl = new double[pb * d];
        double[] tu = new double[pb * d];
        for (int q = 0; q < bN; q++) {
            double hx = h[q]; // linear margin at x: h + w^T (x - z)
            for (int k = 0; k < d; k++) {
                hx += w[q * d + k] * (x0[q * d + k] - z[q * d + k]);
            }
            fill(a, r, tl, tu, q, z, w, h[q], q, d, lo, hi);
            fill(a, r, tl, tu, bN + q, x0, w, hx, q, d, lo, hi);
        }
        DualProblem p = DualProblem.builder(new Tensor(Shape.of(pb, 1, d), a), new Tensor(Shape.of(pb, 1), r))
                .box(new Tensor(Shape.of(pb, d), tl), new Tensor(Shape.of(pb, d), tu)).objective(norm).build();
        DualSolutions sol = backend.solveDual(p, Tensor.zeros(pb, 1), backend.dualDefaults());
        double[] d1 = new double[bN * d];
        double[] d2 = new double[bN * d];
        for (int q = 0; q < bN; q++) {
            System.arraycopy(sol.get(q).t(), 0, d1, q * d, d);
            System.arraycopy(sol.get(bN + q).t(), 0, d2, q * d, d);
        }
        return new double[][] {d1, d2};
    }

    /**
     * Problem {@code b}: move the point {@code p} (row {@code q} of {@code pts}) onto the hyperplane whose
     * linear margin at {@code p} is {@code hp}: {@code sigma w^T t >= -sigma hp}, {@code sigma = -sign(hp)}
     * (0 when {@code hp = 0}), {@code t in [lo - p, hi - p]}.
     */
    private static void fill(double[] a, double[] r, double[] tl, double[] tu, int b, double[] pts, double[] w, double hp,
                             int q, int d, double lo, double hi) {
        double sigma = hp < 0 ? 1 : -1;
        r[b] = hp == 0 ? 0 : Math.abs(hp);
        for (int k = 0; k < d; k++) {
            double p = pts[q * d + k];
            a[b * d + k] = sigma * w[q * d + k];
            tl[b * d + k] = lo - p;
            tu[b * d + k] = hi - p;
        }
    }

    /**
     * Secant steps on the segment {@code x -> best} for the verified samples with a positive norm, one
     * batched forward pass per step; updates {@code best}, its logits and its norm in place.
     */
    private void finalSearch(Backend backend, double[] xd, double[] x0Logits, double[] best, double[] bestLogits,
                             double[] bestNorm, int[] todo, int[] classes, Shape in, int d, int c) {
        int[] idx = Arrays.stream(todo).filter(i -> bestNorm[i] < Double.POSITIVE_INFINITY).toArray();
        int m = idx.length;
        if (m == 0 || finalSearchSteps == 0) {
            return;
        }
        double[] sLo = new double[m];
        double[] sHi = new double[m];
        double[] mLo = new double[m]; // f_y - f_c at the low end (> 0)
        double[] mHi = new double[m]; // f_c - f_y at the high end (> 0)
        double[] end = new double[m * d];
        int[] cHi = new int[m];
        for (int a = 0; a < m; a++) {
            int i = idx[a];
            System.arraycopy(best, i * d, end, a * d, d);
            sHi[a] = 1;
            cHi[a] = argmax(bestLogits, i, c);
            mLo[a] = x0Logits[i * c + classes[i]] - x0Logits[i * c + cHi[a]];
            mHi[a] = bestLogits[i * c + cHi[a]] - bestLogits[i * c + classes[i]];
        }
        double[] pts = new double[m * d];
        double[] s = new double[m];
        for (int step = 0; step < finalSearchSteps; step++) {
            for (int a = 0; a < m; a++) {
                int i = idx[a];
                double t = mLo[a] / (mLo[a] + mHi[a]);
                if (!(t >= 0 && t <= 1)) {
                    t = 1; // the reference's guard
                }
                double sec = sLo[a] + t * (sHi[a] - sLo[a]);
                s[a] = Math.min(sHi[a], sec + SEARCH_PUSH * (sHi[a] - sLo[a]));
                for (int k = 0; k < d; k++) {
                    pts[a * d + k] = xd[i * d + k] + s[a] * (end[a * d + k] - xd[i * d + k]);
                }
            }
            double[] lg = backend.forward(new Tensor(in.withBatch(m), pts.clone())).data();
            for (int a = 0; a < m; a++) {
                int i = idx[a];
                int y = classes[i];
                if (adversarialMargin(lg, a, c, y) > 0) {
                    sHi[a] = s[a];
                    cHi[a] = argmax(lg, a, c);
                    mHi[a] = lg[a * c + cHi[a]] - lg[a * c + y];
                    System.arraycopy(pts, a * d, best, i * d, d);
                    System.arraycopy(lg, a * c, bestLogits, i * c, c);
                    bestNorm[i] = distance(norm, best, xd, i * d, d);
                } else {
                    sLo[a] = s[a];
                    mLo[a] = lg[a * c + y] - lg[a * c + cHi[a]];
                }
            }
        }
    }

    /** {@code max_{j != y} f_j - f_y} of row {@code q}: positive means adversarial. */
    static double adversarialMargin(double[] logits, int q, int c, int y) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) {
            if (j != y) {
                mx = Math.max(mx, logits[q * c + j]);
            }
        }
        return mx - logits[q * c + y];
    }

    private static int argmax(double[] logits, int q, int c) {
        int arg = 0;
        for (int j = 1; j < c; j++) {
            if (logits[q * c + j] > logits[q * c + arg]) {
                arg = j;
            }
        }
        return arg;
    }

    /** {@code ||v[off..off+len)||} in the given norm ({@link Objective#norm}). */
    static double norm(Objective o, double[] v, int off, int len) {
        return o.norm(v, off, len);
    }

    /** {@code ||u - v||} over {@code [off, off + len)} in the given norm. */
    static double distance(Objective o, double[] u, double[] v, int off, int len) {
        double[] e = new double[len];
        for (int k = 0; k < len; k++) {
            e[k] = u[off + k] - v[off + k];
        }
        return norm(o, e, 0, len);
    }
}
