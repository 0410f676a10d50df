package org.lde.device.emu;

import java.util.List;

import org.lde.device.emu.Insns.Op2;
import org.lde.device.emu.Insns.Op3;

/**
 * Comparison and selection instructions (setp, set, selp, slct): decoding and semantics; comparisons are
 * {@link Compare}'s. Tested by {@code IntInsnTest} and {@code FloatInsnTest}.
 */
final class SelectInsns {
    private SelectInsns() {
    }

    // ------------------------------------------------------------------ decoding

    static Insn selp(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 4);
        boolean neg = ops.get(3) instanceof Ast.Not;
        Ast.Opnd c = neg ? ((Ast.Not) ops.get(3)).inner() : ops.get(3);
        return new SelectInsns.Selp(op, dc.dst(ops.get(0), t == PtxType.PRED), dc.src(ops.get(1), t), dc.src(ops.get(2), t),
                dc.src(c, PtxType.PRED), neg, t.mask());
    }

    static Insn slct(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        boolean ftz = q.take("ftz");
        PtxType ct = q.type();
        PtxType t = q.type();
        q.done();
        dc.arity(ops, 4);
        long m = t.mask();
        Op3 fn;
        if (ct == PtxType.S32) {
            fn = (a, b, c) -> ((int) c >= 0 ? a : b) & m;
        } else if (ct == PtxType.F32) {
            fn = (a, b, c) -> {
                float cv = FloatOps.f(c);
                if (ftz) {
                    cv = FloatOps.ftz(cv);
                }
                return (cv >= 0f ? a : b) & m;
            };
        } else {
            throw dc.unsupported("comparison type ." + ct.ptx() + " for slct (only .s32 and .f32)");
        }
        return new Insns.Tri(op, dc.dst(ops.get(0), false), dc.src(ops.get(1), t), dc.src(ops.get(2), t), dc.src(ops.get(3), ct), fn);
    }

    static Insn setp(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops, boolean isSet) {
        String cmpName = q.takeAny("eq", "ne", "lt", "le", "gt", "ge", "lo", "ls", "hi", "hs", "equ", "neu", "ltu", "leu",
                "gtu", "geu", "num", "nan");
        if (cmpName == null) {
            throw dc.unsupported("comparison (missing or unknown comparison operator)");
        }
        String boolName = q.takeAny("and", "or", "xor");
        boolean ftz = q.take("ftz");
        PtxType st = q.type(); // the last type: set.cmp.dtype.stype has the source type last
        PtxType dt = isSet ? q.type() : PtxType.PRED;
        q.done();
        if (ftz && st != PtxType.F32) {
            throw dc.unsupported("qualifier .ftz on ." + st.ptx());
        }
        Op2 cmp = Compare.build(dc::err, cmpName, st, ftz);
        int boolOp = boolName == null ? 0 : (boolName.equals("and") ? 1 : boolName.equals("or") ? 2 : 3);
        int n = ops.size();
        if (n != (boolOp == 0 ? 3 : 4)) {
            throw dc.err("expected " + (boolOp == 0 ? 3 : 4) + " operands but found " + n);
        }
        int p;
        int qq = -1;
        if (ops.get(0) instanceof Ast.Pair pr) {
            if (isSet) {
                throw dc.unsupported("pair destination for set");
            }
            p = dc.dst(pr.first(), true);
            qq = dc.dst(pr.second(), true);
        } else {
            p = dc.dst(ops.get(0), !isSet);
        }
        int c = -1;
        boolean cNeg = false;
        if (boolOp != 0) {
            Ast.Opnd co = ops.get(3);
            if (co instanceof Ast.Not nt) {
                cNeg = true;
                co = nt.inner();
            }
            c = dc.src(co, PtxType.PRED);
        }
        long tv = 1;
        if (isSet) {
            if (dt == PtxType.F32) {
                tv = Float.floatToRawIntBits(1.0f) & 0xFFFFFFFFL;
            } else if (dt == PtxType.U32 || dt == PtxType.S32) {
                tv = 0xFFFFFFFFL;
            } else {
                throw dc.unsupported("destination type ." + dt.ptx() + " for set");
            }
        }
        return new SelectInsns.Setp(op, p, qq, dc.src(ops.get(1), st), dc.src(ops.get(2), st), cmp, boolOp, c, cNeg, tv);
    }

    // ------------------------------------------------------------------ semantics

    /**
     * setp / set: t = cmp(a, b) in {0,1}; with a boolean op and operand c: p = t OP c, q = !t OP c.
     * {@code trueValue} is what d receives for true (1 for a predicate, all ones or 1.0f for set).
     */
    static final class Setp extends Insn {
        final int p;
        final int q;
        final int a;
        final int b;
        final Op2 cmp;
        final int boolOp; // 0 none, 1 and, 2 or, 3 xor
        final int c;
        final boolean cNeg;
        final long trueValue;

        Setp(String op, int p, int q, int a, int b, Op2 cmp, int boolOp, int c, boolean cNeg, long trueValue) {
            super(op);
            this.p = p;
            this.q = q;
            this.a = a;
            this.b = b;
            this.cmp = cmp;
            this.boolOp = boolOp;
            this.c = c;
            this.cNeg = cNeg;
            this.trueValue = trueValue;
        }

        private static boolean comb(int op, boolean t, boolean c) {
            switch (op) {
                case 1: return t & c;
                case 2: return t | c;
                case 3: return t ^ c;
                default: return t;
            }
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                boolean t = cmp.ap(r[a + l], r[b + l]) != 0;
                boolean cv = boolOp != 0 && ((r[c + l] != 0) != cNeg);
                r[p + l] = comb(boolOp, t, cv) ? trueValue : 0;
                if (q >= 0) {
                    r[q + l] = comb(boolOp, !t, cv) ? trueValue : 0;
                }
            }
        }
    }

    /** selp: d = c ? a : b (c a predicate, possibly negated). */
    static final class Selp extends Insn {
        final int d;
        final int a;
        final int b;
        final int c;
        final boolean cNeg;
        final long mask;

        Selp(String op, int d, int a, int b, int c, boolean cNeg, long mask) {
            super(op);
            this.d = d;
            this.a = a;
            this.b = b;
            this.c = c;
            this.cNeg = cNeg;
            this.mask = mask;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                r[d + l] = (((r[c + l] != 0) != cNeg) ? r[a + l] : r[b + l]) & mask;
            }
        }
    }
}
