package org.lde.validation;

import org.lde.model.Dropout;
import org.lde.model.Network;
import org.lde.model.Reshape;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;

/**
 * Small random GRAPH networks for the backend agreement suites, sized for the PTX emulator
 * (channels {@code <= 6}, spatial sizes {@code <= 8}, widths {@code <= 13}), each using forks and
 * joins and a random choice of the graph node kinds:
 * <ul>
 * <li>{@link #cnn}: a stem convolution (sometimes dilated), a fork into two branches (a grouped,
 *     depthwise or dilated "same" convolution, and the identity or a 1x1 convolution), joined by a
 *     residual {@code add} (sometimes of three nodes) or a channel {@code concat}; a BatchNorm after
 *     the join (unfoldable: it becomes an Affine node) or after a single-consumer convolution
 *     (folded); activations drawn from ReLU, sigmoid, tanh and leaky ReLU; max or average pooling or
 *     none; then a global average pool or a flatten (or a reshape, or dropout) and a dense head;</li>
 * <li>{@link #mlp}: a dense trunk that forks into two dense branches with different activations,
 *     joined by add or concat, a BatchNorm1d on the join (an Affine node) and a dense output.</li>
 * </ul>
 */
final class GraphNetworks {
    private GraphNetworks() {
    }

    static Network random(Rng rng) {
        return rng.nextInt(3) == 0 ? mlp(rng) : cnn(rng);
    }

    private static Network.Builder activation(Rng rng, Network.Builder b) {
        return switch (rng.nextInt(4)) {
            case 0 -> b.relu();
            case 1 -> b.sigmoid();
            case 2 -> b.tanh();
            default -> b.leakyRelu(rng.uniform(0.01, 0.3));
        };
    }

    static Network cnn(Rng rng) {
        int cin = 1 + rng.nextInt(2);
        int h = 5 + rng.nextInt(4), w = 5 + rng.nextInt(4);
        Network.Builder b = Network.builder(cin, h, w).seed(rng.nextLong());
        int c1 = 2 + rng.nextInt(3);     // 2..4, so groups 2 exists for even counts
        int sd = 1 + rng.nextInt(2);     // stem dilation
        int kw = 2 + rng.nextInt(2);
        b.conv2d("stem", c1, 3, kw, 1, 1, sd, sd, 1, sd, sd);
        w += sd * (3 - kw);              // H is kept ("same"), W grows by sd for a 2-wide kernel
        if (rng.nextInt(3) == 0) {
            b.batchNorm("stem_bn");      // folded into the stem (its only reader)
        }
        activation(rng, b);
        String trunk = b.last();
        // branch A: grouped (depthwise when groups = channels) and/or dilated "same" convolution
        int groups = rng.nextInt(2) == 0 ? c1 : (c1 % 2 == 0 ? 2 : 1);
        int d = 1 + rng.nextInt(2);
        int outA = rng.nextInt(2) == 0 ? c1 : c1 * (1 + rng.nextInt(2));
        if (groups == 1 && d == 1) {
            d = 2; // keep it non-plain
        }
        b.from(trunk).conv2d("branch_a", outA, 3, 3, 1, 1, d, d, groups, d, d);
        activation(rng, b);
        String a = b.last();
        // branch B: the trunk itself or a 1x1 convolution
        boolean concat = rng.nextInt(2) == 0;
        String bb = trunk;
        int channels = outA;
        if (concat || outA != c1 || rng.nextInt(2) == 0) {
            int outB = concat ? 1 + rng.nextInt(3) : outA;
            channels = concat ? outA + outB : outA;
            b.from(trunk).conv2d("branch_b", outB, 1, 1, 1, 1, 0, 0);
            bb = b.last();
        }
        if (concat) {
            b.concat(a, bb);
        } else if (bb.equals(trunk) || rng.nextInt(2) == 0) {
            b.residual(a, bb);
        } else {
            b.residual(a, bb, a.equals(bb) ? trunk : bb);  // three inputs, one of them read twice
        }
        if (rng.nextInt(2) == 0) {
            b.batchNorm("join_bn");      // reads a join: becomes an Affine node
        }
        activation(rng, b);
        int pool = rng.nextInt(3);
        if (pool < 2) {
            int stride = 1 + rng.nextInt(2);
            if (pool == 0) {
                b.maxPool(2, stride);
            } else {
                b.avgPool(2, stride);
            }
            h = (h - 2) / stride + 1;
            w = (w - 2) / stride + 1;
        }
        switch (rng.nextInt(4)) {
            case 0 -> b.globalAvgPool();
            case 1 -> b.identity();
            case 2 -> b.add(new Dropout("drop", 0.5));
            default -> b.add(new Reshape("reshape", Shape.of(channels * h * w)));
        }
        b.dense("head", 3 + rng.nextInt(5));
        activation(rng, b);
        b.dense("out", 2 + rng.nextInt(4));
        return b.build();
    }

    static Network mlp(Rng rng) {
        int in = 3 + rng.nextInt(10);
        boolean regression = rng.nextInt(5) == 0;
        Network.Builder b = Network.builder(in).seed(rng.nextLong()).task(regression ? Task.REGRESSION : Task.CLASSIFICATION);
        b.dense("fc1", 3 + rng.nextInt(10));
        activation(rng, b);
        String trunk = b.last();
        int width = 3 + rng.nextInt(10);
        b.from(trunk).dense("fa", width);
        activation(rng, b);
        String a = b.last();
        int widthB = rng.nextInt(2) == 0 ? width : 2 + rng.nextInt(5);
        b.from(trunk).dense("fb", widthB);
        if (rng.nextInt(2) == 0) {
            b.batchNorm("fb_bn");        // folded into fb
        }
        activation(rng, b);
        String c = b.last();
        if (rng.nextInt(2) == 0 && widthB == width) {
            b.residual(a, c, a);         // a read twice
        } else {
            b.concat(a, c, trunk);
        }
        b.batchNorm("join_bn");          // reads a join: an Affine node
        activation(rng, b);
        b.dense("out", regression ? 1 : 2 + rng.nextInt(5));
        return b.build();
    }
}
