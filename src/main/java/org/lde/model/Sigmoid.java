package org.lde.model;

/** {@code y = 1 / (1 + exp(-x))} elementwise; {@code y' = y (1 - y)}. */
public record Sigmoid(String name) implements Activation {
    public Sigmoid {
        Layer.requireName(name);
    }

    @Override
    public String kind() {
        return "sigmoid";
    }

    /** Evaluated without overflow for large {@code |x|}: {@code exp(x) / (1 + exp(x))} for negative {@code x}. */
    @Override
    public double apply(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }

    @Override
    public double derivative(double x, double y) {
        return y * (1 - y);
    }
}
