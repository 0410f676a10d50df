package org.lde.device.emu;

import java.math.BigDecimal;

/**
 * PTX floating-point semantics where Java differs: flush-to-zero, saturation, canonical NaN,
 * min/max NaN rules, and directed rounding (.rz/.rm/.rp). Directed results are computed as the
 * round-to-nearest result corrected by the sign of the exact error, which is obtained exactly
 * (error-free transformations in double for f32, {@link BigDecimal} or fused remainders for f64).
 */
final class FloatOps {
    static final int RN = 0;
    static final int RZ = 1;
    static final int RM = 2;
    static final int RP = 3;

    /** The canonical NaN the emulator writes for NaN results of f32 arithmetic (as the GPU does). */
    static final int CANON_NAN_32 = 0x7FFFFFFF;
    /** The canonical NaN the emulator writes for NaN results of f64 arithmetic (a documented choice). */
    static final long CANON_NAN_64 = 0x7FFFFFFFFFFFFFFFL;

    private FloatOps() {
    }

    static int roundingMode(String q) {
        switch (q) {
            case "rn": return RN;
            case "rz": return RZ;
            case "rm": return RM;
            case "rp": return RP;
            default: return -1;
        }
    }

    static float f(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    static double d(long bits) {
        return Double.longBitsToDouble(bits);
    }

    /** Result bits of an f32 arithmetic value: NaN becomes the canonical NaN. */
    static long bits(float v) {
        if (v != v) {
            return CANON_NAN_32;
        }
        return Float.floatToRawIntBits(v) & 0xFFFFFFFFL;
    }

    static long bits(double v) {
        if (v != v) {
            return CANON_NAN_64;
        }
        return Double.doubleToRawLongBits(v);
    }

    /** Flushes a subnormal to zero of the same sign. */
    static float ftz(float x) {
        if (x != 0 && Math.abs(x) < Float.MIN_NORMAL) {
            return Math.copySign(0f, x);
        }
        return x;
    }

    /** Clamps to [0, 1]; NaN gives +0. */
    static float sat(float x) {
        if (x != x) {
            return 0f;
        }
        if (x <= 0f) {
            return 0f; // -0 also becomes +0
        }
        return x > 1f ? 1f : x;
    }

    static double sat(double x) {
        if (x != x) {
            return 0.0;
        }
        if (x <= 0.0) {
            return 0.0;
        }
        return x > 1.0 ? 1.0 : x;
    }

    /** PTX min.f32: NaN operands are ignored (both NaN gives NaN); -0 is below +0. */
    static float min(float a, float b) {
        if (a != a) {
            return b;
        }
        if (b != b) {
            return a;
        }
        return Math.min(a, b);
    }

    static float max(float a, float b) {
        if (a != a) {
            return b;
        }
        if (b != b) {
            return a;
        }
        return Math.max(a, b);
    }

    static double min(double a, double b) {
        if (a != a) {
            return b;
        }
        if (b != b) {
            return a;
        }
        return Math.min(a, b);
    }

    static double max(double a, double b) {
        if (a != a) {
            return b;
        }
        if (b != b) {
            return a;
        }
        return Math.max(a, b);
    }

    // ------------------------------------------------------------ directed rounding, f32

    /** Adjusts the round-to-nearest result {@code rn} given sign(exact - rn). */
    static float directed(float rn, int sgn, int mode) {
        if (sgn == 0 || mode == RN) {
            return rn;
        }
        float r = rn;
        boolean trueNeg = rn < 0 || (rn == 0 && sgn < 0);
        int m = mode;
        if (m == RZ) {
            m = trueNeg ? RP : RM;
        }
        if (m == RM && sgn < 0) {
            r = Math.nextDown(rn);
        } else if (m == RP && sgn > 0) {
            r = Math.nextUp(rn);
        }
        if (r == 0) {
            r = trueNeg ? -0f : 0f;
        }
        return r;
    }

    static double directed(double rn, int sgn, int mode) {
        if (sgn == 0 || mode == RN) {
            return rn;
        }
        double r = rn;
        boolean trueNeg = rn < 0 || (rn == 0 && sgn < 0);
        int m = mode;
        if (m == RZ) {
            m = trueNeg ? RP : RM;
        }
        if (m == RM && sgn < 0) {
            r = Math.nextDown(rn);
        } else if (m == RP && sgn > 0) {
            r = Math.nextUp(rn);
        }
        if (r == 0) {
            r = trueNeg ? -0.0 : 0.0;
        }
        return r;
    }

    private static int signOfSum(double d, double e) {
        // sign(d + e) exactly, for doubles d, e
        double ne = -e;
        return d > ne ? 1 : (d < ne ? -1 : 0); // primitive comparisons: -0.0 == 0.0
    }

    private static boolean finite(float... xs) {
        for (float x : xs) {
            if (Float.isNaN(x) || Float.isInfinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static boolean finite(double... xs) {
        for (double x : xs) {
            if (Double.isNaN(x) || Double.isInfinite(x)) {
                return false;
            }
        }
        return true;
    }

    static float add(float a, float b, int mode) {
        float rn = a + b;
        if (mode == RN || !finite(a, b)) {
            return rn;
        }
        double s = (double) a + (double) b;
        double bb = s - a;
        double e = (a - (s - bb)) + (b - bb);
        int sgn = Float.isInfinite(rn) ? (rn > 0 ? -1 : 1) : signOfSum(s - rn, e);
        if (sgn == 0 && rn == 0) {
            return exactZeroSum(a, b, mode);
        }
        return directed(rn, sgn, mode);
    }

    /** IEEE sign of an exact-zero sum a + b: -0 when both are -0, or in RM unless both are +0. */
    static float exactZeroSum(float a, float b, int mode) {
        boolean an = Float.floatToRawIntBits(a) < 0;
        boolean bn = Float.floatToRawIntBits(b) < 0;
        if (a == 0 && b == 0) {
            if (an && bn) {
                return -0f;
            }
            if (!an && !bn) {
                return 0f;
            }
        }
        return mode == RM ? -0f : 0f;
    }

    static double exactZeroSum(double a, double b, int mode) {
        boolean an = Double.doubleToRawLongBits(a) < 0;
        boolean bn = Double.doubleToRawLongBits(b) < 0;
        if (a == 0 && b == 0) {
            if (an && bn) {
                return -0.0;
            }
            if (!an && !bn) {
                return 0.0;
            }
        }
        return mode == RM ? -0.0 : 0.0;
    }

    static float mul(float a, float b, int mode) {
        float rn = a * b;
        if (mode == RN || !finite(a, b)) {
            return rn;
        }
        double p = (double) a * (double) b; // exact
        int sgn = Float.isInfinite(rn) ? (rn > 0 ? -1 : 1) : (p > rn ? 1 : (p == rn ? 0 : -1));
        return directed(rn, sgn, mode);
    }

    static float fma(float a, float b, float c, int mode) {
        float rn = Math.fma(a, b, c);
        if (mode == RN || !finite(a, b, c)) {
            return rn;
        }
        double p = (double) a * (double) b; // exact
        double s = p + c;
        double bb = s - p;
        double e = (p - (s - bb)) + (c - bb);
        int sgn = Float.isInfinite(rn) ? (rn > 0 ? -1 : 1) : signOfSum(s - rn, e);
        if (sgn == 0 && rn == 0) {
            return exactZeroSum(p == 0 ? (float) p : 1f, c, mode);
        }
        return directed(rn, sgn, mode);
    }

    static float div(float a, float b, int mode) {
        float rn = a / b;
        if (mode == RN || !finite(a, b) || b == 0) {
            return rn;
        }
        if (Float.isInfinite(rn)) { // overflow of a finite quotient
            return directed(rn, rn > 0 ? -1 : 1, mode);
        }
        double r = Math.fma(-(double) rn, (double) b, (double) a); // sign of a - rn*b, exact sign
        int sgn = (int) Math.signum(r) * (b > 0 ? 1 : -1);
        return directed(rn, sgn, mode);
    }

    static float sqrt(float a, int mode) {
        float rn = (float) Math.sqrt(a);
        if (mode == RN || !finite(a, rn) || a <= 0) {
            return rn;
        }
        double sq = (double) rn * rn;
        int sgn = a > sq ? 1 : (a == sq ? 0 : -1);
        return directed(rn, sgn, mode);
    }

    // ------------------------------------------------------------ directed rounding, f64

    private static int signOf(BigDecimal exact, double rn) {
        return exact.compareTo(new BigDecimal(rn));
    }

    static double add(double a, double b, int mode) {
        double rn = a + b;
        if (mode == RN || !finite(a, b)) {
            return rn;
        }
        if (Double.isInfinite(rn)) {
            return directed(rn, rn > 0 ? -1 : 1, mode);
        }
        int sgn = signOf(new BigDecimal(a).add(new BigDecimal(b)), rn);
        if (sgn == 0 && rn == 0) {
            return exactZeroSum(a, b, mode);
        }
        return directed(rn, sgn, mode);
    }

    static double mul(double a, double b, int mode) {
        double rn = a * b;
        if (mode == RN || !finite(a, b)) {
            return rn;
        }
        if (Double.isInfinite(rn)) {
            return directed(rn, rn > 0 ? -1 : 1, mode);
        }
        return directed(rn, signOf(new BigDecimal(a).multiply(new BigDecimal(b)), rn), mode);
    }

    static double fma(double a, double b, double c, int mode) {
        double rn = Math.fma(a, b, c);
        if (mode == RN || !finite(a, b, c)) {
            return rn;
        }
        if (Double.isInfinite(rn)) {
            return directed(rn, rn > 0 ? -1 : 1, mode);
        }
        BigDecimal p = new BigDecimal(a).multiply(new BigDecimal(b));
        int sgn = signOf(p.add(new BigDecimal(c)), rn);
        if (sgn == 0 && rn == 0) {
            double ps = p.signum() == 0 ? a * b : 1.0;
            return exactZeroSum(ps, c, mode);
        }
        return directed(rn, sgn, mode);
    }

    static double div(double a, double b, int mode) {
        double rn = a / b;
        if (mode == RN || !finite(a, b) || b == 0) {
            return rn;
        }
        if (Double.isInfinite(rn)) { // overflow of a finite quotient
            return directed(rn, rn > 0 ? -1 : 1, mode);
        }
        int sgn = new BigDecimal(a).subtract(new BigDecimal(rn).multiply(new BigDecimal(b))).signum()
                * (b > 0 ? 1 : -1);
        return directed(rn, sgn, mode);
    }

    static double sqrt(double a, int mode) {
        double rn = Math.sqrt(a);
        if (mode == RN || !finite(a, rn) || a <= 0) {
            return rn;
        }
        BigDecimal r = new BigDecimal(rn);
        int sgn = new BigDecimal(a).compareTo(r.multiply(r));
        return directed(rn, sgn, mode);
    }

    // ------------------------------------------------------------ conversions

    /** f64 -> f32 with a rounding mode. */
    static float toF32(double x, int mode) {
        float rn = (float) x;
        if (mode == RN || Double.isNaN(x) || Double.isInfinite(x)) {
            return rn;
        }
        int sgn = Float.isInfinite(rn) ? (rn > 0 ? -1 : 1) : (x > rn ? 1 : (x == rn ? 0 : -1));
        return directed(rn, sgn, mode);
    }

    /** Integer value (signed, or unsigned when {@code unsigned}) to f32 with a rounding mode. */
    static float intToF32(long v, boolean unsigned, int mode) {
        BigDecimal exact = unsigned && v < 0 ? new BigDecimal(Long.toUnsignedString(v)) : BigDecimal.valueOf(v);
        float rn = unsigned && v < 0 ? exact.floatValue() : (float) v;
        if (mode == RN) {
            return rn;
        }
        return directed(rn, exact.compareTo(new BigDecimal(rn)), mode);
    }

    static double intToF64(long v, boolean unsigned, int mode) {
        BigDecimal exact = unsigned && v < 0 ? new BigDecimal(Long.toUnsignedString(v)) : BigDecimal.valueOf(v);
        double rn = unsigned && v < 0 ? exact.doubleValue() : (double) v;
        if (mode == RN) {
            return rn;
        }
        return directed(rn, exact.compareTo(new BigDecimal(rn)), mode);
    }

    /** Rounds to an integral value: RN ties to even (rni), RZ (rzi), RM (rmi), RP (rpi). */
    static double roundIntegral(double x, int mode) {
        switch (mode) {
            case RZ: return x < 0 ? Math.ceil(x) : Math.floor(x);
            case RM: return Math.floor(x);
            case RP: return Math.ceil(x);
            default: return Math.rint(x);
        }
    }

    /**
     * Float to integer of {@code bits} width: round with {@code mode}, NaN gives 0, values out of range
     * saturate to the destination range (the PTX rule for float-to-integer cvt).
     */
    static long floatToInt(double x, int mode, int bits, boolean signed) {
        if (x != x) {
            return 0;
        }
        double r = roundIntegral(x, mode);
        if (signed) {
            if (bits == 64) {
                return (long) r; // Java saturates to the long range
            }
            long lo = -(1L << (bits - 1));
            long hi = (1L << (bits - 1)) - 1;
            if (r <= lo) {
                return lo & ((1L << bits) - 1);
            }
            if (r >= hi) {
                return hi;
            }
            return ((long) r) & ((1L << bits) - 1);
        }
        if (r <= 0) {
            return 0;
        }
        if (bits == 64) {
            if (r >= 0x1p64) {
                return -1L;
            }
            if (r >= 0x1p63) {
                return ((long) (r - 0x1p63)) ^ Long.MIN_VALUE;
            }
            return (long) r;
        }
        long hi = (1L << bits) - 1;
        return r >= hi ? hi : (long) r;
    }
}
