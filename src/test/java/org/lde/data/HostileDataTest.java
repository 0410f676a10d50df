package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14's hostile data files: gzip trailers and trailing bytes, limits, declared sizes, labels. */
class HostileDataTest {
    @TempDir
    Path dir;

    private static String message(Runnable r) {
        String m = assertThrows(DataFormatException.class, r::run).getMessage();
        assertFalse(m.contains("null"), m);
        return m;
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(b)) {
            g.write(raw);
        }
        return b.toByteArray();
    }

    private static byte[] labels(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i % 10);
        }
        return IdxWriter.toBytes(new int[] {n}, d, false);
    }

    @Test
    void gzipTrailingGarbageIsRejectedAndConcatenatedMembersAreRead() throws IOException {
        byte[] raw = labels(5);
        byte[] gz = gzip(raw);
        Path f = dir.resolve("l.gz");
        Files.write(f, concat(gz, "garbage".getBytes(StandardCharsets.US_ASCII)));
        String m = message(() -> IdxReader.readLabels(f, 10));
        assertTrue(m.contains(f + ": gzip stream is corrupt or truncated: member 2, compressed byte " + gz.length
                + ": trailing bytes after the end of the gzip data"), m);
        // two members: the concatenation of their contents (RFC 1952)
        Path two = dir.resolve("two.gz");
        Files.write(two, concat(gzip(Arrays.copyOf(raw, 7)), gzip(Arrays.copyOfRange(raw, 7, raw.length))));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, IdxReader.readLabels(two, 10));
    }

    @Test
    void gzipErrorsAlwaysHaveAMessage() throws IOException {
        byte[] gz = gzip(labels(300));
        // every truncation and every single-byte flip of the stream: a DataFormatException without "null"
        for (int cut = 0; cut < gz.length; cut++) {
            int c = cut;
            Path f = dir.resolve("cut" + cut + ".gz");
            Files.write(f, Arrays.copyOf(gz, c));
            if (c >= 2) {
                message(() -> IdxReader.readLabels(f, 10));
            }
            Files.delete(f);
        }
        for (int at = 2; at < gz.length; at++) {
            byte[] b = gz.clone();
            b[at] ^= (byte) 0x5a;
            Path f = dir.resolve("flip.gz");
            Files.write(f, b);
            try {
                IdxReader.readLabels(f, 10);
            } catch (DataFormatException e) {
                assertFalse(e.getMessage().contains("null"), e.getMessage());
            }
        }
        byte[] crc = gz.clone();
        crc[crc.length - 6] ^= 1; // in the CRC-32 of the trailer
        Path f = dir.resolve("crc.gz");
        Files.write(f, crc);
        assertTrue(message(() -> IdxReader.readLabels(f, 10)).contains("CRC-32 mismatch"));
    }

    /** A stream of {@code header} followed by {@code zeros} zero bytes that are never stored. */
    private static InputStream header(byte[] header, long zeros) {
        return new InputStream() {
            int at;
            long left = zeros;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at < header.length) {
                    int n = Math.min(len, header.length - at);
                    System.arraycopy(header, at, b, off, n);
                    at += n;
                    return n;
                }
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
    }

    @Test
    void aLimitIsHonouredBeforeAllocating() {
        // 2,700,000 images of 28 x 28 = 2.1e9 bytes declared and present: with limit 1 only one image is
        // stored (allocating what the header declares would not fit the test JVM's heap)
        byte[] h = idxHeader(2_700_000, 28, 28);
        IdxArray a = IdxReader.read(header(h, 2_700_000L * 784), "big", 3, 1, -1);
        assertArrayEquals(new int[] {1, 28, 28}, a.dims());
        // declared but absent: memory follows the bytes that arrive, and the error says how many did
        String m = message(() -> IdxReader.read(header(h, 5000), "short", 3, Integer.MAX_VALUE, -1));
        assertTrue(m.contains("short: truncated") && m.contains("only 5000 data bytes follow"), m);
        m = message(() -> IdxReader.read(header(h, 5000), "short", 3, 1, -1));
        assertTrue(m.contains("only 5000 data bytes follow"), m);
    }

    @Test
    void aRawFilesDeclaredSizeIsCheckedAgainstItsRealSize() throws IOException {
        byte[] h = idxHeader(2_700_000, 28, 28);
        Path f = dir.resolve("lie");
        Files.write(f, concat(h, new byte[784]));
        String m = message(() -> IdxReader.readImages(f, 1));
        assertTrue(m.contains("truncated") && m.contains("only 784 data bytes follow (800 bytes in all)"), m);
        Dataset d = Datasets.load("idx:" + write("i", new int[] {3, 2, 2}, new byte[12]) + "," + write("l", new int[] {3},
                new byte[] {4, 5, 6}), 2, List.of());
        assertEquals(2, d.size());
        assertArrayEquals(new int[] {4, 5}, d.labels());
        m = message(() -> Datasets.load("idx:" + dir.resolve("i") + "," + write("l4", new int[] {4}, new byte[4]), 1,
                List.of()));
        assertTrue(m.contains("holds 3 images but labels file") && m.contains("holds 4 labels"), m);
    }

    private Path write(String name, int[] dims, byte[] data) {
        Path p = dir.resolve(name);
        IdxWriter.write(p, dims, data, false);
        return p;
    }

    @Test
    void csvLabelsAreCheckedAgainstTheModelsClasses() throws IOException {
        Path f = dir.resolve("t.csv");
        Files.writeString(f, "a,y\n1,benign\n2,0\n3,1\n");
        Dataset d = Datasets.load("csv:" + f, Integer.MAX_VALUE, List.of("malignant", "benign"));
        assertArrayEquals(new int[] {1, 0, 1}, d.labels());
        assertTrue(d.source().contains("'benign' -> 1 'benign'") && d.source().contains("'0' -> 0 'malignant'"), d.source());
        Files.writeString(f, "a,y\n1,2\n");
        String m = message(() -> Datasets.load("csv:" + f, Integer.MAX_VALUE, List.of("malignant", "benign")));
        assertTrue(m.contains("class label '2' is neither one of the 2 class names"), m);
        Files.writeString(f, "a,y\n1,9\n");
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), Datasets.load("csv:" + f).classNames());
        Files.writeString(f, "a,y\n1,4000000000\n");
        m = message(() -> Datasets.load("csv:" + f));
        assertTrue(m.contains("is not a class index in 0..65535"), m);
        m = message(() -> Datasets.load("idx:" + write("i2", new int[] {1, 1, 1}, new byte[1]) + ","
                + write("l2", new int[] {1}, new byte[] {7}), 5, List.of("a", "b")));
        assertTrue(m.contains("label 7 ('7') of sample 0 is not one of the model's 2 classes"), m);
    }

    @Test
    void csvLinesAreBoundedAndALimitStopsReading() throws IOException {
        InputStream endless = header(new byte[0], Long.MAX_VALUE);
        String m = message(() -> CsvReader.read(endless, "zeros", "z", "z", CsvReader.Options.defaults(), 10));
        assertTrue(m.contains("zeros: line 1 is longer than " + CsvReader.MAX_LINE_CHARS + " characters"), m);
        // only the first two rows are read: the bad third row is never seen
        byte[] csv = "a,y\n1,0\n2,1\nbad,1\n".getBytes(StandardCharsets.UTF_8);
        Dataset d = CsvReader.read(new ByteArrayInputStream(csv), "t", "t", "t", CsvReader.Options.defaults(), 2);
        assertEquals(2, d.size());
    }

    /** The 16-byte header of u8 images {@code [n, h, w]} (big-endian dimensions). */
    private static byte[] idxHeader(int n, int h, int w) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putInt(IdxReader.MAGIC_U8_IMAGES).putInt(n).putInt(h).putInt(w);
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
