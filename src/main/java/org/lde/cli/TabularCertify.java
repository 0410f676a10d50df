package org.lde.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lde.certify.BoundResult;
import org.lde.certify.Certifier;
import org.lde.certify.Specification;
import org.lde.engine.Backend;
import org.lde.model.FeatureScaling;
import org.lde.model.Network;
import org.lde.tensor.Tensor;

/**
 * {@code lde certify} in a tabular model's own terms: what an L_inf radius means per feature, and for a
 * regression model certified bounds on its output over the box, in the target's units.
 */
final class TabularCertify {
    private TabularCertify() {
    }

    /**
     * One line per radius: an L_inf {@code eps} in the scaled space lets feature {@code j} move by
     * {@code eps (hi_j - lo_j)} in its units (within its domain). The L2 ball has no per-feature form: it bounds
     * {@code sqrt(sum_j (change_j / (hi_j - lo_j))^2)}.
     */
    static String unitsText(FeatureScaling f, double[] radii, boolean linf) {
        StringBuilder sb = new StringBuilder();
        if (!linf) {
            sb.append("L2 radius eps on features scaled to [0, 1]: sqrt(sum_j (change_j / (hi_j - lo_j))^2) <= eps, the "
                    + "change measured in fractions of each feature's domain width\n");
            return sb.toString();
        }
        for (double e : radii) {
            sb.append(String.format(Locale.ROOT, "eps %s (L_inf on features scaled to [0, 1]) lets each feature move by eps "
                    + "(hi - lo) in its units, inside its domain:", e));
            for (int j = 0; j < f.size(); j++) {
                sb.append(j == 0 ? " " : "; ").append(f.label(j)).append(String.format(Locale.ROOT, " +-%.4g", e * f.width(j)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Per-feature {@code eps (hi_j - lo_j)} for the JSON output. */
    static Map<String, Object> unitsJson(FeatureScaling f, double eps) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int j = 0; j < f.size(); j++) {
            m.put(f.names().get(j), eps * f.width(j));
        }
        return m;
    }

    /**
     * A regression model: per sample and radius, certified bounds {@code lower <= f(x') <= upper} on the output over
     * the input set (the method and norm of {@code certifier}); with a {@code threshold}, "certified" when the whole
     * interval lies on the side of it where {@code f(x)} lies. Prints a table and writes certify.csv and certify.json.
     */
    static void regression(Network net, Certifier certifier, Backend backend, ExplainCommand.Inputs in, double[] radii,
                           Double threshold, int batch, Map<String, Object> settings, Path out) {
        int n = in.x().shape().dim(0);
        double[] fx = new double[n];
        double[][] lower = new double[n][radii.length];
        double[][] upper = new double[n][radii.length];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            Tensor x = in.x().slice(from, to);
            Tensor z = backend.forward(x);
            CliChecks.finiteLogits(z, from, "", backend.name());
            BoundResult br = certifier.bounds(backend, x, Specification.logits(), radii);
            for (int i = 0; i < to - from; i++) {
                fx[from + i] = z.data()[i];
                for (int e = 0; e < radii.length; e++) {
                    lower[from + i][e] = br.lower().data()[i * radii.length + e];
                    upper[from + i][e] = br.upper().data()[i * radii.length + e];
                }
            }
        }
        String name = net.classNames().get(0);
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%4s %-26s %12s", "#", "sample", name));
        for (double e : radii) {
            table.append(String.format(Locale.ROOT, " %27s", "bounds at eps " + e)).append(threshold == null ? "" : "    ");
        }
        table.append('\n');
        List<Map<String, Object>> rows = new ArrayList<>();
        StringBuilder csv = new StringBuilder("index,source,output,eps,lower,upper,threshold,certified\n");
        int[] count = new int[radii.length];
        for (int i = 0; i < n; i++) {
            table.append(String.format(Locale.ROOT, "%4d %-26s %12.5g", in.indices()[i], in.sources().get(i), fx[i]));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", in.indices()[i]);
            row.put("source", in.sources().get(i));
            row.put("output", fx[i]);
            List<Map<String, Object>> per = new ArrayList<>();
            for (int e = 0; e < radii.length; e++) {
                Boolean ok = threshold == null ? null : fx[i] > threshold ? lower[i][e] > threshold : upper[i][e] < threshold;
                count[e] += Boolean.TRUE.equals(ok) ? 1 : 0;
                table.append(String.format(Locale.ROOT, " [%12.5g, %12.5g]", lower[i][e], upper[i][e]))
                        .append(ok == null ? "" : ok ? " yes" : "  no");
                Map<String, Object> pe = new LinkedHashMap<>();
                pe.put("eps", radii[e]);
                pe.put("lower", lower[i][e]);
                pe.put("upper", upper[i][e]);
                pe.put("certified", ok);
                per.add(pe);
                csv.append(in.indices()[i]).append(',').append(in.sources().get(i)).append(',').append(fx[i]).append(',')
                        .append(radii[e]).append(',').append(lower[i][e]).append(',').append(upper[i][e]).append(',')
                        .append(threshold == null ? "" : threshold).append(',').append(ok == null ? "" : ok).append('\n');
            }
            row.put("bounds", per);
            rows.add(row);
            table.append('\n');
        }
        System.out.print(table);
        if (threshold != null) {
            for (int e = 0; e < radii.length; e++) {
                System.out.printf(Locale.ROOT, "eps %s: %d/%d samples certified to stay on their side of %s = %s%n", radii[e],
                        count[e], n, name, threshold);
            }
        }
        settings.put("specification", "the regression output " + name + " (lower and upper bounds over the input set)");
        settings.put("threshold", threshold);
        try {
            Files.createDirectories(out);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("settings", settings);
            doc.put("samples", rows);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("certify.json").toFile(), doc);
            Files.writeString(out.resolve("certify.csv"), csv.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + out + ": " + e.getMessage(), e);
        }
        System.out.println("wrote " + out.resolve("certify.csv") + " and " + out.resolve("certify.json"));
    }
}
