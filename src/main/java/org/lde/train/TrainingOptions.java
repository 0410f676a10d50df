package org.lde.train;

import org.lde.engine.Loss;
import org.lde.engine.OptimizerSpec;

/**
 * How to train: epochs, mini-batch size, optimizer, loss and seed. The seed fixes the shuffling
 * of every epoch, so with the same initial network a run repeats exactly.
 */
public record TrainingOptions(int epochs, int batchSize, OptimizerSpec optimizer, Loss loss, long seed) {
    public TrainingOptions {
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        java.util.Objects.requireNonNull(optimizer, "optimizer");
        java.util.Objects.requireNonNull(loss, "loss");
    }

    /** Adam (lr 1e-3), batch 64, 5 epochs, cross-entropy, seed 1. */
    public static TrainingOptions defaults() {
        return new TrainingOptions(5, 64, OptimizerSpec.adam(1e-3), Loss.SOFTMAX_CROSS_ENTROPY, 1);
    }

    public TrainingOptions withEpochs(int e) {
        return new TrainingOptions(e, batchSize, optimizer, loss, seed);
    }

    public TrainingOptions withBatchSize(int b) {
        return new TrainingOptions(epochs, b, optimizer, loss, seed);
    }

    public TrainingOptions withOptimizer(OptimizerSpec o) {
        return new TrainingOptions(epochs, batchSize, o, loss, seed);
    }

    public TrainingOptions withLoss(Loss l) {
        return new TrainingOptions(epochs, batchSize, optimizer, l, seed);
    }

    public TrainingOptions withSeed(long s) {
        return new TrainingOptions(epochs, batchSize, optimizer, loss, s);
    }
}
