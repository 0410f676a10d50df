package org.lde.certify;

import java.util.Arrays;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.bound.Norm;
import org.lde.model.Network;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Certified bounds and the certified radius of METHOD.md section 7, batched over samples,
 * specification rows and radii.
 *
 * <p><b>The set.</b> For a sample {@code x} and radius {@code eps}: L_inf, the box
 * {@code [max(x - eps, lo), min(x + eps, hi)]} (the ball intersected with the domain
 * {@code [lo, hi]^d}); L2, the ball {@code ||x' - x||_2 <= eps}, not intersected with the domain
 * (as auto_LiRPA). The domain defaults to the network's.
 *
 * <p><b>The methods</b> ({@link Method}): IBP; CROWN (back-substitution for every intermediate layer,
 * intersected with IBP, which is sound and never looser); CROWN-IBP; alpha-CROWN (CROWN's
 * intermediate bounds, lower ReLU/LeakyReLU slopes of the last back-substitution optimized per specification
 * row, the best iterate kept, so never looser than CROWN).
 *
 * <p><b>What is sound, and why.</b> Each method bounds every {@code x'} in the set: IBP by interval
 * arithmetic, CROWN by linear lines that lie below (or above) each activation (ReLU, LeakyReLU,
 * sigmoid, tanh) and MaxPool on its input interval, chained through exact transposes of the affine
 * layers (on graphs: summed over the readers of every fork), concretized exactly over the set. The
 * arithmetic is float64 on the host with round-to-nearest; nothing is rounded outward (except the
 * sigmoid/tanh lines, moved out by a relative 1e-12 to cover their own rounding), so a bound
 * is exact for the relaxation up to float64 rounding (relative errors around {@code 1e-16} times the
 * magnitudes summed, far below the radius tolerance). The IBP and backward passes come from the
 * {@link Backend} ({@code intervals}, and {@code boundLower}: the backward pass with its concretization); their
 * default is the float64 reference for every backend (a {@code GpuBackend} runs them as float64 kernels), and
 * alpha-CROWN's ascent always runs in float64 here.
 * Soundness is tested on sampled and attacked points, and against exact minimal perturbations of
 * small networks ({@code CertifySoundnessTest}).
 */
public final class Certifier {
    /** The options as the engine reads them. */
    record Settings(Method method, Norm norm, double lo, double hi, int alphaIterations, double alphaLearningRate,
                    long memoryBudget) {
    }

    private final Method method;
    private final Norm norm;
    private final double lo;
    private final double hi;
    private final boolean domainGiven;
    private final int alphaIterations;
    private final double alphaLearningRate;
    private final long memoryBudget;

    private Certifier(Builder b) {
        this.method = b.method;
        this.norm = b.norm;
        this.lo = b.lo;
        this.hi = b.hi;
        this.domainGiven = b.domainGiven;
        this.alphaIterations = b.alphaIterations;
        this.alphaLearningRate = b.alphaLearningRate;
        this.memoryBudget = b.memoryBudget;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Method method() {
        return method;
    }

    public Norm norm() {
        return norm;
    }

    public int alphaIterations() {
        return alphaIterations;
    }

    public double alphaLearningRate() {
        return alphaLearningRate;
    }

    private Settings settings(Network net) {
        return new Settings(method, norm, domainGiven ? lo : net.lo(), domainGiven ? hi : net.hi(), alphaIterations,
                alphaLearningRate, memoryBudget);
    }

    /** The domain {@code [lo, hi]} used for this network. */
    public double[] domain(Network net) {
        Settings s = settings(net);
        return new double[] {s.lo(), s.hi()};
    }

    /**
     * Bounds on the specification over the set of every sample and radius.
     *
     * @param x {@code [N, inputShape...]}, inside the domain
     * @param eps {@code E >= 1} radii, each finite and {@code >= 0}
     * @return {@code lower, upper [N, E, R]}
     */
    public BoundResult bounds(Backend backend, Tensor x, Specification spec, double... eps) {
        Network net = backend.network();
        Settings s = settings(net);
        int n = checkInputs(net, x, s);
        if (eps.length == 0) {
            throw new IllegalArgumentException("give at least one eps");
        }
        for (double e : eps) {
            checkEps(e);
        }
        int classes = net.outputSize();
        spec.check(n, classes);
        int[] predicted = predicted(backend, x);
        int rows = spec.rows(classes);
        int m = n * eps.length;
        double[][] xs = new double[m][];
        double[] es = new double[m];
        double[][] specs = new double[m][];
        int[] anchors = new int[n];
        int d = net.inputSize();
        for (int i = 0; i < n; i++) {
            anchors[i] = spec.anchor(i, predicted);
            double[] xi = Arrays.copyOfRange(x.data(), i * d, (i + 1) * d);
            double[] si = Specification.matrix(anchors[i], classes);
            for (int e = 0; e < eps.length; e++) {
                xs[i * eps.length + e] = xi;
                es[i * eps.length + e] = eps[e];
                specs[i * eps.length + e] = si;
            }
        }
        double[][] lu = new BoundEngine(backend, s).specBounds(xs, es, specs, rows, true);
        Shape sh = Shape.of(n, eps.length, rows);
        return new BoundResult(new Tensor(sh, lu[0]), new Tensor(sh, lu[1]), anchors, eps.clone(), method, norm);
    }

    /** {@link #bounds(Backend, Tensor, Specification, double...)} on the float64 reference backend. */
    public BoundResult bounds(Network net, Tensor x, Specification spec, double... eps) {
        try (Backend b = Backends.cpu(net)) {
            return bounds(b, x, spec, eps);
        }
    }

    /**
     * The node bounds this certifier's method uses for each sample at radius {@code eps}: IBP's for IBP
     * and CROWN-IBP; for CROWN and alpha-CROWN, the CROWN bounds of the input node of every activation and
     * MaxPool layer (other nodes unset). For inspection and for independent checks (an LP relaxation
     * with the same intermediate bounds).
     */
    public java.util.List<org.lde.engine.bound.NodeBounds> nodeBounds(Backend backend, Tensor x, double eps) {
        Network net = backend.network();
        Settings s = settings(net);
        int n = checkInputs(net, x, s);
        checkEps(eps);
        int d = net.inputSize();
        double[][] xs = new double[n][];
        double[] es = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = Arrays.copyOfRange(x.data(), i * d, (i + 1) * d);
            es[i] = eps;
        }
        return new BoundEngine(backend, s).nodeBounds(xs, es, 0, n);
    }

    /**
     * The certified radius {@code r_lo} of each sample (METHOD.md sections 4 and 7): the largest
     * {@code eps} found by bisection at which every margin lower bound of {@code labels[n]} over the
     * other classes is {@code > 0}. Batched: every bisection step bounds all unfinished samples at their
     * own midpoints in one call. The returned value was itself certified (the lower end of the final
     * bracket, whose upper end was not, or {@code maxEps} when that is certified), so it is sound
     * whatever the tolerance; the method's own largest certifiable radius lies within
     * {@code options.tolerance()} above it when certification is monotone in {@code eps} (it is for IBP;
     * for the linear relaxations it is in practice). {@code 0} when the margins are not positive at
     * {@code x} itself (for instance, a label that is not the predicted class).
     *
     * @param labels per sample the class to certify (e.g. the predicted class, or the true label)
     */
    public double[] certifiedRadius(Backend backend, Tensor x, int[] labels, RadiusOptions options) {
        Network net = backend.network();
        Settings s = settings(net);
        int n = checkInputs(net, x, s);
        int classes = net.outputSize();
        Specification.labelMargins(labels).check(n, classes);
        double max = Double.isNaN(options.maxEps())
                ? (norm == Norm.LINF ? s.hi() - s.lo() : Math.sqrt(net.inputSize()) * (s.hi() - s.lo())) : options.maxEps();
        int d = net.inputSize();
        double[][] xs = new double[n][];
        double[][] specs = new double[n][];
        for (int i = 0; i < n; i++) {
            xs[i] = Arrays.copyOfRange(x.data(), i * d, (i + 1) * d);
            specs[i] = Specification.matrix(labels[i], classes);
        }
        BoundEngine engine = new BoundEngine(backend, s);
        double[] low = new double[n];
        double[] high = new double[n];
        boolean[] done = new boolean[n];
        // The ends: eps = 0 (the margins at x) and eps = max.
        boolean[] at0 = certifiedAt(engine, xs, specs, classes - 1, all(n), new double[n]);
        double[] maxes = new double[n];
        Arrays.fill(maxes, max);
        boolean[] atMax = certifiedAt(engine, xs, specs, classes - 1, all(n), maxes);
        for (int i = 0; i < n; i++) {
            high[i] = max;
            if (!at0[i]) {
                done[i] = true;
            } else if (atMax[i]) {
                low[i] = max;
                done[i] = true;
            }
        }
        while (true) {
            int[] active = java.util.stream.IntStream.range(0, n).filter(i -> !done[i] && high[i] - low[i] > options.tolerance())
                    .toArray();
            if (active.length == 0) {
                break;
            }
            double[] mid = new double[n];
            for (int i : active) {
                mid[i] = 0.5 * (low[i] + high[i]);
            }
            boolean[] ok = certifiedAt(engine, xs, specs, classes - 1, active, mid);
            for (int i : active) {
                if (ok[i]) {
                    low[i] = mid[i];
                } else {
                    high[i] = mid[i];
                }
            }
        }
        return low;
    }

    /** {@link #certifiedRadius(Backend, Tensor, int[], RadiusOptions)} on the float64 reference backend. */
    public double[] certifiedRadius(Network net, Tensor x, int[] labels, RadiusOptions options) {
        try (Backend b = Backends.cpu(net)) {
            return certifiedRadius(b, x, labels, options);
        }
    }

    private static int[] all(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    /** Whether every margin lower bound is {@code > 0} for the listed samples at {@code eps[i]}. */
    private static boolean[] certifiedAt(BoundEngine engine, double[][] xs, double[][] specs, int rows, int[] which, double[] eps) {
        int m = which.length;
        double[][] x = new double[m][];
        double[][] sp = new double[m][];
        double[] e = new double[m];
        for (int j = 0; j < m; j++) {
            x[j] = xs[which[j]];
            sp[j] = specs[which[j]];
            e[j] = eps[which[j]];
        }
        double[] lower = engine.specBounds(x, e, sp, rows, false)[0];
        boolean[] ok = new boolean[xs.length];
        for (int j = 0; j < m; j++) {
            boolean all = true;
            for (int r = 0; r < rows; r++) {
                all &= lower[j * rows + r] > 0;
            }
            ok[which[j]] = all;
        }
        return ok;
    }

    /** The predicted classes (arg-max of the backend's logits; the first maximal one on ties). */
    static int[] predicted(Backend backend, Tensor x) {
        Tensor logits = backend.forward(x);
        int n = logits.shape().dim(0);
        int c = logits.shape().dim(1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (logits.data()[i * c + j] > logits.data()[i * c + best]) {
                    best = j;
                }
            }
            y[i] = best;
        }
        return y;
    }

    private static int checkInputs(Network net, Tensor x, Settings s) {
        Shape want = net.inputShape();
        Shape got = x.shape();
        if (got.rank() != want.rank() + 1 || !got.dropFirst().equals(want)) {
            throw new IllegalArgumentException("inputs of shape " + got + " do not match the network's [N, " + want + "]");
        }
        x.requireFinite("certify: inputs");
        double[] v = x.data();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < s.lo() || v[i] > s.hi()) {
                throw new IllegalArgumentException("input value " + v[i] + " at flat index " + i + " is outside the domain ["
                        + s.lo() + ", " + s.hi() + "]");
            }
        }
        return got.dim(0);
    }

    private static void checkEps(double e) {
        if (!(e >= 0) || !Double.isFinite(e)) {
            throw new IllegalArgumentException("eps must be finite and >= 0, got " + e);
        }
    }

    /** Options with the defaults a user would choose: CROWN, L_inf, the network's domain, 20 Adam steps of 0.1. */
    public static final class Builder {
        private Method method = Method.CROWN;
        private Norm norm = Norm.LINF;
        private double lo;
        private double hi = 1;
        private boolean domainGiven;
        private int alphaIterations = 20;
        private double alphaLearningRate = 0.1;
        private long memoryBudget = 16L << 20;

        private Builder() {
        }

        public Builder method(Method m) {
            this.method = java.util.Objects.requireNonNull(m, "method");
            return this;
        }

        public Builder norm(Norm n) {
            this.norm = java.util.Objects.requireNonNull(n, "norm");
            return this;
        }

        /** The data domain {@code [lo, hi]} (default: the network's). */
        public Builder domain(double lo, double hi) {
            if (!(lo < hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
                throw new IllegalArgumentException("domain [" + lo + ", " + hi + "] must be finite with lo < hi");
            }
            this.lo = lo;
            this.hi = hi;
            this.domainGiven = true;
            return this;
        }

        /** Adam steps of alpha-CROWN (default 20, as auto_LiRPA); 0 gives CROWN. */
        public Builder alphaIterations(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("alpha iterations must be >= 0, got " + n);
            }
            this.alphaIterations = n;
            return this;
        }

        /** Adam learning rate of alpha-CROWN (default 0.1, as auto_LiRPA). */
        public Builder alphaLearningRate(double lr) {
            if (!(lr > 0) || !Double.isFinite(lr)) {
                throw new IllegalArgumentException("alpha learning rate must be positive and finite, got " + lr);
            }
            this.alphaLearningRate = lr;
            return this;
        }

        /** Doubles of back-substitution rows held at once (default 16 Mi, 128 MiB); chunks are sized to fit. */
        public Builder memoryBudget(long doubles) {
            if (doubles < 1) {
                throw new IllegalArgumentException("memory budget must be positive, got " + doubles);
            }
            this.memoryBudget = doubles;
            return this;
        }

        public Certifier build() {
            return new Certifier(this);
        }
    }
}
