package org.lde.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.lde.io.AtomicFiles;

/**
 * The one-page report of issue 17: reads the part files that {@code lde robustness} wrote
 * ({@code RESULTS/MODEL/PART.json}) and the {@code evaluate.json} of {@code lde evaluate} runs, and writes
 * {@code index.html} with its PNG figures (accuracy against the attack budget, MoRF curves, time per
 * explanation) and tables (attribution consistency, the ablation without the dual, masking), every figure
 * captioned with the command that made its data, and beside it {@code accuracy.csv}, {@code consistency.csv}
 * and {@code summary.json} (everything the page shows). The per-part CSV/JSON stay where they are and are linked.
 */
public final class RobustnessReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final List<String> ATTACK_PARTS = List.of("pgd-linf", "pgd-l2", "cw", "wasserstein");

    private RobustnessReport() {
    }

    /** One model's parts, read from its folder. */
    record ModelResults(String model, Path dir, Map<String, JsonNode> parts) {
    }

    /**
     * Writes the report.
     *
     * @param results      the folder of {@code lde robustness --out} (one sub-folder per model)
     * @param evaluateDirs folders holding an {@code evaluate.json} (MoRF curves); may be empty
     * @param out          where {@code index.html}, the PNGs and the summary CSV/JSON go
     * @param command      the command that writes this report (shown on the page)
     * @return the HTML file
     */
    public static Path write(Path results, List<Path> evaluateDirs, Path out, String command) throws IOException {
        List<ModelResults> models = read(results);
        if (models.isEmpty() && evaluateDirs.isEmpty()) {
            throw new IllegalArgumentException("no results to report: '" + results + "' holds no MODEL/PART.json of lde robustness, "
                    + "and no evaluate folder was given");
        }
        Files.createDirectories(out);
        ObjectNode summary = JSON.createObjectNode();
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>LDE robustness and faithfulness report</title>\n")
                .append("<style>body{font-family:sans-serif;max-width:1000px;margin:auto}table{border-collapse:collapse;margin:8px 0}"
                        + "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#eee}td:first-child{text-align:left}"
                        + "figcaption,.cmd{font-size:90%;color:#333}code{background:#f4f4f4}</style></head><body>\n")
                .append("<h1>LDE: robustness and faithfulness</h1>\n<p class=\"cmd\">This page: <code>").append(esc(command))
                .append("</code>. Every figure names the command that computed its data; the numbers are in the CSV/JSON files linked "
                        + "beside it (<a href=\"accuracy.csv\">accuracy.csv</a>, <a href=\"consistency.csv\">consistency.csv</a>, "
                        + "<a href=\"summary.json\">summary.json</a>).</p>\n");
        accuracy(models, out, results, html, summary);
        consistency(models, out, html, summary);
        ablation(models, html, summary);
        masking(models, html, summary);
        morf(evaluateDirs, out, html, summary);
        html.append("</body></html>\n");
        AtomicFiles.writeString(out.resolve("summary.json"), JSON.writeValueAsString(summary) + "\n");
        Path index = out.resolve("index.html");
        AtomicFiles.writeString(index, html);
        return index;
    }

    static List<ModelResults> read(Path results) throws IOException {
        List<ModelResults> out = new ArrayList<>();
        if (!Files.isDirectory(results)) {
            return out;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(results)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path d : dirs) {
            Map<String, JsonNode> parts = new LinkedHashMap<>();
            for (String p : List.of("pgd-linf", "pgd-l2", "cw", "wasserstein", "consistency", "ablation", "masking")) {
                Path f = d.resolve(p + ".json");
                if (Files.isRegularFile(f)) {
                    try {
                        parts.put(p, JSON.readTree(Files.readString(f, StandardCharsets.UTF_8)));
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read '" + f + "': " + e.getMessage(), e);
                    }
                }
            }
            if (!parts.isEmpty()) {
                out.add(new ModelResults(d.getFileName().toString(), d, parts));
            }
        }
        return out;
    }

    private static void accuracy(List<ModelResults> models, Path out, Path results, StringBuilder html, ObjectNode summary)
            throws IOException {
        html.append("<h2>Accuracy against the attack budget</h2>\n<p>Accuracy against the labels at each budget (0: clean). "
                + "PGD and the Wasserstein attack run at each budget; Carlini-Wagner L2 is a minimal-norm attack, run once, "
                + "and counts a sample as broken when it fooled it within the budget. Each is an upper bound on the true "
                + "robust accuracy (a stronger attack can only lower it).</p>\n");
        StringBuilder csv = new StringBuilder("model,attack,budget,robust_accuracy,correct,samples\n");
        ArrayNode all = summary.putArray("accuracy");
        Map<String, String> plotTitles = Map.of("linf", "PGD L_inf", "l2", "PGD L2 and Carlini-Wagner L2", "w", "Wasserstein (per unit mass)");
        for (String family : List.of("linf", "l2", "w")) {
            Map<String, double[]> series = new LinkedHashMap<>();
            Map<String, double[][]> points = new LinkedHashMap<>();
            double[] x = null;
            Set<String> commands = new LinkedHashSet<>();
            boolean sameX = true;
            for (ModelResults m : models) {
                for (String p : ATTACK_PARTS) {
                    if (!family.equals(family(p)) || !m.parts().containsKey(p)) {
                        continue;
                    }
                    JsonNode j = m.parts().get(p);
                    JsonNode rows = j.path("budgets");
                    double[] bx = new double[rows.size()];
                    double[] by = new double[rows.size()];
                    for (int i = 0; i < rows.size(); i++) {
                        bx[i] = rows.get(i).path("budget").asDouble();
                        by[i] = rows.get(i).path("robustAccuracy").asDouble();
                        csv.append(String.format(Locale.ROOT, "%s,%s,%s,%.6g,%d,%d%n", m.model(), p, rows.get(i).path("budget").asText(),
                                by[i], rows.get(i).path("correct").asInt(), rows.get(i).path("samples").asInt()));
                        ObjectNode o = all.addObject();
                        o.put("model", m.model()).put("attack", p).put("budget", bx[i]).put("robustAccuracy", by[i])
                                .put("samples", rows.get(i).path("samples").asInt()).put("command", j.path("command").asText());
                    }
                    if (x == null) {
                        x = bx;
                    } else if (!Arrays.equals(x, bx)) {
                        sameX = false;
                    }
                    String name = m.model() + " " + p + " (n=" + (rows.size() > 0 ? rows.get(0).path("samples").asInt() : 0) + ")";
                    series.put(name, by);
                    points.put(name, new double[][] {bx, by});
                    commands.add(j.path("command").asText() + "   [" + p + ": " + j.path("description").asText() + "]");
                }
            }
            if (series.isEmpty() || x == null) {
                continue;
            }
            html.append("<h3>").append(esc(plotTitles.get(family))).append("</h3>\n");
            String png = "accuracy-" + family + ".png";
            Charts.Builder chart = Charts.lineChart(plotTitles.get(family) + ": accuracy vs budget")
                    .xAxis("budget", family.equals("w") ? "transport cost per unit mass" : family.equals("linf") ? "L_inf" : "L2")
                    .yAxis("accuracy", "");
            for (Map.Entry<String, double[][]> e : points.entrySet()) {
                chart.series(e.getKey(), e.getValue()[0], e.getValue()[1]);
            }
            Charts.writePng(chart.build(), out.resolve(png));
            figure(html, png, commands);
            if (!sameX) {
                continue; // the table needs one budget grid
            }
            table(html, x, series);
        }
        AtomicFiles.writeString(out.resolve("accuracy.csv"), csv);
        html.append("<p>Per-part files: ");
        for (ModelResults m : models) {
            for (String p : m.parts().keySet()) {
                String rel = out.toAbsolutePath().normalize().relativize(m.dir().toAbsolutePath().normalize()).resolve(p).toString()
                        .replace('\\', '/');
                html.append("<a href=\"").append(esc(rel)).append(".json\">").append(esc(m.model() + "/" + p)).append(".json</a> ")
                        .append("<a href=\"").append(esc(rel)).append(".csv\">csv</a>; ");
            }
        }
        html.append("</p>\n");
    }

    private static String family(String part) {
        return part.equals("pgd-linf") ? "linf" : part.equals("wasserstein") ? "w" : "l2";
    }

    private static void table(StringBuilder html, double[] x, Map<String, double[]> series) {
        html.append("<table><tr><th>series</th>");
        for (double v : x) {
            html.append("<th>").append(num(v)).append("</th>");
        }
        html.append("</tr>\n");
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            html.append("<tr><td>").append(esc(e.getKey())).append("</td>");
            for (double v : e.getValue()) {
                html.append("<td>").append(String.format(Locale.ROOT, "%.3f", v)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static void consistency(List<ModelResults> models, Path out, StringBuilder html, ObjectNode summary) throws IOException {
        StringBuilder csv = new StringBuilder("model,method,shift,samples,spearman_mean,spearman_ci_lo,spearman_ci_hi,topk_mean,topk_ci_lo,topk_ci_hi,k\n");
        ArrayNode arr = summary.putArray("consistency");
        boolean any = false;
        for (ModelResults m : models) {
            JsonNode j = m.parts().get("consistency");
            if (j == null) {
                continue;
            }
            if (!any) {
                html.append("<h2>Consistency of attributions under attacks and shifts</h2>\n<p>Per sample, Spearman's rho and the "
                        + "top-k intersection between the attribution at x and at the moved x' (both for the class predicted at x, "
                        + "signed maps); mean over samples (95% bootstrap intervals in consistency.csv). 1 = unchanged. <i>same decision</i>: "
                        + "only the samples whose predicted class did not change (LDE's FLIP map is 0 once x' is no longer "
                        + "classified as the explained class, so its rho is then undefined and left out).</p>\n");
                any = true;
            }
            html.append("<h3>").append(esc(m.model())).append("</h3>\n<p class=\"cmd\">").append(esc(j.path("command").asText()))
                    .append("; k = ").append(j.path("k").asInt()).append(" features. Shifts: ");
            for (JsonNode s : j.path("shifts")) {
                html.append("<b>").append(esc(s.path("shift").asText())).append("</b>: ").append(esc(s.path("description").asText()))
                        .append(" (n=").append(s.path("samples").asInt()).append("); ");
            }
            html.append("</p>\n");
            List<String> shifts = new ArrayList<>();
            for (JsonNode s : j.path("shifts")) {
                shifts.add(s.path("shift").asText());
            }
            Map<String, Map<String, JsonNode>> byMethod = new LinkedHashMap<>();
            for (JsonNode r : j.path("rows")) {
                byMethod.computeIfAbsent(r.path("method").asText(), k -> new LinkedHashMap<>()).put(r.path("shift").asText(), r);
                csv.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%d%n", m.model(), r.path("method").asText(),
                        r.path("shift").asText(), r.path("samples").asInt(), r.path("spearmanMean").asText(),
                        r.path("spearmanCi95").path(0).asText(), r.path("spearmanCi95").path(1).asText(), r.path("topKMean").asText(),
                        r.path("topKCi95").path(0).asText(), r.path("topKCi95").path(1).asText(), r.path("k").asInt()));
                ObjectNode o = arr.addObject();
                o.put("model", m.model());
                o.setAll((ObjectNode) r);
            }
            html.append("<table><tr><th>method (rho / top-k)</th>");
            for (String s : shifts) {
                html.append("<th>").append(esc(s)).append("</th>");
            }
            html.append("</tr>\n");
            for (Map.Entry<String, Map<String, JsonNode>> e : byMethod.entrySet()) {
                html.append("<tr><td>").append(esc(e.getKey())).append("</td>");
                for (String s : shifts) {
                    JsonNode r = e.getValue().get(s);
                    html.append("<td>").append(r == null ? "" : num3(r.path("spearmanMean")) + " / " + num3(r.path("topKMean"))
                            + "<br><small>same decision (" + r.path("sameDecisionSamples").asInt() + "): "
                            + num3(r.path("spearmanMeanSameDecision")) + " / " + num3(r.path("topKMeanSameDecision")) + "</small>")
                            .append("</td>");
                }
                html.append("</tr>\n");
            }
            html.append("</table>\n");
            Map<String, Double> bars = new LinkedHashMap<>();
            for (JsonNode t : j.path("timing")) {
                bars.put(t.path("method").asText() + String.format(Locale.ROOT, " (%.0f fwd / %.0f rev)",
                        t.path("forwardRowsPerExplanation").asDouble(), t.path("reverseRowsPerExplanation").asDouble()),
                        1000 * t.path("secondsPerExplanation").asDouble());
            }
            if (!bars.isEmpty()) {
                String png = "time-" + m.model() + ".png";
                BarChart.writePng(new BarChart.Bars("Time per explanation, " + m.model() + " (" + j.path("backend").asText()
                        + ", shared machine)", "ms", bars), out.resolve(png));
                int n = 0;
                for (JsonNode s : j.path("shifts")) {
                    n = Math.max(n, s.path("samples").asInt());
                }
                figure(html, png, List.of(j.path("command").asText() + "   [consistency part: the clean inputs' attributions, "
                        + n + " samples in one batch per method]"));
            }
        }
        AtomicFiles.writeString(out.resolve("consistency.csv"), csv);
    }

    private static void ablation(List<ModelResults> models, StringBuilder html, ObjectNode summary) {
        ArrayNode arr = summary.putArray("ablation");
        boolean any = false;
        for (ModelResults m : models) {
            JsonNode j = m.parts().get("ablation");
            if (j == null) {
                continue;
            }
            arr.addObject().put("model", m.model()).set("result", j);
            if (!any) {
                html.append("<h2>Ablation: the dual removed (lambda = 0, the plain gradient step)</h2>\n<p>")
                        .append(esc(j.path("ablation").asText())).append("</p>\n");
                any = true;
            }
            html.append("<h3>").append(esc(m.model())).append("</h3>\n<p class=\"cmd\">").append(esc(j.path("command").asText()))
                    .append("; AOPC: ").append(esc(j.path("aopcProtocol").asText())).append("</p>\n<table><tr><th>method</th><th>AOPC</th>"
                            + "<th>95% interval</th><th>ms per explanation</th></tr>\n");
            for (JsonNode r : j.path("aopc")) {
                html.append("<tr><td>").append(esc(r.path("method").asText())).append("</td><td>").append(num3(r.path("aopc")))
                        .append("</td><td>[").append(num3(r.path("ci95").path(0))).append(", ").append(num3(r.path("ci95").path(1)))
                        .append("]</td><td>").append(String.format(Locale.ROOT, "%.1f", 1000 * r.path("secondsPerExplanation").asDouble()))
                        .append("</td></tr>\n");
            }
            JsonNode v = j.path("verifiedNorm");
            html.append("</table>\n<table><tr><th>additive LDE, L2</th><th>verified</th><th>median r_hi</th></tr>\n<tr><td>with the dual"
                    + "</td><td>").append(v.path("verifiedWithDual").asInt()).append(" / ").append(v.path("samples").asInt())
                    .append("</td><td>").append(num3(v.path("medianRHiWithDual"))).append("</td></tr>\n<tr><td>without (one gradient step)"
                            + "</td><td>").append(v.path("verifiedWithoutDual").asInt()).append(" / ").append(v.path("samples").asInt())
                    .append("</td><td>").append(num3(v.path("medianRHiWithoutDual"))).append("</td></tr>\n</table>\n<p>Median ratio "
                            + "r_hi without / with the dual, over the ").append(v.path("ratioSamples").asInt())
                    .append(" samples both verified: ").append(num3(v.path("medianRatioWithoutOverWith"))).append("</p>\n");
        }
    }

    private static void masking(List<ModelResults> models, StringBuilder html, ObjectNode summary) {
        ArrayNode arr = summary.putArray("masking");
        boolean any = false;
        for (ModelResults m : models) {
            JsonNode j = m.parts().get("masking");
            if (j == null) {
                continue;
            }
            arr.addObject().put("model", m.model()).set("result", j);
            if (!any) {
                html.append("<h2>The seeds' claim: masking the most sensitive features</h2>\n<p>").append(esc(j.path("mask").asText()))
                        .append(". Masks are chosen on the development images, measured on the reported ones.</p>\n");
                any = true;
            }
            html.append("<h3>").append(esc(m.model())).append("</h3>\n<p class=\"cmd\">").append(esc(j.path("command").asText()))
                    .append("; ").append(esc(j.path("pgdLinf").asText())).append("; ").append(esc(j.path("pgdL2").asText()))
                    .append("</p>\n<table><tr><th>selection</th><th>masked</th><th>clean accuracy</th><th>PGD L_inf</th><th>PGD L2</th></tr>\n");
            for (JsonNode r : j.path("rows")) {
                html.append("<tr><td>").append(esc(r.path("selection").asText())).append("</td><td>").append(r.path("masked").asInt())
                        .append("</td><td>").append(num3(r.path("cleanAccuracy"))).append("</td><td>").append(num3(r.path("pgdLinfRobustAccuracy")))
                        .append("</td><td>").append(num3(r.path("pgdL2RobustAccuracy"))).append("</td></tr>\n");
            }
            html.append("</table>\n");
        }
    }

    private static void morf(List<Path> evaluateDirs, Path out, StringBuilder html, ObjectNode summary) throws IOException {
        if (evaluateDirs.isEmpty()) {
            return;
        }
        html.append("<h2>MoRF curves (faithfulness)</h2>\n<p>Mean probability of the predicted class as the most relevant patches "
                + "are removed (x: share of patches removed), from <code>lde evaluate</code>.</p>\n");
        ArrayNode arr = summary.putArray("morf");
        for (Path d : evaluateDirs) {
            Path f = d.resolve("evaluate.json");
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("--evaluate: '" + d + "' holds no evaluate.json");
            }
            JsonNode j = JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
            JsonNode proto = j.path("aopcProtocol");
            JsonNode removed = proto.path("removedPatchesByStep");
            int patches = proto.path("patchCount").asInt();
            Charts.Builder chart = null;
            for (JsonNode m : j.path("methods")) {
                JsonNode curve = m.path("aopc").path("morf").path("meanCurve");
                if (!curve.isArray() || curve.size() < 2) {
                    continue;
                }
                double[] y = new double[curve.size()];
                double[] x = new double[curve.size()];
                for (int i = 0; i < y.length; i++) {
                    y[i] = curve.get(i).asDouble();
                    x[i] = removed.size() == y.length && patches > 0 ? removed.get(i).asDouble() / patches : i;
                }
                if (chart == null) {
                    chart = Charts.lineChart("MoRF, " + j.path("model").asText() + ", " + proto.path("patchSize").asInt() + "x"
                            + proto.path("patchSize").asInt() + " patches, first " + j.path("samples").asInt() + " images")
                            .xAxis(removed.size() == y.length ? "share of patches removed" : "step", "").yAxis("mean p_y", "");
                }
                chart.series(m.path("method").asText() + String.format(Locale.ROOT, " (AOPC %.3f)",
                        m.path("aopc").path("morf").path("aopc").asDouble()), x, y);
            }
            if (chart == null) {
                continue;
            }
            String name = d.getFileName().toString();
            String png = "morf-" + name + ".png";
            Charts.writePng(chart.build(), out.resolve(png));
            String cmd = String.format(Locale.ROOT, "lde evaluate %s --data %s --offset %d --limit %d --patch %d --steps %d "
                            + "--schedule %s --aggregation literature --order morf --bootstrap %d (src/scripts/evaluate-faithfulness.sh)",
                    j.path("model").asText(), j.path("data").asText(), j.path("offset").asInt(), j.path("samples").asInt(),
                    proto.path("patchSize").asInt(), proto.path("stepsL").asInt(), proto.path("schedule").asText(),
                    j.path("bootstrap").path("resamples").asInt());
            figure(html, png, List.of(cmd));
            ObjectNode o = arr.addObject();
            o.put("folder", d.toString().replace('\\', '/')).put("command", cmd).put("png", png);
        }
    }

    private static void figure(StringBuilder html, String png, java.util.Collection<String> commands) {
        html.append("<figure><img src=\"").append(esc(png)).append("\" alt=\"").append(esc(png)).append("\"><figcaption>Made by: ");
        for (String c : commands) {
            html.append("<br><code>").append(esc(c)).append("</code>");
        }
        html.append("</figcaption></figure>\n");
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String num3(JsonNode n) {
        return n.isNumber() ? String.format(Locale.ROOT, "%.3f", n.asDouble()) : "n/a";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
