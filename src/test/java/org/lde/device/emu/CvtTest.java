package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

/** cvt in its forms: integer widths, float-to-integer rounding and saturation, directed int/float rounding, f16. */
class CvtTest {
    static long fb(float f) {
        return Float.floatToRawIntBits(f) & 0xFFFFFFFFL;
    }

    static long[][] col(long... v) {
        long[][] r = new long[v.length][];
        for (int i = 0; i < v.length; i++) {
            r[i] = new long[] {v[i]};
        }
        return r;
    }

    @Test
    void integerWideningNarrowingAndSaturation() {
        long[][] in = col(0, 1, 0x7F, 0x80, 0xFF, 0x1234, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000L, 0xFFFFFFFFL);
        long[] s32s8 = OneInsn.run("cvt.s32.s8", "s32", new String[] {"s32"}, in);
        long[] u32u16 = OneInsn.run("cvt.u32.u16", "u32", new String[] {"u16"}, in);
        long[] s64s32 = OneInsn.run("cvt.s64.s32", "s64", new String[] {"s32"}, in);
        long[] u64u32 = OneInsn.run("cvt.u64.u32", "u64", new String[] {"u32"}, in);
        long[] u8sat = OneInsn.run("cvt.sat.u8.s32", "u16", new String[] {"s32"}, in);
        long[] s16sat = OneInsn.run("cvt.sat.s16.s32", "s16", new String[] {"s32"}, in);
        long[] u16 = OneInsn.run("cvt.u16.u32", "u16", new String[] {"u32"}, in);
        for (int i = 0; i < in.length; i++) {
            long v = in[i][0];
            assertEquals((byte) v & 0xFFFFFFFFL, s32s8[i], "s32.s8 " + v);
            assertEquals(v & 0xFFFF, u32u16[i], "u32.u16 " + v);
            assertEquals((long) (int) v, s64s32[i], "s64.s32 " + v);
            assertEquals(v & 0xFFFFFFFFL, u64u32[i], "u64.u32 " + v);
            assertEquals(Math.max(0, Math.min(255, (int) v)), u8sat[i], "sat.u8.s32 " + v);
            assertEquals(Math.max(-32768, Math.min(32767, (int) v)) & 0xFFFF, s16sat[i], "sat.s16.s32 " + v);
            assertEquals(v & 0xFFFF, u16[i], "u16.u32 " + v);
        }
    }

    static long refF2I(double x, String mode, int bits, boolean signed) {
        if (Double.isNaN(x)) {
            return 0;
        }
        double r;
        switch (mode) {
            case "rni": r = Math.rint(x); break;
            case "rzi": r = x < 0 ? Math.ceil(x) : Math.floor(x); break;
            case "rmi": r = Math.floor(x); break;
            default: r = Math.ceil(x); break;
        }
        BigDecimal lo = signed ? BigDecimal.valueOf(2).pow(bits - 1).negate() : BigDecimal.ZERO;
        BigDecimal hi = (signed ? BigDecimal.valueOf(2).pow(bits - 1) : BigDecimal.valueOf(2).pow(bits)).subtract(BigDecimal.ONE);
        if (Double.isInfinite(r)) {
            return (r > 0 ? hi : lo).toBigInteger().longValue();
        }
        BigDecimal v = new BigDecimal(r);
        if (v.compareTo(lo) < 0) {
            v = lo;
        }
        if (v.compareTo(hi) > 0) {
            v = hi;
        }
        return v.toBigInteger().longValue();
    }

    @Test
    void floatToIntegerRoundsSaturatesAndMapsNaNToZero() {
        float[] xs = {0f, -0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.7f, 2.7f, 1e10f, -1e10f, 3e9f, 4.5e9f, 1e20f, -1e20f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 255.5f, -129f, 65535.9f, 2147483520f, 9.2233715E18f};
        long[][] in = new long[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            in[i] = new long[] {fb(xs[i])};
        }
        String[][] targets = {{"s32", "32", "1"}, {"u32", "32", "0"}, {"s64", "64", "1"}, {"u64", "64", "0"}, {"s8", "8", "1"}, {"u16", "16", "0"}};
        for (String mode : new String[] {"rni", "rzi", "rmi", "rpi"}) {
            for (String[] t : targets) {
                int bits = Integer.parseInt(t[1]);
                boolean signed = t[2].equals("1");
                String dreg = bits == 8 ? (signed ? "s16" : "u16") : t[0];
                long[] out = OneInsn.run("cvt." + mode + "." + t[0] + ".f32", dreg, new String[] {"f32"}, in);
                long mask = bits == 64 ? -1L : (1L << Math.max(bits, 16)) - 1;
                for (int i = 0; i < xs.length; i++) {
                    long want = refF2I(xs[i], mode, bits, signed);
                    long w = bits == 8 ? (signed ? want & 0xFFFF : want) : want & mask;
                    assertEquals(w, out[i] & mask, "cvt." + mode + "." + t[0] + ".f32(" + xs[i] + ")");
                }
            }
        }
        long[] d = OneInsn.run("cvt.rzi.s32.f64", "s32", new String[] {"f64"},
                new long[][] {{Double.doubleToRawLongBits(-3.99)}, {Double.doubleToRawLongBits(1e300)}, {Double.doubleToRawLongBits(Double.NaN)}});
        assertEquals(-3 & 0xFFFFFFFFL, d[0]);
        assertEquals(Integer.MAX_VALUE, d[1]);
        assertEquals(0, d[2]);
    }

    static float refI2F(BigDecimal exact, int mode) {
        return exact.signum() == 0 ? 0f : FloatInsnTest.round32(exact, mode);
    }

    @Test
    void integerToFloatAllRoundingModes() {
        long[] vs = {0, 1, -1, 16777217, -16777217, 0x7FFFFFFF, 0x80000000L, 123456789, 0xFFFFFFFFL};
        long[] vs64 = {0, 1, -1, (1L << 53) + 1, Long.MAX_VALUE, Long.MIN_VALUE, -(1L << 60) - 12345, 0xFFFFFFFFFFFFFFFFL};
        String[] modes = {"rn", "rz", "rm", "rp"};
        for (int m = 0; m < 4; m++) {
            long[] s = OneInsn.run("cvt." + modes[m] + ".f32.s32", "f32", new String[] {"s32"}, col(vs));
            long[] u = OneInsn.run("cvt." + modes[m] + ".f32.u32", "f32", new String[] {"u32"}, col(vs));
            long[] s64 = OneInsn.run("cvt." + modes[m] + ".f32.s64", "f32", new String[] {"s64"}, col(vs64));
            long[] u64 = OneInsn.run("cvt." + modes[m] + ".f32.u64", "f32", new String[] {"u64"}, col(vs64));
            long[] d64 = OneInsn.run("cvt." + modes[m] + ".f64.u64", "f64", new String[] {"u64"}, col(vs64));
            for (int i = 0; i < vs.length; i++) {
                assertEquals(fb(refI2F(BigDecimal.valueOf((int) vs[i]), m)), s[i], "f32.s32 " + modes[m] + " " + (int) vs[i]);
                assertEquals(fb(refI2F(BigDecimal.valueOf(vs[i] & 0xFFFFFFFFL), m)), u[i], "f32.u32 " + modes[m] + " " + vs[i]);
            }
            for (int i = 0; i < vs64.length; i++) {
                assertEquals(fb(refI2F(BigDecimal.valueOf(vs64[i]), m)), s64[i], "f32.s64 " + modes[m] + " " + vs64[i]);
                BigDecimal un = new BigDecimal(Long.toUnsignedString(vs64[i]));
                assertEquals(fb(refI2F(un, m)), u64[i], "f32.u64 " + modes[m] + " " + Long.toUnsignedString(vs64[i]));
                double want = un.signum() == 0 ? 0.0 : FloatInsnTest.round64(un, m);
                assertEquals(Double.doubleToRawLongBits(want), d64[i], "f64.u64 " + modes[m]);
            }
        }
    }

    @Test
    void floatToFloat() {
        double[] ds = {0.1, -0.1, 1e300, -1e300, 1e-45, 3e-39, Double.NaN, Double.NEGATIVE_INFINITY, -0.0, 1.0 + 0x1p-30};
        long[][] in = new long[ds.length][];
        for (int i = 0; i < ds.length; i++) {
            in[i] = new long[] {Double.doubleToRawLongBits(ds[i])};
        }
        String[] modes = {"rn", "rz", "rm", "rp"};
        for (int m = 0; m < 4; m++) {
            long[] out = OneInsn.run("cvt." + modes[m] + ".f32.f64", "f32", new String[] {"f64"}, in);
            long[] ftz = OneInsn.run("cvt." + modes[m] + ".ftz.f32.f64", "f32", new String[] {"f64"}, in);
            for (int i = 0; i < ds.length; i++) {
                double x = ds[i];
                float want = Double.isNaN(x) || Double.isInfinite(x) || x == 0 ? (float) x : FloatInsnTest.round32(new BigDecimal(x), m);
                if (Float.isNaN(want)) {
                    assertEquals(0x7FFFFFFFL, out[i], "canonical NaN");
                } else {
                    assertEquals(fb(want), out[i], "cvt." + modes[m] + ".f32.f64(" + x + ")");
                    assertEquals(fb(FloatInsnTest.ftz(want)), ftz[i], "cvt." + modes[m] + ".ftz.f32.f64(" + x + ")");
                }
            }
        }
        long[] wide = OneInsn.run("cvt.f64.f32", "f64", new String[] {"f32"}, col(fb(0.1f), fb(Float.MIN_VALUE), fb(-0f)));
        assertEquals(Double.doubleToRawLongBits(0.1f), wide[0]);
        assertEquals(Double.doubleToRawLongBits(Float.MIN_VALUE), wide[1]);
        assertEquals(Double.doubleToRawLongBits(-0.0), wide[2]);
        long[] wideFtz = OneInsn.run("cvt.ftz.f64.f32", "f64", new String[] {"f32"}, col(fb(Float.MIN_VALUE)));
        assertEquals(0L, wideFtz[0]);
        // same-type integral rounding and saturation
        long[][] fin = col(fb(2.5f), fb(-2.5f), fb(1.7f), fb(Float.NaN), fb(-0.3f), fb(7f));
        long[] rni = OneInsn.run("cvt.rni.f32.f32", "f32", new String[] {"f32"}, fin);
        long[] rmi = OneInsn.run("cvt.rmi.f32.f32", "f32", new String[] {"f32"}, fin);
        long[] sat = OneInsn.run("cvt.sat.f32.f32", "f32", new String[] {"f32"}, fin);
        float[] wantRni = {2f, -2f, 2f, Float.NaN, -0f, 7f};
        float[] wantRmi = {2f, -3f, 1f, Float.NaN, -1f, 7f};
        float[] wantSat = {1f, 0f, 1f, 0f, 0f, 1f};
        for (int i = 0; i < fin.length; i++) {
            FloatInsnTest.assertF32("rni", wantRni[i], rni[i], true);
            FloatInsnTest.assertF32("rmi", wantRmi[i], rmi[i], true);
            FloatInsnTest.assertF32("sat", wantSat[i], sat[i], true);
        }
    }

    @Test
    void halfPrecision() {
        float[] xs = {0f, -0f, 1f, -2f, 0.1f, 65504f, 65520f, 1e5f, 6e-8f, 3e-5f, Float.NaN, Float.NEGATIVE_INFINITY, 1.0009766f, 1.00048828125f};
        long[][] in = new long[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            in[i] = new long[] {fb(xs[i])};
        }
        long[] h = OneInsn.run("cvt.rn.f16.f32", "f16", new String[] {"f32"}, in);
        long[] hz = OneInsn.run("cvt.rz.f16.f32", "f16", new String[] {"f32"}, in);
        // reference: enumerate all finite halves and pick by the rounding rule
        for (int i = 0; i < xs.length; i++) {
            float x = xs[i];
            if (Float.isNaN(x)) {
                assertEquals(0x7C00, h[i] & 0x7C00, "NaN stays NaN");
                assertEquals(true, (h[i] & 0x3FF) != 0);
                continue;
            }
            assertEquals(refHalf(x, false), h[i], "f16.rn(" + x + ")");
            assertEquals(refHalf(x, true), hz[i], "f16.rz(" + x + ")");
        }
        long[] back = OneInsn.run("cvt.f32.f16", "f32", new String[] {"f16"}, col(0x3C00, 0xC000, 0x0001, 0x7BFF, 0xFC00, 0x8000));
        float[] want = {1f, -2f, 0x1p-24f, 65504f, Float.NEGATIVE_INFINITY, -0f};
        for (int i = 0; i < want.length; i++) {
            assertEquals(fb(want[i]), back[i], "f32.f16 #" + i);
        }
    }

    /** Nearest (ties to even) or toward-zero binary16 by exhaustive search over all 2^15 magnitudes. */
    static long refHalf(float x, boolean rz) {
        int sign = Float.floatToRawIntBits(x) < 0 ? 0x8000 : 0;
        double a = Math.abs((double) x);
        if (Double.isInfinite(a)) {
            return sign | 0x7C00;
        }
        int best = 0;
        double bestErr = Double.MAX_VALUE;
        for (int hb = 0; hb < 0x7C00; hb++) {
            double v = Half.toFloat(hb);
            if (rz && v > a) {
                break;
            }
            double err = Math.abs(v - a);
            if (err < bestErr || (err == bestErr && (hb & 1) == 0)) {
                best = hb;
                bestErr = err;
            }
        }
        if (!rz && a >= 65520.0) {
            return sign | 0x7C00; // rounds past max: infinity
        }
        return sign | best;
    }
}
