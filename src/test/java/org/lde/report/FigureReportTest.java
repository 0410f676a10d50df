package org.lde.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    @Test
    void colourBarStatesTheSymmetricScale() {
        String svg = ColourBar.svg(0.0856);
        assertTrue(svg.contains(">-0.0856</text>") && svg.contains(">0</text>") && svg.contains(">0.0856</text>"), svg);
        assertTrue(svg.contains("url(#" + ColourBar.GRADIENT + ")"));
        String defs = ColourBar.defs();
        for (String stop : Colormap.cssStops()) {
            assertTrue(defs.contains(stop), stop);
        }
        assertTrue(ColourBar.svg(0).contains("0 everywhere"));
    }

    static Certificate cert(boolean verified, double rHi, double rLo, double rLin) {
        return new Certificate(Objective.L2, DualStatus.SOLVED, 0.5 * rLin * rLin, rLin, 0.5 * rLin * rLin, 1e-16, 10, verified,
                verified ? VerifiedBy.FLOAT64_BACKEND : VerifiedBy.NONE, verified ? rHi : Double.NaN, rLo);
    }

    /** The x coordinate of the line drawn in {@code colour}. */
    static double lineX(String svg, String colour) {
        Matcher m = Pattern.compile("<line x1=\"([0-9.]+)\"[^>]*stroke=\"" + colour + "\"").matcher(svg);
        assertTrue(m.find(), colour + " line in " + svg);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void intervalLinePlacesEachBoundWhereItsValueIs() {
        String svg = IntervalLine.svg(cert(true, 0.4, 0.1, 0.3), true);
        double lo = lineX(svg, "#1a7f37");
        double hi = lineX(svg, "#b2182b");
        // the axis runs from X0 (0) to X1 (1.15 * the largest value, 0.46)
        double scale = (IntervalLine.X1 - IntervalLine.X0) / (1.15 * 0.4);
        assertEquals(IntervalLine.X0 + 0.1 * scale, lo, 0.06);
        assertEquals(IntervalLine.X0 + 0.4 * scale, hi, 0.06);
        assertTrue(svg.contains("r_lo 0.1000 certified") && svg.contains("r_hi 0.4000 verified (the tested point)"), svg);
        assertTrue(svg.contains("r_lin 0.3000 (linearized, local; not a bound)"), svg);
        assertFalse(svg.replace("r_lo 0.1000 certified", "").contains("certified"), "only r_lo is called certified");
        // deletion model: r_lin is a norm of t, not drawn on the axis of delta
        assertFalse(IntervalLine.svg(cert(true, 0.4, Double.NaN, 0.3), false).contains("r_lin"));
        String open = IntervalLine.svg(cert(true, 0.4, Double.NaN, 0.3), true);
        assertTrue(open.contains("r_lo not computed") && open.contains("r_true in [0, r_hi]"), open);
        String none = IntervalLine.svg(cert(false, 0, Double.NaN, Double.POSITIVE_INFINITY), true);
        assertTrue(none.contains("nothing to draw: none verified, r_lo not computed"), none);
        assertFalse(none.contains("NaN") || open.contains("NaN") || svg.contains("NaN"));
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
