package org.lde.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.zip.CRC32;
import java.util.zip.Inflater;

/**
 * Decompresses gzip (RFC 1952) strictly, where {@link java.util.zip.GZIPInputStream} is lenient:
 * every member's CRC-32 and length are checked, several members are read one after the other, and
 * anything after the last member that is not another member is an error (the JDK silently drops
 * such trailing bytes). Every error is a {@link DataFormatException} that names the source, the
 * member and the compressed byte offset, and always has a message (the JDK's can be null).
 * Memory is bounded by the 64 KiB buffer, whatever the stream declares.
 */
final class StrictGzipInputStream extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final PushbackInputStream in;
    private final String name;
    private final byte[] buf = new byte[1 << 16];
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private int lastInput;
    private long pos;
    private long out;
    private int member;
    private boolean eof;

    /** Reads the first member's header (its magic included) from {@code raw}. */
    StrictGzipInputStream(InputStream raw, String name) throws IOException {
        this.in = new PushbackInputStream(raw, buf.length);
        this.name = name;
        int b0 = readByte("gzip header");
        int b1 = readByte("gzip header");
        if (b0 != DataStreams.GZIP_MAGIC_0 || b1 != DataStreams.GZIP_MAGIC_1) {
            throw error("does not start with the gzip magic 1f 8b");
        }
        readHeaderAfterMagic();
    }

    private DataFormatException error(String problem) {
        return new DataFormatException(name + ": gzip stream is corrupt or truncated: member " + (member + 1)
                + ", compressed byte " + pos + ": " + problem);
    }

    private int readByte(String where) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw error("the file ends inside the " + where + " (truncated)");
        }
        pos++;
        return b;
    }

    private void skipTo0(String what) throws IOException {
        while (readByte(what) != 0) {
            // a zero-terminated file name or comment
        }
    }

    private void readHeaderAfterMagic() throws IOException {
        int cm = readByte("gzip header");
        if (cm != 8) {
            throw error("compression method " + cm + " is not deflate (8)");
        }
        int flg = readByte("gzip header");
        if ((flg & 0xE0) != 0) {
            throw error("reserved header flag bits are set (flags 0x" + Integer.toHexString(flg) + ")");
        }
        for (int i = 0; i < 6; i++) {
            readByte("gzip header"); // MTIME, XFL, OS
        }
        if ((flg & FEXTRA) != 0) {
            int len = readByte("gzip extra field") | (readByte("gzip extra field") << 8);
            for (int i = 0; i < len; i++) {
                readByte("gzip extra field");
            }
        }
        if ((flg & FNAME) != 0) {
            skipTo0("gzip file name");
        }
        if ((flg & FCOMMENT) != 0) {
            skipTo0("gzip comment");
        }
        if ((flg & FHCRC) != 0) {
            readByte("gzip header CRC");
            readByte("gzip header CRC");
        }
        inflater.reset();
        crc.reset();
        out = 0;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (eof) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        while (true) {
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (java.util.zip.DataFormatException e) {
                throw error("the compressed data are corrupt ("
                        + (e.getMessage() == null ? "invalid deflate data" : e.getMessage()) + ")");
            }
            if (n > 0) {
                crc.update(b, off, n);
                out += n;
                return n;
            }
            if (inflater.finished()) {
                finishMember();
                if (eof) {
                    return -1;
                }
            } else if (inflater.needsDictionary()) {
                throw error("the compressed data ask for a preset dictionary, which gzip does not have");
            } else if (inflater.needsInput()) {
                int r = in.read(buf, 0, buf.length);
                if (r < 0) {
                    throw error("the file ends inside the compressed data (truncated) after " + out
                            + " decompressed bytes of this member");
                }
                pos += r;
                lastInput = r;
                inflater.setInput(buf, 0, r);
            }
        }
    }

    /** Checks the trailer, then reads the next member's header, or ends when nothing follows. */
    private void finishMember() throws IOException {
        int rem = inflater.getRemaining();
        if (rem > 0) {
            in.unread(buf, lastInput - rem, rem);
            pos -= rem;
        }
        long stored = 0;
        for (int i = 0; i < 4; i++) {
            stored |= (long) readByte("gzip trailer") << (8 * i);
        }
        long size = 0;
        for (int i = 0; i < 4; i++) {
            size |= (long) readByte("gzip trailer") << (8 * i);
        }
        if (stored != crc.getValue()) {
            throw error(String.format("CRC-32 mismatch: the trailer says %08x, the data give %08x (corrupt data)",
                    stored, crc.getValue()));
        }
        if (size != (out & 0xFFFFFFFFL)) {
            throw error("length mismatch: the trailer says " + size + " bytes (mod 2^32), the data give " + out);
        }
        int b0 = in.read();
        if (b0 < 0) {
            eof = true;
            return;
        }
        int b1 = in.read();
        if (b0 != DataStreams.GZIP_MAGIC_0 || b1 != DataStreams.GZIP_MAGIC_1) {
            member++;
            throw error("trailing bytes after the end of the gzip data (they are not another gzip member)");
        }
        pos += 2;
        member++;
        readHeaderAfterMagic();
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
