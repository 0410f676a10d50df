package org.lde.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

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
                return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
            } catch (IOException e) {
                in.close();
                throw new DataFormatException(name + ": starts with the gzip magic 1f 8b but its gzip header is invalid: "
                        + e.getMessage(), e);
            }
        }
        return in;
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
