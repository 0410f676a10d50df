package org.lde.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lde.certify.BoundResult;
import org.lde.certify.Certifier;
import org.lde.certify.Method;
import org.lde.certify.RadiusOptions;
import org.lde.certify.Specification;
import org.lde.engine.Backend;
import org.lde.io.AtomicFiles;
import org.lde.engine.bound.Norm;
import org.lde.model.Network;
import org.lde.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "certify", mixinStandardHelpOptions = true,
        description = {"Certified bounds on the network (IBP, CROWN, CROWN-IBP, alpha-CROWN): per image the margin bounds "
                + "of the predicted class over the L_inf ball (intersected with the domain) or the L2 ball, certified "
                + "yes/no per eps, and with --radius the certified radius r_lo (largest eps with every margin lower bound "
                + "> 0, bisection to --tolerance). Prints a table; writes certify.csv and certify.json with every setting.",
                "Images: --data SPEC (with --limit/--indices), --idx IMAGES_FILE (u8 IDX), or --png FILE... (28x28 grey)."})
final class CertifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a model file (LDE safetensors, or .onnx), or sample:NAME")
    String model;

    @Option(names = "--data", description = "data spec, e.g. sample:fashion-mnist (see 'lde predict --help'); give exactly one of --data, --idx, --png (no default)")
    String data;

    @Option(names = "--idx", description = "a u8 IDX images file [N, H, W] (values / 255); give exactly one of --data, --idx, --png (no default)")
    Path idx;

    @Option(names = "--png", arity = "1..*", description = "PNG files (grey, the model's input size); give exactly one of --data, --idx, --png (no default)")
    List<Path> png;

    @Option(names = "--limit", description = "certify only the first N images (default: all; not with --indices)")
    Integer limit;

    @Option(names = "--indices", split = ",", description = "certify these images (0-based indices in the data, comma-separated; default: all)")
    int[] indices;

    @Option(names = "--norm", defaultValue = "linf", description = "linf (ball intersected with the domain) or l2 (default ${DEFAULT-VALUE})")
    String norm;

    @Option(names = "--eps", split = ",", description = "radii to certify in --norm, comma-separated (no default: give --eps, --radius or both)")
    double[] eps;

    @Option(names = "--radius", description = "compute the certified radius of every image")
    boolean radius;

    @Option(names = "--method", defaultValue = "crown", description = "ibp, crown, crown-ibp or alpha-crown (default ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--tolerance", defaultValue = "1e-4", description = "absolute tolerance of the radius bisection (default ${DEFAULT-VALUE})")
    double tolerance;

    @Option(names = "--alpha-iterations", defaultValue = "20", description = "Adam steps of alpha-CROWN (default ${DEFAULT-VALUE})")
    int alphaIterations;

    @Option(names = "--batch", defaultValue = "32", description = "images per batched call (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--out", defaultValue = "lde-certify", description = "output folder for certify.csv and certify.json (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--threshold", description = "regression models: certify that the output stays on its side of this "
            + "value (in the target's units) over the input set (default: bounds only)")
    Double threshold;

    @Mixin
    BackendOption backendOption = new BackendOption();

    @Mixin
    OverwriteOption overwrite = new OverwriteOption();

    @Mixin
    ConsoleOptions console = new ConsoleOptions();

    /** The files certify writes (what --overwrite replaces). */
    static final java.util.regex.Pattern WRITTEN = java.util.regex.Pattern.compile("certify\\.csv|certify\\.json");

    @Override
    public Integer call() {
        if ((eps == null || eps.length == 0) && !radius) {
            throw new IllegalArgumentException("give --eps E[,E...] or --radius (or both)");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        double[] radii = eps == null ? new double[0] : eps.clone();
        for (double e : radii) {
            if (!(e >= 0) || !Double.isFinite(e)) {
                throw new IllegalArgumentException("--eps: every radius must be finite and >= 0, got " + e);
            }
        }
        Norm nm = Norm.parse(norm);
        Method me = Method.parse(method);
        RadiusOptions ro = RadiusOptions.defaults().withTolerance(tolerance);
        Certifier certifier = Certifier.builder().method(me).norm(nm).alphaIterations(alphaIterations).build();
        OutputFolder folder = OutputFolder.check("certify", out, overwrite.overwrite, WRITTEN);
        Network net = ModelRef.open(model);
        ExplainCommand loader = new ExplainCommand();
        loader.model = model;
        loader.data = data;
        loader.idx = idx;
        loader.png = png;
        loader.limit = limit;
        loader.indices = indices;
        ExplainCommand.Inputs in = loader.load(net);
        int n = in.x().shape().dim(0);
        double[] dom = certifier.domain(net);
        boolean regression = net.task() == org.lde.model.Task.REGRESSION;
        if (regression && (radius || radii.length == 0)) {
            throw new IllegalArgumentException("certify on the regression model " + model + " gives bounds on its output: give "
                    + "--eps E[,E...] (and --threshold T to certify a side of T); --radius is for classifiers' margins");
        }
        if (!regression && threshold != null) {
            throw new IllegalArgumentException("--threshold is for regression models; " + model + " is a classifier");
        }
        if (threshold != null && !Double.isFinite(threshold)) {
            throw new IllegalArgumentException("--threshold must be finite, got " + threshold);
        }
        net.features().ifPresent(f -> System.out.print(TabularCertify.unitsText(f, radii, nm == Norm.LINF)));
        if (regression) {
            Map<String, Object> settings = settings(net, nm, me, radii, dom, n, certifier, 0);
            try (Backend backend = backendOption.open(net)) {
                TabularCertify.regression(net, certifier, backend, in, radii, threshold, batch, settings, out);
            }
            return 0;
        }

        int[] predicted = new int[n];
        double[][] lower = new double[n][];
        boolean[][] certified = new boolean[n][radii.length];
        double[] r = new double[n];
        List<BoundResult> parts = new ArrayList<>();
        long t0 = System.nanoTime();
        try (Backend backend = backendOption.open(net);
             Progress bar = console.bar("certify", "images", n)) {
            bar.update(0);
            for (int from = 0; from < n; from += batch) {
                int to = Math.min(n, from + batch);
                Tensor x = in.x().slice(from, to);
                int[] y;
                if (radii.length > 0) {
                    BoundResult br = certifier.bounds(backend, x, Specification.predictedMargins(), radii);
                    parts.add(br);
                    y = br.anchors();
                    for (int i = 0; i < to - from; i++) {
                        for (int e = 0; e < radii.length; e++) {
                            certified[from + i][e] = br.certified(i, e);
                        }
                    }
                } else {
                    y = predictedOf(backend, x);
                }
                System.arraycopy(y, 0, predicted, from, y.length);
                if (radius) {
                    double[] rr = certifier.certifiedRadius(backend, x, y, ro);
                    System.arraycopy(rr, 0, r, from, rr.length);
                }
                bar.warnIfLong(to, "--limit, --method ibp or crown, or a faster --backend make it "
                        + "shorter, --quiet hides this");
                bar.update(to);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        Map<String, Object> settings = settings(net, nm, me, radii, dom, n, certifier, seconds);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("#", "image", "label", "predicted"));
        for (double e : radii) {
            header.add("eps " + e + " (min margin lower)");
        }
        if (radius) {
            header.add("r_lo");
        }
        org.lde.report.TextTable table = new org.lde.report.TextTable(header);
        int[] counts = new int[radii.length];
        for (int i = 0; i < n; i++) {
            int label = in.labels()[i];
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", in.indices()[i]);
            row.put("source", in.sources().get(i));
            row.put("label", label);
            row.put("predicted", predicted[i]);
            row.put("predictedName", net.classNames().get(predicted[i]));
            List<String> cells = new ArrayList<>(List.of(Integer.toString(in.indices()[i]), in.sources().get(i),
                    label < 0 ? "-" : net.classNames().get(label), net.classNames().get(predicted[i])));
            List<Map<String, Object>> perEps = new ArrayList<>();
            for (int e = 0; e < radii.length; e++) {
                BoundResult br = parts.get(i / batch);
                int k = i % batch;
                double[] lo = new double[br.rows()];
                double[] hi = new double[br.rows()];
                int[] other = new int[br.rows()];
                for (int q = 0; q < br.rows(); q++) {
                    int idx2 = (k * radii.length + e) * br.rows() + q;
                    lo[q] = br.lower().data()[idx2];
                    hi[q] = br.upper().data()[idx2];
                    other[q] = br.otherClass(k, q);
                }
                Map<String, Object> pe = new LinkedHashMap<>();
                pe.put("eps", radii[e]);
                pe.put("certified", certified[i][e]);
                pe.put("minMarginLower", br.minLower(k, e));
                pe.put("otherClasses", other);
                pe.put("marginLower", lo);
                pe.put("marginUpper", hi);
                perEps.add(pe);
                if (certified[i][e]) {
                    counts[e]++;
                }
                cells.add(String.format(Locale.ROOT, "%s %+.4g", certified[i][e] ? "yes" : "no", br.minLower(k, e)));
            }
            row.put("bounds", perEps);
            if (radius) {
                row.put("certifiedRadius", r[i]);
                final double ri = r[i];
                net.features().ifPresent(f -> row.put("certifiedRadiusInUnits", TabularCertify.unitsJson(f, ri)));
                cells.add(String.format(Locale.ROOT, "%.5f", r[i]));
            }
            rows.add(row);
            table.add(cells);
        }
        System.out.print(table);
        for (int e = 0; e < radii.length; e++) {
            System.out.printf(Locale.ROOT, "eps %s: certified %d/%d (%s, %s)%n", radii[e], counts[e], n, me.label(), nm.label());
        }
        if (radius) {
            double[] sorted = r.clone();
            java.util.Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "certified radius r_lo (%s, %s, tolerance %s): median %.5f, min %.5f, max %.5f%n",
                    me.label(), nm.label(), tolerance, sorted[n / 2], sorted[0], sorted[n - 1]);
            if (net.features().isPresent() && nm == Norm.LINF) {
                System.out.println("r_lo is on features scaled to [0, 1]: feature j may move by r_lo (hi_j - lo_j) in its units "
                        + "(certify.json: certifiedRadiusInUnits)");
            }
        }
        folder.write(dir -> write(dir, settings, rows));
        System.out.println("wrote " + out.resolve("certify.csv") + " and " + out.resolve("certify.json"));
        return 0;
    }

    /** The run's settings for certify.json (and, for a model with per-feature domains, the domains in units). */
    private Map<String, Object> settings(Network net, Norm nm, Method me, double[] radii, double[] dom, int n,
                                         Certifier certifier, double seconds) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("model", model);
        settings.put("data", data != null ? data : idx != null ? idx.toString() : "png");
        settings.put("images", n);
        settings.put("norm", nm.label());
        settings.put("method", me.label());
        settings.put("eps", radii);
        settings.put("radius", radius);
        settings.put("tolerance", tolerance);
        settings.put("maxEps", "domain size");
        settings.put("alphaIterations", alphaIterations);
        settings.put("alphaLearningRate", certifier.alphaLearningRate());
        settings.put("domain", dom);
        settings.put("specification", "margins of the predicted class over every other class");
        settings.put("backend", backendOption.kind);
        settings.put("arithmetic", "float64 bound passes and concretization on the host (no outward rounding)");
        settings.put("seconds", seconds);
        net.features().ifPresent(f -> {
            Map<String, Object> fs = new LinkedHashMap<>();
            fs.put("names", f.names());
            fs.put("units", f.units());
            fs.put("lo", f.lo());
            fs.put("hi", f.hi());
            fs.put("source", f.source());
            fs.put("meaning", "the network takes each feature scaled to [0, 1] over [lo, hi]; an L_inf eps is eps (hi - lo) "
                    + "in each feature's units");
            List<Map<String, Object>> perEps = new ArrayList<>();
            for (double e : radii) {
                perEps.add(Map.of("eps", e, "perFeature", TabularCertify.unitsJson(f, e)));
            }
            fs.put("epsInUnits", perEps);
            settings.put("features", fs);
        });
        return settings;
    }

    private static int[] predictedOf(Backend backend, Tensor x) {
        Tensor logits = backend.forward(x);
        int n = logits.shape().dim(0);
        int c = logits.shape().dim(1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 1; j < c; j++) {
                if (logits.data()[i * c + j] > logits.data()[i * c + y[i]]) {
                    y[i] = j;
                }
            }
        }
        return y;
    }

    @SuppressWarnings("unchecked")
    private void write(Path dir, Map<String, Object> settings, List<Map<String, Object>> rows) throws IOException {
        {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("settings", settings);
            doc.put("images", rows);
            CliJson.write(dir.resolve("certify.json"), doc);
            StringBuilder csv = new StringBuilder();
            csv.append("index,source,label,predicted,model,norm,method,tolerance,alpha_iterations,domain_lo,domain_hi,eps,certified,"
                    + "min_margin_lower,r_lo\n");
            double[] dom = (double[]) settings.get("domain");
            for (Map<String, Object> row : rows) {
                List<Map<String, Object>> perEps = (List<Map<String, Object>>) row.get("bounds");
                String r = row.containsKey("certifiedRadius") ? String.valueOf(row.get("certifiedRadius")) : "";
                String prefix = row.get("index") + "," + csv(row.get("source")) + "," + row.get("label") + ","
                        + row.get("predicted") + "," + csv(model) + "," + settings.get("norm") + "," + settings.get("method") + "," + tolerance + ","
                        + alphaIterations + "," + dom[0] + "," + dom[1] + ",";
                if (perEps.isEmpty()) {
                    csv.append(prefix).append(",,,").append(r).append('\n');
                }
                for (Map<String, Object> pe : perEps) {
                    csv.append(prefix).append(pe.get("eps")).append(',').append(pe.get("certified")).append(',')
                            .append(pe.get("minMarginLower")).append(',').append(r).append('\n');
                }
            }
            AtomicFiles.writeString(dir.resolve("certify.csv"), csv);
        }
    }

    /** A CSV field: quoted when it holds a comma, a quote or a line break. */
    private static String csv(Object v) {
        String s = String.valueOf(v);
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
