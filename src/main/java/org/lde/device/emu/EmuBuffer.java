package org.lde.device.emu;

import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;

/** A global-memory allocation of the {@link EmulatedDevice}; closing it frees it (idempotent). */
final class EmuBuffer implements DeviceBuffer {
    final GlobalMemory.Allocation alloc;
    private final GlobalMemory memory;

    EmuBuffer(GlobalMemory memory, GlobalMemory.Allocation alloc) {
        this.memory = memory;
        this.alloc = alloc;
    }

    /** The device address of byte 0 (what a kernel receives for a pointer argument). */
    long address() {
        return alloc.base;
    }

    private void check(String op, long elementOffset, int count, int arrayOffset, int arrayLength) {
        if (alloc.freed) {
            throw new DeviceException(op + " on closed buffer (" + alloc.describe() + ")");
        }
        if (count < 0 || arrayOffset < 0 || elementOffset < 0 || arrayOffset + (long) count > arrayLength) {
            throw new DeviceException(op + ": bad range: element offset " + elementOffset + ", count " + count
                    + ", array offset " + arrayOffset + " of " + arrayLength);
        }
        if (elementOffset > alloc.size / 4 || (elementOffset + count) * 4 > alloc.size) { // first test avoids overflow
            throw new DeviceException(op + ": elements [" + elementOffset + ", " + (elementOffset + count)
                    + ") are past the end of " + alloc.describe());
        }
    }

    @Override
    public long bytes() {
        return alloc.size;
    }

    @Override
    public void write(float[] src, int srcOffset, long dstElementOffset, int count) {
        memory.enter("write");
        try {
            check("write", dstElementOffset, count, srcOffset, src.length);
            int base = (int) (dstElementOffset * 4);
            for (int i = 0; i < count; i++) {
                Bytes.putInt(alloc.data, base + 4 * i, Float.floatToRawIntBits(src[srcOffset + i]));
            }
            alloc.markWritten(dstElementOffset * 4, (dstElementOffset + count) * 4);
        } finally {
            memory.exit();
        }
    }

    @Override
    public void read(float[] dst, int dstOffset, long srcElementOffset, int count) {
        memory.enter("read");
        try {
            check("read", srcElementOffset, count, dstOffset, dst.length);
            int base = (int) (srcElementOffset * 4);
            for (int i = 0; i < count; i++) {
                dst[dstOffset + i] = Float.intBitsToFloat(Bytes.getInt(alloc.data, base + 4 * i));
            }
        } finally {
            memory.exit();
        }
    }

    @Override
    public void write(int[] src, int srcOffset, long dstElementOffset, int count) {
        memory.enter("write");
        try {
            check("write", dstElementOffset, count, srcOffset, src.length);
            int base = (int) (dstElementOffset * 4);
            for (int i = 0; i < count; i++) {
                Bytes.putInt(alloc.data, base + 4 * i, src[srcOffset + i]);
            }
            alloc.markWritten(dstElementOffset * 4, (dstElementOffset + count) * 4);
        } finally {
            memory.exit();
        }
    }

    @Override
    public void read(int[] dst, int dstOffset, long srcElementOffset, int count) {
        memory.enter("read");
        try {
            check("read", srcElementOffset, count, dstOffset, dst.length);
            int base = (int) (srcElementOffset * 4);
            for (int i = 0; i < count; i++) {
                dst[dstOffset + i] = Bytes.getInt(alloc.data, base + 4 * i);
            }
        } finally {
            memory.exit();
        }
    }

    /** Writes doubles (8-byte elements) at element offset {@code dstElementOffset}. */
    void writeDoubles(double[] src, long dstElementOffset) {
        memory.enter("writeDoubles");
        try {
            if (alloc.freed || dstElementOffset < 0 || dstElementOffset > alloc.size / 8
                    || (dstElementOffset + src.length) * 8 > alloc.size) {
                throw new DeviceException("writeDoubles: " + src.length + " doubles at element " + dstElementOffset
                        + " do not fit " + alloc.describe());
            }
            for (int i = 0; i < src.length; i++) {
                Bytes.put(alloc.data, (int) ((dstElementOffset + i) * 8), 8, Double.doubleToRawLongBits(src[i]));
            }
            alloc.markWritten(dstElementOffset * 8, (dstElementOffset + src.length) * 8);
        } finally {
            memory.exit();
        }
    }

    void readDoubles(double[] dst, long srcElementOffset) {
        memory.enter("readDoubles");
        try {
            if (alloc.freed || srcElementOffset < 0 || srcElementOffset > alloc.size / 8
                    || (srcElementOffset + dst.length) * 8 > alloc.size) {
                throw new DeviceException("readDoubles: " + dst.length + " doubles at element " + srcElementOffset
                        + " do not fit " + alloc.describe());
            }
            for (int i = 0; i < dst.length; i++) {
                dst[i] = Double.longBitsToDouble(Bytes.get(alloc.data, (int) ((srcElementOffset + i) * 8), 8));
            }
        } finally {
            memory.exit();
        }
    }

    /** Copies raw bytes in at byte offset {@code offset} (little-endian device layout). */
    void writeBytes(byte[] src, long offset) {
        memory.enter("writeBytes");
        try {
            if (alloc.freed || offset < 0 || offset > alloc.size || offset + src.length > alloc.size) {
                throw new DeviceException("writeBytes: " + src.length + " bytes at offset " + offset + " do not fit " + alloc.describe());
            }
            System.arraycopy(src, 0, alloc.data, (int) offset, src.length);
            alloc.markWritten(offset, offset + src.length);
        } finally {
            memory.exit();
        }
    }

    /** Copies raw bytes out from byte offset {@code offset}. */
    void readBytes(byte[] dst, long offset) {
        memory.enter("readBytes");
        try {
            if (alloc.freed || offset < 0 || offset > alloc.size || offset + dst.length > alloc.size) {
                throw new DeviceException("readBytes: " + dst.length + " bytes at offset " + offset + " do not fit " + alloc.describe());
            }
            System.arraycopy(alloc.data, (int) offset, dst, 0, dst.length);
        } finally {
            memory.exit();
        }
    }

    @Override
    public void fill32(int bits) {
        memory.enter("fill32");
        try {
            if (alloc.freed) {
                throw new DeviceException("fill32 on closed buffer (" + alloc.describe() + ")");
            }
            Bytes.fill32(alloc.data, bits);
            alloc.markWritten(0, alloc.size);
        } finally {
            memory.exit();
        }
    }

    @Override
    public void close() {
        memory.enter("close");
        try {
            memory.free(alloc);
        } finally {
            memory.exit();
        }
    }

    @Override
    public String toString() {
        return "EmuBuffer[" + alloc.describe() + " at 0x" + Long.toHexString(alloc.base) + "]";
    }
}
