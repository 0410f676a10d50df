package org.lde.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Line plots as PNG, drawn with {@code java.awt} into an off-screen {@link BufferedImage} (no
 * display needed; works headless). Used for the MoRF curves of {@code lde evaluate}: one line per
 * method, x = removal step {@code k = 0..L}, y = mean {@code p_y(x_k)}.
 */
public final class Plots {
    /**
     * Twenty line colours, pairwise at least 93 apart in the "redmean" RGB distance: Tableau's ten,
     * then ten of Kelly's colours of maximum contrast, each chosen greedily as the farthest from those
     * before it. {@code lde evaluate} draws 15 methods; more than 20 series get generated colours and
     * dashed lines (see {@link #colours(int)}).
     */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
        new Color(0xa1caf1), new Color(0x222222), new Color(0xc2b280), new Color(0x882d17), new Color(0x604e97),
        new Color(0xf99379), new Color(0x008856), new Color(0xf3c300), new Color(0xe25822), new Color(0x8db600)};

    /**
     * {@code n} pairwise different colours for {@code n} series: the fixed palette first, then hues
     * stepped by the golden angle at three brightness levels, skipping any colour already taken.
     * (Series beyond the palette are also drawn dashed, see {@link #render}.)
     */
    public static List<Color> colours(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("number of colours must be >= 0, got " + n);
        }
        List<Color> out = new ArrayList<>(n);
        java.util.Set<Integer> taken = new java.util.HashSet<>();
        for (int i = 0; i < Math.min(n, PALETTE.length); i++) {
            out.add(PALETTE[i]);
            taken.add(PALETTE[i].getRGB());
        }
        for (int k = 0; out.size() < n; k++) {
            float hue = (float) ((k * 0.6180339887498949) % 1.0);
            float brightness = new float[] {0.85f, 0.6f, 0.4f}[k % 3];
            Color c = Color.getHSBColor(hue, 0.75f, brightness);
            if (taken.add(c.getRGB())) {
                out.add(c);
            }
        }
        return out;
    }

    private Plots() {
    }

    /** A titled plot of named series over a common x axis. */
    public record LinePlot(String title, String xLabel, String yLabel, double[] x, Map<String, double[]> series) {
        public LinePlot {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(xLabel, "xLabel");
            Objects.requireNonNull(yLabel, "yLabel");
            x = x.clone();
            if (x.length < 2) {
                throw new IllegalArgumentException("a line plot needs at least 2 x values, got " + x.length);
            }
            if (series.isEmpty()) {
                throw new IllegalArgumentException("a line plot needs at least one series");
            }
            Map<String, double[]> copy = new LinkedHashMap<>();
            for (Map.Entry<String, double[]> e : series.entrySet()) {
                if (e.getValue().length != x.length) {
                    throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().length
                            + " values for " + x.length + " x values");
                }
                for (double v : e.getValue()) {
                    if (!Double.isFinite(v)) {
                        throw new IllegalArgumentException("series '" + e.getKey() + "' contains " + v);
                    }
                }
                copy.put(e.getKey(), e.getValue().clone());
            }
            series = java.util.Collections.unmodifiableMap(copy);
        }

        @Override
        public double[] x() {
            return x.clone();
        }
    }

    /** Renders the plot ({@code width x height} pixels). */
    public static BufferedImage render(LinePlot plot, int width, int height) {
        if (width < 200 || height < 150) {
            throw new IllegalArgumentException("plot size " + width + "x" + height + " is too small (>= 200x150)");
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int left = 60;
            int right = 190;
            int top = 30;
            int bottom = 45;
            int pw = width - left - right;
            int ph = height - top - bottom;
            double[] xs = plot.x();
            double x0 = xs[0];
            double x1 = xs[xs.length - 1];
            double y0 = Double.POSITIVE_INFINITY;
            double y1 = Double.NEGATIVE_INFINITY;
            for (double[] s : plot.series().values()) {
                for (double v : s) {
                    y0 = Math.min(y0, v);
                    y1 = Math.max(y1, v);
                }
            }
            if (y1 - y0 < 1e-12) {
                y0 -= 0.5;
                y1 += 0.5;
            }
            double pad = 0.05 * (y1 - y0);
            y0 -= pad;
            y1 += pad;
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(plot.title(), left, 18);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawRect(left, top, pw, ph);
            for (int t = 0; t <= 4; t++) {
                double yv = y0 + (y1 - y0) * t / 4;
                int py = top + ph - (int) Math.round(ph * (yv - y0) / (y1 - y0));
                g.setColor(new Color(0xdddddd));
                g.drawLine(left + 1, py, left + pw - 1, py);
                g.setColor(Color.BLACK);
                g.drawString(String.format("%.3f", yv), 8, py + 4);
                double xv = x0 + (x1 - x0) * t / 4;
                int px = left + (int) Math.round(pw * (xv - x0) / (x1 - x0));
                g.drawString(String.format("%.3g", xv), px - 8, top + ph + 15);
            }
            g.drawString(plot.xLabel(), left + pw / 2 - 40, height - 10);
            g.drawString(plot.yLabel(), 8, top - 8 < 12 ? 12 : top - 8);
            int idx = 0;
            List<Color> colours = colours(plot.series().size());
            BasicStroke solid = new BasicStroke(2f);
            BasicStroke dashed = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
            for (Map.Entry<String, double[]> e : plot.series().entrySet()) {
                Color col = colours.get(idx);
                g.setColor(col);
                g.setStroke(idx < PALETTE.length ? solid : dashed);
                double[] s = e.getValue();
                List<int[]> pts = new ArrayList<>();
                for (int k = 0; k < s.length; k++) {
                    int px = left + (int) Math.round(pw * (xs[k] - x0) / (x1 - x0));
                    int py = top + ph - (int) Math.round(ph * (s[k] - y0) / (y1 - y0));
                    pts.add(new int[] {px, py});
                }
                for (int k = 1; k < pts.size(); k++) {
                    g.drawLine(pts.get(k - 1)[0], pts.get(k - 1)[1], pts.get(k)[0], pts.get(k)[1]);
                }
                int ly = top + 12 + idx * 16;
                // the legend swatch: a filled 20x4 bar (two short bars for a dashed series)
                if (idx < PALETTE.length) {
                    g.fillRect(left + pw + 10, ly - 6, 20, 4);
                } else {
                    g.fillRect(left + pw + 10, ly - 6, 8, 4);
                    g.fillRect(left + pw + 22, ly - 6, 8, 4);
                }
                g.setColor(Color.BLACK);
                g.drawString(e.getKey(), left + pw + 35, ly);
                idx++;
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders the plot at 760 x 420 pixels and writes it as a PNG file. */
    public static void writePng(LinePlot plot, Path file) {
        BufferedImage img = render(plot, 760, 420);
        PngImages.writeAtomically(img, file);
    }
}
