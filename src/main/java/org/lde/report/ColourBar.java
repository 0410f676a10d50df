package org.lde.report;

import java.util.Locale;

/**
 * The colour bar of a signed map as inline SVG: the {@link Colormap} diverging gradient from {@code -m} to
 * {@code +m}, with ticks at {@code -m}, {@code -m/2}, {@code 0}, {@code m/2}, {@code m} and labels at {@code -m}, {@code 0},
 * {@code m}.
 */
final class ColourBar {
    static final int WIDTH = 224;

    private ColourBar() {
    }

    /** The gradient's id, defined once per page by {@link #defs()}. */
    static final String GRADIENT = "lde-diverging";

    /** The page's one gradient definition (an invisible SVG), referenced by every bar. */
    static String defs() {
        StringBuilder sb = new StringBuilder("<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\">"
                + "<defs><linearGradient id=\"" + GRADIENT + "\">");
        String[] stops = Colormap.cssStops();
        for (int i = 0; i < stops.length; i++) {
            sb.append(String.format(Locale.ROOT, "<stop offset=\"%.4f\" stop-color=\"%s\"/>", i / (double) (stops.length - 1),
                    stops[i]));
        }
        return sb.append("</linearGradient></defs></svg>\n").toString();
    }

    /** The bar for the symmetric scale {@code [-m, m]} ({@code m = 0}: a flat map, said in words). */
    static String svg(double m) {
        if (!(m > 0)) {
            return "<div class=\"s\">the map is 0 everywhere</div>";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"colourbar\" width=\"").append(WIDTH).append("\" height=\"40\" viewBox=\"0 0 ").append(WIDTH)
                .append(" 40\" role=\"img\" aria-label=\"colour scale from -").append(CertificateText.num(m)).append(" to ")
                .append(CertificateText.num(m)).append("\">");
        sb.append("<rect x=\"8\" y=\"2\" width=\"").append(WIDTH - 16)
                .append("\" height=\"12\" fill=\"url(#" + GRADIENT + ")\" stroke=\"#888\" stroke-width=\"0.5\"/>");
        double[] at = {-1, -0.5, 0, 0.5, 1};
        for (double a : at) {
            double x = 8 + (WIDTH - 16) * (a + 1) / 2;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"19\" stroke=\"#333\"/>", x, x));
            if (Math.abs(a) == 0.5) {
                continue; // unlabelled half ticks: five labels do not fit in 224 pixels
            }
            String label = a == 0 ? "0" : tick(a * m);
            String anchor = a == -1 ? "start" : a == 1 ? "end" : "middle";
            double lx = a == -1 ? x - 6 : a == 1 ? x + 6 : x;
            lx = Math.max(0, Math.min(WIDTH, lx));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"31\" font-size=\"10\" text-anchor=\"%s\">%s</text>", lx,
                    anchor, label));
        }
        sb.append("</svg>");
        return sb.toString();
    }

    static String tick(double v) {
        return String.format(Locale.ROOT, "%.3g", v).replace("e-0", "e-").replace("e+0", "e");
    }
}
