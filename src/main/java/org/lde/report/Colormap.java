package org.lde.report;

import java.awt.image.BufferedImage;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The report's colour maps and image tiles. Signed maps (attributions, {@code delta*}, {@code x' - x}) use
 * a diverging map symmetric around zero: ColorBrewer's 11-class RdBu reversed, blue for negative, near-white
 * {@code #f7f7f7} at exactly 0, red for positive, with {@code -m} and {@code +m} at the two ends where
 * {@code m = max |v|} of the map (so the same colour means the same fraction of the map's largest magnitude,
 * and the sign is never lost). Inputs are drawn grey, the data domain {@code [lo, hi]} mapped to
 * black..white. Each map tile carries the input's outline: the cell edges where the input crosses
 * {@link #OUTLINE_LEVEL} of its domain, drawn dark grey, so a map can be read against the object.
 *
 * <p>The tiles are pixel images (one block per input pixel), not charts, so they are drawn here rather than by
 * JFreeChart; the colour bar beside each is JFreeChart's (see {@link ColourBar}), with this map as its paint scale.
 */
public final class Colormap {
    /** The outline's level as a fraction of the domain {@code [lo, hi]}. */
    public static final double OUTLINE_LEVEL = 0.2;

    /** RdBu (11 classes, ColorBrewer, reversed): from {@code -m} (dark blue) through {@code 0} to {@code +m} (dark red). */
    static final int[] STOPS = {0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d,
        0xb2182b, 0x67001f};

    private static final int OUTLINE = 0x303030;

    private Colormap() {
    }

    /**
     * The RGB colour of {@code v} on the symmetric scale {@code [-m, m]}: linear interpolation between the
     * {@link #STOPS} at {@code u = (v / m + 1) / 2}; {@code v = 0} (and every {@code v} when {@code m = 0})
     * is the centre stop.
     *
     * @throws IllegalArgumentException for a non-finite value or scale, or {@code |v| > m}
     */
    public static int diverging(double v, double m) {
        if (!Double.isFinite(v) || !Double.isFinite(m) || m < 0 || Math.abs(v) > m * (1 + 1e-12)) {
            throw new IllegalArgumentException("diverging colour of " + v + " on the scale [-" + m + ", " + m + "]");
        }
        if (m == 0 || v == 0) {
            return STOPS[STOPS.length / 2];
        }
        double u = Math.max(0, Math.min(1, (v / m + 1) / 2)) * (STOPS.length - 1);
        int k = Math.min(STOPS.length - 2, (int) Math.floor(u));
        double f = u - k;
        int a = STOPS[k];
        int b = STOPS[k + 1];
        int r = (int) Math.round(((a >> 16) & 0xff) * (1 - f) + ((b >> 16) & 0xff) * f);
        int g = (int) Math.round(((a >> 8) & 0xff) * (1 - f) + ((b >> 8) & 0xff) * f);
        int bl = (int) Math.round((a & 0xff) * (1 - f) + (b & 0xff) * f);
        return (r << 16) | (g << 8) | bl;
    }

    /** The channel sum of a map {@code [C, H, W]} as {@code H * W} values. */
    public static double[] channelSum(Tensor m) {
        Shape s = m.shape();
        if (s.rank() != 3) {
            throw new IllegalArgumentException("maps must be [C, H, W], got " + s);
        }
        int c = s.dim(0);
        int hw = s.dim(1) * s.dim(2);
        double[] out = new double[hw];
        double[] d = m.data();
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < hw; i++) {
                out[i] += d[k * hw + i];
            }
        }
        return out;
    }

    /** {@code max |v|} of the channel-summed map: the end of its symmetric colour scale. */
    public static double scale(Tensor map) {
        double m = 0;
        for (double v : channelSum(map)) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * A signed map {@code [C, H, W]} (channels summed) on the symmetric scale {@code [-m, m]}, {@code m} given
     * (usually {@link #scale(Tensor)}), each pixel a {@code scale x scale} block, with the outline of
     * {@code input} (the image the map belongs to, in {@code [lo, hi]}).
     */
    public static BufferedImage signedTile(Tensor map, double m, Tensor input, double lo, double hi, int scale) {
        Shape s = map.shape();
        double[] a = channelSum(map);
        int h = s.dim(1);
        int w = s.dim(2);
        BufferedImage img = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                fill(img, x, y, scale, diverging(a[y * w + x], m));
            }
        }
        outline(img, input, lo, hi, scale);
        return img;
    }

    /** The input (grey or RGB), the domain {@code [lo, hi]} mapped to black..white. */
    public static BufferedImage imageTile(Tensor x, double lo, double hi, int scale) {
        return Panels.image(x, lo, hi, scale);
    }

    /**
     * Draws the outline of {@code input} over {@code img}: a line along each cell edge between two pixels on
     * different sides of {@code lo + OUTLINE_LEVEL (hi - lo)} (channel mean for colour images).
     */
    static void outline(BufferedImage img, Tensor input, double lo, double hi, int scale) {
        Shape s = input.shape();
        int c = s.dim(0);
        int h = s.dim(1);
        int w = s.dim(2);
        double[] mean = channelSum(input);
        double level = c * (lo + OUTLINE_LEVEL * (hi - lo));
        boolean[] in = new boolean[h * w];
        for (int i = 0; i < in.length; i++) {
            in[i] = mean[i] >= level;
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (x + 1 < w && in[y * w + x] != in[y * w + x + 1]) {
                    for (int d = 0; d < scale; d++) {
                        img.setRGB((x + 1) * scale - (scale > 2 ? 1 : 0), y * scale + d, OUTLINE);
                    }
                }
                if (y + 1 < h && in[y * w + x] != in[(y + 1) * w + x]) {
                    for (int d = 0; d < scale; d++) {
                        img.setRGB(x * scale + d, (y + 1) * scale - (scale > 2 ? 1 : 0), OUTLINE);
                    }
                }
            }
        }
    }

    private static void fill(BufferedImage img, int x, int y, int scale, int rgb) {
        for (int dy = 0; dy < scale; dy++) {
            for (int dx = 0; dx < scale; dx++) {
                img.setRGB(x * scale + dx, y * scale + dy, rgb);
            }
        }
    }

    /** The pixel scale giving tiles of about 224 pixels ({@code 8} for 28x28). */
    public static int tileScale(Shape image) {
        int side = Math.max(image.dim(1), image.dim(2));
        return Math.max(1, (int) Math.round(224.0 / side));
    }
}
