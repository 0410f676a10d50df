package org.lde.metrics;

import java.util.Objects;
import java.util.stream.IntStream;
import org.lde.engine.Backend;
import org.lde.engine.Evaluation;
import org.lde.engine.Recorded;
import org.lde.explain.baseline.Batched;
import org.lde.explain.baseline.ImageView;
import org.lde.tensor.Tensor;

/**
 * The Wasserstein attack of Wong, Schmidt and Kolter (2019): projected gradient ascent on the
 * softmax cross-entropy of the true label, with a fixed budget {@code eps} on the transport cost,
 * batched over samples (one recorded forward and one reverse pass per step).
 *
 * <p>Each step, for samples not yet fooled: {@code z += alpha g / ||g||_2} (the paper's code's
 * default {@code l2} step), then {@code z = M proj_W(x / M, z / M)} with {@code M = sum x} the
 * image's mass and {@code proj_W} the projected-Sinkhorn projection onto the ball of radius
 * {@code eps} around {@code x / M} ({@link SinkhornProjection}; so {@code eps} is a transport cost
 * per unit of mass, as in the paper), then a clip to the data box {@code [lo, hi]} (as the paper's
 * code does; the clip may remove mass above {@code hi}, so a clipped point can lie slightly outside
 * the ball: the result states how many were clipped). Every iterate is checked with a forward
 * pass; the first misclassified one is kept. Inputs must lie in the box and be non-negative
 * (masses). Unlike the paper's code, {@code eps} does not grow during the attack: this measures
 * accuracy at a stated budget.
 */
public final class WassersteinAttack {
    private final double eps;
    private final double stepSize;
    private final int steps;
    private final SinkhornProjection.Options projection;

    /**
     * @param eps      transport-cost budget per unit of mass ({@code >= 0})
     * @param stepSize {@code alpha}, the L2 length of each gradient step in input units
     */
    public WassersteinAttack(double eps, double stepSize, int steps, SinkhornProjection.Options projection) {
        if (!(eps >= 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("Wasserstein budget eps must be finite and >= 0, got " + eps);
        }
        if (!(stepSize > 0) || !Double.isFinite(stepSize)) {
            throw new IllegalArgumentException("Wasserstein attack step size alpha must be positive and finite, got " + stepSize);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("Wasserstein attack steps must be >= 1, got " + steps);
        }
        this.eps = eps;
        this.stepSize = stepSize;
        this.steps = steps;
        this.projection = Objects.requireNonNull(projection, "projection");
    }

    /**
     * {@code steps} steps of {@code alpha = 0.1} (the paper's), lambda 1000, 5x5 window, p = 2, projections
     * solved until the plan's rows are within {@code 1e-4} of the mass (at most 2000 iterations).
     */
    public static WassersteinAttack of(double eps, int steps) {
        return new WassersteinAttack(eps, 0.1, steps, SinkhornProjection.Options.defaults().withMaxIterations(2000).withTolerance(1e-4));
    }

    public String describe() {
        return String.format(java.util.Locale.ROOT,
                "wasserstein(eps=%s per unit mass, alpha=%s, steps=%d, lambda=%s, window=%d, p=%s, rowTol=%s, maxSinkhornIters=%d)",
                eps, stepSize, steps, projection.lambda(), projection.kernelSize(), projection.p(), projection.tolerance(),
                projection.maxIterations());
    }

    /** The attack's points, and per sample the transport cost per unit mass of the last projection's plan and whether the box clip changed it. */
    public record Result(AttackResult attack, double[] planCost, boolean[] clipped) {
        public Result {
            Objects.requireNonNull(attack, "attack");
            planCost = planCost.clone();
            clipped = clipped.clone();
        }

        @Override
        public double[] planCost() {
            return planCost.clone();
        }

        @Override
        public boolean[] clipped() {
            return clipped.clone();
        }

        /** How many kept points the box clip changed. */
        public int clippedCount() {
            int k = 0;
            for (boolean b : clipped) {
                k += b ? 1 : 0;
            }
            return k;
        }
    }

    public Result run(Backend backend, Tensor x, int[] labels) {
        Batched.checkAttributionInput(backend, x, labels);
        double lo = backend.network().lo();
        double hi = backend.network().hi();
        Pgd.requireInBox(x, lo, hi);
        ImageView view = ImageView.of(backend.network().inputShape());
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        double[] xd = x.data();
        double[] mass = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double v = xd[i * d + j];
                if (v < 0) {
                    throw new IllegalArgumentException("the Wasserstein attack treats inputs as masses, but sample " + i
                            + " has the negative value " + v + " at feature " + j);
                }
                mass[i] += v;
            }
            if (!(mass[i] > 0)) {
                throw new IllegalArgumentException("the Wasserstein attack needs inputs with positive mass; sample " + i + " is all zero");
            }
        }
        SinkhornProjection proj = new SinkhornProjection(view.channels(), view.height(), view.width(), projection);
        double[] z = xd.clone();
        double[] best = xd.clone();
        double[] cost = new double[n];
        double[] bestCost = new double[n];
        boolean[] clip = new boolean[n];
        boolean[] bestClip = new boolean[n];
        boolean[] fooled = new boolean[n];
        for (int step = 0; step <= steps; step++) {
            double[] g;
            try (Recorded rec = backend.forwardRecorded(new Tensor(x.shape(), z.clone()))) {
                int[] now = Evaluation.argmax(rec.logits());
                for (int i = 0; i < n; i++) {
                    if (!fooled[i] && now[i] != labels[i]) {
                        fooled[i] = true;
                        System.arraycopy(z, i * d, best, i * d, d);
                        bestCost[i] = cost[i];
                        bestClip[i] = clip[i];
                    }
                }
                if (step == steps) {
                    break;
                }
                g = backend.reverse(rec, Pgd.crossEntropySeeds(rec.logits(), labels)).data();
            }
            final double[] grad = g;
            // The projections are independent per sample: run them in parallel (deterministic).
            IntStream.range(0, n).parallel().filter(i -> !fooled[i]).forEach(i -> {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += grad[i * d + j] * grad[i * d + j];
                }
                double f = s > 0 ? stepSize / Math.sqrt(s) : 0;
                double[] xc = new double[d];
                double[] wc = new double[d];
                for (int j = 0; j < d; j++) {
                    xc[j] = xd[i * d + j] / mass[i];
                    wc[j] = (z[i * d + j] + f * grad[i * d + j]) / mass[i];
                }
                SinkhornProjection.Result r = proj.project(xc, wc, eps);
                double[] p = r.z();
                boolean changed = false;
                for (int j = 0; j < d; j++) {
                    double v = p[j] * mass[i];
                    double c = Math.min(hi, Math.max(lo, v));
                    changed |= c != v;
                    z[i * d + j] = c;
                }
                cost[i] = r.planCost();
                clip[i] = changed;
            });
        }
        for (int i = 0; i < n; i++) {
            if (!fooled[i]) {
                System.arraycopy(z, i * d, best, i * d, d);
                bestCost[i] = cost[i];
                bestClip[i] = clip[i];
            }
        }
        int[] finalCls = Evaluation.argmax(backend.forward(new Tensor(x.shape(), best)));
        return new Result(Pgd.finish(describe(), x, best, labels, finalCls, n, d), bestCost, bestClip);
    }
}
