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

/** The sanitizer and the load-time errors: every message names what failed and where. */
class SanitizerTest {

    private static final String STORE_I = Kernels.entry("store_i", ".param .u64 p, .param .u32 n", Kernels.INDEX + String.join("\n",
            "  ld.param.u64 %rd1, [p];",
            "  ld.param.u32 %r5, [n];",
            "  setp.ge.u32 %p1, %r9, %r5;",
            "  @%p1 bra DONE;",
            "  add.s64 %rd2, %rd1, %rd8;",
            "  cvt.rn.f32.u32 %f1, %r9;",
            "  st.global.f32 [%rd2], %f1;",
            "DONE:",
            "  ret;"));

    private static String messageOf(Runnable r) {
        DeviceException e = assertThrows(DeviceException.class, r::run);
        return e.getMessage();
    }

    @Test
    void outOfBoundsStoreNamesKernelBlockThreadAndAllocation() {
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            Kernel k = dev.loadModule("oob.ptx", STORE_I).kernel("store_i");
            try (DeviceBuffer other = dev.allocate(64); DeviceBuffer buf = dev.allocate(1024)) {
                assertEquals(64, other.bytes()); // allocation #1, so buf is #2
                // 256 floats fit; n = 300 lets threads 256.. of block 2 (block size 128) write past the end
                String msg = messageOf(() -> dev.launch(k, Dim3.of(3), Dim3.of(128), 0, KernelArgs.of().ptr(buf).i32(300)));
                EmuBuffer eb = (EmuBuffer) buf;
                assertTrue(msg.startsWith("kernel store_i (module oob.ptx, launch <<<(3,1,1), (128,1,1)>>>), block (2,0,0), thread (0,0,0): "), msg);
                assertTrue(msg.contains("global st.global.f32 at 0x" + Long.toHexString(eb.address() + 1024)
                        + " is 4 bytes past the end of allocation #" + eb.alloc.id + " (1024 bytes)"), msg);
                assertTrue(msg.contains("[PTX line 22]"), msg);
                assertTrue(dev.lastProfile().isEmpty(), "no profile for a failed launch");
                // the blocks before the failing one did run; within bounds nothing is corrupted
                float[] y = new float[256];
                buf.read(y);
                assertEquals(255f, y[255], 0f);
            }
        }
    }

    @Test
    void useAfterFreeAndUnknownAddresses() {
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            Kernel k = dev.loadModule("oob.ptx", STORE_I).kernel("store_i");
            DeviceBuffer buf = dev.allocate(64);
            buf.close();
            String msg = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(4), 0, KernelArgs.of().ptr(buf).i32(4)));
            assertTrue(msg.contains("argument 0 is a closed buffer (allocation #1 (64 bytes))"), msg);
            String wild = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(4), 0, KernelArgs.of().i64(0x1234_5678L).i32(4)));
            assertTrue(wild.contains("global st.global.f32 at 0x12345678 does not belong to any allocation"), wild);
        }
    }

    @Test
    void misalignedGlobalLoad() {
        String ptx = Kernels.entry("mis", ".param .u64 p", String.join("\n",
                "  .reg .b64 %rd<4>;",
                "  .reg .f32 %f<2>;",
                "  ld.param.u64 %rd1, [p];",
                "  ld.global.f32 %f1, [%rd1+2];",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer buf = dev.allocate(64)) {
            Kernel k = dev.loadModule("mis.ptx", ptx).kernel("mis");
            String msg = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(buf)));
            long a = ((EmuBuffer) buf).address() + 2;
            assertTrue(msg.contains("misaligned global ld.global.f32 at 0x" + Long.toHexString(a) + ": a 4-byte aligned address is required"), msg);
        }
    }

    @Test
    void sharedAndLocalOutOfBounds() {
        String ptx = Kernels.entry("sh", ".param .u32 i", String.join("\n",
                "  .reg .b32 %r<4>;",
                "  .shared .align 4 .b8 buf[64];",
                "  ld.param.u32 %r1, [i];",
                "  shl.b32 %r2, %r1, 2;",
                "  mov.u32 %r3, buf;",
                "  add.s32 %r3, %r3, %r2;",
                "  st.shared.u32 [%r3], %r1;",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            Kernel k = dev.loadModule("sh.ptx", ptx).kernel("sh");
            dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().i32(15)); // last word: fine
            String msg = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().i32(16)));
            assertTrue(msg.contains("shared st.shared.u32 at 0x40 (shared offset 64) is 4 bytes past the end of the block's 64 bytes"
                    + " of shared memory (static 64 + dynamic 0)"), msg);
        }
        String loc = Kernels.entry("lo", ".param .u32 i", String.join("\n",
                "  .local .align 4 .b8 depot[16];",
                "  .reg .b32 %r<4>;",
                "  .reg .b64 %rd<4>;",
                "  ld.param.u32 %r1, [i];",
                "  mov.u64 %rd1, depot;",
                "  mul.wide.u32 %rd2, %r1, 4;",
                "  add.s64 %rd3, %rd1, %rd2;",
                "  st.local.u32 [%rd3], %r1;",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            Kernel k = dev.loadModule("lo.ptx", loc).kernel("lo");
            dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().i32(3));
            String msg = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(40), 0, KernelArgs.of().i32(4)));
            assertTrue(msg.contains("thread (0,0,0): local st.local.u32 at 0x10 (local offset 16) is 4 bytes past the end of the thread's 16 bytes of local memory"), msg);
        }
    }

    @Test
    void divergentBarrierIsReported() {
        String ptx = Kernels.entry("divbar", "", String.join("\n",
                "  .reg .pred %p<2>;",
                "  .reg .b32 %r<2>;",
                "  mov.u32 %r1, %tid.x;",
                "  setp.lt.u32 %p1, %r1, 16;",
                "  @%p1 bra LOW;",
                "  bar.sync 0;",
                "  bra DONE;",
                "LOW:",
                "  bar.sync 0;",
                "DONE:",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            Kernel k = dev.loadModule("divbar.ptx", ptx).kernel("divbar");
            String msg = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(64), 0, KernelArgs.of()));
            assertTrue(msg.startsWith("kernel divbar (module divbar.ptx, launch <<<(1,1,1), (64,1,1)>>>), block (0,0,0), thread ("), msg);
            assertTrue(msg.contains("barrier divergence"), msg);
            assertTrue(msg.contains("thread (16,0,0): barrier divergence: this thread waits at bar.sync [PTX line 12] while thread (0,0,0) waits at bar.sync [PTX line 15]"), msg);
        }
    }

    @Test
    void nonAlignedBarrierReachedByAllLiveThreadsAfterSomeExitIsFine() {
        String ptx = Kernels.entry("early", ".param .u64 p", String.join("\n",
                "  .reg .pred %p<2>;",
                "  .reg .b32 %r<4>;",
                "  .reg .b64 %rd<4>;",
                "  .shared .align 4 .b8 s[256];",
                "  mov.u32 %r1, %tid.x;",
                "  setp.ge.u32 %p1, %r1, 40;",
                "  @%p1 ret;",
                "  shl.b32 %r2, %r1, 2;",
                "  st.shared.u32 [s+0], 7;",
                "  barrier.sync 0;",
                "  ld.shared.u32 %r3, [s];",
                "  ld.param.u64 %rd1, [p];",
                "  mul.wide.u32 %rd2, %r1, 4;",
                "  add.s64 %rd3, %rd1, %rd2;",
                "  st.global.u32 [%rd3], %r3;",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer out = dev.allocate(4 * 64)) {
            Kernel k = dev.loadModule("early.ptx", ptx).kernel("early");
            dev.launch(k, Dim3.of(1), Dim3.of(64), 0, KernelArgs.of().ptr(out));
            int[] o = new int[40];
            out.read(o, 0, 0, 40);
            for (int v : o) {
                assertEquals(7, v);
            }
        }
    }

    /**
     * {@code if (tid < 16) __syncthreads();} with the other threads exited: bar.sync is barrier.sync.aligned,
     * which every thread of the block must execute; the PTX ISA leaves this undefined, the sanitizer reports it.
     */
    @Test
    void alignedBarrierAfterOtherThreadsExitedIsReported() {
        String ptx = Kernels.entry("half_sync", "", String.join("\n",
                "  .reg .pred %p<2>;",
                "  .reg .b32 %r<4>;",
                "  mov.u32 %r1, %tid.x;",
                "  setp.ge.u32 %p1, %r1, 16;",
                "  @%p1 bra DONE;",
                "  bar.sync 0;",
                "DONE:",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            Kernel k = dev.loadModule("half.ptx", ptx).kernel("half_sync");
            String msg = messageOf(() -> dev.launch(k, Dim3.of(2), Dim3.of(64), 0, KernelArgs.of()));
            assertTrue(msg.startsWith("kernel half_sync (module half.ptx, launch <<<(2,1,1), (64,1,1)>>>"), msg);
            assertTrue(msg.contains("block (0,0,0), thread (0,0,0): aligned barrier reached after other threads exited: this thread "
                    + "waits at bar.sync [PTX line 12] but thread (16,0,0) of the block has already exited"), msg);
        }
    }

    @Test
    void endlessLoopHitsTheStepLimit() {
        String ptx = Kernels.entry("spin", "", String.join("\n",
                "LOOP:",
                "  bra.uni LOOP;",
                "  ret;"));
        try (EmulatedDevice dev = new EmulatedDevice(10_000)) {
            Kernel k = dev.loadModule("spin.ptx", ptx).kernel("spin");
            String msg = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of()));
            assertTrue(msg.contains("launch exceeded 10000 warp steps at bra.uni [PTX line 8]"), msg);
        }
    }

    @Test
    void shuffleNamingExitedLanes() {
        String ptx = Kernels.entry("shx", "", String.join("\n",
                "  .reg .pred %p<2>;",
                "  .reg .b32 %r<4>;",
                "  mov.u32 %r1, %tid.x;",
                "  setp.ge.u32 %p1, %r1, 20;",
                "  @%p1 exit;",
                "  shfl.sync.down.b32 %r2, %r1, 1, 31, -1;",
                "  ret;"));
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            Kernel k = dev.loadModule("shx.ptx", ptx).kernel("shx");
            String msg = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of()));
            assertTrue(msg.contains("thread (0,0,0): shfl.sync.down.b32 membermask 0xffffffff names lanes that are absent: 20, 21"), msg);
            assertTrue(msg.contains("lane 20 has exited"), msg);
            // a partial warp (block of 20 threads) with a full membermask is the same error
            String msg2 = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(20), 0, KernelArgs.of()));
            assertTrue(msg2.contains("names lanes that are absent: 20, 21"), msg2);
        }
    }

    @Test
    void unsupportedInstructionNamesPtxAndSourceLine() {
        String ptx = Kernels.HEADER + String.join("\n",
                ".visible .entry bad()",
                "{",
                "  .reg .b32 %r<4>;",
                "  .loc 1 42 3",
                "  mul24.lo.s32 %r1, %r2, %r3;",
                "  ret;",
                "}",
                "  .file 1 \"/home/me/src/my_kernels.cu\"",
                "");
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            String msg = messageOf(() -> dev.loadModule("bad.ptx", ptx));
            assertEquals("bad.ptx: kernel bad: PTX line 9, my_kernels.cu:42: unsupported instruction mul24 in 'mul24.lo.s32'", msg);
            String q = messageOf(() -> dev.loadModule("q.ptx", ptx.replace("mul24.lo.s32", "add.foo.s32")));
            assertTrue(q.contains("PTX line 9, my_kernels.cu:42: unsupported qualifier .foo in 'add.foo.s32'"), q);
            String d = messageOf(() -> dev.loadModule("d.ptx", ptx.replace("  .loc 1 42 3", "  .maxclusterrank 2;")));
            assertTrue(d.contains("d.ptx: PTX line 8: unsupported directive '.maxclusterrank' in body of bad"), d);
            String c = messageOf(() -> dev.loadModule("c.ptx", ptx.replace("mul24.lo.s32 %r1, %r2, %r3;", "call.uni foo, ();")));
            assertTrue(c.contains("PTX line 9, my_kernels.cu:42: call to unknown function foo in 'call.uni'"), c);
        }
    }

    @Test
    void argumentMismatchesAreRejected() {
        try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer buf = dev.allocate(64)) {
            Kernel k = dev.loadModule("oob.ptx", STORE_I).kernel("store_i");
            String m1 = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().f32(1f).i32(1)));
            assertTrue(m1.contains("argument 0 is f32 1.0 but parameter 0 (p) is .u64 (expects ptr or i64)"), m1);
            String m2 = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(buf)));
            assertTrue(m2.contains("1 arguments given but the kernel has 2 parameters; parameter 1 (n, .u32) has no argument"), m2);
            String m3 = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(buf).i32(1).i32(2)));
            assertTrue(m3.contains("3 arguments given"), m3);
            String m4 = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(2048), 0, KernelArgs.of().ptr(buf).i32(1)));
            assertTrue(m4.contains("at most 1024 threads"), m4);
            String m5 = messageOf(() -> dev.loadModule("oob.ptx", STORE_I).kernel("nope"));
            assertTrue(m5.contains("module oob.ptx has no entry nope; its entries are [store_i]"), m5);
        }
    }

    @Test
    void syntaxErrorsNameTheLine() {
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            String m = messageOf(() -> dev.loadModule("s.ptx", STORE_I.replace("st.global.f32 [%rd2], %f1;", "st.global.f32 [%rd2] %f1;")));
            assertTrue(m.contains("s.ptx: PTX line 22: expected ';' after operands of st.global.f32 but found '%f1'"), m);
            String u = messageOf(() -> dev.loadModule("u.ptx", STORE_I.replace("[%rd2], %f1", "[%rd2], %q9")));
            assertTrue(u.contains("PTX line 22: unknown name %q9 in 'st.global.f32'"), u);
        }
    }

    @Test
    void runtimeErrorsInNvccKernelsNameTheCudaSourceLine() {
        try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer x = dev.allocate(4 * 100); DeviceBuffer y = dev.allocate(4 * 64)) {
            x.fill32(0);
            Kernel k = dev.loadModule("elementwise.ptx", TestPtx.resource("elementwise.ptx")).kernel("relu_fwd");
            String msg = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(128), 0, KernelArgs.of().ptr(x).ptr(y).i32(100)));
            assertTrue(msg.contains("thread (64,0,0): global st.global.f32 at 0x"), msg);
            assertTrue(msg.contains("is 4 bytes past the end of allocation #2 (256 bytes) [PTX line "), msg);
            assertTrue(msg.endsWith(", elementwise.cu:4]"), msg);
        }
    }

    @Test
    void closingTheDeviceFreesItsBuffersAndModules() {
        EmulatedDevice dev = EmulatedDevice.deterministic();
        DeviceBuffer b = dev.allocate(16);
        Kernel k = dev.loadModule("oob.ptx", STORE_I).kernel("store_i");
        dev.close();
        String m1 = messageOf(() -> b.write(new float[] {1f}));
        assertTrue(m1.contains("write on closed buffer (allocation #1 (16 bytes))"), m1);
        String m2 = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(b).i32(1)));
        assertEquals("the emulated device is closed", m2);
        String m3 = messageOf(() -> dev.allocate(8));
        assertEquals("the emulated device is closed", m3);
        dev.close(); // idempotent
        b.close();
    }

    @Test
    void bufferRangeChecks() {
        try (EmulatedDevice dev = EmulatedDevice.deterministic(); DeviceBuffer b = dev.allocate(40)) {
            String m = messageOf(() -> b.write(new float[4], 0, 8, 4));
            assertTrue(m.contains("elements [8, 12) are past the end of allocation #1 (40 bytes)"), m);
            String huge = messageOf(() -> b.write(new float[1], 0, 1L << 62, 1));
            assertTrue(huge.contains("are past the end of allocation #1 (40 bytes)"), huge);
            String n = messageOf(() -> b.read(new int[2], 1, 0, 2));
            assertTrue(n.contains("bad range"), n);
            String z = messageOf(() -> dev.allocate(0));
            assertEquals("allocation size must be positive, got 0 bytes", z);
        }
    }

    @Test
    void paramAndConstAccessesAreChecked() {
        String ptx = Kernels.HEADER + String.join("\n",
                ".const .align 4 .b8 c[8];",
                ".visible .entry pc(.param .u32 a, .param .u32 which)",
                "{",
                "  .reg .pred %p<3>;",
                "  .reg .b32 %r<4>;",
                "  .reg .b64 %rd<4>;",
                "  ld.param.u32 %r1, [which];",
                "  setp.eq.u32 %p1, %r1, 1;",
                "  @%p1 ld.param.u32 %r2, [a+8];",
                "  setp.eq.u32 %p2, %r1, 2;",
                "  @%p2 ld.const.u32 %r3, [c+8];",
                "  ret;",
                "}");
        try (EmulatedDevice dev = EmulatedDevice.deterministic()) {
            Kernel k = dev.loadModule("pc.ptx", ptx).kernel("pc");
            dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().i32(0).i32(0));
            String m1 = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().i32(0).i32(1)));
            assertTrue(m1.contains("param ld.param.u32 at param offset 8 is outside the kernel's 8 bytes of parameters [PTX line 13]"), m1);
            String m2 = messageOf(() -> dev.launch(k, Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().i32(0).i32(2)));
            assertTrue(m2.contains("const ld.const.u32 at const offset 8 is outside the module's 8 bytes of const data [PTX line 15]"), m2);
        }
    }
}
