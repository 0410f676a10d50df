package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lde.data.Dataset;
import org.lde.data.Datasets;
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
        "breast-cancer-mlp, sample:breast-cancer, 563, 569",
        "fmnist-resnet, sample:fashion-mnist, 835, 1000",
    })
    void embeddedModelsKeepTheirAccuracy(String model, String data, int hits, int n) {
        Network net = ModelRef.open("sample:" + model);
        Dataset ds = Datasets.load(data);
        assertEquals(n, ds.size());
        try (Backend b = Backends.cpu(net)) {
            double acc = Evaluation.accuracy(b, ds.inputs(), ds.labels(), 250);
            assertEquals(hits, Math.round(acc * n), model + " on " + data);
        }
    }
}
