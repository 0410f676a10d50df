package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.LaunchProfile;

/** Barriers, shuffles, votes, activemask and atomics, against independent Java definitions. */
class WarpLevelTest {

    /** Every thread stores tid+1 to shared memory; thread 0 then sums all of them. */
    private static String sumKernel(boolean barrier) {
        return Kernels.entry("sum", ".param .u64 out, .param .u32 n", String.join("\n",
                "  .reg .pred %p<4>;",
                "  .reg .b32 %r<12>;",
                "  .reg .b64 %rd<4>;",
                "  .shared .align 4 .b8 s[4096];",
                "  mov.u32 %r1, %tid.x;",
                "  add.s32 %r2, %r1, 1;",
                "  shl.b32 %r3, %r1, 2;",
                "  mov.u32 %r4, s;",
                "  add.s32 %r5, %r4, %r3;",
                "  st.shared.u32 [%r5], %r2;",
                barrier ? "  bar.sync 0;" : "  // no barrier",
                "  setp.ne.s32 %p1, %r1, 0;",
                "  @%p1 bra DONE;",
                "  ld.param.u32 %r6, [n];",
                "  mov.u32 %r7, 0;",
                "  mov.u32 %r8, 0;",
                "LOOP:",
                "  shl.b32 %r9, %r8, 2;",
                "  add.s32 %r9, %r4, %r9;",
                "  ld.shared.u32 %r10, [%r9];",
                "  add.s32 %r7, %r7, %r10;",
                "  add.s32 %r8, %r8, 1;",
                "  setp.lt.u32 %p2, %r8, %r6;",
                "  @%p2 bra LOOP;",
                "  ld.param.u64 %rd1, [out];",
                "  st.global.u32 [%rd1], %r7;",
                "DONE:",
                "  ret;"));
    }

    @Test
    void barrierMakesSharedReductionCorrect() {
        int n = 256;
        int expected = n * (n + 1) / 2;
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(4)) {
            Kernel with = dev.loadModule("with.ptx", sumKernel(true)).kernel("sum");
            dev.launch(with, Dim3.of(1), Dim3.of(n), 0, KernelArgs.of().ptr(out).i32(n));
            int[] got = new int[1];
            out.read(got);
            assertEquals(expected, got[0]);
            LaunchProfile p = dev.lastProfile().orElseThrow();
            assertEquals(n, p.instructionsByOpcode().get("bar.sync"));
        }
    }

    /**
     * Without the barrier, thread 0 reads slots other threads stored in the same barrier interval: the
     * hazard detector reports it whatever order the warps run in (it does not depend on which warp the
     * scheduler happens to run first), in the deterministic order and under several seeds.
     */
    @Test
    void missingBarrierIsReportedInEveryOrder() {
        int n = 256;
        for (long seed = -1; seed < 4; seed++) {
            try (EmulatedDevice dev = seed < 0 ? EmulatedDevice.deterministic() : EmulatedDevice.seeded(seed); DeviceBuffer out = dev.allocate(4)) {
                Kernel without = dev.loadModule("without.ptx", sumKernel(false)).kernel("sum");
                DeviceException e = assertThrows(DeviceException.class,
                        () -> dev.launch(without, Dim3.of(1), Dim3.of(n), 0, KernelArgs.of().ptr(out).i32(n)));
                String m = e.getMessage();
                assertTrue(m.startsWith("kernel sum (module without.ptx, launch <<<(1,1,1), (256,1,1)>>>"), m);
                assertTrue(m.contains("block (0,0,0), thread (0,0,0): read-after-write hazard on shared memory: ld.shared.u32 by this "
                        + "thread at shared offset "), m);
                assertTrue(m.contains("[PTX line 16]") && m.endsWith("[PTX line 26]"), m);
                assertEquals(seed >= 0, m.contains("schedule seed " + seed + ", launch #1 of the device; replay with -Dlde.emu.schedule=" + seed), m);
            }
        }
    }

    /** Each lane stores shfl.sync.<mode>(value = 100 + lane, b, c) and its predicate. */
    private static String shuffleKernel(String mode, int b, int c) {
        return Kernels.entry("shf", ".param .u64 out, .param .u64 pout", String.join("\n",
                "  .reg .pred %p<4>;",
                "  .reg .b32 %r<12>;",
                "  .reg .b64 %rd<8>;",
                "  mov.u32 %r1, %laneid;",
                "  add.s32 %r2, %r1, 100;",
                "  shfl.sync." + mode + ".b32 %r3|%p1, %r2, " + b + ", " + c + ", 0xffffffff;",
                "  selp.u32 %r4, 1, 0, %p1;",
                "  ld.param.u64 %rd1, [out];",
                "  ld.param.u64 %rd2, [pout];",
                "  mul.wide.u32 %rd3, %r1, 4;",
                "  add.s64 %rd4, %rd1, %rd3;",
                "  st.global.u32 [%rd4], %r3;",
                "  add.s64 %rd5, %rd2, %rd3;",
                "  st.global.u32 [%rd5], %r4;",
                "  ret;"));
    }

    private static int[][] shuffle(String mode, int b, int c) {
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(128); DeviceBuffer pout = dev.allocate(128)) {
            Kernel k = dev.loadModule("shf.ptx", shuffleKernel(mode, b, c)).kernel("shf");
            dev.launch(k, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of().ptr(out).ptr(pout));
            int[] v = new int[32];
            int[] p = new int[32];
            out.read(v);
            pout.read(p);
            return new int[][] {v, p};
        }
    }

    @Test
    void shuffleModesFollowCudaWidthSemantics() {
        for (int width : new int[] {32, 16, 8, 4}) {
            int cDown = ((32 - width) << 8) | 0x1f; // what nvcc emits for __shfl_down_sync(.., width)
            int cUp = (32 - width) << 8;             // __shfl_up_sync(.., width)
            for (int delta : new int[] {0, 1, 3, 5}) {
                int[][] down = shuffle("down", delta, cDown);
                int[][] up = shuffle("up", delta, cUp);
                int[][] bfly = shuffle("bfly", delta, cDown);
                for (int l = 0; l < 32; l++) {
                    int seg = l % width;
                    boolean inDown = seg + delta < width;
                    assertEquals(100 + (inDown ? l + delta : l), down[0][l], "down w" + width + " d" + delta + " lane " + l);
                    assertEquals(inDown ? 1 : 0, down[1][l]);
                    boolean inUp = seg - delta >= 0;
                    assertEquals(100 + (inUp ? l - delta : l), up[0][l], "up w" + width + " d" + delta + " lane " + l);
                    assertEquals(inUp ? 1 : 0, up[1][l]);
                    int x = l ^ delta;
                    boolean inX = x / width <= l / width; // CUDA: earlier groups are readable, later ones are not
                    assertEquals(100 + (inX ? x : l), bfly[0][l], "bfly w" + width + " m" + delta + " lane " + l);
                }
            }
            for (int src : new int[] {0, 3, 10, 31, 37}) {
                int[][] idx = shuffle("idx", src, cDown);
                for (int l = 0; l < 32; l++) {
                    int want = (l / width) * width + (src % width);
                    assertEquals(100 + want, idx[0][l], "idx w" + width + " src" + src + " lane " + l);
                    assertEquals(1, idx[1][l]);
                }
            }
        }
    }

    @Test
    void votesAndActiveMaskUnderDivergence() {
        // lanes with odd laneid take a branch; inside it: activemask, ballot of (lane % 3 == 0), all, any, uni
        String ptx = Kernels.entry("votes", ".param .u64 out", String.join("\n",
                "  .reg .pred %p<8>;",
                "  .reg .b32 %r<16>;",
                "  .reg .b64 %rd<8>;",
                "  mov.u32 %r1, %laneid;",
                "  and.b32 %r2, %r1, 1;",
                "  setp.eq.u32 %p1, %r2, 0;",
                "  ld.param.u64 %rd1, [out];",
                "  mul.wide.u32 %rd2, %r1, 24;",
                "  add.s64 %rd3, %rd1, %rd2;",
                "  @%p1 bra EVEN;",
                "  activemask.b32 %r3;",
                "  rem.u32 %r4, %r1, 3;",
                "  setp.eq.u32 %p2, %r4, 0;",
                "  vote.sync.ballot.b32 %r5, %p2, %r3;",
                "  vote.sync.all.pred %p3, %p2, %r3;",
                "  vote.sync.any.pred %p4, %p2, %r3;",
                "  setp.lt.u32 %p5, %r1, 64;",
                "  vote.sync.uni.pred %p6, %p5, %r3;",
                "  vote.sync.all.pred %p7, !%p2, %r3;",
                "  selp.u32 %r6, 1, 0, %p3;",
                "  selp.u32 %r7, 1, 0, %p4;",
                "  selp.u32 %r8, 1, 0, %p6;",
                "  selp.u32 %r9, 1, 0, %p7;",
                "  st.global.v2.u32 [%rd3], {%r3, %r5};",
                "  st.global.v4.u32 [%rd3+8], {%r6, %r7, %r8, %r9};",
                "EVEN:",
                "  ret;"));
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(24 * 32)) {
            out.fill32(-1);
            Kernel k = dev.loadModule("votes.ptx", ptx).kernel("votes");
            dev.launch(k, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of().ptr(out));
            int[] o = new int[6 * 32];
            out.read(o);
            int odd = 0xAAAAAAAA;
            int ballot = 0;
            for (int l = 1; l < 32; l += 2) {
                if (l % 3 == 0) {
                    ballot |= 1 << l;
                }
            }
            for (int l = 0; l < 32; l++) {
                int[] row = java.util.Arrays.copyOfRange(o, 6 * l, 6 * l + 6);
                if (l % 2 == 0) {
                    assertArrayEquals(new int[] {-1, -1, -1, -1, -1, -1}, row, "even lane " + l + " did not run the branch");
                } else {
                    assertArrayEquals(new int[] {odd, ballot, 0, 1, 1, 0}, row, "odd lane " + l);
                }
            }
        }
    }

    @Test
    void atomicsUnderContentionOnGlobalAndShared() {
        // 4 blocks x 96 threads; each thread: global add 1, add its tid to a u64, min/max of tid,
        // or of 1<<(tid%32), xor of tid, inc with wrap 9, shared add then one thread adds the block total
        String ptx = Kernels.entry("atoms", ".param .u64 g", String.join("\n",
                "  .reg .pred %p<4>;",
                "  .reg .b32 %r<20>;",
                "  .reg .b64 %rd<12>;",
                "  .reg .f32 %f<4>;",
                "  .shared .align 4 .u32 cnt;",
                "  mov.u32 %r1, %tid.x;",
                "  mov.u32 %r2, %ctaid.x;",
                "  mov.u32 %r3, %ntid.x;",
                "  mad.lo.s32 %r4, %r2, %r3, %r1;",
                "  ld.param.u64 %rd1, [g];",
                "  setp.ne.u32 %p1, %r1, 0;",
                "  @%p1 bra SKIPINIT;",
                "  st.shared.u32 [cnt], 0;",
                "SKIPINIT:",
                "  bar.sync 0;",
                "  atom.global.add.u32 %r5, [%rd1], 1;",
                "  cvt.u64.u32 %rd2, %r4;",
                "  red.global.add.u64 [%rd1+8], %rd2;",
                "  atom.global.min.s32 %r6, [%rd1+16], %r4;",
                "  atom.global.max.u32 %r7, [%rd1+20], %r4;",
                "  and.b32 %r8, %r4, 31;",
                "  mov.u32 %r9, 1;",
                "  shl.b32 %r10, %r9, %r8;",
                "  atom.global.or.b32 %r11, [%rd1+24], %r10;",
                "  atom.global.xor.b32 %r12, [%rd1+28], %r4;",
                "  atom.global.inc.u32 %r13, [%rd1+32], 9;",
                "  atom.global.dec.u32 %r14, [%rd1+36], 1000;",
                "  cvt.rn.f32.u32 %f1, %r1;",
                "  atom.global.add.f32 %f2, [%rd1+40], %f1;",
                "  atom.shared.add.u32 %r15, [cnt], 2;",
                "  atom.global.and.b32 %r16, [%rd1+44], -2;",
                "  atom.global.cas.b32 %r17, [%rd1+48], %r4, 999;",
                "  bar.sync 0;",
                "  @%p1 bra DONE;",
                "  ld.shared.u32 %r18, [cnt];",
                "  atom.global.add.u32 %r19, [%rd1+52], %r18;",
                "DONE:",
                "  ret;"));
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer g = dev.allocate(64)) {
            g.write(new int[] {0, 0, 0, 0, Integer.MAX_VALUE, 0, 0, 0, 0, 0, 0, 0xFF, 5, 0, 0, 0});
            Kernel k = dev.loadModule("atoms.ptx", ptx).kernel("atoms");
            int blocks = 4;
            int threads = 96;
            dev.launch(k, Dim3.of(blocks), Dim3.of(threads), 0, KernelArgs.of().ptr(g));
            int[] o = new int[16];
            g.read(o);
            int total = blocks * threads;
            long sum = (long) total * (total - 1) / 2;
            int xor = 0;
            for (int i = 0; i < total; i++) {
                xor ^= i;
            }
            float fsum = 0;
            for (int i = 0; i < threads; i++) {
                fsum += i;
            }
            assertEquals(total, o[0]);
            assertEquals(sum, (o[2] & 0xFFFFFFFFL) | ((long) o[3] << 32));
            assertEquals(0, o[4]);
            assertEquals(total - 1, o[5]);
            assertEquals(-1, o[6]);
            assertEquals(xor, o[7]);
            assertEquals(total % 10, o[8]);   // inc wraps to 0 after 9
            assertEquals(1000 - ((total - 1) % 1001), o[9]); // dec from 0 wraps to 1000 first
            assertEquals(blocks * fsum, Float.intBitsToFloat(o[10]), 0f);
            assertEquals(0xFE, o[11]);        // 0xFF & ~1
            assertEquals(999, o[12]);         // thread 5 swapped 5 for 999; no later index equals 999
            assertEquals(blocks * threads * 2, o[13]);
        }
    }
}
