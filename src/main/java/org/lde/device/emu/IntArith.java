package org.lde.device.emu;

import java.util.List;

import org.lde.device.emu.Insns.Op2;
import org.lde.device.emu.Insns.Op3;

/**
 * Integer arithmetic as PTX defines it. Division by zero (undefined in PTX) gives all ones for
 * div (the value NVIDIA hardware produces for unsigned division; signed division gives -1 too), and
 * rem by zero gives the dividend. {@code INT_MIN / -1} gives {@code INT_MIN}, its remainder 0.
 */
final class IntArith {
    private IntArith() {
    }

    static Insn build(Errors e, String base, String op, PtxType t, String hl, boolean sat, int d, List<Ast.Opnd> ops,
                      Errors.Src s) {
        long m = t.mask();
        int bits = t.bits;
        boolean signed = t.isSigned();
        if (sat && !(t == PtxType.S32 && (base.equals("add") || base.equals("sub") || (base.equals("mad") && "hi".equals(hl))))) {
            throw e.unsupported("qualifier .sat on " + base + "." + t.ptx());
        }
        switch (base) {
            case "add":
            case "sub": {
                if (hl != null) {
                    throw e.unsupported("qualifier ." + hl + " on " + base);
                }
                boolean add = base.equals("add");
                Op2 fn;
                if (sat) {
                    fn = add ? (a, b) -> clampS32((long) (int) a + (int) b) : (a, b) -> clampS32((long) (int) a - (int) b);
                } else {
                    fn = add ? (a, b) -> (a + b) & m : (a, b) -> (a - b) & m;
                }
                return new Insns.Bin(op, d, s.src(ops.get(1), t), s.src(ops.get(2), t), fn);
            }
            case "mul":
            case "mad": {
                if (hl == null) {
                    throw e.unsupported(base + " on an integer type without .lo, .hi or .wide");
                }
                boolean mad = base.equals("mad");
                if (hl.equals("wide")) {
                    if (bits == 64) {
                        throw e.unsupported(base + ".wide on a 64-bit type");
                    }
                    PtxType wt = PtxType.parse((signed ? "s" : "u") + (2 * bits));
                    long wm = wt.mask();
                    Op2 mul = signed ? (a, b) -> (t.extend(a) * t.extend(b)) & wm : (a, b) -> ((a & m) * (b & m)) & wm;
                    int a = s.src(ops.get(1), t);
                    int b = s.src(ops.get(2), t);
                    if (!mad) {
                        return new Insns.Bin(op, d, a, b, mul);
                    }
                    return new Insns.Tri(op, d, a, b, s.src(ops.get(3), wt), (x, y, z) -> (mul.ap(x, y) + z) & wm);
                }
                Op2 mul;
                if (hl.equals("lo")) {
                    mul = (a, b) -> (a * b) & m;
                } else if (bits == 64) {
                    mul = signed ? (a, b) -> Math.multiplyHigh(a, b) : IntArith::mulHighUnsigned;
                } else {
                    int sh = bits;
                    mul = signed ? (a, b) -> ((t.extend(a) * t.extend(b)) >> sh) & m : (a, b) -> (((a & m) * (b & m)) >>> sh) & m;
                }
                int a = s.src(ops.get(1), t);
                int b = s.src(ops.get(2), t);
                if (!mad) {
                    return new Insns.Bin(op, d, a, b, mul);
                }
                Op3 fn = sat ? (x, y, z) -> clampS32(((t.extend(x) * t.extend(y)) >> 32) + (int) z)
                        : (x, y, z) -> (mul.ap(x, y) + z) & m;
                return new Insns.Tri(op, d, a, b, s.src(ops.get(3), t), fn);
            }
            case "div":
            case "rem": {
                if (hl != null) {
                    throw e.unsupported("qualifier ." + hl + " on " + base);
                }
                boolean div = base.equals("div");
                Op2 fn;
                if (bits == 64) {
                    if (signed) {
                        fn = div ? (a, b) -> b == 0 ? -1L : (b == -1 ? -a : a / b) : (a, b) -> b == 0 ? a : (b == -1 ? 0 : a % b);
                    } else {
                        fn = div ? (a, b) -> b == 0 ? -1L : Long.divideUnsigned(a, b) : (a, b) -> b == 0 ? a : Long.remainderUnsigned(a, b);
                    }
                } else if (signed) {
                    fn = div ? (a, b) -> {
                        long x = t.extend(a);
                        long y = t.extend(b);
                        return (y == 0 ? -1L : x / y) & m;
                    } : (a, b) -> {
                        long x = t.extend(a);
                        long y = t.extend(b);
                        return (y == 0 ? x : x % y) & m;
                    };
                } else {
                    fn = div ? (a, b) -> (b & m) == 0 ? m : ((a & m) / (b & m)) : (a, b) -> (b & m) == 0 ? a & m : ((a & m) % (b & m));
                }
                return new Insns.Bin(op, d, s.src(ops.get(1), t), s.src(ops.get(2), t), fn);
            }
            case "min":
            case "max": {
                if (hl != null) {
                    throw e.unsupported("qualifier ." + hl + " on " + base);
                }
                boolean min = base.equals("min");
                Op2 fn;
                if (signed) {
                    fn = min ? (a, b) -> Math.min(t.extend(a), t.extend(b)) & m : (a, b) -> Math.max(t.extend(a), t.extend(b)) & m;
                } else {
                    fn = min ? (a, b) -> Long.compareUnsigned(a & m, b & m) <= 0 ? a & m : b & m
                            : (a, b) -> Long.compareUnsigned(a & m, b & m) >= 0 ? a & m : b & m;
                }
                return new Insns.Bin(op, d, s.src(ops.get(1), t), s.src(ops.get(2), t), fn);
            }
            default:
                throw e.unsupported("integer form of " + base);
        }
    }

    static long clampS32(long v) {
        if (v > Integer.MAX_VALUE) {
            return Integer.MAX_VALUE;
        }
        if (v < Integer.MIN_VALUE) {
            return Integer.MIN_VALUE & 0xFFFFFFFFL;
        }
        return v & 0xFFFFFFFFL;
    }

    static long mulHighUnsigned(long a, long b) {
        long h = Math.multiplyHigh(a, b);
        return h + ((a >> 63) & b) + ((b >> 63) & a);
    }

    /** bfe: extracts {@code len} bits at {@code pos} (each 0..255), sign-filled for signed types. */
    static long bfe(long a, int pos, int len, int width, boolean signed) {
        int msb = width - 1;
        long sbit;
        if (!signed || len == 0) {
            sbit = 0;
        } else {
            int i = Math.min(pos + len - 1, msb);
            sbit = (a >>> i) & 1;
        }
        long d = 0;
        for (int i = 0; i < width; i++) {
            long bit = (i < len && pos + i <= msb) ? (a >>> (pos + i)) & 1 : sbit;
            d |= bit << i;
        }
        return d;
    }

    /** bfi: inserts the low {@code len} bits of {@code a} into {@code b} at {@code pos}. */
    static long bfi(long a, long b, int pos, int len, int width) {
        long f = b;
        for (int i = 0; i < len && pos + i < width; i++) {
            long bit = (a >>> i) & 1;
            f = (f & ~(1L << (pos + i))) | (bit << (pos + i));
        }
        return width == 64 ? f : f & 0xFFFFFFFFL;
    }

    /** lop3.b32: the boolean function with truth table {@code lut} (F(0xF0, 0xCC, 0xAA)) applied bitwise. */
    static long lop3(long a, long b, long c, int lut) {
        long d = 0;
        for (int idx = 0; idx < 8; idx++) {
            if (((lut >>> idx) & 1) == 0) {
                continue;
            }
            long ma = (idx & 4) != 0 ? a : ~a;
            long mb = (idx & 2) != 0 ? b : ~b;
            long mc = (idx & 1) != 0 ? c : ~c;
            d |= ma & mb & mc;
        }
        return d & 0xFFFFFFFFL;
    }

    /** prmt.b32 default mode: each selector nibble picks a byte of {b, a}; bit 3 replicates its sign. */
    static int prmt(int a, int b, int c) {
        long src = ((b & 0xFFFFFFFFL) << 32) | (a & 0xFFFFFFFFL);
        int r = 0;
        for (int i = 0; i < 4; i++) {
            int sel = (c >>> (4 * i)) & 0xF;
            int byteV = (int) (src >>> (8 * (sel & 7))) & 0xFF;
            if ((sel & 8) != 0) {
                byteV = (byteV & 0x80) != 0 ? 0xFF : 0;
            }
            r |= byteV << (8 * i);
        }
        return r;
    }

    /** The update function new = f(old, b) of an atomic operation. */
    static Op2 atomicOp(Errors e, String aop, PtxType t) {
        long m = t.mask();
        boolean signed = t.isSigned();
        switch (aop) {
            case "add":
                if (t == PtxType.F32) {
                    // atom.add.f32 rounds to nearest and flushes subnormal inputs and results (PTX ISA)
                    return (old, b) -> FloatOps.bits(FloatOps.ftz(FloatOps.ftz(FloatOps.f(old)) + FloatOps.ftz(FloatOps.f(b))));
                }
                if (t == PtxType.F64) {
                    return (old, b) -> FloatOps.bits(FloatOps.d(old) + FloatOps.d(b));
                }
                if (t.kind == PtxType.Kind.BITS || t == PtxType.S64) {
                    if (t == PtxType.S64) {
                        return (old, b) -> old + b;
                    }
                    throw e.unsupported("type ." + t.ptx() + " for atom.add");
                }
                return (old, b) -> (old + b) & m;
            case "min":
            case "max": {
                boolean min = aop.equals("min");
                if (t.isFloat() || t.kind == PtxType.Kind.BITS) {
                    throw e.unsupported("type ." + t.ptx() + " for atom." + aop);
                }
                if (signed) {
                    return min ? (old, b) -> Math.min(t.extend(old), t.extend(b)) & m : (old, b) -> Math.max(t.extend(old), t.extend(b)) & m;
                }
                return min ? (old, b) -> Long.compareUnsigned(old & m, b & m) <= 0 ? old & m : b & m
                        : (old, b) -> Long.compareUnsigned(old & m, b & m) >= 0 ? old & m : b & m;
            }
            case "exch":
                return (old, b) -> b & m;
            case "and":
                return (old, b) -> old & b & m;
            case "or":
                return (old, b) -> (old | b) & m;
            case "xor":
                return (old, b) -> (old ^ b) & m;
            case "inc":
                if (t != PtxType.U32) {
                    throw e.unsupported("type ." + t.ptx() + " for atom.inc");
                }
                return (old, b) -> Long.compareUnsigned(old & m, b & m) >= 0 ? 0 : (old + 1) & m;
            case "dec":
                if (t != PtxType.U32) {
                    throw e.unsupported("type ." + t.ptx() + " for atom.dec");
                }
                return (old, b) -> ((old & m) == 0 || Long.compareUnsigned(old & m, b & m) > 0) ? b & m : (old - 1) & m;
            default:
                throw e.unsupported("atomic operation ." + aop);
        }
    }
}
