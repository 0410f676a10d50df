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
    private HtmlIndex() {
    }

    /**
     * Writes {@code dir/index.html}: a title, a description paragraph, and per row its panel image and a
     * table of its main numbers (classes, status, lower bound, verified upper bound, gap, passes), with
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
            row(sb, "image", r.get("index") + " (" + r.get("source") + ")");
            if (!"".equals(r.get("label_name"))) {
                row(sb, "label", r.get("label_name"));
            }
            row(sb, "predicted", r.get("predicted_name"));
            row(sb, "nearest competitor / target", r.get("chosen_name"));
            row(sb, "model", r.get("perturbation") + " " + r.get("mode") + " " + r.get("objective") + ", kappa " + r.get("kappa"));
            row(sb, "status", r.get("status") + ", stopped: " + r.get("stop_reason"));
            row(sb, "certified lower bound ||t|| (linearized, dual)", num(r.get("norm_lower_bound")));
            row(sb, "verified upper bound r_hi", Boolean.TRUE.equals(r.get("verified"))
                    ? num(r.get("r_hi")) + " (adversarial class " + r.get("adversarial_name") + ", margin "
                    + num(r.get("adversarial_margin")) + ")" : "none verified");
            row(sb, "relative gap", num(r.get("relative_gap")));
            row(sb, "completeness residual (dual / path)", num(r.get("dual_residual")) + " / " + num(r.get("path_residual")));
            row(sb, "outer iterations, forward / reverse passes", r.get("outer_iterations") + ", " + r.get("forward_passes")
                    + " / " + r.get("reverse_passes"));
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

    private static void row(StringBuilder sb, String k, Object v) {
        sb.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(String.valueOf(v))).append("</td></tr>\n");
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
