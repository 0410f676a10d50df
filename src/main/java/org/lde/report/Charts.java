package org.lde.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * Line charts of the report and of {@code lde evaluate}, drawn by JFreeChart ({@code org.jfree:jfreechart})
 * off screen (headless; no display needed) and written as PNG.
 *
 * <p>A chart has named series {@code (x_i, y_i)}, each optionally with a confidence interval
 * {@code [lower_i, upper_i]} (with {@code lower_i <= y_i <= upper_i}) drawn as a shaded band or as error bars;
 * axis labels with units ({@code "label [unit]"}); a title; linear or logarithmic axes. Series colours come from
 * {@link #colours(int)}: the first eight are Okabe and Ito's colour-blind-safe palette, and from the eighth series on
 * every line is also dashed and every series has its own marker shape, so series stay apart without colour vision.
 *
 * <p>PNG only: JFreeChart 1.5 writes SVG through the separate JFreeSVG library, which this project does not depend
 * on. Instead the PNG is rendered at {@link #SCALE} times the chart's nominal size (a page shows it at the nominal
 * size, sharp on high-density screens). The same data gives the same bytes (no time stamps, fixed fonts, fixed
 * colours).
 *
 * <pre>{@code
 * LineChart c = Charts.lineChart("MoRF")
 *         .xAxis("step k", "patches removed")
 *         .yAxis("mean p_y(x_k)", "probability")
 *         .series("lde", new double[] {0, 1, 2}, new double[] {0.9, 0.4, 0.1})
 *         .series("saliency", new double[] {0, 1, 2}, new double[] {0.9, 0.6, 0.3}, lower, upper)
 *         .build();
 * Charts.writePng(c, Path.of("morf.png"));
 * }</pre>
 */
public final class Charts {
    /** The PNG has {@code SCALE * width x SCALE * height} pixels. */
    public static final int SCALE = 2;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /**
     * Sixteen line colours. The first eight: Okabe and Ito's palette for colour-blind readers ("Color Universal Design",
     * 2008), ordered so that pale yellow comes last; then eight of Paul Tol's "muted" and "dark" colours that are at
     * least {@code 60} apart in the redmean RGB distance from every colour before them (checked in ChartsTest).
     */
    private static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7), new Color(0xE69F00),
        new Color(0x56B4E9), new Color(0x000000), new Color(0xF0E442),
        new Color(0x332288), new Color(0x882255), new Color(0x999933), new Color(0x44AA99), new Color(0xAA4499),
        new Color(0x661100), new Color(0x888888), new Color(0x117733)};

    /** Opacity of a confidence band over the white plot. */
    static final float BAND_ALPHA = 0.18f;

    /** Number of colours of the colour-blind-safe part of the palette (series beyond it are dashed). */
    public static final int SAFE_COLOURS = 8;

    private Charts() {
    }

    /**
     * {@code n} pairwise different colours for {@code n} series: the fixed palette first, then hues stepped by the
     * golden angle at three brightness levels, skipping any colour already taken.
     */
    public static List<Color> colours(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("number of colours must be >= 0, got " + n);
        }
        List<Color> out = new ArrayList<>(n);
        Set<Integer> taken = new HashSet<>();
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

    /** How confidence intervals are drawn. */
    public enum Errors {
        /** A translucent band from {@code lower} to {@code upper} around the line. */
        BAND,
        /** A vertical bar from {@code lower} to {@code upper} at every point. */
        BARS
    }

    /**
     * One named series.
     *
     * @param lower the lower ends of the confidence interval per point, or {@code null} for none
     * @param upper the upper ends, or {@code null} (both or neither)
     */
    public record Series(String name, double[] x, double[] y, double[] lower, double[] upper) {
        public Series {
            Objects.requireNonNull(name, "series name");
            Objects.requireNonNull(x, "x of series '" + name + "'");
            Objects.requireNonNull(y, "y of series '" + name + "'");
            if ((lower == null) != (upper == null)) {
                throw new IllegalArgumentException("series '" + name + "': give both lower and upper interval ends or neither");
            }
            if (x.length == 0) {
                throw new IllegalArgumentException("series '" + name + "' has no points");
            }
            if (y.length != x.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + y.length + " y values for " + x.length
                        + " x values");
            }
            x = finite(name, "x", x, x.length);
            y = finite(name, "y", y, x.length);
            if (lower != null) {
                lower = finite(name, "lower", lower, x.length);
                upper = finite(name, "upper", upper, x.length);
                for (int i = 0; i < x.length; i++) {
                    if (!(lower[i] <= y[i] && y[i] <= upper[i])) {
                        throw new IllegalArgumentException(String.format(Locale.ROOT, "series '%s' point %d: the interval "
                                + "[%s, %s] does not contain y = %s", name, i, lower[i], upper[i], y[i]));
                    }
                }
            }
        }

        static double[] finite(String name, String what, double[] v, int n) {
            if (v.length != n) {
                throw new IllegalArgumentException("series '" + name + "' has " + v.length + " " + what + " values for " + n
                        + " x values");
            }
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i])) {
                    throw new IllegalArgumentException("series '" + name + "' has " + what + "[" + i + "] = " + v[i]
                            + " (a chart takes finite numbers only)");
                }
            }
            return v.clone();
        }

        /** Whether the series has a confidence interval. */
        public boolean hasInterval() {
            return lower != null;
        }

        @Override
        public double[] x() {
            return x.clone();
        }

        @Override
        public double[] y() {
            return y.clone();
        }

        @Override
        public double[] lower() {
            return lower == null ? null : lower.clone();
        }

        @Override
        public double[] upper() {
            return upper == null ? null : upper.clone();
        }
    }

    /** An axis: its label, its unit ({@code ""} for none) and whether it is logarithmic (base 10). */
    public record Axis(String label, String unit, boolean log) {
        public Axis {
            Objects.requireNonNull(label, "axis label");
            Objects.requireNonNull(unit, "axis unit");
        }

        /** {@code "label [unit]"}, or the label alone without a unit. */
        public String text() {
            return unit.isEmpty() ? label : label + " [" + unit + "]";
        }
    }

    /**
     * A line chart; build one with {@link #lineChart(String)}.
     *
     * @param width  nominal width (the PNG has {@link #SCALE} times as many pixels)
     * @param height nominal height
     */
    public record LineChart(String title, Axis x, Axis y, List<Series> series, Errors errors, int width, int height) {
        public LineChart {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(x, "x axis");
            Objects.requireNonNull(y, "y axis");
            Objects.requireNonNull(errors, "errors");
            series = List.copyOf(series);
            if (series.isEmpty()) {
                throw new IllegalArgumentException("chart '" + title + "' has no series");
            }
            Set<String> names = new HashSet<>();
            for (Series s : series) {
                if (!names.add(s.name())) {
                    throw new IllegalArgumentException("chart '" + title + "' has two series named '" + s.name() + "'");
                }
                if (x.log()) {
                    positive(title, s, "x", s.x);
                }
                if (y.log()) {
                    positive(title, s, "y", s.y);
                    if (s.hasInterval()) {
                        positive(title, s, "lower", s.lower);
                    }
                }
            }
            if (width < 200 || height < 150) {
                throw new IllegalArgumentException("chart size " + width + "x" + height + " is too small (at least 200x150)");
            }
        }

        private static void positive(String title, Series s, String what, double[] v) {
            for (int i = 0; i < v.length; i++) {
                if (!(v[i] > 0)) {
                    throw new IllegalArgumentException("chart '" + title + "' has a logarithmic axis but series '" + s.name()
                            + "' has " + what + "[" + i + "] = " + v[i] + " (a log axis takes values > 0 only)");
                }
            }
        }
    }

    /** Starts a line chart with the given title (axes unlabelled, bands for intervals, 760 x 420). */
    public static Builder lineChart(String title) {
        return new Builder(title);
    }

    /** Builder of a {@link LineChart}. */
    public static final class Builder {
        private final String title;
        private Axis x = new Axis("x", "", false);
        private Axis y = new Axis("y", "", false);
        private final List<Series> series = new ArrayList<>();
        private Errors errors = Errors.BAND;
        private int width = 760;
        private int height = 420;

        private Builder(String title) {
            this.title = title;
        }

        /** The x axis' label and unit ({@code ""} for none), linear. */
        public Builder xAxis(String label, String unit) {
            x = new Axis(label, unit, x.log());
            return this;
        }

        /** The y axis' label and unit ({@code ""} for none), linear. */
        public Builder yAxis(String label, String unit) {
            y = new Axis(label, unit, y.log());
            return this;
        }

        /** A logarithmic (base 10) x axis; every x must then be {@code > 0}. */
        public Builder logX(boolean log) {
            x = new Axis(x.label(), x.unit(), log);
            return this;
        }

        /** A logarithmic (base 10) y axis; every y and lower interval end must then be {@code > 0}. */
        public Builder logY(boolean log) {
            y = new Axis(y.label(), y.unit(), log);
            return this;
        }

        /** Adds a series without a confidence interval. */
        public Builder series(String name, double[] xs, double[] ys) {
            series.add(new Series(name, xs, ys, null, null));
            return this;
        }

        /** Adds a series with the confidence interval {@code [lower_i, upper_i]} at each point. */
        public Builder series(String name, double[] xs, double[] ys, double[] lower, double[] upper) {
            series.add(new Series(name, xs, ys, lower, upper));
            return this;
        }

        /** How intervals are drawn (default {@link Errors#BAND}). */
        public Builder errors(Errors e) {
            errors = e;
            return this;
        }

        /** Nominal size (default 760 x 420; the PNG has {@link #SCALE} times as many pixels each way). */
        public Builder size(int w, int h) {
            width = w;
            height = h;
            return this;
        }

        public LineChart build() {
            return new LineChart(title, x, y, series, errors, width, height);
        }
    }

    /**
     * A horizontal bar chart: one group of bars per category (top to bottom in the given order), one bar per series in
     * each group, each bar labelled with its value; the value axis runs over {@code [min, max]}.
     *
     * @param series the bar lengths by series name, each with one value per category
     * @param format the {@link java.text.DecimalFormat} pattern of the bar labels, e.g. {@code "0.000"}
     */
    public record BarChart(String title, Axis value, double min, double max, List<String> categories,
                           Map<String, double[]> series, String format, int width, int height) {
        public BarChart {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(value, "value axis");
            Objects.requireNonNull(format, "format");
            categories = List.copyOf(categories);
            if (categories.isEmpty()) {
                throw new IllegalArgumentException("bar chart '" + title + "' has no categories");
            }
            if (new HashSet<>(categories).size() != categories.size()) {
                throw new IllegalArgumentException("bar chart '" + title + "' repeats a category: " + categories);
            }
            if (series.isEmpty()) {
                throw new IllegalArgumentException("bar chart '" + title + "' has no series");
            }
            if (!(Double.isFinite(min) && Double.isFinite(max) && min < max) || value.log()) {
                throw new IllegalArgumentException("bar chart '" + title + "': the value axis must be linear over a finite "
                        + "[min, max] with min < max, got [" + min + ", " + max + "]");
            }
            Map<String, double[]> copy = new LinkedHashMap<>();
            for (Map.Entry<String, double[]> e : series.entrySet()) {
                Series.finite(e.getKey(), "value", e.getValue(), categories.size());
                for (int i = 0; i < e.getValue().length; i++) {
                    double v = e.getValue()[i];
                    if (v < min || v > max) {
                        throw new IllegalArgumentException("bar chart '" + title + "': series '" + e.getKey() + "' has value["
                                + i + "] = " + v + " outside the axis [" + min + ", " + max + "]");
                    }
                }
                copy.put(e.getKey(), e.getValue().clone());
            }
            series = Collections.unmodifiableMap(copy);
            if (width < 150 || height < 100) {
                throw new IllegalArgumentException("chart size " + width + "x" + height + " is too small (at least 150x100)");
            }
        }
    }

    /**
     * The JFreeChart chart of {@code c}: a horizontal {@link org.jfree.chart.plot.CategoryPlot} whose dataset has the
     * series as rows and the categories as columns, in order.
     */
    public static JFreeChart jfree(BarChart c) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, double[]> e : c.series().entrySet()) {
            for (int i = 0; i < c.categories().size(); i++) {
                data.addValue(e.getValue()[i], e.getKey(), c.categories().get(i));
            }
        }
        CategoryAxis cats = new CategoryAxis(null);
        cats.setTickLabelFont(font(Font.PLAIN, 11));
        cats.setCategoryMargin(0.25);
        cats.setLowerMargin(0.02);
        cats.setUpperMargin(0.02);
        NumberAxis values = numberAxis(c.value().text());
        values.setLabelFont(font(Font.PLAIN, 11));
        values.setTickLabelFont(font(Font.PLAIN, 10));
        values.setRange(c.min(), c.max());
        BarRenderer r = new BarRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.05);
        r.setMaximumBarWidth(0.2);
        r.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}",
                new DecimalFormat(c.format(), DecimalFormatSymbols.getInstance(Locale.ROOT))));
        r.setDefaultItemLabelsVisible(true);
        r.setDefaultItemLabelFont(font(Font.PLAIN, 10));
        r.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(
                ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        List<Color> colours = colours(c.series().size());
        for (int i = 0; i < colours.size(); i++) {
            r.setSeriesPaint(i, colours.get(i));
        }
        CategoryPlot plot = new CategoryPlot(data, cats, values, r);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(new Color(0x888888));
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        JFreeChart chart = new JFreeChart(null, font(Font.BOLD, 12), plot, c.series().size() > 1);
        chart.setTitle(new TextTitle(c.title(), font(Font.BOLD, 12)));
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(font(Font.PLAIN, 11));
            chart.getLegend().setFrame(BlockBorder.NONE);
        }
        return chart;
    }

    /** Writes {@code c} as a PNG file ({@link #SCALE} times its nominal size), atomically. */
    public static void writePng(BarChart c, Path file) {
        PngImages.writeAtomically(render(jfree(c), c.width(), c.height(), null), file);
    }

    /** A number axis whose tick labels do not depend on the default locale (a decimal point everywhere). */
    static NumberAxis numberAxis(String label) {
        NumberAxis a = new NumberAxis(label);
        a.setStandardTickUnits(NumberAxis.createStandardTickUnits(Locale.ROOT));
        return a;
    }

    /** The chart's font (DejaVu Sans where installed; Java's logical sans-serif otherwise). */
    static Font font(int style, int size) {
        return new Font(Font.SANS_SERIF, style, size);
    }

    /** The dash pattern of series {@code i}: solid for the colour-blind-safe colours, then cycling dash patterns. */
    static Stroke stroke(int i) {
        if (i < SAFE_COLOURS) {
            return new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
        }
        float[][] dashes = {{7f, 4f}, {2f, 3f}, {9f, 3f, 2f, 3f}};
        return new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, dashes[(i - SAFE_COLOURS) % 3], 0f);
    }

    /** The marker of series {@code i}: a different shape per series within each run of eight. */
    static Shape marker(int i) {
        double r = 3.5;
        switch (i % SAFE_COLOURS) {
            case 0:
                return new Ellipse2D.Double(-r, -r, 2 * r, 2 * r);
            case 1:
                return new Rectangle2D.Double(-r, -r, 2 * r, 2 * r);
            case 2:
                return polygon(new double[] {0, r, -r}, new double[] {-r, r, r});
            case 3:
                return polygon(new double[] {0, r, 0, -r}, new double[] {-r, 0, r, 0});
            case 4:
                return polygon(new double[] {0, r, -r}, new double[] {r, -r, -r});
            case 5:
                return new Rectangle2D.Double(-r, -r / 2, 2 * r, r);
            case 6:
                return new Rectangle2D.Double(-r / 2, -r, r, 2 * r);
            default:
                return new Ellipse2D.Double(-r * 0.7, -r * 0.7, 1.4 * r, 1.4 * r);
        }
    }

    private static Shape polygon(double[] xs, double[] ys) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < xs.length; i++) {
            p.lineTo(xs[i], ys[i]);
        }
        p.closePath();
        return p;
    }

    /**
     * The JFreeChart chart of {@code c}: an {@link XYPlot} whose dataset is a {@link YIntervalSeriesCollection} with
     * one series per {@link Series}, in order, holding {@code (x_i, y_i, lower_i, upper_i)} ({@code lower = upper = y}
     * without an interval).
     */
    public static JFreeChart jfree(LineChart c) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        boolean anyInterval = false;
        for (Series s : c.series()) {
            YIntervalSeries ys = new YIntervalSeries(s.name(), false, true);
            for (int i = 0; i < s.x.length; i++) {
                double lo = s.hasInterval() ? s.lower[i] : s.y[i];
                double hi = s.hasInterval() ? s.upper[i] : s.y[i];
                ys.add(s.x[i], s.y[i], lo, hi);
            }
            data.addSeries(ys);
            anyInterval |= s.hasInterval();
        }
        XYLineAndShapeRenderer r;
        if (anyInterval && c.errors() == Errors.BAND) {
            DeviationRenderer d = new DeviationRenderer(true, true);
            d.setAlpha(BAND_ALPHA);
            r = d;
        } else if (anyInterval) {
            XYErrorRenderer e = new XYErrorRenderer();
            e.setDrawXError(false);
            e.setDrawYError(true);
            e.setDefaultLinesVisible(true);
            e.setCapLength(6);
            r = e;
        } else {
            r = new XYLineAndShapeRenderer(true, true);
        }
        List<Color> colours = colours(c.series().size());
        boolean markers = c.series().get(0).x.length <= 40;
        for (int i = 0; i < c.series().size(); i++) {
            r.setSeriesPaint(i, colours.get(i));
            r.setSeriesFillPaint(i, colours.get(i));
            r.setSeriesStroke(i, stroke(i));
            r.setSeriesShape(i, marker(i));
            r.setSeriesShapesVisible(i, markers);
        }
        if (r instanceof XYErrorRenderer e) {
            e.setErrorStroke(new BasicStroke(1.2f));
        }
        XYPlot plot = new XYPlot(data, axis(c.x()), axis(c.y()), r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(new Color(0x888888));
        plot.setDomainGridlinePaint(new Color(0xDDDDDD));
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setDomainGridlineStroke(new BasicStroke(0.8f));
        plot.setRangeGridlineStroke(new BasicStroke(0.8f));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        JFreeChart chart = new JFreeChart(null, font(Font.BOLD, 14), plot, true);
        chart.setTitle(new TextTitle(c.title(), font(Font.BOLD, 14)));
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setItemFont(font(Font.PLAIN, 11));
        legend.setFrame(BlockBorder.NONE);
        return chart;
    }

    private static ValueAxis axis(Axis a) {
        ValueAxis axis;
        if (a.log()) {
            LogAxis l = new LogAxis(a.text());
            l.setBase(10);
            l.setSmallestValue(1e-300);
            axis = l;
        } else {
            NumberAxis n = numberAxis(a.text());
            n.setAutoRangeIncludesZero(false);
            n.setAutoRangeStickyZero(false); // keep the margin below 0 too
            axis = n;
        }
        // a margin of 4% each side: points at the ends of the data stay off the plot's outline
        axis.setLowerMargin(0.04);
        axis.setUpperMargin(0.04);
        axis.setLabelFont(font(Font.PLAIN, 12));
        axis.setTickLabelFont(font(Font.PLAIN, 11));
        return axis;
    }

    /** Renders {@code c} at {@link #SCALE} times its nominal size. */
    public static BufferedImage render(LineChart c) {
        return render(jfree(c), c.width(), c.height(), null);
    }

    /**
     * Renders any JFreeChart chart at {@link #SCALE} times the nominal {@code width x height}, on white.
     *
     * @param info filled with the chart's layout in nominal coordinates (may be {@code null})
     */
    static BufferedImage render(JFreeChart chart, int width, int height, ChartRenderingInfo info) {
        return draw(width, height, g -> chart.draw(g, new Rectangle2D.Double(0, 0, width, height), info));
    }

    /**
     * An image of {@link #SCALE} times the nominal {@code width x height}, white, on which {@code painter} draws in
     * nominal coordinates (anti-aliased shapes and text).
     */
    static BufferedImage draw(int width, int height, java.util.function.Consumer<Graphics2D> painter) {
        BufferedImage img = new BufferedImage(SCALE * width, SCALE * height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.scale(SCALE, SCALE);
            painter.accept(g);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Writes {@code c} as a PNG file ({@link #SCALE} times its nominal size), atomically. */
    public static void writePng(LineChart c, Path file) {
        PngImages.writeAtomically(render(c), file);
    }

    /** An unmodifiable view of the fixed palette (for tests and docs). */
    static List<Color> palette() {
        return Collections.unmodifiableList(List.of(PALETTE));
    }
}
