package org.lde.metrics;

import org.lde.explain.baseline.ImageView;
import org.lde.tensor.Shape;

/**
 * Non-overlapping {@code k x k} patches over an image {@code C x H x W}, each spanning all
 * channels (METHOD.md section 9). There are {@code rows = ceil(H / k)} by {@code cols = ceil(W / k)}
 * patches, numbered row-major; the last patch row and column are padded, i.e. they cover only the
 * {@code H - (rows - 1) k} (resp. {@code W - (cols - 1) k}) pixels that remain. A vector input of
 * {@code d} features is viewed as {@code 1 x 1 x d} ({@link ImageView}), so its patches are runs of
 * {@code k} consecutive features.
 */
public final class PatchGrid {
    private final ImageView view;
    private final int k;
    private final int rows;
    private final int cols;

    public PatchGrid(Shape sampleShape, int patchSize) {
        if (patchSize < 1) {
            throw new IllegalArgumentException("patch size must be >= 1, got " + patchSize);
        }
        this.view = ImageView.of(sampleShape);
        this.k = patchSize;
        this.rows = (view.height() + k - 1) / k;
        this.cols = (view.width() + k - 1) / k;
    }

    public int patchSize() {
        return k;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Number of patches {@code P = rows * cols}. */
    public int count() {
        return rows * cols;
    }

    public ImageView view() {
        return view;
    }

    /** The patch of pixel {@code (y, x)}. */
    public int patchOf(int y, int x) {
        return (y / k) * cols + x / k;
    }

    /**
     * The flat indices (into one sample, channel-major {@code c H W + y W + x}) of the values in
     * patch {@code p}, all channels.
     */
    public int[] members(int p) {
        if (p < 0 || p >= count()) {
            throw new IndexOutOfBoundsException("patch " + p + " outside [0, " + count() + ")");
        }
        int y0 = (p / cols) * k;
        int x0 = (p % cols) * k;
        int y1 = Math.min(view.height(), y0 + k);
        int x1 = Math.min(view.width(), x0 + k);
        int[] out = new int[view.channels() * (y1 - y0) * (x1 - x0)];
        int q = 0;
        for (int c = 0; c < view.channels(); c++) {
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    out[q++] = c * view.pixels() + y * view.width() + x;
                }
            }
        }
        return out;
    }

    /** Summed value per patch of one sample's map ({@code values} is one sample, {@code offset} its start). */
    public double[] patchSums(double[] values, int offset, boolean abs) {
        double[] s = new double[count()];
        int hw = view.pixels();
        for (int c = 0; c < view.channels(); c++) {
            for (int y = 0; y < view.height(); y++) {
                for (int x = 0; x < view.width(); x++) {
                    double v = values[offset + c * hw + y * view.width() + x];
                    s[patchOf(y, x)] += abs ? Math.abs(v) : v;
                }
            }
        }
        return s;
    }
}
