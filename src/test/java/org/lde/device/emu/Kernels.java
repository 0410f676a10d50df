package org.lde.device.emu;

/** Builds small hand-written PTX modules for tests. */
final class Kernels {
    private Kernels() {
    }

    static final String HEADER = ".version 8.0\n.target sm_75\n.address_size 64\n\n";

    /** A module with one entry {@code name(params) { body }}. */
    static String entry(String name, String params, String body) {
        return HEADER + ".visible .entry " + name + "(" + params + ")\n{\n" + body + "\n}\n";
    }

    /** Standard prologue: %r9 = global thread index, %rd8 = 4*index (as u64). */
    static final String INDEX = String.join("\n",
            "  .reg .pred %p<8>;",
            "  .reg .b32 %r<40>;",
            "  .reg .b64 %rd<40>;",
            "  .reg .f32 %f<40>;",
            "  mov.u32 %r1, %tid.x;",
            "  mov.u32 %r2, %ctaid.x;",
            "  mov.u32 %r3, %ntid.x;",
            "  mad.lo.s32 %r9, %r2, %r3, %r1;",
            "  mul.wide.u32 %rd8, %r9, 4;",
            "");
}
