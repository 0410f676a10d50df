package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.tensor.Shape;

/**
 * The committed fixture {@code tiny_cnn_f32.safetensors}, written by
 * {@code python3 src/scripts/write_lde_model.py --fixture PATH} (F32 tensors, as PyTorch users
 * write them, plus BatchNorm's I64 {@code num_batches_tracked}). The expected values are the
 * script's formulas, recomputed here; F32 values must arrive widened exactly.
 */
class TinyCnnFixtureTest {
    static final String RESOURCE = "org/lde/model/tiny_cnn_f32.safetensors";

    /** The script's {@code conv1_weight(i)}, rounded to float32 as struct.pack('<f') does. */
    static double conv1Weight(int i) {
        return (float) (((i * 7) % 19 - 9) / 10.0);
    }

    /** The script's {@code fc_weight(i)}, rounded to float32. */
    static double fcWeight(int i) {
        return (float) (((i * 5) % 13 - 6) / 7.0);
    }

    @Test
    void loadsArchitectureAndShapes() {
        Network n = ModelFile.loadResource(RESOURCE);
        assertEquals(Shape.of(2, 6, 6), n.inputShape());
        assertEquals(List.of("conv1", "bn1", "relu1", "pool1", "pool2", "flat", "fc"),
                n.layers().stream().map(Layer::name).toList());
        assertEquals(List.of("conv2d", "batchnorm2d", "relu", "maxpool2d", "avgpool2d", "flatten", "dense"),
                n.layers().stream().map(Layer::kind).toList());
        List<Shape> shapes = List.of(Shape.of(3, 6, 6), Shape.of(3, 6, 6), Shape.of(3, 6, 6), Shape.of(3, 3, 3),
                Shape.of(3, 2, 2), Shape.of(12), Shape.of(4));
        for (int i = 0; i < shapes.size(); i++) {
            assertEquals(shapes.get(i), n.outputShape(i), n.layers().get(i).name());
        }
        assertEquals(Task.CLASSIFICATION, n.task());
        assertEquals(List.of("cat", "dog", "owl", "fox"), n.classNames());
        assertEquals(-1.0, n.lo());
        assertEquals(1.0, n.hi());
        Conv2d c = assertInstanceOf(Conv2d.class, n.layers().get(0));
        assertEquals(List.of(2, 3, 3, 3, 1, 1, 1, 1), List.of(c.inChannels(), c.outChannels(), c.kernelH(), c.kernelW(),
                c.strideH(), c.strideW(), c.padH(), c.padW()));
        MaxPool2d mp = assertInstanceOf(MaxPool2d.class, n.layers().get(3));
        assertEquals(List.of(2, 2, 2, 2, 0, 0), List.of(mp.kernelH(), mp.kernelW(), mp.strideH(), mp.strideW(), mp.padH(), mp.padW()));
        AvgPool2d ap = assertInstanceOf(AvgPool2d.class, n.layers().get(4));
        assertEquals(List.of(2, 2, 1, 1, 0, 0), List.of(ap.kernelH(), ap.kernelW(), ap.strideH(), ap.strideW(), ap.padH(), ap.padW()));
        assertEquals(1e-5, ((BatchNorm2d) n.layers().get(1)).eps());
        assertEquals(3 * 2 * 9 + 3 + 4 * 3 + 12 * 4 + 4, n.parameterCount());
    }

    @Test
    void f32ValuesAreWidenedExactly() {
        Network n = ModelFile.loadResource("/" + RESOURCE);
        Conv2d c = (Conv2d) n.layers().get(0);
        BatchNorm2d bn = (BatchNorm2d) n.layers().get(1);
        Dense fc = (Dense) n.layers().get(6);
        // exact decimal expansions of the float32 nearest to the script's literals
        assertEquals(new BigDecimal("-0.89999997615814208984375"), new BigDecimal(c.weight().get(0, 0, 0, 0)));
        assertEquals(new BigDecimal("0.100000001490116119384765625"), new BigDecimal(c.bias().get(0)));
        assertEquals(new BigDecimal("0.300000011920928955078125"), new BigDecimal(bn.runningVar().get(1)));
        assertEquals(new BigDecimal("0.0500000007450580596923828125"), new BigDecimal(bn.runningMean().get(0)));
        assertEquals(new BigDecimal("-0.857142865657806396484375"), new BigDecimal(fc.weight().get(0, 0)));
        assertEquals(new BigDecimal("0.00999999977648258209228515625"), new BigDecimal(fc.bias().get(0)));
        assertNotEquals(-0.9, c.weight().get(0, 0, 0, 0), "not re-rounded to the nearest double of the decimal");
        // exactly representable values stay exact
        assertEquals(0.0, c.weight().data()[4]);
        assertEquals(-0.125, bn.bias().get(2));
        assertEquals(List.of(1.0, 0.5, 2.0), List.of(bn.weight().get(0), bn.weight().get(1), bn.weight().get(2)));
        assertEquals(List.of(0.1f, -0.2f, 0.3f),
                List.of((float) c.bias().get(0), (float) c.bias().get(1), (float) c.bias().get(2)));
        // every element, row-major, against the script's formula
        for (int i = 0; i < 54; i++) {
            assertEquals(conv1Weight(i), c.weight().data()[i], "conv1.weight flat " + i);
        }
        for (int i = 0; i < 48; i++) {
            assertEquals(fcWeight(i), fc.weight().data()[i], "fc.weight flat " + i);
        }
        // row-major layout: [o, c, u, v] = flat ((o*2 + c)*3 + u)*3 + v
        assertEquals(conv1Weight(((2 * 2 + 1) * 3 + 2) * 3 + 1), c.weight().get(2, 1, 2, 1));
        assertEquals(fcWeight(3 * 12 + 11), fc.weight().get(3, 11));
    }

    /**
     * The same model written by the reference safetensors library (numpy, safetensors 0.8), which
     * orders tensors and lays out its header its own way, must load to the same network.
     */
    @Test
    void fileWrittenByTheReferenceLibraryLoadsIdentically() {
        Network ours = ModelFile.loadResource(RESOURCE);
        Network ref = ModelFile.loadResource("org/lde/model/tiny_cnn_f32_reference.safetensors");
        ModelFileRoundTripTest.assertSameNetwork(ours, ref);
        // and the reference file really is laid out differently (not a copy of ours)
        assertNotEquals(java.util.Arrays.hashCode(readResource(RESOURCE)),
                java.util.Arrays.hashCode(readResource("org/lde/model/tiny_cnn_f32_reference.safetensors")));
    }

    static byte[] readResource(String p) {
        try (var in = TinyCnnFixtureTest.class.getClassLoader().getResourceAsStream(p)) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void openFoldsTheBatchNormIntoTheConv() {
        Network n = ModelFile.openResource(RESOURCE);
        assertEquals(List.of("conv1", "relu1", "pool1", "pool2", "flat", "fc"), n.layers().stream().map(Layer::name).toList());
        Conv2d c = (Conv2d) n.layers().get(0);
        double[] gamma = {1.0, 0.5, 2.0};
        double[] beta = {0.0, 0.25, -0.125};
        double[] mean = {(float) 0.05, (float) -0.1, (float) 0.2};
        double[] var = {1.0, (float) 0.3, 2.5};
        double[] bias = {(float) 0.1, (float) -0.2, (float) 0.3};
        for (int o = 0; o < 3; o++) {
            double s = gamma[o] / Math.sqrt(var[o] + 1e-5);
            for (int k = 0; k < 18; k++) {
                assertEquals(conv1Weight(o * 18 + k) * s, c.weight().data()[o * 18 + k], 1e-15);
            }
            assertEquals((bias[o] - mean[o]) * s + beta[o], c.bias().data()[o], 1e-15);
        }
        assertTrue(ModelFile.loadResource(RESOURCE).layers().get(1) instanceof BatchNorm2d);
    }
}
