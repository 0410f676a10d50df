package org.lde.device.emu;

/**
 * The PTX fundamental types the emulator understands. Register values are held as raw bits in a
 * {@code long}; a type says how many low bits are meaningful and how they are interpreted.
 */
enum PtxType {
    PRED(1, Kind.PRED), B8(8, Kind.BITS), B16(16, Kind.BITS), B32(32, Kind.BITS), B64(64, Kind.BITS),
    U8(8, Kind.UNSIGNED), U16(16, Kind.UNSIGNED), U32(32, Kind.UNSIGNED), U64(64, Kind.UNSIGNED),
    S8(8, Kind.SIGNED), S16(16, Kind.SIGNED), S32(32, Kind.SIGNED), S64(64, Kind.SIGNED),
    F16(16, Kind.FLOAT), F16X2(32, Kind.BITS), BF16(16, Kind.BITS), F32(32, Kind.FLOAT), F64(64, Kind.FLOAT);

    enum Kind { PRED, BITS, UNSIGNED, SIGNED, FLOAT }

    final int bits;
    final Kind kind;

    PtxType(int bits, Kind kind) {
        this.bits = bits;
        this.kind = kind;
    }

    /** Size in bytes in memory (a predicate has no memory form; 1 is returned). */
    int bytes() {
        return Math.max(1, bits / 8);
    }

    boolean isFloat() {
        return kind == Kind.FLOAT;
    }

    boolean isSigned() {
        return kind == Kind.SIGNED;
    }

    /** Mask of the meaningful low bits. */
    long mask() {
        return bits == 64 ? -1L : (1L << bits) - 1;
    }

    /** The PTX spelling, e.g. {@code "f32"}. */
    String ptx() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses a qualifier without its dot ({@code "f32"}); null when it is not a type. */
    static PtxType parse(String q) {
        switch (q) {
            case "pred": return PRED;
            case "b8": return B8;
            case "b16": return B16;
            case "b32": return B32;
            case "b64": return B64;
            case "u8": return U8;
            case "u16": return U16;
            case "u32": return U32;
            case "u64": return U64;
            case "s8": return S8;
            case "s16": return S16;
            case "s32": return S32;
            case "s64": return S64;
            case "f16": return F16;
            case "f16x2": return F16X2;
            case "bf16": return BF16;
            case "f32": return F32;
            case "f64": return F64;
            default: return null;
        }
    }

    /** Sign- or zero-extends the low {@code bits} of {@code v} according to this type. */
    long extend(long v) {
        if (bits == 64) {
            return v;
        }
        if (kind == Kind.SIGNED) {
            int sh = 64 - bits;
            return (v << sh) >> sh;
        }
        return v & mask();
    }
}
