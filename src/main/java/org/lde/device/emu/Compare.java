package org.lde.device.emu;

import org.lde.device.emu.Insns.Op2;

/**
 * Comparison operators of setp/set. Integer: eq, ne, lt, le, gt, ge (signed or unsigned per type),
 * lo, ls, hi, hs (unsigned). Float: ordered eq, ne, lt, le, gt, ge (false when either is NaN),
 * unordered equ, neu, ltu, leu, gtu, geu (true when either is NaN), num (neither NaN), nan (either).
 */
final class Compare {
    private Compare() {
    }

    static Op2 build(Errors e, String cmp, PtxType t, boolean ftz) {
        if (t == PtxType.F32) {
            return f32(e, cmp, ftz);
        }
        if (t == PtxType.F64) {
            return f64(e, cmp);
        }
        if (t == PtxType.PRED || t.isFloat() || t == PtxType.F16X2 || t == PtxType.BF16) {
            throw e.unsupported("comparison type ." + t.ptx());
        }
        boolean signed = t.isSigned();
        long m = t.mask();
        if (t.kind == PtxType.Kind.BITS && !(cmp.equals("eq") || cmp.equals("ne"))) {
            throw e.unsupported("comparison ." + cmp + " on bit type ." + t.ptx() + " (only eq, ne)");
        }
        switch (cmp) {
            case "eq": return (a, b) -> (a & m) == (b & m) ? 1 : 0;
            case "ne": return (a, b) -> (a & m) != (b & m) ? 1 : 0;
            case "lo": return (a, b) -> Long.compareUnsigned(a & m, b & m) < 0 ? 1 : 0;
            case "ls": return (a, b) -> Long.compareUnsigned(a & m, b & m) <= 0 ? 1 : 0;
            case "hi": return (a, b) -> Long.compareUnsigned(a & m, b & m) > 0 ? 1 : 0;
            case "hs": return (a, b) -> Long.compareUnsigned(a & m, b & m) >= 0 ? 1 : 0;
            default: break;
        }
        if (!signed) {
            switch (cmp) {
                case "lt": return (a, b) -> Long.compareUnsigned(a & m, b & m) < 0 ? 1 : 0;
                case "le": return (a, b) -> Long.compareUnsigned(a & m, b & m) <= 0 ? 1 : 0;
                case "gt": return (a, b) -> Long.compareUnsigned(a & m, b & m) > 0 ? 1 : 0;
                case "ge": return (a, b) -> Long.compareUnsigned(a & m, b & m) >= 0 ? 1 : 0;
                default: throw e.unsupported("comparison ." + cmp + " on integer type ." + t.ptx());
            }
        }
        if (t == PtxType.S32) {
            switch (cmp) {
                case "lt": return (a, b) -> (int) a < (int) b ? 1 : 0;
                case "le": return (a, b) -> (int) a <= (int) b ? 1 : 0;
                case "gt": return (a, b) -> (int) a > (int) b ? 1 : 0;
                case "ge": return (a, b) -> (int) a >= (int) b ? 1 : 0;
                default: throw e.unsupported("comparison ." + cmp + " on integer type ." + t.ptx());
            }
        }
        switch (cmp) {
            case "lt": return (a, b) -> t.extend(a) < t.extend(b) ? 1 : 0;
            case "le": return (a, b) -> t.extend(a) <= t.extend(b) ? 1 : 0;
            case "gt": return (a, b) -> t.extend(a) > t.extend(b) ? 1 : 0;
            case "ge": return (a, b) -> t.extend(a) >= t.extend(b) ? 1 : 0;
            default: throw e.unsupported("comparison ." + cmp + " on integer type ." + t.ptx());
        }
    }

    interface FP {
        boolean test(float a, float b);
    }

    interface DP {
        boolean test(double a, double b);
    }

    private static FP floatPredicate(Errors e, String cmp) {
        switch (cmp) {
            case "eq": return (a, b) -> a == b;
            case "ne": return (a, b) -> a == a && b == b && a != b;
            case "lt": return (a, b) -> a < b;
            case "le": return (a, b) -> a <= b;
            case "gt": return (a, b) -> a > b;
            case "ge": return (a, b) -> a >= b;
            case "equ": return (a, b) -> a != a || b != b || a == b;
            case "neu": return (a, b) -> a != b;
            case "ltu": return (a, b) -> !(a >= b);
            case "leu": return (a, b) -> !(a > b);
            case "gtu": return (a, b) -> !(a <= b);
            case "geu": return (a, b) -> !(a < b);
            case "num": return (a, b) -> a == a && b == b;
            case "nan": return (a, b) -> a != a || b != b;
            default: throw e.unsupported("comparison ." + cmp + " on a float type");
        }
    }

    private static Op2 f32(Errors e, String cmp, boolean ftz) {
        FP p = floatPredicate(e, cmp);
        if (ftz) {
            return (a, b) -> p.test(FloatOps.ftz(FloatOps.f(a)), FloatOps.ftz(FloatOps.f(b))) ? 1 : 0;
        }
        switch (cmp) { // the common ones without an extra call
            case "lt": return (a, b) -> FloatOps.f(a) < FloatOps.f(b) ? 1 : 0;
            case "gt": return (a, b) -> FloatOps.f(a) > FloatOps.f(b) ? 1 : 0;
            case "ge": return (a, b) -> FloatOps.f(a) >= FloatOps.f(b) ? 1 : 0;
            case "le": return (a, b) -> FloatOps.f(a) <= FloatOps.f(b) ? 1 : 0;
            default: return (a, b) -> p.test(FloatOps.f(a), FloatOps.f(b)) ? 1 : 0;
        }
    }

    private static Op2 f64(Errors e, String cmp) {
        FP p = floatPredicate(e, cmp);
        DP dp;
        switch (cmp) {
            case "eq": dp = (a, b) -> a == b; break;
            case "ne": dp = (a, b) -> a == a && b == b && a != b; break;
            case "lt": dp = (a, b) -> a < b; break;
            case "le": dp = (a, b) -> a <= b; break;
            case "gt": dp = (a, b) -> a > b; break;
            case "ge": dp = (a, b) -> a >= b; break;
            case "equ": dp = (a, b) -> a != a || b != b || a == b; break;
            case "neu": dp = (a, b) -> a != b; break;
            case "ltu": dp = (a, b) -> !(a >= b); break;
            case "leu": dp = (a, b) -> !(a > b); break;
            case "gtu": dp = (a, b) -> !(a <= b); break;
            case "geu": dp = (a, b) -> !(a < b); break;
            case "num": dp = (a, b) -> a == a && b == b; break;
            default: dp = (a, b) -> a != a || b != b; break;
        }
        if (p == null) {
            throw e.unsupported("comparison ." + cmp);
        }
        return (a, b) -> dp.test(FloatOps.d(a), FloatOps.d(b)) ? 1 : 0;
    }
}
