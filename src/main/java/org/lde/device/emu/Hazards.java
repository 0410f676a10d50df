package org.lde.device.emu;

import java.util.Arrays;

import org.lde.device.DeviceException;

/**
 * The sanitizer's hazard detector: data races a GPU would expose, found whatever order the emulator
 * happened to run the threads in.
 *
 * <p>Time is cut into barrier intervals: a device-wide counter (the epoch) advances at every launch,
 * every block start and every block barrier release, so two accesses with the same epoch happened with
 * no {@code bar.sync} between them. For every 4-byte word of shared memory and of each global
 * allocation a kernel touches, the detector keeps two records, the last writer and the last reader:
 * epoch, thread, PTX instruction and the count of {@code bar.warp.sync}s its warp had executed. It
 * reports, naming kernel, block(s), thread(s), address and both PTX lines:
 * <ul>
 * <li>read-after-write, write-after-read and write-after-write between two threads of a block in the
 * same barrier interval, on shared or global memory, when the threads are in different warps, or in
 * the same warp with no {@code bar.warp.sync} ({@code __syncwarp}) between the accesses (lanes of a
 * warp do not run in lockstep since Volta). A write of the value the word already holds is not a
 * conflict (benign: every order gives the same bytes);</li>
 * <li>the same conflicts between two blocks of one launch on global memory (blocks never synchronise
 * within a launch); atomics ({@code atom}, {@code red}) neither conflict nor record;</li>
 * <li>an {@code ld.global.nc} (read-only cache) of a word written in the same launch;</li>
 * <li>reads (and atomics) of memory never written: shared words no thread of the block stored since
 * the block started, global words neither the host nor a kernel wrote since the allocation.</li>
 * </ul>
 * Cost: a constant amount of work per word accessed, nothing per barrier (a new epoch makes the old
 * records stale without clearing them); memory: 16 bytes per word of shared memory and of each global
 * allocation a kernel accessed (allocations above {@link #MAX_SHADOWED_BYTES} are not tracked for races,
 * only for never-written reads). Granularity is the 4-byte word: two threads writing different bytes of
 * one word in one interval are reported although a GPU stores bytes independently.
 */
final class Hazards {
    /** Global allocations larger than this get no race records (their shadow would cost 4x their size). */
    static final int MAX_SHADOWED_BYTES = 64 << 20;
    static final long MULTI_THREAD = 1, MULTI_BLOCK = 2;
    private static final int EPOCH_SHIFT = 40;
    private static final long EPOCH_LIMIT = (1L << 24) - 1;

    private long epoch;
    private long launchStart;
    private long blockStart;
    /** False when this launch ran out of epochs (tracking resumes, reset, at the next launch). */
    private boolean on;
    private long[] shared = new long[0];
    private long[] blockEpochs = new long[16];
    private int[] blockIds = new int[16];
    private int nBlocks;
    private final GlobalMemory memory;

    Hazards(GlobalMemory memory) {
        this.memory = memory;
    }

    // ------------------------------------------------------------------ intervals

    void beginLaunch(int sharedBytes) {
        if (epoch + 1024 >= EPOCH_LIMIT) {
            epoch = 0;
            Arrays.fill(shared, 0);
            for (GlobalMemory.Allocation a : memory.live()) {
                a.shadow = null;
            }
        }
        int words = 2 * ((sharedBytes + 3) >>> 2);
        if (shared.length < words) {
            shared = new long[Math.max(words, Math.min(2 * shared.length, 2 * (256 * 1024 / 4)))];
        }
        on = true;
        launchStart = ++epoch;
        nBlocks = 0;
    }

    void beginBlock(int blockLinear) {
        advance();
        blockStart = epoch;
        if (nBlocks == blockEpochs.length) {
            blockEpochs = Arrays.copyOf(blockEpochs, nBlocks * 2);
            blockIds = Arrays.copyOf(blockIds, nBlocks * 2);
        }
        blockEpochs[nBlocks] = epoch;
        blockIds[nBlocks++] = blockLinear;
    }

    void barrier() {
        advance();
    }

    private void advance() {
        if (++epoch >= EPOCH_LIMIT) {
            on = false;
            epoch = EPOCH_LIMIT - 1;
        }
    }

    // ------------------------------------------------------------------ records

    // A record: epoch (24 bits) | PTX instruction index (19 bits, all ones when larger) | thread (10 bits)
    // | bar.warp.sync count of its warp (5 bits, wrapping) | bytes of the word accessed (4 bits) | flags (2 bits).

    private long rec(int tid, Warp w, Insn in, long bytes, long flags) {
        return epoch << EPOCH_SHIFT | (long) Math.min(in.pc, 0x7FFFF) << 21 | (long) (tid & 0x3FF) << 11
                | (long) (w.syncs & 0x1F) << 6 | bytes << 2 | flags;
    }

    /** The bytes of word {@code wd} that an access of [off, off + size) covers, as a 4-bit mask. */
    private static long bytesOf(int wd, int off, int size) {
        int lo = Math.max(off - 4 * wd, 0);
        int hi = Math.min(off + size - 4 * wd, 4);
        return ((1L << hi) - 1) & ~((1L << lo) - 1);
    }

    private static boolean overlaps(long r, long bytes) {
        return ((r >>> 2) & bytes & 0xF) != 0;
    }

    private static long epochOf(long r) {
        return r >>> EPOCH_SHIFT;
    }

    private static int pcOf(long r) {
        return (int) (r >>> 21) & 0x7FFFF;
    }

    private static int tidOf(long r) {
        return (int) (r >>> 11) & 0x3FF;
    }

    private static int syncOf(long r) {
        return (int) (r >>> 6) & 0x1F;
    }

    /** Whether record {@code r} (same interval) is ordered before thread {@code tid} of warp {@code w}. */
    private static boolean ordered(long r, int tid, Warp w) {
        int other = tidOf(r);
        if (other == tid) {
            return true;
        }
        // same warp: a bar.warp.sync since the other access orders it
        return (other >>> 5) == w.index && syncOf(r) != (w.syncs & 0x1F);
    }

    // ------------------------------------------------------------------ accesses

    /** A shared or global read of {@code size} bytes at {@code off} of {@code mem} ({@code nc}: ld.global.nc). */
    void read(Launch x, byte[] mem, int off, int size, Warp w, int lane, Insn in, boolean nc) {
        // fast path (small enough to inline): a shared word written in an earlier interval of this block and
        // already read by several threads in this one; nothing to check, nothing to record
        if (size == 4 && mem == x.shared && on) {
            long[] sh = shared;
            int i = off >>> 1;
            long we = sh[i] >>> EPOCH_SHIFT;
            long rd = sh[i + 1];
            if (we >= blockStart && we != epoch && (rd >>> EPOCH_SHIFT) == epoch && (rd & (0xF << 2 | MULTI_THREAD)) == (0xF << 2 | MULTI_THREAD)) {
                return;
            }
        }
        readSlow(x, mem, off, size, w, lane, in, nc);
    }

    private void readSlow(Launch x, byte[] mem, int off, int size, Warp w, int lane, Insn in, boolean nc) {
        boolean isShared = mem == x.shared;
        long[] sh = isShared ? shared : shadow(x);
        if (!isShared && !nc && sh == null) {
            checkWritten(x, off, size, w, lane, in, "reads");
            return;
        }
        int tid = w.index * 32 + lane;
        for (int wd = off >>> 2, end = (off + size - 1) >>> 2; wd <= end; wd++) {
            int i = 2 * wd;
            long bytes = bytesOf(wd, off, size);
            long wr = sh == null ? 0 : sh[i];
            long we = epochOf(wr);
            if (isShared) {
                if (on && we < blockStart) {
                    throw x.fault(w, lane, in, "read of never-written shared memory: " + in.opcode + " reads shared offset "
                            + (4 * wd) + ", which no thread of this block has stored since the block started (on a GPU it "
                            + "holds whatever an earlier block left there)");
                }
            } else if (we < launchStart) {
                checkWritten(x, 4 * wd, 4, w, lane, in, "reads");
            } else if (nc) {
                throw conflict(x, isShared, w, lane, in, "ld.global.nc of data written in this launch", wd, wr,
                        "the read-only (non-coherent) cache may return the value from before the write; use a plain ld");
            }
            if (!on || sh == null) {
                continue;
            }
            if (we >= launchStart && we < blockStart && !isShared && overlaps(wr, bytes)) {
                throw conflict(x, isShared, w, lane, in, "inter-block read-after-write on global memory", wd, wr,
                        "blocks of one launch do not synchronise");
            }
            if (we == epoch && !ordered(wr, tid, w) && overlaps(wr, bytes)) {
                throw conflict(x, isShared, w, lane, in, "read-after-write hazard on " + (isShared ? "shared" : "global") + " memory",
                        wd, wr, missingSync(wr, w));
            }
            long rd = sh[i + 1];
            long re = epochOf(rd);
            if (re == epoch && (rd & MULTI_THREAD) != 0 && ((rd >>> 2) & bytes) == bytes) {
                continue; // several threads already read these bytes in this interval: the record would not gain anything
            }
            long flags = 0;
            if (re == epoch && tidOf(rd) != tid) {
                flags |= MULTI_THREAD;
            }
            if (!isShared && re >= launchStart && (re < blockStart || (rd & MULTI_BLOCK) != 0)) {
                flags |= MULTI_BLOCK;
            }
            if (re == epoch) {
                flags |= rd & MULTI_THREAD;
                bytes |= (rd >>> 2) & 0xF;
            }
            sh[i + 1] = rec(tid, w, in, bytes, flags);
        }
    }

    /** A shared or global store; {@code same}: the store leaves the bytes as they were. */
    void write(Launch x, byte[] mem, int off, int size, Warp w, int lane, Insn in, boolean same) {
        boolean isShared = mem == x.shared;
        long[] sh = isShared ? shared : shadow(x);
        if (!isShared) {
            x.alloc.markWritten(off, off + size);
        }
        if (sh == null || !on) {
            return;
        }
        int tid = w.index * 32 + lane;
        for (int wd = off >>> 2, end = (off + size - 1) >>> 2; wd <= end; wd++) {
            int i = 2 * wd;
            long bytes = bytesOf(wd, off, size);
            long wr = sh[i];
            long we = epochOf(wr);
            if (!same) {
                if (!isShared && we >= launchStart && we < blockStart && overlaps(wr, bytes)) {
                    throw conflict(x, isShared, w, lane, in, "inter-block write-after-write on global memory", wd, wr,
                            "blocks of one launch do not synchronise; the final value depends on their order");
                }
                if (we == epoch && !ordered(wr, tid, w) && overlaps(wr, bytes)) {
                    throw conflict(x, isShared, w, lane, in, "write-after-write hazard on " + (isShared ? "shared" : "global") + " memory",
                            wd, wr, missingSync(wr, w));
                }
                long rd = sh[i + 1];
                long re = epochOf(rd);
                if (!isShared && re >= launchStart && (re < blockStart || (rd & MULTI_BLOCK) != 0) && overlaps(rd, bytes)) {
                    throw conflict(x, isShared, w, lane, in, "inter-block write-after-read on global memory", wd, rd,
                            "blocks of one launch do not synchronise; the reader may see either value");
                }
                boolean others = (rd & MULTI_THREAD) != 0 && tidOf(rd) == tid && syncOf(rd) == (w.syncs & 0x1F);
                if (re == epoch && (!ordered(rd, tid, w) || others) && overlaps(rd, bytes)) {
                    throw conflict(x, isShared, w, lane, in, "write-after-read hazard on " + (isShared ? "shared" : "global") + " memory",
                            wd, rd, (rd & MULTI_THREAD) != 0 ? "other threads also read it in this interval; "
                                    + missingSync(rd, w) : missingSync(rd, w));
                }
            }
            sh[i] = rec(tid, w, in, bytes, 0);
        }
    }

    /** An atomic on shared or global memory: it must not read never-written memory; it records nothing else. */
    void atomic(Launch x, byte[] mem, int off, int size, Warp w, int lane, Insn in) {
        if (mem == x.shared) {
            read(x, mem, off, size, w, lane, in, false); // a never-written check (and a RAW check) on shared memory
            return;
        }
        long[] sh = shadow(x);
        for (int wd = off >>> 2, end = (off + size - 1) >>> 2; wd <= end; wd++) {
            if (sh == null || epochOf(sh[2 * wd]) < launchStart) {
                checkWritten(x, 4 * wd, 4, w, lane, in, "updates");
            }
        }
    }

    private long[] shadow(Launch x) {
        GlobalMemory.Allocation a = x.alloc;
        long[] s = a.shadow;
        if (s == null && a.size <= MAX_SHADOWED_BYTES) {
            s = new long[2 * ((a.size + 3) >>> 2)];
            a.shadow = s;
        }
        return s;
    }

    private void checkWritten(Launch x, int off, int size, Warp w, int lane, Insn in, String verb) {
        GlobalMemory.Allocation a = x.alloc;
        if (!a.written(off, size)) {
            throw x.fault(w, lane, in, "read of never-written global memory: " + in.opcode + " " + verb + " byte offset " + off
                    + " of " + a.describe() + ", which neither the host nor a kernel has written since it was allocated "
                    + "(a GPU does not clear new allocations; the emulator fills them with 0x"
                    + Integer.toHexString(org.lde.device.DeviceBuffer.POISON) + ")");
        }
    }

    private static String missingSync(long other, Warp w) {
        return (tidOf(other) >>> 5) == w.index
                ? "both threads are in one warp and no __syncwarp() (bar.warp.sync) separates the accesses; lanes do not run in lockstep since Volta"
                : "no __syncthreads() (bar.sync) separates the accesses";
    }

    private DeviceException conflict(Launch x, boolean isShared, Warp w, int lane, Insn in, String what, int word, long other, String why) {
        long oe = epochOf(other);
        String where = !isShared
                ? "byte offset " + (4 * word) + " of " + x.alloc.describe() + " (address 0x" + Long.toHexString(x.alloc.base + 4L * word) + ")"
                : "shared offset " + (4 * word);
        String otherBlock = "";
        if (oe < blockStart) {
            int b = blockOf(oe);
            otherBlock = " of block " + x.blockString(b);
        }
        Insn o = x.k.code[Math.min(pcOf(other), x.k.code.length - 1)];
        return x.fault(w, lane, in, what + ": " + in.opcode + " by this thread at " + where + " conflicts with " + o.opcode
                + " by thread " + x.threadString(tidOf(other)) + otherBlock + " [" + o.site + "]; " + why);
    }

    private int blockOf(long e) {
        int lo = 0;
        int hi = nBlocks - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (blockEpochs[mid] <= e) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return blockIds[Math.max(0, lo)];
    }
}
