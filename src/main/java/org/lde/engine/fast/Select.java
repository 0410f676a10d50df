package org.lde.engine.fast;

/**
 * Branch-free selections for the fast backend's float32 and float64 kernels (overloads, so that the
 * generated float64 sources call the same names). A ReLU's gradient {@code x > 0 ? dy : 0} written as a
 * conditional compiles to a branch that random signs mispredict about half the time (JFR: ReLU's reverse
 * pass was 13% of the sample CNN's Jacobian); these masks compute the same values without one.
 */
final class Select {
    private Select() {
    }

    /**
     * {@code x > 0 ? v : 0} for {@code x} not NaN (a NaN {@code x} with the sign bit clear keeps {@code v}).
     * The mask is all ones when the bits of {@code x}, as a signed integer, are positive: {@code -b} and
     * {@code ~b} both have the sign bit set exactly then ({@code b = 0}, {@code +0}, gives 0; {@code b < 0},
     * negative values and {@code -0}, give 0).
     */
    static float ifPositive(float x, float v) {
        int b = Float.floatToRawIntBits(x);
        int mask = (-b & ~b) >> 31;
        return Float.intBitsToFloat(Float.floatToRawIntBits(v) & mask);
    }

    /** {@code x > 0 ? v : 0} for {@code x} not NaN; see {@link #ifPositive(float, float)}. */
    static double ifPositive(double x, double v) {
        long b = Double.doubleToRawLongBits(x);
        long mask = (-b & ~b) >> 63;
        return Double.longBitsToDouble(Double.doubleToRawLongBits(v) & mask);
    }
}
