package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;

/** Special registers in 3-D launches, generic addressing, dynamic shared memory, and a few odd instructions. */
class SpacesAndSpecialsTest {

    @Test
    void specialRegistersIn3dLaunches() {
        String ptx = Kernels.entry("ids", ".param .u64 out", String.join("\n",
                "  .reg .b32 %r<24>;",
                "  .reg .b64 %rd<6>;",
                "  mov.u32 %r1, %tid.x;", "  mov.u32 %r2, %tid.y;", "  mov.u32 %r3, %tid.z;",
                "  mov.u32 %r4, %ntid.x;", "  mov.u32 %r5, %ntid.y;", "  mov.u32 %r6, %ntid.z;",
                "  mov.u32 %r7, %ctaid.x;", "  mov.u32 %r8, %ctaid.y;", "  mov.u32 %r9, %ctaid.z;",
                "  mov.u32 %r10, %nctaid.x;", "  mov.u32 %r11, %nctaid.y;", "  mov.u32 %r12, %nctaid.z;",
                "  mov.u32 %r13, %laneid;", "  mov.u32 %r14, %warpid;", "  mov.u32 %r15, %lanemask_lt;",
                "  mov.u32 %r16, %nwarpid;",
                // linear block id and linear thread id -> slot
                "  mad.lo.u32 %r17, %r9, %r11, %r8;",
                "  mad.lo.u32 %r17, %r17, %r10, %r7;",
                "  mad.lo.u32 %r18, %r3, %r5, %r2;",
                "  mad.lo.u32 %r18, %r18, %r4, %r1;",
                "  mul.lo.u32 %r19, %r4, %r5;",
                "  mul.lo.u32 %r19, %r19, %r6;",
                "  mad.lo.u32 %r20, %r17, %r19, %r18;",
                "  mul.wide.u32 %rd1, %r20, 64;",
                "  ld.param.u64 %rd2, [out];",
                "  add.s64 %rd3, %rd2, %rd1;",
                "  st.global.v4.u32 [%rd3], {%r1, %r2, %r3, %r4};",
                "  st.global.v4.u32 [%rd3+16], {%r5, %r6, %r7, %r8};",
                "  st.global.v4.u32 [%rd3+32], {%r9, %r10, %r11, %r12};",
                "  st.global.v4.u32 [%rd3+48], {%r13, %r14, %r15, %r16};",
                "  ret;"));
        Dim3 grid = new Dim3(2, 3, 2);
        Dim3 block = new Dim3(5, 3, 4); // 60 threads: two warps, the second partial
        int threads = 12 * 60;
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(64L * threads)) {
            dev.launch(dev.loadModule("ids.ptx", ptx).kernel("ids"), grid, block, 0, KernelArgs.of().ptr(out));
            int[] o = new int[16 * threads];
            out.read(o);
            for (int bz = 0; bz < 2; bz++) {
                for (int by = 0; by < 3; by++) {
                    for (int bx = 0; bx < 2; bx++) {
                        for (int tz = 0; tz < 4; tz++) {
                            for (int ty = 0; ty < 3; ty++) {
                                for (int tx = 0; tx < 5; tx++) {
                                    int lin = (tz * 3 + ty) * 5 + tx;
                                    int slot = ((bz * 3 + by) * 2 + bx) * 60 + lin;
                                    int[] want = {tx, ty, tz, 5, 3, 4, bx, by, bz, 2, 3, 2, lin % 32, lin / 32, (1 << (lin % 32)) - 1, 2};
                                    for (int f = 0; f < 16; f++) {
                                        assertEquals(want[f], o[16 * slot + f], "field " + f + " of thread " + lin + " in block " + slot / 60);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void genericAddressingOfSharedLocalAndGlobal() {
        String ptx = Kernels.entry("gen", ".param .u64 out", String.join("\n",
                "  .reg .b32 %r<12>;",
                "  .reg .b64 %rd<16>;",
                "  .shared .align 4 .b8 sm[128];",
                "  .local .align 4 .b8 lm[16];",
                "  mov.u32 %r1, %tid.x;",
                "  mov.u64 %rd1, sm;",
                "  cvta.shared.u64 %rd2, %rd1;",           // generic pointer to shared
                "  mul.wide.u32 %rd3, %r1, 4;",
                "  add.s64 %rd4, %rd2, %rd3;",
                "  add.s32 %r2, %r1, 100;",
                "  st.u32 [%rd4], %r2;",                    // generic store -> shared
                "  bar.sync 0;",
                "  cvta.to.shared.u64 %rd5, %rd4;",
                "  ld.shared.u32 %r3, [%rd5];",            // shared view of the same word
                "  mov.u64 %rd6, lm;",
                "  cvta.local.u64 %rd7, %rd6;",
                "  st.u32 [%rd7+4], %r3;",                  // generic store -> local
                "  ld.local.u32 %r4, [lm+4];",
                "  atom.add.u32 %r5, [%rd2], 1;",           // generic atomic on shared word 0
                "  bar.warp.sync -1;",
                "  membar.gl;",
                "  fence.acq_rel.gpu;",
                "  bar.sync 0;",
                "  ld.shared.u32 %r6, [sm];",
                "  ld.param.u64 %rd8, [out];",
                "  cvta.to.global.u64 %rd9, %rd8;",
                "  cvta.global.u64 %rd10, %rd9;",
                "  mul.wide.u32 %rd11, %r1, 8;",
                "  add.s64 %rd12, %rd10, %rd11;",
                "  st.v2.u32 [%rd12], {%r4, %r6};",         // generic store -> global
                "  ret;"));
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(8 * 32)) {
            dev.launch(dev.loadModule("gen.ptx", ptx).kernel("gen"), Dim3.of(1), Dim3.of(32), 0, KernelArgs.of().ptr(out));
            int[] o = new int[64];
            out.read(o);
            for (int t = 0; t < 32; t++) {
                assertEquals(100 + t, o[2 * t], "thread " + t);
                assertEquals(100 + 32, o[2 * t + 1], "shared word 0 after 32 generic atomics");
            }
            var p = dev.lastProfile().orElseThrow();
            assertEquals(32 * 8, p.globalStoreBytes(), "generic stores to global are counted as global");
            assertEquals(8, p.globalStoreSectors());
        }
    }

    @Test
    void dynamicSharedMemoryFollowsTheStaticPart() {
        String ptx = Kernels.HEADER + String.join("\n",
                ".extern .shared .align 16 .b8 dyn[];",
                ".visible .entry dsm(.param .u64 out, .param .u32 n)",
                "{",
                "  .reg .pred %p<2>;",
                "  .reg .b32 %r<8>;",
                "  .reg .b64 %rd<4>;",
                "  .shared .align 4 .b8 fixed[20];",
                "  mov.u32 %r1, %tid.x;",
                "  shl.b32 %r2, %r1, 2;",
                "  mov.u32 %r3, dyn;",
                "  add.s32 %r4, %r3, %r2;",
                "  st.shared.u32 [%r4], %r1;",
                "  st.shared.u32 [fixed+16], 77;",
                "  bar.sync 0;",
                "  ld.param.u32 %r5, [n];",
                "  sub.s32 %r6, %r5, %r1;",
                "  sub.s32 %r6, %r6, 1;",
                "  shl.b32 %r6, %r6, 2;",
                "  add.s32 %r6, %r3, %r6;",
                "  ld.shared.u32 %r7, [%r6];",
                "  ld.param.u64 %rd1, [out];",
                "  mul.wide.u32 %rd2, %r1, 4;",
                "  add.s64 %rd3, %rd1, %rd2;",
                "  st.global.u32 [%rd3], %r7;",
                "  mov.u32 %r1, dyn;",
                "  ret;",
                "}");
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(4 * 64)) {
            Kernel k = dev.loadModule("dsm.ptx", ptx).kernel("dsm");
            dev.launch(k, Dim3.of(1), Dim3.of(64), 64 * 4, KernelArgs.of().ptr(out).i32(64));
            int[] o = new int[64];
            out.read(o);
            for (int t = 0; t < 64; t++) {
                assertEquals(63 - t, o[t]);
            }
            // too little dynamic memory: the first store past it is caught (dyn starts at 32: 20 aligned to 16)
            DeviceException e = assertThrows(DeviceException.class,
                    () -> dev.launch(k, Dim3.of(1), Dim3.of(64), 60 * 4, KernelArgs.of().ptr(out).i32(64)));
            assertTrue(e.getMessage().contains("thread (60,0,0): shared st.shared.u32 at 0x110 (shared offset 272) is 4 bytes past the end"
                    + " of the block's 272 bytes of shared memory (static 20 + dynamic 240)"), e.getMessage());
        }
    }

    @Test
    void prmtTrapAndClock() {
        long[] out = OneInsn.run("prmt.b32", "b32", new String[] {"b32", "b32", "b32"},
                new long[][] {{0x33221100L, 0x77665544L, 0x3210}, {0x33221100L, 0x77665544L, 0x7654}, {0x80221100L, 0x77665544L, 0x000B}});
        assertEquals(0x33221100L, out[0]);
        assertEquals(0x77665544L, out[1]);
        assertEquals(0x000000FFL, out[2], "selector bit 3 replicates the sign of byte 3");
        String ptx = Kernels.entry("tr", ".param .u64 out", String.join("\n",
                "  .reg .pred %p<2>;",
                "  .reg .b32 %r<4>;",
                "  .reg .b64 %rd<6>;",
                "  mov.u64 %rd1, %clock64;",
                "  mov.u32 %r1, %tid.x;",
                "  mov.u64 %rd2, %clock64;",
                "  sub.s64 %rd3, %rd2, %rd1;",
                "  ld.param.u64 %rd4, [out];",
                "  st.global.u64 [%rd4], %rd3;",
                "  setp.eq.u32 %p1, %r1, 3;",
                "  @%p1 trap;",
                "  ret;"));
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer o = dev.allocate(8)) {
            Kernel k = dev.loadModule("tr.ptx", ptx).kernel("tr");
            dev.launch(k, Dim3.of(1), Dim3.of(2), 0, KernelArgs.of().ptr(o));
            int[] d = new int[2];
            o.read(d);
            assertTrue(d[0] > 0 && d[1] == 0, "%clock64 advances: " + d[0]);
            DeviceException e = assertThrows(DeviceException.class, () -> dev.launch(k, Dim3.of(1), Dim3.of(8), 0, KernelArgs.of().ptr(o)));
            assertTrue(e.getMessage().contains("thread (3,0,0): trap executed [PTX line 17]"), e.getMessage());
        }
    }
}
