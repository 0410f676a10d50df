package org.lde.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.Objective;
import org.lde.explain.Certificate;
import org.lde.explain.VerifiedBy;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** The report's colour map, colour bar, interval line, probabilities and output-folder rules. */
class FigureReportTest {
    static int[] rgb(int c) {
        return new int[] {(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff};
    }

    @Test
    void divergingMapIsSymmetricAroundZero() {
        double m = 0.37;
        assertEquals(0xf7f7f7, Colormap.diverging(0, m), "0 is the white centre");
        assertEquals(0xf7f7f7, Colormap.diverging(0, 0), "a flat map is white");
        assertEquals(0x67001f, Colormap.diverging(m, m), "+m is dark red");
        assertEquals(0x053061, Colormap.diverging(-m, m), "-m is dark blue");
        // the stop at u = 0.6 (v = 0.2 m) is #fddbc7; halfway between stops 0.6 and 0.7 is their mean
        assertEquals(0xfddbc7, Colormap.diverging(0.2 * m, m));
        int[] half = rgb(Colormap.diverging(0.3 * m, m));
        int[] a = rgb(0xfddbc7);
        int[] b = rgb(0xf4a582);
        for (int k = 0; k < 3; k++) {
            assertEquals((a[k] + b[k]) / 2.0, half[k], 0.51);
        }
        // positive values are red-dominant, negative blue-dominant, darker with |v|
        double prevPos = 3 * 255;
        double prevNeg = 3 * 255;
        for (int i = 1; i <= 20; i++) {
            double v = m * i / 20;
            int[] p = rgb(Colormap.diverging(v, m));
            int[] n = rgb(Colormap.diverging(-v, m));
            assertTrue(p[0] >= p[2], "red side at " + v);
            assertTrue(n[2] >= n[0], "blue side at " + -v);
            assertTrue(p[0] + p[1] + p[2] <= prevPos && n[0] + n[1] + n[2] <= prevNeg, "darker with |v|");
            prevPos = p[0] + p[1] + p[2];
            prevNeg = n[0] + n[1] + n[2];
        }
        assertThrows(IllegalArgumentException.class, () -> Colormap.diverging(Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> Colormap.diverging(2, 1), "outside the scale");
    }

    @Test
    void signedTileUsesTheMapsLargestMagnitudeAndDrawsTheOutline() {
        // a 4x4 input: the left half bright (inside the outline), the right half dark
        double[] x = new double[16];
        double[] map = new double[16];
        for (int y = 0; y < 4; y++) {
            for (int c = 0; c < 4; c++) {
                x[y * 4 + c] = c < 2 ? 1 : 0;
                map[y * 4 + c] = c == 0 ? -0.5 : c == 3 ? 0.25 : 0;
            }
        }
        Tensor in = new Tensor(Shape.of(1, 4, 4), x);
        Tensor mp = new Tensor(Shape.of(1, 4, 4), map);
        assertEquals(0.5, Colormap.scale(mp));
        BufferedImage t = Colormap.signedTile(mp, 0.5, in, 0, 1, 6);
        assertEquals(24, t.getWidth());
        assertEquals(Colormap.diverging(-0.5, 0.5), t.getRGB(2, 2) & 0xffffff, "column 0 is -m: dark blue");
        assertEquals(Colormap.diverging(0.25, 0.5), t.getRGB(20, 2) & 0xffffff, "column 3 is +m/2");
        assertEquals(0x303030, t.getRGB(2 * 6 - 1, 3) & 0xffffff, "the outline between columns 1 and 2");
        assertEquals(0xf7f7f7, t.getRGB(8, 3) & 0xffffff, "inside a zero cell, away from the outline");
    }

    /**
     * The colour bar is JFreeChart's PaintScaleLegend over [-m, m]: its paint scale is the diverging map, and along the
     * strip's middle row the pixels run from the map's colour at -m through white at 0 to its colour at +m.
     */
    @Test
    void colourBarDrawsTheDivergingScaleFromMinusMToM(@TempDir Path dir) throws Exception {
        double m = 0.0856;
        org.jfree.chart.title.PaintScaleLegend legend = ColourBar.legend(m);
        assertEquals(-m, legend.getScale().getLowerBound(), 0);
        assertEquals(m, legend.getScale().getUpperBound(), 0);
        assertEquals(-m, legend.getAxis().getLowerBound(), 0);
        assertEquals(m, legend.getAxis().getUpperBound(), 0);
        for (double v : new double[] {-m, -0.3 * m, 0, 0.7 * m, m}) {
            assertEquals(Colormap.diverging(v, m), ((java.awt.Color) legend.getScale().getPaint(v)).getRGB() & 0xffffff);
        }
        BufferedImage img = ColourBar.image(m);
        assertEquals(Charts.SCALE * ColourBar.WIDTH, img.getWidth());
        assertEquals(Charts.SCALE * ColourBar.HEIGHT, img.getHeight());
        // the strip: a row of non-white pixels 12 px (nominal) high near the top; find its middle row and its ends
        int row = -1;
        for (int y = 0; y < img.getHeight() && row < 0; y++) {
            if ((img.getRGB(img.getWidth() / 4, y) & 0xffffff) != 0xffffff) {
                row = y + Charts.SCALE * 6;
            }
        }
        assertTrue(row > 0, "no strip drawn");
        int left = 0;
        while ((img.getRGB(left, row) & 0xffffff) == 0xffffff) {
            left++;
        }
        int right = img.getWidth() - 1;
        while ((img.getRGB(right, row) & 0xffffff) == 0xffffff) {
            right--;
        }
        // inside the outline (2 px in), the colours at the ends and the middle are the map's
        assertClose(Colormap.diverging(-m, m), img.getRGB(left + 3, row), "left end");
        assertClose(Colormap.diverging(m, m), img.getRGB(right - 3, row), "right end");
        assertClose(Colormap.diverging(0, m), img.getRGB((left + right) / 2, row), "middle");
        assertClose(Colormap.diverging(-0.5 * m, m), img.getRGB(left + (right - left) / 4, row), "a quarter in");
        String html = ColourBar.html("b.png", m);
        assertTrue(html.contains("src=\"b.png\"") && html.contains("m = 0.08560") && html.contains("from -0.08560 to 0.08560"),
                html);
        assertTrue(ColourBar.html("b.png", 0).contains("0 everywhere"));
        ChartsTest.assertMessage("finite scale m > 0", () -> ColourBar.legend(Double.NaN));
    }

    static void assertClose(int want, int got, String where) {
        int[] a = rgb(want);
        int[] b = rgb(got);
        for (int k = 0; k < 3; k++) {
            assertEquals(a[k], b[k], 12, where + ": want #" + Integer.toHexString(want & 0xffffff) + ", got #"
                    + Integer.toHexString(got & 0xffffff));
        }
    }

    static Certificate cert(boolean verified, double rHi, double rLo, double rLin) {
        return new Certificate(Objective.L2, DualStatus.SOLVED, 0.5 * rLin * rLin, rLin, 0.5 * rLin * rLin, 1e-16, 10, verified,
                verified ? VerifiedBy.FLOAT64_BACKEND : VerifiedBy.NONE, verified ? rHi : Double.NaN, rLo);
    }

    /** The texts of the chart's annotations. */
    static String texts(org.jfree.chart.JFreeChart chart) {
        StringBuilder sb = new StringBuilder();
        for (Object a : chart.getXYPlot().getAnnotations()) {
            sb.append(((org.jfree.chart.annotations.XYTextAnnotation) a).getText()).append('\n');
        }
        return sb.toString();
    }

    /**
     * The interval line: r_lo and r_hi are JFreeChart markers at their values, the band spans [r_lo, r_hi], r_lin is
     * a point at its value; in the rendered PNG the column where the axis puts r_lo is green and r_hi's is red.
     */
    @Test
    void intervalLinePlacesEachBoundWhereItsValueIs(@TempDir Path dir) throws Exception {
        Certificate c = cert(true, 0.4, 0.1, 0.3);
        org.jfree.chart.JFreeChart chart = IntervalLine.chart(c, true).orElseThrow();
        org.jfree.chart.plot.XYPlot plot = chart.getXYPlot();
        assertEquals(0, plot.getDomainAxis().getLowerBound(), 0);
        assertEquals(1.15 * 0.4, plot.getDomainAxis().getUpperBound(), 1e-15);
        List<Double> lines = new java.util.ArrayList<>();
        for (Object o : plot.getDomainMarkers(org.jfree.chart.ui.Layer.FOREGROUND)) {
            lines.add(((org.jfree.chart.plot.ValueMarker) o).getValue());
        }
        assertEquals(List.of(0.1, 0.4), lines);
        org.jfree.chart.plot.IntervalMarker band = (org.jfree.chart.plot.IntervalMarker) plot
                .getDomainMarkers(org.jfree.chart.ui.Layer.BACKGROUND).iterator().next();
        assertEquals(0.1, band.getStartValue(), 0);
        assertEquals(0.4, band.getEndValue(), 0);
        assertEquals(0.3, plot.getDataset().getXValue(0, 0), 0);
        String t = texts(chart);
        assertTrue(t.contains("r_lo 0.1000 certified") && t.contains("r_hi 0.4000 verified (the tested point)"), t);
        assertTrue(t.contains("r_lin 0.3000 (linearized, local; not a bound)"), t);
        assertFalse(t.replace("r_lo 0.1000 certified", "").contains("certified"), "only r_lo is called certified");
        org.jfree.chart.ChartRenderingInfo info = new org.jfree.chart.ChartRenderingInfo();
        BufferedImage img = Charts.render(chart, IntervalLine.WIDTH, IntervalLine.HEIGHT, info);
        java.awt.geom.Rectangle2D area = info.getPlotInfo().getDataArea();
        int y = (int) Math.round(Charts.SCALE * plot.getRangeAxis().valueToJava2D(0.45, area,
                org.jfree.chart.ui.RectangleEdge.LEFT));
        for (Object[] want : new Object[][] {{0.1, IntervalLine.LO}, {0.4, IntervalLine.HI}, {0.25, IntervalLine.BAND}}) {
            double px = plot.getDomainAxis().valueToJava2D((Double) want[0], area, org.jfree.chart.ui.RectangleEdge.BOTTOM);
            assertEquals(((java.awt.Color) want[1]).getRGB() & 0xffffff, img.getRGB((int) Math.round(Charts.SCALE * px), y)
                    & 0xffffff, "at " + want[0]);
        }
        // the page's HTML: an image of the written PNG, the interval in words as its text
        String html = IntervalLine.html(c, true, dir, "i.png");
        assertTrue(html.contains("src=\"i.png\"") && Files.exists(dir.resolve("i.png")), html);
        assertEquals(Charts.SCALE * IntervalLine.WIDTH, javax.imageio.ImageIO.read(dir.resolve("i.png").toFile()).getWidth());
        // deletion model: r_lin is a norm of t, not drawn on the axis of delta
        org.jfree.chart.JFreeChart del = IntervalLine.chart(cert(true, 0.4, Double.NaN, 0.3), false).orElseThrow();
        assertEquals(0, del.getXYPlot().getDataset().getItemCount(0));
        assertFalse(texts(del).contains("r_lin"));
        String open = texts(IntervalLine.chart(cert(true, 0.4, Double.NaN, 0.3), true).orElseThrow());
        assertTrue(open.contains("r_lo not computed") && open.contains("r_true in [0, r_hi]"), open);
        Certificate none = cert(false, 0, Double.NaN, Double.POSITIVE_INFINITY);
        assertTrue(IntervalLine.chart(none, true).isEmpty());
        String noneHtml = IntervalLine.html(none, true, dir, "n.png");
        assertTrue(noneHtml.contains("nothing to draw: none verified, r_lo not computed"), noneHtml);
        assertFalse(Files.exists(dir.resolve("n.png")));
        assertFalse(noneHtml.contains("NaN") || open.contains("NaN") || t.contains("NaN"));
    }

    /** The probability chart holds the softmax values in class order; with many classes the largest, in order. */
    @Test
    void probabilityChartHoldsTheProbabilities() {
        List<String> names = List.of("a", "b", "c");
        Charts.BarChart c = FigureReport.probabilityChart(names, new double[] {0.2, 0.7, 0.1}, new double[] {0.6, 0.3, 0.1});
        assertEquals(names, c.categories());
        assertEquals(List.of("at x", "at x' (verified adversarial)"), List.copyOf(c.series().keySet()));
        org.jfree.data.category.CategoryDataset d = Charts.jfree(c).getCategoryPlot().getDataset();
        assertEquals(0.7, d.getValue("at x", "b").doubleValue(), 0);
        assertEquals(0.6, d.getValue("at x' (verified adversarial)", "a").doubleValue(), 0);
        assertEquals(1, FigureReport.probabilityChart(names, new double[] {0.2, 0.7, 0.1}, null).series().size());
        List<String> many = new java.util.ArrayList<>();
        double[] p = new double[30];
        for (int k = 0; k < 30; k++) {
            many.add("class" + k);
            p[k] = (k % 7) / 100.0 + k * 1e-4;
        }
        Charts.BarChart top = FigureReport.probabilityChart(many, p, null);
        assertEquals(FigureReport.MAX_CLASSES, top.categories().size());
        assertTrue(top.title().contains("20 most probable of 30"), top.title());
        double smallestShown = 1;
        for (String k : top.categories()) {
            smallestShown = Math.min(smallestShown, p[Integer.parseInt(k.substring(5))]);
        }
        for (int k = 0; k < 30; k++) {
            if (!top.categories().contains("class" + k)) {
                assertTrue(p[k] <= smallestShown, "class " + k + " left out but larger than one shown");
            }
        }
        ChartsTest.assertMessage("value[1] = NaN", () -> FigureReport.probabilityChart(names,
                new double[] {0.2, Double.NaN, 0.1}, null));
    }

    @Test
    void softmaxMatchesTheClosedForm() {
        double[] p = FigureReport.softmax(new double[] {0, Math.log(3)});
        assertEquals(0.25, p[0], 1e-15);
        assertEquals(0.75, p[1], 1e-15);
        // large logits neither overflow nor lose the ratio (1000 + ln 3 rounds to a multiple of 2^-43)
        p = FigureReport.softmax(new double[] {1000, 1000 + Math.log(3)});
        assertEquals(0.25, p[0], 1e-12);
        assertEquals(1.0, p[0] + p[1], 1e-15);
    }

    @Test
    void reportFolderRefusesNonEmptyAndOverwriteDeletesOnlyReportFiles(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("o");
        assertEquals(List.of(), ReportFolder.prepare(out, false, "--out"));
        assertFalse(Files.exists(out), "not created before there is something to write");
        Files.createDirectories(out);
        assertEquals(List.of(), ReportFolder.prepare(out, false, "--out"), "an empty folder is fine");
        for (String f : List.of("panel-0003.png", "img-0003-input.png", "img-12345-compare-ig-gl50.png", "index.html",
                "explanations.csv", "explanations.jsonl", "keep.txt", "panel-notes.png")) {
            Files.writeString(out.resolve(f), "x");
        }
        String m = assertThrows(IllegalArgumentException.class, () -> ReportFolder.prepare(out, false, "--out")).getMessage();
        assertTrue(m.contains("is not empty (8 entries") && m.contains("--overwrite"), m);
        assertEquals(List.of("keep.txt", "panel-notes.png"), ReportFolder.prepare(out, true, "--out"));
        try (var s = Files.list(out)) {
            assertEquals(2, s.count());
        }
        Files.writeString(dir.resolve("file"), "x");
        assertThrows(IllegalArgumentException.class, () -> ReportFolder.prepare(dir.resolve("file"), true, "--out"));
    }
}
