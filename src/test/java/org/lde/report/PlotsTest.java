package org.lde.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The line plot is a readable PNG with one coloured line per series; bad series are refused. */
class PlotsTest {

    @Test
    void writesAPngWithEverySeriesColour(@TempDir Path dir) throws Exception {
        Map<String, double[]> s = new LinkedHashMap<>();
        s.put("a", new double[] {0.9, 0.5, 0.2});
        s.put("b", new double[] {0.9, 0.8, 0.7});
        Path f = dir.resolve("p.png");
        Plots.writePng(new Plots.LinePlot("t", "k", "p", new double[] {0, 1, 2}, s), f);
        BufferedImage img = ImageIO.read(f.toFile());
        assertEquals(760, img.getWidth());
        assertEquals(420, img.getHeight());
        boolean blue = false;
        boolean orange = false;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                blue |= rgb == 0x1f77b4;
                orange |= rgb == 0xff7f0e;
            }
        }
        assertTrue(blue && orange, "both series colours must appear");
        Map<String, double[]> bad = new LinkedHashMap<>();
        bad.put("x", new double[] {1, Double.NaN, 2});
        assertThrows(IllegalArgumentException.class, () -> new Plots.LinePlot("t", "k", "p", new double[] {0, 1, 2}, bad));
        Map<String, double[]> shortS = new LinkedHashMap<>();
        shortS.put("x", new double[] {1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Plots.LinePlot("t", "k", "p", new double[] {0, 1, 2}, shortS));
        assertTrue(e.getMessage().contains("series 'x' has 2 values for 3"), e.getMessage());
    }

    /** Redmean RGB distance (a cheap approximation of perceived colour difference). */
    static double distance(java.awt.Color a, java.awt.Color b) {
        double r = (a.getRed() + b.getRed()) / 2.0;
        double dr = a.getRed() - b.getRed();
        double dg = a.getGreen() - b.getGreen();
        double db = a.getBlue() - b.getBlue();
        return Math.sqrt((2 + r / 256) * dr * dr + 4 * dg * dg + (2 + (255 - r) / 256) * db * db);
    }

    @Test
    void everySeriesGetsItsOwnColour() {
        for (int n : new int[] {1, 2, 14, 15, 16, 20, 21, 40, 100}) {
            java.util.List<java.awt.Color> c = Plots.colours(n);
            assertEquals(n, c.size());
            assertEquals(n, c.stream().map(java.awt.Color::getRGB).distinct().count(), "repeated colour among " + n);
            if (n <= 20) { // the fixed palette: far apart, not merely different
                for (int i = 0; i < n; i++) {
                    for (int j = i + 1; j < n; j++) {
                        assertTrue(distance(c.get(i), c.get(j)) > 90, "colours " + i + " and " + j + " are too close: "
                                + c.get(i) + " " + c.get(j));
                    }
                }
            }
        }
    }

    /** The 15 methods of `lde evaluate` (the issue: two of them shared a colour in morf.png). */
    @Test
    void theLegendOfAFifteenMethodPlotShowsFifteenDistinctColours() {
        Map<String, double[]> s = new LinkedHashMap<>();
        for (int i = 0; i < 15; i++) {
            s.put("method-" + i, new double[] {1.0, 0.5 - 0.01 * i, 0.2});
        }
        BufferedImage img = Plots.render(new Plots.LinePlot("t", "k", "p", new double[] {0, 1, 2}, s), 760, 420);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        int swatchX = 760 - 190 + 10 + 2; // the plot area ends 190 px from the right; the swatch starts 10 px after it
        for (int i = 0; i < 15; i++) {
            int y = 30 + 12 + i * 16 - 4;
            int rgb = img.getRGB(swatchX, y) & 0xffffff;
            assertTrue(rgb != 0xffffff, "no legend swatch for series " + i);
            assertTrue(seen.add(rgb), "series " + i + " repeats colour #" + Integer.toHexString(rgb));
        }
    }
}
