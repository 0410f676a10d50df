package org.lde.certify;

import java.util.Locale;

/** How bounds are computed (METHOD.md section 7). */
public enum Method {
    /** Interval bound propagation; the specification folded into the last Dense layer. */
    IBP("ibp"),
    /** CROWN: back-substitution for the output and for every intermediate layer. */
    CROWN("crown"),
    /** IBP bounds for the intermediate layers, back-substitution for the output only. */
    CROWN_IBP("crown-ibp"),
    /** CROWN with lower ReLU slopes optimized per specification row by projected gradient ascent (never looser). */
    ALPHA_CROWN("alpha-crown");

    private final String label;

    Method(String label) {
        this.label = label;
    }

    /** The name used on the command line and in result files: {@code ibp}, {@code crown}, {@code crown-ibp}, {@code alpha-crown}. */
    public String label() {
        return label;
    }

    public static Method parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Method m : values()) {
            if (m.label.equals(k)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown bound method '" + s + "'; use ibp, crown, crown-ibp or alpha-crown");
    }
}
