package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;

/** Device-function calls (inlined at decode time): arguments, results, nesting, guards, early ret, errors. */
class CallTest {

    static final String FUNCS = String.join("\n",
            ".func (.param .b32 sq_ret) square(.param .b32 sq_x);",     // forward declaration
            ".func (.param .b32 ret) mad3(.param .b32 a, .param .b32 b, .param .b32 c)",
            "{",
            "  .reg .b32 %r<6>;",
            "  ld.param.b32 %r1, [a];",
            "  ld.param.b32 %r2, [b];",
            "  ld.param.b32 %r3, [c];",
            "  mad.lo.s32 %r4, %r1, %r2, %r3;",
            "  {",
            "    .param .b32 p0;",
            "    .param .b32 r0;",
            "    st.param.b32 [p0], %r4;",
            "    call.uni (r0), square, (p0);",                        // nested call
            "    ld.param.b32 %r5, [r0];",
            "  }",
            "  st.param.b32 [ret], %r5;",
            "  ret;",
            "}",
            ".func (.param .b32 sq_ret) square(.param .b32 sq_x)",
            "{",
            "  .reg .pred %p<2>;",
            "  .reg .b32 %r<4>;",
            "  ld.param.b32 %r1, [sq_x];",
            "  setp.lt.s32 %p1, %r1, 0;",
            "  @%p1 bra NEG;",
            "  mul.lo.s32 %r2, %r1, %r1;",
            "  st.param.b32 [sq_ret], %r2;",
            "  ret;",                                                  // early return
            "NEG:",
            "  st.param.b32 [sq_ret], -1;",
            "  ret;",
            "}");

    static final String PTX = Kernels.HEADER + FUNCS + "\n" + String.join("\n",
            ".visible .entry k(.param .u64 out)",
            "{",
            "  .reg .pred %p<2>;",
            "  .reg .b32 %r<8>;",
            "  .reg .b64 %rd<4>;",
            "  mov.u32 %r1, %tid.x;",
            "  sub.s32 %r2, %r1, 2;",
            "  mov.u32 %r5, 555;",
            "  {",
            "    .param .b32 p0;",
            "    .param .b32 p1;",
            "    .param .b32 p2;",
            "    .param .b32 r0;",
            "    st.param.b32 [p0], %r2;",
            "    st.param.b32 [p1], 3;",
            "    st.param.b32 [p2], 1;",
            "    call.uni (r0), mad3, (p0, p1, p2);",
            "    ld.param.b32 %r3, [r0];",
            "  }",
            "  setp.eq.u32 %p1, %r1, 1;",
            "  {",
            "    .param .b32 p0;",
            "    .param .b32 r0;",
            "    st.param.b32 [p0], %r1;",
            "    @%p1 call (r0), square, (p0);",                        // only thread 1 calls
            "    @%p1 ld.param.b32 %r5, [r0];",
            "  }",
            "  ld.param.u64 %rd1, [out];",
            "  mul.wide.u32 %rd2, %r1, 8;",
            "  add.s64 %rd3, %rd1, %rd2;",
            "  st.global.v2.u32 [%rd3], {%r3, %r5};",
            "  ret;",
            "}");

    @Test
    void callsComputeLikeInlineCode() {
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(8 * 4)) {
            dev.launch(dev.loadModule("call.ptx", PTX).kernel("k"), Dim3.of(1), Dim3.of(4), 0, KernelArgs.of().ptr(out));
            int[] o = new int[8];
            out.read(o);
            // mad3(t-2, 3, 1) = 3t-5, then square (or -1 when negative); thread 1 also squares 1
            int[] want = new int[8];
            for (int t = 0; t < 4; t++) {
                int m = 3 * (t - 2) + 1;
                want[2 * t] = m < 0 ? -1 : m * m;
                want[2 * t + 1] = t == 1 ? 1 : 555;
            }
            assertArrayEquals(want, o);
            var p = dev.lastProfile().orElseThrow();
            assertTrue(p.instructionsByOpcode().get("call.uni") == 4 + 4, p.format());
            assertTrue(p.instructionsByOpcode().get("call") == 1, p.format());
        }
    }

    private static String error(String ptx) {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            return assertThrows(DeviceException.class, () -> dev.loadModule("e.ptx", ptx)).getMessage();
        }
    }

    @Test
    void callErrors() {
        String rec = error(PTX.replace("call.uni (r0), square, (p0);", "call.uni (r0), mad3, (p0, p0, p0);"));
        assertTrue(rec.contains("unsupported recursive call to mad3"), rec);
        String ext = error(Kernels.HEADER + ".extern .func (.param .b32 r) vprintf(.param .b64 f, .param .b64 a);\n"
                + ".visible .entry k()\n{\n  .param .b64 p0;\n  .param .b64 p1;\n  .param .b32 r0;\n"
                + "  call.uni (r0), vprintf, (p0, p1);\n  ret;\n}\n");
        assertTrue(ext.contains("PTX line 11: unsupported call to vprintf, which has no body in this module"), ext);
        String arity = error(PTX.replace("call.uni (r0), mad3, (p0, p1, p2);", "call.uni (r0), mad3, (p0, p1);"));
        assertTrue(arity.contains("call of mad3 passes 2 arguments and 1 results but it takes 3 and returns 1"), arity);
        String arg = error(PTX.replace("call.uni (r0), mad3, (p0, p1, p2);", "call.uni (r0), mad3, (p0, p1, %r2);"));
        assertTrue(arg.contains("unsupported call argument %r2"), arg);
    }
}
