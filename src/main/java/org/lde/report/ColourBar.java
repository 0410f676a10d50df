package org.lde.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;

/**
 * The colour bar of a signed map: JFreeChart's {@link PaintScaleLegend} with the {@link Colormap} diverging scale from
 * {@code -m} to {@code +m} and a number axis under it (JFreeChart picks the ticks), drawn on its own (no plot) into a
 * PNG at {@link Charts#SCALE} times the nominal {@link #WIDTH} x {@link #HEIGHT}. The page states {@code m} in words
 * under the bar, since the axis' round ticks need not include the ends.
 */
final class ColourBar {
    static final int WIDTH = 224;
    static final int HEIGHT = 40;

    private ColourBar() {
    }

    /** The diverging {@link Colormap} on {@code [-m, m]} as a JFreeChart paint scale. */
    record Diverging(double m) implements PaintScale {
        @Override
        public double getLowerBound() {
            return -m;
        }

        @Override
        public double getUpperBound() {
            return m;
        }

        @Override
        public Paint getPaint(double value) {
            return new Color(Colormap.diverging(value, m));
        }
    }

    /** The legend for the symmetric scale {@code [-m, m]}, {@code m > 0}. */
    static PaintScaleLegend legend(double m) {
        if (!(m > 0 && Double.isFinite(m))) {
            throw new IllegalArgumentException("a colour bar needs a finite scale m > 0, got " + m);
        }
        NumberAxis axis = Charts.numberAxis(null);
        axis.setRange(-m, m);
        axis.setTickLabelFont(Charts.font(Font.PLAIN, 10));
        PaintScaleLegend legend = new PaintScaleLegend(new Diverging(m), axis);
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        legend.setStripWidth(12);
        legend.setStripOutlineVisible(true);
        legend.setSubdivisionCount(WIDTH * Charts.SCALE);
        legend.setAxisOffset(0);
        legend.setFrame(BlockBorder.NONE);
        legend.setMargin(new RectangleInsets(2, 8, 0, 8));
        legend.setPadding(RectangleInsets.ZERO_INSETS);
        legend.setBackgroundPaint(Color.WHITE);
        return legend;
    }

    /** The bar's image for the symmetric scale {@code [-m, m]}, {@code m > 0}. */
    static BufferedImage image(double m) {
        PaintScaleLegend legend = legend(m);
        return Charts.draw(WIDTH, HEIGHT, g -> legend.draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT)));
    }

    /** The HTML under a tile: the bar's image and {@code m} in words ({@code m = 0}: a flat map, said in words). */
    static String html(String file, double m) {
        if (!(m > 0)) {
            return "<div class=\"s\">the map is 0 everywhere</div>";
        }
        return "<img class=\"colourbar\" src=\"" + file + "\" width=\"" + WIDTH + "\" height=\"" + HEIGHT
                + "\" alt=\"colour scale from -" + CertificateText.num(m) + " to " + CertificateText.num(m) + "\">"
                + "<div class=\"m\">scale -m .. +m, m = " + CertificateText.num(m) + "</div>";
    }
}
