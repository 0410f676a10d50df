package org.lde.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The per-feature domains, names and units of a tabular model, and the input scaling they define.
 *
 * <p>A model with a feature scaling takes each feature scaled to {@code [0, 1]}:
 * {@code x_j = (raw_j - lo_j) / (hi_j - lo_j)}. The network's own domain is then {@code [0, 1]^F}, so
 * every solver, kernel, bound and attack keeps working on one scalar box, and that box is exactly the
 * product of the per-feature domains {@code [lo_j, hi_j]} in the features' own units. What the engine
 * computes in the scaled space converts back feature by feature:
 * <ul>
 *   <li>a value: {@code raw_j = lo_j + x_j w_j} with the width {@code w_j = hi_j - lo_j};</li>
 *   <li>a perturbation: {@code delta_raw_j = w_j delta_j}; an L_inf radius {@code eps} in the scaled space
 *       is {@code eps w_j} in feature {@code j}'s units (a different amount per feature);</li>
 *   <li>an L2 norm in the scaled space is {@code sqrt(sum_j (delta_raw_j / w_j)^2)}: the change measured in
 *       fractions of each feature's domain width;</li>
 *   <li>attributions that are products of a change and a gradient ({@code t_j (A^T lambda)_j}, gradient x
 *       change) are the same in both spaces ({@code dm/dx_j = w_j dm/draw_j}), in the output's units.</li>
 * </ul>
 *
 * <p>Values outside a feature's domain are refused ({@link #toNetwork}), never clamped: the domain is the
 * region the certificates speak about. {@link #fit} takes the domains from training rows, widened by a
 * stated margin. Arrays are copied in and out.
 *
 * @param names  one unique, non-empty name per feature (a CSV header's column names)
 * @param units  one unit per feature ({@code ""} where the data's source states none)
 * @param lo     per-feature lower ends, finite
 * @param hi     per-feature upper ends, finite, {@code hi_j > lo_j}
 * @param source how the domains were chosen (provenance, written into the model file)
 */
public record FeatureScaling(List<String> names, List<String> units, double[] lo, double[] hi, String source) {
    public FeatureScaling {
        names = List.copyOf(names);
        units = List.copyOf(units);
        Objects.requireNonNull(source, "source");
        lo = lo.clone();
        hi = hi.clone();
        int f = names.size();
        if (f == 0) {
            throw new IllegalArgumentException("a feature scaling needs at least one feature");
        }
        if (units.size() != f || lo.length != f || hi.length != f) {
            throw new IllegalArgumentException("feature scaling: " + f + " names but " + units.size() + " units, " + lo.length
                    + " lower and " + hi.length + " upper ends (one of each per feature)");
        }
        Set<String> seen = new HashSet<>();
        for (int j = 0; j < f; j++) {
            if (names.get(j).isBlank() || !seen.add(names.get(j))) {
                throw new IllegalArgumentException("feature " + j + ": name '" + names.get(j) + "' is "
                        + (names.get(j).isBlank() ? "empty" : "used twice") + " (feature names must be unique and non-empty)");
            }
            if (!Double.isFinite(lo[j]) || !Double.isFinite(hi[j]) || !(lo[j] < hi[j])) {
                throw new IllegalArgumentException("feature " + j + " ('" + names.get(j) + "'): domain [" + lo[j] + ", " + hi[j]
                        + "] must be finite with lo < hi");
            }
        }
    }

    @Override
    public double[] lo() {
        return lo.clone();
    }

    @Override
    public double[] hi() {
        return hi.clone();
    }

    /** The number of features {@code F}. */
    public int size() {
        return names.size();
    }

    /** {@code hi_j - lo_j}: one unit of the scaled space in feature {@code j}'s units. */
    public double width(int j) {
        return hi[j] - lo[j];
    }

    /** {@code name [unit]}, or the name alone when the unit is empty. */
    public String label(int j) {
        return units.get(j).isEmpty() ? names.get(j) : names.get(j) + " [" + units.get(j) + "]";
    }

    /**
     * The domains of the rows {@code rows} of a table {@code x} ({@code [N, F]}, not modified), widened by
     * {@code margin} times the observed range on each side: {@code lo_j = min_j - margin (max_j - min_j)},
     * {@code hi_j = max_j + margin (max_j - min_j)}; a feature whose training values are all {@code >= 0}
     * keeps {@code lo_j >= 0} (a non-negative quantity stays non-negative).
     *
     * @throws IllegalArgumentException naming the feature when it is constant on the rows or not finite, or
     *                                  when {@code margin} is negative or not finite
     */
    public static FeatureScaling fit(Tensor x, int[] rows, List<String> names, List<String> units, double margin, String fittedOn) {
        if (!(margin >= 0) || !Double.isFinite(margin)) {
            throw new IllegalArgumentException("the domain margin must be a finite number >= 0, got " + margin);
        }
        if (x.shape().rank() != 2 || x.shape().dim(1) != names.size()) {
            throw new IllegalArgumentException("per-feature domains need a table [N, " + names.size() + "], got " + x.shape());
        }
        if (rows.length == 0) {
            throw new IllegalArgumentException("per-feature domains need at least one row");
        }
        int n = x.shape().dim(0);
        int f = names.size();
        double[] d = x.data();
        double[] lo = new double[f];
        double[] hi = new double[f];
        java.util.Arrays.fill(lo, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        for (int r : rows) {
            if (r < 0 || r >= n) {
                throw new IndexOutOfBoundsException("row " + r + " outside the table's " + n + " rows");
            }
            for (int j = 0; j < f; j++) {
                double v = d[r * f + j];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("row " + r + ", feature '" + names.get(j) + "' is " + v);
                }
                lo[j] = Math.min(lo[j], v);
                hi[j] = Math.max(hi[j], v);
            }
        }
        for (int j = 0; j < f; j++) {
            double range = hi[j] - lo[j];
            if (!(range > 0)) {
                throw new IllegalArgumentException("feature '" + names.get(j) + "' is constant (" + lo[j] + ") on the "
                        + rows.length + " rows: no domain can be taken from it");
            }
            double l = lo[j] - margin * range;
            lo[j] = lo[j] >= 0 ? Math.max(0, l) : l;
            hi[j] += margin * range;
        }
        String how = String.format(Locale.ROOT, "range of %s, widened by %s of the range on each side (not below 0 for "
                + "features that are never negative there)", fittedOn, margin);
        return new FeatureScaling(names, units, lo, hi, how);
    }

    /**
     * The network's input for raw rows {@code raw} ({@code [N, F]}, not modified): {@code (raw_j - lo_j) / w_j}.
     *
     * @param what names the data in messages (e.g. {@code "sample:diabetes"})
     * @param rowIds each row's index in that data, for messages (null: 0, 1, ...)
     * @throws IllegalArgumentException naming the row, the feature, the value and the domain when a value is
     *                                  NaN, infinite or outside its feature's domain (nothing is clamped)
     */
    public Tensor toNetwork(Tensor raw, String what, int[] rowIds) {
        check(raw);
        double[] in = raw.data();
        double[] out = new double[in.length];
        int f = size();
        for (int i = 0; i < in.length; i++) {
            int j = i % f;
            double v = in[i];
            if (!(v >= lo[j] && v <= hi[j])) {
                int row = rowIds == null ? i / f : rowIds[i / f];
                throw new IllegalArgumentException(what + ": row " + row + ", feature " + j + " ('" + names.get(j) + "') = " + v
                        + (Double.isNaN(v) ? " is not a number" : " is outside the model's domain [" + lo[j] + ", " + hi[j] + "]")
                        + (units.get(j).isEmpty() ? "" : " " + units.get(j)) + " (" + source + "); the model's bounds and "
                        + "certificates hold only inside it, and nothing is clamped");
            }
            out[i] = (v - lo[j]) / width(j);
        }
        return new Tensor(raw.shape(), out);
    }

    /** Raw values {@code lo_j + x_j w_j} of network inputs {@code x} ({@code [N, F]} or {@code [F]}, not modified). */
    public Tensor toUnits(Tensor x) {
        check(x);
        double[] in = x.data();
        double[] out = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = lo[i % size()] + in[i] * width(i % size());
        }
        return new Tensor(x.shape(), out);
    }

    /** A change {@code delta} of network inputs ({@code [N, F]} or {@code [F]}) in units: {@code w_j delta_j}. */
    public Tensor changeToUnits(Tensor delta) {
        check(delta);
        double[] in = delta.data();
        double[] out = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = in[i] * width(i % size());
        }
        return new Tensor(delta.shape(), out);
    }

    /** The input shape {@code [F]} that a network with this scaling must take. */
    public Shape inputShape() {
        return Shape.of(size());
    }

    private void check(Tensor t) {
        int last = t.shape().dim(t.shape().rank() - 1);
        if (t.shape().rank() > 2 || last != size()) {
            throw new IllegalArgumentException("a scaling of " + size() + " features cannot apply to shape " + t.shape());
        }
    }

    /** Names that differ between this scaling and a data set's feature names, or empty when they agree. */
    public List<String> mismatches(List<String> dataNames) {
        List<String> bad = new ArrayList<>();
        if (dataNames.size() != size()) {
            bad.add("the data has " + dataNames.size() + " features, the model " + size());
            return bad;
        }
        for (int j = 0; j < size(); j++) {
            if (!dataNames.get(j).equals(names.get(j))) {
                bad.add("column " + j + " is '" + dataNames.get(j) + "', the model's feature " + j + " is '" + names.get(j) + "'");
            }
        }
        return bad;
    }
}
