package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

/**
 * Floating-point instructions, one at a time, over special values (NaN, +-Inf, +-0, subnormals, max)
 * against Java references; directed rounding is checked against exact BigDecimal arithmetic.
 */
class FloatInsnTest {
    static final float[] F = {0f, -0f, 1f, -1f, 1.5f, -2.25f, 3f, 0.1f, 7f / 3f, 1e30f, -1e30f, 1e-20f,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -3 * Float.MIN_VALUE, Float.MIN_NORMAL,
        Math.nextDown(Float.MIN_NORMAL), 16777217f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
    static final float[] F_SMALL = {0f, -0f, 1f, -1.5f, 0.1f, 7f / 3f, 1e30f, -3e-39f, Float.MIN_VALUE, Float.MAX_VALUE,
        Float.NEGATIVE_INFINITY, Float.NaN, 3.0000002f};
    static final double[] D = {0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3, -2.5, 1e300, -1e300, 1e-310, -Double.MIN_VALUE,
        Double.MIN_NORMAL, Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 9007199254740993.0};

    static long fb(float f) {
        return Float.floatToRawIntBits(f) & 0xFFFFFFFFL;
    }

    static float bf(long b) {
        return Float.intBitsToFloat((int) b);
    }

    static long db(double d) {
        return Double.doubleToRawLongBits(d);
    }

    static double bd(long b) {
        return Double.longBitsToDouble(b);
    }

    static long[] bits(float[] f) {
        long[] r = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            r[i] = fb(f[i]);
        }
        return r;
    }

    static long[] bits(double[] d) {
        long[] r = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = db(d[i]);
        }
        return r;
    }

    static float ftz(float x) {
        return x != 0 && Math.abs(x) < Float.MIN_NORMAL ? Math.copySign(0f, x) : x;
    }

    /** Exact comparison of f32 results; NaN must be the canonical NaN when {@code canonical}. */
    static void assertF32(String what, float want, long got, boolean canonical) {
        if (Float.isNaN(want)) {
            if (canonical) {
                assertEquals(0x7FFFFFFFL, got, what + ": expected canonical NaN, got " + bf(got));
            } else {
                assertTrue(Float.isNaN(bf(got)), what + ": expected NaN, got " + bf(got));
            }
            return;
        }
        if (fb(want) != got) {
            fail(what + ": expected " + want + " (0x" + Long.toHexString(fb(want)) + ") but got " + bf(got) + " (0x"
                    + Long.toHexString(got) + ")");
        }
    }

    static void assertF64(String what, double want, long got) {
        if (Double.isNaN(want)) {
            assertTrue(Double.isNaN(bd(got)), what + ": expected NaN, got " + bd(got));
            return;
        }
        if (db(want) != got) {
            fail(what + ": expected " + want + " but got " + bd(got));
        }
    }

    interface FRef2 {
        float ap(float a, float b);
    }

    interface FRef3 {
        float ap(float a, float b, float c);
    }

    interface DRef2 {
        double ap(double a, double b);
    }

    static void check2(String insn, FRef2 ref, float[] vals, boolean canonical) {
        long[][] in = OneInsn.product(bits(vals), 2);
        long[] out = OneInsn.run(insn, "f32", new String[] {"f32", "f32"}, in);
        for (int i = 0; i < in.length; i++) {
            float a = bf(in[i][0]);
            float b = bf(in[i][1]);
            assertF32(insn + "(" + a + ", " + b + ")", ref.ap(a, b), out[i], canonical);
        }
    }

    static void check2d(String insn, DRef2 ref) {
        long[][] in = OneInsn.product(bits(D), 2);
        long[] out = OneInsn.run(insn, "f64", new String[] {"f64", "f64"}, in);
        for (int i = 0; i < in.length; i++) {
            double a = bd(in[i][0]);
            double b = bd(in[i][1]);
            assertF64(insn + "(" + a + ", " + b + ")", ref.ap(a, b), out[i]);
        }
    }

    // ---------------------------------------------------------------- exact references

    /** Rounds an exact value to float in a mode: the reference for directed rounding. */
    static float round32(BigDecimal exact, int mode) {
        float rn = exact.floatValue();
        int cmp = Float.isInfinite(rn) ? (rn > 0 ? 1 : -1) : new BigDecimal(rn).compareTo(exact);
        float r = rn;
        int m = mode;
        if (m == FloatOps.RZ) {
            m = exact.signum() > 0 ? FloatOps.RM : FloatOps.RP;
        }
        if (m == FloatOps.RM && cmp > 0) {
            r = Math.nextDown(rn);
        } else if (m == FloatOps.RP && cmp < 0) {
            r = Math.nextUp(rn);
        }
        if (r == 0) {
            r = exact.signum() < 0 ? -0f : 0f;
        }
        return r;
    }

    static double round64(BigDecimal exact, int mode) {
        double rn = exact.doubleValue();
        int cmp = Double.isInfinite(rn) ? (rn > 0 ? 1 : -1) : new BigDecimal(rn).compareTo(exact);
        double r = rn;
        int m = mode;
        if (m == FloatOps.RZ) {
            m = exact.signum() > 0 ? FloatOps.RM : FloatOps.RP;
        }
        if (m == FloatOps.RM && cmp > 0) {
            r = Math.nextDown(rn);
        } else if (m == FloatOps.RP && cmp < 0) {
            r = Math.nextUp(rn);
        }
        if (r == 0) {
            r = exact.signum() < 0 ? -0.0 : 0.0;
        }
        return r;
    }

    static boolean finite(double... xs) {
        for (double x : xs) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    /** IEEE sign of an exact zero sum: both addends -0 gives -0, both +0 gives +0, else -0 only in RM. */
    static double zeroSum(double a, double b, int mode) {
        boolean an = Double.doubleToRawLongBits(a) < 0;
        boolean bn = Double.doubleToRawLongBits(b) < 0;
        if (a == 0 && b == 0 && an == bn) {
            return a;
        }
        return mode == FloatOps.RM ? -0.0 : 0.0;
    }

    static float refAdd(float a, float b, int mode) {
        if (!finite(a, b)) {
            return a + b;
        }
        BigDecimal e = new BigDecimal(a).add(new BigDecimal(b));
        return e.signum() == 0 ? (float) zeroSum(a, b, mode) : round32(e, mode);
    }

    static float refMul(float a, float b, int mode) {
        if (!finite(a, b)) {
            return a * b;
        }
        BigDecimal e = new BigDecimal(a).multiply(new BigDecimal(b));
        return e.signum() == 0 ? a * b : round32(e, mode);
    }

    static float refDiv(float a, float b, int mode) {
        if (!finite(a, b) || b == 0 || a == 0) {
            return a / b;
        }
        return round32(quotient(a, b, 300), mode);
    }

    /** a / b exactly when it terminates, else to {@code digits} digits (far more than any float has). */
    static BigDecimal quotient(double a, double b, int digits) {
        try {
            return new BigDecimal(a).divide(new BigDecimal(b));
        } catch (ArithmeticException nonTerminating) {
            return new BigDecimal(a).divide(new BigDecimal(b), new java.math.MathContext(digits));
        }
    }

    static float refFma(float a, float b, float c, int mode) {
        if (!finite(a, b, c)) {
            return Math.fma(a, b, c);
        }
        BigDecimal p = new BigDecimal(a).multiply(new BigDecimal(b));
        BigDecimal e = p.add(new BigDecimal(c));
        if (e.signum() == 0) {
            return (float) zeroSum(p.signum() == 0 ? (double) a * b : 1.0, c, mode);
        }
        return round32(e, mode);
    }

    private static final String[] MODES = {"rn", "rz", "rm", "rp"};

    // ---------------------------------------------------------------- tests

    @Test
    void addSubMulDivF32AllRoundingModes() {
        for (int mode = 0; mode < 4; mode++) {
            int m = mode;
            String r = MODES[mode];
            check2("add." + r + ".f32", (a, b) -> refAdd(a, b, m), F, true);
            check2("sub." + r + ".f32", (a, b) -> refAdd(a, -b, m), F, true);
            check2("mul." + r + ".f32", (a, b) -> refMul(a, b, m), F, true);
            check2("div." + r + ".f32", (a, b) -> refDiv(a, b, m), F, true);
        }
        check2("add.f32", Float::sum, F, true); // no rounding qualifier: round to nearest
    }

    @Test
    void flushToZeroAndSaturation() {
        check2("add.ftz.f32", (a, b) -> ftz(ftz(a) + ftz(b)), F, true);
        check2("mul.rn.ftz.f32", (a, b) -> ftz(ftz(a) * ftz(b)), F, true);
        check2("mul.rz.ftz.f32", (a, b) -> ftz(refMul(ftz(a), ftz(b), FloatOps.RZ)), F, true);
        check2("add.sat.f32", (a, b) -> {
            float s = a + b;
            return Float.isNaN(s) ? 0f : (s <= 0 ? 0f : Math.min(s, 1f));
        }, F, true);
        check2("div.full.ftz.f32", (a, b) -> ftz(ftz(a) / ftz(b)), F, true);
        check2("div.approx.f32", (a, b) -> a / b, F, true);
        // the product of two tiny normals is subnormal: flushed to a signed zero
        long[] out = OneInsn.run("mul.ftz.f32", "f32", new String[] {"f32", "f32"},
                new long[][] {{fb(1e-20f), fb(-1e-20f)}, {fb(Float.MIN_VALUE), fb(1e10f)}});
        assertF32("ftz result", -0f, out[0], true);
        assertF32("ftz input", 0f, out[1], true);
    }

    @Test
    void fmaF32AllModesIsFused() {
        long[][] in = OneInsn.product(bits(F_SMALL), 3);
        for (int mode = 0; mode < 4; mode++) {
            String insn = "fma." + MODES[mode] + ".f32";
            long[] out = OneInsn.run(insn, "f32", new String[] {"f32", "f32", "f32"}, in);
            for (int i = 0; i < in.length; i++) {
                float a = bf(in[i][0]);
                float b = bf(in[i][1]);
                float c = bf(in[i][2]);
                assertF32(insn + "(" + a + ", " + b + ", " + c + ")", refFma(a, b, c, mode), out[i], true);
            }
        }
        // fused: 3.0000002f^2 - 9.000001f keeps the low bits a separate multiply would lose
        long[] o = OneInsn.run("fma.rn.f32", "f32", new String[] {"f32", "f32", "f32"},
                new long[][] {{fb(3.0000002f), fb(3.0000002f), fb(-9.000001f)}});
        assertF32("fused", Math.fma(3.0000002f, 3.0000002f, -9.000001f), o[0], true);
        assertTrue(bf(o[0]) != 3.0000002f * 3.0000002f - 9.000001f);
        long[] mad = OneInsn.run("mad.rn.f32", "f32", new String[] {"f32", "f32", "f32"},
                new long[][] {{fb(3.0000002f), fb(3.0000002f), fb(-9.000001f)}});
        assertEquals(o[0], mad[0]);
    }

    @Test
    void f64ArithmeticAllModes() {
        for (int mode = 0; mode < 4; mode++) {
            int m = mode;
            String r = MODES[mode];
            check2d("add." + r + ".f64", (a, b) -> {
                if (!finite(a, b)) {
                    return a + b;
                }
                BigDecimal e = new BigDecimal(a).add(new BigDecimal(b));
                return e.signum() == 0 ? zeroSum(a, b, m) : round64(e, m);
            });
            check2d("mul." + r + ".f64", (a, b) -> {
                if (!finite(a, b)) {
                    return a * b;
                }
                BigDecimal e = new BigDecimal(a).multiply(new BigDecimal(b));
                return e.signum() == 0 ? a * b : round64(e, m);
            });
            check2d("div." + r + ".f64", (a, b) -> {
                if (!finite(a, b) || a == 0 || b == 0) {
                    return a / b;
                }
                return round64(quotient(a, b, 2000), m);
            });
        }
        long[][] in = OneInsn.product(new long[] {db(0.1), db(-3.0), db(1e308), db(Double.MIN_VALUE), db(-0.0), db(1.0 / 3)}, 3);
        long[] out = OneInsn.run("fma.rz.f64", "f64", new String[] {"f64", "f64", "f64"}, in);
        for (int i = 0; i < in.length; i++) {
            double a = bd(in[i][0]);
            double b = bd(in[i][1]);
            double c = bd(in[i][2]);
            BigDecimal p = new BigDecimal(a).multiply(new BigDecimal(b));
            BigDecimal e = p.add(new BigDecimal(c));
            double want = e.signum() == 0 ? Math.fma(a, b, c) : round64(e, FloatOps.RZ);
            assertF64("fma.rz.f64(" + a + "," + b + "," + c + ")", want, out[i]);
        }
    }

    @Test
    void minMaxNaNAndSignedZero() {
        FRef2 min = (a, b) -> Float.isNaN(a) ? b : Float.isNaN(b) ? a : Math.min(a, b);
        FRef2 max = (a, b) -> Float.isNaN(a) ? b : Float.isNaN(b) ? a : Math.max(a, b);
        check2("min.f32", min, F, true);
        check2("max.f32", max, F, true);
        check2("min.ftz.f32", (a, b) -> ftz(min.ap(ftz(a), ftz(b))), F, true);
        check2("max.NaN.f32", (a, b) -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b), F, true);
        check2d("min.f64", (a, b) -> Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b));
        long[] o = OneInsn.run("min.f32", "f32", new String[] {"f32", "f32"}, new long[][] {{fb(0f), fb(-0f)}, {fb(-0f), fb(0f)}});
        assertF32("min(+0,-0)", -0f, o[0], true);
        assertF32("min(-0,+0)", -0f, o[1], true);
    }

    @Test
    void absNegCopysignTestp() {
        long[][] in = new long[F.length][];
        for (int i = 0; i < F.length; i++) {
            in[i] = new long[] {fb(F[i])};
        }
        long[] abs = OneInsn.run("abs.f32", "f32", new String[] {"f32"}, in);
        long[] neg = OneInsn.run("neg.f32", "f32", new String[] {"f32"}, in);
        long[] negFtz = OneInsn.run("neg.ftz.f32", "f32", new String[] {"f32"}, in);
        long[] fin = OneInsn.run("testp.finite.f32", "pred", new String[] {"f32"}, in);
        long[] sub = OneInsn.run("testp.subnormal.f32", "pred", new String[] {"f32"}, in);
        long[] nan = OneInsn.run("testp.notanumber.f32", "pred", new String[] {"f32"}, in);
        for (int i = 0; i < F.length; i++) {
            float x = F[i];
            assertEquals(fb(x) & 0x7FFFFFFFL, abs[i], "abs " + x);
            assertEquals((fb(x) ^ 0x80000000L), neg[i], "neg " + x);
            assertEquals(fb(-ftz(x)), negFtz[i], "neg.ftz " + x);
            assertEquals(Float.isFinite(x) ? 1 : 0, fin[i], "finite " + x);
            assertEquals(x != 0 && Math.abs(x) < Float.MIN_NORMAL ? 1 : 0, sub[i], "subnormal " + x);
            assertEquals(Float.isNaN(x) ? 1 : 0, nan[i], "nan " + x);
        }
        // copysign d, a, b: |b| with the sign of a
        long[] cs = OneInsn.run("copysign.f32", "f32", new String[] {"f32", "f32"}, new long[][] {{fb(-1f), fb(2.5f)}, {fb(3f), fb(-0.5f)}});
        assertF32("copysign(-1, 2.5)", -2.5f, cs[0], false);
        assertF32("copysign(3, -0.5)", 0.5f, cs[1], false);
        long[] csd = OneInsn.run("copysign.f64", "f64", new String[] {"f64", "f64"}, new long[][] {{db(-0.0), db(7.0)}});
        assertF64("copysign.f64", -7.0, csd[0]);
    }

    @Test
    void exactRcpAndSqrt() {
        long[][] in = new long[F.length][];
        for (int i = 0; i < F.length; i++) {
            in[i] = new long[] {fb(F[i])};
        }
        for (int mode = 0; mode < 4; mode++) {
            long[] rcp = OneInsn.run("rcp." + MODES[mode] + ".f32", "f32", new String[] {"f32"}, in);
            long[] sq = OneInsn.run("sqrt." + MODES[mode] + ".f32", "f32", new String[] {"f32"}, in);
            for (int i = 0; i < F.length; i++) {
                float x = F[i];
                assertF32("rcp." + MODES[mode] + " " + x, refDiv(1f, x, mode), rcp[i], true);
                float want;
                if (!Float.isFinite(x) || x <= 0) {
                    want = (float) Math.sqrt(x);
                } else {
                    BigDecimal s = new BigDecimal(x).sqrt(new java.math.MathContext(60));
                    boolean exact = s.multiply(s).compareTo(new BigDecimal(x)) == 0;
                    want = exact ? s.floatValue() : round32(s, mode);
                }
                assertF32("sqrt." + MODES[mode] + " " + x, want, sq[i], true);
            }
        }
    }

    @Test
    void approximateFunctionsWithinIsaBounds() {
        float[] xs = {0.5f, 1f, 2f, 3.7f, -1.25f, 10f, -20f, 0.001f, 100f, 0f, -0f, Float.POSITIVE_INFINITY, Float.NaN, 1e-40f};
        long[][] in = new long[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            in[i] = new long[] {fb(xs[i])};
        }
        long[] ex2 = OneInsn.run("ex2.approx.f32", "f32", new String[] {"f32"}, in);
        long[] ex2f = OneInsn.run("ex2.approx.ftz.f32", "f32", new String[] {"f32"}, in);
        long[] lg2 = OneInsn.run("lg2.approx.f32", "f32", new String[] {"f32"}, in);
        long[] rsq = OneInsn.run("rsqrt.approx.f32", "f32", new String[] {"f32"}, in);
        long[] rcp = OneInsn.run("rcp.approx.ftz.f32", "f32", new String[] {"f32"}, in);
        long[] sin = OneInsn.run("sin.approx.f32", "f32", new String[] {"f32"}, in);
        long[] cos = OneInsn.run("cos.approx.ftz.f32", "f32", new String[] {"f32"}, in);
        long[] tanh = OneInsn.run("tanh.approx.f32", "f32", new String[] {"f32"}, in);
        long[] sqa = OneInsn.run("sqrt.approx.f32", "f32", new String[] {"f32"}, in);
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i];
            String at = " at " + x;
            within("ex2" + at, Math.pow(2, x), bf(ex2[i]), Math.pow(2, -22.5), 0);
            within("ex2.ftz" + at, Math.pow(2, ftz(xs[i])), bf(ex2f[i]), Math.pow(2, -22.5), 0);
            within("lg2" + at, Math.log(x) / Math.log(2), bf(lg2[i]), 0x1p-22, Math.pow(2, -22.6));
            within("rsqrt" + at, 1 / Math.sqrt(x), bf(rsq[i]), Math.pow(2, -22.9), 0);
            within("rcp" + at, 1 / (double) ftz(xs[i]), bf(rcp[i]), 0x1p-23, 0);
            if (Math.abs(x) <= Math.PI || !Double.isFinite(x)) {
                within("sin" + at, Math.sin(x), bf(sin[i]), 0, Math.pow(2, -20.9));
                within("cos" + at, Math.cos(ftz(xs[i])), bf(cos[i]), 0, Math.pow(2, -20.9));
            }
            within("tanh" + at, Math.tanh(x), bf(tanh[i]), Math.pow(2, -10.9), 0);
            within("sqrt.approx" + at, Math.sqrt(x), bf(sqa[i]), 0x1p-23, 0);
        }
    }

    private static void within(String what, double want, float got, double rel, double abs) {
        if (Double.isNaN(want)) {
            assertTrue(Float.isNaN(got), what + ": expected NaN, got " + got);
            return;
        }
        if (Double.isInfinite(want) || want == 0) {
            assertEquals(want, got, 0.0, what);
            return;
        }
        double err = Math.abs(got - want);
        assertTrue(err <= Math.max(rel * Math.abs(want), abs) + Math.ulp((float) want), what + ": got " + got + ", want " + want);
    }

    @Test
    void comparisonsOrderedAndUnordered() {
        String[] ops = {"eq", "ne", "lt", "le", "gt", "ge", "equ", "neu", "ltu", "leu", "gtu", "geu", "num", "nan"};
        float[] vals = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE};
        long[][] in = OneInsn.product(bits(vals), 2);
        for (String op : ops) {
            long[] out = OneInsn.run("setp." + op + ".f32", "pred", new String[] {"f32", "f32"}, in);
            long[] ftz = OneInsn.run("setp." + op + ".ftz.f32", "pred", new String[] {"f32", "f32"}, in);
            long[] d = OneInsn.run("setp." + op + ".f64", "pred", new String[] {"f64", "f64"},
                    java.util.Arrays.stream(in).map(p -> new long[] {db(bf(p[0])), db(bf(p[1]))}).toArray(long[][]::new));
            for (int i = 0; i < in.length; i++) {
                float a = bf(in[i][0]);
                float b = bf(in[i][1]);
                assertEquals(cmp(op, a, b) ? 1 : 0, out[i], op + "(" + a + ", " + b + ")");
                assertEquals(cmp(op, ftz(a), ftz(b)) ? 1 : 0, ftz[i], op + ".ftz(" + a + ", " + b + ")");
                assertEquals(cmp(op, a, b) ? 1 : 0, d[i], op + ".f64(" + a + ", " + b + ")");
            }
        }
    }

    static boolean cmp(String op, float a, float b) {
        boolean un = Float.isNaN(a) || Float.isNaN(b);
        switch (op) {
            case "eq": return !un && a == b;
            case "ne": return !un && a != b;
            case "lt": return !un && a < b;
            case "le": return !un && a <= b;
            case "gt": return !un && a > b;
            case "ge": return !un && a >= b;
            case "equ": return un || a == b;
            case "neu": return un || a != b;
            case "ltu": return un || a < b;
            case "leu": return un || a <= b;
            case "gtu": return un || a > b;
            case "geu": return un || a >= b;
            case "num": return !un;
            default: return un;
        }
    }
}
