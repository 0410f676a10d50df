package org.lde.device.emu;

import java.util.ArrayList;
import java.util.List;

import org.lde.device.DeviceException;

/**
 * The emulated 64-bit global address space. Allocation {@code #i} (numbered from 1) lives at
 * {@code BASE + i * STRIDE}: bases are 64 GiB apart (so they are 256-byte aligned and separated by
 * huge gaps) and an address maps to its allocation by one shift, without a search. Freed allocations
 * keep their number, so a use after free is reported as such.
 */
final class GlobalMemory {
    /** Address of allocation #0 (never handed out); allocation #i is at BASE + i * STRIDE. */
    static final long BASE = 0x0000_7000_0000_0000L;
    static final int SHIFT = 36;
    static final long STRIDE = 1L << SHIFT;
    /** The largest single allocation (Java arrays are int-indexed). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    /** One allocation: its number, base address, bytes and a label for messages. */
    static final class Allocation {
        final int id;
        final long base;
        final int size;
        /** The bytes; null once freed. */
        byte[] data;
        final String label;
        boolean freed;

        Allocation(int id, long base, byte[] data, String label) {
            this.id = id;
            this.base = base;
            this.data = data;
            this.size = data.length;
            this.label = label;
        }

        String describe() {
            return "allocation #" + id + (label.isEmpty() ? "" : " (" + label + ")") + " (" + size + " bytes)";
        }
    }

    private final List<Allocation> allocs = new ArrayList<>();
    private Allocation[] table = new Allocation[16];

    GlobalMemory() {
        allocs.add(null); // #0 unused
    }

    Allocation allocate(long bytes, String label) {
        if (bytes <= 0) {
            throw new DeviceException("allocation size must be positive, got " + bytes + " bytes");
        }
        if (bytes > MAX_BYTES) {
            throw new DeviceException("allocation of " + bytes + " bytes exceeds the emulator's limit of " + MAX_BYTES + " bytes");
        }
        int id = allocs.size();
        Allocation a = new Allocation(id, BASE + (long) id * STRIDE, new byte[(int) bytes], label);
        allocs.add(a);
        if (id >= table.length) {
            table = java.util.Arrays.copyOf(table, table.length * 2);
        }
        table[id] = a;
        return a;
    }

    /** The allocation whose slot contains {@code addr}, or null (freed ones are returned too). */
    Allocation slot(long addr) {
        long rel = addr - BASE;
        if (rel < 0) {
            return null;
        }
        long idx = rel >>> SHIFT;
        if (idx >= table.length) {
            return null;
        }
        return table[(int) idx];
    }

    void free(Allocation a) {
        a.freed = true;
        a.data = null;
    }

    /**
     * Explains why a global access of {@code size} bytes at {@code addr} is invalid, or returns null
     * when it is valid.
     */
    String diagnose(long addr, int size) {
        Allocation a = slot(addr);
        if (a == null) {
            return "does not belong to any allocation";
        }
        if (a.freed) {
            return "is inside freed " + a.describe();
        }
        long off = addr - a.base;
        if (off + size > a.size) {
            return "is " + (off + size - a.size) + " bytes past the end of " + a.describe();
        }
        return null;
    }

    /** Frees every allocation (the device is closing). */
    void freeAll() {
        for (Allocation a : allocs) {
            if (a != null) {
                free(a);
            }
        }
    }
}
