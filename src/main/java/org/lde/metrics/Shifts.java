package org.lde.metrics;

import org.lde.explain.Baseline;
import org.lde.explain.baseline.ImageView;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Distribution shifts for the consistency of attributions (issue 17): inputs moved by something that
 * is not an attack. Both results are clipped to the data box {@code [lo, hi]} (so they stay valid
 * inputs; the clip is part of the shift's definition).
 * <ul>
 * <li>{@link #gaussianNoise}: {@code clip(x + sigma e, lo, hi)}, {@code e} standard normal, drawn from
 *     {@link Rng}{@code (seed)} in sample-major order;</li>
 * <li>{@link #blur}: a separable Gaussian blur of every channel plane, truncated at {@code 3 sigma} and
 *     renormalized at the borders (the blur of the deletion model's BLUR baseline), then the clip.</li>
 * </ul>
 */
public final class Shifts {
    private Shifts() {
    }

    public static Tensor gaussianNoise(Tensor x, double sigma, long seed, double lo, double hi) {
        if (!(sigma >= 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("noise sigma must be finite and >= 0, got " + sigma);
        }
        checkBox(lo, hi);
        Rng rng = new Rng(seed);
        double[] in = x.data();
        double[] out = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = Math.min(hi, Math.max(lo, in[i] + sigma * rng.gaussian()));
        }
        return new Tensor(x.shape(), out);
    }

    /** @param x images {@code [N, C, H, W]} (or {@code [N, H, W]}, one channel) */
    public static Tensor blur(Tensor x, double sigma, double lo, double hi) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("blur sigma must be finite and > 0, got " + sigma);
        }
        checkBox(lo, hi);
        Shape s = x.shape();
        ImageView v = ImageView.of(s.dropFirst());
        double[] out = new double[x.size()];
        Baseline.blur(x.data(), out, s.dim(0) * v.channels(), v.height(), v.width(), sigma);
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(hi, Math.max(lo, out[i]));
        }
        return new Tensor(s, out);
    }

    private static void checkBox(double lo, double hi) {
        if (!(lo < hi)) {
            throw new IllegalArgumentException("the data box needs lo < hi, got [" + lo + ", " + hi + "]");
        }
    }
}
