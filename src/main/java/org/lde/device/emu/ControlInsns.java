package org.lde.device.emu;

import java.util.List;

/**
 * Control flow and block synchronisation (bra, ret, exit, trap, brkpt, bar.sync, barrier.sync, bar.red,
 * membar, fence): decoding and semantics; the block scheduler in {@link Launch} releases barriers. Tested
 * by {@code CallTest}, {@code WarpLevelTest} and {@code SanitizerTest}.
 */
final class ControlInsns {
    private ControlInsns() {
    }

    // ------------------------------------------------------------------ decoding

    static Insn bra(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        q.ignore("uni");
        q.done();
        dc.arity(ops, 1);
        if (!(ops.get(0) instanceof Ast.Name n) || !dc.fr.labelNames.contains(n.id())) {
            throw dc.err("branch target " + Decoder.describe(ops.get(0)) + " is not a label of " + dc.fr.fn.name);
        }
        ControlInsns.Bra b = new ControlInsns.Bra(op, -1);
        dc.fr.pending.add(b);
        dc.fr.pendingLabels.add(((Ast.Name) ops.get(0)).id());
        return b;
    }

    static Insn exit(Decoder dc, String base, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        q.ignore("uni");
        q.done();
        dc.arity(ops, 0);
        if (base.equals("ret") && dc.fr.parent != null) {
            ControlInsns.Bra r = new ControlInsns.Bra(op, -1);
            dc.fr.rets.add(r);
            return r;
        }
        return new ControlInsns.Exit(op);
    }

    static Insn trap(String op) {
        return new ControlInsns.Trap(op);
    }

    static Insn fence(String op) {
        return new Insns.Nop(op);
    }

    static Insn barrier(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        if (q.take("warp")) {
            q.take("sync");
            q.done();
            dc.arity(ops, 1);
            return new WarpInsns.WarpSync(op, dc.src(ops.get(0), PtxType.B32));
        }
        boolean sync = q.take("sync");
        // bar.* is barrier.*.aligned: every thread of the block must execute it (checked at release)
        boolean aligned = q.take("aligned") || op.startsWith("bar.");
        if (q.take("red")) {
            String mode = q.takeAny("popc", "and", "or");
            PtxType t = q.type();
            q.done();
            if (mode == null || (mode.equals("popc") != (t == PtxType.U32)) || (!mode.equals("popc") && t != PtxType.PRED)) {
                throw dc.unsupported("bar.red form (popc.u32, and.pred, or.pred are supported)");
            }
            if (ops.size() != 3) {
                throw dc.unsupported("bar.red operand form (expected d, 0, {!}c)");
            }
            if (!isZero(ops.get(1))) {
                throw dc.unsupported("barrier number other than the literal 0");
            }
            Ast.Opnd c = ops.get(2);
            boolean neg = c instanceof Ast.Not;
            if (neg) {
                c = ((Ast.Not) c).inner();
            }
            int m = mode.equals("popc") ? 0 : mode.equals("and") ? 1 : 2;
            ControlInsns.Bar b = new ControlInsns.BarRed(op, m, dc.dst(ops.get(0), m != 0), dc.src(c, PtxType.PRED), neg);
            b.aligned = aligned;
            return b;
        }
        if (q.take("arrive")) {
            throw dc.unsupported("barrier form bar.arrive");
        }
        if (!sync && !q.q.isEmpty()) {
            q.done();
        }
        q.done();
        if (ops.size() > 1) {
            throw dc.unsupported("barrier with a thread count (only bar.sync with barrier 0 and all threads)");
        }
        if (ops.size() == 1) {
            if (!isZero(ops.get(0))) {
                throw dc.unsupported("barrier number other than the literal 0");
            }
        }
        ControlInsns.Bar b = new ControlInsns.Bar(op);
        b.aligned = aligned;
        return b;
    }

    static boolean isZero(Ast.Opnd o) {
        if (!(o instanceof Ast.Num num)) {
            return false;
        }
        try {
            return Literals.parseInt(num.text()) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ semantics

    /** trap / brkpt: stops the launch. */
    static final class Trap extends Insn {
        Trap(String op) {
            super(op);
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            throw x.fault(w, Integer.numberOfTrailingZeros(em), this, opcode + " executed");
        }
    }

    /** bra: lanes whose guard holds jump to {@code target}; the others fall through. */
    static final class Bra extends Insn {
        int target;

        Bra(String op, int target) {
            super(op);
            this.target = target;
        }

        @Override
        boolean isControl() {
            return true;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            throw new IllegalStateException();
        }

        @Override
        void control(Launch x, Warp w, int mask, int em) {
            int[] pcs = w.pc;
            for (int m = mask; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                pcs[l] = ((em >>> l) & 1) != 0 ? target : pc + 1;
            }
        }
    }

    /** ret / exit: the lanes whose guard holds exit. */
    static final class Exit extends Insn {
        Exit(String op) {
            super(op);
        }

        @Override
        boolean isControl() {
            return true;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            throw new IllegalStateException();
        }

        @Override
        void control(Launch x, Warp w, int mask, int em) {
            w.live &= ~em;
            w.exited |= em;
            for (int m = mask & ~em; m != 0; m &= m - 1) {
                w.pc[Integer.numberOfTrailingZeros(m)] = pc + 1;
            }
        }
    }

    /** bar.sync / barrier.sync: the lanes wait; the block releases them when all live threads wait. */
    static class Bar extends Insn {
        /**
         * .aligned (every bar.* form): all threads of the block execute this barrier, so reaching it after
         * other threads exited is an error. The PTX ISA lets exited threads not hold up a non-aligned
         * barrier.sync ("wait for non-exited threads"), which the emulator accepts.
         */
        boolean aligned;

        Bar(String op) {
            super(op);
        }

        @Override
        boolean isControl() {
            return true;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            throw new IllegalStateException();
        }

        @Override
        void control(Launch x, Warp w, int mask, int em) {
            w.waiting |= em;
            for (int m = mask & ~em; m != 0; m &= m - 1) {
                w.pc[Integer.numberOfTrailingZeros(m)] = pc + 1;
            }
        }
    }

    /**
     * bar.red.{popc.u32, and.pred, or.pred} d, 0, {!}c: a block barrier that also reduces predicate c
     * over all threads waiting at it; every thread receives the result when the barrier releases.
     */
    static final class BarRed extends Bar {
        final int mode; // 0 popc, 1 and, 2 or
        final int d;
        final int c;
        final boolean cNeg;

        BarRed(String op, int mode, int d, int c, boolean cNeg) {
            super(op);
            this.mode = mode;
            this.d = d;
            this.c = c;
            this.cNeg = cNeg;
        }

        /** Called by the block when every live thread waits here: computes and delivers the result. */
        void release(Warp[] warps) {
            long count = 0;
            long total = 0;
            for (Warp w : warps) {
                for (int m = w.waiting; m != 0; m &= m - 1) {
                    int l = Integer.numberOfTrailingZeros(m);
                    total++;
                    if ((w.r[c + l] != 0) != cNeg) {
                        count++;
                    }
                }
            }
            long v = mode == 0 ? count : mode == 1 ? (count == total ? 1 : 0) : (count != 0 ? 1 : 0);
            for (Warp w : warps) {
                for (int m = w.waiting; m != 0; m &= m - 1) {
                    w.r[d + Integer.numberOfTrailingZeros(m)] = v;
                }
            }
        }
    }
}
