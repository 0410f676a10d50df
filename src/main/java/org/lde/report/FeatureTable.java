package org.lde.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.lde.explain.AttributionKind;
import org.lde.explain.Explanation;
import org.lde.model.FeatureScaling;
import org.lde.tensor.Tensor;

/**
 * An explanation of a tabular model in its features' own terms: one row per feature with its value, the
 * change that moves the decision and the new value, all in the feature's units, and the attribution; rows
 * sorted by attribution magnitude (ties: the lower feature index first).
 *
 * <p>The change is the verified one ({@code x' - x} for the adversarial point that a forward pass confirmed)
 * when the explanation holds one, otherwise the solution {@code delta*} of the final linearized problem
 * (then labelled "linearized", not verified). The engine works on features scaled to {@code [0, 1]} per
 * feature ({@link FeatureScaling}), so a change of {@code delta_j} there is {@code delta_j (hi_j - lo_j)} in
 * units, and {@code share} is {@code delta_j} itself: the change as a fraction of the feature's domain width.
 * The contributions ({@code t_j (A^T lambda)_j}, the margin and path contributions: a change times a gradient,
 * and {@code dm/dx_j = (hi_j - lo_j) dm/draw_j}) are in the output's units (logit margin, or the regression
 * output) in both spaces and need no conversion; the perturbation and shadow-price maps are in the scaled space.
 */
public final class FeatureTable {
    private FeatureTable() {
    }

    /**
     * One feature of one explanation.
     *
     * @param feature     the feature's index
     * @param name        its name
     * @param unit        its unit ({@code ""} when none is stated)
     * @param value       {@code x_j} in units
     * @param change      the change in units ({@code (hi_j - lo_j) delta_j})
     * @param newValue    {@code value + change}
     * @param share       the change as a fraction of the domain width ({@code delta_j} in the scaled space)
     * @param attribution the attribution of the feature
     */
    public record Row(int feature, String name, String unit, double value, double change, double newValue, double share,
                      double attribution) {
    }

    /** Whether {@link #rows} uses the verified change ({@code true}) or the linearized {@code delta*}. */
    public static boolean verifiedChange(Explanation e) {
        return e.adversarial().isPresent();
    }

    /**
     * The rows of explanation {@code e} of the network input {@code x} ({@code [F]}, scaled), sorted by
     * {@code |attribution|} descending.
     */
    public static List<Row> rows(FeatureScaling f, Tensor x, Explanation e, AttributionKind kind) {
        double[] d = verifiedChange(e) ? e.adversarial().get().delta().data() : e.delta().data();
        double[] units = f.toUnits(x).data();
        double[] phi = e.attribution(kind).data();
        List<Row> rows = new ArrayList<>();
        for (int j = 0; j < f.size(); j++) {
            double change = d[j] * f.width(j);
            rows.add(new Row(j, f.names().get(j), f.units().get(j), units[j], change, units[j] + change, d[j], phi[j]));
        }
        rows.sort(Comparator.comparingDouble((Row r) -> -Math.abs(r.attribution())).thenComparingInt(Row::feature));
        return rows;
    }

    /** The first {@code top} rows as a text table (feature, unit, value, change, new value, share, attribution). */
    public static String text(List<Row> rows, int top, String attributionName, boolean verified) {
        int w = "feature".length();
        for (Row r : rows) {
            w = Math.max(w, r.name().length());
        }
        StringBuilder sb = new StringBuilder();
        String change = verified ? "change (verified)" : "change (linearized)";
        sb.append(String.format(Locale.ROOT, "  %-" + w + "s  %-8s %12s %20s %12s %8s %14s%n", "feature", "unit", "value", change,
                "new value", "share", attributionName));
        for (int k = 0; k < Math.min(top, rows.size()); k++) {
            Row r = rows.get(k);
            sb.append(String.format(Locale.ROOT, "  %-" + w + "s  %-8s %12.5g %+20.5g %12.5g %+8.3f %+14.5g%n", r.name(),
                    r.unit().isEmpty() ? "-" : r.unit(), r.value(), r.change(), r.newValue(), r.share(), r.attribution()));
        }
        if (top < rows.size()) {
            sb.append(String.format(Locale.ROOT, "  (%d more features with smaller |%s|)%n", rows.size() - top, attributionName));
        }
        return sb.toString();
    }

    /** The CSV header of {@link #csvRow}. */
    public static String csvHeader() {
        return "index,rank,feature,name,unit,value,change,new_value,share_of_domain,change_kind,attribution_kind,attribution";
    }

    /** One CSV line (no line end) for row {@code r}, at position {@code rank} (1-based) of sample {@code index}. */
    public static String csvRow(int index, int rank, Row r, boolean verified, AttributionKind kind) {
        return index + "," + rank + "," + r.feature() + "," + quote(r.name()) + "," + quote(r.unit()) + "," + r.value() + ","
                + r.change() + "," + r.newValue() + "," + r.share() + "," + (verified ? "verified" : "linearized") + ","
                + kind.name().toLowerCase(Locale.ROOT) + "," + r.attribution();
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
