package org.lde.explain.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Task;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/** Grad-CAM, RISE, occlusion and the L0 sensitivity against hand-computed answers. */
class PerturbationBaselinesTest {

    @Test
    void bilinearUpsamplingMatchesPytorchAlignCornersFalse() {
        // torch.nn.functional.interpolate([[0,1],[2,3]], size=4, mode="bilinear", align_corners=False)
        double[] want = {0.0, 0.25, 0.75, 1.0, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2.0, 2.25, 2.75, 3.0};
        assertArrayEquals(want, Bilinear.resize(new double[] {0, 1, 2, 3}, 2, 2, 4, 4), 1e-15);
        // same size is the identity
        double[] m = {1, 5, -2, 7, 3, 4};
        assertArrayEquals(m, Bilinear.resize(m, 2, 3, 2, 3), 0);
    }

    /**
     * conv (1x1, stride s, channels +1 and -1) -> ReLU -> flatten -> dense with class 0 weights
     * {@code v} on channel 0 and zero on channel 1, class 1 weights {@code -v}. For positive inputs
     * channel 1 is dead, so alpha_0 = +-mean(v), alpha_1 = 0 and cam = ReLU(+-mean(v) A_0).
     */
    private static Network handCam(int side, int stride) {
        int out = (side - 1) / stride + 1;
        int hw = out * out;
        Conv2d conv = new Conv2d("conv", 1, 2, 1, 1, stride, stride, 0, 0, Tensor.of(Shape.of(2, 1, 1, 1), 1, -1),
                Tensor.zeros(2));
        double[] w = new double[2 * 2 * hw];
        for (int p = 0; p < hw; p++) {
            w[p] = p + 1;             // class 0, channel 0
            w[2 * hw + p] = -(p + 1); // class 1, channel 0
        }
        Dense fc = new Dense("fc", 2 * hw, 2, Tensor.of(Shape.of(2, 2 * hw), w), Tensor.zeros(2));
        return new Network(Shape.of(1, side, side), List.of(conv, new ReLU("relu"), new Flatten("flat"), fc),
                Task.CLASSIFICATION, List.of(), 0, 1);
    }

    @Test
    void gradCamOnAHandBuiltNetworkGivesTheKnownMap() {
        Network net = handCam(2, 1);
        Tensor x = Tensor.of(Shape.of(1, 1, 2, 2), 0.1, 0.4, 0.2, 0.8);
        try (Backend be = Backends.cpu(net)) {
            Tensor cam = new GradCam().attribute(be, x, new int[] {0});
            double alpha = (1 + 2 + 3 + 4) / 4.0;
            for (int p = 0; p < 4; p++) {
                assertEquals(alpha * x.data()[p], cam.data()[p], 1e-14);
            }
            // class 1: alpha_0 = -2.5, so the ReLU'd map is zero and the raw map is -2.5 x
            Tensor zero = new GradCam().attribute(be, x, new int[] {1});
            assertEquals(0, zero.maxAbsDiff(Tensor.zeros(x.shape())), 0);
            Tensor raw = new GradCam().withRelu(false).attribute(be, x, new int[] {1});
            for (int p = 0; p < 4; p++) {
                assertEquals(-alpha * x.data()[p], raw.data()[p], 1e-14);
            }
        }
        // stride 2 on 4x4: the 2x2 map A_0 = x[::2, ::2] is upsampled bilinearly to 4x4
        Network net2 = handCam(4, 2);
        Tensor x2 = TestModels.inputs(3, 1, 1, 4, 4);
        try (Backend be = Backends.cpu(net2)) {
            Tensor cam = new GradCam().atLayer("conv").attribute(be, x2, new int[] {0});
            double[] small = new double[4];
            for (int r = 0; r < 2; r++) {
                for (int c = 0; c < 2; c++) {
                    small[r * 2 + c] = 2.5 * x2.data()[(2 * r) * 4 + 2 * c];
                }
            }
            assertArrayEquals(Bilinear.resize(small, 2, 2, 4, 4), cam.data(), 1e-14);
        }
        // mixed-sign inputs: the default layer (the ReLU after the conv) and the conv's own output differ.
        // conv weight 1 on channel 0: A_pre = x = [0.5, -0.5, 1, -1], class 0 weights v = [1, 2, 3, 4].
        // post-ReLU: A = [0.5, 0, 1, 0], G = v, alpha = 2.5 -> cam [1.25, 0, 2.5, 0];
        // pre-ReLU: G = v * 1[x > 0] = [1, 0, 3, 0], alpha = 1 -> cam = ReLU(x) = [0.5, 0, 1, 0].
        Tensor mixed = Tensor.of(Shape.of(1, 1, 2, 2), 0.5, -0.5, 1, -1);
        try (Backend be = Backends.cpu(net)) {
            assertEquals("relu", GradCam.defaultLayer(net));
            assertArrayEquals(new double[] {1.25, 0, 2.5, 0}, new GradCam().attribute(be, mixed, new int[] {0}).data(), 1e-14);
            assertArrayEquals(new double[] {0.5, 0, 1, 0}, new GradCam().atLayer("conv").attribute(be, mixed, new int[] {0}).data(), 1e-14);
        }
        // no conv layer: a clear error
        try (Backend be = Backends.cpu(TestModels.randomLinear(1, 2, 1, 4, 4))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new GradCam().attribute(be, TestModels.inputs(1, 1, 1, 4, 4), new int[] {0}));
            assertTrue(e.getMessage().contains("conv2d"), e.getMessage());
        }
    }

    @Test
    void occlusionOnALinearModelIsTheWindowSumOfWeightTimesInputMinusBaseline() {
        Network net = TestModels.randomLinear(5, 3, 1, 4, 4);
        double[] w = ((Dense) net.layers().get(1)).weight().data();
        Tensor x = TestModels.inputs(6, 2, 1, 4, 4);
        int[] cls = {2, 0};
        double b = 0.2;
        try (Backend be = Backends.cpu(net)) {
            // non-overlapping 2x2 windows: every pixel gets its own window's sum
            Tensor phi = new Occlusion().withWindow(2).withStride(2).withBaseline(b).withChunkRows(3).attribute(be, x, cls);
            for (int i = 0; i < 2; i++) {
                for (int y = 0; y < 4; y++) {
                    for (int xx = 0; xx < 4; xx++) {
                        double s = 0;
                        for (int yy = (y / 2) * 2; yy < (y / 2) * 2 + 2; yy++) {
                            for (int x2 = (xx / 2) * 2; x2 < (xx / 2) * 2 + 2; x2++) {
                                s += w[cls[i] * 16 + yy * 4 + x2] * (x.data()[i * 16 + yy * 4 + x2] - b);
                            }
                        }
                        assertEquals(s, phi.data()[i * 16 + y * 4 + xx], 1e-12);
                    }
                }
            }
            // overlapping 2x2 windows, stride 1: the mean over the covering windows
            Tensor ov = new Occlusion().withWindow(2).withStride(1).withBaseline(b).attribute(be, x, cls);
            for (int i = 0; i < 2; i++) {
                for (int y = 0; y < 4; y++) {
                    for (int xx = 0; xx < 4; xx++) {
                        double sum = 0;
                        int cnt = 0;
                        for (int y0 = 0; y0 <= 2; y0++) {
                            for (int x0 = 0; x0 <= 2; x0++) {
                                if (y >= y0 && y < y0 + 2 && xx >= x0 && xx < x0 + 2) {
                                    cnt++;
                                    for (int yy = y0; yy < y0 + 2; yy++) {
                                        for (int x2 = x0; x2 < x0 + 2; x2++) {
                                            sum += w[cls[i] * 16 + yy * 4 + x2] * (x.data()[i * 16 + yy * 4 + x2] - b);
                                        }
                                    }
                                }
                            }
                        }
                        assertEquals(sum / cnt, ov.data()[i * 16 + y * 4 + xx], 1e-12);
                    }
                }
            }
        }
        assertArrayEquals(new int[] {0, 2, 3}, Occlusion.positions(5, 2, 2));
        assertArrayEquals(new int[] {0, 2, 4}, Occlusion.positions(6, 2, 2));
        assertArrayEquals(new int[] {0, 3, 4}, Occlusion.positions(7, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> Occlusion.positions(3, 4, 1));
    }

    @Test
    void sparseSensitivityOnALinearModelIsWeightTimesInputMinusBaseline() {
        Network net = TestModels.randomLinear(8, 4, 7);
        double[] w = ((Dense) net.layers().get(0)).weight().data();
        Tensor x = TestModels.inputs(9, 3, 7);
        int[] cls = {3, 1, 0};
        try (Backend be = Backends.cpu(net)) {
            Tensor phi = new SparseSensitivity(0.5, 4).attribute(be, x, cls);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 7; j++) {
                    assertEquals(w[cls[i] * 7 + j] * (x.data()[i * 7 + j] - 0.5), phi.data()[i * 7 + j], 1e-12);
                }
            }
        }
    }

    @Test
    void riseIsTheProbabilityWeightedMaskMean() {
        Network net = TestModels.smallCnn(2);
        Tensor x = TestModels.inputs(4, 2, 1, 8, 8);
        int[] cls = {0, 2};
        Rise rise = new Rise().withMasks(12).withCellSize(3).withKeepProbability(0.4).withSeed(7).withChunkRows(5);
        Tensor masks = rise.masks(8, 8);
        for (double v : masks.data()) {
            assertTrue(v >= 0 && v <= 1, "mask value " + v);
        }
        try (Backend be = Backends.cpu(net)) {
            Tensor phi = rise.attribute(be, x, cls);
            for (int i = 0; i < 2; i++) {
                double[] want = new double[64];
                for (int m = 0; m < 12; m++) {
                    Tensor xm = x.row(i).reshape(1, 1, 8, 8).copy();
                    for (int p = 0; p < 64; p++) {
                        xm.data()[p] *= masks.data()[m * 64 + p];
                    }
                    double prob = Batched.softmax(be.forward(xm)).get(0, cls[i]);
                    for (int p = 0; p < 64; p++) {
                        want[p] += prob * masks.data()[m * 64 + p] / (12 * 0.4);
                    }
                }
                for (int p = 0; p < 64; p++) {
                    assertEquals(want[p], phi.data()[i * 64 + p], 1e-12);
                }
            }
        }
        // many masks: the mean mask value is close to the keep probability
        Tensor many = new Rise().withMasks(400).withKeepProbability(0.3).masks(28, 28);
        double mean = 0;
        for (double v : many.data()) {
            mean += v / many.size();
        }
        assertEquals(0.3, mean, 0.03);
    }
}
