package org.lde.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opening files and resources, transparently un-gzipping them (detected by content, not name). */
final class DataStreams {
    private DataStreams() {
    }

    /** The two magic bytes that start every gzip member. */
    static final int GZIP_MAGIC_0 = 0x1f;
    static final int GZIP_MAGIC_1 = 0x8b;

    /**
     * Opens {@code file}; if its first two bytes are the gzip magic {@code 1f 8b}, the returned stream
     * yields the decompressed bytes. A missing or unreadable file is a {@link DataFormatException}
     * naming it.
     */
    static InputStream open(Path file) {
        if (!Files.exists(file)) {
            throw new DataFormatException(file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new DataFormatException(file + ": is a directory, expected a file");
        }
        try {
            return maybeGunzip(Files.newInputStream(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file + ": no such file", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open: " + e.getMessage(), e);
        }
    }

    /** Opens a classpath resource (absolute name, e.g. {@code /org/lde/data/x.gz}), un-gzipping by content. */
    static InputStream openResource(String resource) {
        InputStream in = DataStreams.class.getResourceAsStream(resource);
        if (in == null) {
            throw new DataFormatException("classpath resource " + resource + " not found (is the lde jar complete?)");
        }
        try {
            return maybeGunzip(in, "classpath:" + resource);
        } catch (IOException e) {
            throw new UncheckedIOException("classpath:" + resource + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Wraps {@code raw} so that gzip content (by its magic) is decompressed; the stream is buffered. */
    static InputStream maybeGunzip(InputStream raw, String name) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == GZIP_MAGIC_0 && b1 == GZIP_MAGIC_1) {
            try {
                return new BufferedInputStream(new StrictGzipInputStream(in, name), 1 << 16);
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }
        return in;
    }

    /**
     * The size in bytes of {@code file} when it is a regular, uncompressed file (so that a header's
     * declared size can be checked against it before anything is allocated), otherwise -1 (gzip
     * content, devices, pipes).
     */
    static long plainSize(Path file) {
        try {
            return Files.isRegularFile(file) && !isGzip(file) ? Files.size(file) : -1;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Reads up to {@code want} bytes, allocating only as they arrive (so a header that declares
     * more than the stream holds never costs more memory than the bytes that are there).
     */
    static byte[] readUpTo(InputStream in, long want) throws IOException {
        byte[] data = new byte[(int) Math.min(want, 1 << 20)];
        int n = 0;
        while (n < want) {
            if (n == data.length) {
                data = java.util.Arrays.copyOf(data, (int) Math.min(want, 2L * data.length));
            }
            int r = in.read(data, n, data.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n == data.length ? data : java.util.Arrays.copyOf(data, n);
    }

    /** Reads and discards up to {@code count} bytes; returns how many there were. */
    static long skipUpTo(InputStream in, long count) throws IOException {
        byte[] buf = new byte[1 << 16];
        long done = 0;
        while (done < count) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, count - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    /** True if the file starts with the gzip magic bytes. */
    static boolean isGzip(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == GZIP_MAGIC_0 && in.read() == GZIP_MAGIC_1;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
