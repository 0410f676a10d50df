package org.lde.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.lde.explain.AttributionKind;
import org.lde.explain.Explanation;
import org.lde.io.AtomicFiles;
import org.lde.model.FeatureScaling;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.report.FeatureTable;

/**
 * {@code lde explain} on a model with per-feature domains: per sample a table of the features sorted by
 * attribution magnitude, with values and changes in the features' units ({@link FeatureTable}), printed,
 * and all of them in {@code features.csv} beside the other results.
 */
final class TabularExplanations {
    /** Rows printed per sample (all are in features.csv). */
    static final int TOP = 10;

    private TabularExplanations() {
    }

    /** Writes {@code features.csv} (every feature of every sample, in units) into {@code dir}; returns its path. */
    static Path writeCsv(FeatureScaling f, ExplainCommand.Inputs in, List<Explanation> all, AttributionKind kind, Path dir) {
        StringBuilder csv = new StringBuilder(FeatureTable.csvHeader()).append('\n');
        for (int i = 0; i < all.size(); i++) {
            Explanation e = all.get(i);
            List<FeatureTable.Row> rows = FeatureTable.rows(f, in.x().row(i), e, kind);
            boolean verified = FeatureTable.verifiedChange(e);
            for (int k = 0; k < rows.size(); k++) {
                csv.append(FeatureTable.csvRow(in.indices()[i], k + 1, rows.get(k), verified, kind)).append('\n');
            }
        }
        Path file = dir.resolve("features.csv");
        AtomicFiles.writeString(file, csv);
        return file;
    }

    /** Prints the per-sample tables (the {@link #TOP} largest attributions) and where the CSV went. */
    static void print(FeatureScaling f, ExplainCommand.Inputs in, List<Explanation> all, AttributionKind kind, Path csvFile,
                      Network net) {
        String attr = kind.name().toLowerCase(Locale.ROOT);
        System.out.println("features in their own units (the engine works on each feature scaled to [0, 1] over its domain; "
                + "a change of share s is s (hi - lo) in units; r_hi, r_lin are norms of those shares)");
        for (int i = 0; i < all.size(); i++) {
            Explanation e = all.get(i);
            List<FeatureTable.Row> rows = FeatureTable.rows(f, in.x().row(i), e, kind);
            boolean verified = FeatureTable.verifiedChange(e);
            String what;
            if (net.task() == Task.REGRESSION) {
                double y = e.logits().data()[0];
                what = String.format(Locale.ROOT, "output %s = %.4g; goal: move it by kappa = %s%s", net.classNames().get(0), y,
                        e.kappa(), verified ? String.format(Locale.ROOT, ", verified: a forward pass moves it by %.4g in the goal's "
                                + "direction", e.adversarial().get().margin()) : ", none verified");
            } else {
                what = "predicted " + net.classNames().get(e.predictedClass()) + (verified ? ", verified -> "
                        + net.classNames().get(e.adversarial().get().outputClass()) : ", none verified");
            }
            System.out.printf(Locale.ROOT, "%d %s: %s%n", in.indices()[i], in.sources().get(i), what);
            System.out.print(FeatureTable.text(rows, TOP, attr, verified));
        }
        System.out.println("wrote " + csvFile + " (every feature of every sample, in units)");
    }
}
