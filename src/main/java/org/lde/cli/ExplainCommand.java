package org.lde.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lde.data.Dataset;
import org.lde.data.IdxArray;
import org.lde.data.IdxReader;
import org.lde.engine.Backend;
import org.lde.engine.dual.DualStatus;
import org.lde.explain.Attributor;
import org.lde.explain.Certificate;
import org.lde.explain.Explanation;
import org.lde.report.CertificateText;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.Perturbation;
import org.lde.model.Network;
import org.lde.report.ExplanationReport;
import org.lde.report.FigureReport;
import org.lde.report.ReportFolder;
import org.lde.report.PngImages;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain a model's decisions with Lagrange duals: per image a PNG panel (input, attribution, "
                + "perturbation, verified adversarial image) and one JSON line and CSV row with the certificate, and an "
                + "index.html report (large maps with colour bars, x' - x, class probabilities, the certificate on a line, "
                + "a summary table; --compare adds other methods' maps). Files are named by the image's index in the data.",
                "Images: --data SPEC (with --limit/--indices), --idx IMAGES_FILE (u8 IDX), or --png FILE... (28x28 grey)."})
final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a model file (LDE safetensors, or .onnx), or sample:NAME")
    String model;

    @Option(names = "--data", description = "data spec, e.g. sample:fashion-mnist (see 'lde predict --help'); give exactly one of --data, --idx, --png (no default)")
    String data;

    @Option(names = "--idx", description = "a u8 IDX images file [N, H, W] (values / 255); give exactly one of --data, --idx, --png (no default)")
    Path idx;

    @Option(names = "--png", arity = "1..*", description = "PNG files (grey, the model's input size); give exactly one of --data, --idx, --png (no default)")
    List<Path> png;

    @Option(names = "--limit", description = "explain only the first N images (default: all; not with --indices)")
    Integer limit;

    @Option(names = "--indices", split = ",", description = "explain these images (0-based indices in the data, comma-separated; default: all)")
    int[] indices;

    @Option(names = "--out", defaultValue = "lde-explain", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--batch", defaultValue = "64", description = "images per batched explain call (default ${DEFAULT-VALUE})")
    int batch;

    @Mixin
    ExplainerOptions options;

    @Mixin
    ReportOptions report = new ReportOptions();

    /** Inputs with their descriptions, their indices in the data set (or among the --png files), and labels (-1 unknown). */
    record Inputs(Tensor x, List<String> sources, int[] indices, int[] labels) {
    }

    @Override
    public Integer call() {
        CliChecks.outputFolder("--out", out);
        if (limit != null) {
            CliChecks.count("--limit", limit, 1, Integer.MAX_VALUE);
        }
        Network net = ModelRef.open(model);
        options.validate(net);
        LagrangeDualExplainer ex = options.build();
        Inputs in = load(net);
        run(net, ex, in, out, batch, options, report, "explain", "LDE explanations: " + model,
                String.format(Locale.ROOT, "Model %s, %d images (%s), explainer %s (kappa %s, %d outer iterations), backend %s.",
                        model, in.x().shape().dim(0), data != null ? data : idx != null ? idx.toString() : "--png files",
                        ex.name(), ex.kappa(), ex.maxOuterIterations(), options.backendOption.kind));
        return 0;
    }

    /** Explains in batches, writes the report, prints one line per image; returns the explanations. */
    static List<Explanation> run(Network net, LagrangeDualExplainer ex, Inputs in, Path out, int batch, ExplainerOptions opts,
                                 ReportOptions ro, String command, String title, String description) {
        CliChecks.count("--batch", batch, 1, CliChecks.MAX_COUNT);
        int n = in.x().shape().dim(0);
        if (n == 0) {
            throw new IllegalArgumentException("no images to explain; nothing was written");
        }
        List<Attributor> compare = ro.compareMethods();
        OutputFolder folder = OutputFolder.check(command, out, ro.overwrite.overwrite, ReportFolder.WRITTEN);
        net.checkBatch(Math.min(batch, n));
        List<Explanation> all = new ArrayList<>(n);
        List<Optional<Tensor>> advLogits = new ArrayList<>(n);
        List<Map<String, Tensor>> maps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            maps.add(new LinkedHashMap<>());
        }
        long t0 = System.nanoTime();
        try (Backend backend = opts.backendOption.open(net);
             Progress bar = ro.console.bar(command, "images", n)) {
            bar.update(0);
            // a small first batch, so that a long run is announced early
            int first = Math.min(batch, Math.max(1, Math.min(4, n / 8)));
            for (int from = 0; from < n; ) {
                int to = Math.min(n, from + (from == 0 ? first : batch));
                Tensor xs = in.x().slice(from, to);
                Tensor z = backend.forward(xs);
                CliChecks.finiteLogits(z, from, "", backend.name());
                List<Explanation> part = ex.explain(backend, xs);
                CliChecks.finiteExplanations(part, from);
                all.addAll(part);
                adversarialLogits(backend, part, advLogits);
                int[] classes = new int[part.size()];
                for (int k = 0; k < classes.length; k++) {
                    classes[k] = part.get(k).explainedClass();
                }
                for (Attributor a : compare) {
                    Tensor phi = a.attribute(backend, xs, classes);
                    CliChecks.finiteAttributions(phi, a.name());
                    for (int k = 0; k < classes.length; k++) {
                        maps.get(from + k).put(a.name(), phi.row(k));
                    }
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                if (from == 0 && !ro.console.quiet) {
                    String w = Progress.longRunWarning(command, "images", to, n, secs,
                            "--limit or a faster --backend makes it shorter, --quiet hides this");
                    if (w != null) {
                        System.err.println(w);
                    }
                }
                bar.update(to);
                from = to;
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        ExplanationReport.Written[] written = new ExplanationReport.Written[1];
        folder.write(dir -> {
            ExplanationReport.Written w = ExplanationReport.write(dir, net, in.x(), in.sources(), in.indices(), in.labels(), all,
                    opts.attributionKind());
            List<FigureReport.Item> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                items.add(new FigureReport.Item(in.indices()[i], in.x().row(i), all.get(i), advLogits.get(i), maps.get(i),
                        w.rows().get(i)));
            }
            FigureReport.write(dir, net, items, opts.attributionKind(), new FigureReport.Run(title,
                    description + " " + summary(all) + ".", wall));
            net.features().ifPresent(f -> TabularExplanations.writeCsv(f, in, all, opts.attributionKind(), dir));
            written[0] = w;
        });
        if (!folder.kept().isEmpty() && !ro.console.quiet) {
            System.err.println("lde " + command + ": --overwrite kept " + folder.kept().size() + " entries an lde " + command
                    + " run does not write: " + folder.kept());
        }
        Integer target = opts.target;
        List<Integer> already = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Explanation e = all.get(i);
            Certificate c = e.certificate();
            boolean atTarget = target != null && e.predictedClass() == target;
            if (atTarget) {
                already.add(in.indices()[i]);
            }
            System.out.printf("%4d %-24s predicted %-12s %-28s %s; %s%n", in.indices()[i], in.sources().get(i),
                    net.classNames().get(e.predictedClass()), atTarget ? "already the target class" : e.verified()
                            ? "verified -> " + net.classNames().get(e.adversarial().get().outputClass()) : "none verified",
                    atTarget ? "nothing to change: x itself is classified as the target (r_true = 0)" : CertificateText.interval(c),
                    linearizedShort(e));
        }
        if (!already.isEmpty() && !ro.console.quiet) {
            System.err.println("lde " + command + ": note: --target " + target + " ('" + net.classNames().get(target)
                    + "') is already the prediction for image" + (already.size() == 1 ? " " : "s ") + already
                    + "; there is nothing to explain there (r_true = 0), choose another target or other images");
        }
        System.out.println(summary(all));
        net.features().ifPresent(f -> TabularExplanations.print(f, in, all, opts.attributionKind(), out.resolve("features.csv"), net));
        ExplanationReport.Written w = written[0];
        System.out.println("wrote " + w.panels().size() + " panels, " + out.resolve(w.jsonl().getFileName()) + ", "
                + out.resolve(w.csv().getFileName()) + " and " + out.resolve("index.html"));
        return all;
    }

    /** The logits at each verified adversarial input of {@code part} (one batched forward pass), appended to {@code out}. */
    private static void adversarialLogits(Backend backend, List<Explanation> part, List<Optional<Tensor>> out) {
        List<Tensor> adv = new ArrayList<>();
        for (Explanation e : part) {
            e.adversarial().ifPresent(v -> adv.add(v.input()));
        }
        Tensor z = adv.isEmpty() ? null : backend.forward(Tensor.stack(adv));
        int k = 0;
        for (Explanation e : part) {
            out.add(e.adversarial().isPresent() ? Optional.of(z.row(k++)) : Optional.empty());
        }
    }

    /**
     * One line over all explanations: how many verified, how many with {@code r_lo}, the median
     * {@code r_lo / r_hi}, and (additive model, where {@code r_lin} and {@code r_hi} share a norm) how often the
     * linearized bound at {@code x} lies above the verified {@code r_hi}, which shows that it is not a bound on
     * the network.
     */
    static String summary(List<Explanation> all) {
        int verified = 0;
        int withLo = 0;
        int above = 0;
        boolean additive = true;
        List<Double> ratios = new ArrayList<>();
        for (Explanation e : all) {
            Certificate c = e.certificate();
            additive &= e.perturbation() == Perturbation.ADDITIVE;
            withLo += c.rLoComputed() ? 1 : 0;
            if (c.verified()) {
                verified++;
                above += c.rLin() > c.rHi() ? 1 : 0;
                if (c.rLoComputed()) {
                    ratios.add(c.rLoOverRHi());
                }
            }
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "verified %d of %d; r_lo computed for %d", verified,
                all.size(), withLo));
        if (!ratios.isEmpty()) {
            ratios.sort(null);
            sb.append(String.format(Locale.ROOT, ", median r_lo/r_hi %.3f", ratios.get(ratios.size() / 2)));
        }
        if (additive) {
            sb.append(String.format(Locale.ROOT, "; r_lin above r_hi on %d of the %d verified (r_lin is the linearization "
                    + "at x, not a bound on the network)", above, verified));
        }
        return sb.toString();
    }

    /** {@code r_lin 0.123 (linearized at x)}, or that the linearization at x is infeasible in the box. */
    static String linearizedShort(Explanation e) {
        Certificate c = e.certificate();
        return c.linearizedStatus() == DualStatus.INFEASIBLE_IN_BOX ? "linearization at x infeasible in the box (local)"
                : String.format(Locale.ROOT, "r_lin %.4g%s (linearized at x, local)", c.rLin(),
                        e.perturbation() == Perturbation.DELETION ? " of t" : "");
    }

    Inputs load(Network net) {
        int given = (data != null ? 1 : 0) + (idx != null ? 1 : 0) + (png != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("give exactly one of --data, --idx, --png (got " + given + ")");
        }
        Shape want = net.inputShape();
        Tensor x;
        List<String> sources = new ArrayList<>();
        int[] labels;
        if (png != null) {
            if (want.rank() != 3 || want.dim(0) != 1) {
                throw new IllegalArgumentException("--png needs a model on grey images [1, H, W]; this model takes " + want);
            }
            x = PngImages.readGrey(png, want.dim(1), want.dim(2));
            for (Path p : png) {
                sources.add(p.getFileName().toString());
            }
            labels = new int[png.size()];
            Arrays.fill(labels, -1);
        } else if (idx != null) {
            IdxArray a = IdxReader.readImages(idx, indices != null || limit == null ? Integer.MAX_VALUE : limit);
            int[] dims = a.dims();
            if (dims[0] == 0) {
                throw new IllegalArgumentException("IDX file '" + idx + "' holds no images; nothing to explain");
            }
            if (want.rank() != 3 || want.dim(0) != 1 || dims[1] != want.dim(1) || dims[2] != want.dim(2)) {
                throw new IllegalArgumentException("IDX file '" + idx + "' holds " + dims[1] + "x" + dims[2]
                        + " images; the model takes " + want);
            }
            byte[] b = a.data();
            double[] v = new double[b.length];
            for (int i = 0; i < b.length; i++) {
                v[i] = (b[i] & 0xFF) / 255.0;
            }
            x = new Tensor(Shape.of(dims[0], 1, dims[1], dims[2]), v);
            for (int i = 0; i < dims[0]; i++) {
                sources.add(idx.getFileName() + "#" + i);
            }
            labels = new int[dims[0]];
            Arrays.fill(labels, -1);
        } else {
            Dataset ds = TabularData.load(data, indices != null || limit == null ? Integer.MAX_VALUE : limit, net);
            if (!ds.sampleShape().equals(want)) {
                throw new IllegalArgumentException("model " + model + " takes inputs of shape " + want + " but " + data
                        + " has samples of shape " + ds.sampleShape());
            }
            x = ds.inputs();
            labels = ds.hasLabels() ? ds.labels() : null;
            for (int i = 0; i < ds.size(); i++) {
                sources.add(data + "#" + i);
            }
            if (labels == null) {
                labels = new int[ds.size()];
                Arrays.fill(labels, -1);
            }
        }
        int[] ids = new int[x.shape().dim(0)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        return select(new Inputs(x, sources, ids, labels));
    }

    private Inputs select(Inputs all) {
        int n = all.x().shape().dim(0);
        if (limit != null && indices != null) {
            throw new IllegalArgumentException("give --limit or --indices, not both");
        }
        int[] pick;
        if (indices != null) {
            pick = indices.clone();
            for (int i : pick) {
                if (i < 0 || i >= n) {
                    throw new IllegalArgumentException("--indices: image " + i + " is outside [0, " + n + ")");
                }
            }
        } else if (limit != null) {
            if (limit < 1 || limit > n) {
                throw new IllegalArgumentException("--limit " + limit + " must be in [1, " + n + "]");
            }
            pick = new int[limit];
            for (int i = 0; i < limit; i++) {
                pick[i] = i;
            }
        } else {
            return all;
        }
        if (Arrays.stream(pick).distinct().count() != pick.length) {
            throw new IllegalArgumentException("--indices " + Arrays.toString(pick) + " names an image twice");
        }
        List<Tensor> rows = new ArrayList<>();
        List<String> src = new ArrayList<>();
        int[] lab = new int[pick.length];
        int[] ids = new int[pick.length];
        for (int k = 0; k < pick.length; k++) {
            rows.add(all.x().row(pick[k]));
            src.add(all.sources().get(pick[k]));
            lab[k] = all.labels()[pick[k]];
            ids[k] = all.indices()[pick[k]];
        }
        return new Inputs(Tensor.stack(rows), src, ids, lab);
    }
}
