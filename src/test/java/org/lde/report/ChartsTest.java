package org.lde.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Charts: the PNG has the stated size, colours are pairwise distinct, the data handed to JFreeChart is the data
 * given, the lines are drawn where the axes put the points (pixel colours sampled there), bad data is refused.
 */
class ChartsTest {
    static final double[] X = {0, 1, 2, 3};

    static Charts.LineChart twoSeries() {
        return Charts.lineChart("t").xAxis("step k", "patches").yAxis("p", "")
                .series("falls", X, new double[] {0.9, 0.6, 0.45, 0.35})
                .series("stays", X, new double[] {0.1, 0.15, 0.2, 0.25}, new double[] {0.05, 0.1, 0.18, 0.2},
                        new double[] {0.2, 0.2, 0.22, 0.3})
                .size(600, 360).build();
    }

    @Test
    void thePngHasTwiceTheNominalSizeAndTheSameBytesForTheSameData(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        Charts.writePng(twoSeries(), a);
        Charts.writePng(twoSeries(), b);
        BufferedImage img = ImageIO.read(a.toFile());
        assertEquals(2 * 600, img.getWidth());
        assertEquals(2 * 360, img.getHeight());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same data, different PNG bytes");
    }

    @Test
    void theDatasetHandedToJFreeChartIsTheDataGiven() {
        Charts.LineChart c = twoSeries();
        JFreeChart j = Charts.jfree(c);
        XYPlot plot = j.getXYPlot();
        YIntervalSeriesCollection d = (YIntervalSeriesCollection) plot.getDataset();
        assertEquals(2, d.getSeriesCount());
        for (int s = 0; s < 2; s++) {
            Charts.Series in = c.series().get(s);
            assertEquals(in.name(), d.getSeriesKey(s));
            assertEquals(X.length, d.getItemCount(s));
            for (int i = 0; i < X.length; i++) {
                assertEquals(in.x()[i], d.getXValue(s, i), 0);
                assertEquals(in.y()[i], d.getYValue(s, i), 0);
                assertEquals(in.hasInterval() ? in.lower()[i] : in.y()[i], d.getStartYValue(s, i), 0);
                assertEquals(in.hasInterval() ? in.upper()[i] : in.y()[i], d.getEndYValue(s, i), 0);
            }
        }
        assertEquals("step k [patches]", plot.getDomainAxis().getLabel());
        assertEquals("p", plot.getRangeAxis().getLabel());
        assertEquals("t", j.getTitle().getText());
        assertTrue(plot.getRenderer() instanceof DeviationRenderer);
        assertTrue(Charts.jfree(Charts.lineChart("t").series("a", X, X, X, X).errors(Charts.Errors.BARS).build()).getXYPlot()
                .getRenderer() instanceof XYErrorRenderer);
        Charts.LineChart log = Charts.lineChart("t").series("a", new double[] {1, 10}, new double[] {1e-3, 1}).logX(true)
                .logY(true).build();
        assertTrue(Charts.jfree(log).getXYPlot().getDomainAxis() instanceof LogAxis);
        assertTrue(Charts.jfree(log).getXYPlot().getRangeAxis() instanceof LogAxis);
    }

    /**
     * Where the axes put a point, the line has that series' colour: the pixel at the data point (x, y), mapped by the
     * rendered axes and scaled by {@link Charts#SCALE}, is the series colour (markers are drawn there in it).
     */
    @Test
    void eachSeriesIsDrawnInItsColourWhereTheAxesPutItsPoints() {
        Charts.LineChart c = twoSeries();
        JFreeChart j = Charts.jfree(c);
        ChartRenderingInfo info = new ChartRenderingInfo();
        BufferedImage img = Charts.render(j, c.width(), c.height(), info);
        Rectangle2D area = info.getPlotInfo().getDataArea();
        XYPlot plot = j.getXYPlot();
        List<Color> colours = Charts.colours(2);
        for (int s = 0; s < 2; s++) {
            Charts.Series in = c.series().get(s);
            for (int i = 0; i < X.length; i++) {
                double px = plot.getDomainAxis().valueToJava2D(in.x()[i], area, RectangleEdge.BOTTOM);
                double py = plot.getRangeAxis().valueToJava2D(in.y()[i], area, RectangleEdge.LEFT);
                int rgb = img.getRGB((int) Math.round(Charts.SCALE * px), (int) Math.round(Charts.SCALE * py)) & 0xffffff;
                assertEquals(Integer.toHexString(colours.get(s).getRGB() & 0xffffff), Integer.toHexString(rgb),
                        "series " + s + " point " + i + " at (" + px + ", " + py + ")");
            }
        }
        // and half way between two points of "falls" (0.9 -> 0.6 at x 0 -> 1), off every marker, the line is there too
        double px = plot.getDomainAxis().valueToJava2D(0.5, area, RectangleEdge.BOTTOM);
        double py = plot.getRangeAxis().valueToJava2D(0.75, area, RectangleEdge.LEFT);
        assertEquals(colours.get(0).getRGB() & 0xffffff,
                img.getRGB((int) Math.round(Charts.SCALE * px), (int) Math.round(Charts.SCALE * py)) & 0xffffff);
        // the band of "stays" is shaded (not white) between its ends, above the line near x = 0 (y 0.1, band to 0.2)
        py = plot.getRangeAxis().valueToJava2D(0.17, area, RectangleEdge.LEFT);
        px = plot.getDomainAxis().valueToJava2D(0.1, area, RectangleEdge.BOTTOM);
        int band = img.getRGB((int) Math.round(Charts.SCALE * px), (int) Math.round(Charts.SCALE * py)) & 0xffffff;
        Color c1 = colours.get(1);
        int[] want = {c1.getRed(), c1.getGreen(), c1.getBlue()};
        for (int k = 0; k < 3; k++) { // the series colour at alpha 0.18 over white
            double blend = 255 * (1 - Charts.BAND_ALPHA) + want[k] * Charts.BAND_ALPHA;
            assertEquals(blend, (band >> (16 - 8 * k)) & 0xff, 1.5, "band colour #" + Integer.toHexString(band));
        }
    }

    /** Redmean RGB distance (a cheap approximation of perceived colour difference). */
    static double distance(Color a, Color b) {
        double r = (a.getRed() + b.getRed()) / 2.0;
        double dr = a.getRed() - b.getRed();
        double dg = a.getGreen() - b.getGreen();
        double db = a.getBlue() - b.getBlue();
        return Math.sqrt((2 + r / 256) * dr * dr + 4 * dg * dg + (2 + (255 - r) / 256) * db * db);
    }

    @Test
    void seriesColoursArePairwiseDistinctAndTheFirstEightAreOkabeIto() {
        List<Color> p = Charts.palette();
        int[] okabeIto = {0x000000, 0xE69F00, 0x56B4E9, 0x009E73, 0xF0E442, 0x0072B2, 0xD55E00, 0xCC79A7};
        Set<Integer> safe = new HashSet<>();
        for (int c : okabeIto) {
            safe.add(c);
        }
        for (int i = 0; i < Charts.SAFE_COLOURS; i++) {
            assertTrue(safe.remove(p.get(i).getRGB() & 0xffffff), "palette colour " + i + " is not Okabe-Ito");
        }
        for (int i = 0; i < p.size(); i++) {
            for (int k = i + 1; k < p.size(); k++) {
                assertTrue(distance(p.get(i), p.get(k)) >= 60, "colours " + i + " and " + k + " are too close: " + p.get(i)
                        + " " + p.get(k));
            }
        }
        for (int n : new int[] {0, 1, 8, 15, 16, 17, 40, 100}) {
            List<Color> c = Charts.colours(n);
            assertEquals(n, c.size());
            assertEquals(n, c.stream().map(Color::getRGB).distinct().count(), "repeated colour among " + n);
        }
        // series from the ninth on are dashed; the first eight solid
        assertEquals(null, ((java.awt.BasicStroke) Charts.stroke(7)).getDashArray());
        assertTrue(((java.awt.BasicStroke) Charts.stroke(8)).getDashArray() != null);
    }

    /** The 15 methods of `lde evaluate` and the random order: 16 series, 16 colours in JFreeChart's renderer. */
    @Test
    void sixteenSeriesGetSixteenColoursInTheRenderer() {
        Charts.Builder b = Charts.lineChart("t");
        for (int i = 0; i < 16; i++) {
            b.series("method-" + i, X, new double[] {1, 0.5 - 0.01 * i, 0.3, 0.2});
        }
        XYPlot plot = Charts.jfree(b.build()).getXYPlot();
        Set<Object> paints = new HashSet<>();
        for (int i = 0; i < 16; i++) {
            paints.add(plot.getRenderer().getSeriesPaint(i));
        }
        assertEquals(16, paints.size());
    }

    @Test
    void emptyNanAndMismatchedDataAreRefusedWithTheProblemNamed() {
        assertMessage("has no series", () -> Charts.lineChart("t").build());
        assertMessage("series 'a' has no points", () -> Charts.lineChart("t").series("a", new double[0], new double[0]));
        assertMessage("series 'a' has y[1] = NaN", () -> Charts.lineChart("t").series("a", X, new double[] {0, Double.NaN, 1, 2}));
        assertMessage("series 'a' has x[3] = Infinity",
                () -> Charts.lineChart("t").series("a", new double[] {0, 1, 2, Double.POSITIVE_INFINITY}, X));
        assertMessage("series 'a' has upper[0] = NaN", () -> Charts.lineChart("t").series("a", X, X, X,
                new double[] {Double.NaN, 1, 2, 3}));
        assertMessage("series 'a' has 3 y values for 4 x values", () -> Charts.lineChart("t").series("a", X, new double[3]));
        assertMessage("point 2: the interval [2.5, 3.0] does not contain y = 2.0", () -> Charts.lineChart("t").series("a", X, X,
                new double[] {0, 1, 2.5, 3}, new double[] {0, 1, 3, 3}));
        assertMessage("both lower and upper", () -> Charts.lineChart("t").series("a", X, X, X, null));
        assertMessage("two series named 'a'", () -> Charts.lineChart("t").series("a", X, X).series("a", X, X).build());
        assertMessage("series 'a' has x[0] = 0.0 (a log axis", () -> Charts.lineChart("t").series("a", X, X).logX(true).build());
        assertMessage("too small", () -> Charts.lineChart("t").series("a", X, X).size(100, 100).build());
    }

    /** JFreeChart stays inside org.lde.report (docs/architecture.md): no other main source file imports org.jfree. */
    @Test
    void onlyTheReportPackageImportsJFreeChart() throws Exception {
        Path main = Path.of("src", "main", "java");
        List<String> outside;
        try (var files = Files.walk(main)) {
            outside = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !main.relativize(f).startsWith(Path.of("org", "lde", "report")))
                    .filter(f -> {
                        try {
                            return Files.readString(f).contains("org.jfree");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).map(Path::toString).toList();
        }
        assertEquals(List.of(), outside);
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }
}
