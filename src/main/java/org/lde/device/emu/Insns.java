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
}
