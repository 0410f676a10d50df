package org.lde.device.emu;

import java.util.List;

import org.lde.device.emu.Insns.Op2;

/**
 * Data-movement instructions of the state spaces (ld, ldu, st, atom, red, cvta): decoding, semantics
 * with the sanitizer's checks ({@link Launch#resolve}) and the memory counters. Tested by
 * {@code SpacesAndSpecialsTest}, {@code SanitizerTest} and {@code WarpLevelTest} (atomics).
 */
final class MemoryInsns {
    private MemoryInsns() {
    }

    // ------------------------------------------------------------------ decoding

    static Insn cvta(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        boolean to = q.take("to");
        String space = q.takeAny("global", "shared", "local", "const", "param");
        PtxType t = q.type();
        q.done();
        if (space == null) {
            throw dc.unsupported("cvta without a state space");
        }
        if (t != PtxType.U64 && t != PtxType.U32 && t != PtxType.B64 && t != PtxType.B32) {
            throw dc.unsupported("type ." + t.ptx() + " for cvta");
        }
        dc.arity(ops, 2);
        long window;
        switch (space) {
            case "shared": window = Launch.SHARED_WINDOW; break;
            case "local": window = Launch.LOCAL_WINDOW; break;
            case "const": window = Launch.CONST_WINDOW; break;
            case "param": window = Launch.PARAM_WINDOW; break;
            default: window = 0; break;
        }
        long m = t.mask();
        int d = dc.dst(ops.get(0), false);
        int a = dc.src(ops.get(1), t);
        if (window == 0) {
            return new Insns.Un(op, d, a, v -> v & m);
        }
        if (to) {
            return new Insns.Un(op, d, a, v -> (v - window) & m);
        }
        return new Insns.Un(op, d, a, v -> (v + window) & m);
    }

    static int space(Decoder dc, Decoder.Quals q, boolean allowParam) {
        String s = q.takeAny("global", "shared", "local", "param", "const");
        q.ignore("cta", "cluster");
        if (s == null) {
            return Launch.GENERIC;
        }
        switch (s) {
            case "global": return Launch.GLOBAL;
            case "shared": return Launch.SHARED;
            case "local": return Launch.LOCAL;
            case "param":
                if (!allowParam) {
                    throw dc.unsupported("state space .param for this instruction");
                }
                return Launch.PARAM;
            default: return Launch.CONST;
        }
    }

    static void ignoreCacheOps(Decoder dc, Decoder.Quals q) {
        q.ignore("nc", "ca", "cg", "cs", "lu", "cv", "wb", "wt", "weak", "volatile", "relaxed", "acquire", "release",
                "acq_rel", "sc", "gpu", "sys", "cta", "L1::evict_last", "L1::evict_first", "L1::no_allocate",
                "L2::64B", "L2::128B", "L2::256B", "L1::evict_normal", "L1::evict_unchanged");
        q.q.removeIf(s -> s.startsWith("L1::") || s.startsWith("L2::"));
    }

    /** A decoded memory operand: register base (or -1), offset, and the state space actually accessed. */
    record Address(int base, long offset, int space) {
    }

    static Address address(Decoder dc, Ast.Opnd o, int space) {
        if (!(o instanceof Ast.Addr a)) {
            throw dc.err("expected an address [ ] but found " + Decoder.describe(o));
        }
        if (a.base() == null) {
            return new Address(-1, a.offset(), space);
        }
        Ast.RegDecl rd = dc.cur.scope().find(a.base().id());
        if (rd != null) {
            dc.checkPred(rd, false);
            return new Address(dc.slotOf(rd), a.offset(), space);
        }
        Decoder.Sym s = dc.symbol(a.base().id());
        if (s == null) {
            throw dc.err("unknown name " + a.base().id() + " in address");
        }
        long addr = s.address() + a.offset();
        if (s.frameVar() && (space == Launch.PARAM || space == Launch.LOCAL)) {
            return new Address(-1, addr, Launch.LOCAL); // a call-frame variable lives in local memory
        }
        if (space == Launch.GENERIC) {
            // a variable named in a generic access: convert its state-space address to generic
            switch (s.space()) {
                case Launch.SHARED: addr += Launch.SHARED_WINDOW; break;
                case Launch.LOCAL: addr += Launch.LOCAL_WINDOW; break;
                case Launch.CONST: addr += Launch.CONST_WINDOW; break;
                case Launch.PARAM: addr += Launch.PARAM_WINDOW; break;
                default: break;
            }
        } else if (s.space() != space) {
            throw dc.err("variable " + a.base().id() + " is in ." + Launch.SPACE_NAMES[s.space()] + " but accessed as ."
                    + Launch.SPACE_NAMES[space]);
        }
        return new Address(-1, addr, space);
    }

    static int vecCount(Decoder dc, Decoder.Quals q) {
        String v = q.takeAny("v2", "v4", "v8");
        if (v == null) {
            return 1;
        }
        if (v.equals("v8")) {
            throw dc.unsupported("vector width .v8");
        }
        return v.equals("v2") ? 2 : 4;
    }

    static Insn ld(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        int space = space(dc, q, true);
        boolean nc = q.q.contains("nc");
        ignoreCacheOps(dc, q);
        int n = vecCount(dc, q);
        PtxType t = q.type();
        q.done();
        if (t == PtxType.PRED) {
            throw dc.unsupported("type .pred for ld");
        }
        dc.arity(ops, 2);
        List<Ast.Opnd> ds = ops.get(0) instanceof Ast.Vec v ? v.items() : List.of(ops.get(0));
        if (ds.size() != n) {
            throw dc.err("a ." + (n == 1 ? "scalar" : "v" + n) + " load needs " + n + " destinations, found " + ds.size());
        }
        int[] d = new int[n];
        long[] masks = new long[n];
        for (int i = 0; i < n; i++) {
            if (ds.get(i) instanceof Ast.Sink) {
                d[i] = -1;
                continue;
            }
            d[i] = dc.dst(ds.get(i), false);
            PtxType rt = dc.dstType(ds.get(i));
            masks[i] = rt == null ? t.mask() : (rt.bits >= t.bits ? rt.mask() : t.mask());
        }
        Address a = address(dc, ops.get(1), space);
        MemoryInsns.Ld x = new MemoryInsns.Ld(op, a.space(), t.bytes(), d, masks, t.isSigned(), a.base(), a.offset());
        x.nc = nc;
        return x;
    }

    static Insn st(Decoder dc, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        int space = space(dc, q, true);
        ignoreCacheOps(dc, q);
        int n = vecCount(dc, q);
        PtxType t = q.type();
        q.done();
        if (t == PtxType.PRED) {
            throw dc.unsupported("type .pred for st");
        }
        dc.arity(ops, 2);
        List<Ast.Opnd> ss = ops.get(1) instanceof Ast.Vec v ? v.items() : List.of(ops.get(1));
        if (ss.size() != n) {
            throw dc.err("a ." + (n == 1 ? "scalar" : "v" + n) + " store needs " + n + " sources, found " + ss.size());
        }
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = dc.src(ss.get(i), t);
        }
        Address a = address(dc, ops.get(0), space);
        if (a.space() == Launch.PARAM) {
            throw dc.unsupported("st.param to a kernel parameter (only to call-frame .param variables)");
        }
        return new MemoryInsns.St(op, a.space(), t.bytes(), s, a.base(), a.offset());
    }

    static Insn atom(Decoder dc, boolean red, String op, Decoder.Quals q, List<Ast.Opnd> ops) {
        int space = space(dc, q, false);
        if (space == Launch.LOCAL || space == Launch.CONST) {
            throw dc.unsupported("state space ." + Launch.SPACE_NAMES[space] + " for " + (red ? "red" : "atom"));
        }
        ignoreCacheOps(dc, q);
        q.ignore("noftz");
        String aop = q.takeAny("add", "min", "max", "exch", "cas", "and", "or", "xor", "inc", "dec");
        if (aop == null) {
            throw dc.unsupported("atomic operation (missing or unknown)");
        }
        PtxType t = q.type();
        q.done();
        if (red && (aop.equals("exch") || aop.equals("cas"))) {
            throw dc.unsupported("red." + aop);
        }
        boolean cas = aop.equals("cas");
        int nops = (red ? 2 : 3) + (cas ? 1 : 0);
        dc.arity(ops, nops);
        int d = red ? -1 : dc.dst(ops.get(0), false);
        Address a = address(dc, ops.get(red ? 0 : 1), space);
        int b = dc.src(ops.get(red ? 1 : 2), t);
        int c = cas ? dc.src(ops.get(3), t) : -1;
        Op2 fn = cas ? null : IntArith.atomicOp(dc::err, aop, t);
        if (t.bits != 32 && t.bits != 64) {
            throw dc.unsupported("type ." + t.ptx() + " for atomics");
        }
        MemoryInsns.Atom x = new MemoryInsns.Atom(op, space, t.bytes(), d, a.base(), a.offset(), b, c, fn, cas);
        x.flops = t.isFloat() && aop.equals("add") ? 1 : 0;
        return x;
    }

    // ------------------------------------------------------------------ semantics

    /** ld (scalar or vector) from a state space; signed loads sign-extend to the register width. */
    static final class Ld extends Insn {
        final int space;
        final int size;
        final int[] dst;
        final long[] dstMask;
        final boolean signed;
        final int base;
        final long offset;
        /** ld.global.nc: read through the non-coherent cache (must not see this launch's writes). */
        boolean nc;

        Ld(String op, int space, int size, int[] dst, long[] dstMask, boolean signed, int base, long offset) {
            super(op);
            this.space = space;
            this.size = size;
            this.dst = dst;
            this.dstMask = dstMask;
            this.signed = signed;
            this.base = base;
            this.offset = offset;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            int n = dst.length;
            int total = size * n;
            int na = 0;
            int nw = 0;
            int shift = 64 - 8 * size;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long addr = (base >= 0 ? r[base + l] : 0) + offset;
                byte[] mem = x.resolve(space, addr, total, total, false, w, l, this);
                int o = x.off;
                if (mem == x.shared || (x.alloc != null && mem == x.alloc.data)) {
                    x.hz.read(x, mem, o, total, w, l, this, nc);
                }
                for (int i = 0; i < n; i++) {
                    long v = Bytes.get(mem, o + i * size, size);
                    if (signed && shift > 0) {
                        v = (v << shift) >> shift;
                    }
                    if (dst[i] >= 0) {
                        r[dst[i] + l] = v & dstMask[i];
                    }
                }
                if (space == Launch.GLOBAL || (space == Launch.GENERIC && mem != x.shared && mem != x.local
                        && mem != x.param && mem != x.constBank)) {
                    x.scratch[na++] = addr;
                } else if (mem == x.shared) {
                    nw = sharedWords(x, nw, o, total, l);
                }
            }
            if (na > 0) {
                x.loadSectors += x.distinctSectors(na);
                x.loadBytes += (long) na * total;
            }
            if (nw > 0 || (space == Launch.SHARED)) {
                accountShared(x, nw, total);
            }
        }
    }

    /** Records the 4-byte words of one lane's shared access, tagged with the lane's phase. */
    static int sharedWords(Launch x, int nw, int offset, int total, int lane) {
        int phase = total <= 4 ? 0 : (total == 8 ? lane >> 4 : lane >> 3);
        for (int b = offset & ~3; b < offset + total; b += 4) {
            x.words[nw] = b >>> 2;
            x.phases[nw] = phase;
            nw++;
        }
        return nw;
    }

    /**
     * Counts one shared warp access and its bank conflicts. Accesses of up to 4 bytes per lane are one
     * phase of 32 lanes; 8-byte accesses are served per half-warp (2 phases) and 16-byte accesses per
     * quarter-warp (4 phases). In each phase, lanes reading the same word are a broadcast; the phase needs
     * as many wavefronts as the most distinct words falling in one bank (32 banks of 4 bytes), and the
     * conflicts are the wavefronts beyond one, summed over phases.
     */
    static void accountShared(Launch x, int nw, int total) {
        x.sharedAccesses++;
        if (nw <= 1) {
            return;
        }
        int phases = total <= 4 ? 1 : (total == 8 ? 2 : 4);
        if (phases == 1) {
            x.bankConflicts += x.conflicts(x.words, nw);
            return;
        }
        long conflicts = 0;
        for (int ph = 0; ph < phases; ph++) {
            int k = 0;
            for (int i = 0; i < nw; i++) {
                if (x.phases[i] == ph) {
                    x.tmpWords[k++] = x.words[i];
                }
            }
            conflicts += x.conflicts(x.tmpWords, k);
        }
        x.bankConflicts += conflicts;
    }

    /** st (scalar or vector) to a state space. */
    static final class St extends Insn {
        final int space;
        final int size;
        final int[] src;
        final int base;
        final long offset;

        St(String op, int space, int size, int[] src, int base, long offset) {
            super(op);
            this.space = space;
            this.size = size;
            this.src = src;
            this.base = base;
            this.offset = offset;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            int n = src.length;
            int total = size * n;
            int na = 0;
            int nw = 0;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long addr = (base >= 0 ? r[base + l] : 0) + offset;
                byte[] mem = x.resolve(space, addr, total, total, true, w, l, this);
                int o = x.off;
                if (mem == x.shared || (x.alloc != null && mem == x.alloc.data)) {
                    boolean same = true;
                    long vm = size == 8 ? -1L : (1L << (8 * size)) - 1;
                    for (int i = 0; i < n && same; i++) {
                        same = Bytes.get(mem, o + i * size, size) == (r[src[i] + l] & vm);
                    }
                    x.hz.write(x, mem, o, total, w, l, this, same);
                }
                for (int i = 0; i < n; i++) {
                    Bytes.put(mem, o + i * size, size, r[src[i] + l]);
                }
                if (mem != x.shared && mem != x.local) {
                    x.scratch[na++] = addr;
                } else if (mem == x.shared) {
                    nw = sharedWords(x, nw, o, total, l);
                }
            }
            if (na > 0) {
                x.storeSectors += x.distinctSectors(na);
                x.storeBytes += (long) na * total;
            }
            if (nw > 0 || space == Launch.SHARED) {
                accountShared(x, nw, total);
            }
        }
    }

    /** atom / red on global, shared or generic memory; lanes are applied in lane order. */
    static final class Atom extends Insn {
        final int space;
        final int size;
        final int d; // -1 for red
        final int base;
        final long offset;
        final int b;
        final int c; // cas: new value
        final Op2 f; // new = f(old, b)
        final boolean cas;

        Atom(String op, int space, int size, int d, int base, long offset, int b, int c, Op2 f, boolean cas) {
            super(op);
            this.space = space;
            this.size = size;
            this.d = d;
            this.base = base;
            this.offset = offset;
            this.b = b;
            this.c = c;
            this.f = f;
            this.cas = cas;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            long mask = size == 8 ? -1L : 0xFFFFFFFFL;
            int[] order = x.laneInts;
            int nl = 0;
            for (int m = em; m != 0; m &= m - 1) {
                order[nl++] = Integer.numberOfTrailingZeros(m);
            }
            if (x.sched != null) {
                // a GPU applies the lanes' atomics in an unspecified order: a seeded random one
                for (int i = nl - 1; i > 0; i--) {
                    int j = x.sched.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            for (int li = 0; li < nl; li++) {
                int l = order[li];
                long addr = (base >= 0 ? r[base + l] : 0) + offset;
                byte[] mem = x.resolve(space, addr, size, size, true, w, l, this);
                int o = x.off;
                if (mem == x.shared || (x.alloc != null && mem == x.alloc.data)) {
                    x.hz.atomic(x, mem, o, size, w, l, this);
                }
                long old = Bytes.get(mem, o, size);
                long nv;
                if (cas) {
                    nv = old == (r[b + l] & mask) ? r[c + l] : old;
                } else {
                    nv = f.ap(old, r[b + l]);
                }
                Bytes.put(mem, o, size, nv);
                if (d >= 0) {
                    r[d + l] = old;
                }
                if (mem != x.shared && mem != x.local) {
                    x.atomicBytes += size;
                }
            }
        }
    }
}
