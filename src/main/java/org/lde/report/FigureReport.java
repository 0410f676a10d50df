package org.lde.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.lde.explain.AttributionKind;
import org.lde.explain.Certificate;
import org.lde.explain.Explanation;
import org.lde.explain.Perturbation;
import org.lde.explain.VerifiedPoint;
import org.lde.io.AtomicFiles;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The run's {@code index.html} as a figure: a summary table of the whole run; per image large tiles (input;
 * the attribution map, {@code delta*} and the difference {@code x' - x} on a diverging colour map symmetric
 * around zero, each with its colour bar and magnitudes, over the input's outline; the verified adversarial
 * input), the class probabilities before and after, the certificate as an interval drawn on a line, and
 * (with {@code --compare}) the maps of other attribution methods side by side; at the end the definitions
 * of every number and picture. Tiles are PNG files named by the image's index in its data set
 * ({@code img-0150-input.png}). The maps are pixel images (one block per input pixel, drawn by {@link Colormap}: an
 * image, not a chart). The charts are drawn by JFreeChart ({@link Charts}) into PNG files at twice their size on the
 * page: each map's colour bar ({@link ColourBar}, {@code img-0150-attribution-bar.png}), the class probabilities
 * ({@code img-0150-probabilities.png}) and the certificate's interval line ({@link IntervalLine},
 * {@code img-0150-interval.png}). Text and tables are HTML.
 *
 * <p>The page checks itself when it loads: a script sets {@code data-images-loaded},
 * {@code data-images-broken} and {@code data-script-errors} on {@code <body>} (read by the headless-browser
 * test).
 */
public final class FigureReport {
    private FigureReport() {
    }

    /**
     * One explained image.
     *
     * @param index             the image's index in its data set (names its files)
     * @param x                 the input {@code [inputShape...]}
     * @param adversarialLogits the network's logits at the verified adversarial input (empty when none)
     * @param compare           other methods' attribution maps of this image, by method name, in display order
     * @param row               the image's {@link ExplanationRows} row
     */
    public record Item(int index, Tensor x, Explanation e, Optional<Tensor> adversarialLogits, Map<String, Tensor> compare,
                       Map<String, Object> row) {
        public Item {
            Objects.requireNonNull(x, "x");
            Objects.requireNonNull(e, "e");
            Objects.requireNonNull(adversarialLogits, "adversarialLogits");
            compare = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(compare));
            Objects.requireNonNull(row, "row");
        }
    }

    /**
     * What the run was.
     *
     * @param title       the page title
     * @param description one paragraph (model, data, explainer)
     * @param wallSeconds the wall time of all explanations together
     */
    public record Run(String title, String description, double wallSeconds) {
    }

    /** The file names of one image's tiles. */
    static String tile(int index, String what) {
        return String.format(Locale.ROOT, "img-%04d-%s.png", index, what);
    }

    /**
     * Writes the tiles and {@code dir/index.html}.
     *
     * @return the index file
     */
    public static Path write(Path dir, Network net, List<Item> items, AttributionKind kind, Run run) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a report needs at least one explained image");
        }
        Shape s = items.get(0).x().shape();
        boolean images = s.rank() == 3 && (s.dim(0) == 1 || s.dim(0) == 3);
        boolean classification = net.task() == Task.CLASSIFICATION;
        StringBuilder sb = new StringBuilder(1 << 16);
        head(sb, run.title());
        sb.append("<h1>").append(esc(run.title())).append("</h1>\n<p>").append(esc(run.description())).append("</p>\n");
        summary(sb, items, run);
        sb.append("<p>Every number of every image: <a href=\"").append(ExplanationReport.JSONL).append("\">")
                .append(ExplanationReport.JSONL).append("</a>, <a href=\"").append(ExplanationReport.CSV).append("\">")
                .append(ExplanationReport.CSV).append("</a>. What each number and picture means: <a href=\"#definitions\">"
                        + "definitions</a> at the end of the page.</p>\n");
        for (Item it : items) {
            figure(sb, dir, net, it, kind, images, classification);
        }
        definitions(sb, kind, items.get(0).e().perturbation(), images);
        sb.append(SELF_CHECK).append("</body></html>\n");
        Path out = dir.resolve("index.html");
        try {
            Files.createDirectories(dir);
            AtomicFiles.writeString(out, sb);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write '" + out + "': " + ex.getMessage(), ex);
        }
        return out;
    }

    private static final String SELF_CHECK = "<script>\n"
            + "window.addEventListener('error', function () { var b = document.body; "
            + "b.dataset.scriptErrors = String(Number(b.dataset.scriptErrors || 0) + 1); }, true);\n"
            + "window.addEventListener('load', function () { var ok = 0, bad = 0; "
            + "document.querySelectorAll('img').forEach(function (i) { if (i.complete && i.naturalWidth > 0) { ok++; } "
            + "else { bad++; } }); var b = document.body; b.dataset.imagesLoaded = String(ok); "
            + "b.dataset.imagesBroken = String(bad); b.dataset.scriptErrors = b.dataset.scriptErrors || '0'; });\n"
            + "</script>\n";

    private static void head(StringBuilder sb, String title) {
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>\n"
                        + "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:1.5em 2em;color:#222;max-width:84em}\n"
                        + "h1{font-size:150%}h2{font-size:120%;margin-top:1.6em}\n"
                        + "table{border-collapse:collapse;font-size:88%}td,th{padding:2px 8px;text-align:left;vertical-align:top}\n"
                        + "th{color:#555;font-weight:normal}\n"
                        + "table.sum td:nth-child(n+2),table.runs td:nth-child(n+2){text-align:right;font-variant-numeric:tabular-nums}\n"
                        + "table.runs th,table.runs td{border-bottom:1px solid #e4e4e4}\n"
                        + "section.fig{border-top:2px solid #bbb;margin-top:2em;padding-top:.8em}\n"
                        + ".tiles{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}\n"
                        + ".tile{width:232px;font-size:85%}.tile img{width:224px;height:224px;image-rendering:pixelated;"
                        + "border:1px solid #999;display:block}\n"
                        + ".tile .t{font-weight:bold;margin-bottom:2px}.tile .s{color:#555;min-height:2.4em}\n"
                        + ".empty{width:224px;height:224px;border:1px dashed #999;display:flex;align-items:center;"
                        + "justify-content:center;color:#777;background:#f4f4f4}\n"
                        + ".row2{display:flex;flex-wrap:wrap;gap:36px;margin-top:1em}\n"
                        + ".tile img.colourbar{width:224px;height:40px;border:none;image-rendering:auto;margin-top:2px}\n"
                        + ".tile .m{color:#555;font-size:90%}\n"
                        + "dl.defs dt{font-weight:bold;margin-top:.5em}dl.defs dd{margin-left:1.5em}\n"
                        + "details{margin-top:.8em}\n"
                        + "</style></head><body>\n");
    }

    private static void summary(StringBuilder sb, List<Item> items, Run run) {
        int n = items.size();
        int verified = 0;
        int withLo = 0;
        List<Double> rHi = new ArrayList<>();
        List<Double> rLo = new ArrayList<>();
        List<Double> ratio = new ArrayList<>();
        List<Double> width = new ArrayList<>();
        long fwd = 0;
        long rev = 0;
        long outer = 0;
        String norm = items.get(0).e().certificate().norm().name();
        for (Item it : items) {
            Certificate c = it.e().certificate();
            fwd += it.e().forwardPasses();
            rev += it.e().reversePasses();
            outer += it.e().outerIterations();
            if (c.verified()) {
                verified++;
                rHi.add(c.rHi());
            }
            if (c.rLoComputed()) {
                withLo++;
                rLo.add(c.rLo());
            }
            if (c.verified() && c.rLoComputed()) {
                ratio.add(c.rLoOverRHi());
                width.add(c.rHi() - c.rLo());
            }
        }
        sb.append("<h2>Summary of the run</h2>\n<table class=\"sum\">\n");
        sumRow(sb, "images explained", Integer.toString(n));
        sumRow(sb, "verified: a perturbation confirmed by a float64 forward pass", verified + " of " + n + " ("
                + pct(verified, n) + ")");
        sumRow(sb, "certified radius r_lo computed (--certify)", withLo + " of " + n);
        sumRow(sb, "median r_hi (verified upper bound) [" + norm + "]", median(rHi));
        sumRow(sb, "median r_lo (certified radius) [" + norm + "]", median(rLo));
        sumRow(sb, "median interval width r_hi - r_lo", median(width));
        sumRow(sb, "median r_lo / r_hi (1 = the interval is closed)", median(ratio));
        sumRow(sb, "wall time per explanation", String.format(Locale.ROOT, "%.3g s (%.3g s for all %d)", run.wallSeconds() / n,
                run.wallSeconds(), n));
        sumRow(sb, "forward / reverse passes per explanation (mean)", String.format(Locale.ROOT, "%.1f / %.1f", fwd / (double) n,
                rev / (double) n));
        sumRow(sb, "outer iterations per explanation (mean)", String.format(Locale.ROOT, "%.2f", outer / (double) n));
        sb.append("</table>\n");
        sb.append("<h3>Per image</h3>\n<table class=\"runs\"><tr><th>image</th><th>label</th><th>predicted</th><th>p(predicted)</th>"
                + "<th>verified as</th><th>r_lo certified</th><th>r_hi verified</th></tr>\n");
        for (Item it : items) {
            Map<String, Object> r = it.row();
            Certificate c = it.e().certificate();
            double[] p = softmax(it.e().logits().data());
            sb.append("<tr><td><a href=\"#img").append(it.index()).append("\">").append(it.index()).append("</a></td><td>")
                    .append(esc(String.valueOf(r.get("label_name")))).append("</td><td>")
                    .append(esc(String.valueOf(r.get("predicted_name")))).append("</td><td>")
                    .append(p.length > 1 ? fmt(p[it.e().predictedClass()]) : "").append("</td><td>")
                    .append(c.verified() ? esc(String.valueOf(r.get("adversarial_name"))) : "none verified").append("</td><td>")
                    .append(c.rLoComputed() ? fmt(c.rLo()) : "not computed").append("</td><td>")
                    .append(c.verified() ? fmt(c.rHi()) : "none verified").append("</td></tr>\n");
        }
        sb.append("</table>\n");
    }

    private static void definitions(StringBuilder sb, AttributionKind kind, Perturbation p, boolean images) {
        sb.append("<h2 id=\"definitions\">What the numbers and pictures mean</h2>\n<dl class=\"defs\">\n");
        def(sb, "r_true", "the size of the smallest perturbation delta of the input (in the stated norm, keeping the input "
                + "inside the model's data domain) that changes the decision; unknown in general. Every bound below is about "
                + "it: r_lo <= r_true <= r_hi.");
        def(sb, "r_lo, certified radius", "a lower bound on r_true proved from bounds on the whole network (lde explain "
                + "--certify): no perturbation with ||delta|| <= r_lo changes the decision. Without --certify it is \"not "
                + "computed\". Only this number is called certified.");
        def(sb, "r_hi, verified upper bound", "||delta|| of the smallest perturbation that a float64 forward pass of the "
                + "network confirmed to change the decision (the point that was tested, drawn as \"verified adversarial\"). "
                + "\"none verified\" when the search found none: then nothing is claimed.");
        def(sb, "r_lin, linearized bound", "the dual bound of the problem linearized at the input: a local estimate of the "
                + "geometry, not a bound on the network (it can lie above r_hi). For the deletion model it is a norm of t, "
                + "the removed fraction per feature, not of delta.");
        def(sb, "t and delta", p == Perturbation.DELETION ? "deletion model: t_i in [0, 1] is the fraction of feature i "
                + "removed toward the baseline b, delta = (b - x) * t; ||t|| is its norm." : "additive model: delta = t is "
                + "added to the input; ||t|| = ||delta||.");
        def(sb, "relative gap", "(primal - dual) / max(|primal|, |dual|) of the linearized solve: how well the solver "
                + "converged on the linear model (about 1e-16 is machine precision; its sign is rounding). It says "
                + "nothing about the network.");
        def(sb, "completeness residual", "for the dual contribution, |sum of the map - expected| / scale: how far the map's "
                + "sum is from the margin change it should add up to (0 is exact); the path residual is the same for the "
                + "path attribution.");
        def(sb, "probabilities", "softmax of the network's logits at the input (before) and at the verified adversarial "
                + "input (after).");
        if (images) {
            def(sb, "colour maps", "signed maps (attribution " + kind.name().toLowerCase(Locale.ROOT) + ", delta*, x' - x) "
                    + "use a diverging map symmetric around zero: blue negative, white 0, red positive; the bar under each "
                    + "map gives its scale -m .. +m with m = max |value| of that map (channels summed). The dark line is the "
                    + "input's outline (where it crosses " + Math.round(100 * Colormap.OUTLINE_LEVEL) + "% of the data "
                    + "domain). Inputs are grey, the data domain mapped to black..white.");
        }
        sb.append("</dl>\n");
    }

    private static void figure(StringBuilder sb, Path dir, Network net, Item it, AttributionKind kind, boolean images,
                               boolean classification) {
        Explanation e = it.e();
        List<String> names = net.classNames();
        Map<String, Object> r = it.row();
        sb.append("<section class=\"fig\" id=\"img").append(it.index()).append("\">\n<h2>Image ").append(it.index())
                .append(" <small>(").append(esc(String.valueOf(r.get("source")))).append(")</small>: predicted ")
                .append(esc(names.get(e.predictedClass())));
        if (!"".equals(r.get("label_name"))) {
            sb.append(", label ").append(esc(String.valueOf(r.get("label_name"))));
        }
        sb.append("</h2>\n");
        Optional<VerifiedPoint> adv = e.adversarial();
        if (images) {
            double lo = net.lo();
            double hi = net.hi();
            int scale = Colormap.tileScale(it.x().shape());
            sb.append("<div class=\"tiles\">\n");
            png(dir, it.index(), "input", Colormap.imageTile(it.x(), lo, hi, scale));
            tile(sb, it.index(), "input", "input x", "grey: data domain [" + fmt(lo) + ", " + fmt(hi) + "]", null);
            Tensor map = e.attribution(kind);
            signed(sb, dir, it, "attribution", kindTitle(kind), "for class " + names.get(e.explainedClass()), map, lo, hi, scale);
            signed(sb, dir, it, "delta", "perturbation delta*", "the search's perturbation", e.delta(), lo, hi, scale);
            if (adv.isPresent()) {
                png(dir, it.index(), "adversarial", Colormap.imageTile(adv.get().input(), lo, hi, scale));
                tile(sb, it.index(), "adversarial", "verified adversarial x'", "classified "
                        + names.get(adv.get().outputClass()) + " (float64 forward pass)", null);
                Tensor diff = difference(adv.get().input(), it.x());
                signed(sb, dir, it, "difference", "difference x' - x", String.format(Locale.ROOT, "||x' - x||_2 %s, _inf %s",
                        fmt(adv.get().deltaL2()), fmt(adv.get().deltaLinf())), diff, lo, hi, scale);
            } else {
                emptyTile(sb, "verified adversarial x'", "none verified");
                emptyTile(sb, "difference x' - x", "none verified");
            }
            sb.append("</div>\n");
            if (!it.compare().isEmpty()) {
                sb.append("<h3>Attribution methods side by side (class ").append(esc(names.get(e.explainedClass())))
                        .append("; each map on its own symmetric scale)</h3>\n<div class=\"tiles\">\n");
                signedNoFile(sb, it, "attribution", "LDE: " + kindTitle(kind), map);
                for (Map.Entry<String, Tensor> m : it.compare().entrySet()) {
                    String key = "compare-" + m.getKey().replaceAll("[^A-Za-z0-9-]", "_");
                    signed(sb, dir, it, key, m.getKey(), "", m.getValue(), lo, hi, scale);
                }
                sb.append("</div>\n");
            }
        }
        sb.append("<div class=\"row2\">\n");
        if (classification) {
            probabilities(sb, dir, it.index(), names, e, it.adversarialLogits(), adv.map(VerifiedPoint::outputClass).orElse(-1));
        }
        sb.append("<div><b>Certificate</b><br>\n");
        sb.append(IntervalLine.html(e.certificate(), e.perturbation() == Perturbation.ADDITIVE, dir, tile(it.index(), "interval")));
        sb.append("<br><small>").append(esc(CertificateText.interval(e.certificate()))).append("<br>")
                .append(esc(CertificateText.linearized(e))).append("</small></div>\n</div>\n");
        sb.append("<details><summary>all numbers of this explanation</summary><table>\n");
        HtmlIndex.details(sb, r);
        sb.append("</table></details>\n</section>\n");
    }

    /** Classes drawn at most in the probability chart (the most probable, at x or x'; the title says so). */
    static final int MAX_CLASSES = 20;

    private static void probabilities(StringBuilder sb, Path dir, int index, List<String> names, Explanation e,
                                      Optional<Tensor> advLogits, int advClass) {
        double[] before = softmax(e.logits().data());
        double[] after = advLogits.map(t -> softmax(t.data())).orElse(null);
        String file = tile(index, "probabilities");
        Charts.BarChart chart = probabilityChart(names, before, after);
        Charts.writePng(chart, dir.resolve(file));
        sb.append("<div><b>Class probabilities</b> (softmax of the logits)<br>\n<img class=\"probs\" src=\"").append(file)
                .append("\" width=\"").append(chart.width()).append("\" height=\"").append(chart.height()).append("\" alt=\"")
                .append(esc("class probabilities of image " + index)).append("\"><br><small>predicted at x: ")
                .append(esc(names.get(e.predictedClass()))).append(" (").append(fmt(before[e.predictedClass()])).append(")");
        if (after != null && advClass >= 0) {
            sb.append("; at x': ").append(esc(names.get(advClass))).append(" (").append(fmt(after[advClass])).append(")");
        } else {
            sb.append("; x': none verified");
        }
        sb.append("</small></div>\n");
    }

    /**
     * The probabilities at {@code x} (and at {@code x'} when given) as horizontal bars, one group per class; with more
     * than {@link #MAX_CLASSES} classes, the {@code MAX_CLASSES} with the largest {@code max(p(x), p(x'))} in class
     * order, said in the title.
     */
    static Charts.BarChart probabilityChart(List<String> names, double[] before, double[] after) {
        int k = before.length;
        List<Integer> shown = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            shown.add(c);
        }
        String title = "all " + k + " classes";
        if (k > MAX_CLASSES) {
            shown.sort((a, b) -> Double.compare(Math.max(before[b], after != null ? after[b] : 0),
                    Math.max(before[a], after != null ? after[a] : 0)));
            shown = new ArrayList<>(shown.subList(0, MAX_CLASSES));
            shown.sort(null);
            title = "the " + MAX_CLASSES + " most probable of " + k + " classes";
        }
        List<String> cats = new ArrayList<>();
        double[] b = new double[shown.size()];
        double[] a = new double[shown.size()];
        for (int i = 0; i < shown.size(); i++) {
            cats.add(names.get(shown.get(i)));
            b[i] = before[shown.get(i)];
            a[i] = after != null ? after[shown.get(i)] : 0;
        }
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("at x", b);
        if (after != null) {
            series.put("at x' (verified adversarial)", a);
        }
        int height = 70 + cats.size() * (after != null ? 24 : 16);
        return new Charts.BarChart(title, new Charts.Axis("probability", "", false), 0, 1.16, cats, series, "0.000", 380,
                Math.max(100, height));
    }

    /** {@code a - b} elementwise (same shape). */
    static Tensor difference(Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException("x' has shape " + a.shape() + ", x " + b.shape());
        }
        double[] d = a.data();
        double[] e = b.data();
        double[] out = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] - e[i];
        }
        return new Tensor(a.shape(), out);
    }

    /** {@code exp(z - max z) / sum}. */
    static double[] softmax(double[] z) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            m = Math.max(m, v);
        }
        double[] p = new double[z.length];
        double s = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - m);
            s += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= s;
        }
        return p;
    }

    private static void signed(StringBuilder sb, Path dir, Item it, String what, String title, String sub, Tensor map,
                               double lo, double hi, int scale) {
        double m = Colormap.scale(map);
        png(dir, it.index(), what, Colormap.signedTile(map, m, it.x(), lo, hi, scale));
        if (m > 0) {
            png(dir, it.index(), what + "-bar", ColourBar.image(m));
        }
        tile(sb, it.index(), what, title, sub, m);
    }

    /** A tile whose PNG was written by {@link #signed} earlier (the same map shown again). */
    private static void signedNoFile(StringBuilder sb, Item it, String what, String title, Tensor map) {
        tile(sb, it.index(), what, title, "", Colormap.scale(map));
    }

    private static void png(Path dir, int index, String what, java.awt.image.BufferedImage img) {
        PngImages.writeAtomically(img, dir.resolve(tile(index, what)));
    }

    private static void tile(StringBuilder sb, int index, String what, String title, String sub, Double scale) {
        sb.append("<div class=\"tile\"><div class=\"t\">").append(esc(title)).append("</div><div class=\"s\">")
                .append(esc(sub)).append("</div><img src=\"").append(tile(index, what)).append("\" alt=\"")
                .append(esc(title)).append(" of image ").append(index).append("\">");
        if (scale != null) {
            sb.append(ColourBar.html(tile(index, what + "-bar"), scale));
        }
        sb.append("</div>\n");
    }

    private static void emptyTile(StringBuilder sb, String title, String text) {
        sb.append("<div class=\"tile\"><div class=\"t\">").append(esc(title)).append("</div><div class=\"s\"></div>")
                .append("<div class=\"empty\">").append(esc(text)).append("</div></div>\n");
    }

    static String kindTitle(AttributionKind k) {
        return Panels.kindTitle(k);
    }

    private static void sumRow(StringBuilder sb, String k, String v) {
        sb.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n");
    }

    private static void def(StringBuilder sb, String term, String text) {
        sb.append("<dt>").append(esc(term)).append("</dt><dd>").append(esc(text)).append("</dd>\n");
    }

    private static String median(List<Double> v) {
        if (v.isEmpty()) {
            return "none";
        }
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        double m = n % 2 == 1 ? s.get(n / 2) : 0.5 * (s.get(n / 2 - 1) + s.get(n / 2));
        return fmt(m) + " (of " + n + ")";
    }

    private static String pct(int k, int n) {
        return String.format(Locale.ROOT, "%.0f%%", 100.0 * k / n);
    }

    static String fmt(double v) {
        return CertificateText.num(v);
    }

    static String esc(String s) {
        return HtmlIndex.esc(s);
    }
}
