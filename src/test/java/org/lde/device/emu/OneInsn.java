package org.lde.device.emu;

import org.lde.device.Dim3;
import org.lde.device.KernelArgs;

/**
 * Runs one PTX instruction over many input tuples: thread i loads its operands from arrays (one per
 * source, of the instruction's source types), executes {@code insn %d, %a0, %a1, ...} and stores %d.
 * Values travel as raw bits in longs.
 */
final class OneInsn {
    private OneInsn() {
    }

    private static int size(String t) {
        if (t.equals("pred")) {
            return 4;
        }
        int bits = Integer.parseInt(t.replaceAll("[a-z]", ""));
        return Math.max(2, bits / 8);
    }

    private static String ldType(String t) {
        return t.equals("pred") ? "u32" : "b" + size(t) * 8;
    }

    static String ptx(String insn, String dType, String... srcTypes) {
        StringBuilder b = new StringBuilder();
        StringBuilder params = new StringBuilder(".param .u64 pd");
        for (int i = 0; i < srcTypes.length; i++) {
            params.append(", .param .u64 p").append(i);
        }
        params.append(", .param .u32 n");
        b.append("  .reg .pred %p<2>;\n  .reg .b32 %r<8>;\n  .reg .b64 %rd<32>;\n  .reg .b32 %t<4>;\n");
        b.append("  .reg .").append(dType).append(" %d;\n");
        for (int i = 0; i < srcTypes.length; i++) {
            b.append("  .reg .").append(srcTypes[i]).append(" %a").append(i).append(";\n");
        }
        b.append("  mov.u32 %r1, %tid.x;\n  mov.u32 %r2, %ctaid.x;\n  mov.u32 %r3, %ntid.x;\n");
        b.append("  mad.lo.s32 %r4, %r2, %r3, %r1;\n  ld.param.u32 %r5, [n];\n  setp.ge.u32 %p1, %r4, %r5;\n");
        b.append("  @%p1 bra DONE;\n  cvt.u64.u32 %rd1, %r4;\n");
        for (int i = 0; i < srcTypes.length; i++) {
            String t = srcTypes[i];
            b.append("  ld.param.u64 %rd2, [p").append(i).append("];\n");
            b.append("  mul.lo.u64 %rd3, %rd1, ").append(size(t)).append(";\n");
            b.append("  add.s64 %rd4, %rd2, %rd3;\n");
            if (t.equals("pred")) {
                b.append("  ld.global.u32 %t1, [%rd4];\n  setp.ne.u32 %a").append(i).append(", %t1, 0;\n");
            } else {
                b.append("  ld.global.").append(ldType(t)).append(" %a").append(i).append(", [%rd4];\n");
            }
        }
        b.append("  ").append(insn).append(" %d");
        for (int i = 0; i < srcTypes.length; i++) {
            b.append(", %a").append(i);
        }
        b.append(";\n");
        b.append("  ld.param.u64 %rd5, [pd];\n  mul.lo.u64 %rd6, %rd1, ").append(size(dType)).append(";\n");
        b.append("  add.s64 %rd7, %rd5, %rd6;\n");
        if (dType.equals("pred")) {
            b.append("  selp.u32 %t2, 1, 0, %d;\n  st.global.u32 [%rd7], %t2;\n");
        } else {
            b.append("  st.global.").append(ldType(dType)).append(" [%rd7], %d;\n");
        }
        b.append("DONE:\n  ret;");
        return Kernels.entry("one", params.toString(), b.toString());
    }

    /** Runs {@code insn} for each tuple {@code inputs[i]} (one long of raw bits per source). */
    static long[] run(String insn, String dType, String[] srcTypes, long[][] inputs) {
        int n = inputs.length;
        try (EmulatedDevice dev = new EmulatedDevice()) {
            var k = dev.loadModule("one.ptx", ptx(insn, dType, srcTypes)).kernel("one");
            KernelArgs args = KernelArgs.of();
            EmuBuffer out = (EmuBuffer) dev.allocate((long) n * size(dType));
            args.ptr(out);
            for (int s = 0; s < srcTypes.length; s++) {
                int sz = size(srcTypes[s]);
                byte[] bytes = new byte[n * sz];
                for (int i = 0; i < n; i++) {
                    long v = inputs[i][s];
                    if (srcTypes[s].equals("pred")) {
                        v = v != 0 ? 1 : 0;
                    }
                    for (int j = 0; j < sz; j++) {
                        bytes[i * sz + j] = (byte) (v >>> (8 * j));
                    }
                }
                EmuBuffer in = (EmuBuffer) dev.allocate(bytes.length);
                in.writeBytes(bytes, 0);
                args.ptr(in);
            }
            args.i32(n);
            dev.launch(k, Dim3.of((n + 127) / 128), Dim3.of(128), 0, args);
            int sz = size(dType);
            byte[] ob = new byte[n * sz];
            out.readBytes(ob, 0);
            long[] res = new long[n];
            for (int i = 0; i < n; i++) {
                long v = 0;
                for (int j = 0; j < sz; j++) {
                    v |= (ob[i * sz + j] & 0xFFL) << (8 * j);
                }
                res[i] = v;
            }
            return res;
        }
    }

    /** All pairs (or triples) of the given values. */
    static long[][] product(long[] vals, int arity) {
        int n = 1;
        for (int i = 0; i < arity; i++) {
            n *= vals.length;
        }
        long[][] out = new long[n][arity];
        for (int i = 0; i < n; i++) {
            int x = i;
            for (int a = 0; a < arity; a++) {
                out[i][a] = vals[x % vals.length];
                x /= vals.length;
            }
        }
        return out;
    }
}
