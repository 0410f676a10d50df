package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;

/**
 * Concatenation along the first (channel) dimension: {@code [C1, H, W] + [C2, H, W] -> [C1 + C2, H, W]}
 * (or {@code [n1] + [n2] -> [n1 + n2]}); every other dimension must agree. Row-major, the output is
 * the inputs' values one after the other, per sample.
 */
public record Concat(String name) implements Join {
    public Concat {
        Layer.requireName(name);
    }

    @Override
    public String kind() {
        return "concat";
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("layer '" + name + "' (concat) needs at least 2 inputs, got " + inputs.size());
        }
        Shape first = inputs.get(0);
        long channels = 0;
        for (Shape s : inputs) {
            if (s.rank() != first.rank() || !s.dropFirst().equals(first.dropFirst())) {
                throw new IllegalArgumentException("layer '" + name + "' (concat) joins along the channel dimension; "
                        + "the other dimensions must agree, got " + inputs);
            }
            channels += s.dim(0);
        }
        if (channels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("layer '" + name + "' (concat): " + channels + " channels do not fit an int");
        }
        int[] d = new int[first.rank()];
        d[0] = (int) channels;
        for (int i = 1; i < d.length; i++) {
            d[i] = first.dim(i);
        }
        return Shape.of(d);
    }
}
