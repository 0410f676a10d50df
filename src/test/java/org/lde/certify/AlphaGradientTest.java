package org.lde.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.bound.BoundReference;
import org.lde.engine.bound.LinearRows;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Norm;
import org.lde.engine.bound.Slopes;
import org.lde.model.Network;
import org.lde.model.Activation;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * alpha-CROWN's gradient ({@link BoundReference#slopeGradient}): the relaxed network's value at the
 * minimizer equals the concretized bound (the adjoint identity), and the gradient matches central
 * finite differences of the bound in single slopes, for both norms, on an MLP, a CNN with MaxPool and two
 * graphs (forks, Add, Concat, LeakyReLU slopes in {@code [s, 1]}, sigmoid/tanh lines in the relaxed network).
 */
class AlphaGradientTest {

    @Test
    void slopeGradientMatchesFiniteDifferences() {
        int checked = 0;
        for (Network net : new Network[] {CertifyNets.mlp(7, 5, 8, 6, 3), CertifyNets.cnn(8, 1, 7, 6, 3).folded(),
                CertifyNets.graphMlp(9, 4, 6, 3).folded(), CertifyNets.graphCnn(10, 5, 6, 3).folded()}) {
            for (Norm norm : Norm.values()) {
                double eps = norm == Norm.LINF ? 0.15 : 0.5;
                Tensor x = CertifyNets.inputs(net, 1, 3);
                double[] x0 = x.data();
                NodeBounds nb;
                int[] y;
                try (Backend b = Backends.cpu(net)) {
                    nb = Certifier.builder().method(Method.CROWN).norm(norm).build().nodeBounds(b, x, eps).get(0);
                    y = Certifier.predicted(b, x);
                }
                int layers = net.layers().size();
                int c = net.outputSize();
                LinearRows spec = LinearRows.full(Shape.of(c), c - 1, Specification.matrix(y[0], c));
                Rng rng = new Rng(4);
                double[][][] alpha = new double[c - 1][layers][];
                for (int r = 0; r < c - 1; r++) {
                    for (int k = 0; k < layers; k++) {
                        if (net.layers().get(k) instanceof Activation f && BoundReference.optimizable(f)) {
                            double s = BoundReference.leakSlope(f);
                            alpha[r][k] = new double[nb.lower(net.inputsOf(k)[0] + 1).length];
                            for (int j = 0; j < alpha[r][k].length; j++) {
                                alpha[r][k][j] = s + (1 - s) * (0.2 + 0.6 * rng.uniform());
                            }
                        }
                    }
                }
                Slopes slopes = new Slopes(alpha);
                LinearRows[] trace = new LinearRows[layers];
                LinearRows in = BoundReference.backward(net, nb, layers, spec, slopes, trace);
                double[] bound = new double[c - 1];
                BoundReference.concretize(in, net.inputShape(), x0, eps, norm, 0, 1, bound, 0);
                for (int r = 0; r < c - 1; r++) {
                    double[][] grad = new double[layers][];
                    for (int k = 0; k < layers; k++) {
                        grad[k] = alpha[r][k] == null ? null : new double[alpha[r][k].length];
                    }
                    double v = BoundReference.slopeGradient(net, nb, spec, layers, r, in, trace, slopes, x0, eps, norm, 0, 1, grad);
                    assertEquals(bound[r], v, 1e-10 * (1 + Math.abs(v)), "adjoint value of row " + r);
                    for (int k = 0; k < layers; k++) {
                        if (grad[k] == null) {
                            continue;
                        }
                        for (int j = 0; j < grad[k].length; j++) {
                            if (grad[k][j] == 0 && rng.uniform() < 0.8) {
                                continue;
                            }
                            double h = 1e-6;
                            double keep = alpha[r][k][j];
                            alpha[r][k][j] = keep + h;
                            double up = rowBound(net, nb, spec, slopes, x0, eps, norm, r);
                            alpha[r][k][j] = keep - h;
                            double down = rowBound(net, nb, spec, slopes, x0, eps, norm, r);
                            alpha[r][k][j] = keep;
                            double fd = (up - down) / (2 * h);
                            assertEquals(fd, grad[k][j], 1e-5 * (1 + Math.abs(fd)), "row " + r + " layer " + k + " neuron " + j);
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked > 30, "only " + checked + " slopes checked");
    }

    static double rowBound(Network net, NodeBounds nb, LinearRows spec, Slopes slopes, double[] x, double eps, Norm norm, int r) {
        LinearRows in = BoundReference.backward(net, nb, net.layers().size(), spec, slopes, null);
        double[] out = new double[spec.rows()];
        BoundReference.concretize(in, net.inputShape(), x, eps, norm, 0, 1, out, 0);
        return out[r];
    }
}
