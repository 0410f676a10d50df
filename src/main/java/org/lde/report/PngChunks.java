package org.lde.report;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * Checks a PNG file's structure before it is decoded (ImageIO ignores CRC errors and accepts
 * BMP, GIF and JPEG files under any name): the 8-byte PNG signature, every chunk's length and
 * CRC-32, an IHDR first whose size is the one expected (checked before any pixel memory is
 * allocated, so a header that declares 100000 x 100000 pixels costs nothing), an IEND last and
 * nothing after it. Memory is bounded by a 64 KiB buffer. Errors are IllegalArgumentExceptions
 * that name the file, the chunk and its byte offset.
 */
final class PngChunks {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngChunks() {
    }

    /** Checks {@code file} (see the class comment) for an image of {@code h x w} pixels. */
    static void check(Path file, int h, int w) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            byte[] sig = in.readNBytes(8);
            if (sig.length < 8 || !java.util.Arrays.equals(sig, SIGNATURE)) {
                String what = sig.length >= 2 && sig[0] == 'B' && sig[1] == 'M' ? " (it starts like a BMP file)"
                        : sig.length >= 2 && (sig[0] & 0xff) == 0xff && (sig[1] & 0xff) == 0xd8 ? " (it starts like a JPEG file)"
                        : sig.length >= 3 && sig[0] == 'G' && sig[1] == 'I' && sig[2] == 'F' ? " (it starts like a GIF file)" : "";
                throw bad(file, "is not a PNG file: it lacks the 8-byte PNG signature" + what);
            }
            long offset = 8;
            byte[] buf = new byte[1 << 16];
            boolean first = true;
            while (true) {
                long len = in.readInt() & 0xFFFFFFFFL;
                byte[] type = in.readNBytes(4);
                if (type.length < 4) {
                    throw new EOFException();
                }
                String t = new String(type, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (len > Integer.MAX_VALUE || !t.matches("[A-Za-z]{4}")) {
                    throw bad(file, "chunk at byte " + offset + " has an invalid " + (len > Integer.MAX_VALUE ? "length " + len
                            : "type") + " (corrupt file)");
                }
                if (first && (!t.equals("IHDR") || len != 13)) {
                    throw bad(file, "the first chunk must be a 13-byte IHDR, got " + t + " of " + len + " bytes");
                }
                CRC32 crc = new CRC32();
                crc.update(type);
                long left = len;
                byte[] ihdr = first ? new byte[13] : null;
                int ihdrAt = 0;
                while (left > 0) {
                    int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (r < 0) {
                        throw new EOFException();
                    }
                    crc.update(buf, 0, r);
                    if (ihdr != null) {
                        System.arraycopy(buf, 0, ihdr, ihdrAt, r);
                        ihdrAt += r;
                    }
                    left -= r;
                }
                long stored = in.readInt() & 0xFFFFFFFFL;
                if (stored != crc.getValue()) {
                    throw bad(file, "chunk " + t + " at byte " + offset + " has CRC " + String.format("%08x", stored)
                            + ", but its bytes give " + String.format("%08x", crc.getValue()) + " (corrupt file)");
                }
                if (ihdr != null) {
                    long iw = readU32(ihdr, 0);
                    long ih = readU32(ihdr, 4);
                    if (iw != w || ih != h) {
                        throw new IllegalArgumentException("PNG '" + file + "' is " + iw + "x" + ih
                                + " pixels; the model takes " + w + "x" + h + " grey images");
                    }
                }
                first = false;
                offset += 12 + len;
                if (t.equals("IEND")) {
                    if (in.read() >= 0) {
                        throw bad(file, "has bytes after its IEND chunk (at byte " + offset + ")");
                    }
                    return;
                }
            }
        } catch (EOFException e) {
            throw bad(file, "is truncated: it ends inside a chunk, before the IEND chunk");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read PNG '" + file + "': " + e.getMessage(), e);
        }
    }

    private static long readU32(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    private static IllegalArgumentException bad(Path file, String problem) {
        return new IllegalArgumentException("PNG '" + file + "' " + problem);
    }
}
