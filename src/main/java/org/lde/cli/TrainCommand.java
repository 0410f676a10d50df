package org.lde.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lde.data.Dataset;
import org.lde.data.Datasets;
import org.lde.engine.Backend;
import org.lde.engine.Loss;
import org.lde.engine.OptimizerSpec;
import org.lde.model.Architectures;
import org.lde.model.Dense;
import org.lde.model.FeatureScaling;
import org.lde.model.Task;
import org.lde.model.Layer;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.tensor.Tensor;
import org.lde.train.EpochReport;
import org.lde.engine.Evaluation;
import org.lde.train.Trainer;
import org.lde.train.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a network from a fresh seeded initialisation and save it.",
                "Example (embedded data, runs anywhere): lde train --arch fmnist-mlp --data sample:fashion-mnist "
                        + "--holdout 200 --epochs 1 --out mlp.safetensors",
                "Example (the full Fashion-MNIST: apt-get install dataset-fashion-mnist, which installs it in "
                        + org.lde.data.Datasets.DEBIAN_FASHION_MNIST_DIR + "): lde train --arch fmnist-cnn "
                        + "--data fashion-mnist:train --test fashion-mnist:test --epochs 5 --out cnn.safetensors"})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--arch", required = true, description = "architecture: ${COMPLETION-CANDIDATES}",
            completionCandidates = ArchNames.class)
    String arch;

    @Option(names = "--data", required = true, description = "training data spec (see 'lde predict --help' for the forms); "
            + "CSV class labels are matched to the architecture's classes by name, else read as class indices 0..C-1")
    String data;

    @Option(names = "--test", description = "held-out data spec, evaluated after every epoch (default: none)")
    String test;

    @Option(names = "--holdout", description = "hold out N samples of --data (chosen by a permutation seeded with --seed) "
            + "as the held-out set; only without --test (default: none)")
    Integer holdout;

    @picocli.CommandLine.Mixin
    BackendOption backendOption = new BackendOption();

    @picocli.CommandLine.Mixin
    ConsoleOptions console = new ConsoleOptions();

    @Option(names = "--out", required = true, description = "where to write the trained model (.safetensors)")
    Path out;

    @Option(names = "--epochs", defaultValue = "5", description = "epochs (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "mini-batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--optimizer", defaultValue = "adam", description = "adam or sgd (default ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.001", description = "learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--seed", defaultValue = "1", description = "seed of initialisation and shuffling (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--standardize", description = "z-score the features with training-set statistics and fold "
            + "that affine map into the first dense layer, so the saved model takes raw features (tabular data)")
    boolean standardize;

    @Option(names = "--feature-domains", description = "tabular data: take each feature's domain [lo_j, hi_j] from the "
            + "training rows (widened by --domain-margin), train on the features scaled to [0, 1], and store the domains, "
            + "the feature names and --units in the model; a held-out or later value outside its domain is refused with a "
            + "message, never clamped")
    boolean featureDomains;

    @Option(names = "--domain-margin", defaultValue = "0.1", description = "with --feature-domains: widen each training "
            + "range by this fraction of it on each side (a feature never negative in training keeps lo >= 0; default "
            + "${DEFAULT-VALUE})")
    double domainMargin;

    @Option(names = "--units", split = ";", description = "with --feature-domains: the features' units, NAME=UNIT;NAME=UNIT;... "
            + "(names as in the data's header; default: none stated)")
    java.util.LinkedHashMap<String, String> units;

    static final class ArchNames extends java.util.ArrayList<String> {
        ArchNames() {
            super(Architectures.NAMES);
        }
    }

    @Override
    public Integer call() throws Exception {
        OptimizerSpec spec = switch (optimizer) {
            case "adam" -> OptimizerSpec.adam(lr);
            case "sgd" -> OptimizerSpec.sgd(lr, momentum);
            default -> throw new IllegalArgumentException("unknown optimizer '" + optimizer + "' (adam or sgd)");
        };
        CliChecks.count("--epochs", epochs, 1, CliChecks.MAX_COUNT);
        CliChecks.count("--batch", batch, 1, CliChecks.MAX_COUNT);
        CliChecks.positive("--lr", lr, 1e6);
        CliChecks.number("--momentum", momentum, 0, 1);
        CliChecks.outputFile("--out", out);
        CliChecks.number("--domain-margin", domainMargin, 0, 100);
        if (standardize && featureDomains) {
            throw new IllegalArgumentException("give --standardize or --feature-domains, not both (--feature-domains already "
                    + "scales each feature to [0, 1])");
        }
        if (units != null && !featureDomains) {
            throw new IllegalArgumentException("--units needs --feature-domains (the units are stored with the domains)");
        }
        Network net = Architectures.byName(arch, seed);
        boolean regression = net.task() == Task.REGRESSION;
        Dataset train = Datasets.load(data, Integer.MAX_VALUE, net.classNames());
        Optional<Dataset> held = test == null ? Optional.empty()
                : Optional.of(Datasets.load(test, Integer.MAX_VALUE, net.classNames()));
        if (regression ? !train.hasTargets() || train.targets().shape().dim(1) != 1 : !train.hasLabels()) {
            throw new IllegalArgumentException(data + " has no " + (regression ? "single regression target" : "class labels")
                    + " (" + train.source() + "); training " + arch + " needs " + (regression ? "one" : "them"));
        }
        net.checkBatch(Math.min(batch, train.size()));
        if (!console.quiet) {
            System.err.println(regression ? "target of " + train.name() + ": " + train.source() : CliChecks.labelMapping(train, net));
        }
        int[] heldIdx = null;
        if (holdout != null) {
            if (test != null) {
                throw new IllegalArgumentException("give either --test or --holdout, not both");
            }
            if (holdout <= 0 || holdout >= train.size()) {
                throw new IllegalArgumentException("--holdout " + holdout + " must be in [1, " + (train.size() - 1) + "]");
            }
            int[] perm = new org.lde.tensor.Rng(seed).permutation(train.size());
            heldIdx = java.util.Arrays.copyOfRange(perm, 0, holdout);
            int[] trainIdx = java.util.Arrays.copyOfRange(perm, holdout, perm.length);
            java.util.Arrays.sort(heldIdx);
            java.util.Arrays.sort(trainIdx);
            held = Optional.of(train.subset(heldIdx));
            train = train.subset(trainIdx);
        }
        String heldName = test != null ? test : "the " + holdout + " held-out samples of " + data;
        Tensor x = train.inputs();
        Optional<Tensor> tx = held.map(Dataset::inputs);
        double[] mean = null;
        double[] std = null;
        Tensor raw = x;
        FeatureScaling scaling = null;
        if (standardize) {
            int f = net.inputSize();
            mean = new double[f];
            std = new double[f];
            Standardize.fit(x, mean, std);
            x = Standardize.apply(x, mean, std);
            final double[] m = mean;
            final double[] s = std;
            tx = tx.map(t -> Standardize.apply(t, m, s));
        }
        if (featureDomains) {
            scaling = domains(net, train);
            net = new Network(net.inputShape(), net.layers(), net.inputLists(), net.task(), net.classNames(), 0, 1);
            x = scaling.toNetwork(x, "training data " + data, null);
            final FeatureScaling sc = scaling;
            final int[] ids = heldIdx;
            tx = tx.map(t -> sc.toNetwork(t, "held-out data (" + heldName + ")", ids));
            if (!console.quiet) {
                System.err.println("per-feature domains: " + scaling.source());
            }
        }
        if (!console.quiet) {
            System.err.printf("training %s on %s (%d samples)%s, %d epochs, batch %d, %s lr %s, seed %d%n", arch, data,
                train.size(), held.map(h -> ", held-out " + h.size()).orElse(""), epochs, batch, optimizer, lr, seed);
        }
        double[] targetShift = {0, 1}; // regression: trained on (y - mean) / std, folded back into the last dense layer
        Tensor targets;
        if (regression) {
            targetShift = meanStd(train.targets().data());
            targets = Standardize.apply(train.targets(), new double[] {targetShift[0]}, new double[] {targetShift[1]});
        } else {
            targets = Labels.asTargets(train.labels());
        }
        TrainingOptions opts = new TrainingOptions(epochs, batch, spec, regression ? Loss.MSE : Loss.SOFTMAX_CROSS_ENTROPY, seed);
        List<EpochReport> reports;
        Network trained;
        try (Backend backend = backendOption.open(net)) {
            long start = System.nanoTime();
            boolean[] warned = {console.quiet};
            try (Progress bar = console.bar("train", "samples", (long) epochs * x.shape().dim(0))) {
                reports = new Trainer(opts, line -> {
                    if (!console.quiet) {
                        bar.message(line);
                    }
                }).onBatch((epoch, done, total) -> {
                    double secs = (System.nanoTime() - start) / 1e9;
                    if (!warned[0] && (secs >= 2 || done * 50 >= total)) {
                        warned[0] = true; // estimated once, from the first batches (or 2 s)
                        String w = Progress.longRunWarning("train", "samples", done, total, secs,
                                "fewer --epochs or a faster --backend make it shorter, --quiet hides this");
                        if (w != null) {
                            bar.message(w);
                        }
                    }
                    bar.update(done);
                }).train(backend, x, targets, regression ? Optional.empty() : tx,
                        regression ? Optional.empty() : held.map(Dataset::labels));
            }
            trained = backend.snapshot();
        }
        Tensor heldX = tx.orElse(null);
        if (standardize) {
            trained = Standardize.foldIntoFirstDense(trained, mean, std, raw);
            heldX = held.map(Dataset::inputs).orElse(null);
        }
        if (regression) {
            trained = Standardize.foldTargetIntoLastDense(trained, targetShift[0], targetShift[1]);
        }
        if (scaling != null) {
            trained = trained.withFeatures(scaling);
        }
        ModelFile.save(trained, out);
        EpochReport last = reports.get(reports.size() - 1);
        System.out.printf("saved %s (%d parameters); final loss %.4f%s%s%n", out, trained.parameterCount(), last.loss(),
                regression ? " (MSE of the standardised target)" : String.format(", train acc %.2f%%", 100 * last.trainAccuracy()),
                Double.isNaN(last.testAccuracy()) ? "" : String.format(", held-out acc %.2f%%", 100 * last.testAccuracy()));
        if (held.isPresent()) {
            try (Backend check = backendOption.open(trained)) {
                if (regression) {
                    double[] y = held.get().targets().data();
                    Evaluation.Regression r = Evaluation.Regression.of(Evaluation.outputs(check, heldX, 256), y);
                    double[] constant = new double[y.length];
                    java.util.Arrays.fill(constant, targetShift[0]);
                    System.out.printf(java.util.Locale.ROOT, "saved model on %s: RMSE %.2f, MAE %.2f, R^2 %.3f (%d samples; "
                            + "predicting the training mean instead: RMSE %.2f)%n", heldName, r.rmse(), r.mae(), r.r2(), r.samples(),
                            Evaluation.Regression.of(constant, y).rmse());
                } else {
                    double acc = Evaluation.accuracy(check, heldX, held.get().labels(), 256);
                    System.out.printf("saved model on %s: accuracy %.2f%% (%d samples)%n", heldName, 100 * acc, held.get().size());
                }
            }
        }
        return 0;
    }

    /** Domains from the training rows, with names from the data and {@code --units}. */
    private FeatureScaling domains(Network net, Dataset train) {
        List<String> names = train.featureNames();
        if (net.inputShape().rank() != 1 || names.size() != net.inputSize()) {
            throw new IllegalArgumentException("--feature-domains needs a table whose columns are named (CSV), one per input "
                    + "of " + arch + " " + net.inputShape() + "; " + data + " has " + names.size() + " feature names");
        }
        java.util.Map<String, String> u = units == null ? java.util.Map.of() : units;
        for (String k : u.keySet()) {
            if (!names.contains(k)) {
                throw new IllegalArgumentException("--units names '" + k + "', which is no feature of " + data + " (features: "
                        + names + ")");
            }
        }
        List<String> unitList = names.stream().map(n -> u.getOrDefault(n, "")).toList();
        int[] rows = new int[train.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        return FeatureScaling.fit(train.inputs(), rows, names, unitList, domainMargin,
                "the " + rows.length + " training rows of " + data + (holdout != null ? " (after --holdout " + holdout
                        + " --seed " + seed + ")" : ""));
    }

    /** {mean, population standard deviation} of {@code v}; a constant target is an error. */
    static double[] meanStd(double[] v) {
        double m = 0;
        for (double a : v) {
            m += a;
        }
        m /= v.length;
        double s = 0;
        for (double a : v) {
            s += (a - m) * (a - m);
        }
        s = Math.sqrt(s / v.length);
        if (!(s > 0)) {
            throw new IllegalArgumentException("the regression target is constant (" + m + ") on the training rows");
        }
        return new double[] {m, s};
    }

    /** Affine standardisation of tabular features, and its folding into a dense layer. */
    static final class Standardize {
        private Standardize() {
        }

        /** Per-feature mean and (population) standard deviation; a constant feature gets std 1. */
        static void fit(Tensor x, double[] mean, double[] std) {
            int n = x.shape().dim(0);
            int f = mean.length;
            double[] d = x.data();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < f; j++) {
                    mean[j] += d[i * f + j];
                }
            }
            for (int j = 0; j < f; j++) {
                mean[j] /= n;
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < f; j++) {
                    double e = d[i * f + j] - mean[j];
                    std[j] += e * e;
                }
            }
            for (int j = 0; j < f; j++) {
                std[j] = Math.sqrt(std[j] / n);
                if (std[j] == 0) {
                    std[j] = 1;
                }
            }
        }

        static Tensor apply(Tensor x, double[] mean, double[] std) {
            int f = mean.length;
            double[] d = x.data().clone();
            for (int i = 0; i < d.length; i++) {
                d[i] = (d[i] - mean[i % f]) / std[i % f];
            }
            return new Tensor(x.shape(), d);
        }

        /**
         * {@code W (x - m)/s + b = W' x + b'} with {@code W'[o,j] = W[o,j]/s[j]},
         * {@code b'[o] = b[o] - sum_j W[o,j] m[j]/s[j]}. The data domain becomes
         * {@code [min, max]} of the raw training features (one interval for all features).
         */
        static Network foldIntoFirstDense(Network net, double[] mean, double[] std, Tensor rawX) {
            List<Layer> layers = new java.util.ArrayList<>(net.layers());
            if (!(layers.get(0) instanceof Dense d)) {
                throw new IllegalArgumentException("--standardize needs a network whose first layer is dense, but it is "
                        + layers.get(0).kind());
            }
            Tensor w = d.weight().copy();
            Tensor b = d.bias().copy();
            int in = d.in();
            for (int o = 0; o < d.out(); o++) {
                double shift = 0;
                for (int j = 0; j < in; j++) {
                    double wj = w.data()[o * in + j] / std[j];
                    w.data()[o * in + j] = wj;
                    shift += wj * mean[j];
                }
                b.data()[o] -= shift;
            }
            layers.set(0, new Dense(d.name(), d.in(), d.out(), w, b));
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double v : rawX.data()) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            return new Network(net.inputShape(), layers, net.inputLists(), net.task(), net.classNames(), lo, hi > lo ? hi : lo + 1);
        }

        /**
         * A network trained on the target {@code (y - mean) / std}, answering in the target's units:
         * {@code std (W h + b) + mean = W' h + b'} with {@code W' = std W}, {@code b' = std b + mean} in the last layer.
         */
        static Network foldTargetIntoLastDense(Network net, double mean, double std) {
            List<Layer> layers = new java.util.ArrayList<>(net.layers());
            int k = layers.size() - 1;
            if (!(layers.get(k) instanceof Dense d)) {
                throw new IllegalArgumentException("a regression architecture must end in a dense layer, but it ends in "
                        + layers.get(k).kind());
            }
            Tensor w = d.weight().copy();
            Tensor b = d.bias().copy();
            for (int i = 0; i < w.data().length; i++) {
                w.data()[i] *= std;
            }
            for (int o = 0; o < d.out(); o++) {
                b.data()[o] = b.data()[o] * std + mean;
            }
            layers.set(k, new Dense(d.name(), d.in(), d.out(), w, b));
            return net.withLayers(layers);
        }
    }
}
