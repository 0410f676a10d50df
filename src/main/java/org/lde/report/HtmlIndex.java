package org.lde.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lde.io.AtomicFiles;

/** A self-contained {@code index.html} showing the panels of a run with their certificates. */
public final class HtmlIndex {
    /** What the certificate's numbers mean (METHOD.md section 4), for the page's description. */
    public static final String LEGEND = "r_lo: the certified radius, no perturbation of that size (in the stated norm, "
            + "inside the data domain) changes the decision (bounds on the network; computed with --certify). "
            + "r_hi: the size of the smallest perturbation found that a float64 forward pass of the network confirms. "
            + "So r_lo <= r_true <= r_hi. r_lin: the dual bound of the problem linearized at the input, a local "
            + "estimate and not a bound on the network.";
    private HtmlIndex() {
    }

    /**
     * Writes {@code dir/index.html}: a title, a description paragraph, and per row its panel image and a
     * table of its main numbers (classes; the interval {@code r_lo <= r_true <= r_hi} with r_lo "certified" or "not
     * computed" and r_hi "verified" or "none verified"; the linearized r_lin, labelled local; passes), with
     * links to the JSON lines and CSV files.
     *
     * @return the path written
     */
    public static Path write(Path dir, String title, String description, List<Map<String, Object>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:70em}"
                        + "figure{margin:1.5em 0;border-top:1px solid #ccc;padding-top:1em}"
                        + "table{border-collapse:collapse;font-size:90%}td,th{padding:2px 8px;text-align:left}"
                        + "th{color:#555;font-weight:normal}</style></head><body>\n");
        sb.append("<h1>").append(esc(title)).append("</h1>\n<p>").append(esc(description)).append("</p>\n");
        sb.append("<p>All numbers: <a href=\"").append(ExplanationReport.JSONL).append("\">")
                .append(ExplanationReport.JSONL).append("</a>, <a href=\"").append(ExplanationReport.CSV).append("\">")
                .append(ExplanationReport.CSV).append("</a>.</p>\n");
        for (Map<String, Object> r : rows) {
            sb.append("<figure id=\"img").append(r.get("index")).append("\">\n");
            Object panel = r.get("panel");
            if (panel != null && !panel.toString().isEmpty()) {
                sb.append("<img src=\"").append(esc(panel.toString())).append("\" alt=\"explanation ")
                        .append(r.get("index")).append("\">\n");
            }
            sb.append("<figcaption><table>\n");
            details(sb, r);
            sb.append("</table></figcaption></figure>\n");
        }
        sb.append("</body></html>\n");
        Path out = dir.resolve("index.html");
        try {
            Files.createDirectories(dir);
            AtomicFiles.writeString(out, sb);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write '" + out + "': " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * The rows of one explanation's table of main numbers (classes; the interval {@code r_lo <= r_true <= r_hi};
     * the linearized r_lin, labelled local; residuals; passes), from its {@link ExplanationRows} row.
     */
    static void details(StringBuilder sb, Map<String, Object> r) {
        row(sb, "image", r.get("index") + " (" + r.get("source") + ")");
        if (!"".equals(r.get("label_name"))) {
            row(sb, "label", r.get("label_name"));
        }
        row(sb, "predicted", r.get("predicted_name"));
        row(sb, "nearest competitor / target", r.get("chosen_name"));
        row(sb, "model", r.get("perturbation") + " " + r.get("mode") + " " + r.get("objective") + ", kappa " + r.get("kappa"));
        boolean verified = Boolean.TRUE.equals(r.get("verified"));
        row(sb, "minimal perturbation", CertificateText.interval(String.valueOf(r.get("norm")), dbl(r.get("r_lo")), verified,
                dbl(r.get("r_hi")), dbl(r.get("r_lo_over_r_hi"))));
        row(sb, "verified adversarial", verified ? "class " + r.get("adversarial_name") + ", margin "
                + num(r.get("adversarial_margin")) + " (confirmed by " + r.get("verified_by") + ")" : "none verified");
        row(sb, "linearized dual bound", CertificateText.linearized(String.valueOf(r.get("linearized_status")),
                dbl(r.get("r_lin")), dbl(r.get("linearized_relative_gap")), verified, "DELETION".equals(r.get("perturbation"))));
        row(sb, "outer loop stopped", "INFEASIBLE_IN_BOX".equals(r.get("stop_reason"))
                ? "INFEASIBLE_IN_BOX (the linearization at its current point has no solution in the box; a search "
                + "step, not a statement about the network)" : r.get("stop_reason"));
        row(sb, "completeness residual (dual / path)", num(r.get("dual_residual")) + " / " + num(r.get("path_residual")));
        row(sb, "outer iterations, forward / reverse passes", r.get("outer_iterations") + ", " + r.get("forward_passes")
                + " / " + r.get("reverse_passes"));
    }

    private static void row(StringBuilder sb, String k, Object v) {
        sb.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(String.valueOf(v))).append("</td></tr>\n");
    }

    private static double dbl(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String num(Object o) {
        if (o instanceof Double d) {
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%.5g", d) : d.toString();
        }
        return String.valueOf(o);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
