package org.lde.metrics;

import java.util.Objects;
import org.lde.tensor.Tensor;

/**
 * One AOPC figure with everything needed to reproduce it: the patch size, {@code L}, the schedule
 * ({@code stepPatches} = {@code s} of the constant schedule, 0 for the proportional one) and its
 * cumulative counts {@code removedPatches[k] = n_k}, the patch count, baseline, ranking, order,
 * aggregation and seed, the class tracked per sample ({@code targets}), the ranking itself
 * ({@code removalOrder[n]}: the patch indices of sample {@code n} in removal order, all {@code P}
 * of them; the first {@code n_k} are gone at step {@code k}), the per-sample curves
 * {@code probabilities[n, k] = p_y(x_k)} ({@code [N, L + 1]}, {@code k = 0} the intact image), the
 * per-sample AOPC and their mean.
 */
public record AopcResult(String method, AopcOptions.Order order, int patchSize, int steps, int stepPatches,
                         int patchCount, AopcOptions.Schedule schedule, int[] removedPatches, AopcOptions.Baseline baseline,
                         AopcOptions.Ranking ranking, AopcOptions.Aggregation aggregation, long seed, int[] targets,
                         int[][] removalOrder, Tensor probabilities, double[] perSample, double aopc) {
    public AopcResult {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(probabilities, "probabilities");
        removedPatches = removedPatches.clone();
        targets = targets.clone();
        removalOrder = deepCopy(removalOrder);
        perSample = perSample.clone();
    }

    private static int[][] deepCopy(int[][] a) {
        int[][] out = new int[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
        }
        return out;
    }

    @Override
    public double[] perSample() {
        return perSample.clone();
    }

    @Override
    public int[] removedPatches() {
        return removedPatches.clone();
    }

    @Override
    public int[] targets() {
        return targets.clone();
    }

    /** A copy of the per-sample removal orders ({@code [N][P]}). */
    @Override
    public int[][] removalOrder() {
        return deepCopy(removalOrder);
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
