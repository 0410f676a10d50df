package org.lde.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.lde.data.Dataset;
import org.lde.data.SampleData;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.model.Network;
import org.lde.report.ExplanationRows;
import org.lde.report.HtmlIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Explain the embedded sample CNN on a few embedded Fashion-MNIST test images and write panels, "
                + "JSON lines, CSV and an index.html with the certificates."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "lde-demo", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--count", defaultValue = "8", description = "number of test images, 1..1000 (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--model", defaultValue = "sample:fmnist-cnn", description = "model (default ${DEFAULT-VALUE})")
    String model;

    @Mixin
    ExplainerOptions options;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        Dataset ds = SampleData.fashionMnist();
        if (count < 1 || count > ds.size()) {
            throw new IllegalArgumentException("--count " + count + " must be in [1, " + ds.size() + "]");
        }
        System.err.println("lde demo: model " + model + ", " + count + " embedded Fashion-MNIST test images -> " + out);
        Network net = ModelRef.open(model);
        if (!ds.sampleShape().equals(net.inputShape())) {
            throw new IllegalArgumentException("model " + model + " takes inputs of shape " + net.inputShape()
                    + ", the demo images are " + ds.sampleShape());
        }
        CliChecks.outputFolder("--out", out);
        options.validate(net);
        LagrangeDualExplainer ex = options.build();
        List<String> sources = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sources.add("sample:fashion-mnist#" + i);
        }
        ExplainCommand.Inputs in = new ExplainCommand.Inputs(ds.inputs().slice(0, count), sources,
                Arrays.copyOf(ds.labels(), count));
        List<Explanation> all = ExplainCommand.run(net, ex, in, out, count, options);
        List<java.util.Map<String, Object>> rows = new ArrayList<>();
        int verified = 0;
        for (int i = 0; i < all.size(); i++) {
            rows.add(ExplanationRows.row(i, sources.get(i), in.labels()[i], net.classNames(), all.get(i),
                    String.format("panel-%04d.png", i)));
            verified += all.get(i).verified() ? 1 : 0;
        }
        String desc = String.format("%s on %d embedded Fashion-MNIST test images, explainer %s (kappa %s, %d outer "
                        + "iterations). %d of %d explanations have a verified adversarial point. Wall time %.1f s. "
                + HtmlIndex.LEGEND,
                model, count, ex.name(), ex.kappa(), ex.maxOuterIterations(), verified, count, (System.nanoTime() - t0) / 1e9);
        Path index = HtmlIndex.write(out, "LDE demo: Lagrange dual explanations", desc, rows);
        System.out.println("open " + index.toAbsolutePath());
        return 0;
    }
}
