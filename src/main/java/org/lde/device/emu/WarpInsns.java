package org.lde.device.emu;

import java.util.List;

/**
 * Warp-level instructions (shfl.sync, vote, activemask, bar.warp.sync): decoding, semantics and the
 * membermask checks. Tested by {@code WarpLevelTest}.
 */
final class WarpInsns {
    private WarpInsns() {
    }

    // ------------------------------------------------------------------ decoding

    static Insn shfl(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        boolean sync = q.take("sync");
        String mode = q.takeAny("up", "down", "bfly", "idx");
        PtxType t = q.type();
        q.done();
        if (!sync) {
            throw dc.unsupported("shfl without .sync (deprecated form)");
        }
        if (mode == null) {
            throw dc.unsupported("shfl without a mode");
        }
        if (t != PtxType.B32) {
            throw dc.unsupported("type ." + t.ptx() + " for shfl.sync");
        }
        dc.arity(ops, 5);
        int d;
        int p = -1;
        if (ops.get(0) instanceof Ast.Pair pr) {
            d = dc.dst(pr.first(), false);
            p = dc.dst(pr.second(), true);
        } else {
            d = dc.dst(ops.get(0), false);
        }
        int m = mode.equals("up") ? 0 : mode.equals("down") ? 1 : mode.equals("bfly") ? 2 : 3;
        return new WarpInsns.Shfl(op, m, d, p, dc.src(ops.get(1), PtxType.B32), dc.src(ops.get(2), PtxType.B32),
                dc.src(ops.get(3), PtxType.B32), dc.src(ops.get(4), PtxType.B32));
    }

    static Insn activemask(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        q.type();
        q.done();
        dc.arity(ops, 1);
        return new WarpInsns.ActiveMask(op, dc.dst(ops.get(0), false));
    }

    static Insn vote(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        boolean sync = q.take("sync");
        String mode = q.takeAny("all", "any", "uni", "ballot");
        PtxType t = q.type();
        q.done();
        if (mode == null) {
            throw dc.unsupported("vote without a mode");
        }
        int m = mode.equals("all") ? 0 : mode.equals("any") ? 1 : mode.equals("uni") ? 2 : 3;
        if ((m == 3) != (t == PtxType.B32) || (m != 3 && t != PtxType.PRED)) {
            throw dc.unsupported("type ." + t.ptx() + " for vote." + mode);
        }
        dc.arity(ops, sync ? 3 : 2);
        Ast.Opnd a = ops.get(1);
        boolean neg = a instanceof Ast.Not;
        if (neg) {
            a = ((Ast.Not) a).inner();
        }
        return new WarpInsns.Vote(op, m, dc.dst(ops.get(0), m != 3), dc.src(a, PtxType.PRED), neg,
                sync ? dc.src(ops.get(2), PtxType.B32) : -1);
    }

    // ------------------------------------------------------------------ semantics

    static String lanes(int m) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (int x = m; x != 0 && shown < 8; x &= x - 1, shown++) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(Integer.numberOfTrailingZeros(x));
        }
        if (Integer.bitCount(m) > 8) {
            sb.append(", ...");
        }
        return sb.toString();
    }

    /** Checks that every lane named by a membermask executes this instruction now. */
    static void checkMembers(Launch x, Warp w, Insn in, int em, int[] memberMasks) {
        for (int m = em; m != 0; m &= m - 1) {
            int l = Integer.numberOfTrailingZeros(m);
            int mm = memberMasks[l];
            int absent = mm & ~em;
            if (absent != 0) {
                String why;
                int al = Integer.numberOfTrailingZeros(absent);
                if (((w.live >>> al) & 1) == 0) {
                    why = "lane " + al + " has exited or does not exist in this block";
                } else {
                    Insn at = x.k.code[Math.min(w.pc[al], x.k.code.length - 1)];
                    why = "lane " + al + " is not executing it (it is inactive, at " + at.site + ")";
                }
                throw x.fault(w, l, in, in.opcode + " membermask 0x" + Integer.toHexString(mm)
                        + " names lanes that are absent: " + lanes(absent) + " (" + why + ")");
            }
            if ((mm >>> l & 1) == 0) {
                throw x.fault(w, l, in, in.opcode + " is executed by lane " + l + " which is not in its membermask 0x"
                        + Integer.toHexString(mm));
            }
        }
    }

    /** shfl.sync.{up,down,bfly,idx}.b32 d[|p], a, b, c, membermask (PTX ISA semantics of b and c). */
    static final class Shfl extends Insn {
        final int mode; // 0 up, 1 down, 2 bfly, 3 idx
        final int d;
        final int p;
        final int a;
        final int b;
        final int c;
        final int mm;

        Shfl(String op, int mode, int d, int p, int a, int b, int c, int mm) {
            super(op);
            this.mode = mode;
            this.d = d;
            this.p = p;
            this.a = a;
            this.b = b;
            this.c = c;
            this.mm = mm;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            int[] masks = x.laneInts;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                masks[l] = (int) r[mm + l];
            }
            checkMembers(x, w, this, em, masks);
            long[] vals = x.laneLongs;
            for (int l = 0; l < 32; l++) {
                vals[l] = r[a + l];
            }
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                int bval = (int) r[b + l] & 31;
                int cv = (int) r[c + l];
                int cval = cv & 31;
                int segmask = (cv >>> 8) & 31;
                int maxLane = (l & segmask) | (cval & ~segmask);
                int minLane = l & segmask;
                int j;
                boolean pv;
                switch (mode) {
                    case 0: j = l - bval; pv = j >= maxLane; break;
                    case 1: j = l + bval; pv = j <= maxLane; break;
                    case 2: j = l ^ bval; pv = j <= maxLane; break;
                    default: j = minLane | (bval & ~segmask); pv = j <= maxLane; break;
                }
                if (!pv) {
                    j = l;
                }
                if (((em >>> j) & 1) == 0) {
                    throw x.fault(w, l, this, opcode + " reads lane " + j + " which is not executing it (value undefined)");
                }
                r[d + l] = vals[j] & 0xFFFFFFFFL;
                if (p >= 0) {
                    r[p + l] = pv ? 1 : 0;
                }
            }
        }
    }

    /** vote.sync.{all,any,uni}.pred and vote.sync.ballot.b32 (and the legacy forms without .sync). */
    static final class Vote extends Insn {
        final int mode; // 0 all, 1 any, 2 uni, 3 ballot
        final int d;
        final int a;
        final boolean aNeg;
        final int mm; // -1: legacy, the active lanes

        Vote(String op, int mode, int d, int a, boolean aNeg, int mm) {
            super(op);
            this.mode = mode;
            this.d = d;
            this.a = a;
            this.aNeg = aNeg;
            this.mm = mm;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            int[] masks = x.laneInts;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                masks[l] = mm >= 0 ? (int) r[mm + l] : em;
            }
            if (mm >= 0) {
                checkMembers(x, w, this, em, masks);
            }
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                int members = masks[l];
                int ballot = 0;
                for (int t = members; t != 0; t &= t - 1) {
                    int j = Integer.numberOfTrailingZeros(t);
                    if ((r[a + j] != 0) != aNeg) {
                        ballot |= 1 << j;
                    }
                }
                long v;
                switch (mode) {
                    case 0: v = ballot == members ? 1 : 0; break;
                    case 1: v = ballot != 0 ? 1 : 0; break;
                    case 2: v = (ballot == 0 || ballot == members) ? 1 : 0; break;
                    default: v = ballot & 0xFFFFFFFFL; break;
                }
                x.laneLongs[l] = v;
            }
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                r[d + l] = x.laneLongs[l];
            }
        }
    }

    /** activemask.b32 d: the lanes executing this instruction together. */
    static final class ActiveMask extends Insn {
        final int d;

        ActiveMask(String op, int d) {
            super(op);
            this.d = d;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            for (int m = em; m != 0; m &= m - 1) {
                w.r[d + Integer.numberOfTrailingZeros(m)] = em & 0xFFFFFFFFL;
            }
        }
    }

    /** bar.warp.sync membermask: in lockstep it only checks that the named lanes are all here. */
    static final class WarpSync extends Insn {
        final int mm;

        WarpSync(String op, int mm) {
            super(op);
            this.mm = mm;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            int[] masks = x.laneInts;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                masks[l] = (int) w.r[mm + l];
            }
            checkMembers(x, w, this, em, masks);
            w.syncs++;
        }
    }
}
