package org.lde.metrics;

import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.explain.baseline.Batched;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;

/**
 * Infidelity (Yeh et al. 2019, "On the (in)fidelity and sensitivity of explanations"), with
 * Gaussian perturbations:
 *
 * <pre>
 *   INFD(phi, f, x) = E_I [ (I^T phi - (f_y(x) - f_y(x - I)))^2 ],   I ~ N(0, sigma^2 Id)
 * </pre>
 *
 * estimated with {@code n} draws per sample, {@code f_y} the logit of the predicted class and
 * {@code sigma = noiseFraction * (hi - lo)} of the network's data domain. The perturbed points are
 * not clipped. Beside it the scale-invariant variant of Captum's {@code normalize=True} is
 * reported: {@code beta = E[I^T phi Delta] / E[(I^T phi)^2]} and
 * {@code E[(beta I^T phi - Delta)^2]} ({@code Delta = f_y(x) - f_y(x - I)}); with {@code I^T phi = 0}
 * for all draws, {@code beta = 0}. An exact linear attribution ({@code phi = w} for
 * {@code f_y = w^T x + c}) has infidelity 0. The draws come from one generator seeded with
 * {@code seed}, sample by sample; all {@code N (n + 1)} points are batched forward passes.
 */
public final class Infidelity {
    private Infidelity() {
    }

    /** Per-sample and mean infidelity (plain and normalised) with the draw settings. */
    public record Result(String method, int samples, double sigma, long seed, boolean givenNoise, double[] perSample, double mean,
                         double[] perSampleNormalized, double meanNormalized) {
        public Result {
            Objects.requireNonNull(method, "method");
            perSample = perSample.clone();
            perSampleNormalized = perSampleNormalized.clone();
        }

        @Override
        public double[] perSample() {
            return perSample.clone();
        }

        @Override
        public double[] perSampleNormalized() {
            return perSampleNormalized.clone();
        }
    }

    /** Infidelity of precomputed attributions {@code phi} of the predicted class. */
    public static Result evaluate(Backend backend, String method, Tensor x, Tensor phi, int samples, double noiseFraction, long seed) {
        if (samples < 1) {
            throw new IllegalArgumentException("infidelity samples must be >= 1, got " + samples);
        }
        if (!(noiseFraction > 0) || !Double.isFinite(noiseFraction)) {
            throw new IllegalArgumentException("infidelity noise fraction must be positive and finite, got " + noiseFraction);
        }
        Objects.requireNonNull(backend, "backend");
        double sigma = noiseFraction * (backend.network().hi() - backend.network().lo());
        Rng rng = new Rng(seed);
        return run(backend, method, x, phi, samples, (row, out) -> {
            for (int j = 0; j < out.length; j++) {
                out[j] = sigma * rng.gaussian();
            }
        }, sigma, seed, false);
    }

    /**
     * Infidelity with given perturbations {@code noise = I} ({@code [N n, inputShape...]}; see the
     * class comment).
     */
    public static Result evaluateWithNoise(Backend backend, String method, Tensor x, Tensor phi, Tensor noise) {
        Objects.requireNonNull(x, "x");
        int samples = Batched.checkNoise("infidelity noise", noise, x);
        double[] e = noise.data();
        return run(backend, method, x, phi, samples, (row, out) -> System.arraycopy(e, row * out.length, out, 0, out.length),
                Double.NaN, 0, true);
    }

    /** Writes perturbation {@code I} of global row {@code row} (sample-major) into {@code out}. */
    private interface Draws {
        void next(int row, double[] out);
    }

    private static Result run(Backend backend, String method, Tensor x, Tensor phi, int samples, Draws draws, double sigma,
                              long seed, boolean given) {
        int[] y = Aopc.checkAndPredict(backend, x, phi, Batched.DEFAULT_CHUNK_ROWS);
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        int per = samples + 1;
        double[] dot = new double[n * samples];
        double[] f = new double[n * per];
        double[] e = new double[d];
        // Samples in groups of max(1, 512 / (n + 1)); the draws are taken sample by sample.
        int group = Math.max(1, Batched.DEFAULT_CHUNK_ROWS / per);
        for (int from = 0; from < n; from += group) {
            int to = Math.min(n, from + group);
            double[] buf = new double[Math.multiplyExact(Math.multiplyExact(to - from, per), d)];
            for (int i = from; i < to; i++) {
                int row = (i - from) * per;
                System.arraycopy(x.data(), i * d, buf, row * d, d);
                for (int k = 0; k < samples; k++) {
                    int off = (row + k + 1) * d;
                    draws.next(i * samples + k, e);
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        buf[off + j] = x.data()[i * d + j] - e[j];
                        s += e[j] * phi.data()[i * d + j];
                    }
                    dot[i * samples + k] = s;
                }
            }
            double[] fg = Batched.classLogits(backend, new Tensor(backend.network().inputShape().withBatch((to - from) * per), buf),
                    Batched.repeatEach(java.util.Arrays.copyOfRange(y, from, to), per), Batched.DEFAULT_CHUNK_ROWS);
            System.arraycopy(fg, 0, f, from * per, fg.length);
        }
        double[] plain = new double[n];
        double[] norm = new double[n];
        double mp = 0;
        double mn = 0;
        for (int i = 0; i < n; i++) {
            double fx = f[i * per];
            double num = 0;
            double den = 0;
            for (int k = 0; k < samples; k++) {
                double delta = fx - f[i * per + k + 1];
                double a = dot[i * samples + k];
                plain[i] += (a - delta) * (a - delta) / samples;
                num += a * delta;
                den += a * a;
            }
            double beta = den == 0 ? 0 : num / den;
            for (int k = 0; k < samples; k++) {
                double delta = fx - f[i * per + k + 1];
                double a = beta * dot[i * samples + k];
                norm[i] += (a - delta) * (a - delta) / samples;
            }
            mp += plain[i] / n;
            mn += norm[i] / n;
        }
        return new Result(method, samples, sigma, seed, given, plain, mp, norm, mn);
    }
}
