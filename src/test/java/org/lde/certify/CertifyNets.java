package org.lde.certify;

import java.util.List;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.engine.bound.Norm;
import org.lde.model.AvgPool2d;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** Random networks of every layer kind, points of an input set, and a PGD attack, for the certify tests. */
final class CertifyNets {
    private CertifyNets() {
    }

    /** An MLP {@code d - h1 - h2 - classes}. */
    static Network mlp(long seed, int d, int h1, int h2, int classes) {
        return Network.builder(d).seed(seed).dense(h1).relu().dense(h2).relu().dense(classes).build();
    }

    /**
     * A CNN with every layer kind: conv (stride 1, padding 1) + BatchNorm + ReLU, MaxPool 3x3 stride 2
     * padding 1, conv stride 2 no padding + ReLU, AvgPool 2x2 stride 1 padding 1, Flatten, Dense, ReLU,
     * Dense; odd image sizes.
     */
    static Network cnn(long seed, int channels, int h, int w, int classes) {
        Network.Builder b = Network.builder(channels, h, w).seed(seed)
                .conv2d("c1", 3, 3, 3, 1, 1, 1, 1).batchNorm("bn1").relu();
        b.add(new MaxPool2d("mp", 3, 3, 2, 2, 1, 1));
        b.conv2d("c2", 4, 2, 3, 2, 1, 0, 0).relu();
        b.add(new AvgPool2d("ap", 2, 2, 1, 1, 1, 1));
        return b.flatten().dense(6).relu().dense(classes).build();
    }

    /** All random test networks: two MLPs and two CNNs. */
    static List<Network> all(long seed) {
        return List.of(mlp(seed, 5, 7, 6, 3), mlp(seed + 1, 12, 10, 8, 4), cnn(seed + 2, 1, 7, 6, 3), cnn(seed + 3, 2, 6, 5, 4));
    }

    /**
     * A graph MLP with forks and joins and every vector node kind: a ReLU node read by three branches
     * (sigmoid, tanh, LeakyReLU with slope 1.5, i.e. concave), an Add, a BatchNorm after it (an affine
     * node once folded), a LeakyReLU with a negative slope, a Concat, Dropout and Identity.
     */
    static Network graphMlp(long seed, int d, int h, int classes) {
        Network.Builder b = Network.builder(d).seed(seed);
        b.dense("d1", h).relu();
        String r = b.last();
        b.dense("a", h).sigmoid();
        String s = b.last();
        b.from(r).dense("b", h).tanh();
        String t = b.last();
        b.residual(s, t).batchNorm("bn").leakyRelu(-0.2);
        String l = b.last();
        b.from(r).dense("c", h - 1).leakyRelu(1.5);
        String c = b.last();
        b.concat(l, c, r).add(new org.lde.model.Dropout("drop", 0.3));
        return b.identity().dense("out", classes).build();
    }

    /**
     * A graph CNN: a ReLU node read by a grouped convolution (+ LeakyReLU) and a dilated one (+ tanh),
     * their Add, a BatchNorm after it (affine), a Concat with the fork, MaxPool, a strided depthwise
     * convolution, sigmoid, AvgPool, global average pooling, Reshape and Dense; odd sizes.
     */
    static Network graphCnn(long seed, int h, int w, int classes) {
        Network.Builder b = Network.builder(2, h, w).seed(seed);
        b.conv2d("c1", 4, 3, 3, 1, 1, 1, 1).relu();
        String r = b.last();
        b.conv2d("g", 4, 3, 3, 1, 1, 1, 1, 2, 1, 1).leakyRelu(0.05);
        String g = b.last();
        b.from(r).conv2d("dil", 4, 3, 3, 1, 1, 2, 2, 1, 2, 2).tanh();
        String t = b.last();
        b.residual(g, t).batchNorm("bn2");
        String a = b.last();
        b.concat(a, r).add(new MaxPool2d("mp", 2, 2, 1, 1, 0, 0));
        b.conv2d("dw", 8, 3, 3, 2, 2, 1, 1, 8, 1, 1).sigmoid();
        b.add(new AvgPool2d("ap", 2, 2, 1, 1, 1, 1));
        b.globalAvgPool().add(new org.lde.model.Reshape("rs", org.lde.tensor.Shape.of(8)));
        return b.dense("out", classes).build();
    }

    /** The graph test networks. */
    static List<Network> graphs(long seed) {
        return List.of(graphMlp(seed, 4, 6, 3), graphMlp(seed + 1, 6, 5, 4), graphCnn(seed + 2, 5, 6, 3));
    }

    /** Random inputs in {@code [0.1, 0.9]^d}. */
    static Tensor inputs(Network net, int n, long seed) {
        return new Rng(seed).uniform(net.inputShape().withBatch(n), 0.1, 0.9);
    }

    /** The clipped L_inf box of METHOD.md section 7. */
    static double[][] box(double[] x, double eps, double lo, double hi) {
        double[] l = new double[x.length];
        double[] u = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            l[i] = Math.max(x[i] - eps, lo);
            u[i] = Math.min(x[i] + eps, hi);
        }
        return new double[][] {l, u};
    }

    /**
     * Points of the set around {@code x}: the center, uniform interior points, vertices (L_inf) or
     * sphere points (L2).
     */
    static double[][] samples(double[] x, double eps, Norm norm, Rng rng, int count) {
        double[][] p = new double[count][];
        double[][] b = box(x, eps, 0, 1);
        for (int k = 0; k < count; k++) {
            double[] q = new double[x.length];
            if (k == 0) {
                q = x.clone();
            } else if (norm == Norm.LINF) {
                boolean vertex = k % 2 == 1;
                for (int i = 0; i < x.length; i++) {
                    q[i] = vertex ? (rng.uniform() < 0.5 ? b[0][i] : b[1][i]) : rng.uniform(b[0][i], b[1][i]);
                }
            } else {
                double n2 = 0;
                for (int i = 0; i < x.length; i++) {
                    q[i] = rng.gaussian();
                    n2 += q[i] * q[i];
                }
                double scale = (k % 2 == 1 ? 1 : rng.uniform()) * eps / Math.sqrt(n2);
                for (int i = 0; i < x.length; i++) {
                    q[i] = x[i] + scale * q[i];
                }
            }
            p[k] = q;
        }
        return p;
    }

    /**
     * Projected gradient descent on {@code sign * (C f)_row} within the set (L_inf: signed steps and
     * projection on the clipped box; L2: normalized steps and projection on the ball), from the center.
     * Returns the final point.
     */
    static double[] pgd(Backend backend, double[] x, double eps, Norm norm, double[] specRow, double sign, int steps) {
        Network net = backend.network();
        int c = net.outputSize();
        double[][] b = box(x, eps, 0, 1);
        double[] z = x.clone();
        double step = 2.5 * eps / steps;
        for (int s = 0; s < steps; s++) {
            Tensor zt = new Tensor(net.inputShape().withBatch(1), z.clone());
            double[] g;
            try (Recorded rec = backend.forwardRecorded(zt)) {
                double[] seed = new double[c];
                for (int j = 0; j < c; j++) {
                    seed[j] = sign * specRow[j];
                }
                g = backend.reverse(rec, new Tensor(Shape.of(1, 1, c), seed)).data();
            }
            if (norm == Norm.LINF) {
                for (int i = 0; i < z.length; i++) {
                    z[i] = Math.min(b[1][i], Math.max(b[0][i], z[i] - step * Math.signum(g[i])));
                }
            } else {
                double gn = 0;
                for (double v : g) {
                    gn += v * v;
                }
                gn = Math.sqrt(gn);
                if (gn == 0) {
                    break;
                }
                double dn = 0;
                for (int i = 0; i < z.length; i++) {
                    z[i] -= step * g[i] / gn;
                    dn += (z[i] - x[i]) * (z[i] - x[i]);
                }
                dn = Math.sqrt(dn);
                if (dn > eps) {
                    for (int i = 0; i < z.length; i++) {
                        z[i] = x[i] + (z[i] - x[i]) * eps / dn;
                    }
                }
            }
        }
        return z;
    }
}
