package org.lde.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lde.data.Dataset;
import org.lde.data.Datasets;
import org.lde.data.IdxArray;
import org.lde.data.IdxReader;
import org.lde.engine.Backend;
import org.lde.engine.dual.DualStatus;
import org.lde.explain.Certificate;
import org.lde.explain.Explanation;
import org.lde.report.CertificateText;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.Perturbation;
import org.lde.model.Network;
import org.lde.report.ExplanationReport;
import org.lde.report.PngImages;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain a model's decisions with Lagrange duals: per image a PNG panel (input, attribution, "
                + "perturbation, verified adversarial image) and one JSON line and CSV row with the certificate.",
                "Images: --data SPEC (with --limit/--indices), --idx IMAGES_FILE (u8 IDX), or --png FILE... (28x28 grey)."})
final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a model file (LDE safetensors, or .onnx), or sample:NAME")
    String model;

    @Option(names = "--data", description = "data spec, e.g. sample:fashion-mnist")
    String data;

    @Option(names = "--idx", description = "a u8 IDX images file [N, H, W] (values / 255)")
    Path idx;

    @Option(names = "--png", arity = "1..*", description = "PNG files (grey, the model's input size)")
    List<Path> png;

    @Option(names = "--limit", description = "explain only the first N images")
    Integer limit;

    @Option(names = "--indices", split = ",", description = "explain these images (0-based, comma-separated)")
    int[] indices;

    @Option(names = "--out", defaultValue = "lde-explain", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--batch", defaultValue = "64", description = "images per batched explain call (default ${DEFAULT-VALUE})")
    int batch;

    @Mixin
    ExplainerOptions options;

    /** Inputs with their descriptions and labels (-1 unknown). */
    record Inputs(Tensor x, List<String> sources, int[] labels) {
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
        run(net, ex, in, out, batch, options);
        return 0;
    }

    /** Explains in batches, writes the report, prints one line per image; returns the explanations. */
    static List<Explanation> run(Network net, LagrangeDualExplainer ex, Inputs in, Path out, int batch, ExplainerOptions opts) {
        CliChecks.count("--batch", batch, 1, CliChecks.MAX_COUNT);
        int n = in.x().shape().dim(0);
        if (n == 0) {
            throw new IllegalArgumentException("no images to explain; nothing was written");
        }
        net.checkBatch(Math.min(batch, n));
        List<Explanation> all = new ArrayList<>(n);
        long t0 = System.nanoTime();
        try (Backend backend = opts.backendOption.open(net)) {
            for (int from = 0; from < n; from += batch) {
                int to = Math.min(n, from + batch);
                Tensor xs = in.x().slice(from, to);
                CliChecks.finiteLogits(backend.forward(xs), from, "", backend.name());
                List<Explanation> part = ex.explain(backend, xs);
                CliChecks.finiteExplanations(part, from);
                all.addAll(part);
                System.err.printf("explained %d/%d images (%.1f s)%n", to, n, (System.nanoTime() - t0) / 1e9);
            }
        }
        ExplanationReport.Written w = ExplanationReport.write(out, net, in.x(), in.sources(), in.labels(), all,
                opts.attributionKind());
        for (int i = 0; i < n; i++) {
            Explanation e = all.get(i);
            Certificate c = e.certificate();
            System.out.printf("%4d %-24s predicted %-12s %-28s %s; %s%n", i, in.sources().get(i),
                    net.classNames().get(e.predictedClass()), e.verified() ? "verified -> "
                            + net.classNames().get(e.adversarial().get().outputClass()) : "none verified",
                    CertificateText.interval(c), linearizedShort(e));
        }
        System.out.println(summary(all));
        System.out.println("wrote " + w.panels().size() + " panels, " + w.jsonl() + " and " + w.csv());
        return all;
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
            Dataset ds = Datasets.load(data, indices != null || limit == null ? Integer.MAX_VALUE : limit, net.classNames());
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
        return select(new Inputs(x, sources, labels));
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
        List<Tensor> rows = new ArrayList<>();
        List<String> src = new ArrayList<>();
        int[] lab = new int[pick.length];
        for (int k = 0; k < pick.length; k++) {
            rows.add(all.x().row(pick[k]));
            src.add(all.sources().get(pick[k]));
            lab[k] = all.labels()[pick[k]];
        }
        return new Inputs(Tensor.stack(rows), src, lab);
    }
}
