package org.lde.model;

import org.lde.tensor.Shape;

/** {@code y = x}: PyTorch's {@code nn.Identity}, ONNX {@code Identity}. */
public record Identity(String name) implements Reshaping {
    public Identity {
        Layer.requireName(name);
    }

    @Override
    public String kind() {
        return "identity";
    }

    @Override
    public Shape outputShape(Shape in) {
        return in;
    }
}
