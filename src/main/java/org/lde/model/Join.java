package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;

/**
 * A node with two or more inputs ({@link Add}, {@link Concat}). Its inputs are named in the
 * network ({@link Network#inputsOf}); {@link #outputShape(Shape)} is not defined for it.
 */
public sealed interface Join extends Layer permits Add, Concat {

    /**
     * The output shape for the given input shapes, in the node's input order.
     *
     * @throws IllegalArgumentException naming this node and the shapes when they do not fit
     */
    Shape outputShape(List<Shape> inputs);

    @Override
    default Shape outputShape(Shape in) {
        throw new IllegalArgumentException("layer '" + name() + "' (" + kind() + ") takes two or more inputs, not one ("
                + in + ")");
    }
}
