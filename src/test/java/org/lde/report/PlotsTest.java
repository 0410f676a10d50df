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
}
