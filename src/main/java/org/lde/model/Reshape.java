package org.lde.model;

import java.util.Arrays;
import org.lde.tensor.Shape;

/**
 * Reshapes to a fixed shape (without the batch dimension), row-major, as {@code torch.reshape}
 * and ONNX {@code Reshape} with a static shape: the input must hold exactly as many values.
 */
public record Reshape(String name, Shape shape) implements Reshaping {
    public Reshape {
        Layer.requireName(name);
        if (shape == null || shape.rank() < 1 || shape.size() < 1) {
            throw new IllegalArgumentException("layer '" + name + "': reshape needs a non-empty target shape, got " + shape);
        }
    }

    @Override
    public String kind() {
        return "reshape";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.size() != shape.size()) {
            throw Layer.shapeError(this, "an input of " + shape.size() + " values (to reshape to " + shape + ")", in);
        }
        return shape;
    }

    /** The target dimensions (a copy). */
    public int[] dims() {
        int[] d = new int[shape.rank()];
        for (int i = 0; i < d.length; i++) {
            d[i] = shape.dim(i);
        }
        return d;
    }

    @Override
    public String toString() {
        return "Reshape[" + name + ", " + Arrays.toString(dims()) + "]";
    }
}
