package org.lde.model;

import org.lde.tensor.Shape;

/** {@code y = max(0, x)} elementwise; the derivative at 0 is taken as 0 (PyTorch's choice). */
public record ReLU(String name) implements Layer {
    public ReLU {
        Layer.requireName(name);
    }

    @Override
    public String kind() {
        return "relu";
    }

    @Override
    public Shape outputShape(Shape in) {
        return in;
    }
}
