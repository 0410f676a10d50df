package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** Network construction errors, BatchNorm folding against direct loops, deep copies. */
class NetworkTest {

    static Conv2d conv(String name, int cin, int cout, int kh, int kw, int sh, int sw, int ph, int pw, Rng r) {
        return new Conv2d(name, cin, cout, kh, kw, sh, sw, ph, pw, r.gaussian(Shape.of(cout, cin, kh, kw), 1),
                r.gaussian(Shape.of(cout), 1));
    }

    static Dense dense(String name, int in, int out, Rng r) {
        return new Dense(name, in, out, r.gaussian(Shape.of(out, in), 1), r.gaussian(Shape.of(out), 1));
    }

    static BatchNorm2d bn(String name, int c, Rng r) {
        return new BatchNorm2d(name, c, r.uniform(Shape.of(c), -2, 2), r.gaussian(Shape.of(c), 1),
                r.gaussian(Shape.of(c), 1), r.uniform(Shape.of(c), 0.01, 3), 1e-3);
    }

    static IllegalArgumentException fails(Shape in, List<Layer> layers, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Network(in, layers, Task.CLASSIFICATION, List.of(), 0, 1));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
        return e;
    }

    // ---- construction errors

    @Test
    void shapeMismatchNamesTheLayerAndBothShapes() {
        Rng r = new Rng(1);
        fails(Shape.of(1, 6, 6), List.of(conv("c1", 2, 3, 3, 3, 1, 1, 0, 0, r), new Flatten("f"), dense("d", 48, 2, r)),
                "layer 'c1' (conv2d)", "[2, H, W]", "[1, 6, 6]");
        fails(Shape.of(1, 6, 6), List.of(new Flatten("f"), dense("fc", 35, 2, r)),
                "layer 'fc' (dense)", "[35]", "[36]");
        fails(Shape.of(1, 2, 2), List.of(conv("big", 1, 1, 5, 5, 1, 1, 1, 1, r), new Flatten("f"), dense("d", 1, 2, r)),
                "layer 'big' (conv2d)", "5x5", "[1, 2, 2]");
        fails(Shape.of(3, 1, 5), List.of(new MaxPool2d("mp", 2, 2, 2, 2, 0, 0), new Flatten("f"), dense("d", 6, 2, r)),
                "layer 'mp' (maxpool2d)", "[3, 1, 5]");
        fails(Shape.of(1, 4, 4), List.of(conv("c", 1, 2, 3, 3, 1, 1, 1, 1, r), bn("bn", 3, r), new Flatten("f"),
                dense("d", 32, 2, r)), "layer 'bn' (batchnorm2d)", "[3, H, W]", "[2, 4, 4]");
    }

    @Test
    void duplicateNames() {
        Rng r = new Rng(2);
        fails(Shape.of(4), List.of(dense("x", 4, 4, r), new ReLU("x"), dense("y", 4, 2, r)), "duplicate layer name 'x'");
    }

    @Test
    void batchNormThatCannotFoldBecomesAnAffineNodeComputingTheSameMap() {
        Rng r = new Rng(3);
        Network net = new Network(Shape.of(2, 4, 4), List.of(conv("c", 2, 2, 3, 3, 1, 1, 1, 1, r), new ReLU("r"), bn("bn", 2, r),
                new Flatten("f"), dense("d", 32, 2, r)), Task.CLASSIFICATION, List.of(), 0, 1);
        Network folded = net.folded();
        assertTrue(folded.layers().get(2) instanceof Affine, "a BatchNorm after a ReLU is an affine node");
        assertEquals("bn", folded.layers().get(2).name());
        BatchNorm2d b = (BatchNorm2d) net.layers().get(2);
        Affine a = (Affine) folded.layers().get(2);
        for (int o = 0; o < 2; o++) {
            double x = 0.37 * (o + 1);
            double expected = b.weight().data()[o] * (x - b.runningMean().data()[o])
                    / Math.sqrt(b.runningVar().data()[o] + b.eps()) + b.bias().data()[o];
            assertEquals(expected, a.weight().data()[o] * x + a.bias().data()[o], 1e-14);
        }
        Network first = new Network(Shape.of(2, 4, 4), List.of(bn("bn0", 2, r), new Flatten("f"), dense("d", 32, 2, r)),
                Task.CLASSIFICATION, List.of(), 0, 1).folded();
        assertTrue(first.layers().get(0) instanceof Affine, "a BatchNorm reading the input is an affine node");
    }

    @Test
    void denseWithoutFlatten() {
        Rng r = new Rng(4);
        fails(Shape.of(1, 4, 4), List.of(dense("fc", 16, 2, r)), "layer 'fc' (dense)", "add a Flatten before it",
                "[1, 4, 4]");
    }

    @Test
    void outputTaskAndDomainErrors() {
        Rng r = new Rng(5);
        fails(Shape.of(1, 4, 4), List.of(new ReLU("r")), "output must be a vector", "layer 'r'", "[1, 4, 4]");
        fails(Shape.of(4), List.of(dense("d", 4, 1, r)), "classification network needs at least 2 outputs, got 1");
        fails(Shape.of(4), List.of(), "at least one layer");
        List<Layer> ok = List.of(dense("d", 4, 3, r));
        IllegalArgumentException reg = assertThrows(IllegalArgumentException.class,
                () -> new Network(Shape.of(4), ok, Task.REGRESSION, List.of(), 0, 1));
        assertTrue(reg.getMessage().contains("exactly one output, got 3"), reg.getMessage());
        IllegalArgumentException names = assertThrows(IllegalArgumentException.class,
                () -> new Network(Shape.of(4), ok, Task.CLASSIFICATION, List.of("a", "b"), 0, 1));
        assertTrue(names.getMessage().contains("2 class names for 3 outputs"), names.getMessage());
        IllegalArgumentException dom = assertThrows(IllegalArgumentException.class,
                () -> new Network(Shape.of(4), ok, Task.CLASSIFICATION, List.of(), 1, 1));
        assertTrue(dom.getMessage().contains("[1.0, 1.0]"), dom.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> new Network(Shape.of(4), ok, Task.CLASSIFICATION, List.of(), Double.NaN, 1));
        assertTrue(nan.getMessage().contains("NaN"), nan.getMessage());
    }

    @Test
    void layerConstructorsNameTheProblem() {
        Rng r = new Rng(6);
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> new Dense("fc", 3, 2, r.gaussian(Shape.of(3, 2), 1), r.gaussian(Shape.of(2), 1)));
        assertTrue(w.getMessage().contains("layer 'fc': parameter weight has shape [3, 2], expected [2, 3]"), w.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d("b", 1,
                Tensor.of(Shape.of(1), 1), Tensor.of(Shape.of(1), 0), Tensor.of(Shape.of(1), 0), Tensor.of(Shape.of(1), -1), 1e-5));
        assertTrue(v.getMessage().contains("running_var has a negative entry -1.0"), v.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> new ReLU("a b"));
        assertTrue(n.getMessage().contains("invalid layer name 'a b'"), n.getMessage());
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
                () -> new AvgPool2d("ap", 3, 3, 1, 1, 2, 0));
        assertTrue(p.getMessage().contains("layer 'ap': padding 2x0"), p.getMessage());
    }

    @Test
    void outputShapesAreInferred() {
        Rng r = new Rng(7);
        Network n = new Network(Shape.of(2, 7, 5), List.of(conv("c", 2, 3, 3, 2, 2, 1, 1, 0, r), new ReLU("r"),
                new AvgPool2d("ap", 2, 2, 1, 2, 1, 0), new Flatten("f"), dense("d", 3 * 5 * 2, 4, r)),
                Task.CLASSIFICATION, List.of(), 0, 1);
        // conv: H (7+2-3)/2+1 = 4, W (5-2)/1+1 = 4; avgpool: H (4+2-2)/1+1 = 5, W (4-2)/2+1 = 2
        assertEquals(List.of(Shape.of(3, 4, 4), Shape.of(3, 4, 4), Shape.of(3, 5, 2), Shape.of(30), Shape.of(4)),
                List.of(n.outputShape(0), n.outputShape(1), n.outputShape(2), n.outputShape(3), n.outputShape(4)));
        assertEquals(Shape.of(3, 5, 2), n.inputShape(3));
        assertEquals(List.of("0", "1", "2", "3"), n.classNames());
    }

    // ---- folding

    /** Direct cross-correlation with zero padding, METHOD/Conv2d javadoc formula; x is [C, H, W]. */
    static double[] convDirect(Conv2d c, double[] x, int h, int w) {
        int oh = (h + 2 * c.padH() - c.kernelH()) / c.strideH() + 1;
        int ow = (w + 2 * c.padW() - c.kernelW()) / c.strideW() + 1;
        double[] y = new double[c.outChannels() * oh * ow];
        for (int o = 0; o < c.outChannels(); o++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double s = c.bias().get(o);
                    for (int ch = 0; ch < c.inChannels(); ch++) {
                        for (int u = 0; u < c.kernelH(); u++) {
                            for (int v = 0; v < c.kernelW(); v++) {
                                int yi = i * c.strideH() - c.padH() + u;
                                int xj = j * c.strideW() - c.padW() + v;
                                if (yi >= 0 && yi < h && xj >= 0 && xj < w) {
                                    s += c.weight().get(o, ch, u, v) * x[(ch * h + yi) * w + xj];
                                }
                            }
                        }
                    }
                    y[(o * oh + i) * ow + j] = s;
                }
            }
        }
        return y;
    }

    /** {@code gamma (y - mean) / sqrt(var + eps) + beta} per channel, in place. */
    static void batchNormDirect(BatchNorm2d b, double[] y) {
        int per = y.length / b.channels();
        for (int o = 0; o < b.channels(); o++) {
            for (int k = 0; k < per; k++) {
                double v = y[o * per + k];
                y[o * per + k] = b.weight().get(o) * (v - b.runningMean().get(o)) / Math.sqrt(b.runningVar().get(o) + b.eps())
                        + b.bias().get(o);
            }
        }
    }

    static double relError(double[] a, double[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - ref[i]) * (a[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    @Test
    void foldedAgreesWithDirectConvThenBatchNorm() {
        Rng r = new Rng(8);
        int h = 7;
        int w = 5;
        Conv2d c1 = conv("c1", 2, 3, 3, 2, 2, 1, 1, 0, r);
        BatchNorm2d b1 = bn("b1", 3, r);
        Conv2d c2 = conv("c2", 3, 5, 2, 2, 1, 1, 1, 1, r);
        BatchNorm2d b2 = bn("b2", 5, r);
        Dense d = dense("d", 5 * 5 * 5, 3, r);
        Network n = new Network(Shape.of(2, h, w), List.of(c1, b1, new ReLU("r"), c2, b2, new Flatten("f"), d),
                Task.CLASSIFICATION, List.of(), 0, 1);
        double[] w1Before = c1.weight().data().clone();
        Network f = n.folded();
        assertEquals(List.of("c1", "r", "c2", "f", "d"), f.layers().stream().map(Layer::name).toList());
        for (int i = 0; i < f.layers().size(); i++) {
            assertEquals(n.outputShape(n.indexOf(f.layers().get(i).name())), f.outputShape(i));
        }
        Conv2d f1 = (Conv2d) f.layers().get(0);
        Conv2d f2 = (Conv2d) f.layers().get(2);
        for (int t = 0; t < 3; t++) {
            double[] x = r.uniform(Shape.of(2 * h * w), 0, 1).data();
            double[] ref = convDirect(c1, x, h, w);
            batchNormDirect(b1, ref);
            double e1 = relError(convDirect(f1, x, h, w), ref);
            assertTrue(e1 <= 1e-12, "relative error " + e1);
            // second block on a random [3, 4, 4] input (c1's output shape)
            double[] z = r.gaussian(Shape.of(3 * 4 * 4), 1).data();
            double[] ref2 = convDirect(c2, z, 4, 4);
            batchNormDirect(b2, ref2);
            double e2 = relError(convDirect(f2, z, 4, 4), ref2);
            assertTrue(e2 <= 1e-12, "relative error " + e2);
        }
        assertEquals(List.of(1, 1, 2, 1), List.of(f1.strideW(), f1.padH() , f1.strideH(), f2.strideH()));
        // the original is unchanged, the untouched layers are shared, the folded tensors are new
        assertTrue(java.util.Arrays.equals(w1Before, c1.weight().data()));
        assertSame(d, f.layers().get(4));
        assertNotSame(c1.weight(), f1.weight());
        assertTrue(n.layers().get(1) instanceof BatchNorm2d);
    }

    @Test
    void foldedWithoutBatchNormIsTheSameNetwork() {
        Network n = Architectures.fashionCnn(1);
        assertSame(n, n.folded());
    }

    // ---- copies

    @Test
    void copyIsDeep() {
        Network n = Network.builder(2, 6, 6).seed(9).conv2d("c", 3, 3, 3, 1, 1, 1, 1).batchNorm("bn").relu()
                .maxPool(2, 2).flatten().dense("fc", 4).build();
        List<double[]> before = new ArrayList<>();
        n.parameters().forEach(p -> before.add(p.value().data().clone()));
        Network c = n.copy();
        assertEquals(n.layers().size(), c.layers().size());
        assertEquals(n.classNames(), c.classNames());
        List<Layer.Parameter> cp = c.parameters();
        List<Layer.Parameter> np = n.parameters();
        assertEquals(np.size(), cp.size());
        for (int i = 0; i < cp.size(); i++) {
            assertEquals(np.get(i).name(), cp.get(i).name());
            assertTrue(java.util.Arrays.equals(before.get(i), cp.get(i).value().data()), "copied values");
            assertNotSame(np.get(i).value().data(), cp.get(i).value().data());
            double[] d = cp.get(i).value().data();
            for (int k = 0; k < d.length; k++) {
                d[k] = d[k] * 3 + 1; // mutate the copy (running_var stays positive)
            }
        }
        for (int i = 0; i < np.size(); i++) {
            assertTrue(java.util.Arrays.equals(before.get(i), np.get(i).value().data()),
                    "original " + np.get(i).name() + " changed by writing to the copy");
        }
    }
}
