package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.tensor.Shape;

class CsvReaderTest {
    @TempDir
    Path dir;

    private Path csv(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static String message(Runnable r) {
        return assertThrows(DataFormatException.class, r::run).getMessage();
    }

    @Test
    void classificationLabelsAreClassIndicesNeverRenumbered() throws IOException {
        Path f = csv("t.csv", "a,b,cls\n1,2.5,7\n-3,1e-2,3\n0.5,.25,7\n");
        Dataset d = CsvReader.read(f);
        assertEquals("t", d.name());
        assertEquals(Shape.of(3, 2), d.inputs().shape());
        assertArrayEquals(new double[] {1, 2.5, -3, 0.01, 0.5, 0.25}, d.inputs().data());
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7"), d.classNames());
        assertArrayEquals(new int[] {7, 3, 7}, d.labels());
        assertTrue(d.source().contains("labels are class indices as written"), d.source());
        assertEquals(List.of("a", "b"), d.featureNames());
        assertFalse(d.hasTargets());
    }

    @Test
    void labelColumnByNameIndexAndNegativeIndex() throws IOException {
        Path f = csv("t.csv", "y,a,b\n1,10,20\n0,30,40\n");
        Dataset byName = CsvReader.read(f, CsvReader.Options.defaults().labelColumn("y"));
        Dataset byIndex = CsvReader.read(f, CsvReader.Options.defaults().labelColumn(0));
        Dataset bySpec = CsvReader.read(f, CsvReader.Options.defaults().labelColumnSpec("0"));
        Dataset fromEnd = CsvReader.read(f, CsvReader.Options.defaults().labelColumn(-3));
        for (Dataset d : List.of(byName, byIndex, bySpec, fromEnd)) {
            assertArrayEquals(new int[] {1, 0}, d.labels());
            assertArrayEquals(new double[] {10, 20, 30, 40}, d.inputs().data());
            assertEquals(List.of("a", "b"), d.featureNames());
        }
    }

    @Test
    void regressionTarget() throws IOException {
        Path f = csv("r.csv", "x1,x2,price\n1,2,3.5\n4,5,-6.25\n");
        Dataset d = CsvReader.read(f, CsvReader.Options.defaults().regression());
        assertFalse(d.hasLabels());
        assertEquals(Shape.of(2, 1), d.targets().shape());
        assertArrayEquals(new double[] {3.5, -6.25}, d.targets().data());
    }

    @Test
    void explicitClassNamesRequireCodesInRange() throws IOException {
        Path f = csv("c.csv", "a,t\n1,0\n2,1\n");
        Dataset d = CsvReader.read(f, CsvReader.Options.defaults().classNames(List.of("no", "yes")));
        assertEquals(List.of("no", "yes"), d.classNames());
        Path g = csv("c2.csv", "a,t\n1,0\n2,2\n");
        String m = message(() -> CsvReader.read(g, CsvReader.Options.defaults().classNames(List.of("no", "yes"))));
        assertTrue(m.contains(g + ": line 3, column 2 ('t'): class label '2' is neither one of the 2 class names [no, yes]"
                + " nor a class index 0..1"), m);
    }

    @Test
    void quotedFieldsCrlfBomAndGzip() throws IOException {
        Path f = csv("q.csv", "\uFEFF\"a, first\",\"b \"\"x\"\"\",y\r\n\"1.5\",2,0\r\n3,4,1\r\n");
        Dataset d = CsvReader.read(f);
        assertEquals(List.of("a, first", "b \"x\""), d.featureNames());
        assertArrayEquals(new double[] {1.5, 2, 3, 4}, d.inputs().data());
        Path g = dir.resolve("q.data");
        Files.write(g, SampleDataMaker.gzip(Files.readAllBytes(f)));
        assertArrayEquals(d.inputs().data(), CsvReader.read(g).inputs().data());
    }

    @Test
    void badNumberNamesLineAndColumn() throws IOException {
        Path f = csv("bad.csv", "a,b,c,y\n1,2,3,0\n4,5x,6,1\n");
        String m = message(() -> CsvReader.read(f));
        assertEquals(f + ": line 3, column 2 ('b'): value '5x' is not a number", m);
    }

    @Test
    void nanInfMissingAndOverflowAreErrors() throws IOException {
        Path a = csv("nan.csv", "a,y\nNaN,0\n");
        assertTrue(message(() -> CsvReader.read(a)).contains("line 2, column 1 ('a'): value 'NaN' is not finite"));
        Path b = csv("inf.csv", "a,y\n1,0\n-Infinity,1\n");
        assertTrue(message(() -> CsvReader.read(b)).contains("line 3, column 1 ('a'): value '-Infinity' is not finite"));
        Path c = csv("miss.csv", "a,b,y\n1,,0\n");
        assertTrue(message(() -> CsvReader.read(c)).contains("line 2, column 2 ('b'): missing value"));
        Path d = csv("big.csv", "a,y\n1e999,0\n");
        assertTrue(message(() -> CsvReader.read(d)).contains("value '1e999' overflows a double"));
        Path e = csv("hex.csv", "a,y\n0x10,0\n");
        assertTrue(message(() -> CsvReader.read(e)).contains("value '0x10' is not a number"));
        Path g = csv("lab.csv", "a,y\n1,0.5\n");
        assertTrue(message(() -> CsvReader.read(g)).contains("line 2, column 2 ('y'): class label '0.5' is not an integer"));
        Path h = csv("nolab.csv", "a,y\n1,\n");
        assertTrue(message(() -> CsvReader.read(h)).contains("line 2, column 2 ('y'): missing class label"));
    }

    @Test
    void wrongFieldCount() throws IOException {
        Path f = csv("w.csv", "a,b,y\n1,2,0\n1,2\n");
        assertEquals(f + ": line 3 has 2 fields, the header has 3", message(() -> CsvReader.read(f)));
        Path g = csv("w2.csv", "a,b,y\n1,2,0,\n");
        assertEquals(g + ": line 2 has 4 fields, the header has 3", message(() -> CsvReader.read(g)));
    }

    @Test
    void missingLabelColumn() throws IOException {
        Path f = csv("m.csv", "a,b,y\n1,2,0\n");
        String m = message(() -> CsvReader.read(f, CsvReader.Options.defaults().labelColumn("target")));
        assertEquals(f + ": no label column named 'target'; the columns are [a, b, y]", m);
        m = message(() -> CsvReader.read(f, CsvReader.Options.defaults().labelColumn(3)));
        assertTrue(m.contains("label column index 3 is outside the 3 columns"), m);
        m = message(() -> CsvReader.read(f, CsvReader.Options.defaults().labelColumnSpec("label")));
        assertTrue(m.contains("no label column named 'label'"), m);
    }

    @Test
    void headerProblemsAndEmptyLines() throws IOException {
        Path dup = csv("d.csv", "a,a,y\n1,2,0\n");
        assertTrue(message(() -> CsvReader.read(dup)).contains("line 1: duplicate column name 'a' at columns 1 and 2"));
        Path emptyName = csv("e.csv", "a,,y\n1,2,0\n");
        assertTrue(message(() -> CsvReader.read(emptyName)).contains("line 1, column 2: empty column name"));
        Path blank = csv("b.csv", "a,y\n1,0\n\n2,1\n");
        assertTrue(message(() -> CsvReader.read(blank)).contains("line 3 is empty"));
        Path none = csv("n.csv", "a,y\n");
        assertTrue(message(() -> CsvReader.read(none)).contains("no data lines after the header"));
        Path empty = csv("z.csv", "");
        assertTrue(message(() -> CsvReader.read(empty)).contains("file is empty"));
        Path quote = csv("u.csv", "a,y\n\"1,0\n");
        assertTrue(message(() -> CsvReader.read(quote)).contains("line 2, column 1: unterminated quoted field"));
    }
}
