package org.lde.engine.cpu;

import java.util.List;
import org.lde.model.AvgPool2d;
import org.lde.model.BatchNorm2d;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.tensor.Shape;

/**
 * An independent, deliberately naive forward pass for tests: direct convolution and pooling
 * loops over one sample, no im2col, no EJML, BatchNorm applied as written (not folded).
 */
final class NaiveNetwork {
    private NaiveNetwork() {
    }

    /** Outputs of every layer for one sample: {@code out[i]} is the output of layer {@code i}. */
    static double[][] layerOutputs(Network net, double[] x) {
        List<Layer> layers = net.layers();
        double[][] out = new double[layers.size()][];
        double[] a = x;
        for (int i = 0; i < layers.size(); i++) {
            a = apply(layers.get(i), net.inputShape(i), a);
            out[i] = a;
        }
        return out;
    }

    /** Logits for one sample. */
    static double[] forward(Network net, double[] x) {
        return forwardFrom(net, 0, x);
    }

    /** Applies layers {@code from, from+1, ...} to {@code a} (the input of layer {@code from}). */
    static double[] forwardFrom(Network net, int from, double[] a) {
        for (int i = from; i < net.layers().size(); i++) {
            a = apply(net.layers().get(i), net.inputShape(i), a);
        }
        return a;
    }

    static double[] apply(Layer layer, Shape in, double[] x) {
        if (layer instanceof Dense d) {
            double[] y = new double[d.out()];
            for (int o = 0; o < d.out(); o++) {
                double s = d.bias().data()[o];
                for (int k = 0; k < d.in(); k++) {
                    s += d.weight().get(o, k) * x[k];
                }
                y[o] = s;
            }
            return y;
        }
        if (layer instanceof Conv2d c) {
            int h = in.dim(1), w = in.dim(2);
            int oh = (h + 2 * c.padH() - c.kernelH()) / c.strideH() + 1;
            int ow = (w + 2 * c.padW() - c.kernelW()) / c.strideW() + 1;
            double[] y = new double[c.outChannels() * oh * ow];
            for (int o = 0; o < c.outChannels(); o++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double s = c.bias().data()[o];
                        for (int ci = 0; ci < c.inChannels(); ci++) {
                            for (int u = 0; u < c.kernelH(); u++) {
                                for (int v = 0; v < c.kernelW(); v++) {
                                    int r = i * c.strideH() - c.padH() + u;
                                    int q = j * c.strideW() - c.padW() + v;
                                    if (r >= 0 && r < h && q >= 0 && q < w) {
                                        s += c.weight().get(o, ci, u, v) * x[(ci * h + r) * w + q];
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
        if (layer instanceof BatchNorm2d b) {
            int plane = in.dim(1) * in.dim(2);
            double[] y = new double[x.length];
            for (int c = 0; c < b.channels(); c++) {
                double scale = b.weight().data()[c] / Math.sqrt(b.runningVar().data()[c] + b.eps());
                for (int k = 0; k < plane; k++) {
                    y[c * plane + k] = (x[c * plane + k] - b.runningMean().data()[c]) * scale + b.bias().data()[c];
                }
            }
            return y;
        }
        if (layer instanceof ReLU) {
            double[] y = new double[x.length];
            for (int k = 0; k < x.length; k++) {
                y[k] = Math.max(0, x[k]);
            }
            return y;
        }
        if (layer instanceof MaxPool2d p) {
            return pool(in, x, p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), true);
        }
        if (layer instanceof AvgPool2d p) {
            return pool(in, x, p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), false);
        }
        if (layer instanceof Flatten) {
            return x.clone();
        }
        throw new IllegalArgumentException("naive network: unknown layer " + layer);
    }

    private static double[] pool(Shape in, double[] x, int kh, int kw, int sh, int sw, int ph, int pw, boolean max) {
        int ch = in.dim(0), h = in.dim(1), w = in.dim(2);
        int oh = (h + 2 * ph - kh) / sh + 1;
        int ow = (w + 2 * pw - kw) / sw + 1;
        double[] y = new double[ch * oh * ow];
        for (int c = 0; c < ch; c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double m = Double.NEGATIVE_INFINITY;
                    double s = 0;
                    for (int u = 0; u < kh; u++) {
                        for (int v = 0; v < kw; v++) {
                            int r = i * sh - ph + u;
                            int q = j * sw - pw + v;
                            boolean inside = r >= 0 && r < h && q >= 0 && q < w;
                            double val = inside ? x[(c * h + r) * w + q] : (max ? Double.NEGATIVE_INFINITY : 0.0);
                            m = Math.max(m, val);
                            s += val;
                        }
                    }
                    y[(c * oh + i) * ow + j] = max ? m : s / (kh * kw);
                }
            }
        }
        return y;
    }

    /**
     * Whether a central finite difference of size about {@code h} could cross a kink at this
     * sample: some ReLU input within {@code margin} of 0, or some max-pool window whose two
     * largest cells are within {@code margin} (unless the maximum is exactly 0, i.e. all cells are
     * dead ReLU outputs that stay 0).
     */
    static boolean nearKink(Network net, double[] x, double margin) {
        double[][] outs = layerOutputs(net, x);
        List<Layer> layers = net.layers();
        for (int i = 0; i < layers.size(); i++) {
            double[] in = i == 0 ? x : outs[i - 1];
            Layer l = layers.get(i);
            if (l instanceof ReLU) {
                for (double v : in) {
                    if (Math.abs(v) < margin) {
                        return true;
                    }
                }
            } else if (l instanceof MaxPool2d p) {
                if (maxPoolNearTie(net.inputShape(i), in, p, margin)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean maxPoolNearTie(Shape in, double[] x, MaxPool2d p, double margin) {
        int ch = in.dim(0), h = in.dim(1), w = in.dim(2);
        int oh = (h + 2 * p.padH() - p.kernelH()) / p.strideH() + 1;
        int ow = (w + 2 * p.padW() - p.kernelW()) / p.strideW() + 1;
        for (int c = 0; c < ch; c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double first = Double.NEGATIVE_INFINITY, second = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u < p.kernelH(); u++) {
                        for (int v = 0; v < p.kernelW(); v++) {
                            int r = i * p.strideH() - p.padH() + u;
                            int q = j * p.strideW() - p.padW() + v;
                            if (r >= 0 && r < h && q >= 0 && q < w) {
                                double val = x[(c * h + r) * w + q];
                                if (val > first) {
                                    second = first;
                                    first = val;
                                } else if (val > second) {
                                    second = val;
                                }
                            }
                        }
                    }
                    if (first != 0 && first - second < margin) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
