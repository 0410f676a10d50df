package org.lde.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.lde.io.AtomicFiles;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Writes u8 IDX files (see {@link IdxReader} for the format), raw or gzip-compressed. The gzip output
 * is deterministic: modification time 0, no file name, compression level 9, so the same content
 * gives the same bytes on every run. Arguments are validated before the file is opened, so bad input
 * leaves no file behind; an existing file at {@code file} is replaced.
 */
public final class IdxWriter {
    private IdxWriter() {
    }

    /** The IDX bytes (gzip-compressed if {@code gzip}) of u8 {@code data} with dimensions {@code dims}. */
    public static byte[] toBytes(int[] dims, byte[] data, boolean gzip) {
        if (dims.length < 1 || dims.length > 8) {
            throw new IllegalArgumentException("IDX rank must be 1 to 8, got " + dims.length);
        }
        long size = 1;
        for (int a = 0; a < dims.length; a++) {
            if (dims[a] < 0) {
                throw new IllegalArgumentException("negative dimension " + dims[a] + " at axis " + a);
            }
            size *= dims[a];
        }
        if (size != data.length) {
            throw new IllegalArgumentException("dimensions " + Arrays.toString(dims) + " need " + size + " bytes, got " + data.length);
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream(8 + 4 * dims.length + data.length);
        try (OutputStream out = gzip ? new DeterministicGzip(buf) : buf) {
            out.write(new byte[] {0, 0, (byte) IdxReader.DTYPE_U8, (byte) dims.length});
            for (int d : dims) {
                out.write(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
            }
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    /** Writes u8 {@code data} with dimensions {@code dims} to {@code file}. */
    public static void write(Path file, int[] dims, byte[] data, boolean gzip) {
        byte[] bytes = toBytes(dims, data, gzip);
        AtomicFiles.writeBytes(file, bytes);
    }

    /**
     * Writes images {@code [N, 1, H, W]} or {@code [N, H, W]} with values in {@code [0, 1]} that are
     * exact multiples of 1/255 (within 1e-9 * 255), as u8 {@code [N, H, W]} (byte = value * 255).
     * Any other value is an error naming the image and pixel: nothing is rounded or clamped.
     */
    public static void writeImages(Path file, Tensor images, boolean gzip) {
        Shape s = images.shape();
        boolean ok = s.rank() == 3 || (s.rank() == 4 && s.dim(1) == 1);
        if (!ok) {
            throw new IllegalArgumentException("images must be [N, 1, H, W] or [N, H, W], got " + s);
        }
        int n = s.dim(0), h = s.dim(s.rank() - 2), w = s.dim(s.rank() - 1);
        double[] x = images.data();
        byte[] b = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i] * 255.0;
            long r = Math.round(v);
            if (!(Math.abs(v - r) <= 1e-9 * 255) || r < 0 || r > 255) {
                int img = i / (h * w), p = i % (h * w);
                throw new IllegalArgumentException("image " + img + " pixel (row " + (p / w) + ", col " + (p % w) + ") = " + x[i]
                        + " is not k/255 for an integer k in 0..255");
            }
            b[i] = (byte) r;
        }
        write(file, new int[] {n, h, w}, b, gzip);
    }

    /** Writes labels (each in 0..255) as u8 {@code [N]}. {@code labels} is not modified. */
    public static void writeLabels(Path file, int[] labels, boolean gzip) {
        byte[] b = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > 255) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i + " does not fit an unsigned byte");
            }
            b[i] = (byte) labels[i];
        }
        write(file, new int[] {labels.length}, b, gzip);
    }

    /** gzip with a fixed header (mtime 0, no name; Java writes no name) and the best compression. */
    static final class DeterministicGzip extends GZIPOutputStream {
        DeterministicGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_COMPRESSION);
        }
    }
}
