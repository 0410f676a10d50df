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
        Network net = Architectures.byName(arch, seed);
        Dataset train = Datasets.load(data, Integer.MAX_VALUE, net.classNames());
        Optional<Dataset> held = test == null ? Optional.empty()
                : Optional.of(Datasets.load(test, Integer.MAX_VALUE, net.classNames()));
        if (!train.hasLabels()) {
            throw new IllegalArgumentException(data + " has no class labels (" + train.source() + "); train needs them");
        }
        net.checkBatch(Math.min(batch, train.size()));
        if (!console.quiet) {
            System.err.println(CliChecks.labelMapping(train, net));
        }
        if (holdout != null) {
            if (test != null) {
                throw new IllegalArgumentException("give either --test or --holdout, not both");
            }
            if (holdout <= 0 || holdout >= train.size()) {
                throw new IllegalArgumentException("--holdout " + holdout + " must be in [1, " + (train.size() - 1) + "]");
            }
            int[] perm = new org.lde.tensor.Rng(seed).permutation(train.size());
            int[] heldIdx = java.util.Arrays.copyOfRange(perm, 0, holdout);
            int[] trainIdx = java.util.Arrays.copyOfRange(perm, holdout, perm.length);
            java.util.Arrays.sort(heldIdx);
            java.util.Arrays.sort(trainIdx);
            held = Optional.of(train.subset(heldIdx));
            train = train.subset(trainIdx);
        }
        Tensor x = train.inputs();
        Optional<Tensor> tx = held.map(Dataset::inputs);
        double[] mean = null;
        double[] std = null;
        Tensor raw = x;
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
        if (!console.quiet) {
            System.err.printf("training %s on %s (%d samples)%s, %d epochs, batch %d, %s lr %s, seed %d%n", arch, data,
                train.size(), held.map(h -> ", held-out " + h.size()).orElse(""), epochs, batch, optimizer, lr, seed);
        }
        TrainingOptions opts = new TrainingOptions(epochs, batch, spec, Loss.SOFTMAX_CROSS_ENTROPY, seed);
        Tensor targets = Labels.asTargets(train.labels());
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
                }).train(backend, x, targets, tx, held.map(Dataset::labels));
            }
            trained = backend.snapshot();
        }
        if (standardize) {
            trained = Standardize.foldIntoFirstDense(trained, mean, std, raw);
        }
        ModelFile.save(trained, out);
        EpochReport last = reports.get(reports.size() - 1);
        System.out.printf("saved %s (%d parameters); final loss %.4f, train acc %.2f%%%s%n", out, trained.parameterCount(),
                last.loss(), 100 * last.trainAccuracy(),
                Double.isNaN(last.testAccuracy()) ? "" : String.format(", held-out acc %.2f%%", 100 * last.testAccuracy()));
        if (held.isPresent()) {
            try (Backend check = backendOption.open(trained)) {
                double acc = Evaluation.accuracy(check, held.get().inputs(), held.get().labels(), 256);
                String heldName = test != null ? test : "the " + holdout + " held-out samples of " + data;
                System.out.printf("saved model on %s: accuracy %.2f%% (%d samples)%n", heldName, 100 * acc, held.get().size());
            }
        }
        return 0;
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
    }
}
