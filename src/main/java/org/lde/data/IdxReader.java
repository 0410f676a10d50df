package org.lde.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipException;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed (detected by the
 * gzip magic {@code 1f 8b} at the start of the file, not by its name).
 *
 * <p>Format: a 4-byte magic {@code 00 00 TT RR} (two zero bytes, data type {@code TT}, rank
 * {@code RR}), then {@code RR} big-endian unsigned 32-bit dimension sizes, then the values in
 * row-major order. Only data type {@code 0x08} (unsigned byte) is supported: images are magic
 * {@code 0x00000803} ({@code [N, rows, cols]}), labels {@code 0x00000801} ({@code [N]}). The file
 * (after decompression) must hold exactly the bytes the header declares: a shorter or longer file is
 * an error. Every error is a {@link DataFormatException} that names the file and the problem.
 */
public final class IdxReader {
    /** Magic of u8 images {@code [N, rows, cols]}. */
    public static final int MAGIC_U8_IMAGES = 0x00000803;
    /** Magic of u8 labels {@code [N]}. */
    public static final int MAGIC_U8_LABELS = 0x00000801;
    /** The IDX data-type byte for unsigned bytes. */
    public static final int DTYPE_U8 = 0x08;

    private IdxReader() {
    }

    /** Reads a u8 IDX file of any rank from 1 to 8. */
    public static IdxArray read(Path file) {
        try (InputStream in = DataStreams.open(file)) {
            return read(in, file.toString(), -1, Integer.MAX_VALUE, DataStreams.plainSize(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a u8 IDX array from {@code in} (already decompressed; see {@link DataStreams}), named
     * {@code name} in messages. {@code expectedRank} of -1 accepts ranks 1 to 8. Reads {@code in} to
     * its end (to detect trailing bytes); does not close it.
     */
    static IdxArray read(InputStream in, String name, int expectedRank) {
        return read(in, name, expectedRank, Integer.MAX_VALUE, -1);
    }

    /**
     * As {@link #read(InputStream, String, int)}, keeping only the first {@code limit} entries of the
     * first dimension (the rest is read and counted, never stored, so a file is still checked to hold
     * exactly what its header declares). {@code plainSize} is the file's size when it is known and
     * uncompressed (else -1): then the declared size is checked against it before anything is
     * allocated. Otherwise memory grows only with the bytes that actually arrive.
     */
    static IdxArray read(InputStream in, String name, int expectedRank, int limit, long plainSize) {
        if (limit < 1) {
            throw new IllegalArgumentException(name + ": limit must be at least 1, got " + limit);
        }
        try {
            byte[] magic = in.readNBytes(4);
            if (magic.length < 4) {
                throw new DataFormatException(name + ": file has only " + magic.length + " bytes, too short for the 4-byte IDX magic number");
            }
            int m = ((magic[0] & 0xFF) << 24) | ((magic[1] & 0xFF) << 16) | ((magic[2] & 0xFF) << 8) | (magic[3] & 0xFF);
            String magicText = String.format("0x%08X", m);
            if (magic[0] != 0 || magic[1] != 0) {
                throw new DataFormatException(name + ": bad magic number " + magicText
                        + " (an IDX file starts with two zero bytes; is this an IDX file?)");
            }
            int dtype = magic[2] & 0xFF;
            if (dtype != DTYPE_U8) {
                throw new DataFormatException(name + ": magic number " + magicText + " declares data type 0x"
                        + String.format("%02X", dtype) + " (" + dtypeName(dtype) + "); only 0x08 (unsigned byte) is supported");
            }
            int rank = magic[3] & 0xFF;
            if (expectedRank > 0 && rank != expectedRank) {
                throw new DataFormatException(name + ": magic number " + magicText + " declares " + rank + " dimension(s), expected "
                        + expectedRank + " (magic " + String.format("0x%08X", (DTYPE_U8 << 8) | expectedRank) + ", "
                        + (expectedRank == 3 ? "images [N, rows, cols]" : expectedRank == 1 ? "labels [N]" : "rank " + expectedRank) + ")");
            }
            if (rank < 1 || rank > 8) {
                throw new DataFormatException(name + ": magic number " + magicText + " declares " + rank + " dimensions; supported are 1 to 8");
            }
            byte[] header = in.readNBytes(4 * rank);
            if (header.length < 4 * rank) {
                throw new DataFormatException(name + ": file ends inside the header: " + rank + " dimension sizes need "
                        + (4 * rank) + " bytes after the magic, only " + header.length + " present");
            }
            int[] dims = new int[rank];
            long size = 1;
            for (int a = 0; a < rank; a++) {
                long d = ((long) (header[4 * a] & 0xFF) << 24) | ((header[4 * a + 1] & 0xFF) << 16)
                        | ((header[4 * a + 2] & 0xFF) << 8) | (header[4 * a + 3] & 0xFF);
                if (d > Integer.MAX_VALUE) {
                    throw new DataFormatException(name + ": dimension " + a + " has size " + d + ", too large");
                }
                dims[a] = (int) d;
                size *= d;
                if (size > Integer.MAX_VALUE - 8) {
                    throw new DataFormatException(name + ": dimensions " + java.util.Arrays.toString(java.util.Arrays.copyOf(dims, a + 1))
                            + " declare more than " + (Integer.MAX_VALUE - 8) + " values, too many for one array");
                }
            }
            long headerBytes = 4 + 4L * rank;
            if (plainSize >= 0 && plainSize < headerBytes + size) {
                throw new DataFormatException(name + ": truncated: the header declares dimensions " + java.util.Arrays.toString(dims)
                        + " = " + size + " data bytes (" + (headerBytes + size) + " bytes in all), but only "
                        + (plainSize - headerBytes) + " data bytes follow (" + plainSize + " bytes in all)");
            }
            if (plainSize > headerBytes + size) {
                throw new DataFormatException(name + ": too long: the header declares dimensions " + java.util.Arrays.toString(dims)
                        + " = " + size + " data bytes (" + (headerBytes + size) + " bytes in all), but "
                        + (plainSize - headerBytes - size) + " more bytes follow them");
            }
            long row = dims[0] == 0 ? 0 : size / dims[0];
            int rows = Math.min(dims[0], limit);
            long want = rows * row;
            byte[] data = DataStreams.readUpTo(in, want);
            long got = data.length;
            if (got == want) {
                got += DataStreams.skipUpTo(in, size - want);
            }
            if (got < size) {
                throw new DataFormatException(name + ": truncated: the header declares dimensions " + java.util.Arrays.toString(dims)
                        + " = " + size + " data bytes (" + (headerBytes + size) + " bytes in all), but only " + got
                        + " data bytes follow (" + (headerBytes + got) + " bytes in all)");
            }
            long extra = DataStreams.skipUpTo(in, Long.MAX_VALUE);
            if (extra > 0) {
                throw new DataFormatException(name + ": too long: the header declares dimensions " + java.util.Arrays.toString(dims)
                        + " = " + size + " data bytes (" + (headerBytes + size) + " bytes in all), but " + extra
                        + " more bytes follow them");
            }
            dims[0] = rows;
            return new IdxArray(name, dims, data);
        } catch (ZipException | EOFException e) {
            throw new DataFormatException(name + ": gzip stream is corrupt or truncated: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": read failed: " + e.getMessage(), e);
        }
    }

    private static String dtypeName(int dtype) {
        switch (dtype) {
            case 0x08: return "unsigned byte";
            case 0x09: return "signed byte";
            case 0x0B: return "short";
            case 0x0C: return "int";
            case 0x0D: return "float";
            case 0x0E: return "double";
            default: return "not an IDX data type";
        }
    }

    /** Reads u8 images: magic {@code 0x00000803}, dimensions {@code [N, rows, cols]} with rows, cols >= 1. */
    public static IdxArray readImages(Path file) {
        return readImages(file, Integer.MAX_VALUE);
    }

    /** {@link #readImages(Path)} keeping only the first {@code limit} images (the others are never stored). */
    public static IdxArray readImages(Path file, int limit) {
        try (InputStream in = DataStreams.open(file)) {
            return checkImages(read(in, file.toString(), 3, limit, DataStreams.plainSize(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads u8 labels (magic {@code 0x00000801}, {@code [N]}), each of which must be in {@code 0..numClasses-1}. */
    public static int[] readLabels(Path file, int numClasses) {
        return readLabels(file, numClasses, Integer.MAX_VALUE);
    }

    /** {@link #readLabels(Path, int)} keeping only the first {@code limit} labels. */
    public static int[] readLabels(Path file, int numClasses, int limit) {
        try (InputStream in = DataStreams.open(file)) {
            return checkLabels(read(in, file.toString(), 1, limit, DataStreams.plainSize(file)), numClasses);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** The first dimension an IDX file's header declares, or -1 when the header is too short (the full read reports it). */
    private static long declaredCount(Path file) {
        try (InputStream in = DataStreams.open(file)) {
            byte[] h = in.readNBytes(8);
            if (h.length < 8) {
                return -1;
            }
            return ((long) (h[4] & 0xFF) << 24) | ((h[5] & 0xFF) << 16) | ((h[6] & 0xFF) << 8) | (h[7] & 0xFF);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    static IdxArray checkImages(IdxArray a) {
        if (a.dim(1) < 1 || a.dim(2) < 1) {
            throw new DataFormatException(a.source() + ": images of " + a.dim(1) + " x " + a.dim(2) + " pixels have no pixels");
        }
        return a;
    }

    static int[] checkLabels(IdxArray a, int numClasses) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.u8(i);
            if (out[i] >= numClasses) {
                throw new DataFormatException(a.source() + ": label " + out[i] + " at index " + i + " (byte offset " + (8 + i)
                        + ") is outside the " + numClasses + " classes 0.." + (numClasses - 1));
            }
        }
        return out;
    }

    /**
     * Reads an images file and a labels file into a data set of inputs {@code [N, 1, rows, cols]}
     * (pixel = byte / 255) and labels; the two files must hold the same N.
     */
    public static Dataset readDataset(Path images, Path labels, List<String> classNames, String name, String source) {
        return readDataset(images, labels, classNames, name, source, Integer.MAX_VALUE);
    }

    /**
     * {@link #readDataset(Path, Path, List, String, String)} keeping only the first {@code limit}
     * samples; both files are still checked to hold what their headers declare (and the same N).
     */
    public static Dataset readDataset(Path images, Path labels, List<String> classNames, String name, String source,
                                      int limit) {
        long ni = declaredCount(images);
        long nl = declaredCount(labels);
        if (ni >= 0 && nl >= 0 && ni != nl) {
            throw new DataFormatException("images file " + images + " holds " + ni + " images but labels file "
                    + labels + " holds " + nl + " labels");
        }
        IdxArray img = readImages(images, limit);
        int[] lab = readLabels(labels, classNames.size(), limit);
        return toDataset(img, lab, labels.toString(), classNames, name, source);
    }

    static Dataset toDataset(IdxArray img, int[] labels, String labelsSource, List<String> classNames, String name, String source) {
        if (img.dim(0) != labels.length) {
            throw new DataFormatException("images file " + img.source() + " holds " + img.dim(0) + " images but labels file "
                    + labelsSource + " holds " + labels.length + " labels");
        }
        double[] x = new double[img.size()];
        byte[] raw = img.data();
        for (int i = 0; i < x.length; i++) {
            x[i] = (raw[i] & 0xFF) / 255.0;
        }
        Tensor inputs = new Tensor(Shape.of(img.dim(0), 1, img.dim(1), img.dim(2)), x);
        return Dataset.classification(name, inputs, labels, classNames, List.of(), source);
    }
}
