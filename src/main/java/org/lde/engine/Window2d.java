package org.lde.engine;

import org.lde.model.AvgPool2d;
import org.lde.model.Conv2d;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.tensor.Shape;

/**
 * The geometry of a sliding 2-D window over one {@code [channels, inH, inW]} image: the shared
 * shape rule of convolution and pooling (floor mode, as PyTorch):
 * {@code outH = (inH + 2 padH - kernelH) / strideH + 1}, likewise {@code outW}. Output cell
 * {@code (i, j)} reads input rows {@code i*strideH - padH + u}, {@code u = 0..kernelH-1}, and
 * columns {@code j*strideW - padW + v}, {@code v = 0..kernelW-1}; rows or columns outside
 * {@code [0, inH) x [0, inW)} are padding.
 */
public record Window2d(int channels, int inH, int inW, int kernelH, int kernelW, int strideH, int strideW,
                       int padH, int padW) {
    public Window2d {
        if (channels <= 0 || inH <= 0 || inW <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0) {
            throw new IllegalArgumentException("window geometry needs positive channels, sizes, kernel and stride, got " + describe(
                    channels, inH, inW, kernelH, kernelW, strideH, strideW, padH, padW));
        }
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("window padding must be >= 0, got " + padH + "x" + padW);
        }
        if (inH + 2 * padH < kernelH || inW + 2 * padW < kernelW) {
            throw new IllegalArgumentException("padded image smaller than the window: " + describe(
                    channels, inH, inW, kernelH, kernelW, strideH, strideW, padH, padW));
        }
    }

    /**
     * The window of {@code layer} on an input of shape {@code in = [C, H, W]}: a plain {@link Conv2d} (one group,
     * no dilation), a {@link MaxPool2d} or an {@link AvgPool2d}; null for every other layer (a grouped or dilated
     * convolution included, which no im2col path runs).
     */
    public static Window2d of(Layer layer, Shape in) {
        if (layer instanceof Conv2d c && c.plain()) {
            return new Window2d(in.dim(0), in.dim(1), in.dim(2), c.kernelH(), c.kernelW(), c.strideH(), c.strideW(),
                    c.padH(), c.padW());
        } else if (layer instanceof MaxPool2d p) {
            return new Window2d(in.dim(0), in.dim(1), in.dim(2), p.kernelH(), p.kernelW(), p.strideH(), p.strideW(),
                    p.padH(), p.padW());
        } else if (layer instanceof AvgPool2d p) {
            return new Window2d(in.dim(0), in.dim(1), in.dim(2), p.kernelH(), p.kernelW(), p.strideH(), p.strideW(),
                    p.padH(), p.padW());
        }
        return null;
    }

    private static String describe(int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        return "input [" + c + ", " + h + ", " + w + "], kernel " + kh + "x" + kw + ", stride " + sh + "x" + sw
                + ", padding " + ph + "x" + pw;
    }

    /** Output rows. */
    public int outH() {
        return (inH + 2 * padH - kernelH) / strideH + 1;
    }

    /** Output columns. */
    public int outW() {
        return (inW + 2 * padW - kernelW) / strideW + 1;
    }

    /** Elements of one input image: {@code channels * inH * inW}. */
    public int inSize() {
        return channels * inH * inW;
    }

    /** Output positions per channel: {@code outH * outW}. */
    public int outPlane() {
        return outH() * outW();
    }

    /** Rows of the im2col matrix: {@code channels * kernelH * kernelW}. */
    public int patchSize() {
        return channels * kernelH * kernelW;
    }
}
