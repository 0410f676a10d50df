package org.lde.device.emu;

/** The executable instruction classes. Operand fields are register-file bases ({@code slot * 32}). */
final class Insns {
    private Insns() {
    }

    interface Op1 {
        long ap(long a);
    }

    interface Op2 {
        long ap(long a, long b);
    }

    interface Op3 {
        long ap(long a, long b, long c);
    }

    interface Op4 {
        long ap(long a, long b, long c, long d);
    }

    /** d = f(a). */
    static final class Un extends Insn {
        final int d;
        final int a;
        final Op1 f;

        Un(String op, int d, int a, Op1 f) {
            super(op);
            this.d = d;
            this.a = a;
            this.f = f;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            if (em == -1) {
                for (int l = 0; l < 32; l++) {
                    r[d + l] = f.ap(r[a + l]);
                }
                return;
            }
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                r[d + l] = f.ap(r[a + l]);
            }
        }
    }

    /** d = f(a, b). */
    static final class Bin extends Insn {
        final int d;
        final int a;
        final int b;
        final Op2 f;

        Bin(String op, int d, int a, int b, Op2 f) {
            super(op);
            this.d = d;
            this.a = a;
            this.b = b;
            this.f = f;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            if (em == -1) {
                for (int l = 0; l < 32; l++) {
                    r[d + l] = f.ap(r[a + l], r[b + l]);
                }
                return;
            }
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                r[d + l] = f.ap(r[a + l], r[b + l]);
            }
        }
    }

    /** d = f(a, b, c). */
    static final class Tri extends Insn {
        final int d;
        final int a;
        final int b;
        final int c;
        final Op3 f;

        Tri(String op, int d, int a, int b, int c, Op3 f) {
            super(op);
            this.d = d;
            this.a = a;
            this.b = b;
            this.c = c;
            this.f = f;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            if (em == -1) {
                for (int l = 0; l < 32; l++) {
                    r[d + l] = f.ap(r[a + l], r[b + l], r[c + l]);
                }
                return;
            }
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                r[d + l] = f.ap(r[a + l], r[b + l], r[c + l]);
            }
        }
    }

    /**
     * The hottest two-operand forms with their lane loop written out (no per-lane indirect call):
     * the decoder uses these for exactly the forms named by the constants, with the same semantics
     * as the general {@link Bin} lambdas.
     */
    static final class Fast2 extends Insn {
        static final int ADD32 = 0, ADD64 = 1, SUB32 = 2, MULLO32 = 3, MULWIDE_S32 = 4, MULWIDE_U32 = 5, SHL32 = 6,
                SHL64 = 7, ADD_F32 = 8, MUL_F32 = 9, SUB_F32 = 10, AND32 = 11, SUB64 = 12;
        final int kind;
        final int d;
        final int a;
        final int b;

        Fast2(String op, int kind, int d, int a, int b) {
            super(op);
            this.kind = kind;
            this.d = d;
            this.a = a;
            this.b = b;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            int d = this.d;
            int a = this.a;
            int b = this.b;
            switch (kind) {
                case ADD32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] + r[b + l]) & 0xFFFFFFFFL;
                    }
                    break;
                case ADD64:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = r[a + l] + r[b + l];
                    }
                    break;
                case SUB32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] - r[b + l]) & 0xFFFFFFFFL;
                    }
                    break;
                case SUB64:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = r[a + l] - r[b + l];
                    }
                    break;
                case MULLO32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] * r[b + l]) & 0xFFFFFFFFL;
                    }
                    break;
                case MULWIDE_S32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (long) (int) r[a + l] * (int) r[b + l];
                    }
                    break;
                case MULWIDE_U32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] & 0xFFFFFFFFL) * (r[b + l] & 0xFFFFFFFFL);
                    }
                    break;
                case SHL32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        long n = r[b + l] & 0xFFFFFFFFL;
                        r[d + l] = n >= 32 ? 0 : (r[a + l] << n) & 0xFFFFFFFFL;
                    }
                    break;
                case SHL64:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        long n = r[b + l] & 0xFFFFFFFFL;
                        r[d + l] = n >= 64 ? 0 : r[a + l] << n;
                    }
                    break;
                case AND32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = r[a + l] & r[b + l] & 0xFFFFFFFFL;
                    }
                    break;
                case ADD_F32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = FloatOps.bits(Float.intBitsToFloat((int) r[a + l]) + Float.intBitsToFloat((int) r[b + l]));
                    }
                    break;
                case SUB_F32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = FloatOps.bits(Float.intBitsToFloat((int) r[a + l]) - Float.intBitsToFloat((int) r[b + l]));
                    }
                    break;
                case MUL_F32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = FloatOps.bits(Float.intBitsToFloat((int) r[a + l]) * Float.intBitsToFloat((int) r[b + l]));
                    }
                    break;
                default:
                    throw new IllegalStateException("fast kind " + kind);
            }
        }
    }

    /** The hottest three-operand forms (fma.rn.f32, mad.lo 32-bit, mad.wide.s32/u32), loop written out. */
    static final class Fast3 extends Insn {
        static final int FMA_F32 = 0, MADLO32 = 1, MADWIDE_S32 = 2, MADWIDE_U32 = 3;
        final int kind;
        final int d;
        final int a;
        final int b;
        final int c;

        Fast3(String op, int kind, int d, int a, int b, int c) {
            super(op);
            this.kind = kind;
            this.d = d;
            this.a = a;
            this.b = b;
            this.c = c;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            int d = this.d;
            int a = this.a;
            int b = this.b;
            int c = this.c;
            switch (kind) {
                case FMA_F32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = FloatOps.bits(Math.fma(Float.intBitsToFloat((int) r[a + l]), Float.intBitsToFloat((int) r[b + l]),
                                Float.intBitsToFloat((int) r[c + l])));
                    }
                    break;
                case MADLO32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] * r[b + l] + r[c + l]) & 0xFFFFFFFFL;
                    }
                    break;
                case MADWIDE_S32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (long) (int) r[a + l] * (int) r[b + l] + r[c + l];
                    }
                    break;
                case MADWIDE_U32:
                    for (int m = em; m != 0; m &= m - 1) {
                        int l = Integer.numberOfTrailingZeros(m);
                        r[d + l] = (r[a + l] & 0xFFFFFFFFL) * (r[b + l] & 0xFFFFFFFFL) + r[c + l];
                    }
                    break;
                default:
                    throw new IllegalStateException("fast kind " + kind);
            }
        }
    }

    /** d = f(a, b, c, e). */
    static final class Quad extends Insn {
        final int d;
        final int a;
        final int b;
        final int c;
        final int e;
        final Op4 f;

        Quad(String op, int d, int a, int b, int c, int e, Op4 f) {
            super(op);
            this.d = d;
            this.a = a;
            this.b = b;
            this.c = c;
            this.e = e;
            this.f = f;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                r[d + l] = f.ap(r[a + l], r[b + l], r[c + l], r[e + l]);
            }
        }
    }

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

    /** mov d, {a0, a1, ...}: packs pieces of {@code width} bits, a0 lowest. */
    static final class Pack extends Insn {
        final int d;
        final int[] src;
        final int width;

        Pack(String op, int d, int[] src, int width) {
            super(op);
            this.d = d;
            this.src = src;
            this.width = width;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            long pm = width == 64 ? -1L : (1L << width) - 1;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long v = 0;
                for (int i = 0; i < src.length; i++) {
                    v |= (r[src[i] + l] & pm) << (i * width);
                }
                r[d + l] = v;
            }
        }
    }

    /** mov {d0, d1, ...}, a: unpacks pieces of {@code width} bits (a negative base skips a sink). */
    static final class Unpack extends Insn {
        final int[] dst;
        final int a;
        final int width;

        Unpack(String op, int[] dst, int a, int width) {
            super(op);
            this.dst = dst;
            this.a = a;
            this.width = width;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            long[] r = w.r;
            long pm = width == 64 ? -1L : (1L << width) - 1;
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long v = r[a + l];
                for (int i = 0; i < dst.length; i++) {
                    if (dst[i] >= 0) {
                        r[dst[i] + l] = (v >>> (i * width)) & pm;
                    }
                }
            }
        }
    }

    /** mov d, %clock / %clock64 / %globaltimer: the launch's warp-step counter (monotonic). */
    static final class Clock extends Insn {
        final int d;
        final long mask;

        Clock(String op, int d, long mask) {
            super(op);
            this.d = d;
            this.mask = mask;
        }

        @Override
        void exec(Launch x, Warp w, int em) {
            for (int m = em; m != 0; m &= m - 1) {
                w.r[d + Integer.numberOfTrailingZeros(m)] = x.steps & mask;
            }
        }
    }

    /** An instruction with no effect in this model (membar, fence, ...). */
    static final class Nop extends Insn {
        Nop(String op) {
            super(op);
        }

        @Override
        void exec(Launch x, Warp w, int em) {
        }
    }

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

    // ------------------------------------------------------------------ memory

    /** ld (scalar or vector) from a state space; signed loads sign-extend to the register width. */
    static final class Ld extends Insn {
        final int space;
        final int size;
        final int[] dst;
        final long[] dstMask;
        final boolean signed;
        final int base;
        final long offset;

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
            for (int m = em; m != 0; m &= m - 1) {
                int l = Integer.numberOfTrailingZeros(m);
                long addr = (base >= 0 ? r[base + l] : 0) + offset;
                byte[] mem = x.resolve(space, addr, size, size, true, w, l, this);
                int o = x.off;
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

    // ------------------------------------------------------------------ control

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
            for (int m = mask & ~em; m != 0; m &= m - 1) {
                w.pc[Integer.numberOfTrailingZeros(m)] = pc + 1;
            }
        }
    }

    /** bar.sync / barrier.sync: the lanes wait; the block releases them when all live threads wait. */
    static class Bar extends Insn {
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

    // ------------------------------------------------------------------ warp-level

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
        }
    }
}
