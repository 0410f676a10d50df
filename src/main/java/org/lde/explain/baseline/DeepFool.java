package org.lde.explain.baseline;

import java.util.Arrays;
import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.explain.Attributor;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;

/**
 * DeepFool (Moosavi-Dezfooli et al. 2016), the classic multi-class L2 version, batched over
 * samples. With {@code y} the class to move away from, {@code r} the accumulated step and
 * {@code z_i = x + (1 + overshoot) r} (clipped to the data domain {@code [lo, hi]} only when
 * {@link #withClipToDomain} is on; the classic method does not clip):
 *
 * <pre>
 *   while argmax f(z_i) == y and i &lt; maxIterations:
 *     w_k = grad f_k(z_i) - grad f_y(z_i),  g_k = f_k(z_i) - f_y(z_i)     (k != y; one reverse pass, C-1 seeds)
 *     l   = argmin_k |g_k| / ||w_k||
 *     r  += (|g_l| / ||w_l|| + 1e-4) w_l / ||w_l||                       (the authors' code adds 1e-4)
 * </pre>
 *
 * The perturbation is {@code delta = z - x} ({@code (1 + overshoot) r} without clipping). A point
 * is <b>verified</b> only when a forward pass of the real network at {@code x + delta} gives a class
 * other than {@code y} (METHOD.md section 4). For a linear binary model, one step reaches
 * {@code delta = (1 + overshoot)(|g| / ||w|| + 1e-4) w / ||w||}, the closed-form minimal
 * perturbation times the overshoot. All not-yet-flipped samples are advanced together (one
 * recorded forward pass and one reverse pass per iteration).
 *
 * <p>A sample whose class at {@code x} is already not {@code y} needs no step: its perturbation is
 * zero and it counts as verified (the forward pass at {@code x} confirms it).
 *
 * <p>As an {@link Attributor}, DeepFool returns the perturbation {@code delta}: it points away
 * from class {@code y}, so under signed ranking the features it most wants to <em>raise</em> come
 * first.
 */
public final class DeepFool implements Attributor {
    /** The slack added to every step's length, as in the authors' reference code. */
    public static final double STEP_SLACK = 1e-4;

    /**
     * Per sample: the perturbation {@code delta} and the point {@code x + delta}
     * ({@code [N, inputShape...]}), whether a forward pass verified the flip, the class there, the
     * iterations used and {@code ||delta||_2}.
     */
    public record Result(Tensor perturbation, Tensor adversarial, boolean[] verified, int[] adversarialClass,
                         int[] iterations, double[] norms) {
        public Result {
            Objects.requireNonNull(perturbation, "perturbation");
            Objects.requireNonNull(adversarial, "adversarial");
            verified = verified.clone();
            adversarialClass = adversarialClass.clone();
            iterations = iterations.clone();
            norms = norms.clone();
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
        public int[] iterations() {
            return iterations.clone();
        }

        @Override
        public double[] norms() {
            return norms.clone();
        }

        /** Number of verified samples. */
        public int verifiedCount() {
            int k = 0;
            for (boolean b : verified) {
                k += b ? 1 : 0;
            }
            return k;
        }
    }

    private final double overshoot;
    private final int maxIterations;
    private final boolean clip;

    private DeepFool(double overshoot, int maxIterations, boolean clip) {
        if (!(overshoot >= 0) || !Double.isFinite(overshoot)) {
            throw new IllegalArgumentException("DeepFool overshoot must be finite and >= 0, got " + overshoot);
        }
        Batched.requirePositive("DeepFool max iterations", maxIterations);
        this.overshoot = overshoot;
        this.maxIterations = maxIterations;
        this.clip = clip;
    }

    /** Overshoot 0.02, at most 50 iterations, no clipping (the authors' defaults). */
    public DeepFool() {
        this(0.02, 50, false);
    }

    public DeepFool withOvershoot(double o) {
        return new DeepFool(o, maxIterations, clip);
    }

    public DeepFool withMaxIterations(int m) {
        return new DeepFool(overshoot, m, clip);
    }

    /** Clip every iterate to the network's data domain {@code [lo, hi]}. */
    public DeepFool withClipToDomain(boolean on) {
        return new DeepFool(overshoot, maxIterations, on);
    }

    public double overshoot() {
        return overshoot;
    }

    @Override
    public String name() {
        return "deepfool";
    }

    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        return run(backend, x, classes).perturbation();
    }

    /** Runs DeepFool away from {@code classes[n]} for every sample. */
    public Result run(Backend backend, Tensor x, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        int c = backend.network().outputSize();
        double lo = backend.network().lo();
        double hi = backend.network().hi();
        double[] xd = x.data();
        double[] r = new double[n * d];
        double[] z = xd.clone();
        int[] iters = new int[n];
        int[] cls = new int[n];
        boolean[] done = new boolean[n];
        int[] pred = Evaluation.argmax(Batched.logits(backend, x, Batched.DEFAULT_CHUNK_ROWS));
        for (int i = 0; i < n; i++) {
            cls[i] = pred[i];
            done[i] = pred[i] != classes[i];
        }
        for (int it = 0; it < maxIterations; it++) {
            int[] active = activeIndices(done);
            if (active.length == 0) {
                break;
            }
            int m = active.length;
            double[] zb = new double[m * d];
            for (int a = 0; a < m; a++) {
                System.arraycopy(z, active[a] * d, zb, a * d, d);
            }
            Tensor seeds = Tensor.zeros(m, c - 1, c);
            for (int a = 0; a < m; a++) {
                int y = classes[active[a]];
                int s = 0;
                for (int k = 0; k < c; k++) {
                    if (k != y) {
                        seeds.data()[(a * (c - 1) + s) * c + k] = 1;
                        seeds.data()[(a * (c - 1) + s) * c + y] = -1;
                        s++;
                    }
                }
            }
            double[] logits;
            double[] w;
            try (Recorded rec = backend.forwardRecorded(new Tensor(x.shape().dropFirst().withBatch(m), zb))) {
                logits = rec.logits().data();
                w = backend.reverse(rec, seeds).data();
            }
            for (int a = 0; a < m; a++) {
                int i = active[a];
                int y = classes[i];
                double best = Double.POSITIVE_INFINITY;
                int bestS = -1;
                double bestG = 0;
                double bestNorm = 0;
                int s = 0;
                for (int k = 0; k < c; k++) {
                    if (k == y) {
                        continue;
                    }
                    double g = logits[a * c + k] - logits[a * c + y];
                    double nn = 0;
                    int off = (a * (c - 1) + s) * d;
                    for (int j = 0; j < d; j++) {
                        nn += w[off + j] * w[off + j];
                    }
                    double norm = Math.sqrt(nn);
                    double dist = norm == 0 ? Double.POSITIVE_INFINITY : Math.abs(g) / norm;
                    if (dist < best) {
                        best = dist;
                        bestS = s;
                        bestG = g;
                        bestNorm = norm;
                    }
                    s++;
                }
                iters[i]++;
                if (bestS < 0) {
                    continue; // every margin gradient is zero: no direction to move in; stays unverified
                }
                double len = Math.abs(bestG) / bestNorm + STEP_SLACK;
                int off = (a * (c - 1) + bestS) * d;
                for (int j = 0; j < d; j++) {
                    r[i * d + j] += len * w[off + j] / bestNorm;
                    double v = xd[i * d + j] + (1 + overshoot) * r[i * d + j];
                    z[i * d + j] = clip ? Math.min(hi, Math.max(lo, v)) : v;
                }
            }
            int[] now = Evaluation.argmax(Batched.logits(backend, gather(z, active, d, x), Batched.DEFAULT_CHUNK_ROWS));
            for (int a = 0; a < m; a++) {
                cls[active[a]] = now[a];
                done[active[a]] = now[a] != classes[active[a]];
            }
        }
        double[] delta = new double[n * d];
        double[] norms = new double[n];
        for (int i = 0; i < n * d; i++) {
            delta[i] = z[i] - xd[i];
            norms[i / d] += delta[i] * delta[i];
        }
        for (int i = 0; i < n; i++) {
            norms[i] = Math.sqrt(norms[i]);
        }
        boolean[] verified = new boolean[n];
        for (int i = 0; i < n; i++) {
            verified[i] = cls[i] != classes[i];
        }
        return new Result(new Tensor(x.shape(), delta), new Tensor(x.shape(), z), verified, cls, iters, norms);
    }

    private static Tensor gather(double[] z, int[] idx, int d, Tensor like) {
        double[] out = new double[idx.length * d];
        for (int a = 0; a < idx.length; a++) {
            System.arraycopy(z, idx[a] * d, out, a * d, d);
        }
        return new Tensor(like.shape().dropFirst().withBatch(idx.length), out);
    }

    private static int[] activeIndices(boolean[] done) {
        return java.util.stream.IntStream.range(0, done.length).filter(i -> !done[i]).toArray();
    }

    static String unverifiedList(boolean[] verified) {
        int[] bad = java.util.stream.IntStream.range(0, verified.length).filter(i -> !verified[i]).toArray();
        return Arrays.toString(bad.length > 20 ? Arrays.copyOf(bad, 20) : bad) + (bad.length > 20 ? "..." : "");
    }
}
