package org.lde.explain.baseline;

import org.lde.tensor.Shape;

/**
 * How window- and patch-based methods see one sample: as {@code C x H x W}. An image
 * {@code [C, H, W]} is itself; a matrix {@code [H, W]} is {@code 1 x H x W}; a vector {@code [d]}
 * (tabular features) is a {@code 1 x 1 x d} image, so its windows and patches are runs of
 * consecutive features with height 1.
 */
public record ImageView(int channels, int height, int width) {
    public ImageView {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image view needs positive sizes, got " + channels + "x" + height + "x" + width);
        }
    }

    /** The view of a sample shape (rank 1, 2 or 3). */
    public static ImageView of(Shape sample) {
        switch (sample.rank()) {
            case 1:
                return new ImageView(1, 1, sample.dim(0));
            case 2:
                return new ImageView(1, sample.dim(0), sample.dim(1));
            case 3:
                return new ImageView(sample.dim(0), sample.dim(1), sample.dim(2));
            default:
                throw new IllegalArgumentException("samples of shape " + sample + " cannot be viewed as C x H x W (rank 1 to 3 only)");
        }
    }

    public int pixels() {
        return height * width;
    }

    public int size() {
        return channels * height * width;
    }
}
