package org.lde.engine.bound;

import java.util.Arrays;

/**
 * Elementwise bounds {@code lower <= z <= upper} of the nodes of one network (sequential or a
 * graph) for one input set (one sample at one {@code eps}): node {@code 0} is the input, node {@code k}
 * the output of layer {@code k - 1}. A node that was not bounded holds {@code null}. The backward bound pass reads
 * the bounds of the input nodes of activation and MaxPool layers (its relaxations, METHOD.md section 7).
 * Arrays are shared, not copied; {@link #set} replaces a node's arrays.
 */
public final class NodeBounds {
    private final double[][] lower;
    private final double[][] upper;

    /** Empty bounds for a network with {@code layers} layers ({@code layers + 1} nodes). */
    public NodeBounds(int layers) {
        lower = new double[layers + 1][];
        upper = new double[layers + 1][];
    }

    /** Number of nodes (layers + 1). */
    public int nodes() {
        return lower.length;
    }

    public boolean has(int node) {
        return lower[node] != null;
    }

    /** Lower bounds of node {@code node} (flat, row-major); throws when the node is not bounded. */
    public double[] lower(int node) {
        return require(node, lower);
    }

    public double[] upper(int node) {
        return require(node, upper);
    }

    private double[] require(int node, double[][] b) {
        if (b[node] == null) {
            throw new IllegalStateException("node " + node + " has no bounds");
        }
        return b[node];
    }

    /**
     * Sets node {@code node}'s bounds.
     *
     * @throws IllegalArgumentException when lengths differ, an entry is NaN, or {@code lower > upper}
     */
    public void set(int node, double[] lo, double[] hi) {
        if (lo.length != hi.length) {
            throw new IllegalArgumentException("node " + node + ": " + lo.length + " lower and " + hi.length + " upper bounds");
        }
        for (int i = 0; i < lo.length; i++) {
            if (!(lo[i] <= hi[i])) {
                throw new IllegalArgumentException("node " + node + ", neuron " + i + ": lower bound " + lo[i]
                        + " is not <= upper bound " + hi[i]);
            }
        }
        lower[node] = lo;
        upper[node] = hi;
    }

    /** A copy whose node arrays are copied too. */
    public NodeBounds copy() {
        NodeBounds b = new NodeBounds(lower.length - 1);
        for (int k = 0; k < lower.length; k++) {
            if (lower[k] != null) {
                b.lower[k] = Arrays.copyOf(lower[k], lower[k].length);
                b.upper[k] = Arrays.copyOf(upper[k], upper[k].length);
            }
        }
        return b;
    }
}
