package org.lde.device.emu;

/** IEEE binary16 conversions (bit patterns in the low 16 bits of an int). */
final class Half {
    static final int RN = 0;
    static final int RZ = 1;
    static final int RM = 2;
    static final int RP = 3;

    private Half() {
    }

    /** binary16 bits to float (exact). */
    static float toFloat(int h) {
        int s = (h >>> 15) & 1;
        int e = (h >>> 10) & 0x1F;
        int m = h & 0x3FF;
        float v;
        if (e == 0) {
            v = m * 0x1p-24f;
        } else if (e == 31) {
            v = m == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = (1024 + m) * (float) Math.scalb(1.0, e - 25);
        }
        return s == 1 ? -v : v;
    }

    /** float to binary16 bits with the given rounding (RN ties to even). NaN gives 0x7FFF. */
    static int fromFloat(float f, int mode) {
        return fromDouble(f, mode);
    }

    /** double to binary16 bits with the given rounding (exact: one rounding). NaN gives 0x7FFF. */
    static int fromDouble(double f, int mode) {
        if (Double.isNaN(f)) {
            return 0x7FFF;
        }
        int sign = Double.doubleToRawLongBits(f) < 0 ? 0x8000 : 0;
        double a = Math.abs(f);
        if (Double.isInfinite(a)) {
            return sign | 0x7C00;
        }
        boolean neg = sign != 0;
        // scale so that the integer part is the representable significand
        int exp = a == 0 ? -25 : Math.getExponent(a);
        int q = Math.max(exp, -14) - 10;          // quantum exponent
        double scaled = Math.scalb(a, -q);       // exact (power-of-two scaling)
        double fl = Math.floor(scaled);
        double frac = scaled - fl;
        long n = (long) fl;
        boolean up;
        switch (mode) {
            case RZ: up = false; break;
            case RM: up = neg && frac > 0; break;
            case RP: up = !neg && frac > 0; break;
            default: up = frac > 0.5 || (frac == 0.5 && (n & 1) == 1); break;
        }
        if (up) {
            n++;
        }
        // n * 2^q ; renormalise
        int bits;
        if (n == 0) {
            bits = 0;
        } else {
            if (n >= 2048) {
                n >>= 1;
                q++;
            }
            if (n < 1024) { // subnormal (q == -24)
                bits = (int) n;
            } else {
                int e = q + 10 + 15;
                if (e >= 31) {
                    boolean toInf = mode == RN || (mode == RP && !neg) || (mode == RM && neg);
                    return sign | (toInf ? 0x7C00 : 0x7BFF);
                }
                bits = (e << 10) | (int) (n - 1024);
            }
        }
        return sign | bits;
    }
}
