package org.lde.validation;

import org.lde.model.Dropout;
import org.lde.model.Network;
import org.lde.model.Reshape;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;

/**
 * Small random GRAPH networks for the backend agreement suites, sized for the PTX emulator
 * (channels {@code <= 8}, spatial sizes {@code <= 8}, widths {@code <= 13}), each with forks and
 * joins. The structure is chosen by {@code variant} (so that any 6 consecutive variants use every
 * graph node kind and every join shape: {@link #coverage}); sizes, kernels and weights are random:
 * <ul>
 * <li>{@link #cnn} (variants {@code v % 3 != 2}): a stem convolution (dilated in odd cnn variants,
 *     BatchNorm folded into it in one), a fork into a grouped, depthwise or dilated "same" convolution
 *     branch and a second branch (the trunk itself, an identity node read BEFORE the first branch, or a
 *     1x1 convolution), joined by a residual {@code add} (two inputs, or three with one read twice) or
 *     a channel {@code concat}; a BatchNorm after the join (it becomes an Affine node); max, average or
 *     no pooling; then global average pooling, identity, dropout or a reshape, and a dense head;</li>
 * <li>{@link #mlp} (variants {@code v % 3 == 2}): a dense trunk that forks into two dense branches,
 *     joined by add (one branch read twice) or by a concat of three nodes, a BatchNorm1d on the join (an
 *     Affine node) and a dense output.</li>
 * </ul>
 * Activations cycle through ReLU, sigmoid, tanh and leaky ReLU with the variant and the position.
 */
final class GraphNetworks {
    private GraphNetworks() {
    }

    static Network random(Rng rng, int variant) {
        return variant % 3 == 2 ? mlp(rng, variant / 3) : cnn(rng, variant - variant / 3);
    }

    private static void activation(Rng rng, Network.Builder b, int kind) {
        switch (kind % 4) {
            case 0 -> b.relu();
            case 1 -> b.sigmoid();
            case 2 -> b.tanh();
            default -> b.leakyRelu(rng.uniform(0.01, 0.3));
        }
    }

    /** The {@code v}-th cnn variant. */
    static Network cnn(Rng rng, int v) {
        int cin = 1 + rng.nextInt(2);
        int h = 4 + rng.nextInt(3), w = 4 + rng.nextInt(3);
        Network.Builder b = Network.builder(cin, h, w).seed(rng.nextLong());
        int c1 = v % 2 == 1 ? 4 : 2 + rng.nextInt(2);   // 2..3; 4 where branch A has 2 groups
        int sd = 1 + v % 2;              // stem dilation
        int kw = 2 + rng.nextInt(2);
        b.conv2d("stem", c1, 3, kw, 1, 1, sd, sd, 1, sd, sd);
        w += sd * (3 - kw);              // H is kept ("same"), W grows by sd for a 2-wide kernel
        if (v % 4 == 1) {
            b.batchNorm("stem_bn");      // folded into the stem (its only reader)
        }
        activation(rng, b, v);
        String trunk = b.last();
        int shape = v % 4;               // 0: add with an early identity, 1: concat, 2: add of three, 3: concat
        boolean concat = shape % 2 == 1;
        String early = null;
        if (shape == 0) {
            b.from(trunk).identity();    // read BEFORE branch A: its gradient reaches the trunk second
            early = b.last();
        }
        int groups = v % 2 == 0 ? c1 : 2;   // depthwise, or 2 groups of 2 channels
        int d = 1 + rng.nextInt(2);
        int outA = shape == 0 ? c1 : c1 * (1 + rng.nextInt(2));
        b.from(trunk).conv2d("branch_a", outA, 3, 3, 1, 1, d, d, groups, d, d);
        activation(rng, b, v + 1);
        String a = b.last();
        String bb = early != null ? early : trunk;
        int channels = outA;
        if (early == null && (concat || outA != c1 || rng.nextInt(2) == 0)) {
            int outB = concat ? 1 + rng.nextInt(3) : outA;
            channels = concat ? outA + outB : outA;
            b.from(trunk).conv2d("branch_b", outB, 1, 1, 1, 1, 0, 0);
            bb = b.last();
        }
        if (concat) {
            b.concat(a, bb);
        } else if (shape == 0) {
            b.residual(a, bb);
        } else {
            b.residual(a, bb, bb);       // three inputs, one of them read twice
        }
        b.batchNorm("join_bn");          // reads a join: becomes an Affine node
        activation(rng, b, v + 2);
        int pool = v % 3;
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
        switch (v % 4) {
            case 0 -> b.globalAvgPool();
            case 1 -> b.identity();
            case 2 -> b.add(new Dropout("drop", 0.5));
            default -> b.add(new Reshape("reshape", Shape.of(channels * h * w)));
        }
        b.dense("head", 3 + rng.nextInt(5));
        activation(rng, b, v + 3);
        b.dense("out", 2 + rng.nextInt(4));
        return b.build();
    }

    /** The {@code v}-th mlp variant. */
    static Network mlp(Rng rng, int v) {
        int in = 3 + rng.nextInt(10);
        boolean regression = v % 3 == 2;
        Network.Builder b = Network.builder(in).seed(rng.nextLong()).task(regression ? Task.REGRESSION : Task.CLASSIFICATION);
        b.dense("fc1", 3 + rng.nextInt(10));
        activation(rng, b, v + 1);
        String trunk = b.last();
        boolean residual = v % 2 == 0;
        int width = 3 + rng.nextInt(10);
        b.from(trunk).dense("fa", width);
        activation(rng, b, v + 2);
        String a = b.last();
        b.from(trunk).dense("fb", residual ? width : 2 + rng.nextInt(5));
        b.batchNorm("fb_bn");            // folded into fb
        activation(rng, b, v + 3);
        String c = b.last();
        if (residual) {
            b.residual(a, c, a);         // a read twice
        } else {
            b.concat(a, c, trunk);
        }
        b.batchNorm("join_bn");          // reads a join: an Affine node
        activation(rng, b, v);
        b.dense("out", regression ? 1 : 2 + rng.nextInt(5));
        return b.build();
    }

    /**
     * What {@code nets} exercise once folded (the form backends run): every layer kind, plus
     * {@code "grouped conv2d"}, {@code "depthwise conv2d"}, {@code "dilated conv2d"}, {@code "affine on [C]"},
     * {@code "affine on [C,H,W]"}, {@code "add of 3"}, {@code "join reading a node twice"}, {@code "fork"} (a node
     * read by two or more layers) and {@code "pass-through reader first"} (a fork whose LOWER-index reader is
     * an add or a reshaping node, so its gradient is added to one that already exists).
     */
    static java.util.Set<String> coverage(java.util.List<Network> nets) {
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (Network original : nets) {
            Network net = original.folded();
            java.util.List<org.lde.model.Layer> ls = net.layers();
            for (int i = 0; i < ls.size(); i++) {
                org.lde.model.Layer l = ls.get(i);
                seen.add(l.kind());
                int[] ins = net.inputsOf(i);
                if (l instanceof org.lde.model.Conv2d c) {
                    if (c.groups() > 1 && c.groups() < c.inChannels()) {
                        seen.add("grouped conv2d");
                    }
                    if (c.groups() > 1 && c.groups() == c.inChannels()) {
                        seen.add("depthwise conv2d");
                    }
                    if (c.dilationH() > 1 || c.dilationW() > 1) {
                        seen.add("dilated conv2d");
                    }
                }
                if (l instanceof org.lde.model.Affine) {
                    seen.add(net.inputShape(i).rank() == 1 ? "affine on [C]" : "affine on [C,H,W]");
                }
                if (l instanceof org.lde.model.Add && ins.length == 3) {
                    seen.add("add of 3");
                }
                if (java.util.Arrays.stream(ins).distinct().count() < ins.length) {
                    seen.add("join reading a node twice");
                }
            }
            for (int j = -1; j < ls.size(); j++) {
                int[] readers = net.consumersOf(j);
                if (java.util.Arrays.stream(readers).distinct().count() >= 2) {
                    seen.add("fork");
                    org.lde.model.Layer first = ls.get(java.util.Arrays.stream(readers).min().getAsInt());
                    if (first instanceof org.lde.model.Reshaping || first instanceof org.lde.model.Add) {
                        seen.add("pass-through reader first");
                    }
                }
            }
        }
        return seen;
    }
}
