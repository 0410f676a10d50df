package org.lde.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lde.data.Dataset;
import org.lde.data.SampleData;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.model.Network;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Explain the embedded sample CNN on a few embedded Fashion-MNIST test images and write panels, "
                + "JSON lines, CSV and an index.html report (see 'lde explain --help')."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "lde-demo", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--count", defaultValue = "8", description = "number of test images, 1..1000 (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--model", defaultValue = "sample:fmnist-cnn", description = "model (default ${DEFAULT-VALUE})")
    String model;

    @Mixin
    ExplainerOptions options;

    @Mixin
    ReportOptions report = new ReportOptions();

    @Override
    public Integer call() {
        Dataset ds = SampleData.fashionMnist();
        if (count < 1 || count > ds.size()) {
            throw new IllegalArgumentException("--count " + count + " must be in [1, " + ds.size() + "]");
        }
        if (!report.console.quiet) {
            System.err.println("lde demo: model " + model + ", " + count + " embedded Fashion-MNIST test images -> " + out);
        }
        Network net = ModelRef.open(model);
        if (!ds.sampleShape().equals(net.inputShape())) {
            throw new IllegalArgumentException("model " + model + " takes inputs of shape " + net.inputShape()
                    + ", the demo images are " + ds.sampleShape());
        }
        CliChecks.outputFolder("--out", out);
        options.validate(net);
        LagrangeDualExplainer ex = options.build();
        List<String> sources = new ArrayList<>();
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            sources.add("sample:fashion-mnist#" + i);
            ids[i] = i;
        }
        ExplainCommand.Inputs in = new ExplainCommand.Inputs(ds.inputs().slice(0, count), sources, ids,
                Arrays.copyOf(ds.labels(), count));
        String desc = String.format(Locale.ROOT, "%s on the first %d embedded Fashion-MNIST test images, explainer %s "
                        + "(kappa %s, %d outer iterations), backend %s.", model, count, ex.name(), ex.kappa(),
                ex.maxOuterIterations(), options.backendOption.kind);
        ExplainCommand.run(net, ex, in, out, count, options, report, "demo", "LDE demo: Lagrange dual explanations", desc);
        Path index = out.resolve("index.html");
        System.out.println("open " + index.toAbsolutePath());
        return 0;
    }
}
