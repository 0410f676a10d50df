package org.lde.train;

import org.lde.engine.Evaluation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.lde.engine.Backend;
import org.lde.engine.LossValue;
import org.lde.engine.OptimizerState;
import org.lde.engine.ParameterGradients;
import org.lde.engine.Recorded;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Mini-batch training on any {@link Backend}: each epoch shuffles the samples with a generator
 * seeded by {@code seed + epoch}, then for each mini-batch runs a recorded forward pass, the
 * loss and its gradient with respect to the logits, one batched parameter-gradient pass, and one
 * optimizer step. The last mini-batch of an epoch may be smaller. The backend's parameters are
 * modified in place; {@link Backend#snapshot()} returns the trained network.
 */
public final class Trainer {
    private final TrainingOptions options;
    private final Consumer<String> progress;
    private BatchListener batches = (epoch, done, total) -> { };

    /** Told after every mini-batch (for a progress bar within an epoch). */
    @FunctionalInterface
    public interface BatchListener {
        /**
         * @param epoch the epoch, from 1
         * @param done  samples trained so far in all epochs together
         * @param total samples of the whole run ({@code epochs * N})
         */
        void batchDone(int epoch, long done, long total);
    }

    /** @param progress receives one line per epoch (e.g. {@code System.err::println}) */
    public Trainer(TrainingOptions options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Also tells {@code l} after every mini-batch; returns this trainer. */
    public Trainer onBatch(BatchListener l) {
        batches = java.util.Objects.requireNonNull(l, "listener");
        return this;
    }

    /**
     * Trains {@code backend}'s network.
     *
     * @param x        inputs {@code [N, inputShape...]}
     * @param targets  {@code [N]} class indices (cross-entropy) or {@code [N, C]} (MSE)
     * @param testX      held-out inputs, evaluated after every epoch (empty for none)
     * @param testLabels their labels (present exactly when {@code testX} is)
     * @return one report per epoch
     */
    public List<EpochReport> train(Backend backend, Tensor x, Tensor targets, java.util.Optional<Tensor> testX,
                                   java.util.Optional<int[]> testLabels) {
        int n = x.shape().dim(0);
        if (targets.shape().dim(0) != n) {
            throw new IllegalArgumentException("training inputs have " + n + " samples but targets have "
                    + targets.shape().dim(0));
        }
        if (n == 0) {
            throw new IllegalArgumentException("the training set is empty");
        }
        if (testX.isPresent() != testLabels.isPresent()) {
            throw new IllegalArgumentException("held-out inputs and labels must be given together");
        }
        x.requireFinite("training inputs");
        targets.requireFinite("training targets");
        List<EpochReport> reports = new ArrayList<>();
        try (OptimizerState opt = backend.optimizer(options.optimizer())) {
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                long t0 = System.nanoTime();
                int[] order = new Rng(options.seed() + epoch).permutation(n);
                double lossSum = 0;
                long correct = 0;
                for (int from = 0; from < n; from += options.batchSize()) {
                    int to = Math.min(n, from + options.batchSize());
                    Tensor xb = gather(x, order, from, to);
                    Tensor yb = gather(targets, order, from, to);
                    try (Recorded rec = backend.forwardRecorded(xb)) {
                        LossValue lv = backend.loss(rec.logits(), yb, options.loss());
                        if (!Double.isFinite(lv.value())) {
                            throw new IllegalStateException("training diverged: loss " + lv.value() + " in epoch " + epoch
                                    + " at sample " + from + " (lower the learning rate)");
                        }
                        lossSum += lv.value() * (to - from);
                        correct += lv.correct();
                        ParameterGradients g = backend.parameterGradients(rec, lv.gradient());
                        backend.step(opt, g);
                    }
                    batches.batchDone(epoch, (long) (epoch - 1) * n + to, (long) options.epochs() * n);
                }
                double testAcc = Double.NaN;
                if (testX.isPresent()) {
                    testAcc = Evaluation.accuracy(backend, testX.get(), testLabels.get(), 256);
                }
                double trainAcc = options.loss() == org.lde.engine.Loss.SOFTMAX_CROSS_ENTROPY ? (double) correct / n : Double.NaN;
                EpochReport r = new EpochReport(epoch, lossSum / n, trainAcc, testAcc, (System.nanoTime() - t0) / 1e9);
                reports.add(r);
                progress.accept(r.line(options.epochs()));
            }
        }
        return reports;
    }

    /** Rows {@code order[from..to)} of {@code t}, stacked in that order. */
    static Tensor gather(Tensor t, int[] order, int from, int to) {
        int row = t.size() / t.shape().dim(0);
        double[] out = new double[(to - from) * row];
        for (int i = from; i < to; i++) {
            System.arraycopy(t.data(), order[i] * row, out, (i - from) * row, row);
        }
        int[] dims = t.shape().dims();
        dims[0] = to - from;
        return new Tensor(Shape.of(dims), out);
    }
}
