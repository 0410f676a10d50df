package org.lde.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
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
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.lde.data.Dataset;
import org.lde.data.Datasets;
import org.lde.engine.CountingBackend;
import org.lde.engine.dual.Objective;
import org.lde.explain.AttributionKind;
import org.lde.explain.Attributor;
import org.lde.explain.Baseline;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.baseline.Baselines;
import org.lde.explain.baseline.Batched;
import org.lde.io.AtomicFiles;
import org.lde.metrics.AopcOptions;
import org.lde.metrics.AopcResult;
import org.lde.metrics.Aopc;
import org.lde.metrics.Bootstrap;
import org.lde.metrics.AttackResult;
import org.lde.metrics.CarliniWagner;
import org.lde.metrics.DeletionInsertion;
import org.lde.metrics.Efficiency;
import org.lde.metrics.Infidelity;
import org.lde.metrics.MaxSensitivity;
import org.lde.metrics.Pgd;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.report.AopcCharts;
import org.lde.report.Charts;
import org.lde.report.TextTable;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lde evaluate}: every attribution method under the metrics of METHOD.md section 9 on one
 * model and a data subset, as a methods x metrics table (stdout, CSV, JSON with every protocol
 * parameter) and a PNG of the mean MoRF curves. Each method's attributions are computed once (for
 * the predicted classes, timed and pass-counted) and reused by every metric. A method is one
 * entry of {@link #methods()}.
 *
 * <p>Columns (one row per method): {@code aopc_<order>}, its standard error over samples and its 95%
 * percentile bootstrap interval ({@code _ci_lo}, {@code _ci_hi}, {@link Bootstrap}, {@code --bootstrap} resamples)
 * ({@link Aopc}, with the options given); {@code deletion_auc}, {@code insertion_auc}
 * ({@link DeletionInsertion}: 1x1 patches, {@code --deletion-steps}, the AOPC baseline and
 * ranking); {@code infidelity} and {@code infidelity_norm} ({@link Infidelity}, logit of the
 * predicted class); {@code max_sensitivity} ({@link MaxSensitivity}); {@code ig_completeness_delta}
 * (integrated gradients only); {@code sec_per_sample} (wall time of the attribution call over
 * the batch, after a backend warm-up, divided by N); {@code forward_rows_per_sample} and
 * {@code reverse_rows_per_sample} (from {@link CountingBackend}); then the protocol parameters.
 * NaN marks a figure that was not computed (0 draws requested, or not an IG method). The random
 * order does not depend on the attributions, so its AOPC is the same in every row (a reference).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Measure attribution methods: AOPC (MoRF of record, LeRF, random), deletion/insertion AUC, "
                + "infidelity, max-sensitivity, time and pass counts; optional robust accuracy under attacks.",
                "Writes evaluate.csv, evaluate.json, morf.png and lerf.png (charts of the AOPC curves) to --out."})
final class EvaluateCommand implements Callable<Integer> {

    /** Every method that {@code --methods} accepts, by name, in table order (add new methods here: one line). */
    static Map<String, Supplier<Attributor>> methods() {
        Map<String, Supplier<Attributor>> m = Baselines.all();
        m.put("lde-deletion-zero-flip", () -> org.lde.explain.LagrangeDualExplainer.builder().build());
        m.put("lde-additive-flip", () -> org.lde.explain.LagrangeDualExplainer.builder().additive().build());
        m.putAll(Baselines.variants()); // named protocol variants: only when --methods names them
        m.putAll(ldeVariants());
        return m;
    }

    /**
     * The LDE settings compared in README's faithfulness section (only when {@code --methods} names them):
     * the deletion model's baselines, the path attribution, more outer iterations, and the sparse (L1)
     * deletion model ({@code docs/method.md} section 5).
     */
    static Map<String, Supplier<Attributor>> ldeVariants() {
        Map<String, Supplier<Attributor>> m = new LinkedHashMap<>();
        m.put("lde-deletion-mean-flip", () -> LagrangeDualExplainer.builder().deletion(Baseline.MEAN).build());
        m.put("lde-deletion-blur-flip", () -> LagrangeDualExplainer.builder().deletion(Baseline.BLUR).build());
        m.put("lde-deletion-zero-flip-path", () -> LagrangeDualExplainer.builder().attribution(AttributionKind.PATH).build());
        m.put("lde-deletion-zero-flip-s10", () -> LagrangeDualExplainer.builder().maxOuterIterations(10).build());
        m.put("lde-deletion-zero-flip-s10-path", () -> LagrangeDualExplainer.builder().maxOuterIterations(10)
                .attribution(AttributionKind.PATH).build());
        m.put("lde-deletion-zero-flip-l1", () -> LagrangeDualExplainer.builder().objective(Objective.L1).build());
        m.put("lde-deletion-zero-flip-l1-path", () -> LagrangeDualExplainer.builder().objective(Objective.L1)
                .attribution(AttributionKind.PATH).build());
        m.put("lde-deletion-zero-flip-l1-a1-s10-path", () -> LagrangeDualExplainer.builder().objective(Objective.L1)
                .alpha(1).maxOuterIterations(10).verifyCandidates(false).attribution(AttributionKind.PATH).build());
        return m;
    }

    /**
     * Why a method cannot run on this network, or empty if it can: Grad-CAM needs a conv2d layer,
     * RISE image inputs {@code [C, H, W]}. Without {@code --methods} such methods are left out of
     * the default list and the reason is printed (stderr) and written (JSON {@code notApplicable}).
     */
    static java.util.Optional<String> notApplicable(String method, Network net, Tensor x) {
        if (method.startsWith("lde-additive") && !inDomain(net, x)) {
            return java.util.Optional.of("the samples lie outside the network's data domain [" + net.lo() + ", " + net.hi()
                    + "], which the additive box [lo - x, hi - x] needs them inside");
        }
        if (method.startsWith("gradcam") && net.lastConvLayer().isEmpty()) {
            return java.util.Optional.of("the network has no conv2d layer");
        }
        if ((method.startsWith("gradcam") || method.equals("rise")) && net.inputShape().rank() != 3) {
            return java.util.Optional.of("inputs " + net.inputShape() + " are not images [C, H, W]");
        }
        return java.util.Optional.empty();
    }

    @Parameters(index = "0", paramLabel = "MODEL", description = "a model file (LDE safetensors, or .onnx), or sample:NAME")
    String model;

    @picocli.CommandLine.Mixin
    BackendOption backendOption = new BackendOption();

    @Option(names = "--data", required = true, description = "data spec (see 'lde predict --help')")
    String data;

    @Option(names = "--limit", defaultValue = "16", description = "use N samples, from --offset on (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--offset", defaultValue = "0",
            description = "skip the first N samples (e.g. 500 with --limit 500: the development split of the embedded test images; default ${DEFAULT-VALUE})")
    int offset;

    @Option(names = "--bootstrap", defaultValue = "2000",
            description = "bootstrap resamples of the 95%% confidence interval of every AOPC (percentile method, seeded by --seed; default ${DEFAULT-VALUE})")
    int bootstrap;

    @Option(names = "--methods", completionCandidates = MethodNames.class,
            description = "comma list of methods from: ${COMPLETION-CANDIDATES} (default: all that apply to the model)")
    String methodList;

    /** The names of {@link #methods()}, for the help text. */
    static final class MethodNames extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        MethodNames() {
            super(methods().keySet());
        }
    }

    @Option(names = "--patch", defaultValue = "2", description = "AOPC patch size k (default ${DEFAULT-VALUE})")
    int patch;

    @Option(names = "--steps", defaultValue = "20", description = "AOPC steps L (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--step-patches", defaultValue = "0", description = "AOPC patches per step s (0: 1%% of the patches, default)")
    int stepPatches;

    @Option(names = "--removal-baseline", defaultValue = "zero", description = "what removed patches become (AOPC, deletion/"
            + "insertion): zero, min (image minimum), mean (image mean) (default ${DEFAULT-VALUE})")
    String baseline;

    /** {@code --baseline} names the deletion model's baseline in explain and demo; here it is refused with the new name. */
    @Option(names = "--baseline", hidden = true)
    String explainBaseline;

    @Option(names = "--order", defaultValue = "morf,lerf,random", description = "AOPC orders to report (comma list of morf, lerf, random; default ${DEFAULT-VALUE})")
    String order;

    @Option(names = "--ranking", defaultValue = "signed", description = "rank patches by signed or abs attribution (default ${DEFAULT-VALUE})")
    String ranking;

    @Option(names = "--aggregation", defaultValue = "mean",
            description = "AOPC of the curve: mean (1/(L+1) sum k=0..L, of record), literature (1/L sum k=1..L) or trapezoid")
    String aggregation;

    @Option(names = "--schedule", defaultValue = "constant",
            description = "patches removed by step k: constant (k s, of record) or proportional (round_half_up(k P / L))")
    String schedule;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random order and the metric draws (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--deletion-steps", defaultValue = "50", description = "deletion/insertion grid steps T (default ${DEFAULT-VALUE})")
    int deletionSteps;

    @Option(names = "--infidelity-samples", defaultValue = "50", description = "Gaussian draws per sample for infidelity (0 to skip; default ${DEFAULT-VALUE})")
    int infidelitySamples;

    @Option(names = "--infidelity-sigma", defaultValue = "0.1", description = "infidelity noise std as a fraction of the data range (default ${DEFAULT-VALUE})")
    double infidelitySigma;

    @Option(names = "--sensitivity-samples", defaultValue = "5", description = "draws per sample for max-sensitivity (0 to skip; default ${DEFAULT-VALUE})")
    int sensitivitySamples;

    @Option(names = "--sensitivity-radius", defaultValue = "0.02", description = "max-sensitivity L_inf radius as a fraction of the data range (default ${DEFAULT-VALUE})")
    double sensitivityRadius;

    @Option(names = "--linf-eps", description = "also report robust accuracy under PGD L_inf at this budget")
    Double linfEps;

    @Option(names = "--l2-eps", description = "also report robust accuracy under PGD L2 and Carlini-Wagner L2 at this budget")
    Double l2Eps;

    @Option(names = "--wasserstein-eps", description = "also report robust accuracy under the Wasserstein attack (projected Sinkhorn, "
            + "Wong et al. 2019) at this transport cost per unit of image mass (inputs must be non-negative)")
    Double wassersteinEps;

    @Option(names = "--attack-steps", defaultValue = "20", description = "PGD and Wasserstein attack steps (default ${DEFAULT-VALUE})")
    int attackSteps;

    @Option(names = "--out", defaultValue = "evaluate-out", description = "output directory (default ${DEFAULT-VALUE})")
    Path out;

    private double cleanAccuracy = Double.NaN;

    /** Whether every value of {@code x} lies in the network's data domain {@code [lo, hi]}. */
    static boolean inDomain(Network net, Tensor x) {
        for (double v : x.data()) {
            if (v < net.lo() || v > net.hi()) {
                return false;
            }
        }
        return true;
    }

    /** One row of the table. */
    record Row(String method, Map<String, AopcResult> aopc, DeletionInsertion.Result deletion,
               java.util.Optional<Infidelity.Result> infidelity, java.util.Optional<MaxSensitivity.Result> sensitivity,
               Efficiency.Result efficiency,
               double completenessDelta) {
    }

    /**
     * For integrated gradients with a constant baseline {@code b}: the mean over samples of
     * {@code |sum_i phi_i - (f_y(x) - f_y(b))|} (METHOD.md section 9 asks for it), from the
     * attributions already computed and one forward pass; NaN for every other method.
     */
    static double completenessDelta(org.lde.engine.Backend backend, Attributor method, Tensor x, Tensor phi, int[] y) {
        if (!(method instanceof org.lde.explain.baseline.IntegratedGradients)) {
            return Double.NaN;
        }
        double b = ((org.lde.explain.baseline.IntegratedGradients) method).baselineValue();
        int n = x.shape().dim(0);
        int d = x.size() / n;
        Tensor base = Tensor.zeros(x.shape());
        Arrays.fill(base.data(), b);
        double[] fx = Batched.classLogits(backend, x, y, 512);
        double[] fb = Batched.classLogits(backend, base, y, 512);
        double mean = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += phi.data()[i * d + j];
            }
            mean += Math.abs(s - (fx[i] - fb[i])) / n;
        }
        return mean;
    }

    /** Every count and size option in range before anything is read (the metric classes check their own). */
    private void validateRanges() {
        if (explainBaseline != null) {
            throw new IllegalArgumentException("evaluate has no --baseline (in explain and demo it is the deletion model's "
                    + "baseline); what removed patches become is --removal-baseline zero, min or mean");
        }
        CliChecks.outputFolder("--out", out);
        CliChecks.count("--limit", limit, 1, Integer.MAX_VALUE);
        CliChecks.count("--offset", offset, 0, Integer.MAX_VALUE - limit);
        CliChecks.count("--bootstrap", bootstrap, 1, CliChecks.MAX_COUNT);
        CliChecks.count("--patch", patch, 1, 1 << 16);
        CliChecks.count("--steps", steps, 1, CliChecks.MAX_COUNT);
        CliChecks.count("--step-patches", stepPatches, 0, Integer.MAX_VALUE);
        CliChecks.count("--deletion-steps", deletionSteps, 1, CliChecks.MAX_COUNT);
        CliChecks.count("--infidelity-samples", infidelitySamples, 0, CliChecks.MAX_COUNT);
        CliChecks.count("--sensitivity-samples", sensitivitySamples, 0, CliChecks.MAX_COUNT);
        CliChecks.number("--infidelity-sigma", infidelitySigma, 0, 1e6);
        CliChecks.number("--sensitivity-radius", sensitivityRadius, 0, 1e6);
        CliChecks.count("--attack-steps", attackSteps, 1, CliChecks.MAX_COUNT);
        if (linfEps != null) {
            CliChecks.positive("--linf-eps", linfEps, 1e6);
        }
        if (l2Eps != null) {
            CliChecks.positive("--l2-eps", l2Eps, 1e6);
        }
        if (wassersteinEps != null) {
            CliChecks.positive("--wasserstein-eps", wassersteinEps, 1e6);
        }
    }

    @Override
    public Integer call() throws Exception {
        Map<String, Supplier<Attributor>> registry = methods();
        List<String> names = parseMethods(registry);
        List<AopcOptions.Order> orders = parseOrders();
        AopcOptions opts = AopcOptions.defaults().withPatchSize(patch).withSteps(steps).withStepPatches(stepPatches)
                .withBaseline(parseBaseline()).withRanking(parseRanking()).withAggregation(parseAggregation()).withSeed(seed)
                .withSchedule(parseSchedule());
        DeletionInsertion.Options dopts = DeletionInsertion.Options.defaults().withSteps(deletionSteps)
                .withBaseline(opts.baseline()).withRanking(opts.ranking());
        if (infidelitySamples < 0 || sensitivitySamples < 0) {
            throw new IllegalArgumentException("--infidelity-samples and --sensitivity-samples must be >= 0");
        }
        validateRanges();
        Network net = ModelRef.open(model);
        if (net.task() != Task.CLASSIFICATION) {
            throw new IllegalArgumentException("evaluate needs a classification model; " + model + " is a regression model");
        }
        Dataset ds = Datasets.load(data, offset + limit, net.classNames());
        if (limit < 1 || offset + limit > ds.size()) {
            throw new IllegalArgumentException("--offset " + offset + " + --limit " + limit + " must be in [1, " + ds.size()
                    + "] for " + data);
        }
        Tensor x = ds.inputs().slice(offset, offset + limit);
        if (!x.shape().dropFirst().equals(net.inputShape())) {
            throw new IllegalArgumentException("model " + model + " takes inputs of shape " + net.inputShape()
                    + " but " + data + " has samples of shape " + x.shape().dropFirst());
        }
        Map<String, String> skipped = new LinkedHashMap<>();
        if (methodList == null) {
            for (String nm : new ArrayList<>(names)) {
                java.util.Optional<String> why = notApplicable(nm, net, x);
                if (why.isPresent()) {
                    skipped.put(nm, why.get());
                    names.remove(nm);
                    System.err.println("not evaluating " + nm + ": " + why.get());
                }
            }
            if (names.isEmpty()) {
                throw new IllegalArgumentException("no default method applies to " + model);
            }
        } else {
            for (String nm : names) {
                java.util.Optional<String> why = notApplicable(nm, net, x);
                if (why.isPresent()) {
                    throw new IllegalArgumentException("method '" + nm + "' cannot run on " + model + ": " + why.get());
                }
            }
        }
        // Validate the grid before any long computation.
        opts.removedCounts(new org.lde.metrics.PatchGrid(net.inputShape(), patch).count());
        net.checkBatch(Math.min(512, limit));
        List<Row> rows = new ArrayList<>();
        Map<String, Object> robustness = new LinkedHashMap<>();
        double accuracy = Double.NaN;
        // Max-sensitivity's perturbed points are clipped to the data domain when the samples lie in it.
        boolean clip = inDomain(net, x);
        if (!clip) {
            System.err.println("note: the samples lie outside the data domain [" + net.lo() + ", " + net.hi()
                    + "]; max-sensitivity perturbs them without clipping");
        }
        try (CountingBackend backend = new CountingBackend(backendOption.open(net))) {
            Tensor logits = Batched.logits(backend, x, 512);
            CliChecks.finiteLogits(logits, 0, model, backend.name());
            int[] pred = Evaluation.argmax(logits);
            if (ds.hasLabels()) {
                accuracy = Evaluation.accuracy(backend, x, Arrays.copyOfRange(ds.labels(), offset, offset + limit), 512);
            }
            System.err.printf("evaluate %s on %s (%d samples from %d, backend %s), %d methods%n", model, data, limit, offset,
                    backend.name(), names.size());
            // Warm-up (not timed): one recorded forward and reverse pass, so that the first method's
            // wall time does not carry the JIT compilation of the backend's hot loops.
            Batched.classGradients(backend, x, pred, 512);
            for (int mi = 0; mi < names.size(); mi++) {
                String name = names.get(mi);
                Attributor method = registry.get(name).get();
                long t0 = System.nanoTime();
                System.err.printf("[%d/%d] %s: attributions...%n", mi + 1, names.size(), name);
                Efficiency.Timed timed = Efficiency.measure(backend, method, x, pred);
                Tensor phi = timed.attributions();
                CliChecks.finiteAttributions(phi, name);
                Map<String, AopcResult> aopc = new LinkedHashMap<>();
                for (AopcOptions.Order o : orders) {
                    aopc.put(o.name().toLowerCase(Locale.ROOT), Aopc.evaluate(backend, name, x, phi, opts, o));
                }
                DeletionInsertion.Result del = DeletionInsertion.evaluate(backend, name, x, phi, dopts);
                java.util.Optional<Infidelity.Result> inf = infidelitySamples == 0 ? java.util.Optional.empty()
                        : java.util.Optional.of(Infidelity.evaluate(backend, name, x, phi, infidelitySamples, infidelitySigma, seed));
                java.util.Optional<MaxSensitivity.Result> sens = sensitivitySamples == 0 ? java.util.Optional.empty()
                        : java.util.Optional.of(MaxSensitivity.evaluate(backend, method, x, phi, sensitivitySamples, sensitivityRadius, seed, clip));
                rows.add(new Row(name, aopc, del, inf, sens, timed.efficiency(), completenessDelta(backend, method, x, phi, pred)));
                System.err.printf("[%d/%d] %s: done in %.1f s%n", mi + 1, names.size(), name, (System.nanoTime() - t0) / 1e9);
            }
            if ((linfEps != null || l2Eps != null || wassersteinEps != null) && ds.hasLabels()) {
                int[] labels = Arrays.copyOfRange(ds.labels(), offset, offset + limit);
                if (linfEps != null) {
                    Pgd pgd = Pgd.of(Pgd.Norm.LINF, linfEps, attackSteps);
                    System.err.println("attack " + pgd.describe());
                    robustness.put(pgd.describe(), pgd.run(backend, x, labels).robustAccuracy());
                }
                if (l2Eps != null) {
                    Pgd pgd = Pgd.of(Pgd.Norm.L2, l2Eps, attackSteps);
                    System.err.println("attack " + pgd.describe());
                    robustness.put(pgd.describe(), pgd.run(backend, x, labels).robustAccuracy());
                    CarliniWagner cw = new CarliniWagner();
                    System.err.println("attack " + cw.describe());
                    AttackResult r = cw.run(backend, x, labels);
                    robustness.put(cw.describe() + " within L2 " + l2Eps, r.robustAccuracyWithinL2(l2Eps));
                }
                if (wassersteinEps != null) {
                    org.lde.metrics.WassersteinAttack wa = org.lde.metrics.WassersteinAttack.of(wassersteinEps, attackSteps);
                    System.err.println("attack " + wa.describe());
                    org.lde.metrics.WassersteinAttack.Result r = wa.run(backend, x, labels);
                    robustness.put(wa.describe() + " (" + r.clippedCount() + " points clipped to the box)", r.attack().robustAccuracy());
                }
            }
        }
        cleanAccuracy = accuracy;
        printTable(rows, orders, opts, robustness);
        Files.createDirectories(out); // only now: a run that fails earlier leaves nothing behind
        writeCsv(rows, orders, opts, dopts, out.resolve("evaluate.csv"));
        writeJson(rows, opts, dopts, robustness, skipped, accuracy, out.resolve("evaluate.json"));
        List<Path> charts = new ArrayList<>();
        for (AopcOptions.Order o : List.of(AopcOptions.Order.MORF, AopcOptions.Order.LERF)) {
            if (!orders.contains(o)) {
                continue;
            }
            String key = o.name().toLowerCase(Locale.ROOT);
            Map<String, AopcResult> curves = new LinkedHashMap<>();
            for (Row r : rows) {
                curves.put(r.method(), r.aopc().get(key));
            }
            if (rows.get(0).aopc().containsKey("random")) {
                curves.put("(random order)", rows.get(0).aopc().get("random"));
            }
            AopcResult any = rows.get(0).aopc().get(key);
            Path file = out.resolve(key + ".png");
            Charts.writePng(AopcCharts.curves(String.format(Locale.ROOT, "%s: %dx%d patches, L=%d, %s, baseline %s, %d samples",
                    o == AopcOptions.Order.MORF ? "MoRF" : "LeRF", patch, patch, steps,
                    any.schedule() == AopcOptions.Schedule.CONSTANT ? "s=" + any.stepPatches() : "proportional",
                    opts.baseline().name().toLowerCase(Locale.ROOT), limit), curves), file);
            charts.add(file);
        }
        StringBuilder wrote = new StringBuilder("wrote " + out.resolve("evaluate.csv") + ", " + out.resolve("evaluate.json"));
        for (Path c : charts) {
            wrote.append(", ").append(c);
        }
        System.out.println(wrote);
        return 0;
    }

    static final String[] METRIC_COLUMNS = {"deletion_auc", "insertion_auc", "infidelity", "infidelity_norm",
        "max_sensitivity", "ig_completeness_delta", "sec_per_sample", "forward_rows_per_sample", "reverse_rows_per_sample"};

    static double[] metricValues(Row r) {
        return new double[] {r.deletion().deletionAuc(), r.deletion().insertionAuc(),
            r.infidelity().map(Infidelity.Result::mean).orElse(Double.NaN),
            r.infidelity().map(Infidelity.Result::meanNormalized).orElse(Double.NaN),
            r.sensitivity().map(MaxSensitivity.Result::mean).orElse(Double.NaN), r.completenessDelta(),
            r.efficiency().secondsPerSample(), r.efficiency().forwardRowsPerSample(), r.efficiency().reverseRowsPerSample()};
    }

    private void printTable(List<Row> rows, List<AopcOptions.Order> orders, AopcOptions opts, Map<String, Object> robustness) {
        AopcResult any = rows.get(0).aopc().values().iterator().next();
        System.out.printf("AOPC protocol: %s; class: predicted; deletion/insertion: %d steps of 1x1 patches%n",
                opts.describe(any.patchCount()), deletionSteps);
        System.out.print(table(rows, orders));
        if (!robustness.isEmpty()) {
            System.out.printf(Locale.ROOT, "clean accuracy on these %d samples: %.4f%n", limit, cleanAccuracy);
        }
        for (Map.Entry<String, Object> e : robustness.entrySet()) {
            System.out.println("robust accuracy " + e.getKey() + ": " + e.getValue());
        }
    }

    /** The summary table: one row per method, every column as wide as its widest cell (headers are never cut). */
    static String table(List<Row> rows, List<AopcOptions.Order> orders) {
        List<String> header = new ArrayList<>();
        header.add("method");
        for (AopcOptions.Order o : orders) {
            header.add("aopc_" + lower(o));
        }
        header.addAll(List.of(METRIC_COLUMNS));
        TextTable t = new TextTable(header);
        for (Row r : rows) {
            List<String> cells = new ArrayList<>();
            cells.add(r.method());
            for (AopcOptions.Order o : orders) {
                cells.add(String.format(Locale.ROOT, "%.4f", r.aopc().get(lower(o)).aopc()));
            }
            for (double v : metricValues(r)) {
                cells.add(String.format(Locale.ROOT, "%.4g", v));
            }
            t.add(cells);
        }
        return t.toString();
    }

    private void writeCsv(List<Row> rows, List<AopcOptions.Order> orders, AopcOptions opts, DeletionInsertion.Options dopts, Path file)
            throws IOException {
        AtomicFiles.write(file, stream -> {
            PrintWriter w = new PrintWriter(new java.io.OutputStreamWriter(stream, java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder h = new StringBuilder("method");
            for (AopcOptions.Order o : orders) {
                h.append(",aopc_").append(lower(o)).append(",aopc_").append(lower(o)).append("_se")
                        .append(",aopc_").append(lower(o)).append("_ci_lo,aopc_").append(lower(o)).append("_ci_hi");
            }
            for (String c : METRIC_COLUMNS) {
                h.append(',').append(c);
            }
            h.append(",model,data,offset,samples,patch_size,patch_count,steps_L,step_patches_s,schedule,baseline,ranking,aggregation,seed,"
                    + "deletion_steps,deletion_patch_size,infidelity_samples,infidelity_sigma,sensitivity_samples,sensitivity_radius");
            w.println(h);
            for (Row r : rows) {
                AopcResult any = r.aopc().values().iterator().next();
                StringBuilder b = new StringBuilder(r.method());
                for (AopcOptions.Order o : orders) {
                    AopcResult a = r.aopc().get(lower(o));
                    double[] ci = Bootstrap.meanInterval(a.perSample(), bootstrap, 0.95, seed);
                    b.append(',').append(a.aopc()).append(',').append(a.standardError())
                            .append(',').append(ci[0]).append(',').append(ci[1]);
                }
                for (double v : metricValues(r)) {
                    b.append(',').append(v);
                }
                b.append(',').append(csv(model)).append(',').append(csv(data)).append(',').append(offset).append(',').append(limit)
                        .append(',').append(opts.patchSize()).append(',').append(any.patchCount())
                        .append(',').append(opts.steps()).append(',').append(any.stepPatches())
                        .append(',').append(lower(opts.schedule())).append(',').append(lower(opts.baseline())).append(',').append(lower(opts.ranking()))
                        .append(',').append(lower(opts.aggregation())).append(',').append(opts.seed())
                        .append(',').append(dopts.steps()).append(',').append(dopts.patchSize())
                        .append(',').append(infidelitySamples).append(',').append(infidelitySigma)
                        .append(',').append(sensitivitySamples).append(',').append(sensitivityRadius);
                w.println(b);
            }
            w.flush();
        });
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private void writeJson(List<Row> rows, AopcOptions opts, DeletionInsertion.Options dopts, Map<String, Object> robustness,
                           Map<String, String> skipped, double accuracy, Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", model);
        root.put("data", data);
        root.put("offset", offset);
        root.put("samples", limit);
        root.put("bootstrap", Map.of("resamples", bootstrap, "level", 0.95, "method", "percentile, mean over samples", "seed", seed));
        root.put("accuracy", Double.isNaN(accuracy) ? null : accuracy);
        root.put("backend", "ejml-f64");
        root.put("explainedClass", "predicted (argmax of the logits)");
        Map<String, Object> proto = new LinkedHashMap<>();
        AopcResult any = rows.get(0).aopc().values().iterator().next();
        proto.put("patchSize", opts.patchSize());
        proto.put("patchCount", any.patchCount());
        proto.put("stepsL", opts.steps());
        proto.put("stepPatchesS", any.stepPatches());
        proto.put("schedule", lower(opts.schedule()));
        proto.put("removedPatchesByStep", any.removedPatches());
        proto.put("tieRule", "scores equal under == keep ascending patch index (MoRF and LeRF)");
        proto.put("description", opts.describe(any.patchCount()));
        proto.put("baseline", lower(opts.baseline()));
        proto.put("ranking", lower(opts.ranking()));
        proto.put("aggregation", lower(opts.aggregation()));
        proto.put("seed", opts.seed());
        proto.put("score", "softmax probability of the originally predicted class");
        root.put("aopcProtocol", proto);
        Map<String, Object> dp = new LinkedHashMap<>();
        dp.put("patchSize", dopts.patchSize());
        dp.put("steps", dopts.steps());
        dp.put("baseline", lower(dopts.baseline()));
        dp.put("ranking", lower(dopts.ranking()));
        dp.put("auc", "trapezoid over the fraction of patches, points j/T, j = 0..T");
        root.put("deletionInsertionProtocol", dp);
        Map<String, Object> ip = new LinkedHashMap<>();
        ip.put("infidelitySamples", infidelitySamples);
        ip.put("infidelitySigmaFraction", infidelitySigma);
        ip.put("sensitivitySamples", sensitivitySamples);
        ip.put("sensitivityRadiusFraction", sensitivityRadius);
        ip.put("sensitivityClippedToDomain", rows.get(0).sensitivity().map(MaxSensitivity.Result::clippedToDomain).orElse(null));
        root.put("robustnessOfExplanations", ip);
        List<Object> ms = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", r.method());
            Map<String, Object> a = new LinkedHashMap<>();
            for (Map.Entry<String, AopcResult> e : r.aopc().entrySet()) {
                Map<String, Object> one = new LinkedHashMap<>();
                AopcResult res = e.getValue();
                one.put("aopc", res.aopc());
                one.put("standardError", res.standardError());
                double[] ci = Bootstrap.meanInterval(res.perSample(), bootstrap, 0.95, seed);
                one.put("ci95", ci);
                one.put("order", lower(res.order()));
                one.put("patchSize", res.patchSize());
                one.put("stepsL", res.steps());
                one.put("stepPatchesS", res.stepPatches());
                one.put("baseline", lower(res.baseline()));
                one.put("meanCurve", res.meanCurve());
                one.put("perSample", res.perSample());
                a.put(e.getKey(), one);
            }
            m.put("aopc", a);
            m.put("deletionAuc", r.deletion().deletionAuc());
            m.put("insertionAuc", r.deletion().insertionAuc());
            m.put("infidelity", r.infidelity().map(Infidelity.Result::mean).orElse(null));
            m.put("infidelityNormalized", r.infidelity().map(Infidelity.Result::meanNormalized).orElse(null));
            m.put("maxSensitivity", r.sensitivity().map(MaxSensitivity.Result::mean).filter(v -> !Double.isNaN(v)).orElse(null));
            m.put("igCompletenessDeltaMeanAbs", Double.isNaN(r.completenessDelta()) ? null : r.completenessDelta());
            m.put("maxSensitivityUndefinedSamples", r.sensitivity().map(MaxSensitivity.Result::undefinedSamples).orElse(null));
            Map<String, Object> eff = new LinkedHashMap<>();
            eff.put("wallSeconds", r.efficiency().wallSeconds());
            eff.put("secondsPerSample", r.efficiency().secondsPerSample());
            eff.put("forwardCalls", r.efficiency().counts().forwardCalls());
            eff.put("forwardRows", r.efficiency().counts().forwardSamples());
            eff.put("reverseCalls", r.efficiency().counts().reverseCalls());
            eff.put("reverseRows", r.efficiency().counts().reverseRows());
            m.put("efficiency", eff);
            ms.add(m);
        }
        root.put("methods", ms);
        root.put("notApplicable", skipped);
        root.put("robustAccuracy", robustness);
        AtomicFiles.write(file, stream -> new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(stream, root));
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private List<String> parseMethods(Map<String, Supplier<Attributor>> registry) {
        if (methodList == null) {
            List<String> all = new ArrayList<>(registry.keySet());
            all.removeAll(Baselines.variants().keySet());
            all.removeAll(ldeVariants().keySet());
            return all;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : methodList.split(",", -1)) {
            String t = s.trim();
            if (LdeSpec.matches(t)) {
                LdeSpec.parse(t); // checked now, before anything is read
                registry.put(t, () -> LdeSpec.parse(t));
            }
            if (!registry.containsKey(t)) {
                throw new IllegalArgumentException("unknown method '" + t + "' in --methods; known: " + registry.keySet());
            }
            if (!out.add(t)) {
                throw new IllegalArgumentException("method '" + t + "' appears twice in --methods");
            }
        }
        return new ArrayList<>(out);
    }

    private List<AopcOptions.Order> parseOrders() {
        Set<AopcOptions.Order> out = new LinkedHashSet<>();
        for (String s : order.split(",", -1)) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "morf":
                    out.add(AopcOptions.Order.MORF);
                    break;
                case "lerf":
                    out.add(AopcOptions.Order.LERF);
                    break;
                case "random":
                    out.add(AopcOptions.Order.RANDOM);
                    break;
                default:
                    throw new IllegalArgumentException("unknown order '" + s + "' in --order (morf, lerf, random)");
            }
        }
        return new ArrayList<>(out);
    }

    private AopcOptions.Baseline parseBaseline() {
        switch (baseline.trim().toLowerCase(Locale.ROOT)) {
            case "zero":
                return AopcOptions.Baseline.ZERO;
            case "min":
                return AopcOptions.Baseline.IMAGE_MIN;
            case "mean":
                return AopcOptions.Baseline.IMAGE_MEAN;
            default:
                throw new IllegalArgumentException("unknown --removal-baseline '" + baseline + "' (zero, min, mean)");
        }
    }

    private AopcOptions.Ranking parseRanking() {
        switch (ranking.trim().toLowerCase(Locale.ROOT)) {
            case "signed":
                return AopcOptions.Ranking.SIGNED;
            case "abs":
                return AopcOptions.Ranking.ABS;
            default:
                throw new IllegalArgumentException("unknown --ranking '" + ranking + "' (signed, abs)");
        }
    }

    private AopcOptions.Aggregation parseAggregation() {
        switch (aggregation.trim().toLowerCase(Locale.ROOT)) {
            case "mean":
                return AopcOptions.Aggregation.MEAN;
            case "literature":
                return AopcOptions.Aggregation.LITERATURE;
            case "trapezoid":
                return AopcOptions.Aggregation.TRAPEZOID;
            default:
                throw new IllegalArgumentException("unknown --aggregation '" + aggregation + "' (mean, literature, trapezoid)");
        }
    }

    private AopcOptions.Schedule parseSchedule() {
        switch (schedule.trim().toLowerCase(Locale.ROOT)) {
            case "constant":
                return AopcOptions.Schedule.CONSTANT;
            case "proportional":
                return AopcOptions.Schedule.PROPORTIONAL;
            default:
                throw new IllegalArgumentException("unknown --schedule '" + schedule + "' (constant, proportional)");
        }
    }
}
