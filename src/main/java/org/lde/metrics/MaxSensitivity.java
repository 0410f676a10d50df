package org.lde.metrics;

import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.explain.baseline.Batched;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;

/**
 * Max-sensitivity (Yeh et al. 2019), relative form as in Captum's {@code sensitivity_max} with
 * the norm ratio:
 *
 * <pre>
 *   SENS(x) = max_{k = 1..n} ||phi(x) - phi(x + u_k)||_2 / ||phi(x)||_2,   u_k ~ U([-r, r]^d)
 * </pre>
 *
 * with {@code r = radiusFraction * (hi - lo)} of the data domain (default 0.02, Captum's default
 * radius on {@code [0, 1]} data) and the explained class fixed to the class predicted at {@code x}.
 * With {@code clipToDomain}, the perturbed points are clipped to the data domain {@code [lo, hi]}
 * (a valid input, as explainers with a box such as the additive Lagrange dual explainer require;
 * the inputs themselves must then lie in the domain); without it they are used as drawn. The
 * result records which. The {@code N n} perturbed inputs are explained in ONE call of
 * the attributor (which batches them itself). A sample with {@code phi(x) = 0} has no relative
 * sensitivity: its value is NaN, it is counted in {@code undefinedSamples}, and the mean is over
 * the other samples (NaN if none). The draws come from one generator seeded with {@code seed}
 * (order: sample, draw, feature), or from the caller ({@link #evaluateWithNoise}: {@code u} given as
 * {@code [N n, inputShape...]}, row {@code i n + k} is {@code u_k} of sample {@code i}; the result
 * then has {@code givenNoise} and {@code radius} = the largest {@code |u|} given).
 */
public final class MaxSensitivity {
    private MaxSensitivity() {
    }

    public record Result(String method, int samples, double radius, long seed, boolean givenNoise, boolean clippedToDomain,
                         double[] perSample, double mean, int undefinedSamples) {
        public Result {
            Objects.requireNonNull(method, "method");
            perSample = perSample.clone();
        }

        @Override
        public double[] perSample() {
            return perSample.clone();
        }
    }

    /** Max-sensitivity of {@code method}, with its attributions at {@code x} given as {@code phi}; perturbed points not clipped. */
    public static Result evaluate(Backend backend, Attributor method, Tensor x, Tensor phi, int samples, double radiusFraction, long seed) {
        return evaluate(backend, method, x, phi, samples, radiusFraction, seed, false);
    }

    /** Max-sensitivity, optionally with the perturbed points clipped to the data domain (see the class comment). */
    public static Result evaluate(Backend backend, Attributor method, Tensor x, Tensor phi, int samples, double radiusFraction, long seed,
                                  boolean clipToDomain) {
        Objects.requireNonNull(method, "method");
        if (samples < 1) {
            throw new IllegalArgumentException("max-sensitivity samples must be >= 1, got " + samples);
        }
        if (!(radiusFraction > 0) || !Double.isFinite(radiusFraction)) {
            throw new IllegalArgumentException("max-sensitivity radius fraction must be positive and finite, got " + radiusFraction);
        }
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(backend, "backend");
        double r = radiusFraction * (backend.network().hi() - backend.network().lo());
        Tensor u = Tensor.zeros(Batched.repeatRows(x, samples).shape());
        Rng rng = new Rng(seed);
        double[] ud = u.data();
        for (int i = 0; i < ud.length; i++) {
            ud[i] = rng.uniform(-r, r);
        }
        return run(backend, method, x, phi, u, samples, r, seed, false, clipToDomain);
    }

    /**
     * Max-sensitivity with given perturbations {@code noise = u} ({@code [N n, inputShape...]}; see
     * the class comment), optionally clipped to the data domain.
     */
    public static Result evaluateWithNoise(Backend backend, Attributor method, Tensor x, Tensor phi, Tensor noise, boolean clipToDomain) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(x, "x");
        int samples = Batched.checkNoise("max-sensitivity noise", noise, x);
        double r = 0;
        for (double v : noise.data()) {
            r = Math.max(r, Math.abs(v));
        }
        return run(backend, method, x, phi, noise, samples, r, 0, true, clipToDomain);
    }

    private static Result run(Backend backend, Attributor method, Tensor x, Tensor phi, Tensor u, int samples, double r, long seed,
                              boolean given, boolean clipToDomain) {
        int[] y = Aopc.checkAndPredict(backend, x, phi, Batched.DEFAULT_CHUNK_ROWS);
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        double lo = backend.network().lo();
        double hi = backend.network().hi();
        if (clipToDomain) {
            for (int i = 0; i < x.size(); i++) {
                double v = x.data()[i];
                if (v < lo || v > hi) {
                    throw new IllegalArgumentException("max-sensitivity with clipping: input value " + v + " at flat index " + i
                            + " lies outside the data domain [" + lo + ", " + hi + "]");
                }
            }
        }
        Tensor xs = Batched.repeatRows(x, samples);
        double[] xd = xs.data();
        for (int i = 0; i < xd.length; i++) {
            xd[i] += u.data()[i];
            if (clipToDomain) {
                xd[i] = Math.min(hi, Math.max(lo, xd[i]));
            }
        }
        Tensor ps = method.attribute(backend, xs, Batched.repeatEach(y, samples));
        double[] per = new double[n];
        double sum = 0;
        int defined = 0;
        for (int i = 0; i < n; i++) {
            double base = 0;
            for (int j = 0; j < d; j++) {
                base += phi.data()[i * d + j] * phi.data()[i * d + j];
            }
            base = Math.sqrt(base);
            double mx = 0;
            for (int k = 0; k < samples; k++) {
                double s = 0;
                int off = (i * samples + k) * d;
                for (int j = 0; j < d; j++) {
                    double e = phi.data()[i * d + j] - ps.data()[off + j];
                    s += e * e;
                }
                mx = Math.max(mx, Math.sqrt(s));
            }
            if (base == 0) {
                per[i] = Double.NaN;
            } else {
                per[i] = mx / base;
                sum += per[i];
                defined++;
            }
        }
        return new Result(method.name(), samples, r, seed, given, clipToDomain, per, defined == 0 ? Double.NaN : sum / defined,
                n - defined);
    }
}
