package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * One node of a network (a layer). Shapes exclude the batch dimension. Which nodes feed it is
 * the network's ({@link Network#inputsOf}): a layer itself knows only its own arithmetic. Weight layouts follow
 * PyTorch ({@code Dense.weight [out, in]}, {@code Conv2d.weight [out, in, kh, kw]}) so that a
 * PyTorch state dict carries over unchanged; parameter names are PyTorch's
 * ({@code <layer>.weight}, {@code <layer>.bias}, {@code <layer>.running_mean}, ...).
 */
public sealed interface Layer permits Dense, Conv2d, Activation, MaxPool2d, AvgPool2d, GlobalAvgPool, Reshaping,
        BatchNorm, Affine, Join {

    /** Unique name within the network (used by layer gradients and the model file). */
    String name();

    /** The kind as written in model files: {@code dense}, {@code conv2d}, ... */
    String kind();

    /**
     * The output shape for the given input shape.
     *
     * @throws IllegalArgumentException naming this layer and both shapes when {@code in} does not fit
     */
    Shape outputShape(Shape in);

    /** Learned parameters and buffers in a fixed order (empty for parameter-free layers). */
    default List<Parameter> parameters() {
        return List.of();
    }

    /** Whether {@link #parameters()} are trained by gradient descent (BatchNorm statistics are not). */
    default boolean trainable() {
        return !parameters().isEmpty();
    }

    /** A copy whose parameter tensors are copies (a parameter-free layer returns itself). */
    default Layer deepCopy() {
        return this;
    }

    /** A named tensor owned by a layer; {@code name} is the PyTorch state-dict key. */
    record Parameter(String name, Tensor value) {
    }

    /** Error helper: "layer 'name' (description) expects ..., got shape". */
    static IllegalArgumentException shapeError(Layer l, String expected, Shape got) {
        return new IllegalArgumentException("layer '" + l.name() + "' (" + l.kind() + ") expects " + expected
                + ", got input shape " + got);
    }

    static void requireShape(String layer, String param, Tensor t, Shape expected) {
        if (t == null) {
            throw new IllegalArgumentException("layer '" + layer + "': parameter " + param + " is missing");
        }
        if (!t.shape().equals(expected)) {
            throw new IllegalArgumentException("layer '" + layer + "': parameter " + param + " has shape " + t.shape()
                    + ", expected " + expected);
        }
    }

    static void requirePositive(String layer, String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException("layer '" + layer + "': " + what + " must be positive, got " + v);
        }
    }

    static void requireName(String name) {
        if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9_.\\-]+")) {
            throw new IllegalArgumentException("invalid layer name '" + name + "' (letters, digits, _ . - only)");
        }
    }
}
