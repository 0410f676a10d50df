package org.lde.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.AttributionKind;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

class ReportTest {

    @Test
    void csvQuotesFieldsWithCommasAndQuotesAndJoinsLists() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("a", "x,y");
        row.put("b", "say \"hi\"");
        row.put("c", List.of(1.5, 2.0));
        row.put("d", Double.NaN);
        row.put("e", Double.POSITIVE_INFINITY);
        assertEquals("a,b,c,d,e", ExplanationRows.csvHeader(row));
        assertEquals("\"x,y\",\"say \"\"hi\"\"\",1.5;2.0,,Infinity", ExplanationRows.csv(row));
        // JSON has no NaN or Infinity: missing and non-finite numbers are null, never the string "NaN"
        assertTrue(ExplanationRows.json(row).contains("\"d\":null,\"e\":null"), ExplanationRows.json(row));
        assertFalse(ExplanationRows.json(row).contains("NaN"), ExplanationRows.json(row));
    }

    @Test
    void pngReaderConvertsColourToLuminanceAndNamesBadFiles(@TempDir Path dir) throws Exception {
        BufferedImage rgb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(1, 0, 0xFF0000);
        rgb.setRGB(2, 1, 0xFFFFFF);
        Path p = dir.resolve("c.png");
        ImageIO.write(rgb, "png", p.toFile());
        Tensor t = PngImages.readGrey(List.of(p), 2, 3);
        assertEquals(Shape.of(1, 1, 2, 3), t.shape());
        assertEquals(0.299, t.get(0, 0, 0, 1), 1e-12);
        assertEquals(1.0, t.get(0, 0, 1, 2), 1e-12);
        assertEquals(0.0, t.get(0, 0, 0, 0));
        Path txt = dir.resolve("not.png");
        Files.writeString(txt, "hello");
        String m = assertThrows(IllegalArgumentException.class, () -> PngImages.readGrey(List.of(txt), 2, 3)).getMessage();
        assertTrue(m.contains("not.png"), m);
        m = assertThrows(IllegalArgumentException.class, () -> PngImages.readGrey(List.of(p), 28, 28)).getMessage();
        assertTrue(m.contains("3x2") && m.contains("28x28"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> PngImages.writeGrey(Tensor.of(Shape.of(1, 1, 2), 0.5, 1.5), 0, 1, dir.resolve("o.png"))).getMessage();
        assertTrue(m.contains("1.5"), m);
    }

    @Test
    void panelShowsTheInputPixelsAndRejectsNonImages() {
        Network net = Network.builder(1, 5, 5).seed(1).dense(3).build();
        Tensor x = new Rng(2).uniform(Shape.of(1, 1, 5, 5), 0, 1);
        Explanation e;
        try (Backend be = Backends.cpu(net)) {
            e = LagrangeDualExplainer.builder().additive().maxOuterIterations(1).build().explain(be, x).get(0);
        }
        int scale = Panels.defaultScale(Shape.of(1, 5, 5));
        assertEquals(22, scale);
        BufferedImage img = Panels.render(x.row(0), 0, 1, net.classNames(), -1, e, AttributionKind.DUAL_CONTRIBUTION, scale);
        int tileW = Math.max(5 * scale, 130);
        int left = 8 + (tileW - 5 * scale) / 2;
        int top = 8 + 30;
        for (int yy = 0; yy < 5; yy++) {
            for (int xx = 0; xx < 5; xx++) {
                int grey = (int) Math.round(255 * x.get(0, 0, yy, xx));
                int rgb = img.getRGB(left + xx * scale + scale / 2, top + yy * scale + scale / 2) & 0xFFFFFF;
                assertEquals((grey << 16) | (grey << 8) | grey, rgb, "pixel " + yy + "," + xx);
            }
        }
        String m = assertThrows(IllegalArgumentException.class, () -> Panels.render(Tensor.zeros(2, 5, 5), 0, 1,
                net.classNames(), -1, e, AttributionKind.DUAL_CONTRIBUTION, 4)).getMessage();
        assertTrue(m.contains("[2, 5, 5]"), m);
    }

    @Test
    void htmlIndexEscapesText(@TempDir Path dir) throws Exception {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("index", 0);
        row.put("source", "<script>");
        row.put("panel", "panel-0000.png");
        Path p = HtmlIndex.write(dir, "t & t", "d", List.of(row));
        String html = Files.readString(p);
        assertTrue(html.contains("&lt;script&gt;") && !html.contains("<script>"), html);
        assertTrue(html.contains("<h1>t &amp; t</h1>"));
    }
}
