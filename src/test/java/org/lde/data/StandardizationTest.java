package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

class StandardizationTest {
    private static Dataset table() {
        // feature a: 1, 3, 5, 100 ; feature b: 2, 2, 8, -1
        Tensor x = new Tensor(Shape.of(4, 2), new double[] {1, 2, 3, 2, 5, 8, 100, -1});
        return Dataset.classification("t", x, new int[] {0, 1, 0, 1}, List.of("n", "p"), List.of("a", "b"), "test");
    }

    @Test
    void fitsOnTheGivenRowsOnly() {
        Dataset d = table();
        Standardization s = Standardization.fit(d, 0, 3);
        assertArrayEquals(new double[] {3, 4}, s.mean(), 1e-15);
        // population std: a: sqrt((4+0+4)/3), b: sqrt((4+4+16)/3)
        assertArrayEquals(new double[] {Math.sqrt(8.0 / 3), Math.sqrt(8.0)}, s.std(), 1e-15);
        Dataset z = s.apply(d);
        assertEquals((100 - 3) / Math.sqrt(8.0 / 3), z.inputs().get(3, 0), 1e-12);
        assertEquals((-1 - 4) / Math.sqrt(8.0), z.inputs().get(3, 1), 1e-12);
        assertEquals(1.0, d.inputs().get(0, 0)); // the original is not modified
        assertEquals(0.0, s.invert(z.inputs()).maxAbsDiff(d.inputs()), 1e-12);
        Standardization same = Standardization.fit(d, new int[] {2, 0, 1});
        assertArrayEquals(s.mean(), same.mean(), 1e-15);
        assertArrayEquals(s.std(), same.std(), 1e-15);
    }

    @Test
    void constantFeatureIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Standardization.fit(table(), 0, 2));
        assertTrue(e.getMessage().contains("feature 1 ('b') is constant (2.0) on the 2 fitting rows"), e.getMessage());
    }

    @Test
    void shapeMismatch() {
        Standardization s = Standardization.fit(table(), 0, 3);
        assertThrows(IllegalArgumentException.class, () -> s.apply(Tensor.zeros(2, 3)));
    }
}
