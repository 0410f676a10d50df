package org.lde.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.nio.file.Path;
import java.util.Optional;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.lde.explain.Certificate;

/**
 * The certificate drawn on a number line by JFreeChart: the axis from 0 in the norm of {@code delta}; the certified
 * radius {@code r_lo} (a green marker, when computed); the verified upper bound {@code r_hi} (a red marker, the size
 * of the point a float64 forward pass tested); the band where {@code r_true} lies ({@code [r_lo, r_hi]},
 * {@code [0, r_hi]} without {@code r_lo}, {@code [r_lo, ...)} without {@code r_hi}); and, when it shares their norm
 * (additive model), the linearized {@code r_lin} as a hollow grey point below them, labelled local. Nothing else is
 * drawn as a bound. The line is an {@link XYPlot} whose vertical axis is hidden ({@code [0, 1]}, used only to place
 * the labels); the markers are JFreeChart {@link ValueMarker}s and an {@link IntervalMarker}.
 */
public final class IntervalLine {
    /** Nominal size of the PNG (it has {@link Charts#SCALE} times as many pixels). */
    static final int WIDTH = 520;
    static final int HEIGHT = 130;
    static final Color LO = new Color(0x1a7f37);
    static final Color HI = new Color(0xb2182b);
    static final Color BAND = new Color(0xfbe3d6);
    static final Color LIN = new Color(0x777777);

    private IntervalLine() {
    }

    /**
     * The HTML of the line: an {@code <img>} of {@code dir/file} (written here) with the interval in words as its
     * alternative text, or, when there is nothing to draw (no bound computed, or all of them 0), that sentence alone.
     *
     * @param comparable whether {@code r_lin} is in the same norm as {@code r_lo, r_hi} (the additive model);
     *                   otherwise it is left off the line (the text below the line states it)
     */
    public static String html(Certificate c, boolean comparable, Path dir, String file) {
        Optional<JFreeChart> chart = chart(c, comparable);
        if (chart.isEmpty()) {
            return "<div class=\"interval\">" + HtmlIndex.esc(nothing(c)) + "</div>";
        }
        PngImages.writeAtomically(Charts.render(chart.get(), WIDTH, HEIGHT, null), dir.resolve(file));
        return "<img class=\"interval\" src=\"" + file + "\" width=\"" + WIDTH + "\" height=\"" + HEIGHT + "\" alt=\""
                + HtmlIndex.esc(CertificateText.interval(c)) + "\">";
    }

    /** The sentence shown instead of a line when nothing is drawn. */
    static String nothing(Certificate c) {
        return c.verified() ? "r_hi = 0: x itself already reaches the goal (its decision is already not the explained one, "
                + "or already the target); nothing to change" : "nothing to draw: none verified"
                + (c.rLoComputed() ? ", r_lo = 0" : ", r_lo not computed");
    }

    /** The largest value drawn ({@code 0}: nothing to draw). */
    static double max(Certificate c, boolean comparable) {
        double max = 0;
        if (c.rLoComputed()) {
            max = Math.max(max, c.rLo());
        }
        if (c.verified()) {
            max = Math.max(max, c.rHi());
        }
        if (comparable && Double.isFinite(c.rLin())) {
            max = Math.max(max, c.rLin());
        }
        return max;
    }

    /** The line as a JFreeChart chart (axis from 0 to {@code 1.15} times the largest value), or empty. */
    static Optional<JFreeChart> chart(Certificate c, boolean comparable) {
        boolean lo = c.rLoComputed();
        boolean hi = c.verified();
        boolean lin = comparable && Double.isFinite(c.rLin());
        double max = max(c, comparable);
        if (!(max > 0)) {
            return Optional.empty();
        }
        double range = 1.15 * max;
        XYSeriesCollection points = new XYSeriesCollection();
        XYSeries linPoint = new XYSeries("r_lin");
        if (lin) {
            linPoint.add(c.rLin(), 0.12);
        }
        points.addSeries(linPoint);
        NumberAxis axis = Charts.numberAxis("||delta||_" + normName(c));
        axis.setRange(0, range);
        axis.setLabelFont(Charts.font(Font.PLAIN, 12));
        axis.setTickLabelFont(Charts.font(Font.PLAIN, 11));
        NumberAxis hidden = new NumberAxis();
        hidden.setRange(0, 1);
        hidden.setVisible(false);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        r.setSeriesShape(0, new Ellipse2D.Double(-4, -4, 8, 8));
        r.setUseFillPaint(true);
        r.setSeriesFillPaint(0, Color.WHITE);
        r.setUseOutlinePaint(true);
        r.setSeriesOutlinePaint(0, LIN);
        r.setSeriesOutlineStroke(0, new BasicStroke(1.5f));
        r.setDrawOutlines(true);
        XYPlot plot = new XYPlot(points, axis, hidden, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlineVisible(false);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        if (lo || hi) {
            double from = lo ? c.rLo() : 0;
            double to = hi ? c.rHi() : range;
            IntervalMarker band = new IntervalMarker(from, to, BAND);
            band.setAlpha(1f); // opaque: the band's colour is BAND (JFreeChart's default is 0.8)
            plot.addDomainMarker(band, Layer.BACKGROUND);
            String text = hi ? (lo ? "r_true lies here" : "r_true in [0, r_hi]") : "r_true >= r_lo (no upper bound: none verified)";
            plot.addAnnotation(label(text, from, 0.3, true, new Color(0x7a3b1f), 12));
        }
        if (lo) {
            plot.addDomainMarker(marker(c.rLo(), LO), Layer.FOREGROUND);
            boolean right = c.rLo() < 0.3 * range;
            plot.addAnnotation(label("r_lo " + CertificateText.num(c.rLo()) + " certified", c.rLo(), 0.62, right, LO, 13));
        } else {
            plot.addAnnotation(label("r_lo not computed (--certify)", 0, 0.62, true, LIN, 12));
        }
        if (hi) {
            plot.addDomainMarker(marker(c.rHi(), HI), Layer.FOREGROUND);
            boolean right = c.rHi() < 0.5 * range;
            plot.addAnnotation(label("r_hi " + CertificateText.num(c.rHi()) + " verified (the tested point)", c.rHi(), 0.86,
                    right, HI, 13));
        }
        if (lin) {
            boolean right = c.rLin() < 0.5 * range;
            plot.addAnnotation(label("r_lin " + CertificateText.num(c.rLin()) + " (linearized, local; not a bound)", c.rLin(),
                    0.06, right, LIN, 12));
        }
        JFreeChart chart = new JFreeChart(null, Charts.font(Font.PLAIN, 12), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        chart.setPadding(new RectangleInsets(2, 8, 2, 12));
        return Optional.of(chart);
    }

    private static ValueMarker marker(double v, Color colour) {
        return new ValueMarker(v, colour, new BasicStroke(3f));
    }

    /** A text at {@code (x, y)}, starting right of {@code x} ({@code right}) or ending left of it. */
    private static XYTextAnnotation label(String text, double x, double y, boolean right, Color colour, int size) {
        XYTextAnnotation a = new XYTextAnnotation((right ? " " : "") + text + (right ? "" : " "), x, y);
        a.setTextAnchor(right ? TextAnchor.BASELINE_LEFT : TextAnchor.BASELINE_RIGHT);
        a.setFont(Charts.font(Font.PLAIN, size));
        a.setPaint(colour);
        return a;
    }

    private static String normName(Certificate c) {
        switch (c.norm()) {
            case LINF:
                return "inf";
            case L1:
                return "1";
            case L2:
            default:
                return "2";
        }
    }
}
