package org.lde.model;

import org.lde.tensor.Shape;

/**
 * Average pooling over {@code kernelH x kernelW} windows; padded cells count as zeros and the
 * divisor is always {@code kernelH * kernelW} (PyTorch's default {@code count_include_pad=True}).
 */
public record AvgPool2d(String name, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) implements Layer {
    public AvgPool2d {
        Layer.requireName(name);
        Pooling.validate(name, kernelH, kernelW, strideH, strideW, padH, padW);
    }

    @Override
    public String kind() {
        return "avgpool2d";
    }

    @Override
    public Shape outputShape(Shape in) {
        return Pooling.outputShape(this, in, kernelH, kernelW, strideH, strideW, padH, padW);
    }
}
