package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Directed rounding of the emulator's float arithmetic on random bit patterns (all exponents,
 * subnormals, specials) against exact BigDecimal arithmetic rounded by {@link FloatInsnTest#round32}.
 */
class FloatOpsProperties {

    private static void same(String what, float want, float got) {
        if (Float.isNaN(want)) {
            assertEquals(true, Float.isNaN(got), what);
            return;
        }
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                what + ": want " + want + " got " + got);
    }

    private static void same(String what, double want, double got) {
        if (Double.isNaN(want)) {
            assertEquals(true, Double.isNaN(got), what);
            return;
        }
        assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got), what + ": want " + want + " got " + got);
    }

    @Property(tries = 1500)
    void f32AddMulDivSqrt(@ForAll int ab, @ForAll int bb, @ForAll @IntRange(min = 0, max = 3) int mode) {
        float a = Float.intBitsToFloat(ab);
        float b = Float.intBitsToFloat(bb);
        String at = "(" + a + ", " + b + ") mode " + mode;
        same("add" + at, FloatInsnTest.refAdd(a, b, mode), FloatOps.add(a, b, mode));
        same("mul" + at, FloatInsnTest.refMul(a, b, mode), FloatOps.mul(a, b, mode));
        same("div" + at, FloatInsnTest.refDiv(a, b, mode), FloatOps.div(a, b, mode));
        float want;
        if (!Float.isFinite(a) || a <= 0) {
            want = (float) Math.sqrt(a);
        } else {
            BigDecimal s = new BigDecimal(a).sqrt(new java.math.MathContext(80));
            want = s.multiply(s).compareTo(new BigDecimal(a)) == 0 ? s.floatValue() : FloatInsnTest.round32(s, mode);
        }
        same("sqrt" + at, want, FloatOps.sqrt(a, mode));
    }

    @Property(tries = 1500)
    void f32FmaCloseOperands(@ForAll int ab, @ForAll int bb, @ForAll int cb, @ForAll @IntRange(min = 0, max = 3) int mode) {
        // c near -a*b exercises cancellation and exact-zero signs
        float a = Float.intBitsToFloat(ab);
        float b = Float.intBitsToFloat(bb);
        float c = (cb & 1) == 0 ? Float.intBitsToFloat(cb) : -a * b + Float.intBitsToFloat(cb & 0x807FFFFF) * 0x1p-100f;
        same("fma(" + a + ", " + b + ", " + c + ") mode " + mode, FloatInsnTest.refFma(a, b, c, mode), FloatOps.fma(a, b, c, mode));
    }

    @Property(tries = 800)
    void f64AddMulFma(@ForAll long ab, @ForAll long bb, @ForAll long cb, @ForAll @IntRange(min = 0, max = 3) int mode) {
        double a = Double.longBitsToDouble(ab);
        double b = Double.longBitsToDouble(bb);
        double c = Double.longBitsToDouble(cb);
        String at = "(" + a + ", " + b + ", " + c + ") mode " + mode;
        if (FloatInsnTest.finite(a, b)) {
            BigDecimal e = new BigDecimal(a).add(new BigDecimal(b));
            same("add" + at, e.signum() == 0 ? FloatInsnTest.zeroSum(a, b, mode) : FloatInsnTest.round64(e, mode), FloatOps.add(a, b, mode));
            BigDecimal p = new BigDecimal(a).multiply(new BigDecimal(b));
            same("mul" + at, p.signum() == 0 ? a * b : FloatInsnTest.round64(p, mode), FloatOps.mul(a, b, mode));
            if (Double.isFinite(c)) {
                BigDecimal f = p.add(new BigDecimal(c));
                double want = f.signum() == 0 ? FloatInsnTest.zeroSum(p.signum() == 0 ? a * b : 1.0, c, mode)
                        : FloatInsnTest.round64(f, mode);
                same("fma" + at, want, FloatOps.fma(a, b, c, mode));
            }
        }
    }

    @Property(tries = 1000)
    void f64ToF32AndIntToFloat(@ForAll long bits, @ForAll @IntRange(min = 0, max = 3) int mode) {
        double x = Double.longBitsToDouble(bits);
        float want = !Double.isFinite(x) || x == 0 ? (float) x : FloatInsnTest.round32(new BigDecimal(x), mode);
        same("cvt.f32.f64(" + x + ")", want, FloatOps.toF32(x, mode));
        float wi = bits == 0 ? 0f : FloatInsnTest.round32(BigDecimal.valueOf(bits), mode);
        same("cvt.f32.s64(" + bits + ")", wi, FloatOps.intToF32(bits, false, mode));
        BigDecimal u = new BigDecimal(Long.toUnsignedString(bits));
        same("cvt.f64.u64(" + Long.toUnsignedString(bits) + ")", bits == 0 ? 0.0 : FloatInsnTest.round64(u, mode),
                FloatOps.intToF64(bits, true, mode));
    }

    @Property(tries = 1000)
    void halfConversionRoundTrips(@ForAll int bits) {
        float x = Float.intBitsToFloat(bits);
        int h = Half.fromFloat(x, Half.RN);
        float back = Half.toFloat(h);
        if (Float.isNaN(x)) {
            assertEquals(true, Float.isNaN(back));
            return;
        }
        // the nearest half: no other half is strictly closer
        if (Float.isFinite(back)) {
            double err = Math.abs((double) back - x);
            float up = Half.toFloat(h + 1 <= 0x7BFF || (h & 0x8000) != 0 ? h + 1 : h);
            float down = Half.toFloat((h & 0x7FFF) == 0 ? h : h - 1);
            assertEquals(true, err <= Math.abs((double) up - x) && err <= Math.abs((double) down - x), x + " -> " + back);
        } else {
            assertEquals(true, Math.abs(x) >= 65520f, x + " overflowed to " + back);
        }
        assertEquals(h, Half.fromFloat(back, Half.RN), "halves convert exactly");
    }
}
