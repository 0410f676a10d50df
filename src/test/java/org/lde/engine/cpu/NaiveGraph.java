package org.lde.engine.cpu;

import java.util.List;
import org.lde.model.Add;
import org.lde.model.Affine;
import org.lde.model.BatchNorm;
import org.lde.model.Concat;
import org.lde.model.Conv2d;
import org.lde.model.GlobalAvgPool;
import org.lde.model.Layer;
import org.lde.model.LeakyReLU;
import org.lde.model.Network;
import org.lde.model.Reshaping;
import org.lde.model.Sigmoid;
import org.lde.model.Tanh;
import org.lde.tensor.Shape;

/**
 * An independent, deliberately naive evaluator of graph networks for tests: one sample at a time,
 * every node from its definition (grouped and dilated convolution as written, BatchNorm applied
 * unfolded, the activations from their formulas), with an optional perturbation added to one
 * node's output so that gradients at inner nodes can be checked by finite differences. Old layer
 * kinds go through {@link NaiveNetwork#apply}.
 */
final class NaiveGraph {
    private NaiveGraph() {
    }

    /** Outputs of every node for one sample ({@code out[i]}: layer {@code i}). */
    static double[][] nodes(Network net, double[] x) {
        return nodes(net, x, -2, null);
    }

    /** As {@link #nodes(Network, double[])}, with {@code delta} added to the output of node {@code at} ({@code -1}: the input). */
    static double[][] nodes(Network net, double[] x, int at, double[] delta) {
        List<Layer> layers = net.layers();
        double[][] out = new double[layers.size()][];
        double[] input = at == -1 ? plus(x, delta) : x;
        for (int i = 0; i < layers.size(); i++) {
            int[] in = net.inputsOf(i);
            double[][] args = new double[in.length][];
            for (int k = 0; k < in.length; k++) {
                args[k] = in[k] < 0 ? input : out[in[k]];
            }
            double[] y = apply(layers.get(i), net.inputShapes(i), args);
            out[i] = i == at ? plus(y, delta) : y;
        }
        return out;
    }

    static double[] logits(Network net, double[] x) {
        double[][] n = nodes(net, x);
        return n[n.length - 1];
    }

    private static double[] plus(double[] a, double[] d) {
        double[] r = a.clone();
        for (int k = 0; k < r.length; k++) {
            r[k] += d[k];
        }
        return r;
    }

    static double[] apply(Layer l, List<Shape> shapes, double[][] args) {
        double[] x = args[0];
        Shape in = shapes.get(0);
        if (l instanceof Add) {
            double[] y = new double[x.length];
            for (double[] a : args) {
                for (int k = 0; k < y.length; k++) {
                    y[k] += a[k];
                }
            }
            return y;
        }
        if (l instanceof Concat) {
            int total = 0;
            for (double[] a : args) {
                total += a.length;
            }
            double[] y = new double[total];
            int at = 0;
            for (double[] a : args) {
                System.arraycopy(a, 0, y, at, a.length);
                at += a.length;
            }
            return y;
        }
        if (l instanceof Conv2d c && !c.plain()) {
            return conv(c, in, x);
        }
        if (l instanceof BatchNorm b) {
            int plane = x.length / b.channels();
            double[] y = new double[x.length];
            for (int c = 0; c < b.channels(); c++) {
                for (int k = 0; k < plane; k++) {
                    y[c * plane + k] = b.weight().data()[c] * (x[c * plane + k] - b.runningMean().data()[c])
                            / Math.sqrt(b.runningVar().data()[c] + b.eps()) + b.bias().data()[c];
                }
            }
            return y;
        }
        if (l instanceof Affine a) {
            int plane = x.length / a.channels();
            double[] y = new double[x.length];
            for (int k = 0; k < x.length; k++) {
                y[k] = a.weight().data()[k / plane] * x[k] + a.bias().data()[k / plane];
            }
            return y;
        }
        if (l instanceof Sigmoid || l instanceof Tanh || l instanceof LeakyReLU) {
            double[] y = new double[x.length];
            for (int k = 0; k < x.length; k++) {
                double v = x[k];
                y[k] = l instanceof Sigmoid ? 1 / (1 + Math.exp(-v)) : l instanceof Tanh ? Math.tanh(v)
                        : v > 0 ? v : ((LeakyReLU) l).slope() * v;
            }
            return y;
        }
        if (l instanceof GlobalAvgPool) {
            int ch = in.dim(0), plane = in.dim(1) * in.dim(2);
            double[] y = new double[ch];
            for (int c = 0; c < ch; c++) {
                for (int k = 0; k < plane; k++) {
                    y[c] += x[c * plane + k];
                }
                y[c] /= plane;
            }
            return y;
        }
        if (l instanceof Reshaping) {
            return x.clone();
        }
        return NaiveNetwork.apply(l, in, x);
    }

    /** {@code y[o,i,j] = b[o] + sum W[o,c,u,v] x[g I + c, i s - p + u d, j s - p + v d]}, straight from the definition. */
    private static double[] conv(Conv2d c, Shape in, double[] x) {
        int h = in.dim(1), w = in.dim(2);
        int oh = (h + 2 * c.padH() - c.dilationH() * (c.kernelH() - 1) - 1) / c.strideH() + 1;
        int ow = (w + 2 * c.padW() - c.dilationW() * (c.kernelW() - 1) - 1) / c.strideW() + 1;
        int ipg = c.inChannels() / c.groups(), opg = c.outChannels() / c.groups();
        double[] y = new double[c.outChannels() * oh * ow];
        for (int o = 0; o < c.outChannels(); o++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double s = c.bias().data()[o];
                    for (int ci = 0; ci < ipg; ci++) {
                        int channel = (o / opg) * ipg + ci;
                        for (int u = 0; u < c.kernelH(); u++) {
                            for (int v = 0; v < c.kernelW(); v++) {
                                int r = i * c.strideH() - c.padH() + u * c.dilationH();
                                int q = j * c.strideW() - c.padW() + v * c.dilationW();
                                if (r >= 0 && r < h && q >= 0 && q < w) {
                                    s += c.weight().get(o, ci, u, v) * x[(channel * h + r) * w + q];
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
}
