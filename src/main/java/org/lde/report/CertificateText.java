package org.lde.report;

import java.util.Locale;
import org.lde.explain.Certificate;

/**
 * The certificate of an explanation in words, with the labels of METHOD.md section 4, for the panels,
 * the HTML report and the command line: the interval {@code r_lo <= r_true <= r_hi} ({@code r_lo}
 * "certified", shown as "not computed" unless asked for; {@code r_hi} "verified", or "none verified"),
 * and the linearized bound {@code r_lin}, which is labelled as local and never as certified.
 */
public final class CertificateText {
    private CertificateText() {
    }

    /** The interval line of a certificate. */
    public static String interval(Certificate c) {
        return interval(c.norm().name(), c.rLo(), c.verified(), c.rHi(), c.verifiedBy().label(), c.rLoOverRHi());
    }

    /**
     * The interval line from its fields, e.g. {@code r_lo 0.1 (certified) <= r_true <= r_hi 0.4 (verified,
     * float64-backend), r_lo/r_hi 0.25, L2}.
     *
     * @param rLo NaN when not computed
     * @param rHi NaN when nothing was verified
     */
    public static String interval(String norm, double rLo, boolean verified, double rHi, String verifiedBy, double ratio) {
        String lo = Double.isNaN(rLo) ? "r_lo not computed (--certify)" : "r_lo " + num(rLo) + " (certified)";
        String hi = verified ? "r_hi " + num(rHi) + " (verified, " + verifiedBy + ")" : "r_hi: none verified";
        String r = Double.isNaN(ratio) ? "" : ", r_lo/r_hi " + String.format(Locale.ROOT, "%.3f", ratio);
        return lo + " <= r_true <= " + hi + r + "  [" + norm + " of delta]";
    }

    /** The linearized-bound line of a certificate. */
    public static String linearized(Certificate c) {
        return linearized(c.linearizedStatus().name(), c.rLin(), c.linearizedRelativeGap(), c.verified());
    }

    /**
     * The linearized-bound line from its fields, e.g. {@code r_lin 0.3 (linearized at x, local; solve SOLVED,
     * gap 1e-16)}; for an infeasible linearization, what it means and (when a point is verified) that the
     * network disagrees.
     */
    public static String linearized(String status, double rLin, double gap, boolean verified) {
        if ("INFEASIBLE_IN_BOX".equals(status)) {
            return "r_lin: the linearization at x has no solution in the box (solve INFEASIBLE_IN_BOX; local, not a bound"
                    + " on the network" + (verified ? "; the network was flipped nevertheless" : "") + ")";
        }
        return "r_lin " + num(rLin) + " (linearized at x, local, not a bound on the network; solve " + status + ", gap "
                + String.format(Locale.ROOT, "%.1e", gap) + ")";
    }

    static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : Double.toString(v);
    }
}
