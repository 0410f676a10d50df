package org.lde.device.emu;

/** Numeric literal conversion to raw bits of a PTX type. */
final class Literals {
    private Literals() {
    }

    /** Parses an integer literal (decimal, 0x hex, 0b binary, leading-0 octal, optional U suffix). */
    static long parseInt(String s) {
        String x = s;
        if (x.endsWith("U") || x.endsWith("u")) {
            x = x.substring(0, x.length() - 1);
        }
        if (x.startsWith("0x") || x.startsWith("0X")) {
            return Long.parseUnsignedLong(x.substring(2), 16);
        }
        if (x.startsWith("0b") || x.startsWith("0B")) {
            return Long.parseUnsignedLong(x.substring(2), 2);
        }
        if (x.length() > 1 && x.startsWith("0")) {
            return Long.parseUnsignedLong(x.substring(1), 8);
        }
        return Long.parseUnsignedLong(x);
    }

    /** True when the literal is a floating-point literal (0f, 0d, or decimal with '.'/exponent). */
    static boolean isFloatLiteral(String s) {
        if (s.length() > 2 && s.charAt(0) == '0' && "fFdD".indexOf(s.charAt(1)) >= 0) {
            return true;
        }
        if (s.startsWith("0x") || s.startsWith("0X")) {
            return false;
        }
        return s.indexOf('.') >= 0 || s.indexOf('e') >= 0 || s.indexOf('E') >= 0;
    }

    /** The literal as a double (float literals) ; integers are converted. */
    static double asDouble(String s, boolean neg) {
        double v;
        if (s.length() > 2 && s.charAt(0) == '0' && (s.charAt(1) == 'f' || s.charAt(1) == 'F')) {
            v = Float.intBitsToFloat((int) Long.parseUnsignedLong(s.substring(2), 16));
        } else if (s.length() > 2 && s.charAt(0) == '0' && (s.charAt(1) == 'd' || s.charAt(1) == 'D')) {
            v = Double.longBitsToDouble(Long.parseUnsignedLong(s.substring(2), 16));
        } else if (isFloatLiteral(s)) {
            v = Double.parseDouble(s);
        } else {
            v = (double) parseInt(s);
        }
        return neg ? -v : v;
    }

    /**
     * Raw bits of literal {@code s} for a value of {@code type}: float literals are rounded to the
     * type (0f literals keep their exact bits for f32), integer literals are truncated to its width.
     *
     * @throws NumberFormatException naming the literal when it is malformed
     */
    static long bitsFor(PtxType type, String s, boolean neg, int line) {
        try {
            if (type == PtxType.F32) {
                if (s.length() > 2 && s.charAt(0) == '0' && (s.charAt(1) == 'f' || s.charAt(1) == 'F')) {
                    long b = Long.parseUnsignedLong(s.substring(2), 16);
                    return (neg ? b ^ 0x80000000L : b) & 0xFFFFFFFFL;
                }
                return Float.floatToRawIntBits((float) asDouble(s, neg)) & 0xFFFFFFFFL;
            }
            if (type == PtxType.F64) {
                if (s.length() > 2 && s.charAt(0) == '0' && (s.charAt(1) == 'd' || s.charAt(1) == 'D')) {
                    long b = Long.parseUnsignedLong(s.substring(2), 16);
                    return neg ? b ^ Long.MIN_VALUE : b;
                }
                return Double.doubleToRawLongBits(asDouble(s, neg));
            }
            if (type == PtxType.F16) {
                return Half.fromFloat((float) asDouble(s, neg), Half.RN) & 0xFFFFL;
            }
            long v;
            if (isFloatLiteral(s)) {
                // PTX treats a float literal in an integer context by its bits
                v = s.length() > 2 && (s.charAt(1) == 'f' || s.charAt(1) == 'F')
                        ? Long.parseUnsignedLong(s.substring(2), 16)
                        : Double.doubleToRawLongBits(asDouble(s, false));
            } else {
                v = parseInt(s);
            }
            if (neg) {
                v = -v;
            }
            return v & type.mask();
        } catch (NumberFormatException e) {
            throw new NumberFormatException("bad numeric literal '" + s + "'");
        }
    }
}
