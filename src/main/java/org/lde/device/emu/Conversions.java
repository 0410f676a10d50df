package org.lde.device.emu;

import java.util.ArrayList;
import java.util.List;

import org.lde.device.emu.Insns.Op1;

/**
 * {@code cvt} in all the forms the emulator supports:
 * <ul>
 * <li>integer to integer (u8..u64, s8..s64): the source is sign- or zero-extended from its width, then
 * truncated to the destination width, or with .sat clamped to the destination range;</li>
 * <li>float to integer: a rounding .rni/.rzi/.rmi/.rpi is required; NaN gives 0 and out-of-range values
 * saturate to the destination range (always, as PTX defines for float-to-integer); .ftz flushes a
 * subnormal f32 input first;</li>
 * <li>integer to float: .rn (default), .rz, .rm, .rp, exactly rounded; .sat clamps to [0, 1];</li>
 * <li>float to float: f32 to f64 is exact; f64 to f32 and to f16 take .rn/.rz/.rm/.rp (default .rn);
 * same-type conversions with .rni/.rzi/.rmi/.rpi round to an integral value; .ftz flushes subnormal
 * f32 inputs and results; .sat clamps to [0, 1] with NaN giving +0. f16 to f32/f64 is exact.</li>
 * </ul>
 */
final class Conversions {
    private Conversions() {
    }

    /**
     * Decodes a cvt. A signed destination type narrower than the destination register (e.g.
     * {@code cvt.s8.f32} into a .b16 register) is sign-extended to the register's width.
     */
    static Insn cvt(Errors e, String op, List<String> quals, int d, PtxType dReg, List<Ast.Opnd> ops, Errors.Src s) {
        List<String> q = new ArrayList<>(quals);
        int rnd = -1;
        int irnd = -1;
        boolean ftz = false;
        boolean sat = false;
        List<PtxType> types = new ArrayList<>();
        for (String x : q) {
            int r = FloatOps.roundingMode(x);
            if (r >= 0) {
                rnd = r;
                continue;
            }
            if (x.length() == 3 && x.endsWith("i") && FloatOps.roundingMode(x.substring(0, 2)) >= 0) {
                irnd = FloatOps.roundingMode(x.substring(0, 2));
                continue;
            }
            if (x.equals("ftz")) {
                ftz = true;
                continue;
            }
            if (x.equals("sat")) {
                sat = true;
                continue;
            }
            PtxType t = PtxType.parse(x);
            if (t == null) {
                throw e.unsupported("qualifier ." + x);
            }
            types.add(t);
        }
        if (types.size() != 2) {
            throw e.err("cvt needs a destination and a source type");
        }
        PtxType dt = types.get(0);
        PtxType at = types.get(1);
        for (PtxType t : types) {
            if (t == PtxType.PRED || t.kind == PtxType.Kind.BITS) {
                throw e.unsupported("cvt type ." + t.ptx());
            }
        }
        if (ftz && at != PtxType.F32 && dt != PtxType.F32) {
            throw e.unsupported("qualifier .ftz without an .f32 operand");
        }
        int a = s.src(ops.get(1), at);
        Op1 fn = build(e, dt, at, rnd, irnd, ftz, sat);
        if (dReg != null && dt.isSigned() && dReg.bits > dt.bits) {
            Op1 narrow = fn;
            long rm = dReg.mask();
            fn = v -> dt.extend(narrow.ap(v)) & rm;
        }
        return new Insns.Un(op, d, a, fn);
    }

    private static Op1 build(Errors e, PtxType dt, PtxType at, int rnd, int irnd, boolean ftz, boolean sat) {
        boolean dInt = !dt.isFloat();
        boolean aInt = !at.isFloat();
        long dm = dt.mask();
        if (dInt && aInt) {
            if (rnd >= 0 || irnd >= 0) {
                throw e.unsupported("rounding qualifier on an integer-to-integer cvt");
            }
            if (!sat) {
                return v -> at.extend(v) & dm;
            }
            boolean aSigned = at.isSigned();
            if (dt.isSigned()) {
                long lo = dt.bits == 64 ? Long.MIN_VALUE : -(1L << (dt.bits - 1));
                long hi = dt.bits == 64 ? Long.MAX_VALUE : (1L << (dt.bits - 1)) - 1;
                if (!aSigned && at.bits == 64) {
                    return v -> (v < 0 || v > hi ? hi : v) & dm;
                }
                return v -> Math.max(lo, Math.min(hi, at.extend(v))) & dm;
            }
            long hi = dm;
            if (aSigned) {
                return v -> {
                    long x = at.extend(v);
                    if (x < 0) {
                        return 0;
                    }
                    return dt.bits == 64 ? x : Math.min(x, hi);
                };
            }
            return v -> {
                long x = at.extend(v);
                return dt.bits == 64 || Long.compareUnsigned(x, hi) <= 0 ? x : hi;
            };
        }
        if (dInt) { // float -> int
            if (irnd < 0) {
                throw e.unsupported("float-to-integer cvt without .rni/.rzi/.rmi/.rpi");
            }
            if (rnd >= 0) {
                throw e.unsupported("qualifier .rn/.rz/.rm/.rp on float-to-integer cvt (use .rni etc.)");
            }
            int bits = dt.bits;
            boolean signed = dt.isSigned();
            int mode = irnd;
            return v -> {
                double x = toDouble(at, v, ftz);
                return FloatOps.floatToInt(x, mode, bits, signed) & dm;
            };
        }
        if (aInt) { // int -> float
            if (irnd >= 0) {
                throw e.unsupported("integer rounding on an integer-to-float cvt");
            }
            int mode = rnd < 0 ? FloatOps.RN : rnd;
            boolean unsigned64 = !at.isSigned() && at.bits == 64;
            if (dt == PtxType.F32) {
                return v -> {
                    float r = FloatOps.intToF32(at.extend(v), unsigned64, mode);
                    return FloatOps.bits(sat ? FloatOps.sat(r) : r);
                };
            }
            if (dt == PtxType.F64) {
                return v -> {
                    double r = FloatOps.intToF64(at.extend(v), unsigned64, mode);
                    return FloatOps.bits(sat ? FloatOps.sat(r) : r);
                };
            }
            if (dt == PtxType.F16) {
                return v -> {
                    long x = at.extend(v);
                    double dx = unsigned64 && x < 0 ? (double) (x >>> 1) * 2.0 : (double) x; // |x| > 65504 overflows anyway
                    int h = Half.fromDouble(dx, mode);
                    return sat ? Half.fromFloat(FloatOps.sat(Half.toFloat(h)), Half.RN) & 0xFFFFL : h & 0xFFFFL;
                };
            }
            throw e.unsupported("cvt to ." + dt.ptx());
        }
        // float -> float
        if (dt == at) {
            if (rnd >= 0) {
                throw e.unsupported("rounding .rn/.rz/.rm/.rp on a same-type cvt (use .rni etc.)");
            }
            int mode = irnd;
            if (dt == PtxType.F32) {
                return v -> {
                    float x = FloatOps.f(v);
                    if (ftz) {
                        x = FloatOps.ftz(x);
                    }
                    if (mode >= 0) {
                        x = (float) FloatOps.roundIntegral(x, mode);
                    }
                    if (sat) {
                        x = FloatOps.sat(x);
                    }
                    return FloatOps.bits(x);
                };
            }
            if (dt == PtxType.F64) {
                return v -> {
                    double x = FloatOps.d(v);
                    if (mode >= 0) {
                        x = FloatOps.roundIntegral(x, mode);
                    }
                    if (sat) {
                        x = FloatOps.sat(x);
                    }
                    return FloatOps.bits(x);
                };
            }
            throw e.unsupported("cvt ." + dt.ptx() + "." + at.ptx());
        }
        if (irnd >= 0) {
            throw e.unsupported("integer rounding on a float-to-float cvt between different types");
        }
        int mode = rnd < 0 ? FloatOps.RN : rnd;
        if (dt == PtxType.F64) { // from f32 or f16: exact
            if (rnd >= 0) {
                throw e.unsupported("rounding qualifier on a widening float cvt");
            }
            return v -> {
                double x = toDouble(at, v, ftz);
                return FloatOps.bits(sat ? FloatOps.sat(x) : x);
            };
        }
        if (dt == PtxType.F32) {
            if (at == PtxType.F16) {
                if (rnd >= 0) {
                    throw e.unsupported("rounding qualifier on cvt.f32.f16");
                }
                return v -> {
                    float x = Half.toFloat((int) v & 0xFFFF);
                    if (ftz) {
                        x = FloatOps.ftz(x);
                    }
                    return FloatOps.bits(sat ? FloatOps.sat(x) : x);
                };
            }
            return v -> {
                float x = FloatOps.toF32(FloatOps.d(v), mode);
                if (ftz) {
                    x = FloatOps.ftz(x);
                }
                return FloatOps.bits(sat ? FloatOps.sat(x) : x);
            };
        }
        if (dt == PtxType.F16) {
            return v -> {
                double x = toDouble(at, v, ftz);
                if (sat) {
                    x = FloatOps.sat(x);
                }
                return Half.fromDouble(x, mode) & 0xFFFFL;
            };
        }
        throw e.unsupported("cvt ." + dt.ptx() + "." + at.ptx());
    }

    private static double toDouble(PtxType at, long v, boolean ftz) {
        switch (at) {
            case F32: {
                float x = FloatOps.f(v);
                return ftz ? FloatOps.ftz(x) : x;
            }
            case F16:
                return Half.toFloat((int) v & 0xFFFF);
            default:
                return FloatOps.d(v);
        }
    }
}
