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
        if (ph < 0 || pw < 0 || 2 * ph > kh || 2 * pw > kw) {
            throw new IllegalArgumentException("layer '" + name + "': padding " + ph + "x" + pw
                    + " must be >= 0 and at most half the kernel " + kh + "x" + kw);
        }
    }

    static Shape outputShape(Layer l, Shape s, int kh, int kw, int sh, int sw, int ph, int pw) {
        if (s.rank() != 3) {
            throw Layer.shapeError(l, "[C, H, W]", s);
        }
        if (s.dim(1) + 2 * ph < kh || s.dim(2) + 2 * pw < kw) {
            throw Layer.shapeError(l, "a padded image at least as large as the " + kh + "x" + kw + " window", s);
        }
        int oh = (s.dim(1) + 2 * ph - kh) / sh + 1;
        int ow = (s.dim(2) + 2 * pw - kw) / sw + 1;
        return Shape.of(s.dim(0), oh, ow);
    }
}
