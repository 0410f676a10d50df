package org.lde.device.cuda;

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
 */
final class PtxEntries {

    /** PTX parameter type of one kernel parameter, e.g. {@code u64}, {@code s32}, {@code f32}. */
    record Param(String name, String type) {
    }

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_$][\\w$]*)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+([\\w$]+)(\\s*\\[\\s*\\d+\\s*])?");

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
                        // an array parameter (.b8 name[16], a struct by value) is kept as an opaque type
                        String type = p.group(3) == null ? p.group(1) : "array";
                        params.add(new Param(p.group(2), type));
                    } else {
                        params.add(new Param(decl.trim(), "unknown"));
                    }
                }
            }
            entries.put(m.group(1), List.copyOf(params));
        }
        return entries;
    }

    /**
     * Checks {@code args} against {@code params}; returns an empty string when they match, else one
     * sentence naming the first mismatch.
     */
    static String mismatch(List<Param> params, List<KernelArgs.Arg> args) {
        if (params.size() != args.size()) {
            return "expects " + params.size() + " arguments " + describe(params) + ", got " + args.size();
        }
        for (int i = 0; i < params.size(); i++) {
            String type = params.get(i).type().toLowerCase(Locale.ROOT);
            KernelArgs.Arg a = args.get(i);
            boolean ok;
            if (a instanceof KernelArgs.Ptr) {
                ok = type.equals("u64") || type.equals("b64");
            } else if (a instanceof KernelArgs.I64) {
                ok = type.equals("u64") || type.equals("s64") || type.equals("b64");
            } else if (a instanceof KernelArgs.I32) {
                ok = type.equals("u32") || type.equals("s32") || type.equals("b32");
            } else if (a instanceof KernelArgs.F32) {
                ok = type.equals("f32") || type.equals("b32");
            } else if (a instanceof KernelArgs.F64) {
                ok = type.equals("f64") || type.equals("b64");
            } else {
                ok = false;
            }
            if (!ok) {
                return "argument " + i + " (" + params.get(i).name() + ") is ." + params.get(i).type()
                        + " in the PTX but was given as " + a.getClass().getSimpleName();
            }
        }
        return "";
    }

    private static String describe(List<Param> params) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < params.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append('.').append(params.get(i).type());
        }
        return sb.append(')').toString();
    }

    private static String stripComments(String ptx) {
        return ptx.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", "");
    }
}
