package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;

/**
 * The emulator as a harsh GPU: the hazard detector on nvcc-compiled racy kernels (src/test/cuda/races.cu)
 * and on hand-written PTX for each kind of conflict, never-written memory, poisoned registers, the
 * seeded schedule, bounded freed-allocation records and the one-thread guard.
 */
class HazardTest {
    private static final long[] SEEDS = {1, 2, 3};

    private static String messageOf(Runnable r) {
        return assertThrows(DeviceException.class, r::run).getMessage();
    }

    /** The deterministic device, then one device per seed. */
    private static EmulatedDevice device(int i) {
        return i == 0 ? EmulatedDevice.deterministic() : EmulatedDevice.seeded(SEEDS[i - 1]);
    }

    private static float[] randomInput(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    // ------------------------------------------------------------------ nvcc-compiled races

    /** races.cu warp_handoff: warp w reads what warp w-1 wrote with no __syncthreads(). */
    @Test
    void warpReadingThePreviousWarpsSlotWithoutABarrierIsReported() {
        int n = 200;
        float[] x = randomInput(n, 1);
        for (int i = 0; i <= SEEDS.length; i++) {
            try (EmulatedDevice dev = device(i); DeviceBuffer in = dev.allocate(4L * n); DeviceBuffer out = dev.allocate(4L * n)) {
                in.write(x);
                Kernel racy = dev.loadModule("races.ptx", TestPtx.resource("races.ptx")).kernel("warp_handoff");
                String m = messageOf(() -> dev.launch(racy, Dim3.of(2), Dim3.of(128), 0, KernelArgs.of().ptr(in).ptr(out).i32(n)));
                assertTrue(m.startsWith("kernel warp_handoff (module races.ptx, launch <<<(2,1,1), (128,1,1)>>>"), m);
                if (i == 0) {
                    // warp 1's thread 32 reads buf[0], stored by thread 0 in the same barrier interval
                    assertTrue(m.contains("), block (0,0,0), thread (32,0,0): read-after-write hazard on shared memory: ld.shared.f32 by "
                            + "this thread at shared offset 0 conflicts with st.shared.f32 by thread (0,0,0) [PTX line 56, races.cu:11]; "
                            + "no __syncthreads() (bar.sync) separates the accesses [PTX line 67, races.cu:14]"), m);
                } else {
                    // in a random order the reader may come first: then it reads shared memory not yet written
                    assertTrue(m.contains("schedule seed " + SEEDS[i - 1] + ", launch #1 of the device"), m);
                    assertTrue(m.contains("read-after-write hazard on shared memory: ld.shared.f32 by this thread at shared offset ")
                            || m.contains("read of never-written shared memory: ld.shared.f32 reads shared offset "), m);
                    assertTrue(m.contains("[PTX line 67, races.cu:14]"), m);
                }
                // the same exchange with the barrier: no report, and the values an independent loop gives
                Kernel synced = dev.loadModule("races2.ptx", TestPtx.resource("races.ptx")).kernel("warp_handoff_synced");
                out.fill32(DeviceBuffer.POISON);
                dev.launch(synced, Dim3.of(2), Dim3.of(128), 0, KernelArgs.of().ptr(in).ptr(out).i32(n));
                float[] got = new float[n];
                out.read(got);
                for (int g = 0; g < n; g++) {
                    int t = g % 128;
                    int src = g - t + (t >= 32 ? t - 32 : t);
                    assertEquals(2f * x[src], got[g], 0f, "element " + g);
                }
            }
        }
    }

    /** races.cu block_sum_volatile: the pre-Volta warp-synchronous reduction without __syncwarp(). */
    @Test
    void warpSynchronousVolatileReductionWithoutSyncwarpIsReported() {
        int n = 1000;
        float[] x = randomInput(n, 2);
        int blocks = (n + 255) / 256;
        for (int i = 0; i <= SEEDS.length; i++) {
            try (EmulatedDevice dev = device(i); DeviceBuffer in = dev.allocate(4L * n); DeviceBuffer out = dev.allocate(4L * blocks)) {
                in.write(x);
                Kernel racy = dev.loadModule("races.ptx", TestPtx.resource("races.ptx")).kernel("block_sum_volatile");
                String m = messageOf(() -> dev.launch(racy, Dim3.of(blocks), Dim3.of(256), 0, KernelArgs.of().ptr(in).ptr(out).i32(n)));
                assertTrue(m.startsWith("kernel block_sum_volatile (module races.ptx, launch <<<(4,1,1), (256,1,1)>>>"), m);
                // lane 0 reads s[16], which lane 16 stored one statement earlier, with no __syncwarp() between
                assertTrue(m.contains("thread (0,0,0): read-after-write hazard on shared memory: ld.volatile.shared.f32 by this thread "
                        + "at shared offset 64 conflicts with st.volatile.shared.f32 by thread (16,0,0) [PTX line 227, races.cu:50]; both "
                        + "threads are in one warp and no __syncwarp() (bar.warp.sync) separates the accesses; lanes do not run in "
                        + "lockstep since Volta [PTX line 230, races.cu:51]"), m);
                assertTrue(m.contains("), block (" + (i == 0 ? "0" : "") ), m);
                // the __syncwarp() form: no report, and the block sums of a float64 loop
                Kernel fixed = dev.loadModule("races2.ptx", TestPtx.resource("races.ptx")).kernel("block_sum_syncwarp");
                out.fill32(DeviceBuffer.POISON);
                dev.launch(fixed, Dim3.of(blocks), Dim3.of(256), 0, KernelArgs.of().ptr(in).ptr(out).i32(n));
                float[] got = new float[blocks];
                out.read(got);
                for (int b = 0; b < blocks; b++) {
                    double want = 0;
                    for (int g = b * 256; g < Math.min(n, (b + 1) * 256); g++) {
                        want += x[g];
                    }
                    assertEquals(want, got[b], 1e-4, "block " + b);
                }
            }
        }
    }

    // ------------------------------------------------------------------ each kind of conflict, hand-written

    /** Thread {@code a} stores to s[slot] (value a + 1); thread {@code b} then does {@code op} on s[slot]; no barrier. */
    private static String sharedPair(String second) {
        return Kernels.entry("pair", ".param .u64 out", String.join("\n",
                "  .reg .pred %p<4>;",
                "  .reg .b32 %r<8>;",
                "  .reg .b64 %rd<4>;",
                "  .shared .align 4 .b8 s[64];",
                "  mov.u32 %r1, %tid.x;",
                "  add.u32 %r2, %r1, 1;",
                "  setp.eq.u32 %p1, %r1, 0;",
                "  @%p1 st.shared.u32 [s+4], %r2;",
                "  setp.eq.u32 %p2, %r1, 40;",
                second,
                "  ret;"));
    }

    @Test
    void sharedWriteAfterWriteAndWriteAfterReadBetweenWarps() {
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            // WAW: thread 0 stores 1, thread 40 (another warp) stores 41 to the same word
            Kernel waw = dev.loadModule("waw.ptx", sharedPair("  @%p2 st.shared.u32 [s+4], %r2;")).kernel("pair");
            String m = messageOf(() -> dev.launch(waw, Dim3.of(1), Dim3.of(64), 0, KernelArgs.of().i64(0)));
            assertTrue(m.contains("block (0,0,0), thread (40,0,0): write-after-write hazard on shared memory: st.shared.u32 by this "
                    + "thread at shared offset 4 conflicts with st.shared.u32 by thread (0,0,0) [PTX line 14]; no __syncthreads() "
                    + "(bar.sync) separates the accesses [PTX line 16]"), m);
            // the same value from both: benign, no report
            Kernel same = dev.loadModule("same.ptx", sharedPair("  @%p2 st.shared.u32 [s+4], 1;")).kernel("pair");
            dev.launch(same, Dim3.of(1), Dim3.of(64), 0, KernelArgs.of().i64(0));
            // WAR: thread 40 reads s[1] (after thread 0 wrote it, with a barrier), thread 0 then overwrites it, no barrier
            String war = Kernels.entry("war", "", String.join("\n",
                    "  .reg .pred %p<4>;",
                    "  .reg .b32 %r<8>;",
                    "  .shared .align 4 .b8 s[64];",
                    "  mov.u32 %r1, %tid.x;",
                    "  setp.eq.u32 %p1, %r1, 0;",
                    "  setp.eq.u32 %p2, %r1, 40;",
                    "  @%p1 st.shared.u32 [s+4], 5;",
                    "  bar.sync 0;",
                    "  @%p2 ld.shared.u32 %r3, [s+4];",
                    "  bar.warp.sync -1;",
                    "  @%p1 st.shared.u32 [s+4], 6;",
                    "  ret;"));
            for (int i = 0; i <= SEEDS.length; i++) {
                try (EmulatedDevice d = device(i)) {
                    Kernel k = d.loadModule("war.ptx", war).kernel("war");
                    String w = messageOf(() -> d.launch(k, Dim3.of(1), Dim3.of(64), 0, KernelArgs.of()));
                    // whichever runs first, the pair is reported: WAR at thread 0's store or RAW at thread 40's load
                    assertTrue(w.contains("thread (0,0,0): write-after-read hazard on shared memory: st.shared.u32 by this thread at "
                            + "shared offset 4 conflicts with ld.shared.u32 by thread (40,0,0) [PTX line 15]")
                            || w.contains("thread (40,0,0): read-after-write hazard on shared memory: ld.shared.u32 by this thread at "
                            + "shared offset 4 conflicts with st.shared.u32 by thread (0,0,0) [PTX line 17]"), w);
                }
            }
        }
    }

    @Test
    void crossLaneExchangeNeedsSyncwarpButNotShuffle() {
        // lane 1 stores, lane 0 reads it: a hazard without bar.warp.sync, fine with it
        for (boolean sync : new boolean[] {false, true}) {
            String ptx = Kernels.entry("lanes", ".param .u64 out", String.join("\n",
                    "  .reg .pred %p<4>;",
                    "  .reg .b32 %r<8>;",
                    "  .reg .b64 %rd<4>;",
                    "  .shared .align 4 .b8 s[128];",
                    "  mov.u32 %r1, %laneid;",
                    "  shl.b32 %r2, %r1, 2;",
                    "  mov.u32 %r3, s;",
                    "  add.u32 %r4, %r3, %r2;",
                    "  st.shared.u32 [%r4], %r1;",
                    sync ? "  bar.warp.sync -1;" : "",
                    "  xor.b32 %r5, %r2, 4;",
                    "  add.u32 %r5, %r3, %r5;",
                    "  ld.shared.u32 %r6, [%r5];",
                    "  shfl.sync.bfly.b32 %r7, %r6, 1, 31, -1;",
                    "  ld.param.u64 %rd1, [out];",
                    "  mul.wide.u32 %rd2, %r1, 4;",
                    "  add.s64 %rd3, %rd1, %rd2;",
                    "  st.global.u32 [%rd3], %r7;",
                    "  ret;"));
            try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer out = dev.allocate(128)) {
                Kernel k = dev.loadModule("lanes.ptx", ptx).kernel("lanes");
                if (!sync) {
                    String m = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of().ptr(out)));
                    assertTrue(m.contains("thread (0,0,0): read-after-write hazard on shared memory: ld.shared.u32 by this thread at "
                            + "shared offset 4 conflicts with st.shared.u32 by thread (1,0,0)"), m);
                    assertTrue(m.contains("both threads are in one warp and no __syncwarp() (bar.warp.sync) separates the accesses"), m);
                } else {
                    dev.launch(k, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of().ptr(out));
                    int[] got = new int[32];
                    out.read(got);
                    for (int l = 0; l < 32; l++) {
                        assertEquals(l, got[l], "lane " + l + ": the neighbour's neighbour is itself");
                    }
                }
            }
        }
    }

    /** Block b writes out[0] (plain store) or reads out[b - 1]; blocks never synchronise within a launch. */
    @Test
    void interBlockConflictsOnGlobalMemoryButNotAtomics() {
        String body = String.join("\n",
                "  .reg .pred %p<4>;",
                "  .reg .b32 %r<8>;",
                "  .reg .b64 %rd<8>;",
                "  .reg .f32 %f<4>;",
                "  mov.u32 %r1, %ctaid.x;",
                "  ld.param.u64 %rd1, [out];",
                "  mov.u32 %r2, %tid.x;",
                "  setp.ne.u32 %p1, %r2, 0;",
                "  @%p1 bra DONE;",
                "%BODY%",
                "DONE:",
                "  ret;");
        try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer out = dev.allocate(64)) {
            out.fill32(0);
            Kernel waw = dev.loadModule("waw.ptx", Kernels.entry("k", ".param .u64 out", body.replace("%BODY%",
                    "  st.global.u32 [%rd1], %r1;"))).kernel("k");
            String m = messageOf(() -> dev.launch(waw, Dim3.of(3), Dim3.of(32), 0, KernelArgs.of().ptr(out)));
            assertTrue(m.contains("block (1,0,0), thread (0,0,0): inter-block write-after-write on global memory: st.global.u32 by this "
                    + "thread at byte offset 0 of allocation #1 (64 bytes) (address 0x" + Long.toHexString(((EmuBuffer) out).address())
                    + ") conflicts with st.global.u32 by thread (0,0,0) of block (0,0,0) [PTX line 16]; blocks of one launch do not "
                    + "synchronise; the final value depends on their order [PTX line 16]"), m);
            Kernel raw = dev.loadModule("raw.ptx", Kernels.entry("k", ".param .u64 out", body.replace("%BODY%", String.join("\n",
                    "  mul.wide.u32 %rd2, %r1, 4;",
                    "  add.s64 %rd3, %rd1, %rd2;",
                    "  st.global.u32 [%rd3+4], %r1;",
                    "  ld.global.u32 %r3, [%rd3];")))).kernel("k");
            String r = messageOf(() -> dev.launch(raw, Dim3.of(3), Dim3.of(32), 0, KernelArgs.of().ptr(out)));
            assertTrue(r.contains("block (1,0,0), thread (0,0,0): inter-block read-after-write on global memory: ld.global.u32"), r);
            assertTrue(r.contains("of block (0,0,0) [PTX line 18]"), r);
            // atomics from every block: no conflict, and the sum of the block numbers
            Kernel atom = dev.loadModule("atom.ptx", Kernels.entry("k", ".param .u64 out", body.replace("%BODY%",
                    "  red.global.add.u32 [%rd1+8], %r1;"))).kernel("k");
            out.fill32(0);
            dev.launch(atom, Dim3.of(5), Dim3.of(32), 0, KernelArgs.of().ptr(out));
            int[] got = new int[3];
            out.read(got);
            assertEquals(0 + 1 + 2 + 3 + 4, got[2]);
            // .nc of a word this launch wrote (even by the same thread)
            Kernel nc = dev.loadModule("nc.ptx", Kernels.entry("k", ".param .u64 out", body.replace("%BODY%", String.join("\n",
                    "  st.global.u32 [%rd1+12], %r1;",
                    "  ld.global.nc.u32 %r3, [%rd1+12];")))).kernel("k");
            String c = messageOf(() -> dev.launch(nc, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of().ptr(out)));
            assertTrue(c.contains("thread (0,0,0): ld.global.nc of data written in this launch: ld.global.nc.u32 by this thread at "
                    + "byte offset 12 of allocation #1"), c);
        }
    }

    // ------------------------------------------------------------------ never-written memory, poison

    @Test
    void readsOfNeverWrittenMemoryAreReported() {
        String ld = Kernels.entry("k", ".param .u64 p", String.join("\n",
                "  .reg .b32 %r<4>;",
                "  .reg .b64 %rd<4>;",
                "  ld.param.u64 %rd1, [p];",
                "  ld.global.u32 %r1, [%rd1+8];",
                "  ret;"));
        String atom = ld.replace("ld.global.u32 %r1, [%rd1+8];", "red.global.add.f32 [%rd1+8], 0f3F800000;");
        String shared = Kernels.entry("k", ".param .u64 p", String.join("\n",
                "  .reg .b32 %r<4>;",
                "  .shared .align 4 .b8 s[64];",
                "  st.shared.u32 [s], 1;",
                "  ld.shared.u32 %r1, [s+4];",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer p = dev.allocate(16)) {
            String m = messageOf(() -> dev.launch(dev.loadModule("a.ptx", ld).kernel("k"), Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(p)));
            assertTrue(m.contains("thread (0,0,0): read of never-written global memory: ld.global.u32 reads byte offset 8 of allocation #1 "
                    + "(16 bytes), which neither the host nor a kernel has written since it was allocated"), m);
            // accumulating into a buffer nobody cleared: the classic atomicAdd bug
            String a = messageOf(() -> dev.launch(dev.loadModule("b.ptx", atom).kernel("k"), Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(p)));
            assertTrue(a.contains("read of never-written global memory: red.global.add.f32 updates byte offset 8"), a);
            String s = messageOf(() -> dev.launch(dev.loadModule("c.ptx", shared).kernel("k"), Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(p)));
            assertTrue(s.contains("read of never-written shared memory: ld.shared.u32 reads shared offset 4"), s);
            // a fresh allocation holds the poison pattern (a GPU does not clear memory), the host write makes it readable
            int[] raw = new int[4];
            p.read(raw);
            assertArrayEquals(new int[] {DeviceBuffer.POISON, DeviceBuffer.POISON, DeviceBuffer.POISON, DeviceBuffer.POISON}, raw);
            p.write(new int[] {0, 0, 0, 0});
            dev.launch(dev.loadModule("a2.ptx", ld).kernel("k"), Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(p));
        }
    }

    @Test
    void registersStartPoisoned() {
        String ptx = Kernels.entry("k", ".param .u64 p", String.join("\n",
                "  .reg .b32 %r<4>;",
                "  .reg .b64 %rd<4>;",
                "  ld.param.u64 %rd1, [p];",
                "  st.global.u32 [%rd1], %r3;",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer p = dev.allocate(4)) {
            p.write(new int[] {0});
            dev.launch(dev.loadModule("a.ptx", ptx).kernel("k"), Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(p));
            int[] got = new int[1];
            p.read(got);
            assertEquals(DeviceBuffer.POISON, got[0]);
        }
    }

    @Test
    void negativeIndexNamesTheNeighbouringAllocation() {
        String ptx = Kernels.entry("k", ".param .u64 p", String.join("\n",
                "  .reg .b32 %r<4>;",
                "  .reg .b64 %rd<4>;",
                "  ld.param.u64 %rd1, [p];",
                "  ld.global.u32 %r1, [%rd1+-8];",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer a = dev.allocate(64); DeviceBuffer b = dev.allocate(64)) {
            a.fill32(0);
            b.fill32(0);
            String m = messageOf(() -> dev.launch(dev.loadModule("a.ptx", ptx).kernel("k"), Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(b)));
            assertTrue(m.contains("bytes past the end of allocation #1 (64 bytes); it is 8 bytes before the start of allocation #2 "
                    + "(64 bytes) (a negative index into it?)"), m);
        }
    }

    // ------------------------------------------------------------------ the seeded schedule

    /** Each block takes a ticket with atom.add: the tickets are the order the blocks ran in. */
    private static int[] blockOrder(EmulatedDevice dev, int blocks) {
        String ptx = Kernels.entry("k", ".param .u64 p", String.join("\n",
                "  .reg .pred %p<2>;",
                "  .reg .b32 %r<8>;",
                "  .reg .b64 %rd<8>;",
                "  mov.u32 %r1, %tid.x;",
                "  setp.ne.u32 %p1, %r1, 0;",
                "  @%p1 bra DONE;",
                "  ld.param.u64 %rd1, [p];",
                "  atom.global.add.u32 %r2, [%rd1], 1;",
                "  mov.u32 %r3, %ctaid.x;",
                "  mul.wide.u32 %rd2, %r3, 4;",
                "  add.s64 %rd3, %rd1, %rd2;",
                "  st.global.u32 [%rd3+4], %r2;",
                "DONE:",
                "  ret;"));
        try (DeviceBuffer p = dev.allocate(4L * (blocks + 1))) {
            p.fill32(0);
            dev.launch(dev.loadModule("order.ptx", ptx).kernel("k"), Dim3.of(blocks), Dim3.of(64), 0, KernelArgs.of().ptr(p));
            int[] got = new int[blocks];
            p.read(got, 0, 1, blocks);
            return got;
        }
    }

    @Test
    void seededScheduleIsRandomAndReproducible() {
        int blocks = 40;
        int[] identity = new int[blocks];
        Arrays.setAll(identity, i -> i);
        try (EmulatedDevice det = EmulatedDevice.deterministic()) {
            assertArrayEquals(identity, blockOrder(det, blocks));
        }
        int[] a;
        try (EmulatedDevice s = EmulatedDevice.seeded(7)) {
            a = blockOrder(s, blocks);
        }
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        assertArrayEquals(identity, sorted, "a permutation");
        assertNotEquals(Arrays.toString(identity), Arrays.toString(a), "not the identity");
        try (EmulatedDevice s = EmulatedDevice.seeded(7)) {
            assertArrayEquals(a, blockOrder(s, blocks), "the same seed replays the same order");
        }
        try (EmulatedDevice s = EmulatedDevice.seeded(8)) {
            assertNotEquals(Arrays.toString(a), Arrays.toString(blockOrder(s, blocks)), "another seed, another order");
        }
        assertEquals(Long.valueOf(12), Schedule.parse("12"));
        assertEquals(Long.valueOf(255), Schedule.parse("0xff"));
        assertEquals(null, Schedule.parse("deterministic"));
        assertTrue(Schedule.parse("random") != null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.parse("sometimes"));
        assertTrue(e.getMessage().contains("lde.emu.schedule='sometimes'"), e.getMessage());
    }

    @Test
    void approximationsArePerturbedWithinTheirBounds() {
        Insns.Op1 exact = v -> Float.floatToRawIntBits((float) Math.pow(2, Float.intBitsToFloat((int) v))) & 0xFFFFFFFFL;
        Insns.Op1 harsh = FloatArith.perturbed(exact, FloatArith.approxUlps("ex2"), 99, "ex2");
        int moved = 0;
        Random r = new Random(3);
        for (int i = 0; i < 2000; i++) {
            long x = Float.floatToRawIntBits((float) (r.nextDouble() * 40 - 20)) & 0xFFFFFFFFL;
            int e = (int) exact.ap(x);
            int h = (int) harsh.ap(x);
            assertTrue(Math.abs(h - e) <= 1, "within 1 ulp");
            assertEquals(h, (int) harsh.ap(x), "a fixed function of the input");
            moved += h != e ? 1 : 0;
        }
        assertTrue(moved > 1000, "most results move: " + moved);
        assertEquals(2048, FloatArith.approxUlps("tanh"));
    }

    // ------------------------------------------------------------------ bounded records, one thread

    @Test
    void freedRecordsAreBoundedAndRecentUseAfterFreeIsStillNamed() {
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            DeviceBuffer keep = dev.allocate(4);
            DeviceBuffer first = dev.allocate(8);
            first.close();
            for (int i = 0; i < 3 * GlobalMemory.FREED_RECORDS; i++) {
                dev.allocate(16).close();
            }
            DeviceBuffer recent = dev.allocate(24);
            recent.close();
            assertTrue(dev.memory().records() <= GlobalMemory.FREED_RECORDS + 1, "records: " + dev.memory().records());
            String store = Kernels.entry("k", ".param .u64 p", "  .reg .b64 %rd<2>;\n  ld.param.u64 %rd1, [p];\n  st.global.u32 [%rd1], 1;\n  ret;");
            Kernel k = dev.loadModule("s.ptx", store).kernel("k");
            long recentAddr = ((EmuBuffer) recent).address();
            long firstAddr = ((EmuBuffer) first).address();
            String m = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().i64(recentAddr)));
            assertTrue(m.contains("is inside freed allocation #" + (3 * GlobalMemory.FREED_RECORDS + 3) + " (24 bytes)"), m);
            String old = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().i64(firstAddr)));
            assertTrue(old.contains("is inside allocation #2, which was freed (long ago"), old);
            assertTrue(messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(first)))
                    .contains("argument 0 is a closed buffer (allocation #2 (8 bytes))"));
            keep.fill32(0);
        }
    }

    @Test
    void useFromTwoThreadsAtOnceIsAClearError() throws Exception {
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            dev.memory().enter("a test holding the device");
            try {
                AtomicReference<Throwable> seen = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try {
                        dev.allocate(16);
                    } catch (Throwable e) {
                        seen.set(e);
                    }
                }, "second-user");
                t.start();
                t.join();
                assertTrue(seen.get() instanceof DeviceException, String.valueOf(seen.get()));
                assertTrue(seen.get().getMessage().startsWith("allocate on the emulated device from thread 'second-user' while thread '"
                        + Thread.currentThread().getName() + "' is using it"), seen.get().getMessage());
            } finally {
                dev.memory().exit();
            }
            dev.allocate(16).close(); // free again once released
        }
    }
}
