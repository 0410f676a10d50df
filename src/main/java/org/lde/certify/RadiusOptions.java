package org.lde.certify;

/**
 * Options of the certified-radius bisection.
 *
 * @param tolerance absolute width of the final bracket {@code [r_lo, r_lo + tolerance]}, whose lower end
 *     was certified and whose upper end was not (default {@code 1e-4})
 * @param maxEps the largest radius tried; {@code NaN} means the domain's size: {@code hi - lo} for
 *     L_inf (the box then covers the whole domain), {@code sqrt(d) (hi - lo)} for L2
 */
public record RadiusOptions(double tolerance, double maxEps) {
    public RadiusOptions {
        if (!(tolerance > 0) || !Double.isFinite(tolerance)) {
            throw new IllegalArgumentException("radius tolerance must be a positive finite number, got " + tolerance);
        }
        if (!Double.isNaN(maxEps) && !(maxEps > 0 && Double.isFinite(maxEps))) {
            throw new IllegalArgumentException("maximal radius must be positive and finite (or NaN for the domain's size), got " + maxEps);
        }
    }

    /** Tolerance {@code 1e-4}, the domain's size as the largest radius. */
    public static RadiusOptions defaults() {
        return new RadiusOptions(1e-4, Double.NaN);
    }

    public RadiusOptions withTolerance(double t) {
        return new RadiusOptions(t, maxEps);
    }

    public RadiusOptions withMaxEps(double m) {
        return new RadiusOptions(tolerance, m);
    }
}
