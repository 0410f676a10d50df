package org.lde.metrics;

import java.util.Arrays;
import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.explain.baseline.Batched;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;

/**
 * AOPC, the protocol of record and the literature's form (METHOD.md section 9; Samek et al. 2017).
 *
 * <ol>
 * <li>the tracked class per sample: {@code y = argmax f(x)} (the originally predicted class), or
 *     the {@code targets} the caller gives; the attribution map is for that class;</li>
 * <li>the image is cut into the {@code P} patches of a {@link PatchGrid} ({@code k x k}, all
 *     channels, last row and column padded); each patch scores the sum of its attributions
 *     (signed, or absolute values in the {@code ABS} variant);</li>
 * <li>order: MoRF sorts by score descending, LeRF ascending; ties (scores that compare equal with
 *     {@code ==}, so {@code -0.0} ties with {@code 0.0}) keep ascending patch index in both; RANDOM
 *     takes a permutation per image from one generator seeded with {@code seed}, drawn image by image
 *     in batch order. The order is returned with the result ({@link AopcResult#removalOrder});</li>
 * <li>{@code x_0 = x} and {@code x_k} is {@code x} with the first {@code n_k} patches of the order
 *     replaced by the baseline ({@code 0}, or the image's minimum or mean over all its values),
 *     {@code k = 1..L}, with {@code n_k = k s} (constant schedule) or
 *     {@code round_half_up(k P / L)} (proportional; {@link AopcOptions#removedCounts});</li>
 * <li>{@code D_k = p_y(x) - p_y(x_k)} with {@code p_y} the softmax probability, and
 *     {@code AOPC = 1/(L+1) sum_{k=0..L} D_k} (MEAN, of record), {@code 1/L sum_{k=1..L} D_k}
 *     (LITERATURE) or {@code 1/L sum_{k=0..L-1} (D_k + D_{k+1})/2} (TRAPEZOID); the reported figure
 *     is the mean over images.</li>
 * </ol>
 * All {@code N (L + 1)} images go to the backend as batched forward passes of at most
 * {@code chunkRows} rows, built for groups of {@code max(1, chunkRows / (L + 1))} images at a time.
 */
public final class Aopc {
    private Aopc() {
    }

    /** Predicted classes, attributions for them, and the AOPC curve of {@code order}. */
    public static AopcResult evaluate(Backend backend, Attributor method, Tensor x, AopcOptions options, AopcOptions.Order order) {
        Objects.requireNonNull(method, "method");
        int[] y = Evaluation.argmax(Batched.logits(backend, x, options.chunkRows()));
        return evaluate(backend, method, x, options, order, y);
    }

    /** Attributions for the given {@code targets} (one class per sample) and the AOPC curve of {@code p_target}. */
    public static AopcResult evaluate(Backend backend, Attributor method, Tensor x, AopcOptions options, AopcOptions.Order order,
                                      int[] targets) {
        Objects.requireNonNull(method, "method");
        Tensor phi = method.attribute(backend, x, targets);
        return evaluate(backend, method.name(), x, phi, options, order, targets);
    }

    /**
     * The AOPC curve for precomputed attributions {@code phi} (of the predicted class, same shape as
     * {@code x}).
     */
    public static AopcResult evaluate(Backend backend, String method, Tensor x, Tensor phi, AopcOptions options,
                                      AopcOptions.Order order) {
        Objects.requireNonNull(options, "options");
        int[] y = checkAndPredict(backend, x, phi, options.chunkRows());
        return evaluate(backend, method, x, phi, options, order, y);
    }

    /**
     * The AOPC curve of {@code p_{targets[n]}} for precomputed attributions {@code phi} of those classes
     * (same shape as {@code x}).
     *
     * @throws IllegalArgumentException when a target lies outside {@code [0, C)} or the count differs from N
     */
    public static AopcResult evaluate(Backend backend, String method, Tensor x, Tensor phi, AopcOptions options,
                                      AopcOptions.Order order, int[] targets) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(targets, "targets");
        checkAndPredict(backend, x, phi, options.chunkRows());
        Batched.checkAttributionInput(backend, x, targets);
        int[] y = targets.clone();
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        PatchGrid grid = new PatchGrid(backend.network().inputShape(), options.patchSize());
        int p = grid.count();
        int[] removed = options.removedCounts(p);
        int s = options.schedule() == AopcOptions.Schedule.CONSTANT ? options.resolvedStepPatches(p) : 0;
        int l = options.steps();
        int[][] members = new int[p][];
        for (int q = 0; q < p; q++) {
            members[q] = grid.members(q);
        }
        int[][] orders = orders(grid, phi, options.ranking(), order, options.seed());
        int per = l + 1;
        double[] prob = new double[n * per];
        // Images in groups of max(1, chunkRows / (L + 1)): bounded memory, about one backend call each.
        int group = Math.max(1, options.chunkRows() / per);
        for (int from = 0; from < n; from += group) {
            int to = Math.min(n, from + group);
            double[] buf = new double[Math.multiplyExact(Math.multiplyExact(to - from, per), d)];
            for (int i = from; i < to; i++) {
                double b = baselineValue(x.data(), i * d, d, options.baseline());
                double[] cur = Arrays.copyOfRange(x.data(), i * d, (i + 1) * d);
                int row = (i - from) * per;
                System.arraycopy(cur, 0, buf, row * d, d);
                for (int k = 1; k <= l; k++) {
                    for (int t = removed[k - 1]; t < removed[k]; t++) {
                        for (int idx : members[orders[i][t]]) {
                            cur[idx] = b;
                        }
                    }
                    System.arraycopy(cur, 0, buf, (row + k) * d, d);
                }
            }
            double[] pg = Batched.classProbabilities(backend, new Tensor(backend.network().inputShape().withBatch((to - from) * per), buf),
                    Batched.repeatEach(Arrays.copyOfRange(y, from, to), per), options.chunkRows());
            System.arraycopy(pg, 0, prob, from * per, pg.length);
        }
        double[] perSample = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            perSample[i] = aggregate(prob, i * per, l, options.aggregation());
            mean += perSample[i] / n;
        }
        return new AopcResult(method, order, options.patchSize(), l, s, p, options.schedule(), removed, options.baseline(),
                options.ranking(), options.aggregation(), options.seed(), y, orders,
                new Tensor(org.lde.tensor.Shape.of(n, per), prob), perSample, mean);
    }

    /** The aggregate of one curve {@code prob[off .. off + L]} (see the class comment). */
    static double aggregate(double[] prob, int off, int l, AopcOptions.Aggregation how) {
        double p0 = prob[off];
        double sum = 0;
        switch (how) {
            case MEAN:
                for (int k = 0; k <= l; k++) {
                    sum += p0 - prob[off + k];
                }
                return sum / (l + 1);
            case LITERATURE:
                for (int k = 1; k <= l; k++) {
                    sum += p0 - prob[off + k];
                }
                return sum / l;
            case TRAPEZOID:
                for (int k = 0; k < l; k++) {
                    sum += ((p0 - prob[off + k]) + (p0 - prob[off + k + 1])) / 2;
                }
                return sum / l;
            default:
                throw new IllegalArgumentException("unknown aggregation " + how);
        }
    }

    /** The replacement value for one image (see {@link AopcOptions.Baseline}). */
    static double baselineValue(double[] x, int off, int d, AopcOptions.Baseline baseline) {
        switch (baseline) {
            case ZERO:
                return 0;
            case IMAGE_MIN: {
                double m = Double.POSITIVE_INFINITY;
                for (int j = 0; j < d; j++) {
                    m = Math.min(m, x[off + j]);
                }
                return m;
            }
            case IMAGE_MEAN: {
                double m = 0;
                for (int j = 0; j < d; j++) {
                    m += x[off + j];
                }
                return m / d;
            }
            default:
                throw new IllegalArgumentException("unknown baseline " + baseline);
        }
    }

    /** Per image, the patch indices in removal order. */
    static int[][] orders(PatchGrid grid, Tensor phi, AopcOptions.Ranking ranking, AopcOptions.Order order, long seed) {
        int n = phi.shape().dim(0);
        int d = grid.view().size();
        int p = grid.count();
        int[][] out = new int[n][];
        Rng rng = new Rng(seed);
        for (int i = 0; i < n; i++) {
            if (order == AopcOptions.Order.RANDOM) {
                out[i] = rng.permutation(p);
                continue;
            }
            double[] score = grid.patchSums(phi.data(), i * d, ranking == AopcOptions.Ranking.ABS);
            Integer[] idx = new Integer[p];
            for (int q = 0; q < p; q++) {
                idx[q] = q;
            }
            boolean desc = order == AopcOptions.Order.MORF;
            // Ties (==, so -0.0 ties with 0.0; Double.compare would not) by ascending index; the sort is stable anyway.
            Arrays.sort(idx, (a, b) -> {
                double sa = score[a];
                double sb = score[b];
                if (sa == sb) {
                    return Integer.compare(a, b);
                }
                return desc ? (sa > sb ? -1 : 1) : (sa < sb ? -1 : 1);
            });
            out[i] = Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    /** Validates {@code x} and {@code phi} and returns the predicted classes. */
    static int[] checkAndPredict(Backend backend, Tensor x, Tensor phi, int chunkRows) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(phi, "attributions");
        int n = x.shape().dim(0);
        int[] y = new int[n];
        Batched.checkAttributionInput(backend, x, y);
        if (!phi.shape().equals(x.shape())) {
            throw new IllegalArgumentException("attributions of shape " + phi.shape() + " do not match the inputs' " + x.shape());
        }
        phi.requireFinite("attributions");
        return Evaluation.argmax(Batched.logits(backend, x, chunkRows));
    }
}
