package org.lde.model;

import org.lde.tensor.Shape;

/**
 * Dropout, which is the identity at inference ({@code y = x}); the engine never trains with it
 * (the rate {@code p} is kept only so that a file round-trips).
 */
public record Dropout(String name, double p) implements Reshaping {
    public Dropout {
        Layer.requireName(name);
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("layer '" + name + "': dropout rate must be in [0, 1), got " + p);
        }
    }

    @Override
    public String kind() {
        return "dropout";
    }

    @Override
    public Shape outputShape(Shape in) {
        return in;
    }
}
