package org.lde.report;

import java.util.Locale;
import org.lde.explain.Certificate;
import org.lde.explain.Explanation;
import org.lde.explain.Perturbation;

/**
 * The certificate of an explanation in words, with the labels of METHOD.md section 4, for the panels,
 * the HTML report and the command line: the interval {@code r_lo <= r_true <= r_hi} ({@code r_lo}
 * "certified", shown as "not computed" unless asked for ({@code --certify}); {@code r_hi} "verified" by a
 * float64 forward pass, or "none verified"), in the norm of {@code delta} they share, and the linearized
 * bound {@code r_lin}, which is labelled as local and never as certified.
 */
public final class CertificateText {
    private CertificateText() {
    }

    /** The interval line of a certificate. */
    public static String interval(Certificate c) {
        return interval(c.norm().name(), c.rLo(), c.verified(), c.rHi(), c.rLoOverRHi());
    }

    /**
     * The interval line from its fields, e.g. {@code r_lo 0.1 certified <= r_true <= r_hi 0.4 verified,
     * r_lo/r_hi 0.250 [L2]}, or {@code r_lo not computed <= r_true <= r_hi: none verified [L2]}.
     *
     * @param rLo NaN when not computed
     * @param rHi NaN when nothing was verified
     */
    public static String interval(String norm, double rLo, boolean verified, double rHi, double ratio) {
        String lo = Double.isNaN(rLo) ? "r_lo not computed" : "r_lo " + num(rLo) + " certified";
        String hi = verified ? "r_hi " + num(rHi) + " verified" : "r_hi: none verified";
        String r = Double.isNaN(ratio) ? "" : ", r_lo/r_hi " + String.format(Locale.ROOT, "%.3f", ratio);
        return lo + " <= r_true <= " + hi + r + " [" + norm + "]";
    }

    /** The linearized-bound line of an explanation's certificate. */
    public static String linearized(Explanation e) {
        Certificate c = e.certificate();
        return linearized(c.linearizedStatus().name(), c.rLin(), c.linearizedRelativeGap(), c.verified(),
                e.perturbation() == Perturbation.DELETION);
    }

    /**
     * The linearized-bound line from its fields, e.g. {@code r_lin 0.3 linearized at x (local, not a network
     * bound; solve SOLVED, gap 1.0e-16)}; for an infeasible linearization what it means, and (when a point is
     * verified) that the network disagrees with its linear model.
     *
     * @param deletion whether {@code r_lin} is a norm of the deletion model's {@code t} (the removed fraction
     *                 per feature), not of {@code delta}: then it says so
     */
    public static String linearized(String status, double rLin, double gap, boolean verified, boolean deletion) {
        if ("INFEASIBLE_IN_BOX".equals(status)) {
            return "linearization at x infeasible in the box (local, not a network bound"
                    + (verified ? "; the network flips nevertheless" : "") + ")";
        }
        return "r_lin " + num(rLin) + (deletion ? " of t" : "") + " linearized at x (local, not a network bound; solve " + status + ", gap "
                + String.format(Locale.ROOT, "%.1e", gap) + ")";
    }

    static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : Double.toString(v);
    }
}
