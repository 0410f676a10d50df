package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

class IdxTest {
    @TempDir
    Path dir;

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 37 + 11);
        }
        return b;
    }

    private static String message(Runnable r) {
        return assertThrows(DataFormatException.class, r::run).getMessage();
    }

    @Test
    void roundTripRawAndGzip() throws IOException {
        byte[] data = pattern(3 * 5 * 4);
        for (boolean gz : new boolean[] {false, true}) {
            Path f = dir.resolve("img" + gz);
            IdxWriter.write(f, new int[] {3, 5, 4}, data, gz);
            assertEquals(gz, DataStreams.isGzip(f));
            IdxArray a = IdxReader.readImages(f);
            assertArrayEquals(new int[] {3, 5, 4}, a.dims());
            assertArrayEquals(data, a.data());
        }
        // raw layout: magic 00 00 08 03, then big-endian dims, then the bytes
        byte[] raw = Files.readAllBytes(dir.resolve("imgfalse"));
        assertArrayEquals(new byte[] {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 4}, Arrays.copyOf(raw, 16));
        assertEquals(16 + 60, raw.length);
    }

    @Test
    void gzipIsDetectedByContentNotName() {
        Path gzNamedRaw = dir.resolve("labels.idx");
        Path rawNamedGz = dir.resolve("labels.gz");
        IdxWriter.writeLabels(gzNamedRaw, new int[] {1, 2, 3}, true);
        IdxWriter.writeLabels(rawNamedGz, new int[] {1, 2, 3}, false);
        assertArrayEquals(new int[] {1, 2, 3}, IdxReader.readLabels(gzNamedRaw, 10));
        assertArrayEquals(new int[] {1, 2, 3}, IdxReader.readLabels(rawNamedGz, 10));
    }

    @Test
    void gzipOutputIsDeterministic() {
        byte[] a = IdxWriter.toBytes(new int[] {2, 3}, pattern(6), true);
        byte[] b = IdxWriter.toBytes(new int[] {2, 3}, pattern(6), true);
        assertArrayEquals(a, b);
        // gzip header: magic, deflate, no flags (no file name), mtime 0
        assertArrayEquals(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0}, Arrays.copyOf(a, 8));
    }

    @Test
    void imagesToDatasetScaleByteOver255() {
        Path img = dir.resolve("i");
        Path lab = dir.resolve("l");
        IdxWriter.write(img, new int[] {2, 2, 3}, new byte[] {0, 1, 2, 3, 4, (byte) 255, 10, 20, 30, 40, 50, (byte) 128}, false);
        IdxWriter.writeLabels(lab, new int[] {7, 2}, true);
        Dataset d = IdxReader.readDataset(img, lab, List.of("a", "b", "c", "d", "e", "f", "g", "h"), "t", "test");
        assertEquals(Shape.of(2, 1, 2, 3), d.inputs().shape());
        assertEquals(1.0, d.inputs().get(0, 0, 1, 2));
        assertEquals(128 / 255.0, d.inputs().get(1, 0, 1, 2));
        assertEquals(20 / 255.0, d.inputs().get(1, 0, 0, 1));
        assertArrayEquals(new int[] {7, 2}, d.labels());
    }

    @Test
    void badMagic() throws IOException {
        Path f = dir.resolve("bad-magic");
        Files.write(f, new byte[] {0x12, 0x34, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5});
        String m = message(() -> IdxReader.readImages(f));
        assertTrue(m.contains(f.toString()) && m.contains("bad magic number 0x12340803"), m);
    }

    @Test
    void wrongDtype() throws IOException {
        Path f = dir.resolve("float.idx");
        Files.write(f, new byte[] {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0});
        String m = message(() -> IdxReader.readLabels(f, 10));
        assertTrue(m.contains(f.toString()) && m.contains("data type 0x0D (float)") && m.contains("only 0x08"), m);
    }

    @Test
    void wrongRankLabelsFileGivenAsImages() {
        Path f = dir.resolve("labels");
        IdxWriter.writeLabels(f, new int[] {1, 2}, false);
        String m = message(() -> IdxReader.readImages(f));
        assertTrue(m.contains(f.toString()) && m.contains("0x00000801") && m.contains("declares 1 dimension(s), expected 3"), m);
    }

    @Test
    void truncatedRawAndGzip() throws IOException {
        byte[] full = IdxWriter.toBytes(new int[] {4, 3, 3}, pattern(36), false);
        Path f = dir.resolve("short");
        Files.write(f, Arrays.copyOf(full, full.length - 5));
        String m = message(() -> IdxReader.readImages(f));
        assertTrue(m.contains(f.toString()) && m.contains("truncated") && m.contains("36 data bytes")
                && m.contains("only 31 data bytes follow"), m);

        // a complete gzip stream of a truncated IDX file
        Path g = dir.resolve("short.gz");
        Files.write(g, SampleDataMaker.gzip(Arrays.copyOf(full, full.length - 1)));
        m = message(() -> IdxReader.readImages(g));
        assertTrue(m.contains(g.toString()) && m.contains("only 35 data bytes"), m);

        // a gzip stream cut in the middle
        byte[] gz = IdxWriter.toBytes(new int[] {4, 3, 3}, pattern(36), true);
        Path h = dir.resolve("cut.gz");
        Files.write(h, Arrays.copyOf(gz, gz.length - 10));
        m = message(() -> IdxReader.readImages(h));
        assertTrue(m.contains(h.toString()) && m.contains("gzip stream is corrupt or truncated"), m);

        Path hdr = dir.resolve("header");
        Files.write(hdr, Arrays.copyOf(full, 9));
        m = message(() -> IdxReader.readImages(hdr));
        assertTrue(m.contains("ends inside the header") && m.contains("only 5 present"), m);
    }

    @Test
    void tooLong() throws IOException {
        byte[] full = IdxWriter.toBytes(new int[] {3}, new byte[] {1, 2, 3}, false);
        Path f = dir.resolve("long");
        Files.write(f, Arrays.copyOf(full, full.length + 2));
        String m = message(() -> IdxReader.readLabels(f, 10));
        assertTrue(m.contains(f.toString()) && m.contains("too long") && m.contains("2 more bytes"), m);
    }

    @Test
    void countMismatchBetweenImagesAndLabels() {
        Path img = dir.resolve("img");
        Path lab = dir.resolve("lab");
        IdxWriter.write(img, new int[] {3, 2, 2}, pattern(12), true);
        IdxWriter.writeLabels(lab, new int[] {1, 2}, true);
        String m = message(() -> IdxReader.readDataset(img, lab, NpmMnistReader.CLASS_NAMES, "x", "x"));
        assertTrue(m.contains("holds 3 images") && m.contains("holds 2 labels") && m.contains(img.toString())
                && m.contains(lab.toString()), m);
    }

    @Test
    void labelOutOfRange() {
        Path lab = dir.resolve("lab");
        IdxWriter.writeLabels(lab, new int[] {1, 10, 2}, false);
        String m = message(() -> IdxReader.readLabels(lab, 10));
        assertTrue(m.contains(lab.toString()) && m.contains("label 10 at index 1") && m.contains("0..9"), m);
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope");
        String m = message(() -> IdxReader.readImages(f));
        assertTrue(m.contains(f.toString()) && m.contains("no such file"), m);
    }

    @Test
    void writerRejectsNonByteValuesAndWritesNothing() {
        Tensor t = new Tensor(Shape.of(1, 1, 2, 2), new double[] {0, 1, 0.5, 1.0 / 255});
        Path f = dir.resolve("never");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdxWriter.writeImages(f, t, true));
        assertTrue(e.getMessage().contains("image 0 pixel (row 1, col 0) = 0.5"), e.getMessage());
        assertFalse(Files.exists(f));
        assertThrows(IllegalArgumentException.class, () -> IdxWriter.writeLabels(f, new int[] {256}, false));
        assertFalse(Files.exists(f));
        assertThrows(IllegalArgumentException.class, () -> IdxWriter.write(f, new int[] {2, 2}, new byte[3], false));
        assertFalse(Files.exists(f));
    }

    @Test
    void writeImagesRoundTripThroughTensor() {
        double[] v = new double[2 * 3 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((i * 29) % 256) / 255.0;
        }
        Tensor t = new Tensor(Shape.of(2, 1, 3, 3), v);
        Path img = dir.resolve("t.gz");
        Path lab = dir.resolve("l.gz");
        IdxWriter.writeImages(img, t, true);
        IdxWriter.writeLabels(lab, new int[] {0, 9}, true);
        Dataset d = IdxReader.readDataset(img, lab, NpmMnistReader.CLASS_NAMES, "x", "x");
        assertEquals(0.0, d.inputs().maxAbsDiff(t));
    }
}
