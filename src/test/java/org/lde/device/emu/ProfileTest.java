package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.LaunchProfile;

/** Counters: sectors per warp access, bank conflicts (and the 64/128-bit phase rule), flops, the printed form. */
class ProfileTest {

    /** One warp: lane l reads shared (or global) at base + l * stride bytes with an access of the given type. */
    private static String strided(String space, String type) {
        String ld = type.equals("v2") ? "ld." + space + ".v2.u32 {%r6, %r7}, [%rd5];"
                : type.equals("v4") ? "ld." + space + ".v4.u32 {%r6, %r7, %r8, %r10}, [%rd5];"
                : "ld." + space + "." + type + " %r6, [%rd5];";
        // shared memory is first written (16 conflict-free st.shared.v4 per lane, then bar.sync): the
        // sanitizer reports reads of never-written shared memory
        String fill = !space.equals("shared") ? "" : String.join("\n",
                "  mov.u64 %rd6, sm;",
                "  mul.wide.u32 %rd7, %r1, 16;",
                "  add.s64 %rd6, %rd6, %rd7;",
                "  mov.u32 %r11, 0;",
                "FILL:",
                "  st.shared.v4.u32 [%rd6], {%r11, %r11, %r11, %r11};",
                "  add.s64 %rd6, %rd6, 512;",
                "  add.u32 %r11, %r11, 1;",
                "  setp.lt.u32 %p1, %r11, 16;",
                "  @%p1 bra FILL;",
                "  bar.sync 0;");
        return Kernels.entry("strided", ".param .u64 g, .param .u32 stride", String.join("\n",
                "  .reg .pred %p<2>;",
                "  .reg .b32 %r<12>;",
                "  .reg .b64 %rd<8>;",
                "  .shared .align 16 .b8 sm[8192];",
                "  mov.u32 %r1, %laneid;",
                fill,
                "  ld.param.u32 %r2, [stride];",
                "  mul.lo.u32 %r3, %r1, %r2;",
                "  cvt.u64.u32 %rd1, %r3;",
                space.equals("shared") ? "  mov.u64 %rd2, sm;" : "  ld.param.u64 %rd2, [g];",
                "  add.s64 %rd5, %rd2, %rd1;",
                "  " + ld,
                "  ret;"));
    }

    private static LaunchProfile run(String space, String type, int stride) {
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer g = dev.allocate(8192)) {
            g.fill32(0);
            dev.launch(dev.loadModule("s.ptx", strided(space, type)).kernel("strided"), Dim3.of(1), Dim3.of(32), 0,
                    KernelArgs.of().ptr(g).i32(stride));
            return dev.lastProfile().orElseThrow();
        }
    }

    @Test
    void bankConflicts() {
        assertEquals(0, run("shared", "u32", 4).sharedBankConflicts(), "consecutive words");
        assertEquals(1, run("shared", "u32", 8).sharedBankConflicts(), "stride 2 words: 2-way");
        assertEquals(31, run("shared", "u32", 128).sharedBankConflicts(), "stride 32 words: 32-way");
        assertEquals(0, run("shared", "u32", 0).sharedBankConflicts(), "broadcast");
        assertEquals(7, run("shared", "u32", 32).sharedBankConflicts(), "stride 8 words: banks 0,8,16,24 hold 8 words each");
        assertEquals(0, run("shared", "u8", 1).sharedBankConflicts(), "bytes of the same words");
        assertEquals(0, run("shared", "v2", 8).sharedBankConflicts(), "64-bit consecutive: two conflict-free half-warps");
        assertEquals(0, run("shared", "v4", 16).sharedBankConflicts(), "128-bit consecutive: four conflict-free quarter-warps");
        assertEquals(2, run("shared", "v2", 16).sharedBankConflicts(), "64-bit stride 16 B: 2-way in each half-warp");
        LaunchProfile p = run("shared", "u32", 4);
        assertEquals(1 + 16, p.sharedAccesses(), "the load and the 16 stores that fill shared memory");
        assertEquals(0, p.globalLoadBytes());
    }

    @Test
    void sectorsPerWarpAccess() {
        LaunchProfile c = run("global", "u32", 4);
        assertEquals(4, c.globalLoadSectors(), "128 contiguous bytes = 4 sectors");
        assertEquals(1.0, c.loadSectorEfficiency(), 0);
        LaunchProfile s = run("global", "u32", 32);
        assertEquals(32, s.globalLoadSectors(), "32-byte stride: one sector per lane");
        assertEquals(0.125, s.loadSectorEfficiency(), 1e-12);
        LaunchProfile b = run("global", "u32", 0);
        assertEquals(1, b.globalLoadSectors(), "same address");
        assertEquals(128, b.globalLoadBytes());
        LaunchProfile far = run("global", "u32", 256);
        assertEquals(32, far.globalLoadSectors());
        LaunchProfile v4 = run("global", "v4", 16);
        assertEquals(16, v4.globalLoadSectors(), "512 contiguous bytes");
        assertEquals(512, v4.globalLoadBytes());
    }

    @Test
    void printedProfileHasTotalsAndOpcodeTable() {
        LaunchProfile p = run("global", "u32", 32);
        String text = p.format();
        assertTrue(text.startsWith("kernel strided: " + p.threadInstructions() + " thread-instructions, 0 flops\n"), text);
        assertTrue(text.contains("loads 128 B in 32 sectors (efficiency 12.5%)"), text);
        assertTrue(text.contains("ld.global.u32"), text);
        assertTrue(text.contains("mul.lo.u32"), text);
        long sum = p.instructionsByOpcode().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(p.threadInstructions(), sum);
        assertEquals(32, p.instructionsByOpcode().get("ld.global.u32"));
    }
}
