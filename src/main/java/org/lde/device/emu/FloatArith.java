package org.lde.device.emu;

import org.lde.device.emu.Insns.Op1;
import org.lde.device.emu.Insns.Op2;
import org.lde.device.emu.Insns.Op3;

/**
 * Floating-point arithmetic instructions (f32, f64).
 *
 * <p>Exact forms (add, sub, mul, fma, mad, div with .rn/.rz/.rm/.rp, rcp and sqrt with a rounding
 * mode) are correctly rounded in the requested direction. {@code mad.f32} without a rounding mode is
 * treated as {@code fma.rn.f32} (its meaning on sm_20 and later). {@code div.full.f32} and
 * {@code div.approx.f32} are computed correctly rounded, which is inside their ISA bounds (2 ulp).
 *
 * <p>Approximate forms are computed in double precision and rounded once to the destination type,
 * so they are at least as accurate as the ISA's stated maximum errors, which are the tolerance a test
 * (or a kernel) may rely on: {@code rcp.approx.f32} / {@code sqrt.approx.f32}: 1 ulp;
 * {@code rsqrt.approx.f32}: 2^-22.9 relative; {@code ex2.approx.f32}: 2 ulp (2^-22.5 relative);
 * {@code lg2.approx.f32}: 2^-22.6 absolute for inputs in [0.5, 2], otherwise 2 ulp relative-ish;
 * {@code sin/cos.approx.f32}: 2^-20.9 absolute in [-pi, pi]; {@code tanh.approx.f32}: 2^-10.987
 * relative (hardware is much less precise than this emulator). The GPU's results therefore may differ
 * from the emulator's within these bounds.
 *
 * <p>Harsh mode (the system property {@code lde.emu.schedule} set to a seed or {@code random}, see
 * {@link Schedule}): the f32 {@code .approx} forms of rcp, sqrt, rsqrt, ex2, lg2, sin, cos and tanh are
 * perturbed by up to {@link #approxUlps} units in the last place, a deterministic function of the seed
 * and the input bits (a GPU's approximation is a fixed function too), so a kernel or test that relies on
 * more accuracy than the ISA states fails under a seed. The perturbation stays inside the bounds above.
 *
 * <p>NaN results of arithmetic are the canonical NaN ({@link FloatOps#CANON_NAN_32}); with .ftz,
 * subnormal inputs and results are flushed to zero of the same sign; .sat clamps to [0, 1] and turns
 * NaN into +0.
 */
final class FloatArith {
    /** The harsh-mode perturbation seed (from {@code lde.emu.schedule}), or null: approximations exact. */
    static final Long APPROX_SEED = Schedule.fromProperty();

    private FloatArith() {
    }

    /**
     * The ulps by which harsh mode may move the result of {@code base}.approx.f32 (inside its ISA bound:
     * 1 for rcp, sqrt, rsqrt, ex2, lg2 (relative 2^-23 at most), sin, cos (absolute 2^-24 for results in
     * [-1, 1], the bound is 2^-20.9); 2048 for tanh (2^-12 relative, the bound is 2^-10.987)).
     */
    static int approxUlps(String base) {
        return base.equals("tanh") ? 2048 : 1;
    }

    /** {@code fn} with its finite, nonzero f32 results moved by a seeded amount in [-ulps, ulps]. */
    static Op1 perturbed(Op1 fn, int ulps, long seed, String base) {
        long salt = Schedule.mix(seed ^ base.hashCode());
        return v -> {
            long r = fn.ap(v);
            int bits = (int) r;
            float f = Float.intBitsToFloat(bits);
            if (!Float.isFinite(f) || Math.abs(f) < Float.MIN_NORMAL) {
                return r; // zero, subnormal (an ulp there is no relative bound), infinite, NaN: unchanged
            }
            int k = (int) Math.floorMod(Schedule.mix(salt ^ (v & 0xFFFFFFFFL)), 2L * ulps + 1) - ulps;
            int moved = bits + k;
            // stay finite and on the same side of zero (bits + k crosses neither within a binade walk)
            if ((moved ^ bits) < 0 || !Float.isFinite(Float.intBitsToFloat(moved)) || Float.intBitsToFloat(moved) == 0) {
                return r;
            }
            return moved & 0xFFFFFFFFL;
        };
    }

    interface F2 {
        float ap(float a, float b);
    }

    interface F3 {
        float ap(float a, float b, float c);
    }

    interface D2 {
        double ap(double a, double b);
    }

    interface D3 {
        double ap(double a, double b, double c);
    }

    static Op2 wrap(F2 core, boolean ftz, boolean sat) {
        if (!ftz && !sat) {
            return (a, b) -> FloatOps.bits(core.ap(FloatOps.f(a), FloatOps.f(b)));
        }
        return (a, b) -> {
            float x = FloatOps.f(a);
            float y = FloatOps.f(b);
            if (ftz) {
                x = FloatOps.ftz(x);
                y = FloatOps.ftz(y);
            }
            float r = core.ap(x, y);
            if (sat) {
                r = FloatOps.sat(r);
            }
            if (ftz) {
                r = FloatOps.ftz(r);
            }
            return FloatOps.bits(r);
        };
    }

    static Op3 wrap(F3 core, boolean ftz, boolean sat) {
        if (!ftz && !sat) {
            return (a, b, c) -> FloatOps.bits(core.ap(FloatOps.f(a), FloatOps.f(b), FloatOps.f(c)));
        }
        return (a, b, c) -> {
            float x = FloatOps.f(a);
            float y = FloatOps.f(b);
            float z = FloatOps.f(c);
            if (ftz) {
                x = FloatOps.ftz(x);
                y = FloatOps.ftz(y);
                z = FloatOps.ftz(z);
            }
            float r = core.ap(x, y, z);
            if (sat) {
                r = FloatOps.sat(r);
            }
            if (ftz) {
                r = FloatOps.ftz(r);
            }
            return FloatOps.bits(r);
        };
    }

    static Op2 wrap(D2 core, boolean sat) {
        if (!sat) {
            return (a, b) -> FloatOps.bits(core.ap(FloatOps.d(a), FloatOps.d(b)));
        }
        return (a, b) -> FloatOps.bits(FloatOps.sat(core.ap(FloatOps.d(a), FloatOps.d(b))));
    }

    static Op3 wrap(D3 core, boolean sat) {
        if (!sat) {
            return (a, b, c) -> FloatOps.bits(core.ap(FloatOps.d(a), FloatOps.d(b), FloatOps.d(c)));
        }
        return (a, b, c) -> FloatOps.bits(FloatOps.sat(core.ap(FloatOps.d(a), FloatOps.d(b), FloatOps.d(c))));
    }

    static Insn build(Errors e, String base, String op, PtxType t, int rnd, boolean ftz, boolean sat, boolean approx,
                      boolean full, boolean nanMode, int d, int a, int b, int c) {
        boolean f32 = t == PtxType.F32;
        int mode = rnd < 0 ? FloatOps.RN : rnd;
        if ((approx || full) && !base.equals("div")) {
            throw e.unsupported("qualifier ." + (approx ? "approx" : "full") + " on " + base);
        }
        if (nanMode && !(base.equals("min") || base.equals("max"))) {
            throw e.unsupported("qualifier .NaN on " + base);
        }
        if (rnd >= 0 && (base.equals("min") || base.equals("max"))) {
            throw e.unsupported("rounding qualifier on " + base);
        }
        if ((approx || full) && (!f32 || rnd >= 0)) {
            throw e.unsupported("div form (.approx/.full need .f32 and no rounding mode)");
        }
        if (sat && !f32) {
            throw e.unsupported("qualifier .sat on ." + t.ptx());
        }
        Insn insn;
        switch (base) {
            case "add":
            case "sub": {
                boolean sub = base.equals("sub");
                if (f32) {
                    F2 core;
                    if (mode == FloatOps.RN) {
                        core = sub ? (x, y) -> x - y : (x, y) -> x + y;
                    } else {
                        core = sub ? (x, y) -> FloatOps.add(x, -y, mode) : (x, y) -> FloatOps.add(x, y, mode);
                    }
                    insn = new Insns.Bin(op, d, a, b, wrap(core, ftz, sat));
                } else {
                    D2 core;
                    if (mode == FloatOps.RN) {
                        core = sub ? (x, y) -> x - y : (x, y) -> x + y;
                    } else {
                        core = sub ? (x, y) -> FloatOps.add(x, -y, mode) : (x, y) -> FloatOps.add(x, y, mode);
                    }
                    insn = new Insns.Bin(op, d, a, b, wrap(core, sat));
                }
                insn.flops = 1;
                return insn;
            }
            case "mul":
                if (f32) {
                    F2 core = mode == FloatOps.RN ? (x, y) -> x * y : (x, y) -> FloatOps.mul(x, y, mode);
                    insn = new Insns.Bin(op, d, a, b, wrap(core, ftz, sat));
                } else {
                    D2 core = mode == FloatOps.RN ? (x, y) -> x * y : (x, y) -> FloatOps.mul(x, y, mode);
                    insn = new Insns.Bin(op, d, a, b, wrap(core, sat));
                }
                insn.flops = 1;
                return insn;
            case "fma":
            case "mad":
                if (f32) {
                    F3 core = mode == FloatOps.RN ? Math::fma : (x, y, z) -> FloatOps.fma(x, y, z, mode);
                    insn = new Insns.Tri(op, d, a, b, c, wrap(core, ftz, sat));
                } else {
                    D3 core = mode == FloatOps.RN ? Math::fma : (x, y, z) -> FloatOps.fma(x, y, z, mode);
                    insn = new Insns.Tri(op, d, a, b, c, wrap(core, sat));
                }
                insn.flops = 2;
                return insn;
            case "div":
                if (f32) {
                    F2 core = mode == FloatOps.RN ? (x, y) -> x / y : (x, y) -> FloatOps.div(x, y, mode);
                    insn = new Insns.Bin(op, d, a, b, wrap(core, ftz, sat));
                } else {
                    D2 core = mode == FloatOps.RN ? (x, y) -> x / y : (x, y) -> FloatOps.div(x, y, mode);
                    insn = new Insns.Bin(op, d, a, b, wrap(core, sat));
                }
                insn.flops = 1;
                return insn;
            case "min":
            case "max": {
                boolean min = base.equals("min");
                if (f32) {
                    F2 core;
                    if (nanMode) {
                        core = min ? (x, y) -> (x != x || y != y) ? Float.NaN : Math.min(x, y)
                                : (x, y) -> (x != x || y != y) ? Float.NaN : Math.max(x, y);
                    } else {
                        core = min ? FloatOps::min : FloatOps::max;
                    }
                    return new Insns.Bin(op, d, a, b, wrap(core, ftz, sat));
                }
                D2 core;
                if (nanMode) {
                    core = min ? (x, y) -> (x != x || y != y) ? Double.NaN : Math.min(x, y)
                            : (x, y) -> (x != x || y != y) ? Double.NaN : Math.max(x, y);
                } else {
                    core = min ? FloatOps::min : FloatOps::max;
                }
                return new Insns.Bin(op, d, a, b, wrap(core, false));
            }
            default:
                throw e.unsupported("floating-point form of " + base);
        }
    }

    interface F1 {
        float ap(float a);
    }

    interface D1 {
        double ap(double a);
    }

    static Op1 wrap1(F1 core, boolean ftz) {
        if (!ftz) {
            return v -> FloatOps.bits(core.ap(FloatOps.f(v)));
        }
        return v -> FloatOps.bits(FloatOps.ftz(core.ap(FloatOps.ftz(FloatOps.f(v)))));
    }

    static Op1 wrap1(D1 core) {
        return v -> FloatOps.bits(core.ap(FloatOps.d(v)));
    }

    /** rcp, sqrt, rsqrt, ex2, lg2, sin, cos, tanh. */
    static Insn special(Errors e, String base, String op, PtxType t, boolean approx, boolean full, int rnd, boolean ftz,
                        int d, int a) {
        boolean f32 = t == PtxType.F32;
        if (full) {
            throw e.unsupported("qualifier .full on " + base);
        }
        if (ftz && !f32 && !(approx && base.equals("rcp"))) {
            throw e.unsupported("qualifier .ftz on ." + t.ptx());
        }
        boolean exactForm = base.equals("rcp") || base.equals("sqrt");
        if (approx == (rnd >= 0) && exactForm) {
            throw e.unsupported(base + " form: exactly one of .approx or a rounding mode (.rn/.rz/.rm/.rp) is required");
        }
        if (!exactForm && !approx) {
            throw e.unsupported(base + " without .approx");
        }
        if (!exactForm && rnd >= 0) {
            throw e.unsupported("rounding mode on " + base);
        }
        Op1 fn;
        int mode = rnd < 0 ? FloatOps.RN : rnd;
        switch (base) {
            case "rcp":
                if (f32) {
                    fn = wrap1(mode == FloatOps.RN ? x -> 1f / x : x -> FloatOps.div(1f, x, mode), ftz);
                } else {
                    if (approx && !ftz) {
                        throw e.unsupported("rcp.approx.f64 without .ftz");
                    }
                    fn = wrap1(mode == FloatOps.RN ? x -> 1.0 / x : x -> FloatOps.div(1.0, x, mode));
                }
                break;
            case "sqrt":
                if (f32) {
                    fn = wrap1(mode == FloatOps.RN ? x -> (float) Math.sqrt(x) : x -> FloatOps.sqrt(x, mode), ftz);
                } else {
                    if (approx) {
                        throw e.unsupported("sqrt.approx.f64");
                    }
                    fn = wrap1(mode == FloatOps.RN ? Math::sqrt : x -> FloatOps.sqrt(x, mode));
                }
                break;
            case "rsqrt":
                fn = f32 ? wrap1(x -> (float) (1.0 / Math.sqrt(x)), ftz) : wrap1(x -> 1.0 / Math.sqrt(x));
                break;
            case "ex2":
                requireF32(e, base, f32);
                fn = wrap1(x -> (float) Math.pow(2.0, x), ftz);
                break;
            case "lg2":
                requireF32(e, base, f32);
                fn = wrap1(x -> (float) (Math.log(x) / Math.log(2.0)), ftz);
                break;
            case "sin":
                requireF32(e, base, f32);
                fn = wrap1(x -> (float) Math.sin(x), ftz);
                break;
            case "cos":
                requireF32(e, base, f32);
                fn = wrap1(x -> (float) Math.cos(x), ftz);
                break;
            case "tanh":
                requireF32(e, base, f32);
                fn = wrap1(x -> (float) Math.tanh(x), ftz);
                break;
            default:
                throw e.unsupported("instruction " + base);
        }
        if (approx && f32 && APPROX_SEED != null) {
            fn = perturbed(fn, approxUlps(base), APPROX_SEED, base);
        }
        Insn insn = new Insns.Un(op, d, a, fn);
        insn.flops = 1;
        return insn;
    }

    private static void requireF32(Errors e, String base, boolean f32) {
        if (!f32) {
            throw e.unsupported(base + " on .f64 (only .f32)");
        }
    }
}
