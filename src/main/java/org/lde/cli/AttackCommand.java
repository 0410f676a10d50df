package org.lde.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.lde.data.Dataset;
import org.lde.data.Datasets;
import org.lde.engine.Backend;
import org.lde.engine.CountingBackend;
import org.lde.engine.dual.Objective;
import org.lde.explain.BoundarySearchOptions;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.VerifiedPoint;
import org.lde.explain.baseline.Batched;
import org.lde.explain.baseline.DeepFool;
import org.lde.metrics.AttackResult;
import org.lde.metrics.CarliniWagner;
import org.lde.metrics.Fab;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;
import org.lde.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lde attack}: the verified upper bound {@code r_hi} of METHOD.md section 4 against the minimal-norm
 * attacks, on one model and the first {@code --limit} samples of a data set. Every sample is attacked away
 * from its predicted class. Per norm and method: the share of samples with a verified adversarial point
 * (a forward pass of the backend's network gives another class), the median and quartiles of the verified
 * norm, the median over samples (verified by both) of the ratio of the method's norm to FAB's computed in
 * the same run, the samples FAB verified and the method did not, forward and reverse passes per sample
 * (counted by {@link CountingBackend}: a forward pass is one sample through the network, a reverse pass
 * one sample pulled back with all its seeds; reverse rows count the seeds), and the wall time. Samples
 * are attacked in batches of {@code --batch}.
 *
 * <p>Methods: {@code fab} ({@link Fab}, the reference of the ratios), {@code lde} (the additive
 * {@link LagrangeDualExplainer} in the norm, FLIP), and in L2 only {@code deepfool} (clipped to the data
 * domain) and {@code cw} ({@link CarliniWagner}, defaults). PGD is a fixed-budget attack without a minimal
 * norm and is not listed.
 */
@Command(name = "attack", mixinStandardHelpOptions = true,
        description = {"Verified adversarial points: FAB, LDE (additive), DeepFool and Carlini-Wagner in L2 / L_inf / L1; "
                + "share verified, norm quartiles, median ratio to FAB, passes and time per sample.",
                "Writes attack.csv and attack.json to --out."})
final class AttackCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "a model file (LDE safetensors, or .onnx), or sample:NAME")
    String model;

    @picocli.CommandLine.Mixin
    BackendOption backendOption = new BackendOption();

    @Option(names = "--data", required = true, description = "data spec (see 'lde predict --help')")
    String data;

    @Option(names = "--limit", defaultValue = "16", description = "use N samples, from --offset on (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--offset", defaultValue = "0",
            description = "skip this many samples first: --offset K --limit N uses samples K .. K+N-1 (default ${DEFAULT-VALUE})")
    int offset;

    @Option(names = "--norms", defaultValue = "l2,linf", description = "comma list of l2, linf, l1 (default ${DEFAULT-VALUE})")
    String norms;

    @Option(names = "--methods", defaultValue = "fab,lde,lde-boundary,deepfool,cw",
            description = "comma list of fab, lde, lde-boundary, deepfool, cw (deepfool and cw run in L2 only; default ${DEFAULT-VALUE})")
    String methods;

    @Option(names = "--fab-iterations", defaultValue = "100", description = "FAB iterations (default ${DEFAULT-VALUE})")
    int fabIterations;

    @Option(names = "--fab-restarts", defaultValue = "10", description = "FAB restarts (default ${DEFAULT-VALUE})")
    int fabRestarts;

    @Option(names = "--seed", defaultValue = "0", description = "seed of FAB's restarts and of lde-boundary's walkers (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--batch", defaultValue = "50", description = "samples per attack call (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--out", defaultValue = "attack-out", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @picocli.CommandLine.Mixin
    OverwriteOption overwrite = new OverwriteOption();

    @picocli.CommandLine.Mixin
    ConsoleOptions console = new ConsoleOptions();

    /** The files attack writes (what --overwrite replaces). */
    static final java.util.regex.Pattern WRITTEN = java.util.regex.Pattern.compile("attack\\.csv|attack\\.json");

    static final List<String> METHODS = List.of("fab", "lde", "lde-boundary", "deepfool", "cw");

    @Option(names = "--lde-iterations", defaultValue = "96",
            description = "outer iterations of lde-boundary (default ${DEFAULT-VALUE})")
    int ldeIterations;

    @Option(names = "--lde-restarts", defaultValue = "1", description = "walkers per sample of lde-boundary (default ${DEFAULT-VALUE})")
    int ldeRestarts;

    /** What one method gives per sample: whether a point was verified, and its norm. */
    record Outcome(boolean[] verified, double[] norm) {
    }

    /** One row of the table. */
    record Row(String norm, String method, String describe, int samples, int verified, double q1, double median,
               double q3, double medianRatioToFab, int ratioSamples, int missedWhereFabVerified,
               double forwardPerSample, double reversePerSample, double reverseRowsPerSample, double wallSeconds,
               double[] perSampleNorm) {
    }

    @Override
    public Integer call() throws Exception {
        List<Objective> normList = parseNorms();
        List<String> methodList = parseMethods();
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        Fab.builder(Objective.L2).iterations(fabIterations).restarts(fabRestarts).build(); // validates the options
        CliChecks.outputFolder("--out", out);
        OutputFolder folder = OutputFolder.check("attack", out, overwrite.overwrite, WRITTEN);
        Network net = ModelRef.open(model);
        if (net.task() != Task.CLASSIFICATION) {
            throw new IllegalArgumentException("attack needs a classification model; " + model + " is a regression model");
        }
        Dataset ds = TabularData.forModel(Datasets.load(data), data, net, null);
        if (offset < 0 || offset >= ds.size()) {
            throw new IllegalArgumentException("--offset " + offset + " must be in [0, " + (ds.size() - 1) + "] for " + data);
        }
        if (limit < 1 || limit > ds.size() - offset) {
            throw new IllegalArgumentException("--limit " + limit + " must be in [1, " + (ds.size() - offset) + "] for "
                    + data + " with --offset " + offset);
        }
        Tensor x = ds.inputs().slice(offset, offset + limit);
        if (!x.shape().dropFirst().equals(net.inputShape())) {
            throw new IllegalArgumentException("model " + model + " takes inputs of shape " + net.inputShape()
                    + " but " + data + " has samples of shape " + x.shape().dropFirst());
        }
        if (!EvaluateCommand.inDomain(net, x)) {
            throw new IllegalArgumentException("the samples of " + data + " lie outside the network's data domain ["
                    + net.lo() + ", " + net.hi() + "]; attacks need them inside it");
        }
        List<Row> rows = new ArrayList<>();
        String backendName;
        try (CountingBackend backend = new CountingBackend(backendOption.open(net))) {
            backendName = backend.name();
            int[] pred = Evaluation.argmax(Batched.logits(backend, x, 512));
            console.info(String.format(Locale.ROOT, "attack %s on %s (%d samples, backend %s)", model, data, limit, backendName));
            int runs = 0;
            for (Objective o : normList) {
                for (String m : methodList) {
                    runs += applies(m, o) ? 1 : 0;
                }
            }
            long total = (long) runs * limit;
            long[] done = {0};
            try (Progress bar = console.bar("attack", "sample-attacks", total)) {
                bar.update(0);
                for (Objective o : normList) {
                    Outcome fab = null;
                    for (String m : methodList) {
                        if (!applies(m, o)) {
                            continue;
                        }
                        CountingBackend.Counts before = backend.counts();
                        long t0 = System.nanoTime();
                        Outcome res = runInBatches(m, o, backend, x, pred, k -> {
                            done[0] += k;
                            bar.warnIfLong(done[0], "attacks differ (fab with its restarts is the slowest); --limit, "
                                    + "--methods, --norms or a faster --backend make it shorter, --quiet hides this");
                            bar.update(done[0]);
                        });
                        double secs = (System.nanoTime() - t0) / 1e9;
                        CountingBackend.Counts used = backend.counts().minus(before);
                        if (m.equals("fab")) {
                            fab = res;
                        }
                        Row row = summarize(lower(o), m, describe(m, o), res, fab, used, secs);
                        rows.add(row);
                        bar.note(String.format(Locale.ROOT, "%s %s: %d/%d verified, median %.4g, %.1f s", lower(o), m,
                                row.verified(), limit, row.median(), secs));
                    }
                }
            }
        }
        printTable(rows);
        String used = backendName;
        folder.write(dir -> {
            writeCsv(rows, dir.resolve("attack.csv"));
            writeJson(rows, used, dir.resolve("attack.json"));
        });
        System.out.println("wrote " + out.resolve("attack.csv") + ", " + out.resolve("attack.json"));
        return 0;
    }

    static boolean applies(String method, Objective o) {
        return o == Objective.L2 || method.equals("fab") || method.startsWith("lde");
    }

    private String describe(String m, Objective o) {
        switch (m) {
            case "fab":
                return fab(o).describe();
            case "lde":
                return lde(o).name() + " (defaults)";
            case "lde-boundary":
                return ldeBoundary(o).name() + " (boundary search, " + ldeIterations + " iterations, "
                        + BoundarySearchOptions.defaults(o).withRestarts(ldeRestarts).withSeed(seed) + ")";
            case "deepfool":
                return "deepfool(overshoot=0.02, maxIterations=50, clipped to the data domain)";
            default:
                return new CarliniWagner().describe();
        }
    }

    private Fab fab(Objective o) {
        return Fab.builder(o).iterations(fabIterations).restarts(fabRestarts).seed(seed).build();
    }

    private static LagrangeDualExplainer lde(Objective o) {
        return LagrangeDualExplainer.builder().additive().objective(o).build();
    }

    private LagrangeDualExplainer ldeBoundary(Objective o) {
        return LagrangeDualExplainer.builder().additive().objective(o).maxOuterIterations(ldeIterations)
                .boundarySearch(BoundarySearchOptions.defaults(o).withRestarts(ldeRestarts).withSeed(seed)).build();
    }

    private Outcome runInBatches(String m, Objective o, Backend backend, Tensor x, int[] pred,
                                 java.util.function.IntConsumer progress) {
        int n = x.shape().dim(0);
        boolean[] ok = new boolean[n];
        double[] norm = new double[n];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            Tensor xb = x.slice(from, to);
            int[] yb = Arrays.copyOfRange(pred, from, to);
            Outcome r = run(m, o, backend, xb, yb);
            System.arraycopy(r.verified(), 0, ok, from, to - from);
            System.arraycopy(r.norm(), 0, norm, from, to - from);
            progress.accept(to - from);
        }
        return new Outcome(ok, norm);
    }

    private Outcome run(String m, Objective o, Backend backend, Tensor x, int[] y) {
        int n = y.length;
        switch (m) {
            case "fab": {
                Fab.Result r = fab(o).run(backend, x, y);
                return new Outcome(r.verified(), r.normValue());
            }
            case "lde":
            case "lde-boundary": {
                List<Explanation> ex = (m.equals("lde") ? lde(o) : ldeBoundary(o)).explain(backend, x, y);
                boolean[] ok = new boolean[n];
                double[] nv = new double[n];
                for (int i = 0; i < n; i++) {
                    Optional<VerifiedPoint> v = ex.get(i).adversarial();
                    ok[i] = v.isPresent();
                    nv[i] = v.map(VerifiedPoint::norm).orElse(Double.POSITIVE_INFINITY);
                }
                return new Outcome(ok, nv);
            }
            case "deepfool": {
                DeepFool.Result r = new DeepFool().withClipToDomain(true).run(backend, x, y);
                return new Outcome(r.verified(), r.norms());
            }
            default: {
                AttackResult r = new CarliniWagner().run(backend, x, y);
                return new Outcome(r.fooled(), r.l2());
            }
        }
    }

    private Row summarize(String norm, String method, String describe, Outcome r, Outcome fab,
                          CountingBackend.Counts used, double secs) {
        int n = r.verified().length;
        double[] vals = new double[n];
        int k = 0;
        double[] per = new double[n];
        for (int i = 0; i < n; i++) {
            per[i] = r.verified()[i] ? r.norm()[i] : Double.NaN;
            if (r.verified()[i]) {
                vals[k++] = r.norm()[i];
            }
        }
        double[] v = Arrays.copyOf(vals, k);
        Arrays.sort(v);
        double ratio = Double.NaN;
        int ratioN = 0;
        int missed = 0;
        if (fab != null) {
            double[] q = new double[n];
            for (int i = 0; i < n; i++) {
                if (fab.verified()[i] && !r.verified()[i]) {
                    missed++;
                }
                if (fab.verified()[i] && r.verified()[i] && fab.norm()[i] > 0) {
                    q[ratioN++] = r.norm()[i] / fab.norm()[i];
                }
            }
            double[] qs = Arrays.copyOf(q, ratioN);
            Arrays.sort(qs);
            ratio = quantile(qs, 0.5);
        }
        return new Row(norm, method, describe, n, k, quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75), ratio,
                ratioN, missed, (double) used.forwardSamples() / n, (double) used.reverseSamples() / n,
                (double) used.reverseRows() / n, secs, per);
    }

    /** The {@code p}-quantile of sorted values, linear between order statistics (NaN when empty). */
    static double quantile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private void printTable(List<Row> rows) {
        org.lde.report.TextTable t = new org.lde.report.TextTable(List.of("norm", "method", "verified", "q1", "median", "q3",
                "ratio_fab", "missed", "fwd/sample", "rev/sample", "rows/sample", "seconds"));
        for (Row r : rows) {
            t.add(List.of(r.norm(), r.method(), r.verified() + "/" + r.samples(), f4(r.q1()), f4(r.median()), f4(r.q3()),
                    f4(r.medianRatioToFab()), Integer.toString(r.missedWhereFabVerified()),
                    String.format(Locale.ROOT, "%.1f", r.forwardPerSample()), String.format(Locale.ROOT, "%.1f", r.reversePerSample()),
                    String.format(Locale.ROOT, "%.1f", r.reverseRowsPerSample()), String.format(Locale.ROOT, "%.1f", r.wallSeconds())));
        }
        System.out.print(t);
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private void writeCsv(List<Row> rows, Path file) throws IOException {
        AtomicFiles.write(file, stream -> {
            PrintWriter w = new PrintWriter(new java.io.OutputStreamWriter(stream, java.nio.charset.StandardCharsets.UTF_8));
            w.println("norm,method,samples,verified,share_verified,q1,median,q3,median_ratio_to_fab,ratio_samples,"
                    + "missed_where_fab_verified,forward_per_sample,reverse_per_sample,reverse_rows_per_sample,wall_seconds,"
                    + "model,data,describe");
            for (Row r : rows) {
                w.println(String.join(",", r.norm(), r.method(), Integer.toString(r.samples()), Integer.toString(r.verified()),
                        Double.toString((double) r.verified() / r.samples()), Double.toString(r.q1()),
                        Double.toString(r.median()), Double.toString(r.q3()), Double.toString(r.medianRatioToFab()),
                        Integer.toString(r.ratioSamples()), Integer.toString(r.missedWhereFabVerified()),
                        Double.toString(r.forwardPerSample()), Double.toString(r.reversePerSample()),
                        Double.toString(r.reverseRowsPerSample()), Double.toString(r.wallSeconds()), csv(model), csv(data),
                        csv(r.describe())));
            }
            w.flush();
        });
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private void writeJson(List<Row> rows, String backendName, Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", model);
        root.put("data", data);
        root.put("offset", offset);
        root.put("samples", limit);
        root.put("backend", backendName);
        root.put("attackedClass", "predicted (argmax of the logits)");
        root.put("verified", "a forward pass of the backend's network at the point gives max_{j != y} f_j > f_y");
        root.put("ratioToFab", "median over samples verified by both of norm(method) / norm(FAB), same run");
        List<Object> out2 = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("norm", r.norm());
            m.put("method", r.method());
            m.put("describe", r.describe());
            m.put("samples", r.samples());
            m.put("verified", r.verified());
            m.put("q1", nullIfNaN(r.q1()));
            m.put("median", nullIfNaN(r.median()));
            m.put("q3", nullIfNaN(r.q3()));
            m.put("medianRatioToFab", nullIfNaN(r.medianRatioToFab()));
            m.put("ratioSamples", r.ratioSamples());
            m.put("missedWhereFabVerified", r.missedWhereFabVerified());
            m.put("forwardPerSample", r.forwardPerSample());
            m.put("reversePerSample", r.reversePerSample());
            m.put("reverseRowsPerSample", r.reverseRowsPerSample());
            m.put("wallSeconds", r.wallSeconds());
            List<Double> per = new ArrayList<>();
            for (double v : r.perSampleNorm()) {
                per.add(nullIfNaN(v));
            }
            m.put("perSampleNorm", per);
            out2.add(m);
        }
        root.put("rows", out2);
        CliJson.write(file, root);
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static String lower(Objective o) {
        return o.name().toLowerCase(Locale.ROOT);
    }

    private List<Objective> parseNorms() {
        Set<Objective> s = new LinkedHashSet<>();
        for (String t : norms.split(",", -1)) {
            Objective o;
            switch (t.trim().toLowerCase(Locale.ROOT)) {
                case "l2":
                    o = Objective.L2;
                    break;
                case "linf":
                    o = Objective.LINF;
                    break;
                case "l1":
                    o = Objective.L1;
                    break;
                default:
                    throw new IllegalArgumentException("unknown norm '" + t + "' in --norms (l2, linf, l1)");
            }
            if (!s.add(o)) {
                throw new IllegalArgumentException("norm '" + t.trim() + "' appears twice in --norms");
            }
        }
        return new ArrayList<>(s);
    }

    private List<String> parseMethods() {
        Set<String> s = new LinkedHashSet<>();
        for (String t : methods.split(",", -1)) {
            String m = t.trim().toLowerCase(Locale.ROOT);
            if (!METHODS.contains(m)) {
                throw new IllegalArgumentException("unknown method '" + t + "' in --methods " + METHODS);
            }
            if (!s.add(m)) {
                throw new IllegalArgumentException("method '" + m + "' appears twice in --methods");
            }
        }
        if (!s.contains("fab")) {
            console.info("note: without fab in --methods there is no ratio to FAB");
        }
        // FAB first, so that every other method's ratio is computed against it.
        List<String> outList = new ArrayList<>(s);
        if (outList.remove("fab")) {
            outList.add(0, "fab");
        }
        return outList;
    }
}
