package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.tensor.Shape;
import org.lde.testing.MarkdownBlocks;

/**
 * The CIFAR-10 binary reader on the fixture written by src/scripts/write_cifar10_fixture.py, whose
 * values follow a formula recomputed here: label (3 f + r) % 10, pixel byte
 * (7 f + 13 r + 5 c + 3 y + x) % 256 for record r of file f.
 */
class Cifar10ReaderTest {
    static final Path FIXTURE = MarkdownBlocks.root().resolve("src/test/resources/org/lde/data/cifar10");

    /** File f's record count, as the script writes it. */
    private static int count(int f) {
        return f == 6 ? 2 : f % 2 + 1;
    }

    private static void assertRecord(Dataset d, int i, int f, int r) {
        assertEquals((3 * f + r) % 10, d.labels()[i], "label of sample " + i);
        double[] x = d.inputs().data();
        int off = i * 3072;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int xx = 0; xx < 32; xx++) {
                    double want = ((7 * f + 13 * r + 5 * c + 3 * y + xx) % 256) / 255.0;
                    assertEquals(want, x[off + c * 1024 + y * 32 + xx], 0, "sample " + i + " c" + c + " y" + y + " x" + xx);
                }
            }
        }
    }

    @Test
    void readsTheTrainingBatchesInOrderAndTheTestBatch() {
        Dataset train = Datasets.load("cifar10:" + FIXTURE);
        int n = 0;
        for (int f = 1; f <= 5; f++) {
            n += count(f);
        }
        assertEquals(n, train.size());
        assertEquals(Shape.of(n, 3, 32, 32), train.inputs().shape());
        assertEquals(Cifar10Reader.CLASS_NAMES, train.classNames());
        int i = 0;
        for (int f = 1; f <= 5; f++) {
            for (int r = 0; r < count(f); r++) {
                assertRecord(train, i++, f, r);
            }
        }
        Dataset test = Datasets.load("cifar10:" + FIXTURE + ":test");
        assertEquals(2, test.size());
        assertRecord(test, 0, 6, 0);
        assertRecord(test, 1, 6, 1);
        // one batch file, and a limit that stops inside the second file
        Dataset one = Datasets.load("cifar10:" + FIXTURE.resolve("data_batch_3.bin"));
        assertEquals(2, one.size());
        assertRecord(one, 1, 3, 1);
        Dataset first3 = Datasets.load("cifar10:" + FIXTURE, 3, List.of());
        assertEquals(3, first3.size());
        assertRecord(first3, 2, 2, 0);
        assertTrue(first3.source().contains("first 3 of 8 records"), first3.source());
    }

    @Test
    void truncatedFilesBadLabelsAndMissingBatchesNameTheProblem(@TempDir Path dir) throws Exception {
        for (Path f : Files.list(FIXTURE).toList()) {
            Files.copy(f, dir.resolve(f.getFileName()));
        }
        // a download cut 100 bytes short
        byte[] b = Files.readAllBytes(dir.resolve("data_batch_5.bin"));
        Files.write(dir.resolve("data_batch_5.bin"), Arrays.copyOf(b, b.length - 100));
        DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.load("cifar10:" + dir));
        assertTrue(e.getMessage().contains("data_batch_5.bin") && e.getMessage().contains("6046 bytes is not a whole number of 3073")
                && e.getMessage().contains("1 whole records and 2973 bytes left over"), e.getMessage());
        // the test part does not need the damaged file
        assertEquals(2, Datasets.load("cifar10:" + dir + ":test").size());
        // a label byte of 10 in the second record of the test batch
        byte[] t = Files.readAllBytes(dir.resolve("test_batch.bin"));
        t[Cifar10Reader.RECORD_BYTES] = 10;
        Files.write(dir.resolve("test_batch.bin"), t);
        e = assertThrows(DataFormatException.class, () -> Datasets.load("cifar10:" + dir + ":test"));
        assertTrue(e.getMessage().contains("record 1 (byte offset 3073) has label 10"), e.getMessage());
        // missing training batch, and the Python version's names
        Files.delete(dir.resolve("data_batch_2.bin"));
        Files.write(dir.resolve("data_batch_1"), new byte[] {1});
        e = assertThrows(DataFormatException.class, () -> Datasets.load("cifar10:" + dir));
        assertTrue(e.getMessage().contains("[data_batch_2.bin]") && e.getMessage().contains("cifar-10-batches-py"), e.getMessage());
        // an empty file, a meta file with the wrong number of names, a bad spec
        Path empty = dir.resolve("empty.bin");
        Files.write(empty, new byte[0]);
        e = assertThrows(DataFormatException.class, () -> Datasets.load("cifar10:" + empty));
        assertTrue(e.getMessage().contains("empty file"), e.getMessage());
        Files.writeString(dir.resolve("batches.meta.txt"), "cat\ndog\n");
        e = assertThrows(DataFormatException.class, () -> Datasets.load("cifar10:" + dir + ":test"));
        assertTrue(e.getMessage().contains("batches.meta.txt") && e.getMessage().contains("found 2"), e.getMessage());
        e = assertThrows(DataFormatException.class, () -> Datasets.load("cifar10:" + dir + ":valid"));
        assertTrue(e.getMessage().contains("PATH:train or PATH:test"), e.getMessage());
        e = assertThrows(DataFormatException.class, () -> Datasets.load("cifar10:" + dir.resolve("nothing")));
        assertTrue(e.getMessage().contains("no such CIFAR-10"), e.getMessage());
    }

    @Test
    void theFixtureIsWhatTheScriptWrites() throws Exception {
        // every byte recomputed from the script's formula: a changed fixture or script fails here
        for (int f = 1; f <= 6; f++) {
            String name = f == 6 ? "test_batch.bin" : "data_batch_" + f + ".bin";
            byte[] b = Files.readAllBytes(FIXTURE.resolve(name));
            assertEquals(count(f) * Cifar10Reader.RECORD_BYTES, b.length, name);
            for (int r = 0; r < count(f); r++) {
                assertEquals((3 * f + r) % 10, b[r * Cifar10Reader.RECORD_BYTES], name);
                assertEquals((7 * f + 13 * r + 5 * 2 + 3 * 31 + 31) % 256, b[(r + 1) * Cifar10Reader.RECORD_BYTES - 1] & 0xff, name);
            }
        }
        assertArrayEquals(Cifar10Reader.CLASS_NAMES.toArray(), Files.readAllLines(FIXTURE.resolve("batches.meta.txt")).stream()
                .filter(l -> !l.isBlank()).toArray());
    }
}
