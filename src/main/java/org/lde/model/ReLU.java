package org.lde.model;

/** {@code y = max(0, x)} elementwise; the derivative at 0 is taken as 0 (PyTorch's choice). */
public record ReLU(String name) implements Activation {
    public ReLU {
        Layer.requireName(name);
    }

    @Override
    public String kind() {
        return "relu";
    }

    @Override
    public double apply(double x) {
        return x > 0 ? x : 0;
    }

    @Override
    public double derivative(double x, double y) {
        return x > 0 ? 1 : 0;
    }
}
