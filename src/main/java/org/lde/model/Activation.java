package org.lde.model;

import org.lde.tensor.Shape;

/**
 * An elementwise activation {@code y = f(x)}: the output has the input's shape. Backends may run
 * any activation through {@link #apply} and {@link #derivative}; the float64 reference does.
 */
public sealed interface Activation extends Layer permits ReLU, Sigmoid, Tanh, LeakyReLU {

    /** {@code f(x)}. */
    double apply(double x);

    /** {@code f'(x)}, given {@code y = f(x)} (at a kink, the value PyTorch's autograd uses). */
    double derivative(double x, double y);

    @Override
    default Shape outputShape(Shape in) {
        return in;
    }
}
