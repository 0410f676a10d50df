package org.lde.engine.bound;

/** The norm of the perturbation ball {@code ||x' - x||_p <= eps} of METHOD.md section 7. */
public enum Norm {
    /** {@code p = inf}: the box {@code [x - eps, x + eps]}, intersected with the data domain {@code [lo, hi]^d}. */
    LINF,
    /** {@code p = 2}: the Euclidean ball, not intersected with the domain (as auto_LiRPA). */
    L2;

    /** Parses {@code linf} / {@code l2} (case-insensitive). */
    public static Norm parse(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "linf":
            case "inf":
                return LINF;
            case "l2":
            case "2":
                return L2;
            default:
                throw new IllegalArgumentException("unknown norm '" + s + "'; use linf or l2");
        }
    }

    /** {@code linf} or {@code l2}, as on the command line and in result files. */
    public String label() {
        return this == LINF ? "linf" : "l2";
    }
}
