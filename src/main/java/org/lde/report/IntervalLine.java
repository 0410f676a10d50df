package org.lde.report;

import java.util.Locale;
import org.lde.explain.Certificate;

/**
 * The certificate drawn on a number line (inline SVG): the axis from 0 in the norm of {@code delta}; the
 * certified radius {@code r_lo} (green, when computed); the verified upper bound {@code r_hi} (red, the
 * size of the point a float64 forward pass tested); the band where {@code r_true} lies ({@code [r_lo, r_hi]},
 * {@code [0, r_hi]} without {@code r_lo}, {@code [r_lo, ...)} without {@code r_hi}); and, when it shares their
 * norm (additive model), the linearized {@code r_lin} as a hollow grey marker below the axis, labelled local.
 * Nothing else is drawn as a bound.
 */
public final class IntervalLine {
    static final int WIDTH = 520;
    static final int X0 = 20;
    static final int X1 = 400;
    static final int AXIS_Y = 52;

    private IntervalLine() {
    }

    /**
     * @param comparable whether {@code r_lin} is in the same norm as {@code r_lo, r_hi} (the additive model);
     *                   otherwise it is left off the line (the text below the line states it)
     */
    public static String svg(Certificate c, boolean comparable) {
        boolean lo = c.rLoComputed();
        boolean hi = c.verified();
        boolean lin = comparable && Double.isFinite(c.rLin());
        double max = 0;
        if (lo) {
            max = Math.max(max, c.rLo());
        }
        if (hi) {
            max = Math.max(max, c.rHi());
        }
        if (lin) {
            max = Math.max(max, c.rLin());
        }
        if (!(max > 0)) {
            return "<svg class=\"interval\" width=\"" + WIDTH + "\" height=\"30\"><text x=\"4\" y=\"18\" font-size=\"12\">"
                    + (hi ? "r_hi = 0: x itself already reaches the goal (its decision is already not the explained one, or already "
                    + "the target); nothing to change" : "nothing to draw: none verified"
                    + (lo ? ", r_lo = 0" : ", r_lo not computed")) + "</text></svg>";
        }
        double range = 1.15 * max;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"interval\" width=\"").append(WIDTH).append("\" height=\"96\" viewBox=\"0 0 ").append(WIDTH)
                .append(" 96\" role=\"img\" aria-label=\"").append(HtmlIndex.esc(CertificateText.interval(c))).append("\">");
        // the band where r_true lies
        double bandFrom = lo ? c.rLo() : 0;
        double bandTo = hi ? c.rHi() : range;
        String bandText = hi ? (lo ? "r_true lies here" : "r_true in [0, r_hi]") : "r_true >= r_lo (no upper bound: none verified)";
        if (lo || hi) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"12\" fill=\"#fbe3d6\"/>",
                    px(bandFrom, range), AXIS_Y - 6, Math.max(1, px(bandTo, range) - px(bandFrom, range))));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"#7a3b1f\">%s</text>",
                    px(bandFrom, range) + 3, AXIS_Y + 18, bandText));
        }
        // axis and ticks
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", X0, AXIS_Y, X1,
                AXIS_Y));
        for (int k = 0; k <= 4; k++) {
            double v = range * k / 4;
            double x = px(v, range);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>", x, AXIS_Y,
                    x, AXIS_Y + 4));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" "
                    + "fill=\"#555\">%s</text>", x, AXIS_Y + 32, k == 0 ? "0" : ColourBar.tick(v)));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#555\">||delta||_%s</text>",
                X1 + 8, AXIS_Y + 4, normName(c)));
        if (lo) {
            double x = px(c.rLo(), range);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#1a7f37\" "
                    + "stroke-width=\"3\"/>", x, AXIS_Y - 22, x, AXIS_Y + 8));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"13\" fill=\"#1a7f37\" "
                    + "text-anchor=\"%s\">r_lo %s certified</text>", x < X0 + 110 ? x + 4 : x - 4, AXIS_Y - 12,
                    x < X0 + 110 ? "start" : "end", CertificateText.num(c.rLo())));
        } else {
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#555\">r_lo not computed "
                    + "(--certify)</text>", X0, 10));
        }
        if (hi) {
            double x = px(c.rHi(), range);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#b2182b\" "
                    + "stroke-width=\"3\"/>", x, AXIS_Y - 38, x, AXIS_Y + 8));
            boolean right = x > (X0 + X1) / 2.0;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"13\" fill=\"#b2182b\" "
                    + "text-anchor=\"%s\">r_hi %s verified (the tested point)</text>", right ? x - 4 : x + 4, AXIS_Y - 26,
                    right ? "end" : "start", CertificateText.num(c.rHi())));
        }
        if (lin) {
            double x = px(c.rLin(), range);
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%d\" r=\"4\" fill=\"white\" stroke=\"#777\" "
                    + "stroke-width=\"1.5\"/>", x, AXIS_Y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"#777\" "
                    + "text-anchor=\"middle\">r_lin %s (linearized, local; not a bound)</text>", Math.max(120, Math.min(x, 330)),
                    AXIS_Y + 44, CertificateText.num(c.rLin())));
        }
        return sb.append("</svg>").toString();
    }

    private static String normName(Certificate c) {
        switch (c.norm()) {
            case LINF:
                return "inf";
            case L1:
                return "1";
            case L2:
            default:
                return "2";
        }
    }

    private static double px(double v, double range) {
        return X0 + (X1 - X0) * Math.max(0, Math.min(1, v / range));
    }
}
