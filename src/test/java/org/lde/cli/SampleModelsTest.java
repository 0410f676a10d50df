package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lde.data.Dataset;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.Network;
import org.lde.engine.Evaluation;

/**
 * The embedded trained models classify the embedded samples exactly as when they were
 * trained (a fixture: the counts were printed by {@code lde predict} right after training).
 * A change to the model format, the reference backend or the sample data that alters any
 * prediction fails here.
 */
class SampleModelsTest {

    @ParameterizedTest
    @CsvSource({
        "fmnist-mlp, sample:fashion-mnist, 890, 1000",
        "fmnist-cnn, sample:fashion-mnist, 900, 1000",
        "mnist-cnn, sample:mnist, 970, 1000",
        "breast-cancer-mlp, sample:breast-cancer, 560, 569",
        "fmnist-resnet, sample:fashion-mnist, 835, 1000",
    })
    void embeddedModelsKeepTheirAccuracy(String model, String data, int hits, int n) {
        Network net = ModelRef.open("sample:" + model);
        Dataset ds = TabularData.load(data, Integer.MAX_VALUE, net);
        assertEquals(n, ds.size());
        try (Backend b = Backends.cpu(net)) {
            double acc = Evaluation.accuracy(b, ds.inputs(), ds.labels(), 250);
            assertEquals(hits, Math.round(acc * n), model + " on " + data);
        }
    }

    /**
     * The tabular models on the held-out rows of their training command (train-sample-models.sh: the first
     * {@code --holdout} of a permutation seeded with {@code --seed 1}), as MODELS.md reports them: breast cancer
     * 164 of 169 (97.04%), diabetes R^2 0.539, RMSE 53.67 (in the target's units).
     */
    @org.junit.jupiter.api.Test
    void tabularModelsKeepTheirHeldOutFigures() {
        Network bc = ModelRef.open("sample:breast-cancer-mlp");
        Dataset b = TabularData.load("sample:breast-cancer", Integer.MAX_VALUE, bc).subset(heldOut(569, 169));
        try (Backend be = Backends.cpu(bc)) {
            assertEquals(164, Math.round(Evaluation.accuracy(be, b.inputs(), b.labels(), 250) * 169));
        }
        Network db = ModelRef.open("sample:diabetes-mlp");
        Dataset d = TabularData.load("sample:diabetes", Integer.MAX_VALUE, db).subset(heldOut(442, 88));
        try (Backend be = Backends.cpu(db)) {
            Evaluation.Regression r = Evaluation.Regression.of(Evaluation.outputs(be, d.inputs(), 250), d.targets().data());
            assertEquals(0.539, r.r2(), 5e-4);
            assertEquals(53.67, r.rmse(), 5e-3);
        }
    }

    private static int[] heldOut(int n, int holdout) {
        int[] idx = java.util.Arrays.copyOf(new org.lde.tensor.Rng(1).permutation(n), holdout);
        java.util.Arrays.sort(idx);
        return idx;
    }
}
