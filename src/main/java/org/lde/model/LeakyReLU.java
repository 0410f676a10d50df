package org.lde.model;

/**
 * {@code y = x} for {@code x > 0}, {@code y = slope x} otherwise (PyTorch's LeakyReLU,
 * {@code negative_slope}, default 0.01); the derivative at 0 is {@code slope}, as PyTorch's.
 */
public record LeakyReLU(String name, double slope) implements Activation {
    public LeakyReLU {
        Layer.requireName(name);
        if (!Double.isFinite(slope)) {
            throw new IllegalArgumentException("layer '" + name + "': negative slope must be finite, got " + slope);
        }
    }

    @Override
    public String kind() {
        return "leaky_relu";
    }

    @Override
    public double apply(double x) {
        return x > 0 ? x : slope * x;
    }

    @Override
    public double derivative(double x, double y) {
        return x > 0 ? 1 : slope;
    }
}
