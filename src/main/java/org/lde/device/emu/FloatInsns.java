package org.lde.device.emu;

import java.util.List;

import org.lde.device.emu.Insns.Op1;

/**
 * Floating-point instructions other than the add/sub/mul/fma/div/min/max of {@link FloatArith}: abs, neg,
 * rcp, sqrt, rsqrt, ex2, lg2, sin, cos, tanh (semantics in {@link FloatArith#special}), copysign, testp.
 * Tested by {@code FloatInsnTest}.
 */
final class FloatInsns {
    private FloatInsns() {
    }

    // ------------------------------------------------------------------ decoding

    static Insn absNeg(Decoder dc, String base, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        boolean ftz = q.take("ftz");
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 2);
        int d = dc.dst(ops.get(0), false);
        int a = dc.src(ops.get(1), t);
        boolean abs = base.equals("abs");
        if (t == PtxType.F32) {
            Op1 fn = abs ? (ftz ? v -> (Float.floatToRawIntBits(FloatOps.ftz(FloatOps.f(v))) & 0x7FFFFFFFL) : v -> v & 0x7FFFFFFFL)
                    : (ftz ? v -> (Float.floatToRawIntBits(FloatOps.ftz(FloatOps.f(v))) ^ 0x80000000L) & 0xFFFFFFFFL
                    : v -> (v ^ 0x80000000L) & 0xFFFFFFFFL);
            return new Insns.Un(op, d, a, fn);
        }
        if (ftz) {
            throw dc.unsupported("qualifier .ftz on ." + t.ptx());
        }
        if (t == PtxType.F64) {
            return new Insns.Un(op, d, a, abs ? v -> v & Long.MAX_VALUE : v -> v ^ Long.MIN_VALUE);
        }
        if (t.kind != PtxType.Kind.SIGNED) {
            throw dc.unsupported("type ." + t.ptx() + " for " + base);
        }
        long m = t.mask();
        PtxType tt = t;
        return new Insns.Un(op, d, a, abs ? v -> Math.abs(tt.extend(v)) & m : v -> (-v) & m);
    }

    static Insn special(Decoder dc, String base, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        boolean approx = q.take("approx");
        boolean full = q.take("full");
        int rnd = q.rounding();
        boolean ftz = q.take("ftz");
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 2);
        if (t != PtxType.F32 && t != PtxType.F64) {
            throw dc.unsupported("type ." + t.ptx() + " for " + base);
        }
        return FloatArith.special(dc::err, base, op, t, approx, full, rnd, ftz, dc.dst(ops.get(0), false), dc.src(ops.get(1), t));
    }

    static Insn copysign(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 3);
        int d = dc.dst(ops.get(0), false);
        int a = dc.src(ops.get(1), t);
        int b = dc.src(ops.get(2), t);
        if (t == PtxType.F32) {
            return new Insns.Bin(op, d, a, b, (x, y) -> (y & 0x7FFFFFFFL) | (x & 0x80000000L));
        }
        if (t == PtxType.F64) {
            return new Insns.Bin(op, d, a, b, (x, y) -> (y & Long.MAX_VALUE) | (x & Long.MIN_VALUE));
        }
        throw dc.unsupported("type ." + t.ptx() + " for copysign");
    }

    static Insn testp(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        String what = q.takeAny("finite", "infinite", "number", "notanumber", "normal", "subnormal");
        PtxType t = q.type();
        q.done();
        if (what == null) {
            throw dc.unsupported("testp without a test");
        }
        dc.arity(ops, 2);
        Op1 fn;
        if (t == PtxType.F32) {
            switch (what) {
                case "finite": fn = v -> Float.isFinite(FloatOps.f(v)) ? 1 : 0; break;
                case "infinite": fn = v -> Float.isInfinite(FloatOps.f(v)) ? 1 : 0; break;
                case "number": fn = v -> Float.isNaN(FloatOps.f(v)) ? 0 : 1; break;
                case "notanumber": fn = v -> Float.isNaN(FloatOps.f(v)) ? 1 : 0; break;
                case "normal": fn = v -> {
                    float x = Math.abs(FloatOps.f(v));
                    return x >= Float.MIN_NORMAL && x <= Float.MAX_VALUE ? 1 : 0;
                };
                    break;
                default: fn = v -> {
                    float x = Math.abs(FloatOps.f(v));
                    return x > 0 && x < Float.MIN_NORMAL ? 1 : 0;
                };
                    break;
            }
        } else if (t == PtxType.F64) {
            switch (what) {
                case "finite": fn = v -> Double.isFinite(FloatOps.d(v)) ? 1 : 0; break;
                case "infinite": fn = v -> Double.isInfinite(FloatOps.d(v)) ? 1 : 0; break;
                case "number": fn = v -> Double.isNaN(FloatOps.d(v)) ? 0 : 1; break;
                case "notanumber": fn = v -> Double.isNaN(FloatOps.d(v)) ? 1 : 0; break;
                case "normal": fn = v -> {
                    double x = Math.abs(FloatOps.d(v));
                    return x >= Double.MIN_NORMAL && x <= Double.MAX_VALUE ? 1 : 0;
                };
                    break;
                default: fn = v -> {
                    double x = Math.abs(FloatOps.d(v));
                    return x > 0 && x < Double.MIN_NORMAL ? 1 : 0;
                };
                    break;
            }
        } else {
            throw dc.unsupported("type ." + t.ptx() + " for testp");
        }
        return new Insns.Un(op, dc.dst(ops.get(0), true), dc.src(ops.get(1), t), fn);
    }

    // ------------------------------------------------------------------ semantics

}
