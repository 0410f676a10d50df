package org.lde.device.emu;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.LaunchProfile;

/**
 * One launch of a decoded kernel: runs the blocks one after another; inside a block, each warp runs
 * until every one of its live lanes waits at a barrier or has exited, then the barrier is checked and
 * released. Inside a warp, each step takes the smallest program counter among the runnable lanes and
 * executes that instruction for all lanes at it (so divergent paths reconverge at the smallest PC).
 * Also holds the state spaces of the running block, the sanitizer checks and the counters.
 */
final class Launch {
    static final int GLOBAL = 0, SHARED = 1, LOCAL = 2, PARAM = 3, CONST = 4, GENERIC = 5;
    static final String[] SPACE_NAMES = {"global", "shared", "local", "param", "const", ""};

    /** Generic-address windows of the non-global state spaces (each 4 GiB). */
    static final long SHARED_WINDOW = 0x0000_1000_0000_0000L;
    static final long LOCAL_WINDOW = 0x0000_2000_0000_0000L;
    static final long CONST_WINDOW = 0x0000_3000_0000_0000L;
    static final long PARAM_WINDOW = 0x0000_4000_0000_0000L;
    static final long WINDOW_SIZE = 1L << 32;

    final DecodedKernel k;
    final GlobalMemory gm;
    final Dim3 grid;
    final Dim3 block;
    final byte[] param;
    final byte[] constBank;
    final byte[] shared;
    /** Local bytes a thread may access (exact, so overruns of the last variable are caught). */
    final int localPer;
    /** Distance between two threads' local memory (localPer rounded up to 16). */
    final int localStride;
    final byte[] local;
    final int nthreads;
    final Warp[] warps;
    final long maxSteps;
    int bx, by, bz;
    long steps;
    /** Set by {@link #resolve}: the offset of the access inside the returned array. */
    int off;
    /** Set by {@link #resolve} for a global access: the allocation accessed. */
    GlobalMemory.Allocation alloc;
    /** The sanitizer's race and never-written-memory detector (shared by the device's launches). */
    final Hazards hz;
    /** Seeded random scheduling, or null for the deterministic order. */
    final Schedule sched;
    /** Warp steps the running warp may still take before the scheduler switches warps (random order). */
    private int sliceLeft = Integer.MAX_VALUE;
    /** What an unwritten register holds: the bits of {@link DeviceBuffer#POISON} (a NaN as f32). */
    static final long POISON_REG = DeviceBuffer.POISON & 0xFFFFFFFFL;

    // counters
    final long[] counts;
    long loadSectors, storeSectors, loadBytes, storeBytes, sharedAccesses, bankConflicts, atomicBytes;
    final long[] scratch = new long[64];
    final int[] words = new int[128];
    final int[] phases = new int[128];
    final int[] tmpWords = new int[128];
    private final int[] perBank = new int[32];
    private final int[] bankFirst = new int[32];
    final int[] laneInts = new int[32];
    final long[] laneLongs = new long[32];

    Launch(DecodedKernel k, GlobalMemory gm, Dim3 grid, Dim3 block, int dynamicShared, byte[] param, long maxSteps,
           Hazards hz, Schedule sched) {
        this.k = k;
        this.hz = hz;
        this.sched = sched;
        this.gm = gm;
        this.grid = grid;
        this.block = block;
        this.param = param;
        this.constBank = k.constBank;
        this.maxSteps = maxSteps;
        long nt = block.count();
        this.nthreads = (int) nt;
        long sharedBytes = (k.dynSharedOffset >= 0 ? k.dynSharedOffset : k.staticShared) + (long) dynamicShared;
        if (sharedBytes > 1L << 30) {
            throw new DeviceException("kernel " + k.name + ": " + sharedBytes + " bytes of shared memory requested");
        }
        this.shared = new byte[(int) sharedBytes];
        this.localPer = k.localBytes;
        this.localStride = (localPer + 15) & ~15;
        long localTotal = (long) localStride * nthreads;
        if (localTotal > Integer.MAX_VALUE - 8) {
            throw new DeviceException("kernel " + k.name + ": " + localPer + " bytes of local memory for each of " + nthreads
                    + " threads exceed the emulator's limit");
        }
        this.local = new byte[(int) localTotal];
        int nw = (nthreads + 31) / 32;
        this.warps = new Warp[nw];
        for (int i = 0; i < nw; i++) {
            warps[i] = new Warp(i, k.slots);
        }
        this.counts = new long[k.code.length];
    }

    // ------------------------------------------------------------------ execution

    void run() {
        hz.beginLaunch(shared.length);
        long n = grid.count();
        if (sched == null) {
            for (long i = 0; i < n; i++) {
                runBlock(i);
            }
            return;
        }
        // a random order of the blocks: i -> (a * i + c) mod n with a coprime to n is a permutation
        long a = n <= 1 ? 1 : 1 + Math.floorMod(sched.next(), n - 1);
        while (gcd(a, n) != 1) {
            a = a + 1 == n ? 1 : a + 1;
        }
        long c = Math.floorMod(sched.next(), n);
        for (long i = 0; i < n; i++) {
            runBlock(n < (1L << 31) ? (a * i + c) % n : Math.floorMod(i + c, n));
        }
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private void runBlock(long linear) {
        bx = (int) (linear % grid.x());
        by = (int) (linear / grid.x() % grid.y());
        bz = (int) (linear / ((long) grid.x() * grid.y()));
        hz.beginBlock((int) linear);
        runBlock();
    }

    private void setupBlock() {
        Bytes.fill32(shared, DeviceBuffer.POISON);
        Bytes.fill32(local, DeviceBuffer.POISON);
        int bdx = block.x();
        int bdy = block.y();
        for (Warp w : warps) {
            Arrays.fill(w.r, POISON_REG);
            Arrays.fill(w.pc, 0);
            w.syncs = 0;
            w.exited = 0;
            int first = w.index * 32;
            int n = Math.min(32, nthreads - first);
            w.live = n == 32 ? -1 : (1 << n) - 1;
            w.waiting = 0;
            for (int c = 0; c < k.constSlot.length; c++) {
                Arrays.fill(w.r, k.constSlot[c] * 32, k.constSlot[c] * 32 + 32, k.constValue[c]);
            }
            for (int s = 0; s < k.specialSlot.length; s++) {
                int base = k.specialSlot[s] * 32;
                for (int l = 0; l < 32; l++) {
                    int lin = first + l;
                    long v;
                    switch (k.specialKind[s]) {
                        case DecodedKernel.TID_X: v = lin % bdx; break;
                        case DecodedKernel.TID_Y: v = (lin / bdx) % bdy; break;
                        case DecodedKernel.TID_Z: v = lin / (bdx * bdy); break;
                        case DecodedKernel.NTID_X: v = bdx; break;
                        case DecodedKernel.NTID_Y: v = bdy; break;
                        case DecodedKernel.NTID_Z: v = block.z(); break;
                        case DecodedKernel.CTAID_X: v = bx; break;
                        case DecodedKernel.CTAID_Y: v = by; break;
                        case DecodedKernel.CTAID_Z: v = bz; break;
                        case DecodedKernel.NCTAID_X: v = grid.x(); break;
                        case DecodedKernel.NCTAID_Y: v = grid.y(); break;
                        case DecodedKernel.NCTAID_Z: v = grid.z(); break;
                        case DecodedKernel.LANEID: v = l; break;
                        case DecodedKernel.WARPID: v = w.index; break;
                        case DecodedKernel.NWARPID: v = warps.length; break;
                        case DecodedKernel.LANEMASK_EQ: v = 1L << l; break;
                        case DecodedKernel.LANEMASK_LT: v = (1L << l) - 1; break;
                        case DecodedKernel.LANEMASK_LE: v = (2L << l) - 1; break;
                        case DecodedKernel.LANEMASK_GT: v = 0xFFFFFFFFL & ~((2L << l) - 1); break;
                        case DecodedKernel.LANEMASK_GE: v = 0xFFFFFFFFL & ~((1L << l) - 1); break;
                        case DecodedKernel.NSMID: v = 1; break;
                        case DecodedKernel.DYN_SMEM: v = shared.length - Math.max(0, k.dynSharedOffset); break;
                        case DecodedKernel.TOTAL_SMEM: v = shared.length; break;
                        default: v = 0; break; // SMID, GRIDID
                    }
                    w.r[base + l] = v & 0xFFFFFFFFL;
                }
            }
        }
    }

    private void runBlock() {
        setupBlock();
        while (true) {
            if (sched == null) {
                for (Warp w : warps) {
                    runWarp(w);
                }
            } else {
                interleave();
            }
            // every warp is now done or waiting at a barrier
            int barrierPc = -1;
            Warp firstW = null;
            int firstLane = -1;
            boolean anyLive = false;
            for (Warp w : warps) {
                if (w.live == 0) {
                    continue;
                }
                anyLive = true;
                for (int m = w.waiting; m != 0; m &= m - 1) {
                    int l = Integer.numberOfTrailingZeros(m);
                    if (barrierPc < 0) {
                        barrierPc = w.pc[l];
                        firstW = w;
                        firstLane = l;
                    } else if (w.pc[l] != barrierPc) {
                        Insn a = k.code[barrierPc];
                        Insn b = k.code[w.pc[l]];
                        throw new DeviceException(prefix(w, l) + "barrier divergence: this thread waits at " + b.opcode
                                + " [" + b.site + "] while thread " + threadString(firstW, firstLane) + " waits at "
                                + a.opcode + " [" + a.site + "]; every live thread of the block must reach the same barrier");
                    }
                }
            }
            if (!anyLive) {
                return;
            }
            for (Warp w : warps) {
                if (w.exited != 0 && ((ControlInsns.Bar) k.code[barrierPc]).aligned) {
                    Insn a = k.code[barrierPc];
                    throw new DeviceException(prefix(firstW, firstLane) + "aligned barrier reached after other threads exited: this thread "
                            + "waits at " + a.opcode + " [" + a.site + "] but thread " + threadString(w, Integer.numberOfTrailingZeros(w.exited))
                            + " of the block has already exited; __syncthreads() (bar.sync, barrier.sync.aligned) must be reached by every"
                            + " thread of the block (the PTX ISA leaves this undefined; barrier.sync without .aligned waits"
                            + " for the non-exited threads only)");
                }
            }
            if (k.code[barrierPc] instanceof ControlInsns.BarRed br) {
                br.release(warps);
            }
            for (Warp w : warps) {
                for (int m = w.waiting; m != 0; m &= m - 1) {
                    int l = Integer.numberOfTrailingZeros(m);
                    w.pc[l]++;
                }
                w.waiting = 0;
            }
            hz.barrier();
        }
    }

    /** Random order: runs random warps for random slices of steps until every warp waits or is done. */
    private void interleave() {
        Warp[] ready = new Warp[warps.length];
        while (true) {
            int n = 0;
            for (Warp w : warps) {
                if ((w.live & ~w.waiting) != 0) {
                    ready[n++] = w;
                }
            }
            if (n == 0) {
                sliceLeft = Integer.MAX_VALUE;
                return;
            }
            sliceLeft = 1 + sched.nextInt(48);
            runWarp(ready[sched.nextInt(n)]);
        }
    }

    /**
     * The program counter of the lanes to run next: the smallest among the runnable lanes, or in random
     * order a random one of them, unless that one is a warp-synchronous instruction other lanes have not
     * reached (shfl.sync, vote.sync, bar.warp.sync wait for their lanes, as on a GPU).
     */
    private int pickPc(Warp w, int runnable, int minPc) {
        int[] pcs = w.pc;
        int n = 0;
        int[] cand = laneInts;
        for (int m = runnable; m != 0; m &= m - 1) {
            int p = pcs[Integer.numberOfTrailingZeros(m)];
            boolean seen = false;
            for (int i = 0; i < n; i++) {
                if (cand[i] == p) {
                    seen = true;
                    break;
                }
            }
            if (!seen) {
                cand[n++] = p;
            }
        }
        if (n <= 1) {
            return minPc;
        }
        int p = cand[sched.nextInt(n)];
        if (p < k.code.length && isWarpSync(k.code[p])) {
            return minPc;
        }
        return p;
    }

    private static boolean isWarpSync(Insn in) {
        return in instanceof WarpInsns.Shfl || in instanceof WarpInsns.WarpSync || in instanceof WarpInsns.Vote;
    }

    private void runWarp(Warp w) {
        final Insn[] code = k.code;
        final int[] pcs = w.pc;
        final long[] r = w.r;
        while (true) {
            int runnable = w.live & ~w.waiting;
            if (runnable == 0) {
                return;
            }
            int pc = Integer.MAX_VALUE;
            for (int m = runnable; m != 0; m &= m - 1) {
                int p = pcs[Integer.numberOfTrailingZeros(m)];
                if (p < pc) {
                    pc = p;
                }
            }
            if (sched != null) {
                if (sliceLeft <= 0) {
                    return;
                }
                pc = pickPc(w, runnable, pc);
            }
            int mask = 0;
            int nextPc = Integer.MAX_VALUE;
            int behind = Integer.MAX_VALUE; // the smallest pc of the other lanes (random order: they may be behind)
            for (int m = runnable; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                int p = pcs[l];
                if (p == pc) {
                    mask |= 1 << l;
                } else {
                    behind = Math.min(behind, p);
                    if (p > pc && p < nextPc) {
                        nextPc = p;
                    }
                }
            }
            while (true) {
                if (pc >= code.length) {
                    // falling off the end of the body behaves like ret
                    w.live &= ~mask;
                    w.exited |= mask;
                    break;
                }
                Insn in = code[pc];
                if (behind < pc && sched != null && isWarpSync(in)) {
                    // a warp-synchronous instruction waits for the lanes still behind (as on a GPU)
                    for (int m = mask; m != 0; m &= m - 1) {
                        pcs[Integer.numberOfTrailingZeros(m)] = pc;
                    }
                    break;
                }
                int em = mask;
                int g = in.guard;
                if (g >= 0) {
                    em = 0;
                    boolean neg = in.guardNegated;
                    for (int m = mask; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        if ((r[g + l] != 0) != neg) {
                            em |= 1 << l;
                        }
                    }
                }
                if (++steps > maxSteps) {
                    throw new DeviceException(prefix(w, Integer.numberOfTrailingZeros(mask)) + "launch exceeded "
                            + maxSteps + " warp steps at " + in.opcode + " [" + in.site
                            + "] (an endless loop, or a spin wait on another warp, which this emulator cannot run)");
                }
                counts[pc] += Integer.bitCount(em);
                if (in.isControl()) {
                    for (int m = mask; m != 0; m &= m - 1) {
                        pcs[Integer.numberOfTrailingZeros(m)] = pc;
                    }
                    in.control(this, w, mask, em);
                    break;
                }
                if (em != 0) {
                    in.exec(this, w, em);
                }
                pc++;
                if (pc >= nextPc || (sched != null && --sliceLeft <= 0)) {
                    for (int m = mask; m != 0; m &= m - 1) {
                        pcs[Integer.numberOfTrailingZeros(m)] = pc;
                    }
                    break;
                }
            }
        }
    }

    // ------------------------------------------------------------------ messages

    String threadString(Warp w, int lane) {
        return threadString(w.index * 32 + lane);
    }

    /** The (x,y,z) of the thread with linear id {@code lin} in the block. */
    String threadString(int lin) {
        int bdx = block.x();
        int bdy = block.y();
        return "(" + (lin % bdx) + "," + ((lin / bdx) % bdy) + "," + (lin / (bdx * bdy)) + ")";
    }

    /** The (x,y,z) of the block with linear id {@code lin} in the grid. */
    String blockString(long lin) {
        return "(" + (lin % grid.x()) + "," + (lin / grid.x() % grid.y()) + "," + (lin / ((long) grid.x() * grid.y())) + ")";
    }

    String prefix(Warp w, int lane) {
        return "kernel " + k.name + " (module " + k.moduleName + ", launch <<<" + grid + ", " + block + ">>>"
                + (sched == null ? "" : "; " + sched.describe()) + "), block ("
                + bx + "," + by + "," + bz + "), thread " + threadString(w, lane) + ": ";
    }

    DeviceException fault(Warp w, int lane, Insn in, String msg) {
        return new DeviceException(prefix(w, lane) + msg + " [" + in.site + "]");
    }

    // ------------------------------------------------------------------ memory

    /**
     * Checks an access of {@code size} bytes at {@code addr} in {@code space} (alignment {@code align})
     * and returns the backing array; {@link #off} receives the offset inside it.
     */
    byte[] resolve(int space, long addr, int size, int align, boolean write, Warp w, int lane, Insn in) {
        int sp = space;
        long a = addr;
        if (sp == GENERIC) {
            if (a >= SHARED_WINDOW && a < SHARED_WINDOW + WINDOW_SIZE) {
                sp = SHARED;
                a -= SHARED_WINDOW;
            } else if (a >= LOCAL_WINDOW && a < LOCAL_WINDOW + WINDOW_SIZE) {
                sp = LOCAL;
                a -= LOCAL_WINDOW;
            } else if (a >= CONST_WINDOW && a < CONST_WINDOW + WINDOW_SIZE) {
                sp = CONST;
                a -= CONST_WINDOW;
            } else if (a >= PARAM_WINDOW && a < PARAM_WINDOW + WINDOW_SIZE) {
                sp = PARAM;
                a -= PARAM_WINDOW;
            } else {
                sp = GLOBAL;
            }
        }
        if ((addr & (align - 1)) != 0) {
            throw fault(w, lane, in, "misaligned " + access(space, in) + " at 0x" + Long.toHexString(addr) + ": a "
                    + align + "-byte aligned address is required");
        }
        switch (sp) {
            case GLOBAL: {
                GlobalMemory.Allocation al = gm.slot(a);
                if (al != null && !al.freed) {
                    long o = a - al.base;
                    if (o <= al.size - size) {
                        off = (int) o;
                        alloc = al;
                        return al.data;
                    }
                }
                throw fault(w, lane, in, access(space, in) + " at 0x" + Long.toHexString(addr) + " " + gm.diagnose(a, size));
            }
            case SHARED:
                if (a < 0 || a > shared.length - size) {
                    throw fault(w, lane, in, access(space, in) + " at 0x" + Long.toHexString(addr) + " (shared offset " + a
                            + ") is " + (a < 0 ? "before the start" : (a + size - shared.length) + " bytes past the end")
                            + " of the block's " + shared.length + " bytes of shared memory (" + staticSharedText() + ")");
                }
                off = (int) a;
                return shared;
            case LOCAL:
                if (a < 0 || a > localPer - size) {
                    throw fault(w, lane, in, access(space, in) + " at 0x" + Long.toHexString(addr) + " (local offset " + a
                            + ") is " + (a < 0 ? "before the start" : (a + size - localPer) + " bytes past the end")
                            + " of the thread's " + localPer + " bytes of local memory");
                }
                off = (int) a + (w.index * 32 + lane) * localStride;
                return local;
            case PARAM:
                if (write) {
                    throw fault(w, lane, in, access(space, in) + ": kernel parameters are read-only");
                }
                if (a < 0 || a > param.length - size) {
                    throw fault(w, lane, in, access(space, in) + " at param offset " + a + " is outside the kernel's "
                            + param.length + " bytes of parameters");
                }
                off = (int) a;
                return param;
            default:
                if (write) {
                    throw fault(w, lane, in, access(space, in) + ": the const space is read-only");
                }
                if (a < 0 || a > constBank.length - size) {
                    throw fault(w, lane, in, access(space, in) + " at const offset " + a + " is outside the module's "
                            + constBank.length + " bytes of const data");
                }
                off = (int) a;
                return constBank;
        }
    }

    private String staticSharedText() {
        int stat = k.dynSharedOffset >= 0 ? k.dynSharedOffset : k.staticShared;
        return "static " + k.staticShared + " + dynamic " + (shared.length - stat);
    }

    private static String access(int space, Insn in) {
        return (space == GENERIC ? "generic" : SPACE_NAMES[space]) + " " + in.opcode;
    }

    /** Counts the distinct 32-byte sectors of the {@code n} addresses in {@link #scratch}. */
    int distinctSectors(int n) {
        if (n == 0) {
            return 0;
        }
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            long s = scratch[i] >>> 5;
            scratch[i] = s;
            lo = Math.min(lo, s);
            hi = Math.max(hi, s);
        }
        if (hi - lo < 64) {
            long bits = 0;
            for (int i = 0; i < n; i++) {
                bits |= 1L << (scratch[i] - lo);
            }
            return Long.bitCount(bits);
        }
        Arrays.sort(scratch, 0, n);
        int d = 1;
        for (int i = 1; i < n; i++) {
            if (scratch[i] != scratch[i - 1]) {
                d++;
            }
        }
        return d;
    }

    /**
     * Bank conflicts among {@code n} word addresses in {@code ws} (sorted in place): the most distinct
     * words in one of the 32 banks, minus one (0 for no access).
     */
    int conflicts(int[] ws, int n) {
        if (n <= 1) {
            return 0;
        }
        // fast path: every bank holds at most one distinct word (no conflict), checked in one pass
        int seen = 0;
        boolean clash = false;
        for (int i = 0; i < n; i++) {
            int w = ws[i];
            int b = w & 31;
            if ((seen >>> b & 1) == 0) {
                seen |= 1 << b;
                bankFirst[b] = w;
            } else if (bankFirst[b] != w) {
                clash = true;
                break;
            }
        }
        if (!clash) {
            return 0;
        }
        Arrays.sort(ws, 0, n);
        Arrays.fill(perBank, 0);
        int worst = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && ws[i] == ws[i - 1]) {
                continue; // same word: broadcast
            }
            int c = ++perBank[ws[i] & 31];
            if (c > worst) {
                worst = c;
            }
        }
        return Math.max(0, worst - 1);
    }

    // ------------------------------------------------------------------ profile

    LaunchProfile profile() {
        Map<String, Long> by = new TreeMap<>();
        long total = 0;
        long flops = 0;
        for (int i = 0; i < counts.length; i++) {
            long c = counts[i];
            if (c == 0) {
                continue;
            }
            Insn in = k.code[i];
            by.merge(in.opcode, c, Long::sum);
            total += c;
            flops += c * in.flops;
        }
        return new LaunchProfile(k.name, total, by, flops, loadBytes + storeBytes + atomicBytes, loadSectors, storeSectors,
                loadBytes, storeBytes, sharedAccesses, bankConflicts);
    }
}
