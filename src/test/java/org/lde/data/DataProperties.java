package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Round trips and error detection over random shapes, contents and cut points. */
class DataProperties {
    private static IdxArray readBytes(byte[] file, int rank) throws IOException {
        try (InputStream in = DataStreams.maybeGunzip(new ByteArrayInputStream(file), "mem")) {
            return IdxReader.read(in, "mem", rank);
        }
    }

    @Property(tries = 60)
    void idxRoundTrip(@ForAll @IntRange(min = 0, max = 7) int n, @ForAll @IntRange(min = 1, max = 9) int h,
                      @ForAll @IntRange(min = 1, max = 9) int w, @ForAll boolean gzip, @ForAll long seed) throws IOException {
        byte[] data = new byte[n * h * w];
        new java.util.Random(seed).nextBytes(data);
        IdxArray a = readBytes(IdxWriter.toBytes(new int[] {n, h, w}, data, gzip), 3);
        assertArrayEquals(new int[] {n, h, w}, a.dims());
        assertArrayEquals(data, a.data());
    }

    /** Every proper prefix and every extension of a raw IDX file is rejected. */
    @Property(tries = 60)
    void idxWrongLengthIsAlwaysDetected(@ForAll @IntRange(min = 1, max = 5) int n, @ForAll @IntRange(min = 1, max = 5) int h,
                                        @ForAll @IntRange(min = 0, max = 200) int cut, @ForAll @IntRange(min = 1, max = 9) int extra) {
        byte[] file = IdxWriter.toBytes(new int[] {n, h, h}, new byte[n * h * h], false);
        int len = cut % file.length;
        assertThrows(DataFormatException.class, () -> readBytes(Arrays.copyOf(file, len), 3));
        assertThrows(DataFormatException.class, () -> readBytes(Arrays.copyOf(file, file.length + extra), 3));
    }

    @Property(tries = 60)
    void csvRoundTrip(@ForAll @Size(min = 1, max = 12) List<@DoubleRange(min = -1e6, max = 1e6) Double> values,
                      @ForAll @IntRange(min = 1, max = 4) int features) throws IOException {
        int rows = values.size();
        StringBuilder sb = new StringBuilder();
        List<String> names = new ArrayList<>();
        for (int j = 0; j < features; j++) {
            names.add("f" + j);
        }
        sb.append(String.join(",", names)).append(",label\n");
        double[] expected = new double[rows * features];
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < features; j++) {
                double v = values.get((i + j) % rows) * (j + 1);
                expected[i * features + j] = v;
                sb.append(j == 0 ? "" : ",").append(v); // Double.toString: e.g. 1.0E-5, parsed back exactly
            }
            labels[i] = i % 2 == 0 ? 5 : 2;
            sb.append(',').append(labels[i]).append('\n');
        }
        Dataset d = CsvReader.read(new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)), "mem", "t", "t",
                CsvReader.Options.defaults());
        assertArrayEquals(expected, d.inputs().data());
        assertEquals(names, d.featureNames());
        for (int i = 0; i < rows; i++) {
            assertEquals(d.classNames().get(d.label(i)), Integer.toString(labels[i]));
        }
    }

    /** A bad token anywhere in the table is reported at its exact line and column. */
    @Property(tries = 60)
    void csvBadTokenLocation(@ForAll @IntRange(min = 0, max = 5) int row, @ForAll @IntRange(min = 0, max = 2) int col,
                             @ForAll @IntRange(min = 0, max = 3) int kind) throws IOException {
        String[] bad = {"abc", "NaN", "", "1.2.3"};
        StringBuilder sb = new StringBuilder("a,b,c,y\n");
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 3; j++) {
                sb.append(i == row && j == col ? bad[kind] : Integer.toString(i * 3 + j)).append(',');
            }
            sb.append("1\n");
        }
        DataFormatException e = assertThrows(DataFormatException.class, () -> CsvReader.read(
                new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)), "mem", "t", "t", CsvReader.Options.defaults()));
        String where = String.format(Locale.ROOT, "mem: line %d, column %d ('%s'): ", row + 2, col + 1, "abc".substring(col, col + 1));
        assertTrue(e.getMessage().startsWith(where), e.getMessage() + " vs " + where);
    }
}
