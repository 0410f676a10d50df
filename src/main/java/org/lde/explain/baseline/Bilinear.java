package org.lde.explain.baseline;

/**
 * Bilinear resizing of one 2-D map with the half-pixel convention of PyTorch's
 * {@code F.interpolate(mode="bilinear", align_corners=False)} and OpenCV's {@code cv2.resize}:
 * output pixel {@code (r, c)} samples the input at
 * {@code y = (r + 1/2) * inH / outH - 1/2}, {@code x = (c + 1/2) * inW / outW - 1/2}; a
 * coordinate below 0 or above {@code in - 1} is taken at the nearest edge (edge replication,
 * exactly as PyTorch does), then the four neighbours are mixed linearly.
 */
public final class Bilinear {
    private Bilinear() {
    }

    /**
     * Resizes {@code in} ({@code inH x inW}, row-major) to {@code outH x outW}.
     *
     * @return a new row-major array of {@code outH * outW} values
     */
    public static double[] resize(double[] in, int inH, int inW, int outH, int outW) {
        checkSizes("bilinear", in, inH, inW, outH, outW);
        double[] out = new double[outH * outW];
        for (int r = 0; r < outH; r++) {
            double y = Math.min(Math.max((r + 0.5) * inH / outH - 0.5, 0), inH - 1);
            int y0 = (int) Math.floor(y);
            int y1 = Math.min(y0 + 1, inH - 1);
            double fy = y - y0;
            for (int c = 0; c < outW; c++) {
                double x = Math.min(Math.max((c + 0.5) * inW / outW - 0.5, 0), inW - 1);
                int x0 = (int) Math.floor(x);
                int x1 = Math.min(x0 + 1, inW - 1);
                double fx = x - x0;
                double top = in[y0 * inW + x0] * (1 - fx) + in[y0 * inW + x1] * fx;
                double bot = in[y1 * inW + x0] * (1 - fx) + in[y1 * inW + x1] * fx;
                out[r * outW + c] = top * (1 - fy) + bot * fy;
            }
        }
        return out;
    }

    /** The checks of every resize: positive sizes, and {@code in} holds {@code inH x inW} values. */
    static void checkSizes(String kind, double[] in, int inH, int inW, int outH, int outW) {
        if (inH < 1 || inW < 1 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException(kind + " resize needs positive sizes, got " + inH + "x" + inW + " -> " + outH + "x" + outW);
        }
        if (in.length != inH * inW) {
            throw new IllegalArgumentException("map of " + in.length + " values is not " + inH + "x" + inW);
        }
    }
}
