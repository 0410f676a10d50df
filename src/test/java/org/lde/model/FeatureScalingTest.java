package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** Per-feature domains: fitting, scaling, refusals, and the model file's {@code features} field. */
class FeatureScalingTest {
    private static final List<String> NAMES = List.of("age", "temp", "dose");
    private static final List<String> UNITS = List.of("years", "deg C", "");

    /** Rows: age 20..60, temp -5..15 (negative values), dose 0..4 (never negative). */
    private static Tensor table() {
        return Tensor.of(Shape.of(3, 3), 20, -5, 0, 40, 15, 4, 60, 0, 1);
    }

    @Test
    void fitWidensTheTrainingRangeByTheMarginAndKeepsNonNegativeFeaturesNonNegative() {
        FeatureScaling f = FeatureScaling.fit(table(), new int[] {0, 1, 2}, NAMES, UNITS, 0.25, "three rows");
        // age: [20, 60] range 40 -> [10, 70]; temp: [-5, 15] range 20 -> [-10, 20]; dose: [0, 4] -> [max(0, -1), 5]
        assertArrayEquals(new double[] {10, -10, 0}, f.lo(), 0);
        assertArrayEquals(new double[] {70, 20, 5}, f.hi(), 0);
        assertEquals(60, f.width(0), 0);
        assertEquals("temp [deg C]", f.label(1));
        assertEquals("dose", f.label(2));
        assertTrue(f.source().contains("three rows") && f.source().contains("0.25"), f.source());
        // only the fitting rows count
        FeatureScaling g = FeatureScaling.fit(table(), new int[] {0, 2}, NAMES, UNITS, 0, "two rows");
        assertArrayEquals(new double[] {20, -5, 0}, g.lo(), 0);
        assertArrayEquals(new double[] {60, 0, 1}, g.hi(), 0);
    }

    @Test
    void scalesToTheUnitBoxAndBackAndConvertsChangesByTheWidth() {
        FeatureScaling f = new FeatureScaling(NAMES, UNITS, new double[] {10, -10, 0}, new double[] {70, 20, 5}, "test");
        Tensor x = f.toNetwork(Tensor.of(Shape.of(1, 3), 40, 5, 5), "t", null);
        assertArrayEquals(new double[] {0.5, 0.5, 1.0}, x.data(), 1e-15);
        assertArrayEquals(new double[] {40, 5, 5}, f.toUnits(x).data(), 1e-12);
        // a change of 0.1 in every scaled feature is 6 years, 3 degrees, 0.5 units of dose
        assertArrayEquals(new double[] {6, 3, 0.5}, f.changeToUnits(Tensor.of(Shape.of(3), 0.1, 0.1, 0.1)).data(), 1e-12);
    }

    @Test
    void aValueOutsideItsDomainOrNaNIsRefusedNamingRowFeatureAndValue() {
        FeatureScaling f = new FeatureScaling(NAMES, UNITS, new double[] {10, -10, 0}, new double[] {70, 20, 5}, "test");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> f.toNetwork(Tensor.of(Shape.of(2, 3), 40, 5, 5, 40, 21, 1), "data 'x'", new int[] {7, 9}));
        assertTrue(e.getMessage().contains("row 9") && e.getMessage().contains("'temp'") && e.getMessage().contains("= 21.0")
                && e.getMessage().contains("[-10.0, 20.0]") && e.getMessage().contains("nothing is clamped"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> f.toNetwork(Tensor.of(Shape.of(1, 3), Double.NaN, 5, 5), "d", null));
        assertTrue(e.getMessage().contains("row 0") && e.getMessage().contains("'age'") && e.getMessage().contains("not a number"),
                e.getMessage());
        // the ends themselves are inside
        assertArrayEquals(new double[] {0, 1, 0}, f.toNetwork(Tensor.of(Shape.of(1, 3), 10, 20, 0), "d", null).data(), 0);
    }

    @Test
    void badScalingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> FeatureScaling.fit(Tensor.of(Shape.of(2, 3), 1, 2, 3, 1, 5, 6), new int[] {0, 1},
                NAMES, UNITS, 0.1, "constant age"));
        assertThrows(IllegalArgumentException.class, () -> FeatureScaling.fit(table(), new int[] {0}, NAMES, UNITS, -1, "x"));
        assertThrows(IllegalArgumentException.class, () -> new FeatureScaling(List.of("a", "a"), List.of("", ""),
                new double[] {0, 0}, new double[] {1, 1}, "dup"));
        assertThrows(IllegalArgumentException.class, () -> new FeatureScaling(List.of("a"), List.of(""), new double[] {1},
                new double[] {1}, "empty domain"));
    }

    private static Network net() {
        return Network.builder(3).seed(4).task(Task.REGRESSION).dense("fc1", 4).relu().dense("fc2", 1).build();
    }

    @Test
    void theModelFileStoresTheFeaturesAndOldFilesLoadWithoutThem(@TempDir Path dir) {
        FeatureScaling f = new FeatureScaling(NAMES, UNITS, new double[] {10, -10, 0}, new double[] {70, 20, 5}, "test rows");
        Network n = net().withFeatures(f);
        Path p = dir.resolve("m.safetensors");
        ModelFile.save(n, p);
        Network back = ModelFile.open(p);
        FeatureScaling g = back.features().orElseThrow();
        assertEquals(f.names(), g.names());
        assertEquals(f.units(), g.units());
        assertArrayEquals(f.lo(), g.lo(), 0);
        assertArrayEquals(f.hi(), g.hi(), 0);
        assertEquals("test rows", g.source());
        // copies, folding and new layers keep them
        assertTrue(back.copy().features().isPresent() && back.folded().features().isPresent());
        // a file without the field (every file written before it existed) loads with none
        Path old = dir.resolve("old.safetensors");
        ModelFile.save(net(), old);
        assertTrue(ModelFile.open(old).features().isEmpty());
        assertTrue(!ModelFile.architectureJson(net()).contains("\"features\""));
    }

    @Test
    void badFeatureFieldsInAFileAreErrorsNamingThem() {
        Network n = net().withFeatures(new FeatureScaling(NAMES, UNITS, new double[] {0, 0, 0}, new double[] {1, 1, 1}, "s"));
        String json = ModelFile.architectureJson(n);
        byte[] ok = ModelFile.toBytes(n);
        String header = new String(ok, StandardCharsets.ISO_8859_1);
        String escaped = json.replace("\"", "\\\"");
        assertTrue(header.contains(escaped));
        for (String[] c : new String[][] {
            {"\\\"units\\\":", "\\\"unit\\\":", "unknown field 'unit'"},
            {"\\\"hi\\\":[1.0,1.0,1.0]", "\\\"hi\\\":[1.0,0.0,1.0]", "must be finite with lo < hi"},
            {"\\\"hi\\\":[1.0,1.0,1.0]", "\\\"hi\\\":[1.0,1.0]", "array of 3 numbers"},
            {"\\\"domain\\\":[0.0,1.0]", "\\\"domain\\\":[0.0,2.0]", "domain must be [0, 1]"},
        }) {
            assertTrue(header.contains(c[0]), c[0] + " not in " + header);
            byte[] bad = withHeader(ok, header.replace(c[0], c[1]));
            ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.fromBytes(bad, "bad.safetensors"));
            assertTrue(e.getMessage().contains(c[2]) && e.getMessage().contains("bad.safetensors"), e.getMessage());
        }
    }

    /** The file with a new header text (the header length prefix rewritten; the data section kept). */
    private static byte[] withHeader(byte[] file, String text) {
        long n = java.nio.ByteBuffer.wrap(file, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        String oldHeader = text.substring(8, text.length() - (file.length - 8 - (int) n));
        byte[] h = oldHeader.getBytes(StandardCharsets.ISO_8859_1);
        byte[] data = java.util.Arrays.copyOfRange(file, 8 + (int) n, file.length);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + data.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }
}
