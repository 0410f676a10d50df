package org.lde.report;

import java.util.Map;
import java.util.Objects;
import org.lde.metrics.AopcResult;

/**
 * The AOPC curves of {@code lde evaluate} ({@code morf.png}, {@code lerf.png}) as a {@link Charts} line chart: one
 * series per method, {@code x = k = 0..L} (removal step), {@code y = mean_n p_y(x_k)} with a shaded 95% confidence
 * band for that mean, {@code mean +- 1.96 s_k / sqrt(N)} ({@code s_k} the sample standard deviation of
 * {@code p_y(x_k)} over the {@code N} images; the normal approximation; no band for {@code N = 1}).
 */
public final class AopcCharts {
    /** The normal quantile of a two-sided 95% interval. */
    static final double Z95 = 1.959963984540054;

    private AopcCharts() {
    }

    /**
     * The chart of the given curves (all with the same {@code L}), in the map's order.
     *
     * @param curves the series name of each result (a method, or "(random order)")
     */
    public static Charts.LineChart curves(String title, Map<String, AopcResult> curves) {
        Objects.requireNonNull(title, "title");
        if (curves.isEmpty()) {
            throw new IllegalArgumentException("an AOPC chart needs at least one curve");
        }
        Charts.Builder b = Charts.lineChart(title + (band(curves) ? " (shaded: 95% CI of the mean)" : ""))
                .xAxis("removal step k", "n_k patches removed").yAxis("mean p_y(x_k)", "probability");
        int steps = -1;
        for (Map.Entry<String, AopcResult> e : curves.entrySet()) {
            AopcResult r = e.getValue();
            if (steps >= 0 && r.steps() != steps) {
                throw new IllegalArgumentException("AOPC curve '" + e.getKey() + "' has L = " + r.steps() + ", the others "
                        + steps);
            }
            steps = r.steps();
            double[][] mh = meanAndHalfWidth(e.getKey(), r);
            double[] x = new double[mh[0].length];
            for (int k = 0; k < x.length; k++) {
                x[k] = k;
            }
            if (samples(r) > 1) {
                double[] lo = new double[x.length];
                double[] hi = new double[x.length];
                for (int k = 0; k < x.length; k++) {
                    lo[k] = mh[0][k] - mh[1][k];
                    hi[k] = mh[0][k] + mh[1][k];
                }
                b.series(e.getKey(), x, mh[0], lo, hi);
            } else {
                b.series(e.getKey(), x, mh[0]);
            }
        }
        return b.build();
    }

    private static boolean band(Map<String, AopcResult> curves) {
        return curves.values().stream().anyMatch(r -> samples(r) > 1);
    }

    private static int samples(AopcResult r) {
        return r.probabilities().shape().dim(0);
    }

    /**
     * Per step {@code k}: {@code [0][k]} the mean of {@code p_y(x_k)} over the images, {@code [1][k]} the half width
     * {@code 1.96 s_k / sqrt(N)} of its 95% interval ({@code 0} for one image). NaN in the curves is refused.
     */
    static double[][] meanAndHalfWidth(String name, AopcResult r) {
        int n = r.probabilities().shape().dim(0);
        int m = r.probabilities().shape().dim(1);
        if (n == 0) {
            throw new IllegalArgumentException("AOPC curve '" + name + "' has no images");
        }
        double[] p = r.probabilities().data();
        double[] mean = new double[m];
        double[] half = new double[m];
        for (int k = 0; k < m; k++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                double v = p[i * m + k];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("AOPC curve '" + name + "': p_y(x_" + k + ") of image " + i + " is " + v);
                }
                s += v;
            }
            mean[k] = s / n;
            if (n > 1) {
                double ss = 0;
                for (int i = 0; i < n; i++) {
                    double d = p[i * m + k] - mean[k];
                    ss += d * d;
                }
                half[k] = Z95 * Math.sqrt(ss / (n - 1) / n);
            }
        }
        return new double[][] {mean, half};
    }
}
