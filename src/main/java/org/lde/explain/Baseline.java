package org.lde.explain;

import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The baseline {@code b} of the {@link Perturbation#DELETION} model ({@code D = diag(b - x)}): what a
 * feature becomes when it is fully removed ({@code t_i = 1}).
 */
public enum Baseline {
    /** {@code b = 0} (black for images in {@code [0, 1]}). */
    ZERO,
    /** {@code b_i = mean_j x_j}: the mean over all features of the same sample (per-image mean). */
    MEAN,
    /**
     * {@code b} = the image blurred by a Gaussian of standard deviation {@code sigma} pixels
     * (default {@value LagrangeDualExplainer#DEFAULT_BLUR_SIGMA}), per channel, separable, kernel
     * radius {@code ceil(3 sigma)}, truncated at the image border and renormalized there (each output
     * pixel is a weighted mean of the pixels inside the image). Needs inputs {@code [C, H, W]}.
     */
    BLUR;

    /**
     * The baselines of a batch {@code x [N, inputShape...]}.
     *
     * @param blurSigma the Gaussian's standard deviation in pixels (used by {@link #BLUR} only; must be
     *                  finite and {@code > 0})
     * @throws IllegalArgumentException for {@link #BLUR} on inputs that are not {@code [N, C, H, W]}
     */
    public Tensor of(Tensor x, double blurSigma) {
        Shape s = x.shape();
        if (s.rank() < 2) {
            throw new IllegalArgumentException("baseline " + this + ": inputs must be [N, features...], got " + s);
        }
        int n = s.dim(0);
        int d = s.sizeInt() / Math.max(1, n);
        double[] in = x.data();
        double[] out = new double[in.length];
        switch (this) {
            case ZERO:
                break;
            case MEAN:
                for (int b = 0; b < n; b++) {
                    double m = 0;
                    for (int i = 0; i < d; i++) {
                        m += in[b * d + i];
                    }
                    java.util.Arrays.fill(out, b * d, (b + 1) * d, m / d);
                }
                break;
            case BLUR:
            default:
                if (s.rank() != 4) {
                    throw new IllegalArgumentException("baseline BLUR needs image inputs [N, C, H, W], got " + s);
                }
                if (!(blurSigma > 0) || !Double.isFinite(blurSigma)) {
                    throw new IllegalArgumentException("blur sigma must be finite and > 0, got " + blurSigma);
                }
                blur(in, out, n * s.dim(1), s.dim(2), s.dim(3), blurSigma);
                break;
        }
        return new Tensor(s, out);
    }

    /** Separable truncated Gaussian blur of {@code planes} images {@code h x w}, renormalized at borders. */
    public static void blur(double[] in, double[] out, int planes, int h, int w, double sigma) {
        int rad = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * rad + 1];
        for (int i = -rad; i <= rad; i++) {
            k[i + rad] = Math.exp(-0.5 * i * i / (sigma * sigma));
        }
        double[] tmp = new double[h * w];
        for (int p = 0; p < planes; p++) {
            int off = p * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double s = 0;
                    double ws = 0;
                    for (int j = Math.max(-rad, -x); j <= Math.min(rad, w - 1 - x); j++) {
                        s += k[j + rad] * in[off + y * w + x + j];
                        ws += k[j + rad];
                    }
                    tmp[y * w + x] = s / ws;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double s = 0;
                    double ws = 0;
                    for (int j = Math.max(-rad, -y); j <= Math.min(rad, h - 1 - y); j++) {
                        s += k[j + rad] * tmp[(y + j) * w + x];
                        ws += k[j + rad];
                    }
                    out[off + y * w + x] = s / ws;
                }
            }
        }
    }
}
