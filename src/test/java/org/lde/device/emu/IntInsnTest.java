package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.function.LongBinaryOperator;

import org.junit.jupiter.api.Test;

/** Integer, bit, logic, select and move instructions, one at a time, against Java arithmetic. */
class IntInsnTest {
    static final long[] I32 = {0, 1, -1, 2, -2, 7, -7, 31, 32, 33, 100, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x12345678, 0xF0F0F0F0L, 65535};
    static final long[] I64 = {0, 1, -1, 3, -3, 63, 64, 65, Long.MAX_VALUE, Long.MIN_VALUE, 0x123456789ABCDEFL, 1L << 32, -(1L << 40)};

    static void check2(String insn, String dt, String st, long[] vals, LongBinaryOperator ref, long dmask) {
        long[][] in = OneInsn.product(vals, 2);
        long[] out = OneInsn.run(insn, dt, new String[] {st, st}, in);
        for (int i = 0; i < in.length; i++) {
            long want = ref.applyAsLong(in[i][0], in[i][1]) & dmask;
            assertEquals(want, out[i] & dmask, insn + "(" + in[i][0] + ", " + in[i][1] + ")");
        }
    }

    static final long M32 = 0xFFFFFFFFL;

    @Test
    void addSubMulDivRem32() {
        check2("add.s32", "s32", "s32", I32, (a, b) -> (int) a + (int) b, M32);
        check2("sub.u32", "u32", "u32", I32, (a, b) -> (int) a - (int) b, M32);
        check2("add.sat.s32", "s32", "s32", I32, (a, b) -> Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, (long) (int) a + (int) b)), M32);
        check2("sub.sat.s32", "s32", "s32", I32, (a, b) -> Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, (long) (int) a - (int) b)), M32);
        check2("mul.lo.s32", "s32", "s32", I32, (a, b) -> (int) a * (int) b, M32);
        check2("mul.hi.s32", "s32", "s32", I32, (a, b) -> ((long) (int) a * (int) b) >> 32, M32);
        check2("mul.hi.u32", "u32", "u32", I32, (a, b) -> ((a & M32) * (b & M32)) >>> 32, M32);
        check2("div.s32", "s32", "s32", I32, (a, b) -> (int) b == 0 ? -1 : (int) a / (int) b, M32);
        check2("div.u32", "u32", "u32", I32, (a, b) -> (b & M32) == 0 ? M32 : Integer.divideUnsigned((int) a, (int) b), M32);
        check2("rem.s32", "s32", "s32", I32, (a, b) -> (int) b == 0 ? (int) a : (int) a % (int) b, M32);
        check2("rem.u32", "u32", "u32", I32, (a, b) -> (b & M32) == 0 ? a : Integer.remainderUnsigned((int) a, (int) b), M32);
        check2("min.s32", "s32", "s32", I32, (a, b) -> Math.min((int) a, (int) b), M32);
        check2("max.u32", "u32", "u32", I32, (a, b) -> Integer.compareUnsigned((int) a, (int) b) >= 0 ? a : b, M32);
    }

    @Test
    void wideAndSixtyFourBit() {
        check2("mul.wide.s32", "s64", "s32", I32, (a, b) -> (long) (int) a * (int) b, -1L);
        check2("mul.wide.u32", "u64", "u32", I32, (a, b) -> (a & M32) * (b & M32), -1L);
        check2("add.s64", "s64", "s64", I64, Long::sum, -1L);
        check2("mul.lo.u64", "u64", "u64", I64, (a, b) -> a * b, -1L);
        check2("mul.hi.s64", "s64", "s64", I64, Math::multiplyHigh, -1L);
        check2("mul.hi.u64", "u64", "u64", I64, (a, b) -> new BigInteger(Long.toUnsignedString(a)).multiply(new BigInteger(Long.toUnsignedString(b))).shiftRight(64).longValue(), -1L);
        check2("div.s64", "s64", "s64", I64, (a, b) -> b == 0 ? -1 : (b == -1 ? -a : a / b), -1L);
        check2("div.u64", "u64", "u64", I64, (a, b) -> b == 0 ? -1 : Long.divideUnsigned(a, b), -1L);
        check2("rem.s64", "s64", "s64", I64, (a, b) -> b == 0 ? a : (b == -1 ? 0 : a % b), -1L);
        check2("min.u64", "u64", "u64", I64, (a, b) -> Long.compareUnsigned(a, b) <= 0 ? a : b, -1L);
        check2("max.s64", "s64", "s64", I64, Math::max, -1L);
        // mad.lo / mad.wide / mad.hi
        long[][] in = OneInsn.product(new long[] {3, -5, 0x7FFFFFFF, 0x80000000L, 12345}, 3);
        long[] lo = OneInsn.run("mad.lo.s32", "s32", new String[] {"s32", "s32", "s32"}, in);
        long[] hi = OneInsn.run("mad.hi.u32", "u32", new String[] {"u32", "u32", "u32"}, in);
        for (int i = 0; i < in.length; i++) {
            int a = (int) in[i][0];
            int b = (int) in[i][1];
            int c = (int) in[i][2];
            assertEquals((a * b + c) & M32, lo[i], "mad.lo");
            assertEquals((int) (((a & M32) * (b & M32)) >>> 32) + c & M32, hi[i], "mad.hi.u32");
        }
        long[] wide = OneInsn.run("mad.wide.s32", "s64", new String[] {"s32", "s32", "s64"},
                new long[][] {{-3, 0x40000000, 10}, {0x7FFFFFFF, 0x7FFFFFFF, -1}});
        assertEquals(-3L * 0x40000000 + 10, wide[0]);
        assertEquals(0x7FFFFFFFL * 0x7FFFFFFFL - 1, wide[1]);
    }

    @Test
    void shiftsIncludingWidthAndBeyond() {
        long[] amounts = {0, 1, 5, 31, 32, 33, 64, 0xFFFFFFFFL};
        long[] vals = {1, -1, 0x80000000L, 0x12345678, -123456};
        for (long v : vals) {
            long[][] in = new long[amounts.length][];
            for (int i = 0; i < amounts.length; i++) {
                in[i] = new long[] {v, amounts[i]};
            }
            long[] shl = OneInsn.run("shl.b32", "b32", new String[] {"b32", "u32"}, in);
            long[] shru = OneInsn.run("shr.u32", "u32", new String[] {"u32", "u32"}, in);
            long[] shrs = OneInsn.run("shr.s32", "s32", new String[] {"s32", "u32"}, in);
            long[] shl64 = OneInsn.run("shl.b64", "b64", new String[] {"b64", "u32"}, in);
            long[] shrs64 = OneInsn.run("shr.s64", "s64", new String[] {"s64", "u32"}, in);
            for (int i = 0; i < amounts.length; i++) {
                long n = amounts[i];
                int x = (int) v;
                String at = "(" + v + ", " + n + ")";
                assertEquals(n >= 32 ? 0 : (x << n) & M32, shl[i], "shl" + at);
                assertEquals(n >= 32 ? 0 : (x >>> n) & M32, shru[i], "shr.u" + at);
                assertEquals((x >> Math.min(n, 31)) & M32, shrs[i], "shr.s" + at);
                assertEquals(n >= 64 ? 0 : v << n, shl64[i], "shl.b64" + at);
                assertEquals(v >> Math.min(n, 63), shrs64[i], "shr.s64" + at);
            }
        }
    }

    @Test
    void bitOperations() {
        check2("and.b32", "b32", "b32", I32, (a, b) -> a & b, M32);
        check2("or.b64", "b64", "b64", I64, (a, b) -> a | b, -1L);
        check2("xor.b32", "b32", "b32", I32, (a, b) -> a ^ b, M32);
        long[][] in = new long[I32.length][];
        for (int i = 0; i < I32.length; i++) {
            in[i] = new long[] {I32[i]};
        }
        long[] not = OneInsn.run("not.b32", "b32", new String[] {"b32"}, in);
        long[] cnot = OneInsn.run("cnot.b32", "b32", new String[] {"b32"}, in);
        long[] popc = OneInsn.run("popc.b32", "u32", new String[] {"b32"}, in);
        long[] clz = OneInsn.run("clz.b32", "u32", new String[] {"b32"}, in);
        long[] brev = OneInsn.run("brev.b32", "b32", new String[] {"b32"}, in);
        long[] abs = OneInsn.run("abs.s32", "s32", new String[] {"s32"}, in);
        long[] neg = OneInsn.run("neg.s32", "s32", new String[] {"s32"}, in);
        for (int i = 0; i < I32.length; i++) {
            int x = (int) I32[i];
            assertEquals(~x & M32, not[i]);
            assertEquals(x == 0 ? 1 : 0, cnot[i]);
            assertEquals(Integer.bitCount(x), popc[i]);
            assertEquals(Integer.numberOfLeadingZeros(x), clz[i]);
            assertEquals(Integer.reverse(x) & M32, brev[i]);
            assertEquals(Math.abs(x) & M32, abs[i], "abs(INT_MIN) stays INT_MIN");
            assertEquals(-x & M32, neg[i]);
        }
        long[][] in64 = new long[I64.length][];
        for (int i = 0; i < I64.length; i++) {
            in64[i] = new long[] {I64[i]};
        }
        long[] popc64 = OneInsn.run("popc.b64", "u32", new String[] {"b64"}, in64);
        long[] clz64 = OneInsn.run("clz.b64", "u32", new String[] {"b64"}, in64);
        long[] brev64 = OneInsn.run("brev.b64", "b64", new String[] {"b64"}, in64);
        for (int i = 0; i < I64.length; i++) {
            assertEquals(Long.bitCount(I64[i]), popc64[i]);
            assertEquals(Long.numberOfLeadingZeros(I64[i]), clz64[i]);
            assertEquals(Long.reverse(I64[i]), brev64[i]);
        }
    }

    /** bfe reference straight from the PTX ISA pseudo-code, bit by bit. */
    static long refBfe(long a, long b, long c, int width, boolean signed) {
        int pos = (int) (b & 0xFF);
        int len = (int) (c & 0xFF);
        int msb = width - 1;
        long sbit = !signed || len == 0 ? 0 : (a >>> Math.min(pos + len - 1, msb)) & 1;
        long d = 0;
        for (int i = 0; i <= msb; i++) {
            long bit = i < len && pos + i <= msb ? (a >>> (pos + i)) & 1 : sbit;
            d |= bit << i;
        }
        return d;
    }

    @Test
    void bitFieldExtractAndInsert() {
        long[] as = {0xDEADBEEFL, 0x7F00FF00L, -1};
        long[] ps = {0, 4, 16, 28, 31, 40, 0x104};
        long[] ls = {0, 1, 4, 8, 31, 32, 200};
        int n = as.length * ps.length * ls.length;
        long[][] in = new long[n][];
        int k = 0;
        for (long a : as) {
            for (long p : ps) {
                for (long l : ls) {
                    in[k++] = new long[] {a, p, l};
                }
            }
        }
        long[] u = OneInsn.run("bfe.u32", "u32", new String[] {"u32", "u32", "u32"}, in);
        long[] s = OneInsn.run("bfe.s32", "s32", new String[] {"s32", "u32", "u32"}, in);
        long[] s64 = OneInsn.run("bfe.s64", "s64", new String[] {"s64", "u32", "u32"}, in);
        for (int i = 0; i < n; i++) {
            long a = in[i][0] & M32;
            assertEquals(refBfe(a, in[i][1], in[i][2], 32, false), u[i], "bfe.u32 " + java.util.Arrays.toString(in[i]));
            assertEquals(refBfe(a, in[i][1], in[i][2], 32, true) & M32, s[i], "bfe.s32 " + java.util.Arrays.toString(in[i]));
            assertEquals(refBfe(in[i][0], in[i][1], in[i][2], 64, true), s64[i], "bfe.s64");
        }
        long[][] bi = {{0xF, 0xFFFF0000L, 4, 4}, {0xABCD, 0, 28, 16}, {1, 0, 0, 0}, {0x3, 0xFFFFFFFFL, 30, 8}};
        long[] out = OneInsn.run("bfi.b32", "b32", new String[] {"b32", "b32", "u32", "u32"}, bi);
        assertEquals(0xFFFF00F0L, out[0]);
        assertEquals(0xD0000000L, out[1]);
        assertEquals(0L, out[2]);
        assertEquals(0xFFFFFFFFL, out[3]);
    }

    @Test
    void predicateLogicSelectAndCombinedSetp() {
        long[][] pp = OneInsn.product(new long[] {0, 1}, 2);
        long[] and = OneInsn.run("and.pred", "pred", new String[] {"pred", "pred"}, pp);
        long[] or = OneInsn.run("or.pred", "pred", new String[] {"pred", "pred"}, pp);
        long[] xor = OneInsn.run("xor.pred", "pred", new String[] {"pred", "pred"}, pp);
        long[] not = OneInsn.run("not.pred", "pred", new String[] {"pred"}, pp);
        for (int i = 0; i < 4; i++) {
            long a = pp[i][0];
            long b = pp[i][1];
            assertEquals(a & b, and[i]);
            assertEquals(a | b, or[i]);
            assertEquals(a ^ b, xor[i]);
            assertEquals(1 - a, not[i]);
        }
        long[] sel = OneInsn.run("selp.s32", "s32", new String[] {"s32", "s32", "pred"}, new long[][] {{5, 9, 1}, {5, 9, 0}});
        assertEquals(5, sel[0]);
        assertEquals(9, sel[1]);
        long[] sl = OneInsn.run("slct.s32.s32", "s32", new String[] {"s32", "s32", "s32"}, new long[][] {{5, 9, 0}, {5, 9, -1}});
        assertEquals(5, sl[0]);
        assertEquals(9, sl[1]);
        long[] slf = OneInsn.run("slct.f32.f32", "f32", new String[] {"f32", "f32", "f32"},
                new long[][] {{1, 2, Float.floatToRawIntBits(-0f) & M32}, {1, 2, Float.floatToRawIntBits(-1f) & M32}});
        assertEquals(1, slf[0], "-0 >= 0");
        assertEquals(2, slf[1]);
        // setp with .and/.or/.xor of a third (negated) predicate
        long[][] in = {{1, 2, 1}, {1, 2, 0}, {3, 2, 1}, {3, 2, 0}};
        long[] a = OneInsn.run("setp.lt.and.s32", "pred", new String[] {"s32", "s32", "pred"}, in);
        long[] o = OneInsn.run("setp.lt.or.s32", "pred", new String[] {"s32", "s32", "pred"}, in);
        long[] x = OneInsn.run("setp.lt.xor.s32", "pred", new String[] {"s32", "s32", "pred"}, in);
        for (int i = 0; i < in.length; i++) {
            boolean t = in[i][0] < in[i][1];
            boolean c = in[i][2] != 0;
            assertEquals(t && c ? 1 : 0, a[i]);
            assertEquals(t || c ? 1 : 0, o[i]);
            assertEquals(t ^ c ? 1 : 0, x[i]);
        }
        // unsigned comparisons lo/ls/hi/hs and signed lt on the same bits
        long[][] cmp = {{-1, 1}, {1, -1}, {5, 5}};
        long[] lo = OneInsn.run("setp.lo.u32", "pred", new String[] {"u32", "u32"}, cmp);
        long[] lt = OneInsn.run("setp.lt.s32", "pred", new String[] {"s32", "s32"}, cmp);
        long[] hs = OneInsn.run("setp.hs.u32", "pred", new String[] {"u32", "u32"}, cmp);
        assertEquals(java.util.List.of(0L, 1L, 0L), java.util.List.of(lo[0], lo[1], lo[2]));
        assertEquals(java.util.List.of(1L, 0L, 0L), java.util.List.of(lt[0], lt[1], lt[2]));
        assertEquals(java.util.List.of(1L, 0L, 1L), java.util.List.of(hs[0], hs[1], hs[2]));
        // set: 1.0f / all ones
        long[] setf = OneInsn.run("set.gt.f32.s32", "f32", new String[] {"s32", "s32"}, new long[][] {{2, 1}, {1, 2}});
        assertEquals(Float.floatToRawIntBits(1f), setf[0]);
        assertEquals(0, setf[1]);
        long[] setu = OneInsn.run("set.gt.u32.s32", "u32", new String[] {"s32", "s32"}, new long[][] {{2, 1}});
        assertEquals(M32, setu[0]);
    }

    @Test
    void setpPairDestinationAndVectorMoves() {
        String ptx = Kernels.entry("pair", ".param .u64 out", String.join("\n",
                "  .reg .pred %p<4>;",
                "  .reg .b32 %r<8>;",
                "  .reg .b64 %rd<4>;",
                "  .reg .b16 %h<3>;",
                "  setp.lt.s32 %p1|%p2, 1, 2;",
                "  selp.u32 %r1, 10, 20, %p1;",
                "  selp.u32 %r2, 10, 20, %p2;",
                "  mov.b64 %rd2, {%r1, %r2};",           // pack: lo = r1
                "  mov.b64 {%r3, %r4}, 0x0000000700000009;", // unpack
                "  mov.b32 {%h1, %h2}, 0xBEEF1234;",
                "  mov.b32 %r5, {%h2, %h1};",
                "  ld.param.u64 %rd1, [out];",
                "  st.global.u64 [%rd1], %rd2;",
                "  st.global.v2.u32 [%rd1+8], {%r3, %r4};",
                "  st.global.u32 [%rd1+16], %r5;",
                "  ret;"));
        try (EmulatedDevice dev = new EmulatedDevice(); org.lde.device.DeviceBuffer out = dev.allocate(32)) {
            dev.launch(dev.loadModule("pair.ptx", ptx).kernel("pair"), org.lde.device.Dim3.of(1), org.lde.device.Dim3.of(1), 0,
                    org.lde.device.KernelArgs.of().ptr(out));
            int[] o = new int[5];
            out.read(o);
            assertEquals(10, o[0]);
            assertEquals(20, o[1]);
            assertEquals(9, o[2]);
            assertEquals(7, o[3]);
            assertEquals(0x1234BEEF, o[4]);
        }
    }

    @Test
    void lop3AppliesItsTruthTable() {
        long[] v = {0xF0F0F0F0L, 0xCCCCCCCCL, 0xAAAAAAAAL, 0x12345678L, 0};
        int[] luts = {0x96, 0xE8, 0xF8, 0x80, 0x01, 0xF0};
        long[][] in = new long[v.length * v.length * v.length * luts.length][];
        int k = 0;
        for (long a : v) {
            for (long b : v) {
                for (long c : v) {
                    for (int lut : luts) {
                        in[k++] = new long[] {a, b, c, lut};
                    }
                }
            }
        }
        long[] out = OneInsn.run("lop3.b32", "b32", new String[] {"b32", "b32", "b32", "u32"}, in);
        for (int i = 0; i < in.length; i++) {
            int a = (int) in[i][0];
            int b = (int) in[i][1];
            int c = (int) in[i][2];
            int want;
            switch ((int) in[i][3]) {
                case 0x96: want = a ^ b ^ c; break;
                case 0xE8: want = (a & b) | (a & c) | (b & c); break;
                case 0xF8: want = a | (b & c); break;
                case 0x80: want = a & b & c; break;
                case 0x01: want = ~(a | b | c); break;
                default: want = a; break;
            }
            assertEquals(want & M32, out[i], "lop3 lut 0x" + Long.toHexString(in[i][3]));
        }
    }
}
