package org.lde.validation;

import org.lde.model.Dropout;
import org.lde.model.Network;
import org.lde.model.Reshape;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;

/**
 * Small random graph networks (forks and joins) with every node kind of the graph core, for the backend
 * agreement suites: channels {@code <= 5}, spatial sizes {@code 5..9}, none a multiple of a tile. Shape:
 * <pre>
 *   input -> stem conv (random kernel/stride/padding) [-> batchnorm: folded] -> act
 *     fork 1: branch a: conv, grouped (depthwise or 2 groups) and/or dilated, [-> batchnorm] -> act
 *             branch b: identity, dropout, or a 1x1 conv
 *     join:  add(a, b) -> act
 *     fork 2: branch c: conv (plain or grouped/dilated);  branch d: batchnorm (two readers: an affine node)
 *     join:  concat(c, d)  [-> max or average pool]
 *   -> global average pool, or reshape/flatten -> dense -> act [-> batchnorm1d] -> dense (classes)
 * </pre>
 * Activations are drawn from ReLU, LeakyReLU, sigmoid and tanh. Weights are seeded from {@code rng}.
 */
final class AgreementGraphs {
    private AgreementGraphs() {
    }

    static Network graph(Rng rng) {
        int cin = 1 + rng.nextInt(3);
        int h = 5 + rng.nextInt(5), w = 5 + rng.nextInt(5);
        Network.Builder b = Network.builder(cin, h, w).seed(rng.nextInt(1 << 30));
        int c1 = 2 + rng.nextInt(3);
        int kh = 1 + rng.nextInt(3), kw = 1 + rng.nextInt(3), sh = 1 + rng.nextInt(2), sw = 1 + rng.nextInt(2);
        int ph = rng.nextInt(2), pw = rng.nextInt(2);
        b.conv2d("stem", c1, kh, kw, sh, sw, ph, pw);
        int h1 = (h + 2 * ph - kh) / sh + 1, w1 = (w + 2 * pw - kw) / sw + 1; // every later conv keeps this size
        if (rng.nextInt(2) == 0) {
            b.batchNorm("stem_bn");
        }
        act(b, rng, "stem_act");
        String fork = b.last();
        // branch a: grouped and/or dilated, same shape as the fork
        int dil = 1 + rng.nextInt(2);
        int groups = rng.nextInt(2) == 0 ? c1 : (c1 % 2 == 0 ? 2 : 1);
        b.conv2d("a_conv", c1, 3, 3, 1, 1, dil, dil, groups, dil, dil);
        if (rng.nextInt(2) == 0) {
            b.batchNorm("a_bn");
        }
        String a = act(b, rng, "a_act");
        // branch b
        b.from(fork);
        int kind = rng.nextInt(3);
        if (kind == 0) {
            b.identity();
        } else if (kind == 1) {
            b.node(new Dropout("b_drop", 0.5), fork);
        } else {
            b.conv2d("b_conv", c1, 1, 1, 1, 1, 0, 0);
        }
        String bb = b.last();
        b.residual(a, bb);
        act(b, rng, "join_act");
        String fork2 = b.last();
        int c2 = 1 + rng.nextInt(4);
        if (rng.nextInt(2) == 0) {
            b.conv2d("c_conv", c2, 3, 1, 1, 1, 1, 0);
        } else {
            b.conv2d("c_conv", c2, 1, 3, 1, 1, 0, 2, 1, 1, 2);
        }
        String c = b.last();
        b.from(fork2).batchNorm("d_bn");
        String d = b.last();
        b.concat(c, d);
        int pool = rng.nextInt(3);
        if (pool == 1 && h1 >= 2 && w1 >= 2) {
            b.maxPool(2, 1);
            h1--;
            w1--;
        } else if (pool == 2 && h1 >= 2 && w1 >= 2) {
            b.avgPool(2, 2);
            h1 /= 2;
            w1 /= 2;
        }
        if (rng.nextInt(2) == 0) {
            b.globalAvgPool().flatten();
        } else {
            b.node(new Reshape("reshape", Shape.of(c1 + c2, h1 * w1)), b.last()).flatten();
        }
        b.dense("fc1", 3 + rng.nextInt(6));
        act(b, rng, "fc1_act");
        if (rng.nextInt(2) == 0) {
            b.batchNorm("fc1_bn");
        }
        b.dense("out", 2 + rng.nextInt(4));
        return b.build();
    }

    /** A random activation (ReLU, LeakyReLU, sigmoid or tanh) on the last node; returns its name. */
    private static String act(Network.Builder b, Rng rng, String what) {
        switch (rng.nextInt(4)) {
            case 0 -> b.relu();
            case 1 -> b.leakyRelu(0.01 * (1 + rng.nextInt(30)));
            case 2 -> b.sigmoid();
            default -> b.tanh();
        }
        return b.last();
    }
}
