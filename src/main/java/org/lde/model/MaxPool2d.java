package org.lde.model;

import org.lde.tensor.Shape;

/**
 * Max pooling over {@code kernelH x kernelW} windows with the given stride and padding (padded
 * cells are -infinity, as in PyTorch; every window must contain at least one real cell). In the
 * reverse pass the gradient goes to the first maximal element of each window (row-major order).
 */
public record MaxPool2d(String name, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) implements Layer {
    public MaxPool2d {
        Layer.requireName(name);
        Pooling.validate(name, kernelH, kernelW, strideH, strideW, padH, padW);
    }

    @Override
    public String kind() {
        return "maxpool2d";
    }

    @Override
    public Shape outputShape(Shape in) {
        return Pooling.outputShape(this, in, kernelH, kernelW, strideH, strideW, padH, padW);
    }
}
