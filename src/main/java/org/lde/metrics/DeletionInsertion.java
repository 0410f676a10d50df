package org.lde.metrics;

import java.util.Arrays;
import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.explain.baseline.Batched;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Deletion and insertion AUC (Petsiuk et al. 2018, the RISE paper), on the same patch grid and
 * ranking as {@link Aopc}.
 *
 * <p><b>Grid.</b> Patches ({@link PatchGrid}, default {@code 1 x 1}: one pixel across all
 * channels) are ranked most relevant first (ties by index). With {@code P} patches and {@code T}
 * steps, point {@code j = 0..T} has the first {@code m_j = round(j P / T)} patches of that order
 * removed (deletion: replaced by the baseline value) or inserted (insertion: copied from {@code x}
 * into an image that is the baseline value everywhere else). So both curves end at the fully
 * removed / fully restored image. The curve is {@code p_y} (softmax probability of the originally
 * predicted class) and the AUC is the trapezoid rule on the fraction axis {@code j / T}:
 * {@code AUC = 1/T sum_{j=0..T-1} (p_j + p_{j+1}) / 2}. Low deletion AUC and high insertion AUC
 * are better. The paper inserts into a blurred image; here the start is the constant baseline
 * (0 by default), stated in every result.
 */
public final class DeletionInsertion {
    private DeletionInsertion() {
    }

    /** Grid, ranking and baseline of the two curves. */
    public record Options(int patchSize, int steps, AopcOptions.Baseline baseline, AopcOptions.Ranking ranking, int chunkRows) {
        public Options {
            if (patchSize < 1) {
                throw new IllegalArgumentException("deletion/insertion patch size must be >= 1, got " + patchSize);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("deletion/insertion steps must be >= 1, got " + steps);
            }
            Objects.requireNonNull(baseline, "baseline");
            Objects.requireNonNull(ranking, "ranking");
            if (chunkRows < 1) {
                throw new IllegalArgumentException("chunk rows must be >= 1, got " + chunkRows);
            }
        }

        /** Pixel patches (1 x 1), 50 steps, baseline 0, signed ranking. */
        public static Options defaults() {
            return new Options(1, 50, AopcOptions.Baseline.ZERO, AopcOptions.Ranking.SIGNED, 512);
        }

        public Options withPatchSize(int k) {
            return new Options(k, steps, baseline, ranking, chunkRows);
        }

        public Options withSteps(int t) {
            return new Options(patchSize, t, baseline, ranking, chunkRows);
        }

        public Options withBaseline(AopcOptions.Baseline b) {
            return new Options(patchSize, steps, b, ranking, chunkRows);
        }

        public Options withRanking(AopcOptions.Ranking r) {
            return new Options(patchSize, steps, baseline, r, chunkRows);
        }
    }

    /** Both curves ({@code [N, T + 1]}), per-sample AUCs and their means, with the grid used. */
    public record Result(String method, int patchSize, int steps, int patchCount, AopcOptions.Baseline baseline,
                         AopcOptions.Ranking ranking, Tensor deletionCurves, Tensor insertionCurves,
                         double[] deletionPerSample, double[] insertionPerSample, double deletionAuc, double insertionAuc) {
        public Result {
            Objects.requireNonNull(method, "method");
            deletionPerSample = deletionPerSample.clone();
            insertionPerSample = insertionPerSample.clone();
        }

        @Override
        public double[] deletionPerSample() {
            return deletionPerSample.clone();
        }

        @Override
        public double[] insertionPerSample() {
            return insertionPerSample.clone();
        }
    }

    /** Both curves for precomputed attributions {@code phi} of the predicted class. */
    public static Result evaluate(Backend backend, String method, Tensor x, Tensor phi, Options options) {
        Objects.requireNonNull(options, "options");
        int[] y = Aopc.checkAndPredict(backend, x, phi, options.chunkRows());
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        PatchGrid grid = new PatchGrid(backend.network().inputShape(), options.patchSize());
        int p = grid.count();
        int t = options.steps();
        int[][] order = Aopc.orders(grid, phi, options.ranking(), AopcOptions.Order.MORF, 0);
        int per = t + 1;
        double[] pd = new double[n * per];
        double[] pi = new double[n * per];
        int group = Math.max(1, options.chunkRows() / per);
        for (int from = 0; from < n; from += group) {
            int to = Math.min(n, from + group);
            double[] del = new double[Math.multiplyExact(Math.multiplyExact(to - from, per), d)];
            double[] ins = new double[del.length];
            for (int i = from; i < to; i++) {
                double b = Aopc.baselineValue(x.data(), i * d, d, options.baseline());
                double[] cd = Arrays.copyOfRange(x.data(), i * d, (i + 1) * d);
                double[] ci = new double[d];
                Arrays.fill(ci, b);
                int done = 0;
                int row = (i - from) * per;
                for (int j = 0; j <= t; j++) {
                    int m = (int) Math.round((double) j * p / t);
                    for (; done < m; done++) {
                        for (int idx : grid.members(order[i][done])) {
                            cd[idx] = b;
                            ci[idx] = x.data()[i * d + idx];
                        }
                    }
                    System.arraycopy(cd, 0, del, (row + j) * d, d);
                    System.arraycopy(ci, 0, ins, (row + j) * d, d);
                }
            }
            Shape rows = backend.network().inputShape().withBatch((to - from) * per);
            int[] cls = Batched.repeatEach(Arrays.copyOfRange(y, from, to), per);
            double[] gd = Batched.classProbabilities(backend, new Tensor(rows, del), cls, options.chunkRows());
            double[] gi = Batched.classProbabilities(backend, new Tensor(rows, ins), cls, options.chunkRows());
            System.arraycopy(gd, 0, pd, from * per, gd.length);
            System.arraycopy(gi, 0, pi, from * per, gi.length);
        }
        double[] aucD = new double[n];
        double[] aucI = new double[n];
        double md = 0;
        double mi = 0;
        for (int i = 0; i < n; i++) {
            aucD[i] = trapezoid(pd, i * per, t);
            aucI[i] = trapezoid(pi, i * per, t);
            md += aucD[i] / n;
            mi += aucI[i] / n;
        }
        return new Result(method, options.patchSize(), t, p, options.baseline(), options.ranking(),
                new Tensor(Shape.of(n, per), pd), new Tensor(Shape.of(n, per), pi), aucD, aucI, md, mi);
    }

    static double trapezoid(double[] v, int off, int t) {
        double s = 0;
        for (int j = 0; j < t; j++) {
            s += (v[off + j] + v[off + j + 1]) / 2;
        }
        return s / t;
    }
}
