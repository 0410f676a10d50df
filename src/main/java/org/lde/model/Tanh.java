package org.lde.model;

/** {@code y = tanh(x)} elementwise; {@code y' = 1 - y^2}. */
public record Tanh(String name) implements Activation {
    public Tanh {
        Layer.requireName(name);
    }

    @Override
    public String kind() {
        return "tanh";
    }

    @Override
    public double apply(double x) {
        return Math.tanh(x);
    }

    @Override
    public double derivative(double x, double y) {
        return 1 - y * y;
    }
}
