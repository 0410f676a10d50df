package org.lde.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Horizontal bar charts as PNG (java.awt, headless), e.g. the time per explanation of each method: one bar
 * per label, length proportional to the value on a linear axis from 0, the value printed at the bar's end.
 */
public final class BarChart {
    private BarChart() {
    }

    /** A titled chart: labels to values (finite, {@code >= 0}), drawn in the map's order. */
    public record Bars(String title, String unit, Map<String, Double> values) {
        public Bars {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(unit, "unit");
            if (values.isEmpty()) {
                throw new IllegalArgumentException("a bar chart needs at least one bar");
            }
            for (Map.Entry<String, Double> e : values.entrySet()) {
                if (e.getValue() == null || !Double.isFinite(e.getValue()) || e.getValue() < 0) {
                    throw new IllegalArgumentException("bar '" + e.getKey() + "' has the value " + e.getValue()
                            + "; bars need finite values >= 0");
                }
            }
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }
    }

    /** Renders {@code bars} {@code width} pixels wide, 28 pixels per bar. */
    public static BufferedImage render(Bars bars, int width) {
        int n = bars.values().size();
        int top = 34;
        int left = 230;
        int right = 110;
        int height = top + 28 * n + 20;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(bars.title(), 8, 18);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            double max = bars.values().values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double scale = max > 0 ? (width - left - right) / max : 0;
            int i = 0;
            java.util.List<Color> colours = Charts.colours(1);
            for (Map.Entry<String, Double> e : bars.values().entrySet()) {
                int y = top + 28 * i;
                g.setColor(Color.BLACK);
                g.drawString(e.getKey(), 8, y + 15);
                int w = (int) Math.round(e.getValue() * scale);
                g.setColor(colours.get(0));
                g.fillRect(left, y + 4, Math.max(1, w), 16);
                g.setColor(Color.BLACK);
                g.drawString(String.format(Locale.ROOT, "%.3g %s", e.getValue(), bars.unit()), left + w + 6, y + 16);
                i++;
            }
            g.drawLine(left, top, left, top + 28 * n);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders at 760 pixels wide and writes a PNG file. */
    public static void writePng(Bars bars, Path file) {
        PngImages.writeAtomically(render(bars, 760), file);
    }
}
