package org.lde.metrics;

import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.explain.baseline.Batched;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;

/**
 * Projected gradient descent (Madry et al. 2018), untargeted, on the softmax cross-entropy of the
 * true label, batched over samples (one recorded forward and one reverse pass per step, seeds
 * {@code softmax(f(z)) - e_label}). The feasible set is the budget ball around {@code x}
 * intersected with the data box {@code [lo, hi]^d} of the network:
 * <ul>
 * <li>L_inf: step {@code z += alpha sign(g)}, projection {@code clip(z, max(lo, x - eps), min(hi, x + eps))};</li>
 * <li>L2: step {@code z += alpha g / ||g||} (no step where {@code g = 0}), and the exact Euclidean
 *     projection onto ball and box, {@code p(mu) = clip((z + mu x) / (1 + mu), lo, hi)} with the
 *     smallest {@code mu >= 0} that gives {@code ||p - x|| <= eps} (bisection; the result is always
 *     feasible).</li>
 * </ul>
 * A random start draws {@code z_0} uniformly from the L_inf ball, or from the L2 ball (uniform
 * direction, radius {@code eps U^(1/d)}), then projects. Every iterate is checked with a forward
 * pass; the result keeps the first iterate that is misclassified (or the last iterate when none
 * is). Inputs must lie in the data box.
 */
public final class Pgd {
    public enum Norm { LINF, L2 }

    private final Norm norm;
    private final double eps;
    private final double stepSize;
    private final int steps;
    private final boolean randomStart;
    private final long seed;

    /**
     * @param stepSize {@code alpha}; a common choice is {@code 2.5 eps / steps}
     */
    public Pgd(Norm norm, double eps, double stepSize, int steps, boolean randomStart, long seed) {
        this.norm = Objects.requireNonNull(norm, "norm");
        checkBudgetAndSteps(eps, steps);
        if (!(stepSize > 0) || !Double.isFinite(stepSize)) {
            throw new IllegalArgumentException("PGD step size alpha must be positive and finite, got " + stepSize);
        }
        this.eps = eps;
        this.stepSize = stepSize;
        this.steps = steps;
        this.randomStart = randomStart;
        this.seed = seed;
    }

    /** {@code steps} steps of size {@code 2.5 eps / steps}, random start, seed 1. */
    public static Pgd of(Norm norm, double eps, int steps) {
        checkBudgetAndSteps(eps, steps); // before the step size is derived from them
        return new Pgd(norm, eps, eps > 0 ? 2.5 * eps / steps : 1e-3, steps, true, 1);
    }

    /** The budget (finite, {@code >= 0}) and the count of steps ({@code >= 1}), each named in its own message. */
    private static void checkBudgetAndSteps(double eps, int steps) {
        if (!(eps >= 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("PGD budget eps must be finite and >= 0, got " + eps);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("PGD steps (the number of gradient steps) must be >= 1, got " + steps);
        }
    }

    public String describe() {
        return String.format("pgd-%s(eps=%s, alpha=%s, steps=%d, randomStart=%s, seed=%d)",
                norm == Norm.LINF ? "linf" : "l2", eps, stepSize, steps, randomStart, seed);
    }

    public AttackResult run(Backend backend, Tensor x, int[] labels) {
        Batched.checkAttributionInput(backend, x, labels);
        double lo = backend.network().lo();
        double hi = backend.network().hi();
        requireInBox(x, lo, hi);
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        double[] xd = x.data();
        double[] z = xd.clone();
        boolean[] fooled = new boolean[n];
        double[] best = xd.clone();
        int[] cls = Evaluation.argmax(backend.forward(x));
        for (int i = 0; i < n; i++) {
            fooled[i] = cls[i] != labels[i];
        }
        if (randomStart && eps > 0) {
            Rng rng = new Rng(seed);
            for (int i = 0; i < n; i++) {
                if (norm == Norm.LINF) {
                    for (int j = 0; j < d; j++) {
                        z[i * d + j] += rng.uniform(-eps, eps);
                    }
                } else {
                    double[] u = new double[d];
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        u[j] = rng.gaussian();
                        s += u[j] * u[j];
                    }
                    double rad = eps * Math.pow(rng.uniform(), 1.0 / d) / Math.sqrt(s);
                    for (int j = 0; j < d; j++) {
                        z[i * d + j] += rad * u[j];
                    }
                }
                project(z, xd, i * d, d, lo, hi);
            }
        }
        for (int step = 0; step <= steps; step++) {
            Tensor zt = new Tensor(x.shape(), z.clone());
            double[] g;
            int[] now;
            try (Recorded rec = backend.forwardRecorded(zt)) {
                Tensor logits = rec.logits();
                now = Evaluation.argmax(logits);
                for (int i = 0; i < n; i++) {
                    if (!fooled[i] && now[i] != labels[i]) {
                        fooled[i] = true;
                        cls[i] = now[i];
                        System.arraycopy(z, i * d, best, i * d, d);
                    }
                }
                if (step == steps) {
                    break;
                }
                g = backend.reverse(rec, crossEntropySeeds(logits, labels)).data();
            }
            for (int i = 0; i < n; i++) {
                if (norm == Norm.LINF) {
                    for (int j = 0; j < d; j++) {
                        z[i * d + j] += stepSize * Math.signum(g[i * d + j]);
                    }
                } else {
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        s += g[i * d + j] * g[i * d + j];
                    }
                    if (s > 0) {
                        double f = stepSize / Math.sqrt(s);
                        for (int j = 0; j < d; j++) {
                            z[i * d + j] += f * g[i * d + j];
                        }
                    }
                }
                project(z, xd, i * d, d, lo, hi);
            }
        }
        for (int i = 0; i < n; i++) {
            if (!fooled[i]) {
                System.arraycopy(z, i * d, best, i * d, d);
            }
        }
        int[] finalCls = Evaluation.argmax(backend.forward(new Tensor(x.shape(), best)));
        return finish(describe(), x, best, labels, finalCls, n, d);
    }

    /**
     * The seeds {@code softmax(f(z)) - e_label} ({@code [N, 1, C]}) whose reverse pass is the input
     * gradient of the softmax cross-entropy of the labels.
     */
    static Tensor crossEntropySeeds(Tensor logits, int[] labels) {
        int n = logits.shape().dim(0);
        int c = logits.shape().dim(1);
        Tensor p = Batched.softmax(logits);
        for (int i = 0; i < n; i++) {
            p.data()[i * c + labels[i]] -= 1;
        }
        return p.reshape(n, 1, c);
    }

    static AttackResult finish(String what, Tensor x, double[] adv, int[] labels, int[] cls, int n, int d) {
        boolean[] fooled = new boolean[n];
        double[] l2 = new double[n];
        double[] linf = new double[n];
        for (int i = 0; i < n; i++) {
            fooled[i] = cls[i] != labels[i];
            for (int j = 0; j < d; j++) {
                double e = adv[i * d + j] - x.data()[i * d + j];
                l2[i] += e * e;
                linf[i] = Math.max(linf[i], Math.abs(e));
            }
            l2[i] = Math.sqrt(l2[i]);
        }
        return new AttackResult(what, new Tensor(x.shape(), adv), fooled, cls, l2, linf);
    }

    /** Projects {@code z[off .. off + d)} onto the budget ball around {@code x} intersected with the box. */
    void project(double[] z, double[] x, int off, int d, double lo, double hi) {
        if (norm == Norm.LINF) {
            for (int j = off; j < off + d; j++) {
                z[j] = Math.min(Math.min(hi, x[j] + eps), Math.max(Math.max(lo, x[j] - eps), z[j]));
            }
            return;
        }
        projectL2Box(z, x, off, d, eps, lo, hi);
    }

    /**
     * Exact Euclidean projection onto {@code {p : ||p - x|| <= eps} and [lo, hi]^d} (x inside the
     * box): {@code p(mu) = clip((z + mu x) / (1 + mu), lo, hi)}, smallest feasible {@code mu >= 0}
     * by bisection (60 halvings after bracketing); the returned point is feasible.
     */
    static void projectL2Box(double[] z, double[] x, int off, int d, double eps, double lo, double hi) {
        double[] zc = java.util.Arrays.copyOfRange(z, off, off + d);
        if (dist(zc, x, off, d, 0, lo, hi) <= eps) {
            for (int j = 0; j < d; j++) {
                z[off + j] = Math.min(hi, Math.max(lo, zc[j]));
            }
            return;
        }
        double a = 0;
        double b = 1;
        while (dist(zc, x, off, d, b, lo, hi) > eps) {
            a = b;
            b *= 2;
            if (b > 1e300) {
                break;
            }
        }
        for (int it = 0; it < 60; it++) {
            double m = (a + b) / 2;
            if (dist(zc, x, off, d, m, lo, hi) > eps) {
                a = m;
            } else {
                b = m;
            }
        }
        for (int j = 0; j < d; j++) {
            z[off + j] = Math.min(hi, Math.max(lo, (zc[j] + b * x[off + j]) / (1 + b)));
        }
        // guard against rounding: scale toward x if still a hair outside
        double dd = 0;
        for (int j = 0; j < d; j++) {
            double e = z[off + j] - x[off + j];
            dd += e * e;
        }
        dd = Math.sqrt(dd);
        if (dd > eps) {
            double f = eps / dd;
            for (int j = 0; j < d; j++) {
                z[off + j] = x[off + j] + f * (z[off + j] - x[off + j]);
            }
        }
    }

    private static double dist(double[] zc, double[] x, int off, int d, double mu, double lo, double hi) {
        double s = 0;
        for (int j = 0; j < d; j++) {
            double p = Math.min(hi, Math.max(lo, (zc[j] + mu * x[off + j]) / (1 + mu)));
            double e = p - x[off + j];
            s += e * e;
        }
        return Math.sqrt(s);
    }

    static void requireInBox(Tensor x, double lo, double hi) {
        double[] d = x.data();
        for (int i = 0; i < d.length; i++) {
            if (d[i] < lo || d[i] > hi) {
                throw new IllegalArgumentException("input value " + d[i] + " at flat index " + i + " lies outside the data box ["
                        + lo + ", " + hi + "]; attacks need inputs inside it");
            }
        }
    }
}
