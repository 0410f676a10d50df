package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.Recorded;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Known answers for the pieces of the robustness experiments: rank consistency, shifts, the masked backend. */
class RobustnessPiecesTest {

    @Test
    void spearmanOfHandMadeRankings() {
        double[] a = {1, 2, 3, 4, 5};
        assertEquals(1, RankConsistency.spearman(a, new double[] {10, 20, 30, 40, 50}), 1e-15);
        assertEquals(-1, RankConsistency.spearman(a, new double[] {5, 4, 3, 2, 1}), 1e-15);
        // no ties: rho = 1 - 6 sum d^2 / (n (n^2 - 1)); d = (1, 1, 1, 1, 0) -> 1 - 24 / 120 = 0.8
        assertEquals(0.8, RankConsistency.spearman(a, new double[] {2, 1, 4, 3, 5}), 1e-15);
        // monotone transforms do not change ranks
        assertEquals(0.8, RankConsistency.spearman(new double[] {-7, 0.1, 3, 9, 100}, new double[] {0.2, 0.1, 40, 30, 50}), 1e-15);
        // ties get average ranks: ranks (1.5, 1.5, 3) and (1, 2, 3): cov 1.5, var 1.5 and 2 -> 1.5 / sqrt(3)
        assertEquals(1.5 / Math.sqrt(3), RankConsistency.spearman(new double[] {1, 1, 2}, new double[] {1, 2, 3}), 1e-15);
        assertTrue(Double.isNaN(RankConsistency.spearman(new double[] {2, 2, 2}, new double[] {1, 2, 3})), "constant map: undefined");
    }

    @Test
    void topKIntersectionOfHandMadeRankings() {
        double[] a = {5, 4, 3, 2, 1};
        double[] b = {1, 2, 3, 4, 5};
        assertEquals(0, RankConsistency.topKIntersection(a, b, 2));
        assertEquals(1.0 / 3, RankConsistency.topKIntersection(a, b, 3), 1e-15); // {0,1,2} and {4,3,2}
        assertEquals(1, RankConsistency.topKIntersection(a, b, 5));
        // ties by the lower index: top2(a) = {0, 1}, top2(b) = {1, 2}
        assertEquals(0.5, RankConsistency.topKIntersection(new double[] {1, 1, 1, 0}, new double[] {0, 1, 1, 1}, 2));
        assertArrayEquals(new int[] {1, 2}, RankConsistency.top(new double[] {0, 1, 1, 1}, 2));
    }

    @Test
    void rankConsistencyRefusesBadInput() {
        assertThrows(IllegalArgumentException.class, () -> RankConsistency.spearman(new double[] {1, 2}, new double[] {1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> RankConsistency.spearman(new double[] {1}, new double[] {1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RankConsistency.topKIntersection(new double[] {1, Double.NaN}, new double[] {1, 2}, 1));
        assertTrue(e.getMessage().contains("index 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RankConsistency.topKIntersection(new double[] {1, 2}, new double[] {1, 2}, 3));
        assertThrows(IllegalArgumentException.class, () -> RankConsistency.topKIntersection(new double[] {1, 2}, new double[] {1, 2}, 0));
    }

    @Test
    void blurIsTheDirectTwoDimensionalGaussianConvolution() {
        int n = 2;
        int c = 2;
        int h = 7;
        int w = 9;
        double sigma = 1.3;
        Tensor x = new Rng(5).uniform(Shape.of(n, c, h, w), 0, 1);
        Tensor out = Shifts.blur(x, sigma, -100, 100);
        int rad = (int) Math.ceil(3 * sigma);
        for (int p = 0; p < n * c; p++) {
            for (int y = 0; y < h; y++) {
                for (int z = 0; z < w; z++) {
                    double s = 0;
                    double ws = 0;
                    for (int dy = -rad; dy <= rad; dy++) {
                        for (int dz = -rad; dz <= rad; dz++) {
                            int yy = y + dy;
                            int zz = z + dz;
                            if (yy < 0 || yy >= h || zz < 0 || zz >= w) {
                                continue;
                            }
                            double k = Math.exp(-(dy * dy + dz * dz) / (2 * sigma * sigma));
                            s += k * x.data()[p * h * w + yy * w + zz];
                            ws += k;
                        }
                    }
                    assertEquals(s / ws, out.data()[p * h * w + y * w + z], 1e-12);
                }
            }
        }
        // the clip to the box is part of the shift
        Tensor clipped = Shifts.blur(x, sigma, 0.4, 0.6);
        for (double v : clipped.data()) {
            assertTrue(v >= 0.4 && v <= 0.6);
        }
    }

    @Test
    void noiseHasTheStatedSigmaAndIsClipped() {
        Tensor x = new Tensor(Shape.of(4, 2500), new double[10000]);
        java.util.Arrays.fill(x.data(), 0.5);
        Tensor y = Shifts.gaussianNoise(x, 0.05, 3, -10, 10);
        double m = 0;
        double v = 0;
        for (double d : y.data()) {
            m += d - 0.5;
            v += (d - 0.5) * (d - 0.5);
        }
        m /= 10000;
        v /= 10000;
        assertEquals(0, m, 4 * 0.05 / 100); // 4 standard errors
        assertEquals(0.05, Math.sqrt(v), 0.05 * 0.03);
        assertArrayEquals(y.data(), Shifts.gaussianNoise(x, 0.05, 3, -10, 10).data(), "seeded");
        assertArrayEquals(x.data(), Shifts.gaussianNoise(x, 0, 3, -10, 10).data());
        for (double d : Shifts.gaussianNoise(x, 1, 3, 0.4, 0.6).data()) {
            assertTrue(d >= 0.4 && d <= 0.6);
        }
        assertThrows(IllegalArgumentException.class, () -> Shifts.gaussianNoise(x, -1, 3, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Shifts.blur(x.reshape(4, 1, 50, 50), 0, 0, 1));
    }

    /** A small ReLU network: the masked backend's forward and gradients against f(m . x) by central differences. */
    @Test
    void maskedBackendIsTheNetworkOfTheMaskedInput() {
        Network net = Network.builder(7).seed(11).domain(0, 1).dense(5).relu().dense(3).build();
        boolean[] mask = {false, true, false, false, true, true, false};
        Tensor x = new Rng(2).uniform(Shape.of(3, 7), 0, 1);
        try (Backend inner = Backends.open(net, "cpu")) {
            MaskedBackend mb = new MaskedBackend(inner, mask);
            assertEquals(3, mb.maskedCount());
            Tensor xm = x.copy();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 7; j++) {
                    if (mask[j]) {
                        xm.data()[i * 7 + j] = 0;
                    }
                }
            }
            assertArrayEquals(inner.forward(xm).data(), mb.forward(x).data(), 0);
            Tensor seeds = new Rng(4).uniform(Shape.of(3, 1, 3), -1, 1);
            Tensor g;
            try (Recorded r = mb.forwardRecorded(x)) {
                g = mb.reverse(r, seeds);
            }
            double h = 1e-6;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 7; j++) {
                    Tensor p = x.copy();
                    Tensor q = x.copy();
                    p.data()[i * 7 + j] += h;
                    q.data()[i * 7 + j] -= h;
                    double[] fp = mb.forward(p).data();
                    double[] fq = mb.forward(q).data();
                    double fd = 0;
                    for (int k = 0; k < 3; k++) {
                        fd += seeds.data()[i * 3 + k] * (fp[i * 3 + k] - fq[i * 3 + k]) / (2 * h);
                    }
                    assertEquals(fd, g.data()[i * 7 + j], 1e-7, "sample " + i + " feature " + j);
                    if (mask[j]) {
                        assertEquals(0, g.data()[i * 7 + j]);
                    }
                }
            }
            assertThrows(UnsupportedOperationException.class, () -> mb.intervals(x, x));
            assertThrows(IllegalArgumentException.class, () -> new MaskedBackend(inner, new boolean[6]));
            assertArrayEquals(new boolean[] {false, true, false, true}, MaskedBackend.topK(new double[] {0, 3, 1, 3}, 2));
        }
    }
}
