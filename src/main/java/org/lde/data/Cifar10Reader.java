package org.lde.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Reads the CIFAR-10 binary version ({@code cifar-10-batches-bin}, from
 * https://www.cs.toronto.edu/~kriz/cifar.html; not redistributable here, so the user gives its path).
 *
 * <p><b>Format.</b> Each batch file is a sequence of 3073-byte records: one label byte
 * ({@code 0..9}), then the 3072 pixel bytes of a {@code 32 x 32} colour image, channel-major (the
 * 1024 red values row by row, then green, then blue). The standard release has
 * {@code data_batch_1.bin} .. {@code data_batch_5.bin} (training, 10,000 records each) and
 * {@code test_batch.bin}, and {@code batches.meta.txt} with the ten class names, one per line.
 *
 * <p><b>Result.</b> Inputs {@code [N, 3, 32, 32]} with pixel = byte / 255 in {@code [0, 1]}, labels
 * {@code 0..9}, class names from {@code batches.meta.txt} when it is there (exactly ten non-empty
 * lines), else the standard ten names. A directory's training part is the five training batches in
 * order; its test part is {@code test_batch.bin}; a single {@code .bin} file is read as it is.
 *
 * <p><b>Errors.</b> A file whose size is not a whole number of records (a truncated download), a
 * label byte above 9, a missing batch or an unreadable meta file is a {@link DataFormatException}
 * naming the file, the record and the byte offset; nothing is returned. Every file's size is
 * checked before any record is read; with a sample limit only the needed records are read.
 */
public final class Cifar10Reader {
    /** Bytes per record: one label and {@code 3 x 32 x 32} pixels. */
    public static final int RECORD_BYTES = 1 + 3 * 32 * 32;

    /** The standard class names, in label order. */
    public static final List<String> CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
            "ship", "truck");

    /** The training batches of the standard release, in order. */
    public static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");

    /** The test batch of the standard release. */
    public static final String TEST_FILE = "test_batch.bin";

    private Cifar10Reader() {
    }

    /**
     * Reads {@code path}: a {@code cifar-10-batches-bin} directory ({@code part} "train" or "test")
     * or one batch file ({@code part} ignored), at most {@code limit} records.
     */
    public static Dataset read(Path path, String part, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the sample limit must be at least 1, got " + limit);
        }
        List<Path> files = new ArrayList<>();
        List<String> classes = CLASS_NAMES;
        if (Files.isDirectory(path)) {
            if (part.equals("train")) {
                for (String f : TRAIN_FILES) {
                    files.add(path.resolve(f));
                }
            } else if (part.equals("test")) {
                files.add(path.resolve(TEST_FILE));
            } else {
                throw new DataFormatException("CIFAR-10 part must be 'train' or 'test', got '" + part + "'");
            }
            List<String> missing = new ArrayList<>();
            for (Path f : files) {
                if (!Files.isRegularFile(f)) {
                    missing.add(f.getFileName().toString());
                }
            }
            if (!missing.isEmpty()) {
                throw new DataFormatException(path + ": the CIFAR-10 binary " + part + " set needs " + missing
                        + (Files.isRegularFile(path.resolve("data_batch_1")) ? " (this looks like the Python version, "
                                + "cifar-10-batches-py; use the binary version, cifar-10-batches-bin)" : ""));
            }
            Path meta = path.resolve("batches.meta.txt");
            if (Files.isRegularFile(meta)) {
                classes = readMeta(meta);
            }
        } else if (Files.isRegularFile(path)) {
            files.add(path);
        } else {
            throw new DataFormatException(path + ": no such CIFAR-10 directory or batch file");
        }
        long total = 0;
        for (Path f : files) {
            total += records(f);
        }
        int n = (int) Math.min(total, limit);
        double[] x = new double[Math.multiplyExact(n, RECORD_BYTES - 1)];
        int[] labels = new int[n];
        int done = 0;
        byte[] rec = new byte[RECORD_BYTES];
        for (Path f : files) {
            if (done == n) {
                break;
            }
            try (InputStream in = Files.newInputStream(f)) {
                for (long r = 0; done < n && in.readNBytes(rec, 0, RECORD_BYTES) == RECORD_BYTES; r++) {
                    int label = rec[0] & 0xff;
                    if (label > 9) {
                        throw new DataFormatException(f + ": record " + r + " (byte offset " + r * RECORD_BYTES + ") has label "
                                + label + "; CIFAR-10 labels are 0..9");
                    }
                    labels[done] = label;
                    int off = done * (RECORD_BYTES - 1);
                    for (int j = 1; j < RECORD_BYTES; j++) {
                        x[off + j - 1] = (rec[j] & 0xff) / 255.0;
                    }
                    done++;
                }
            } catch (IOException e) {
                throw new DataFormatException(f + ": cannot read: " + e.getMessage(), e);
            }
        }
        if (done != n) {
            throw new DataFormatException(files + ": expected " + n + " records, read " + done + " (a file changed while reading?)");
        }
        String what = Files.isDirectory(path) ? "CIFAR-10 " + part + " set from " + path : "CIFAR-10 batch " + path;
        return Dataset.classification("cifar10:" + (Files.isDirectory(path) ? part : path.getFileName().toString()),
                new Tensor(Shape.of(n, 3, 32, 32), x), labels, classes, List.of(), what + (n < total ? " (first " + n + " of " + total + " records)" : ""));
    }

    /** The number of whole records in {@code f}. @throws DataFormatException when its size is not a multiple of 3073 */
    static long records(Path f) {
        long size;
        try {
            size = Files.size(f);
        } catch (IOException e) {
            throw new DataFormatException(f + ": cannot read: " + e.getMessage(), e);
        }
        if (size == 0) {
            throw new DataFormatException(f + ": empty file; a CIFAR-10 batch holds records of " + RECORD_BYTES + " bytes");
        }
        if (size % RECORD_BYTES != 0) {
            throw new DataFormatException(f + ": " + size + " bytes is not a whole number of " + RECORD_BYTES
                    + "-byte CIFAR-10 records (1 label + 3072 pixels): " + size / RECORD_BYTES + " whole records and "
                    + size % RECORD_BYTES + " bytes left over, so the file is truncated or not a CIFAR-10 binary batch");
        }
        return size / RECORD_BYTES;
    }

    private static List<String> readMeta(Path meta) {
        List<String> lines;
        try {
            lines = Files.readAllLines(meta, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DataFormatException(meta + ": cannot read: " + e.getMessage(), e);
        }
        List<String> names = new ArrayList<>();
        for (String l : lines) {
            if (!l.isBlank()) {
                names.add(l.strip());
            }
        }
        if (names.size() != 10) {
            throw new DataFormatException(meta + ": expected the 10 CIFAR-10 class names, one per line, found " + names.size()
                    + " non-empty lines");
        }
        return names;
    }
}
