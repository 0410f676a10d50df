package org.lde.device;

/**
 * A block of device global memory. Offsets and counts are in elements of the array type used,
 * starting at element {@code 0} of the buffer; reads and writes past the end throw.
 */
public interface DeviceBuffer extends AutoCloseable {
    long bytes();

    void write(float[] src, int srcOffset, long dstElementOffset, int count);

    void read(float[] dst, int dstOffset, long srcElementOffset, int count);

    void write(int[] src, int srcOffset, long dstElementOffset, int count);

    void read(int[] dst, int dstOffset, long srcElementOffset, int count);

    /** Sets every 32-bit word of the buffer to {@code bits} (e.g. a NaN pattern to poison outputs). */
    void fill32(int bits);

    default void write(float[] src) {
        write(src, 0, 0, src.length);
    }

    default void read(float[] dst) {
        read(dst, 0, 0, dst.length);
    }

    default void write(int[] src) {
        write(src, 0, 0, src.length);
    }

    default void read(int[] dst) {
        read(dst, 0, 0, dst.length);
    }

    /** The poison pattern used before checked launches: a quiet NaN with a recognisable payload. */
    int POISON = 0x7FC0DEAD;

    @Override
    void close();
}
