package org.lde.metrics;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * How much an attribution changes between an input {@code x} and a perturbed {@code x'} (an attack or
 * a distribution shift): two numbers per sample, computed on the flattened maps.
 * <ul>
 * <li>{@link #spearman}: Spearman's rank correlation {@code rho}, the Pearson correlation of the
 *     ranks, ties given their average rank (so constant maps have no defined correlation: NaN, which
 *     the caller reports as undefined, never as a number);</li>
 * <li>{@link #topKIntersection}: {@code |top_k(a) cap top_k(b)| / k}, the top-k sets taken by value,
 *     ties broken by the lower index (the AOPC ranking's tie rule), as in Ghorbani, Abid and Zou
 *     (2019, "Interpretation of neural networks is fragile").</li>
 * </ul>
 * Signed values are ranked as given; pass absolute values for magnitude rankings.
 */
public final class RankConsistency {
    private RankConsistency() {
    }

    /** Spearman's {@code rho} of {@code a} and {@code b} (same length {@code >= 2}); NaN when either is constant. */
    public static double spearman(double[] a, double[] b) {
        check(a, b);
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        int n = a.length;
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < n; i++) {
            ma += ra[i];
            mb += rb[i];
        }
        ma /= n;
        mb /= n;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < n; i++) {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
    }

    /** The fraction of the {@code k} largest entries of {@code a} that are also among the {@code k} largest of {@code b}. */
    public static double topKIntersection(double[] a, double[] b, int k) {
        check(a, b);
        if (k < 1 || k > a.length) {
            throw new IllegalArgumentException("top-k needs 1 <= k <= " + a.length + " (the map's size), got k = " + k);
        }
        int[] ta = top(a, k);
        boolean[] inB = new boolean[b.length];
        for (int i : top(b, k)) {
            inB[i] = true;
        }
        int common = 0;
        for (int i : ta) {
            common += inB[i] ? 1 : 0;
        }
        return (double) common / k;
    }

    /** The indices of the {@code k} largest values, ties by the lower index. */
    public static int[] top(double[] v, int k) {
        return IntStream.range(0, v.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -v[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    /** Ranks 1..n (ascending values), ties given the average of the ranks they span. */
    static double[] ranks(double[] v) {
        int n = v.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[n];
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int m = i; m <= j; m++) {
                r[idx[m]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    private static void check(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("the two attributions have " + a.length + " and " + b.length
                    + " values; they must have the same size");
        }
        if (a.length < 2) {
            throw new IllegalArgumentException("rank consistency needs at least 2 values, got " + a.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i]) || !Double.isFinite(b[i])) {
                throw new IllegalArgumentException("attribution value " + (Double.isFinite(a[i]) ? b[i] : a[i]) + " at index "
                        + i + " is not finite");
            }
        }
    }
}
