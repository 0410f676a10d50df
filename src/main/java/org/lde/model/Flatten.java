package org.lde.model;

import org.lde.tensor.Shape;

/** Reshapes {@code [C, H, W]} (or any shape) to the vector {@code [C*H*W]}, row-major. */
public record Flatten(String name) implements Reshaping {
    public Flatten {
        Layer.requireName(name);
    }

    @Override
    public String kind() {
        return "flatten";
    }

    @Override
    public Shape outputShape(Shape in) {
        return Shape.of(in.sizeInt());
    }
}
