package org.lde.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.lde.explain.AttributionKind;
import org.lde.explain.Certificate;
import org.lde.explain.Explanation;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * A PNG panel per explanation, four tiles side by side with a title each and the certificate below
 * (the interval {@code r_lo <= r_true <= r_hi} and the linearized {@code r_lin}, see {@link CertificateText}):
 * <ol>
 *   <li>the input (grey or RGB, the data domain {@code [lo, hi]} mapped to black..white), titled with the
 *       predicted class (and the true label when known);</li>
 *   <li>the attribution map and</li>
 *   <li>the perturbation map {@code delta*}, each on the {@link Colormap} diverging scale symmetric around 0
 *       (blue negative, white 0, red positive, the ends at {@code -m, +m}, {@code m = max |v|} stated in the
 *       tile's subtitle), with the input's outline (channels summed);</li>
 *   <li>the verified adversarial input with its class, or a grey tile marked "none verified".</li>
 * </ol>
 * Images must be {@code [1, H, W]} or {@code [3, H, W]}; each pixel is drawn as a {@code scale x scale}
 * block (nearest neighbour). Rendering is headless ({@code java.awt.headless=true} is set if unset).
 *
 * <p>These panels stay pixel images drawn here, not JFreeChart charts: a map is an image with one block per input
 * pixel, not a plot of data over axes, and a chart library would draw the same blocks (JFreeChart's
 * {@code XYBlockRenderer}) with axes and margins a heat map of an image does not want. The charts of the report
 * (colour bars, probabilities, the interval line) are JFreeChart's, see {@link Charts}.
 */
public final class Panels {
    private static final int PAD = 8;
    private static final int TITLE = 30;
    private static final int FOOT_LINE = 14;

    private Panels() {
    }

    /** The pixel scale giving tiles of about 112 pixels ({@code 4} for 28x28). */
    public static int defaultScale(Shape image) {
        int side = Math.max(image.dim(1), image.dim(2));
        return Math.max(1, (int) Math.round(112.0 / side));
    }

    /**
     * Draws the panel of one explanation.
     *
     * @param x          the input {@code [C, H, W]}
     * @param lo         lower end of the data domain
     * @param hi         upper end of the data domain
     * @param classNames the network's class names
     * @param label      the true label, {@code -1} when unknown
     * @param kind       which attribution map to draw in tile 2
     */
    public static BufferedImage render(Tensor x, double lo, double hi, List<String> classNames, int label, Explanation e,
                                       AttributionKind kind, int scale) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        Shape s = x.shape();
        if (s.rank() != 3 || (s.dim(0) != 1 && s.dim(0) != 3)) {
            throw new IllegalArgumentException("panels need images [1, H, W] or [3, H, W], got " + s);
        }
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be >= 1, got " + scale);
        }
        int h = s.dim(1) * scale;
        int w = s.dim(2) * scale;
        int tileW = Math.max(w, 130);
        int width = PAD + 4 * (tileW + PAD);
        int footLines = 3;
        int height = PAD + TITLE + h + PAD + footLines * FOOT_LINE + PAD;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            String pred = classNames.get(e.predictedClass());
            String[] titles = {label >= 0 ? "input, label " + classNames.get(label) : "input", kindTitle(kind),
                "perturbation delta*", "verified adversarial"};
            Tensor attribution = e.attribution(kind);
            double mAttr = Colormap.scale(attribution);
            double mDelta = Colormap.scale(e.delta());
            String[] subtitles = {"pred " + pred,
                "\u00b1" + CertificateText.num(mAttr) + " red+ blue-",
                "\u00b1" + CertificateText.num(mDelta) + " red+ blue-",
                e.adversarial().map(v -> "class " + classNames.get(v.outputClass())).orElse("none verified")};
            int top = PAD + TITLE;
            for (int k = 0; k < 4; k++) {
                int left = PAD + k * (tileW + PAD) + (tileW - w) / 2;
                g.setColor(Color.BLACK);
                g.drawString(fit(g, titles[k], tileW), PAD + k * (tileW + PAD), PAD + 11);
                g.drawString(fit(g, subtitles[k], tileW), PAD + k * (tileW + PAD), PAD + 25);
                BufferedImage tile;
                switch (k) {
                    case 0:
                        tile = image(x, lo, hi, scale);
                        break;
                    case 1:
                        tile = Colormap.signedTile(attribution, mAttr, x, lo, hi, scale);
                        break;
                    case 2:
                        tile = Colormap.signedTile(e.delta(), mDelta, x, lo, hi, scale);
                        break;
                    default:
                        tile = e.adversarial().map(v -> image(v.input(), lo, hi, scale)).orElse(null);
                        break;
                }
                if (tile == null) {
                    g.setColor(new Color(230, 230, 230));
                    g.fillRect(left, top, w, h);
                    g.setColor(Color.DARK_GRAY);
                    g.drawString("none verified", left + 4, top + h / 2);
                } else {
                    g.drawImage(tile, left, top, null);
                }
            }
            Certificate c = e.certificate();
            String l1 = String.format(Locale.ROOT, "%s %s %s  nearest/target %s  stop %s  outer %d  forward %d  reverse %d",
                    e.perturbation(), e.mode(), e.objective(), classNames.get(e.chosenClass()), e.stopReason(),
                    e.outerIterations(), e.forwardPasses(), e.reversePasses());
            String l2 = CertificateText.interval(c);
            String l3 = CertificateText.linearized(e);
            g.setColor(Color.BLACK);
            int y0 = top + h + PAD + 11;
            g.drawString(fit(g, l1, width - 2 * PAD), PAD, y0);
            g.drawString(fit(g, l2, width - 2 * PAD), PAD, y0 + FOOT_LINE);
            g.drawString(fit(g, l3, width - 2 * PAD), PAD, y0 + 2 * FOOT_LINE);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders and writes the panel as PNG. */
    public static void write(BufferedImage panel, Path file) {
        PngImages.writeAtomically(panel, file);
    }

    static String kindTitle(AttributionKind k) {
        switch (k) {
            case MARGIN_CONTRIBUTION:
                return "margin contribution a*t";
            case PERTURBATION:
                return "perturbation (attribution)";
            case SHADOW_PRICE:
                return "shadow prices nu";
            case PATH:
                return "path attribution";
            case DUAL_CONTRIBUTION:
            default:
                return "dual contribution";
        }
    }

    private static String fit(Graphics2D g, String s, int width) {
        String out = s;
        while (out.length() > 4 && g.getFontMetrics().stringWidth(out) > width) {
            out = out.substring(0, out.length() - 2);
        }
        return out.equals(s) ? s : out + "…";
    }

    private static int grey(double v, double lo, double hi) {
        double u = (v - lo) / (hi - lo);
        // Display only: values outside the domain (none for valid inputs) are drawn at the nearest end.
        return (int) Math.round(255 * Math.max(0, Math.min(1, u)));
    }

    static BufferedImage image(Tensor x, double lo, double hi, int scale) {
        Shape s = x.shape();
        int c = s.dim(0);
        int h = s.dim(1);
        int w = s.dim(2);
        BufferedImage img = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        double[] d = x.data();
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int r = grey(d[y * w + xx], lo, hi);
                int gg = c == 3 ? grey(d[(h + y) * w + xx], lo, hi) : r;
                int b = c == 3 ? grey(d[(2 * h + y) * w + xx], lo, hi) : r;
                fill(img, xx, y, scale, (r << 16) | (gg << 8) | b);
            }
        }
        return img;
    }

    private static void fill(BufferedImage img, int x, int y, int scale, int rgb) {
        for (int dy = 0; dy < scale; dy++) {
            for (int dx = 0; dx < scale; dx++) {
                img.setRGB(x * scale + dx, y * scale + dy, rgb);
            }
        }
    }
}
