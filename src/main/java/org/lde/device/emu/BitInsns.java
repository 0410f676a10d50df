package org.lde.device.emu;

import java.util.List;

import org.lde.device.emu.Insns.Op1;
import org.lde.device.emu.Insns.Op2;

/**
 * Logic and shift instructions of the PTX ISA (and, or, xor, not, cnot, shl, shr, bfe, bfi, popc, clz, brev,
 * prmt, lop3): decoding here, semantics in the {@link Insns} lane loops with the bit functions of
 * {@link IntArith}; tested by {@code IntInsnTest}.
 */
final class BitInsns {
    private BitInsns() {
    }

    // ------------------------------------------------------------------ decoding

    static Insn logic(Decoder dc, String base, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 3);
        boolean pred = t == PtxType.PRED;
        if (!pred && t.kind != PtxType.Kind.BITS) {
            throw dc.unsupported("type ." + t.ptx() + " for " + base + " (use .pred or .bN)");
        }
        int d = dc.dst(ops.get(0), pred);
        int a = srcNoNegation(dc, ops.get(1), t);
        int b = srcNoNegation(dc, ops.get(2), t);
        long m = t.mask();
        Op2 fn;
        switch (base) {
            case "and": fn = (x, y) -> (x & y) & m; break;
            case "or": fn = (x, y) -> (x | y) & m; break;
            default: fn = (x, y) -> (x ^ y) & m; break;
        }
        return new Insns.Bin(op, d, a, b, fn);
    }

    /** Negated predicate operands ({@code !%p}) become a slot holding the negation via a helper insn. */
    static int srcNoNegation(Decoder dc, Ast.Opnd o, PtxType t) {
        if (o instanceof Ast.Not) {
            throw dc.unsupported("negated operand " + Decoder.describe(((Ast.Not) o).inner()) + " in this position");
        }
        return dc.src(o, t);
    }

    static Insn notOp(Decoder dc, String base, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 2);
        boolean pred = t == PtxType.PRED;
        if (!pred && t.kind != PtxType.Kind.BITS) {
            throw dc.unsupported("type ." + t.ptx() + " for " + base);
        }
        if (pred && base.equals("cnot")) {
            throw dc.unsupported("type .pred for cnot");
        }
        long m = t.mask();
        int d = dc.dst(ops.get(0), pred);
        int a = dc.src(ops.get(1), t);
        if (base.equals("not")) {
            return new Insns.Un(op, d, a, v -> ~v & m);
        }
        return new Insns.Un(op, d, a, v -> (v & m) == 0 ? 1 : 0);
    }

    static Insn shift(Decoder dc, String base, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 3);
        if (t == PtxType.PRED || t.isFloat()) {
            throw dc.unsupported("type ." + t.ptx() + " for " + base);
        }
        int bits = t.bits;
        long m = t.mask();
        int d = dc.dst(ops.get(0), false);
        int a = dc.src(ops.get(1), t);
        int b = dc.src(ops.get(2), PtxType.U32);
        Op2 fn;
        if (base.equals("shl")) {
            fn = (x, n) -> (n & 0xFFFFFFFFL) >= bits ? 0 : (x << n) & m;
        } else if (t.kind == PtxType.Kind.SIGNED) {
            PtxType tt = t;
            fn = (x, n) -> (tt.extend(x) >> Math.min(n & 0xFFFFFFFFL, bits - 1)) & m;
        } else {
            fn = (x, n) -> (n & 0xFFFFFFFFL) >= bits ? 0 : ((x & m) >>> n) & m;
        }
        return new Insns.Bin(op, d, a, b, fn);
    }

    static Insn bfe(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 4);
        if (t != PtxType.U32 && t != PtxType.S32 && t != PtxType.U64 && t != PtxType.S64) {
            throw dc.unsupported("type ." + t.ptx() + " for bfe");
        }
        int width = t.bits;
        boolean signed = t.isSigned();
        long m = t.mask();
        return new Insns.Tri(op, dc.dst(ops.get(0), false), dc.src(ops.get(1), t), dc.src(ops.get(2), PtxType.U32),
                dc.src(ops.get(3), PtxType.U32), (a, b, c) -> IntArith.bfe(a, (int) (b & 0xFF), (int) (c & 0xFF), width, signed) & m);
    }

    static Insn bfi(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 5);
        if (t != PtxType.B32 && t != PtxType.B64) {
            throw dc.unsupported("type ." + t.ptx() + " for bfi");
        }
        int width = t.bits;
        return new Insns.Quad(op, dc.dst(ops.get(0), false), dc.src(ops.get(1), t), dc.src(ops.get(2), t), dc.src(ops.get(3), PtxType.U32),
                dc.src(ops.get(4), PtxType.U32), (a, b, c, e) -> IntArith.bfi(a, b, (int) (c & 0xFF), (int) (e & 0xFF), width));
    }

    static Insn bitCount(Decoder dc, String base, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 2);
        if (t != PtxType.B32 && t != PtxType.B64) {
            throw dc.unsupported("type ." + t.ptx() + " for " + base);
        }
        boolean b64 = t == PtxType.B64;
        Op1 fn;
        switch (base) {
            case "popc": fn = b64 ? v -> Long.bitCount(v) : v -> Integer.bitCount((int) v); break;
            case "clz": fn = b64 ? v -> Long.numberOfLeadingZeros(v) : v -> Integer.numberOfLeadingZeros((int) v); break;
            default: fn = b64 ? v -> Long.reverse(v) : v -> Integer.reverse((int) v) & 0xFFFFFFFFL; break;
        }
        return new Insns.Un(op, dc.dst(ops.get(0), false), dc.src(ops.get(1), t), fn);
    }

    static Insn lop3(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        if (t != PtxType.B32) {
            throw dc.unsupported("type ." + t.ptx() + " for lop3");
        }
        dc.arity(ops, 5);
        // bit i of d is bit ((a_i << 2) | (b_i << 1) | c_i) of the 8-bit lookup table immLut
        return new Insns.Quad(op, dc.dst(ops.get(0), false), dc.src(ops.get(1), t), dc.src(ops.get(2), t), dc.src(ops.get(3), t),
                dc.src(ops.get(4), PtxType.U32), (a, b, c, lut) -> IntArith.lop3(a, b, c, (int) lut & 0xFF));
    }

    static Insn prmt(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        String mode = q.takeAny("f4e", "b4e", "rc8", "ecl", "ecr", "rc16");
        q.done();
        if (mode != null) {
            throw dc.unsupported("prmt mode ." + mode);
        }
        if (t != PtxType.B32) {
            throw dc.unsupported("type ." + t.ptx() + " for prmt");
        }
        dc.arity(ops, 4);
        return new Insns.Tri(op, dc.dst(ops.get(0), false), dc.src(ops.get(1), t), dc.src(ops.get(2), t), dc.src(ops.get(3), t),
                (a, b, c) -> IntArith.prmt((int) a, (int) b, (int) c) & 0xFFFFFFFFL);
    }

    // ------------------------------------------------------------------ semantics

}
