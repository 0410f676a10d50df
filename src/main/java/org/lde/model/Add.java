package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;

/** {@code y = x_1 + x_2 + ...}: the residual join; every input must have the same shape. */
public record Add(String name) implements Join {
    public Add {
        Layer.requireName(name);
    }

    @Override
    public String kind() {
        return "add";
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("layer '" + name + "' (add) needs at least 2 inputs, got " + inputs.size());
        }
        for (Shape s : inputs) {
            if (!s.equals(inputs.get(0))) {
                throw new IllegalArgumentException("layer '" + name + "' (add) needs inputs of one shape, got " + inputs);
            }
        }
        return inputs.get(0);
    }
}
