package org.lde.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.bound.Norm;
import org.lde.model.AvgPool2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Task;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The windowed ("patches") transposed convolutions and average pooling of the backward pass against
 * plain matrices: a CNN (strides, padding, odd sizes, BatchNorm folded) and the same network with every
 * convolution and average pooling written out as a Dense layer (its matrix read off by forward passes of
 * unit vectors) must get the same bounds from IBP, CROWN and CROWN-IBP, to rounding.
 */
class CertifyPatchesTest {

    @Test
    void windowedBackSubstitutionEqualsDenseMatrices() {
        Network cnn = Network.builder(2, 7, 6).seed(31).conv2d("c1", 3, 3, 3, 1, 1, 1, 1).batchNorm("bn").relu()
                .conv2d("c2", 4, 2, 3, 2, 1, 0, 1).relu().add(new AvgPool2d("ap", 3, 2, 2, 1, 1, 1)).relu()
                .flatten().dense(6).relu().dense(3).build().folded();
        Network dense = densify(cnn);
        Tensor x = CertifyNets.inputs(cnn, 3, 5);
        Tensor xd = x.reshape(Shape.of(3, cnn.inputSize()));
        int compared = 0;
        for (Norm norm : Norm.values()) {
            // alpha-CROWN is left out: Adam normalizes its steps, so a gradient of 1e-17 in one network and 0 in the
            // other sends the two ascents different ways (its bounds are checked against the LP in CertifyLpTest).
            for (Method m : List.of(Method.IBP, Method.CROWN, Method.CROWN_IBP)) {
                Certifier c = Certifier.builder().method(m).norm(norm).build();
                BoundResult a = c.bounds(cnn, x, Specification.predictedMargins(), 0.02, 0.1);
                BoundResult b = c.bounds(dense, xd, Specification.predictedMargins(), 0.02, 0.1);
                for (int i = 0; i < a.lower().size(); i++) {
                    double scale = 1 + Math.abs(a.lower().data()[i]);
                    assertEquals(b.lower().data()[i], a.lower().data()[i], 1e-9 * scale, m + " " + norm + " lower " + i);
                    assertEquals(b.upper().data()[i], a.upper().data()[i], 1e-9 * scale, m + " " + norm + " upper " + i);
                    compared++;
                }
            }
        }
        assertTrue(compared >= 72, "compared " + compared);
    }

    /** The network with Conv2d and AvgPool2d layers replaced by Dense layers on the flattened input. */
    static Network densify(Network net) {
        List<Layer> out = new ArrayList<>();
        for (int k = 0; k < net.layers().size(); k++) {
            Layer l = net.layers().get(k);
            Shape in = net.inputShape(k);
            if (l instanceof Flatten) {
                continue;
            }
            if (in.rank() == 3 && !(l instanceof ReLU)) {
                out.add(matrixOf(l, in, "d" + k));
            } else {
                out.add(l);
            }
        }
        return new Network(Shape.of(net.inputSize()), out, Task.CLASSIFICATION, List.of(), net.lo(), net.hi());
    }

    static Dense matrixOf(Layer l, Shape in, String name) {
        Network one = new Network(in, List.of(l, new Flatten("f")), Task.CLASSIFICATION, List.of(), 0, 1);
        int d = in.sizeInt();
        int n = one.outputSize();
        double[] basis = new double[(d + 1) * d];
        for (int i = 0; i < d; i++) {
            basis[i * d + i] = 1;
        }
        try (Backend b = Backends.cpu(one)) {
            double[] y = b.forward(new Tensor(in.withBatch(d + 1), basis)).data();
            double[] w = new double[n * d];
            double[] bias = new double[n];
            for (int o = 0; o < n; o++) {
                bias[o] = y[d * n + o];
                for (int i = 0; i < d; i++) {
                    w[o * d + i] = y[i * n + o] - bias[o];
                }
            }
            return new Dense(name, d, n, new Tensor(Shape.of(n, d), w), new Tensor(Shape.of(n), bias));
        }
    }
}
