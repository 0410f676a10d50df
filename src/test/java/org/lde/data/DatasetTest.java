package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

class DatasetTest {
    /** 10 samples of shape [1, 2]; sample i holds (i, 10 i); label i % 3. */
    private static Dataset ten() {
        double[] x = new double[20];
        int[] l = new int[10];
        for (int i = 0; i < 10; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = 10 * i;
            l[i] = i % 3;
        }
        return Dataset.classification("ten", new Tensor(Shape.of(10, 1, 2), x), l, List.of("a", "b", "c"), List.of(), "test");
    }

    @Test
    void subsetsAndBatchesCopyTheRightRows() {
        Dataset d = ten();
        Dataset s = d.subset(3, 6);
        assertEquals(3, s.size());
        assertArrayEquals(new double[] {3, 30, 4, 40, 5, 50}, s.inputs().data());
        assertArrayEquals(new int[] {0, 1, 2}, s.labels());
        Dataset.Batch b = d.batch(new int[] {9, 0, 9});
        assertEquals(Shape.of(3, 1, 2), b.inputs().shape());
        assertArrayEquals(new double[] {9, 90, 0, 0, 9, 90}, b.inputs().data());
        assertArrayEquals(new int[] {0, 0, 0}, b.labels());
        assertArrayEquals(new int[] {4, 3, 3}, d.classCounts());
        assertThrows(IndexOutOfBoundsException.class, () -> d.batch(new int[] {10}));
        assertThrows(IndexOutOfBoundsException.class, () -> d.subset(5, 11));
    }

    @Test
    void batchIndicesCoverEveryIndexOnceAndKeepTheRemainder() {
        Dataset d = ten();
        List<int[]> inOrder = d.batchIndices(4);
        assertEquals(3, inOrder.size());
        assertArrayEquals(new int[] {8, 9}, inOrder.get(2));
        List<int[]> a = d.batchIndices(3, new Rng(7));
        List<int[]> b = d.batchIndices(3, new Rng(7));
        assertEquals(4, a.size());
        int[] all = a.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i));
        }
        assertThrows(IllegalArgumentException.class, () -> d.batchIndices(0));
    }

    @Test
    void stratifiedSplitIsDeterministicAndDisjoint() {
        Dataset d = ten();
        Dataset.Split s = d.split(0.5, 42);
        Dataset.Split t = d.split(0.5, 42);
        assertArrayEquals(s.testIndices(), t.testIndices());
        // per class: 4 -> 2, 3 -> 2 (round(1.5) = 2), 3 -> 2
        assertArrayEquals(new int[] {2, 2, 2}, s.test().classCounts());
        assertArrayEquals(new int[] {2, 1, 1}, s.train().classCounts());
        int[] both = new int[10];
        for (int i : s.trainIndices()) {
            both[i]++;
        }
        for (int i : s.testIndices()) {
            both[i]++;
        }
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, both);
        assertEquals(s.testIndices()[0], (int) s.test().inputs().get(0, 0, 0));
    }

    @Test
    void validation() {
        Tensor x = Tensor.zeros(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.classification("d", x, new int[] {0, 2}, List.of("a", "b"), List.of(), "s"));
        assertTrue(e.getMessage().contains("label 2 of sample 1 is outside 0..1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.classification("d", x, new int[] {0}, List.of("a", "b"), List.of(), "s"));
        assertTrue(e.getMessage().contains("2 samples but 1 labels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.classification("d", x, new int[] {0, 1}, List.of("a", "b"), List.of("f"), "s"));
        assertTrue(e.getMessage().contains("1 feature names for samples of 3 values"), e.getMessage());
        Dataset r = Dataset.regression("r", x, Tensor.of(Shape.of(2), 1.5, 2.5), List.of("p", "q", "s"), "s");
        assertEquals(Shape.of(2, 1), r.targets().shape());
        assertThrows(IllegalStateException.class, r::classCounts);
        assertArrayEquals(new double[] {2.5}, r.subset(1, 2).targets().data());
    }

    @Test
    void labelsAreDefensivelyCopied() {
        int[] l = {0, 1};
        Dataset d = Dataset.classification("d", Tensor.zeros(2, 1), l, List.of("a", "b"), List.of(), "s");
        l[0] = 1;
        d.labels()[1] = 0;
        assertArrayEquals(new int[] {0, 1}, d.labels());
    }
}
