package org.lde.device.emu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;

/**
 * The emulated 64-bit global address space. Allocation {@code #i} (numbered from 1, never reused)
 * lives at {@code BASE + i * STRIDE}: bases are 64 GiB apart (so they are 256-byte aligned and
 * separated by huge gaps) and an address maps to its allocation number by one shift.
 *
 * <p>Bounded bookkeeping: live allocations and the records of the {@link #FREED_RECORDS} most recently
 * freed ones are kept in an open-addressing table keyed by number; older freed records are dropped
 * (their bytes were released at free). A use of a recent freed allocation is reported with its size and
 * label; a use of an older one is still reported as a use after free (numbers are never reused, so any
 * number below the next one that is not live was freed), only without the size.
 *
 * <p>A fresh allocation is filled with {@link DeviceBuffer#POISON} (a GPU does not clear memory) and its
 * words are marked never written; host writes and kernel stores mark them written, and the sanitizer
 * reports kernel reads of words never written ({@link Allocation#init}).
 *
 * <p>One thread at a time: {@link #enter}/{@link #exit} bracket every operation of the device and its
 * buffers, and a second thread gets a clear error instead of corrupted bookkeeping.
 */
final class GlobalMemory {
    /** Address of allocation #0 (never handed out); allocation #i is at BASE + i * STRIDE. */
    static final long BASE = 0x0000_7000_0000_0000L;
    static final int SHIFT = 36;
    static final long STRIDE = 1L << SHIFT;
    /** The largest single allocation (Java arrays are int-indexed). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 64;
    /** Freed-allocation records kept for use-after-free messages with size and label. */
    static final int FREED_RECORDS = 4096;
    /** The highest allocation number (BASE + id * STRIDE must stay below 2^63). */
    static final long MAX_ID = (Long.MAX_VALUE - BASE) >>> SHIFT;

    /** One allocation: its number, base address, bytes and a label for messages. */
    static final class Allocation {
        final int id;
        final long base;
        final int size;
        /** The bytes; null once freed. */
        byte[] data;
        final String label;
        boolean freed;
        /** One bit per 4-byte word: set once the host or a kernel wrote it (null: all written). */
        long[] init;
        /** The sanitizer's hazard records (writer, reader per word), created at first kernel access. */
        long[] shadow;

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

        /** Marks bytes [from, to) written. */
        void markWritten(long from, long to) {
            long[] bits = init;
            if (bits == null || to <= from) {
                return;
            }
            int w0 = (int) (from >>> 2);
            int w1 = (int) ((to + 3) >>> 2);
            for (int w = w0; w < w1; w++) {
                bits[w >>> 6] |= 1L << w;
            }
        }

        /** Whether every word of bytes [from, from + n) was written. */
        boolean written(int from, int n) {
            long[] bits = init;
            if (bits == null) {
                return true;
            }
            for (int w = from >>> 2, e = (from + n + 3) >>> 2; w < e; w++) {
                if ((bits[w >>> 6] & (1L << w)) == 0) {
                    return false;
                }
            }
            return true;
        }
    }

    private int nextId = 1;
    /** Open addressing by number: live allocations and recent freed records. */
    private Allocation[] table = new Allocation[64];
    private int count;
    private final ArrayDeque<Allocation> freedRing = new ArrayDeque<>();
    private final Set<Allocation> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private int depth;

    /** Begins an operation of {@code what} on this device from the calling thread (reentrant). */
    void enter(String what) {
        Thread me = Thread.currentThread();
        Thread o = owner.get();
        if (o == me) {
            depth++;
            return;
        }
        if (!owner.compareAndSet(null, me)) {
            Thread other = owner.get();
            throw new DeviceException(what + " on the emulated device from thread '" + me.getName() + "' while thread '"
                    + (other == null ? "?" : other.getName()) + "' is using it: an EmulatedDevice (and its buffers) "
                    + "serves one thread at a time; use one device per thread");
        }
        depth = 1;
    }

    void exit() {
        if (--depth == 0) {
            owner.set(null);
        }
    }

    Allocation allocate(long bytes, String label) {
        if (bytes <= 0) {
            throw new DeviceException("allocation size must be positive, got " + bytes + " bytes");
        }
        if (bytes > MAX_BYTES) {
            throw new DeviceException("allocation of " + bytes + " bytes exceeds the emulator's limit of " + MAX_BYTES + " bytes");
        }
        if (nextId > MAX_ID || nextId == Integer.MAX_VALUE) {
            throw new DeviceException("the emulated device ran out of allocation numbers (" + nextId + " allocations)");
        }
        int id = nextId++;
        byte[] data = new byte[(int) bytes];
        Bytes.fill32(data, DeviceBuffer.POISON);
        Allocation a = new Allocation(id, BASE + (long) id * STRIDE, data, label);
        a.init = new long[(int) ((bytes + 3) / 4 + 63) / 64];
        put(a);
        live.add(a);
        return a;
    }

    /** A zero-filled allocation whose bytes count as written (module {@code .global} variables, as in CUDA). */
    Allocation allocateZeroed(long bytes, String label) {
        Allocation a = allocate(bytes, label);
        java.util.Arrays.fill(a.data, (byte) 0);
        a.init = null;
        return a;
    }

    /** The number of the allocation slot that {@code addr} falls in, or -1. */
    static long slotNumber(long addr) {
        long rel = addr - BASE;
        return rel < 0 ? -1 : rel >>> SHIFT;
    }

    /** The allocation (live or recently freed) whose slot contains {@code addr}, or null. */
    Allocation slot(long addr) {
        long idx = slotNumber(addr);
        if (idx <= 0 || idx >= nextId) {
            return null;
        }
        return find((int) idx);
    }

    private Allocation find(int id) {
        Allocation[] t = table;
        int m = t.length - 1;
        for (int i = mix(id) & m; ; i = (i + 1) & m) {
            Allocation a = t[i];
            if (a == null || a.id == id) {
                return a;
            }
        }
    }

    private static int mix(int id) {
        return id * 0x9E3779B1 >>> 7;
    }

    private void put(Allocation a) {
        if (2 * (count + 1) > table.length) {
            Allocation[] old = table;
            table = new Allocation[old.length * 2];
            count = 0;
            for (Allocation o : old) {
                if (o != null) {
                    put(o);
                }
            }
        }
        Allocation[] t = table;
        int m = t.length - 1;
        int i = mix(a.id) & m;
        while (t[i] != null) {
            i = (i + 1) & m;
        }
        t[i] = a;
        count++;
    }

    /** Removes {@code a} from the table (backward-shift deletion keeps the probe chains intact). */
    private void remove(Allocation a) {
        Allocation[] t = table;
        int m = t.length - 1;
        int i = mix(a.id) & m;
        while (t[i] != a) {
            if (t[i] == null) {
                return;
            }
            i = (i + 1) & m;
        }
        t[i] = null;
        count--;
        for (int j = (i + 1) & m; t[j] != null; j = (j + 1) & m) {
            Allocation o = t[j];
            int home = mix(o.id) & m;
            // o may move into the hole at i when its home is not in (i, j] cyclically
            boolean between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!between) {
                t[i] = o;
                t[j] = null;
                i = j;
            }
        }
    }

    void free(Allocation a) {
        if (a.freed) {
            return;
        }
        a.freed = true;
        a.data = null;
        a.init = null;
        a.shadow = null;
        live.remove(a);
        freedRing.addLast(a);
        if (freedRing.size() > FREED_RECORDS) {
            remove(freedRing.removeFirst());
        }
    }

    /** Records kept in the lookup table (live plus recently freed): bounded by live + {@link #FREED_RECORDS}. */
    int records() {
        return count;
    }

    /**
     * Explains why a global access of {@code size} bytes at {@code addr} is invalid, or returns null
     * when it is valid.
     */
    String diagnose(long addr, int size) {
        long idx = slotNumber(addr);
        Allocation a = slot(addr);
        if (a == null) {
            if (idx > 0 && idx < nextId) {
                return "is inside allocation #" + idx + ", which was freed (long ago: its size and label are no longer kept)";
            }
            return "does not belong to any allocation";
        }
        if (a.freed) {
            return "is inside freed " + a.describe();
        }
        long off = addr - a.base;
        if (off + size > a.size) {
            String s = "is " + (off + size - a.size) + " bytes past the end of " + a.describe();
            Allocation next = slot(addr + STRIDE);
            if (off >= STRIDE / 2 && next != null) {
                s += "; it is " + (next.base - addr) + " bytes before the start of " + next.describe()
                        + " (a negative index into it?)";
            }
            return s;
        }
        return null;
    }

    /** Frees every allocation (the device is closing). */
    void freeAll() {
        for (Allocation a : new ArrayList<>(live)) {
            free(a);
        }
    }

    /** The live allocations (for the sanitizer's bookkeeping). */
    Set<Allocation> live() {
        return live;
    }
}
