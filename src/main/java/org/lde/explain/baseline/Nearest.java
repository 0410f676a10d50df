package org.lde.explain.baseline;

/**
 * Nearest-neighbour resizing of one 2-D map as PyTorch's {@code F.interpolate(mode="nearest")}
 * (the default of Captum's {@code LayerAttribution.interpolate}) computes it when given an output
 * size: output pixel {@code (r, c)} takes input pixel
 * {@code (min(floor(r * s_h), inH - 1), min(floor(c * s_w), inW - 1))} with the float32 scales
 * {@code s_h = (float) inH / outH}, {@code s_w = (float) inW / outW}, the product also rounded to
 * float32 (so that the rare half-way cases fall as PyTorch's float kernel puts them). For an
 * integer factor ({@code 7 -> 28}) every input pixel becomes a {@code 4 x 4} block.
 */
public final class Nearest {
    private Nearest() {
    }

    /**
     * Resizes {@code in} ({@code inH x inW}, row-major) to {@code outH x outW}.
     *
     * @return a new row-major array of {@code outH * outW} values
     */
    public static double[] resize(double[] in, int inH, int inW, int outH, int outW) {
        Bilinear.checkSizes("nearest", in, inH, inW, outH, outW);
        float sh = (float) inH / outH;
        float sw = (float) inW / outW;
        double[] out = new double[outH * outW];
        for (int r = 0; r < outH; r++) {
            int y = Math.min((int) Math.floor((float) (r * sh)), inH - 1);
            for (int c = 0; c < outW; c++) {
                int x = Math.min((int) Math.floor((float) (c * sw)), inW - 1);
                out[r * outW + c] = in[y * inW + x];
            }
        }
        return out;
    }
}
