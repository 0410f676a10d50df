package org.lde.data;

import java.util.List;
import java.util.Objects;
import org.lde.tensor.Tensor;

/**
 * Z-score statistics of a table's features: {@code x' = (x - mean) / std}, per feature, with the
 * population standard deviation (divide by n, as scikit-learn's StandardScaler). Fit the statistics
 * on the training rows only and store them with the model, so that the same transformation applies
 * to new data. A feature that is constant on the fitting rows has std 0 and is an error (naming it):
 * nothing is divided by zero or silently replaced. Arrays are copied in and out.
 *
 * @param featureNames one name per feature (may be empty when the table has none)
 * @param mean         per-feature mean
 * @param std          per-feature standard deviation, all > 0
 * @param fittedOn     how the fitting rows were chosen, for provenance
 */
public record Standardization(List<String> featureNames, double[] mean, double[] std, String fittedOn) {
    public Standardization {
        featureNames = List.copyOf(featureNames);
        Objects.requireNonNull(fittedOn, "fittedOn");
        mean = mean.clone();
        std = std.clone();
        if (mean.length != std.length) {
            throw new IllegalArgumentException(mean.length + " means but " + std.length + " standard deviations");
        }
        if (!featureNames.isEmpty() && featureNames.size() != mean.length) {
            throw new IllegalArgumentException(featureNames.size() + " feature names for " + mean.length + " features");
        }
        for (int j = 0; j < std.length; j++) {
            if (!(std[j] > 0) || !Double.isFinite(std[j]) || !Double.isFinite(mean[j])) {
                throw new IllegalArgumentException("feature " + j + (featureNames.isEmpty() ? "" : " ('" + featureNames.get(j) + "')")
                        + ": mean " + mean[j] + ", std " + std[j] + " (std must be finite and > 0)");
            }
        }
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    /** Number of features. */
    public int features() {
        return mean.length;
    }

    /** Statistics of the rows {@code rows} (not modified) of a table data set {@code [N, F]}. */
    public static Standardization fit(Dataset data, int[] rows) {
        return fit(data.inputs(), rows, data.featureNames(), rows.length + " selected rows of '" + data.name() + "'");
    }

    /** Statistics of rows {@code [from, to)} of a table data set {@code [N, F]}. */
    public static Standardization fit(Dataset data, int from, int to) {
        if (from < 0 || to > data.size() || from >= to) {
            throw new IllegalArgumentException("fitting rows [" + from + ", " + to + ") of '" + data.name() + "' with "
                    + data.size() + " rows: need a non-empty range inside it");
        }
        int[] rows = new int[to - from];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = from + i;
        }
        return fit(data.inputs(), rows, data.featureNames(), "rows [" + from + ", " + to + ") of '" + data.name() + "'");
    }

    /** Statistics of the rows {@code rows} (not modified) of a table {@code x} of shape {@code [N, F]}. */
    public static Standardization fit(Tensor x, int[] rows, List<String> featureNames, String fittedOn) {
        if (x.shape().rank() != 2) {
            throw new IllegalArgumentException("standardisation needs a table [N, F], got " + x.shape());
        }
        if (rows.length == 0) {
            throw new IllegalArgumentException("standardisation needs at least one fitting row");
        }
        int n = x.shape().dim(0), f = x.shape().dim(1);
        double[] d = x.data();
        double[] mean = new double[f];
        for (int r : rows) {
            if (r < 0 || r >= n) {
                throw new IndexOutOfBoundsException("fitting row " + r + " outside the table's " + n + " rows");
            }
            for (int j = 0; j < f; j++) {
                mean[j] += d[r * f + j];
            }
        }
        for (int j = 0; j < f; j++) {
            mean[j] /= rows.length;
        }
        double[] var = new double[f];
        for (int r : rows) {
            for (int j = 0; j < f; j++) {
                double c = d[r * f + j] - mean[j];
                var[j] += c * c;
            }
        }
        double[] std = new double[f];
        for (int j = 0; j < f; j++) {
            std[j] = Math.sqrt(var[j] / rows.length);
            if (!(std[j] > 0)) {
                throw new IllegalArgumentException("feature " + j + (featureNames.isEmpty() ? "" : " ('" + featureNames.get(j) + "')")
                        + " is constant (" + mean[j] + ") on the " + rows.length + " fitting rows: its standard deviation is 0");
            }
        }
        return new Standardization(featureNames, mean, std, fittedOn);
    }

    /** A new table {@code (x - mean) / std}; {@code x} ({@code [N, F]}) is not modified. */
    public Tensor apply(Tensor x) {
        check(x);
        double[] in = x.data();
        double[] out = new double[in.length];
        int f = mean.length;
        for (int i = 0; i < in.length; i++) {
            out[i] = (in[i] - mean[i % f]) / std[i % f];
        }
        return new Tensor(x.shape(), out);
    }

    /** A new table {@code x * std + mean} (the inverse of {@link #apply(Tensor)}); {@code x} is not modified. */
    public Tensor invert(Tensor x) {
        check(x);
        double[] in = x.data();
        double[] out = new double[in.length];
        int f = mean.length;
        for (int i = 0; i < in.length; i++) {
            out[i] = in[i] * std[i % f] + mean[i % f];
        }
        return new Tensor(x.shape(), out);
    }

    /** The data set with standardised inputs (new tensor; {@code data} is not modified). */
    public Dataset apply(Dataset data) {
        return data.withInputs(apply(data.inputs()), data.featureNames(), data.source() + "; standardised (z-score fitted on "
                + fittedOn + ")");
    }

    private void check(Tensor x) {
        if (x.shape().rank() != 2 || x.shape().dim(1) != mean.length) {
            throw new IllegalArgumentException("standardisation of " + mean.length + " features cannot apply to shape " + x.shape());
        }
    }
}
