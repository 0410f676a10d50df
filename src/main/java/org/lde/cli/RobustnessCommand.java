package org.lde.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.lde.data.Dataset;
import org.lde.data.Datasets;
import org.lde.engine.CountingBackend;
import org.lde.engine.Evaluation;
import org.lde.explain.Attributor;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.baseline.Baselines;
import org.lde.explain.baseline.Batched;
import org.lde.io.AtomicFiles;
import org.lde.metrics.AttackResult;
import org.lde.metrics.CarliniWagner;
import org.lde.metrics.Pgd;
import org.lde.metrics.Shifts;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lde robustness}: the robustness experiments of issue 17 on one model and the samples
 * {@code --offset .. --offset + --limit - 1} (the reported split: embedded test images 0-499; the masks of
 * the masking part are chosen on {@code --dev-offset .. + --dev-limit}, the development split). Parts, each
 * written as {@code PART.json} and {@code PART.csv} under {@code --out/MODEL/}:
 * <ul>
 * <li>{@code pgd-linf}, {@code pgd-l2}, {@code wasserstein}: accuracy against the labels at each budget;</li>
 * <li>{@code cw}: Carlini-Wagner L2 (minimal norm), accuracy within each L2 budget;</li>
 * <li>{@code consistency}: Spearman rho and top-k intersection of each method's attribution at {@code x}
 *     and under noise, blur, PGD L_inf, PGD L2, CW and the Wasserstein attack, and time per explanation;</li>
 * <li>{@code ablation}: the dual removed (one gradient step), in AOPC and in the verified norm;</li>
 * <li>{@code masking}: the seeds' claim that masking LDE's most sensitive features improves robustness.</li>
 * </ul>
 * Resumable: a part whose JSON exists with the same settings ({@code config}) is reused, not rerun; files are
 * written atomically, so an interrupted run leaves only complete parts.
 */
@Command(name = "robustness", mixinStandardHelpOptions = true,
        description = {"Robustness experiments: accuracy vs budget under PGD (L_inf, L2), Carlini-Wagner L2 and the Wasserstein "
                + "attack; attribution consistency under attacks, noise and blur; the ablation without the dual; "
                + "masking LDE's most sensitive features.",
                "Writes PART.json and PART.csv per part to --out/MODEL/; complete parts with the same settings are reused."})
final class RobustnessCommand implements Callable<Integer> {
    static final List<String> PARTS = List.of("pgd-linf", "pgd-l2", "cw", "wasserstein", "consistency", "ablation", "masking");

    @Parameters(index = "0", paramLabel = "MODEL", description = "a model file (LDE safetensors, or .onnx), or sample:NAME")
    String model;

    @Mixin
    BackendOption backendOption = new BackendOption();

    @Mixin
    ConsoleOptions console = new ConsoleOptions();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, description = "data spec (see 'lde predict --help')")
    String data;

    @Option(names = "--limit", defaultValue = "100", description = "samples, from --offset on (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--offset", defaultValue = "0", description = "first sample (default ${DEFAULT-VALUE})")
    int offset;

    @Option(names = "--dev-offset", defaultValue = "500",
            description = "first development sample, for the masks of the masking part (default ${DEFAULT-VALUE})")
    int devOffset;

    @Option(names = "--dev-limit", defaultValue = "100", description = "development samples (default ${DEFAULT-VALUE})")
    int devLimit;

    @Option(names = "--parts", defaultValue = "pgd-linf,pgd-l2,cw,wasserstein,consistency,ablation,masking",
            description = "comma list of parts (default ${DEFAULT-VALUE})")
    String parts;

    @Option(names = "--linf-budgets", defaultValue = "0,0.01,0.02,0.03,0.05,0.1", description = "PGD L_inf budgets (default ${DEFAULT-VALUE})")
    String linfBudgets;

    @Option(names = "--l2-budgets", defaultValue = "0,0.25,0.5,1,1.5,2", description = "PGD and CW L2 budgets (default ${DEFAULT-VALUE})")
    String l2Budgets;

    @Option(names = "--wasserstein-budgets", defaultValue = "0,0.1,0.2,0.5,1",
            description = "Wasserstein budgets, transport cost per unit mass (default ${DEFAULT-VALUE})")
    String wassersteinBudgets;

    @Option(names = "--wasserstein-limit", defaultValue = "30",
            description = "the Wasserstein attack (slow: a Sinkhorn projection per step) runs on the first N samples only (default ${DEFAULT-VALUE})")
    int wassersteinLimit;

    @Option(names = "--pgd-steps", defaultValue = "20", description = "PGD steps (alpha = 2.5 eps / steps, random start; default ${DEFAULT-VALUE})")
    int pgdSteps;

    @Option(names = "--wasserstein-steps", defaultValue = "20", description = "Wasserstein attack steps (default ${DEFAULT-VALUE})")
    int wassersteinSteps;

    @Option(names = "--wasserstein-alpha", defaultValue = "1",
            description = "Wasserstein attack step (L2 length in input units; the paper's 0.1 with a growing budget; default ${DEFAULT-VALUE})")
    double wassersteinAlpha;

    @Option(names = "--cw-binary-steps", defaultValue = "5", description = "CW binary-search steps on c (default ${DEFAULT-VALUE})")
    int cwBinarySteps;

    @Option(names = "--cw-iterations", defaultValue = "100", description = "CW Adam steps per binary step (default ${DEFAULT-VALUE})")
    int cwIterations;

    @Option(names = "--methods", defaultValue = "saliency,ig-gl50,occlusion,gradcam,lde-deletion-zero-flip",
            description = "attribution methods of the consistency part; gradcam is left out without a conv layer (default ${DEFAULT-VALUE})")
    String methods;

    @Option(names = "--shift-linf", defaultValue = "0.02", description = "PGD L_inf budget of the consistency part (default ${DEFAULT-VALUE})")
    double shiftLinf;

    @Option(names = "--shift-l2", defaultValue = "0.5", description = "PGD L2 budget of the consistency part (default ${DEFAULT-VALUE})")
    double shiftL2;

    @Option(names = "--shift-wasserstein", defaultValue = "0.5",
            description = "Wasserstein budget of the consistency part (default ${DEFAULT-VALUE})")
    double shiftWasserstein;

    @Option(names = "--consistency-limit", defaultValue = "2147483647",
            description = "the consistency part runs on the first N samples only (default: all)")
    int consistencyLimit;

    @Option(names = "--noise-sigma", defaultValue = "0.1", description = "Gaussian noise sigma (default ${DEFAULT-VALUE})")
    double noiseSigma;

    @Option(names = "--blur-sigma", defaultValue = "1", description = "Gaussian blur sigma in pixels (default ${DEFAULT-VALUE})")
    double blurSigma;

    @Option(names = "--top-fraction", defaultValue = "0.1", description = "top-k share of features (default ${DEFAULT-VALUE})")
    double topFraction;

    @Option(names = "--mask-counts", defaultValue = "20,50,100", description = "features masked (default ${DEFAULT-VALUE})")
    String maskCounts;

    @Option(names = "--mask-linf", defaultValue = "0.02", description = "PGD L_inf budget of the masking part (default ${DEFAULT-VALUE})")
    double maskLinf;

    @Option(names = "--mask-l2", defaultValue = "0.5", description = "PGD L2 budget of the masking part (default ${DEFAULT-VALUE})")
    double maskL2;

    @Option(names = "--ablation-patch", defaultValue = "2", description = "AOPC patch size of the ablation (default ${DEFAULT-VALUE})")
    int ablationPatch;

    @Option(names = "--bootstrap", defaultValue = "2000", description = "bootstrap resamples of the 95%% intervals (default ${DEFAULT-VALUE})")
    int bootstrap;

    @Option(names = "--out", defaultValue = "robustness-out", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public Integer call() throws Exception {
        List<String> partList = parseParts(parts);
        double[] linf = budgets("--linf-budgets", linfBudgets);
        double[] l2 = budgets("--l2-budgets", l2Budgets);
        double[] was = budgets("--wasserstein-budgets", wassersteinBudgets);
        int[] counts = integers("--mask-counts", maskCounts);
        CliChecks.count("--pgd-steps", pgdSteps, 1, 100_000);
        CliChecks.count("--wasserstein-steps", wassersteinSteps, 1, 100_000);
        CliChecks.count("--consistency-limit", consistencyLimit, 1, Integer.MAX_VALUE);
        CliChecks.count("--wasserstein-limit", wassersteinLimit, 1, Integer.MAX_VALUE);
        CliChecks.positive("--wasserstein-alpha", wassersteinAlpha, 1e6);
        CliChecks.count("--bootstrap", bootstrap, 1, 1_000_000);
        CliChecks.number("--top-fraction", topFraction, 1e-9, 1);
        new CarliniWagner(cwBinarySteps, cwIterations, 0.01, 1, 0); // validates
        Network net = ModelRef.open(model);
        if (net.task() != Task.CLASSIFICATION) {
            throw new IllegalArgumentException("robustness needs a classification model; " + model + " is a regression model");
        }
        for (int c : counts) {
            CliChecks.count("--mask-counts", c, 1, net.inputSize());
        }
        Dataset ds = Datasets.load(data);
        if (offset < 0 || limit < 1 || offset + limit > ds.size()) {
            throw new IllegalArgumentException("--offset " + offset + " --limit " + limit + " must select samples inside the "
                    + ds.size() + " of " + data);
        }
        boolean needDev = partList.contains("masking");
        if (needDev && (devOffset < 0 || devLimit < 1 || devOffset + devLimit > ds.size())) {
            throw new IllegalArgumentException("--dev-offset " + devOffset + " --dev-limit " + devLimit + " must select samples inside the "
                    + ds.size() + " of " + data);
        }
        if (needDev && devOffset < offset + limit && offset < devOffset + devLimit) {
            throw new IllegalArgumentException("the development samples (--dev-offset " + devOffset + ", --dev-limit " + devLimit
                    + ") overlap the reported samples (--offset " + offset + ", --limit " + limit + "): masks must not be chosen on them");
        }
        Tensor x = ds.inputs().slice(offset, offset + limit);
        if (!x.shape().dropFirst().equals(net.inputShape())) {
            throw new IllegalArgumentException("model " + model + " takes inputs of shape " + net.inputShape() + " but " + data
                    + " has samples of shape " + x.shape().dropFirst());
        }
        if (!EvaluateCommand.inDomain(net, x)) {
            throw new IllegalArgumentException("the samples of " + data + " lie outside the network's data domain [" + net.lo() + ", "
                    + net.hi() + "]; attacks need them inside it");
        }
        int[] labels = Arrays.copyOfRange(ds.labels(), offset, offset + limit);
        Tensor devX = needDev ? ds.inputs().slice(devOffset, devOffset + devLimit) : x;
        Path dir = out.resolve(modelName(model));
        Files.createDirectories(dir);
        String command = commandLine();
        try (CountingBackend backend = new CountingBackend(backendOption.open(net))) {
            int[] pred = Evaluation.argmax(Batched.logits(backend, x, 512));
            RobustnessParts.Inputs in = new RobustnessParts.Inputs(backend, x, labels, pred, devX);
            Map<String, Supplier<Attributor>> methodMap = methodMap(net);
            long units = 0;
            for (String p : partList) {
                units += units(p, linf, l2, was, counts, methodMap.size());
            }
            System.err.printf(Locale.ROOT, "robustness %s on %s: samples %d..%d, backend %s, parts %s%n", model, data, offset,
                    offset + limit - 1, backend.name(), partList);
            long[] done = {0};
            try (Progress bar = console.bar("robustness", "steps", units)) {
                Runnable tick = () -> bar.update(++done[0]);
                for (String p : partList) {
                    Path json = dir.resolve(p + ".json");
                    String config = config(p, backend.name());
                    if (reusable(json, config)) {
                        done[0] += units(p, linf, l2, was, counts, methodMap.size());
                        bar.update(done[0]);
                        bar.message("robustness: " + json + " is complete with the same settings: reused");
                        continue;
                    }
                    long t0 = System.nanoTime();
                    RobustnessParts.Part part = run(p, in, linf, l2, was, counts, methodMap, tick);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    Map<String, Object> head = new LinkedHashMap<>();
                    head.put("part", p);
                    head.put("config", config);
                    head.put("command", command);
                    head.put("model", model);
                    head.put("data", data);
                    head.put("offset", offset);
                    head.put("samples", limit);
                    head.put("backend", backend.name());
                    head.put("seconds", secs);
                    head.putAll(part.json());
                    AtomicFiles.writeString(dir.resolve(p + ".csv"), csv(part.csv()));
                    AtomicFiles.writeString(json, JSON.writeValueAsString(finite(head)) + "\n");
                    bar.message(String.format(Locale.ROOT, "robustness: %s done in %.1f s, wrote %s", p, secs, json));
                }
            }
        }
        System.out.println("wrote " + dir);
        return 0;
    }

    private RobustnessParts.Part run(String p, RobustnessParts.Inputs in, double[] linf, double[] l2, double[] was, int[] counts,
                                     Map<String, Supplier<Attributor>> methodMap, Runnable tick) {
        switch (p) {
            case "pgd-linf":
                return RobustnessParts.accuracyCurve("pgd-linf", Pgd.of(Pgd.Norm.LINF, 0.1, pgdSteps).describe()
                        + " at each budget", linf, e -> RobustnessParts.pgd(in, Pgd.Norm.LINF, e, pgdSteps),
                        () -> RobustnessParts.unattacked(in.backend(), in.x(), in.labels()), tick);
            case "pgd-l2":
                return RobustnessParts.accuracyCurve("pgd-l2", Pgd.of(Pgd.Norm.L2, 1, pgdSteps).describe()
                        + " at each budget", l2, e -> RobustnessParts.pgd(in, Pgd.Norm.L2, e, pgdSteps),
                        () -> RobustnessParts.unattacked(in.backend(), in.x(), in.labels()), tick);
            case "wasserstein":
                return RobustnessParts.accuracyCurve("wasserstein", wasserstein(0.01).describe()
                        + " at each budget, on the first " + wx(in).shape().dim(0) + " samples", was, e -> wasserstein(e).run(in.backend(), wx(in), wLabels(in)).attack(),
                        () -> RobustnessParts.unattacked(in.backend(), wx(in), wLabels(in)), tick);
            case "cw":
                return RobustnessParts.cwCurve(in, cw(), l2, tick);
            case "consistency": {
                int m = Math.min(consistencyLimit, in.x().shape().dim(0));
                RobustnessParts.Inputs sub = new RobustnessParts.Inputs(in.backend(), in.x().slice(0, m), Arrays.copyOf(in.labels(), m),
                        Arrays.copyOf(in.predicted(), m), in.devX());
                return RobustnessParts.consistency(sub, methodMap, shifts(sub), topFraction, bootstrap, tick);
            }
            case "ablation":
                return RobustnessParts.ablation(in, ablationPatch, bootstrap, tick);
            case "masking":
                return RobustnessParts.masking(in, selections(in), counts, maskLinf, maskL2, pgdSteps, tick);
            default:
                throw new IllegalStateException(p);
        }
    }

    private org.lde.metrics.WassersteinAttack wasserstein(double eps) {
        // the projection of WassersteinAttack.of: lambda 1000, 5x5 window, p = 2, rows within 1e-4 of the mass
        return new org.lde.metrics.WassersteinAttack(eps, wassersteinAlpha, wassersteinSteps,
                org.lde.metrics.SinkhornProjection.Options.defaults().withMaxIterations(2000).withTolerance(1e-4));
    }

    private CarliniWagner cw() {
        return new CarliniWagner(cwBinarySteps, cwIterations, 0.01, 1, 0);
    }

    /** The inputs of the consistency part: two shifts and four attacks (CW: only the samples it fooled). */
    private List<RobustnessParts.Shifted> shifts(RobustnessParts.Inputs in) {
        Network net = in.backend().network();
        int n = in.x().shape().dim(0);
        boolean[] all = new boolean[n];
        Arrays.fill(all, true);
        List<RobustnessParts.Shifted> s = new ArrayList<>();
        s.add(new RobustnessParts.Shifted("noise", "clip(x + " + noiseSigma + " N(0, 1), lo, hi), seed 1",
                Shifts.gaussianNoise(in.x(), noiseSigma, 1, net.lo(), net.hi()), all));
        s.add(new RobustnessParts.Shifted("blur", "Gaussian blur sigma " + blurSigma + " px, clipped",
                Shifts.blur(in.x(), blurSigma, net.lo(), net.hi()), all));
        AttackResult a = RobustnessParts.pgd(in, Pgd.Norm.LINF, shiftLinf, pgdSteps);
        s.add(new RobustnessParts.Shifted("pgd-linf", a.attack(), a.adversarial(), all));
        a = RobustnessParts.pgd(in, Pgd.Norm.L2, shiftL2, pgdSteps);
        s.add(new RobustnessParts.Shifted("pgd-l2", a.attack(), a.adversarial(), all));
        a = cw().run(in.backend(), in.x(), in.labels());
        boolean[] fooledMoved = new boolean[n];
        for (int i = 0; i < n; i++) {
            fooledMoved[i] = a.fooled()[i] && a.l2()[i] > 0;
        }
        s.add(new RobustnessParts.Shifted("cw-l2", a.attack() + " (samples it fooled)", a.adversarial(), fooledMoved));
        a = wasserstein(shiftWasserstein).run(in.backend(), wx(in), wLabels(in)).attack();
        int m = wx(in).shape().dim(0);
        int d = net.inputSize();
        double[] moved = in.x().data().clone();
        System.arraycopy(a.adversarial().data(), 0, moved, 0, m * d);
        boolean[] first = new boolean[n];
        Arrays.fill(first, 0, m, true);
        s.add(new RobustnessParts.Shifted("wasserstein", a.attack() + " (the first " + m + " samples)", new Tensor(in.x().shape(), moved),
                first));
        return s;
    }

    /** The samples of the Wasserstein attack: the first --wasserstein-limit. */
    private Tensor wx(RobustnessParts.Inputs in) {
        return in.x().slice(0, Math.min(wassersteinLimit, in.x().shape().dim(0)));
    }

    private int[] wLabels(RobustnessParts.Inputs in) {
        return Arrays.copyOf(in.labels(), Math.min(wassersteinLimit, in.labels().length));
    }

    private List<RobustnessParts.Selection> selections(RobustnessParts.Inputs in) {
        List<RobustnessParts.Selection> s = new ArrayList<>();
        s.add(new RobustnessParts.Selection("lde", "sum over development samples of |LDE additive-flip dual contribution|",
                RobustnessParts.globalScores(in, LagrangeDualExplainer.builder().additive().build())));
        s.add(new RobustnessParts.Selection("saliency", "sum over development samples of |gradient of the predicted margin|",
                RobustnessParts.globalScores(in, Baselines.create("saliency-abs"))));
        s.add(new RobustnessParts.Selection("random", "a random feature order, seed 1",
                RobustnessParts.randomScores(in.backend().network().inputSize(), 1)));
        return s;
    }

    private Map<String, Supplier<Attributor>> methodMap(Network net) {
        Map<String, Supplier<Attributor>> all = EvaluateCommand.methods();
        Map<String, Supplier<Attributor>> m = new LinkedHashMap<>();
        for (String name : methods.split(",")) {
            String t = name.trim();
            Supplier<Attributor> s = LdeSpec.matches(t) ? () -> LdeSpec.parse(t) : all.get(t);
            if (s == null) {
                throw new IllegalArgumentException("--methods: unknown method '" + t + "'; known: " + all.keySet());
            }
            if (t.startsWith("gradcam") && net.lastConvLayer().isEmpty()) {
                continue;
            }
            m.put(t, s);
        }
        if (m.isEmpty()) {
            throw new IllegalArgumentException("--methods leaves no method that applies to " + model);
        }
        return m;
    }

    private static long units(String p, double[] linf, double[] l2, double[] was, int[] counts, int methods) {
        switch (p) {
            case "pgd-linf":
                return linf.length;
            case "pgd-l2":
                return l2.length;
            case "wasserstein":
                return was.length;
            case "cw":
                return 1;
            case "consistency":
                return 6L * methods;
            case "ablation":
                return 5;
            default:
                return 1 + 3L * counts.length;
        }
    }

    /** Everything a part's results depend on, as one string; a stored part is reused only when it matches. */
    private String config(String p, String backendName) {
        String common = String.format(Locale.ROOT, "model=%s data=%s offset=%d limit=%d backend=%s", model, data, offset, limit,
                backendName);
        switch (p) {
            case "pgd-linf":
                return common + " budgets=" + linfBudgets + " steps=" + pgdSteps;
            case "pgd-l2":
                return common + " budgets=" + l2Budgets + " steps=" + pgdSteps;
            case "wasserstein":
                return common + " budgets=" + wassersteinBudgets + " steps=" + wassersteinSteps + " alpha=" + wassersteinAlpha + " wLimit=" + wassersteinLimit;
            case "cw":
                return common + " budgets=" + l2Budgets + " " + cw().describe();
            case "consistency":
                return common + " methods=" + methods + " linf=" + shiftLinf + " l2=" + shiftL2 + " w=" + shiftWasserstein
                        + " noise=" + noiseSigma + (consistencyLimit == Integer.MAX_VALUE ? "" : " cLimit=" + consistencyLimit) + " blur=" + blurSigma + " top=" + topFraction + " pgdSteps=" + pgdSteps
                        + " wSteps=" + wassersteinSteps + " wAlpha=" + wassersteinAlpha + " wLimit=" + wassersteinLimit + " " + cw().describe() + " bootstrap=" + bootstrap;
            case "ablation":
                return common + " patch=" + ablationPatch + " bootstrap=" + bootstrap;
            default:
                return common + " dev=" + devOffset + "+" + devLimit + " counts=" + maskCounts + " linf=" + maskLinf + " l2=" + maskL2
                        + " steps=" + pgdSteps;
        }
    }

    private static boolean reusable(Path json, String config) {
        if (!Files.isRegularFile(json)) {
            return false;
        }
        try {
            JsonNode n = JSON.readTree(Files.readString(json, StandardCharsets.UTF_8));
            return n != null && config.equals(n.path("config").asText(null));
        } catch (IOException | RuntimeException e) {
            return false; // unreadable: computed again and overwritten
        }
    }

    /** The command line that reproduces this run (for the report's captions): the arguments as given. */
    private String commandLine() {
        List<String> args = spec == null ? List.of() : spec.commandLine().getParseResult().originalArgs();
        int from = args.indexOf("robustness") + 1; // the root's arguments come first
        StringBuilder sb = new StringBuilder("lde robustness");
        for (String a : args.subList(from, args.size())) {
            sb.append(' ').append(a.matches("[A-Za-z0-9_./:=,+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }

    static String modelName(String spec) {
        String s = spec.startsWith("sample:") ? spec.substring("sample:".length()) : Path.of(spec).getFileName().toString();
        return s.replaceAll("\\.(safetensors|onnx|json)$", "").replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static List<String> parseParts(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) {
            String t = p.trim();
            if (!PARTS.contains(t)) {
                throw new IllegalArgumentException("--parts: unknown part '" + t + "'; known: " + PARTS);
            }
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    static double[] budgets(String option, String s) {
        String[] f = s.split(",");
        double[] v = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            try {
                v[i] = Double.parseDouble(f[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + f[i].trim() + "' is not a number");
            }
            if (!(v[i] >= 0) || !Double.isFinite(v[i])) {
                throw new IllegalArgumentException(option + ": values must be finite and >= 0, got " + f[i].trim());
            }
        }
        return v;
    }

    static int[] integers(String option, String s) {
        String[] f = s.split(",");
        int[] v = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            try {
                v[i] = Integer.parseInt(f[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + f[i].trim() + "' is not an integer");
            }
        }
        return v;
    }

    /** NaN and infinities become null (JSON has no such numbers). */
    @SuppressWarnings("unchecked")
    static Object finite(Object o) {
        if (o instanceof Double && !Double.isFinite((Double) o)) {
            return null;
        }
        if (o instanceof double[]) {
            List<Object> l = new ArrayList<>();
            for (double d : (double[]) o) {
                l.add(finite(d));
            }
            return l;
        }
        if (o instanceof Map) {
            Map<String, Object> m = new LinkedHashMap<>();
            ((Map<String, Object>) o).forEach((k, v) -> m.put(k, finite(v)));
            return m;
        }
        if (o instanceof List) {
            List<Object> l = new ArrayList<>();
            for (Object v : (List<Object>) o) {
                l.add(finite(v));
            }
            return l;
        }
        return o;
    }

    static String csv(List<List<Object>> rows) {
        StringBuilder sb = new StringBuilder();
        for (List<Object> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                Object v = r.get(i);
                String s = v instanceof Double ? (Double.isFinite((Double) v) ? String.format(Locale.ROOT, "%.6g", (Double) v) : "")
                        : String.valueOf(v);
                if (s.contains(",") || s.contains("\"")) {
                    s = "\"" + s.replace("\"", "\"\"") + "\"";
                }
                sb.append(i == 0 ? "" : ",").append(s);
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
