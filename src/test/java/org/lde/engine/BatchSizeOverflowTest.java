package org.lde.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lde.model.Network;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Batches whose activations (N x largest activation) or reverse results (N x S x size) would overflow
 * a Java array are refused by every backend, through {@link BackendChecks}, with a message naming the
 * layer and the largest batch that fits, before anything is allocated (previously
 * NegativeArraySizeException deep in the backend).
 */
class BatchSizeOverflowTest {
    /** conv 1x1 with 1000 channels and padding 500 on a 4x4 image: 1000 x 1004 x 1004 = 1,008,016,000 values per sample. */
    private static Network wideConv() {
        return Network.builder(1, 4, 4).seed(1).conv2d("wide", 1000, 1, 1, 1, 1, 500, 500).maxPool(1004, 1004).flatten().dense(2).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "emulator"})
    void aForwardBatchThatOverflowsIsRefusedWithCheckBatchsMessage(String kind) {
        Network net = wideConv();
        String expected = assertThrows(IllegalArgumentException.class, () -> net.checkBatch(3)).getMessage();
        assertTrue(expected.contains("layer 'wide' (conv2d") && expected.contains("at most 2 samples per batch"), expected);
        Tensor x = new Tensor(Shape.of(3, 1, 4, 4), new double[48]);
        try (Backend b = Backends.open(net, kind)) {
            assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> b.forward(x)).getMessage());
            assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> b.forwardRecorded(x)).getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "emulator"})
    void aReverseResultThatOverflowsIsRefusedNamingTheRowsThatFit(String kind) {
        int d = 100_000;
        Network net = Network.builder(d).seed(2).dense("out", 2).build();
        int s = 30_000; // N x S x d = 3e9 values of gradient
        Tensor x = new Tensor(Shape.of(1, d), new double[d]);
        Tensor seeds = new Tensor(Shape.of(1, s, 2), new double[2 * s]);
        try (Backend b = Backends.open(net, kind); Recorded rec = b.forwardRecorded(x)) {
            String m = assertThrows(IllegalArgumentException.class, () -> b.reverse(rec, seeds)).getMessage();
            assertEquals("a reverse pass of N = 1 samples x S = 30000 seeds (30000 rows) does not fit: the input [100000]"
                    + " has 100000 values per row, 3000000000 for the result, more than the 2147483639 one array holds"
                    + " (at most 21474 rows (N x S) per pass)", m);
            // a reverse that fits still runs: 21474 rows
            Tensor ok = new Tensor(Shape.of(1, 3, 2), new double[] {1, 0, 0, 1, 1, -1});
            Tensor g = b.reverse(rec, ok);
            assertEquals(Shape.of(1, 3, d), g.shape());
        }
    }
}
