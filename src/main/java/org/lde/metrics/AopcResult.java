package org.lde.metrics;

import java.util.Objects;
import org.lde.tensor.Tensor;

/**
 * One AOPC figure with everything needed to reproduce it: the patch size, {@code L}, {@code s},
 * the patch count, baseline, ranking, order, aggregation and seed, the per-sample curves
 * {@code probabilities[n, k] = p_y(x_k)} ({@code [N, L + 1]}, {@code k = 0} the intact image), the
 * per-sample AOPC and their mean.
 */
public record AopcResult(String method, AopcOptions.Order order, int patchSize, int steps, int stepPatches,
                         int patchCount, AopcOptions.Baseline baseline, AopcOptions.Ranking ranking,
                         AopcOptions.Aggregation aggregation, long seed, Tensor probabilities, double[] perSample,
                         double aopc) {
    public AopcResult {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(probabilities, "probabilities");
        perSample = perSample.clone();
    }

    @Override
    public double[] perSample() {
        return perSample.clone();
    }

    /** The mean curve {@code 1/N sum_n p_y(x_k)}, {@code k = 0..L}. */
    public double[] meanCurve() {
        int n = probabilities.shape().dim(0);
        int m = probabilities.shape().dim(1);
        double[] out = new double[m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < m; k++) {
                out[k] += probabilities.data()[i * m + k] / n;
            }
        }
        return out;
    }

    /** Standard error of the mean AOPC over samples ({@code 0} for one sample). */
    public double standardError() {
        int n = perSample.length;
        if (n < 2) {
            return 0;
        }
        double v = 0;
        for (double a : perSample) {
            v += (a - aopc) * (a - aopc);
        }
        return Math.sqrt(v / (n - 1) / n);
    }
}
