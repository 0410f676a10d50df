package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;

/** Syntax forms of hand-written and nvcc PTX, checked by what a kernel using them computes. */
class ParserTest {

    static final String PTX = String.join("\n",
            "// a comment",
            "/* a block",
            "   comment */",
            ".version 7.0",
            ".target sm_75, texmode_independent",
            ".address_size 64",
            ".const .align 4 .b32 table[4] = {10, 20, 30, -1};",
            ".global .align 8 .f64 scale = 0d4000000000000000;",
            ".global .align 4 .u32 grid[2][3] = {{1, 2, 3}, {4, 5, 6}};",
            ".global .align 4 .f32 third = 0.3333333333;",
            ".extern .func (.param .b32 r) declared_only(.param .b32 a);",
            ".weak .entry forms(",
            "    .param .u64 out,",
            "    .param .align 8 .b8 pair[8]",
            ")",
            ".maxntid 64, 1, 1",
            "{",
            "  .reg .pred %p<3>;",
            "  .reg .b32 %r<20>;",
            "  .reg .b64 %rd<8>;",
            "  .reg .f32 %f<4>;",
            "  .reg .f64 %fd<3>;",
            "  .pragma \"nounroll\";",
            "  ld.param.u64 %rd1, [out];",
            "  ld.param.u32 %r1, [pair];",
            "  ld.param.u32 %r2, [pair+4];",
            "  add.s64 %rd2, %rd1, 16;",
            "  st.global.u32 [%rd2+-16], %r1;          // out[0] = pair.a",
            "  st.global.u32",
            "      [%rd2+-12],",
            "      %r2;                                 // out[1] = pair.b, over three lines",
            "  ld.const.u32 %r3, [table+8];",
            "  st.global.u32 [%rd1+8], %r3;             // out[2] = 30",
            "  mov.u64 %rd3, grid;",
            "  ld.global.u32 %r4, [%rd3+16];",
            "  st.global.u32 [%rd1+12], %r4;            // out[3] = grid[1][1] = 5",
            "  {",
            "    .reg .b32 %r<3>;                       // shadows the outer %r0..%r2",
            "    mov.u32 %r1, 1000;",
            "    st.global.u32 [%rd1+16], %r1;          // out[4] = 1000",
            "    {",
            "      .reg .f32 %tmp;",
            "      mov.f32 %tmp, 0f40490FDB;",
            "      st.global.f32 [%rd1+20], %tmp;       // out[5] = pi",
            "    }",
            "  }",
            "  st.global.u32 [%rd1+24], %r1;            // out[6] = pair.a again: the outer %r1",
            "  setp.gt.u32 %p1, %r1, 5;",
            "  mov.u32 %r5, 7;",
            "  @!%p1 mov.u32 %r5, 8;",
            "  st.global.u32 [%rd1+28], %r5;            // out[7] = 7 if pair.a > 5 else 8",
            "  ld.global.f64 %fd1, [scale];",
            "  mul.f64 %fd2, %fd1, 1.5;",
            "  cvt.rzi.s32.f64 %r6, %fd2;",
            "  st.global.u32 [%rd1+32], %r6;            // out[8] = 3",
            "  ld.global.L1::evict_last.f32 %f1, [third];",
            "  st.global.L1::no_allocate.f32 [%rd1+36], %f1;   // out[9] = 1/3f",
            "  mov.u32 %r7, 0x10;",
            "  mov.u32 %r8, 017;",
            "  add.u32 %r9, %r7, %r8;",
            "  st.global.u32 [%rd1+40], %r9;            // out[10] = 16 + 15",
            "  ret;",
            "}",
            ".section .debug_str",
            "{",
            "  .b8 95, 90, 0",
            "}",
            "");

    @Test
    void syntaxFormsComputeTheRightValues() {
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(4 * 11)) {
            EmuModule m = (EmuModule) dev.loadModule("forms.ptx", PTX);
            assertEquals("7.0", m.version());
            dev.launch(m.kernel("forms"), Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(out).i32(9).i32(-4));
            int[] o = new int[11];
            out.read(o);
            assertArrayEquals(new int[] {9, -4, 30, 5, 1000, Float.floatToRawIntBits((float) Math.PI), 9, 7, 3,
                Float.floatToRawIntBits(0.3333333333f), 31}, o);
        }
    }

    @Test
    void maxntidIsEnforced() {
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(64)) {
            EmuModule m = (EmuModule) dev.loadModule("forms.ptx", PTX);
            DeviceException e = assertThrows(DeviceException.class,
                    () -> dev.launch(m.kernel("forms"), Dim3.of(1), Dim3.of(65), 0, KernelArgs.of().ptr(out).i32(1).i32(2)));
            assertTrue(e.getMessage().contains("at most .maxntid [64, 1, 1]"), e.getMessage());
            DeviceException e2 = assertThrows(DeviceException.class,
                    () -> dev.launch(m.kernel("forms"), Dim3.of(1), Dim3.of(16, 5), 0, KernelArgs.of().ptr(out).i32(1).i32(2)));
            assertTrue(e2.getMessage().contains("at most .maxntid [64, 1, 1]"), e2.getMessage());
            // The limit is the product of the extents: a 16 x 4 block (64 threads) is as legal as 64 x 1.
            dev.launch(m.kernel("forms"), Dim3.of(1), Dim3.of(16, 4), 0, KernelArgs.of().ptr(out).i32(1).i32(2));
        }
    }

    @Test
    void anyVersionHeaderIsAccepted() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            for (String v : new String[] {"6.4", "8.0", "9.0"}) {
                EmuModule m = (EmuModule) dev.loadModule("v.ptx", PTX.replace(".version 7.0", ".version " + v));
                assertEquals(v, m.version());
            }
        }
    }

    @Test
    void badSyntaxIsRejectedWithLines() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            String m1 = assertThrows(DeviceException.class, () -> dev.loadModule("b.ptx", PTX.replace(".address_size 64", ".address_size 32"))).getMessage();
            assertEquals("b.ptx: PTX line 6: unsupported .address_size 32 (only 64 is supported)", m1);
            String m2 = assertThrows(DeviceException.class, () -> dev.loadModule("b.ptx", PTX.replace("  .reg .f64 %fd<3>;", "  .reg .f64 %fd<3>;\n  .reg .b32 %r1;"))).getMessage();
            assertEquals("b.ptx: PTX line 23: register %r1 declared twice in the same scope", m2);
            String m3 = assertThrows(DeviceException.class, () -> dev.loadModule("b.ptx", PTX + "/* never closed\n")).getMessage();
            assertEquals("b.ptx: PTX line 68: unterminated /* comment", m3);
            String m4 = assertThrows(DeviceException.class, () -> dev.loadModule("b.ptx", PTX.replace("@!%p1 mov.u32 %r5, 8;", "@!%r1 mov.u32 %r5, 8;"))).getMessage();
            assertTrue(m4.contains("PTX line 50: register %r1 is .b32 but a predicate is required"), m4);
            String m5 = assertThrows(DeviceException.class, () -> dev.loadModule("b.ptx", PTX.replace("  ret;\n}", "  bra NOWHERE;\n  ret;\n}"))).getMessage();
            assertTrue(m5.contains("branch target NOWHERE is not a label of forms"), m5);
        }
    }

    /** Random token insertions, deletions and character changes: loading fails only with a DeviceException. */
    @Test
    void mutatedPtxFailsOnlyWithDeviceException() {
        String[] files = {"elementwise.ptx", "reduce.ptx", "conv_pool.ptx", "misc.ptx", "sgemm_tiled.ptx"};
        String[] junk = {";", ",", "{", "}", "[", "]", "%r1", "%p1", "0f3F800000", "-", "+", ".reg", ".f32", "|", "!", "@",
            "::", "99999999999999999999", "0x", "<", ">", "\"", "_", "$L__BB0_2", ".b8", "=", "(", ")", "ld.global.f32", "bra",
            "0d", ".v4"};
        java.util.Random r = new java.util.Random(42);
        int failures = 0;
        try (EmulatedDevice dev = new EmulatedDevice()) {
            for (String f : files) {
                String ptx = TestPtx.resource(f);
                for (int it = 0; it < 120; it++) {
                    StringBuilder sb = new StringBuilder(ptx);
                    for (int m = 1 + r.nextInt(3); m > 0; m--) {
                        int pos = r.nextInt(sb.length());
                        switch (r.nextInt(3)) {
                            case 0: sb.insert(pos, " " + junk[r.nextInt(junk.length)] + " "); break;
                            case 1: sb.delete(pos, Math.min(sb.length(), pos + 1 + r.nextInt(6))); break;
                            default: sb.setCharAt(pos, (char) (32 + r.nextInt(95))); break;
                        }
                    }
                    try {
                        dev.loadModule(f, sb.toString()).close();
                    } catch (DeviceException e) {
                        failures++;
                        assertTrue(e.getMessage().startsWith(f + ": "), "message names the module: " + e.getMessage());
                    }
                }
            }
        }
        assertTrue(failures > 400, "most mutations must be rejected, got " + failures);
    }
}
