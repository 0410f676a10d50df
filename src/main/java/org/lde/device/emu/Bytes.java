package org.lde.device.emu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian loads and stores of 1, 2, 4 or 8 bytes in a byte array (the GPU's byte order). */
final class Bytes {
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Bytes() {
    }

    /** Reads {@code size} bytes at {@code off}, zero-extended. */
    static long get(byte[] a, int off, int size) {
        switch (size) {
            case 4: return ((int) I32.get(a, off)) & 0xFFFFFFFFL;
            case 8: return (long) I64.get(a, off);
            case 1: return a[off] & 0xFFL;
            case 2: return ((short) I16.get(a, off)) & 0xFFFFL;
            default: throw new IllegalArgumentException("access size " + size);
        }
    }

    static void put(byte[] a, int off, int size, long v) {
        switch (size) {
            case 4: I32.set(a, off, (int) v); break;
            case 8: I64.set(a, off, v); break;
            case 1: a[off] = (byte) v; break;
            case 2: I16.set(a, off, (short) v); break;
            default: throw new IllegalArgumentException("access size " + size);
        }
    }

    static int getInt(byte[] a, int off) {
        return (int) I32.get(a, off);
    }

    static void putInt(byte[] a, int off, int v) {
        I32.set(a, off, v);
    }

    static void fill32(byte[] a, int bits) {
        int n = a.length & ~3;
        for (int i = 0; i < n; i += 4) {
            I32.set(a, i, bits);
        }
        for (int i = n; i < a.length; i++) {
            a[i] = (byte) (bits >>> (8 * (i - n)));
        }
    }
}
