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
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/**
 * The literature variants of METHOD.md section 9 against closed forms: Grad-CAM's raw map and its
 * nearest and bilinear upsamplings, Captum's riemann_trapezoid, SmoothGrad with given noise.
 */
class ProtocolVariantsTest {

    @Test
    void nearestResizeMatchesPytorchIndexing() {
        // F.interpolate(size=4, mode="nearest") of [[0,1],[2,3]]: each value becomes a 2x2 block
        assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3},
                Nearest.resize(new double[] {0, 1, 2, 3}, 2, 2, 4, 4), 0);
        // 3 -> 7: source index floor(r * 3/7) = 0, 0, 0, 1, 1, 2, 2
        assertArrayEquals(new double[] {5, 5, 5, 6, 6, 7, 7}, Nearest.resize(new double[] {5, 6, 7}, 1, 3, 1, 7), 0);
        // downsampling 5 -> 2: floor(r * 2.5) = 0, 2
        assertArrayEquals(new double[] {1, 3}, Nearest.resize(new double[] {1, 2, 3, 4, 5}, 1, 5, 1, 2), 0);
        assertThrows(IllegalArgumentException.class, () -> Nearest.resize(new double[3], 2, 2, 4, 4));
    }

    /**
     * Input [1, 4, 4]; conv 1x1 stride 2 with channel weights +1, -1 (so A_0 = x[2r, 2c], A_1 = -A_0,
     * dead after the ReLU for positive x); dense class 0 weights v = 1, 2, 3, 4 on channel 0:
     * alpha_0 = 2.5, alpha_1 = 0 and the raw map is cam[r, c] = 2.5 x[2r, 2c].
     */
    @Test
    void gradCamRawNearestAndBilinearMapsHaveClosedForms() {
        Conv2d conv = new Conv2d("conv", 1, 2, 1, 1, 2, 2, 0, 0, Tensor.of(Shape.of(2, 1, 1, 1), 1, -1), Tensor.zeros(2));
        double[] w = new double[2 * 8];
        for (int p = 0; p < 4; p++) {
            w[p] = p + 1;
            w[8 + p] = -(p + 1);
        }
        Dense fc = new Dense("fc", 8, 2, Tensor.of(Shape.of(2, 8), w), Tensor.zeros(2));
        Network net = new Network(Shape.of(1, 4, 4), List.of(conv, new ReLU("relu"), new Flatten("flat"), fc),
                Task.CLASSIFICATION, List.of(), 0, 1);
        Tensor x = TestModels.inputs(11, 2, 1, 4, 4);
        try (Backend be = Backends.cpu(net)) {
            int[] cls = {0, 0};
            GradCam bil = new GradCam();
            GradCam near = new GradCam().withUpsampling(GradCam.Upsampling.NEAREST);
            assertEquals("gradcam", bil.name());
            assertEquals("gradcam-nearest", near.name());
            Tensor raw = near.rawMaps(be, x, cls);
            assertEquals(Shape.of(2, 2, 2), raw.shape());
            Tensor up = near.attribute(be, x, cls);
            Tensor bi = bil.attribute(be, x, cls);
            // half-pixel bilinear 2 -> 4: output rows/cols take (1, 0), (3/4, 1/4), (1/4, 3/4), (0, 1) of the two inputs
            double[][] mix = {{1, 0}, {0.75, 0.25}, {0.25, 0.75}, {0, 1}};
            for (int i = 0; i < 2; i++) {
                double[][] cam = new double[2][2];
                for (int r = 0; r < 2; r++) {
                    for (int c = 0; c < 2; c++) {
                        cam[r][c] = 2.5 * x.data()[i * 16 + 2 * r * 4 + 2 * c];
                        assertEquals(cam[r][c], raw.data()[i * 4 + r * 2 + c], 1e-14);
                    }
                }
                for (int r = 0; r < 4; r++) {
                    for (int c = 0; c < 4; c++) {
                        assertEquals(cam[r / 2][c / 2], up.data()[i * 16 + r * 4 + c], 1e-14, "nearest " + r + "," + c);
                        double b = 0;
                        for (int a = 0; a < 2; a++) {
                            for (int e = 0; e < 2; e++) {
                                b += mix[r][a] * mix[c][e] * cam[a][e];
                            }
                        }
                        assertEquals(b, bi.data()[i * 16 + r * 4 + c], 1e-14, "bilinear " + r + "," + c);
                    }
                }
            }
            // class 1: alpha_0 = -2.5 -> the ReLU'd raw map is zero; without the ReLU it is -2.5 x[2r, 2c]
            Tensor neg = near.withRelu(false).rawMaps(be, x, new int[] {1, 1});
            assertEquals(-2.5 * x.data()[0], neg.data()[0], 1e-14);
            assertEquals(0, near.rawMaps(be, x, new int[] {1, 1}).maxAbsDiff(Tensor.zeros(2, 2, 2)), 0);
        }
    }

    @Test
    void captumTrapezoidIsTheTextbookRuleScaledByMMinusOneOverM() {
        double[][] nw = IntegratedGradients.nodes(IntegratedGradients.Rule.CAPTUM_TRAPEZOID, 4);
        assertArrayEquals(new double[] {0, (float) (1.0 / 3), (float) (2.0 / 3), 1}, nw[0], 0);
        assertArrayEquals(new double[] {1.0 / 8, 1.0 / 4, 1.0 / 4, 1.0 / 8}, nw[1], 1e-17);
        assertThrows(IllegalArgumentException.class,
                () -> new IntegratedGradients().withRule(IntegratedGradients.Rule.CAPTUM_TRAPEZOID).withSteps(1));
        Network net = TestModels.smallMlp(3, 6, 3);
        Tensor x = TestModels.inputs(4, 3, 6);
        int[] cls = {0, 1, 2};
        try (Backend be = Backends.cpu(net)) {
            for (int m : new int[] {2, 7, 50}) {
                IntegratedGradients cap = new IntegratedGradients().withRule(IntegratedGradients.Rule.CAPTUM_TRAPEZOID).withSteps(m);
                assertEquals("ig-captum-trap" + m, cap.name());
                double[] a = cap.attribute(be, x, cls).data();
                double[] t = new IntegratedGradients().withRule(IntegratedGradients.Rule.TRAPEZOID).withSteps(m).attribute(be, x, cls).data();
                // the nodes agree up to float32 rounding of alpha (a ReLU net is piecewise linear in alpha)
                for (int j = 0; j < a.length; j++) {
                    assertEquals((m - 1.0) / m * t[j], a[j], 1e-6 * (1 + Math.abs(t[j])), "m=" + m + " j=" + j);
                }
            }
        }
        assertEquals(new IntegratedGradients().withRule(IntegratedGradients.Rule.CAPTUM_TRAPEZOID).name(),
                Baselines.create("ig-captum-trap50").name());
        assertEquals("gradcam-nearest", Baselines.create("gradcam-nearest").name());
        assertTrue(!Baselines.names().contains("gradcam-nearest"), "variants stay out of the default table");
    }

    /**
     * f_1 = relu(x1) + relu(x2) + 2 relu(x1 - 0.3) - 0.9 ({@link TestModels#twoPieceRelu}), so
     * grad f_1 = (1[x1 > 0] + 2 1[x1 > 0.3], 1[x2 > 0]). From (0.2, 0.2) with the given noise
     * (0.2, 0), (-0.3, 0.1), (0.05, -0.5): gradients (3, 1), (0, 1), (1, 0), mean (4/3, 2/3).
     */
    @Test
    void smoothGradWithGivenNoiseAveragesTheHandGradients() {
        try (Backend be = Backends.cpu(TestModels.twoPieceRelu())) {
            Tensor x = Tensor.of(Shape.of(1, 2), 0.2, 0.2);
            Tensor noise = Tensor.of(Shape.of(3, 2), 0.2, 0, -0.3, 0.1, 0.05, -0.5);
            Tensor phi = new SmoothGrad().attributeWithNoise(be, x, new int[] {1}, noise);
            assertArrayEquals(new double[] {4.0 / 3, 2.0 / 3}, phi.data(), 1e-14);
            // the seeded path is the given path with the draws sigma * gaussian in the order sample, draw, feature
            Tensor x2 = TestModels.inputs(5, 3, 2);
            int[] cls = {1, 0, 1};
            SmoothGrad sg = new SmoothGrad().withSamples(4).withSeed(9).withChunkRows(5);
            Rng rng = new Rng(9);
            Tensor e = Tensor.zeros(12, 2);
            for (int i = 0; i < e.size(); i++) {
                e.data()[i] = 0.15 * rng.gaussian();
            }
            assertEquals(0, sg.attribute(be, x2, cls).maxAbsDiff(sg.attributeWithNoise(be, x2, cls, e)), 1e-15);
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> sg.attributeWithNoise(be, x2, cls, Tensor.zeros(4, 2)));
            assertTrue(bad.getMessage().contains("smoothgrad noise must be [N n, 2]"), bad.getMessage());
            Tensor nan = Tensor.zeros(3, 2);
            nan.data()[4] = Double.NaN;
            assertThrows(IllegalArgumentException.class, () -> sg.attributeWithNoise(be, x2, cls, nan));
        }
    }
}
