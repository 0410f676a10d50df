package org.lde.device.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.lde.device.KernelArgs;

/**
 * The parameter lists of a PTX module's {@code .entry} points, read from the PTX text. The CUDA
 * driver copies kernel arguments by the sizes the kernel declares and never checks what the host
 * passed, so {@link CudaDevice} checks every launch's {@link KernelArgs} against these lists first:
 * a wrong count or type is an error naming the kernel and the parameter, not silent corruption.
 *
 * <p>The rule is the emulator's ({@code EmulatedDevice}): each scalar parameter takes one argument
 * ({@code Ptr} or {@code I64} for {@code .u64/.s64/.b64}, {@code I32} for {@code .u32/.s32/.b32},
 * {@code F32} for {@code .f32}, {@code F64} for {@code .f64}); an array parameter (a struct passed by
 * value, e.g. {@code .param .align 4 .b8 p[16]}) is filled by consecutive scalar arguments
 * ({@code I32}, {@code F32}: 4 bytes; {@code I64}, {@code F64}: 8 bytes), each at its natural alignment,
 * which must cover the array exactly. A pointer cannot go into an array parameter (its device address
 * is not a value the host side can pack portably). Any other parameter type is refused.
 * {@code PtxEntriesTest} checks that both devices accept and refuse the same launches.
 */
final class PtxEntries {

    /**
     * One kernel parameter: its PTX type ({@code u64}, {@code s32}, {@code f32}, ...; {@code array} for
     * an array) and its size in bytes.
     */
    record Param(String name, String type, int bytes) {
        boolean isArray() {
            return type.equals("array");
        }
    }

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_$][\\w$]*)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+([\\w$]+)(?:\\s*\\[\\s*(\\d+)\\s*])?");

    private PtxEntries() {
    }

    /** Entry name to its parameters, in declaration order. */
    static Map<String, List<Param>> parse(String ptx) {
        Map<String, List<Param>> entries = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(stripComments(ptx));
        while (m.find()) {
            List<Param> params = new ArrayList<>();
            String list = m.group(2).trim();
            if (!list.isEmpty()) {
                for (String decl : list.split(",")) {
                    Matcher p = PARAM.matcher(decl.trim());
                    if (p.find()) {
                        String type = p.group(1).toLowerCase(Locale.ROOT);
                        int size = typeBytes(type);
                        if (p.group(3) != null) {   // an array parameter (.b8 name[16], a struct by value)
                            params.add(new Param(p.group(2), "array", size * Integer.parseInt(p.group(3))));
                        } else if (size == 1) {     // a lone byte is filled like a one-byte array (the emulator's rule)
                            params.add(new Param(p.group(2), "array", 1));
                        } else {
                            params.add(new Param(p.group(2), type, size));
                        }
                    } else {
                        params.add(new Param(decl.trim(), "unknown", 0));
                    }
                }
            }
            entries.put(m.group(1), List.copyOf(params));
        }
        return entries;
    }

    private static int typeBytes(String type) {
        return switch (type) {
            case "b8", "u8", "s8" -> 1;
            case "b16", "u16", "s16", "f16" -> 2;
            case "b32", "u32", "s32", "f32" -> 4;
            case "b64", "u64", "s64", "f64" -> 8;
            default -> 0;
        };
    }

    /**
     * Checks {@code args} against {@code params}; returns an empty string when they match, else one
     * sentence naming the first mismatch.
     */
    static String mismatch(List<Param> params, List<KernelArgs.Arg> args) {
        try {
            layout(params, args);
            return "";
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * The value of each parameter, in order: the argument itself for a scalar parameter, the packed
     * little-endian bytes for an array parameter.
     *
     * @throws IllegalArgumentException with one sentence naming the first mismatch
     */
    static List<Object> layout(List<Param> params, List<KernelArgs.Arg> args) {
        List<Object> values = new ArrayList<>(params.size());
        int ai = 0;
        for (int p = 0; p < params.size(); p++) {
            Param param = params.get(p);
            if (param.isArray()) {
                ByteBuffer bytes = ByteBuffer.allocate(param.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                int pos = 0;
                int first = ai;
                while (pos < param.bytes()) {
                    if (ai >= args.size()) {
                        throw new IllegalArgumentException("parameter " + p + " (" + param.name() + ", " + param.bytes()
                                + "-byte array) is only filled up to byte " + pos + " by arguments " + first + ".." + (ai - 1)
                                + "; " + args.size() + " arguments given " + describe(params));
                    }
                    KernelArgs.Arg a = args.get(ai);
                    if (a instanceof KernelArgs.Ptr) {
                        throw new IllegalArgumentException("argument " + ai + " is a pointer but falls into the " + param.bytes()
                                + "-byte array parameter " + p + " (" + param.name() + "): pointers cannot be packed into"
                                + " a struct parameter");
                    }
                    int size = a instanceof KernelArgs.I32 || a instanceof KernelArgs.F32 ? 4 : 8;
                    pos = (pos + size - 1) / size * size;
                    if (pos + size > param.bytes()) {
                        throw new IllegalArgumentException("argument " + ai + " (" + a.getClass().getSimpleName() + ") overruns the "
                                + param.bytes() + "-byte array parameter " + p + " (" + param.name() + ") at byte " + pos);
                    }
                    bytes.position(pos);
                    if (a instanceof KernelArgs.I32 v) {
                        bytes.putInt(v.value());
                    } else if (a instanceof KernelArgs.F32 v) {
                        bytes.putFloat(v.value());
                    } else if (a instanceof KernelArgs.I64 v) {
                        bytes.putLong(v.value());
                    } else if (a instanceof KernelArgs.F64 v) {
                        bytes.putDouble(v.value());
                    }
                    pos += size;
                    ai++;
                }
                values.add(bytes.array());
                continue;
            }
            if (ai >= args.size()) {
                throw new IllegalArgumentException("expects " + params.size() + " parameters " + describe(params) + ", got "
                        + args.size() + " arguments: parameter " + p + " (" + param.name() + ", ." + param.type() + ") has no argument");
            }
            KernelArgs.Arg a = args.get(ai);
            if (!accepts(param.type(), a)) {
                throw new IllegalArgumentException("argument " + ai + " (" + param.name() + ") is ." + param.type()
                        + " in the PTX but was given as " + a.getClass().getSimpleName());
            }
            values.add(a);
            ai++;
        }
        if (ai != args.size()) {
            throw new IllegalArgumentException("expects " + params.size() + " parameters " + describe(params) + ", got "
                    + args.size() + " arguments (the parameters take " + ai + ")");
        }
        return values;
    }

    private static boolean accepts(String type, KernelArgs.Arg a) {
        if (a instanceof KernelArgs.Ptr) {
            return type.equals("u64") || type.equals("s64") || type.equals("b64");
        } else if (a instanceof KernelArgs.I64) {
            return type.equals("u64") || type.equals("s64") || type.equals("b64");
        } else if (a instanceof KernelArgs.I32) {
            return type.equals("u32") || type.equals("s32") || type.equals("b32");
        } else if (a instanceof KernelArgs.F32) {
            return type.equals("f32");
        } else if (a instanceof KernelArgs.F64) {
            return type.equals("f64");
        }
        return false;
    }

    private static String describe(List<Param> params) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            sb.append(i == 0 ? "" : ", ").append(p.isArray() ? ".b8[" + p.bytes() + "]" : "." + p.type());
        }
        return sb.append(')').toString();
    }

    private static String stripComments(String ptx) {
        return ptx.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", "");
    }
}
