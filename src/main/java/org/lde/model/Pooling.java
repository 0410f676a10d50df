package org.lde.model;

import org.lde.tensor.Shape;

/** Shape rules shared by the pooling layers (floor mode, as PyTorch's default). */
final class Pooling {
    private Pooling() {
    }

    static void validate(String name, int kh, int kw, int sh, int sw, int ph, int pw) {
        Layer.requirePositive(name, "kernel height", kh);
        Layer.requirePositive(name, "kernel width", kw);
        Layer.requirePositive(name, "stride height", sh);
        Layer.requirePositive(name, "stride width", sw);
        if (ph < 0 || pw < 0 || 2L * ph > kh || 2L * pw > kw) {
            throw new IllegalArgumentException("layer '" + name + "': padding " + ph + "x" + pw
                    + " must be >= 0 and at most half the kernel " + kh + "x" + kw);
        }
    }

    static Shape outputShape(Layer l, Shape s, int kh, int kw, int sh, int sw, int ph, int pw) {
        if (s.rank() != 3) {
            throw Layer.shapeError(l, "[C, H, W]", s);
        }
        if (s.dim(1) + 2L * ph < kh || s.dim(2) + 2L * pw < kw) {
            throw Layer.shapeError(l, "a padded image at least as large as the " + kh + "x" + kw + " window", s);
        }
        return Shape.of(s.dim(0), outputDim(l, s, s.dim(1), ph, kh, sh), outputDim(l, s, s.dim(2), pw, kw, sw));
    }

    /**
     * {@code (size + 2 pad - kernel) / stride + 1} in long arithmetic.
     *
     * @throws IllegalArgumentException naming the layer when the result does not fit an int
     */
    static int outputDim(Layer l, Shape in, int size, int pad, int kernel, int stride) {
        long o = (size + 2L * pad - kernel) / stride + 1;
        if (o > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("layer '" + l.name() + "' (" + l.kind() + "): input " + in + " with padding "
                    + pad + ", kernel " + kernel + " and stride " + stride + " gives an output size of " + o
                    + ", more than an int holds");
        }
        return (int) o;
    }
}
