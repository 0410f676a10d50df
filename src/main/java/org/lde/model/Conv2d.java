package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * 2-D cross-correlation (PyTorch's Conv2d), zero padding, with {@code groups} and dilation:
 * {@code y[o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x[g(o) I + c, i*sh - ph + u*dh, j*sw - pw + v*dw]}
 * where {@code I = inChannels / groups} input channels feed each group, {@code g(o) = o / (outChannels / groups)}
 * and {@code W: [outChannels, I, kh, kw]}. {@code groups == inChannels} is a depthwise convolution.
 * The output size is PyTorch's {@code (H + 2 ph - dh (kh - 1) - 1) / sh + 1}.
 */
public record Conv2d(String name, int inChannels, int outChannels, int kernelH, int kernelW,
                     int strideH, int strideW, int padH, int padW, int groups, int dilationH, int dilationW,
                     Tensor weight, Tensor bias) implements Layer {
    public Conv2d {
        Layer.requireName(name);
        Layer.requirePositive(name, "in channels", inChannels);
        Layer.requirePositive(name, "out channels", outChannels);
        Layer.requirePositive(name, "kernel height", kernelH);
        Layer.requirePositive(name, "kernel width", kernelW);
        Layer.requirePositive(name, "stride height", strideH);
        Layer.requirePositive(name, "stride width", strideW);
        Layer.requirePositive(name, "groups", groups);
        Layer.requirePositive(name, "dilation height", dilationH);
        Layer.requirePositive(name, "dilation width", dilationW);
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("layer '" + name + "': padding must be >= 0, got " + padH + "x" + padW);
        }
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("layer '" + name + "': groups " + groups + " must divide both in channels "
                    + inChannels + " and out channels " + outChannels);
        }
        Layer.requireShape(name, "weight", weight, Shape.of(outChannels, inChannels / groups, kernelH, kernelW));
        Layer.requireShape(name, "bias", bias, Shape.of(outChannels));
    }

    /** A plain convolution: one group, no dilation. */
    public Conv2d(String name, int inChannels, int outChannels, int kernelH, int kernelW,
                  int strideH, int strideW, int padH, int padW, Tensor weight, Tensor bias) {
        this(name, inChannels, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, 1, 1, 1, weight, bias);
    }

    /** Whether this is a plain convolution (one group, no dilation): the case every backend's im2col path covers. */
    public boolean plain() {
        return groups == 1 && dilationH == 1 && dilationW == 1;
    }

    /** Input channels per group, {@code inChannels / groups}. */
    public int groupInChannels() {
        return inChannels / groups;
    }

    /** Output channels per group, {@code outChannels / groups}. */
    public int groupOutChannels() {
        return outChannels / groups;
    }

    /** The height the dilated kernel spans, {@code dilationH (kernelH - 1) + 1}. */
    public int spanH() {
        return dilationH * (kernelH - 1) + 1;
    }

    /** The width the dilated kernel spans, {@code dilationW (kernelW - 1) + 1}. */
    public int spanW() {
        return dilationW * (kernelW - 1) + 1;
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
        if (s.dim(1) + 2L * padH < spanH() || s.dim(2) + 2L * padW < spanW()) {
            throw Layer.shapeError(this, "a padded image at least as large as the " + spanH() + "x" + spanW()
                    + (plain() ? " kernel" : " dilated kernel"), s);
        }
        return Shape.of(outChannels, Pooling.outputDim(this, s, s.dim(1), padH, spanH(), strideH),
                Pooling.outputDim(this, s, s.dim(2), padW, spanW(), strideW));
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(new Parameter(name + ".weight", weight), new Parameter(name + ".bias", bias));
    }

    @Override
    public Layer deepCopy() {
        return new Conv2d(name, inChannels, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, groups,
                dilationH, dilationW, weight.copy(), bias.copy());
    }
}
