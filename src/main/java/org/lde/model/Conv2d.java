package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * 2-D cross-correlation (PyTorch's Conv2d, groups = 1, dilation = 1), zero padding:
 * {@code y[o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x[c, i*sh - ph + u, j*sw - pw + v]}.
 */
public record Conv2d(String name, int inChannels, int outChannels, int kernelH, int kernelW,
                     int strideH, int strideW, int padH, int padW, Tensor weight, Tensor bias) implements Layer {
    public Conv2d {
        Layer.requireName(name);
        Layer.requirePositive(name, "in channels", inChannels);
        Layer.requirePositive(name, "out channels", outChannels);
        Layer.requirePositive(name, "kernel height", kernelH);
        Layer.requirePositive(name, "kernel width", kernelW);
        Layer.requirePositive(name, "stride height", strideH);
        Layer.requirePositive(name, "stride width", strideW);
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("layer '" + name + "': padding must be >= 0, got " + padH + "x" + padW);
        }
        Layer.requireShape(name, "weight", weight, Shape.of(outChannels, inChannels, kernelH, kernelW));
        Layer.requireShape(name, "bias", bias, Shape.of(outChannels));
    }

    @Override
    public String kind() {
        return "conv2d";
    }

    @Override
    public Shape outputShape(Shape s) {
        if (s.rank() != 3 || s.dim(0) != inChannels) {
            throw Layer.shapeError(this, "[" + inChannels + ", H, W]", s);
        }
        if (s.dim(1) + 2L * padH < kernelH || s.dim(2) + 2L * padW < kernelW) {
            throw Layer.shapeError(this, "a padded image at least as large as the " + kernelH + "x" + kernelW + " kernel", s);
        }
        return Shape.of(outChannels, Pooling.outputDim(this, s, s.dim(1), padH, kernelH, strideH),
                Pooling.outputDim(this, s, s.dim(2), padW, kernelW, strideW));
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(new Parameter(name + ".weight", weight), new Parameter(name + ".bias", bias));
    }
}
