package org.lde.engine.bound;

import org.lde.model.Activation;
import org.lde.model.LeakyReLU;
import org.lde.model.ReLU;
import org.lde.model.Sigmoid;
import org.lde.model.Tanh;

/**
 * The linear relaxation of an elementwise activation {@code f} over pre-activation bounds {@code [l, u]}
 * (METHOD.md section 7): per neuron a lower line {@code lowA z + lowB <= f(z)} and an upper line
 * {@code f(z) <= upA z + upB} valid for every {@code z in [l, u]}.
 *
 * <p><b>ReLU and LeakyReLU</b> ({@code f(z) = z} for {@code z > 0}, {@code s z} otherwise; ReLU is
 * {@code s = 0}). {@code l >= 0}: both lines are {@code z}; {@code u <= 0}: both are {@code s z}.
 * Otherwise, with {@code u <- max(u, l + 1e-8)} (the guard of METHOD.md section 7), the chord through
 * {@code (l, s l)} and {@code (u, u)} has slope {@code k = (u - s l) / (u - l)} and intercept
 * {@code (s - k) l = (s - 1) u l / (u - l)} (computed in the second form, free of cancellation). For {@code s <= 1}
 * {@code f = max(z, s z)} is convex: the chord is the upper line and the lower line is {@code a z} for
 * any {@code a in [s, 1]}, adaptively {@code a = 1} if {@code u > -l} else {@code s} (for ReLU exactly
 * CROWN's rule); {@code a} is "free" (alpha-CROWN may optimize it within {@link #slopeMin}..1). For
 * {@code s > 1} {@code f = min(z, s z)} is concave: the chord is the lower line and the upper line
 * is {@code a z} with {@code a = 1} if {@code u > -l} else {@code s} (not optimized).
 *
 * <p><b>Sigmoid and tanh</b> (convex for {@code z < 0}, concave for {@code z > 0}), as CROWN (Zhang et
 * al. 2018) and auto_LiRPA: with the chord {@code k = (f(u) - f(l)) / (u - l)}:
 * <ul>
 *   <li>{@code u <= 0}: upper = chord, lower = tangent at the midpoint;</li>
 *   <li>{@code l >= 0}: lower = chord, upper = tangent at the midpoint;</li>
 *   <li>{@code l < 0 < u}: the chord is a valid upper line iff {@code k <= f'(u)} and a valid lower
 *     line iff {@code k <= f'(l)} (f - chord is convex then concave and zero at both ends); otherwise
 *     the upper line is the tangent at the smallest {@code d in [0, u]} (found by bisection, the
 *     feasible end kept) whose tangent passes on or above {@code (l, f(l))}, and the lower line the
 *     tangent at the largest {@code d in [l, 0]} whose tangent passes on or below {@code (u, f(u))};</li>
 *   <li>an interval narrower than {@code 1e-9 (1 + |l|)} (degenerate ones included) gets the constant
 *     lines {@code f(l)} and {@code f(u)} (f is increasing).</li>
 * </ul>
 * Every sigmoid/tanh line is moved outward by {@code 1e-12 (1 + |a| max(|l|, |u|))}, which covers the
 * float64 rounding of {@code f}, of the slopes and of the bisection's feasibility test, so the lines are
 * sound for every interval. ReLU/LeakyReLU lines are exact (no margin), as before.
 */
final class ActivationLines {
    /** Width below which a sigmoid/tanh interval gets constant lines. */
    static final double DEGENERATE = 1e-9;
    /** Relative outward margin of sigmoid/tanh lines. */
    static final double MARGIN = 1e-12;
    /** Bisection steps of a sigmoid/tanh tangent search. */
    static final int BISECTIONS = 40;

    final double[] lowA;
    final double[] lowB;
    final double[] upA;
    final double[] upB;
    /** Whether neuron {@code i}'s lower line is {@code a z} with a slope alpha-CROWN may choose. */
    final boolean[] free;
    /** The smallest allowed free slope ({@code s} of a LeakyReLU, 0 for ReLU); free slopes lie in {@code [slopeMin, 1]}. */
    final double slopeMin;

    private ActivationLines(int n, double slopeMin) {
        lowA = new double[n];
        lowB = new double[n];
        upA = new double[n];
        upB = new double[n];
        free = new boolean[n];
        this.slopeMin = slopeMin;
    }

    /** The negative-side slope of a piecewise-linear activation, or NaN for sigmoid/tanh. */
    static double leakSlope(Activation f) {
        if (f instanceof ReLU) {
            return 0;
        }
        if (f instanceof LeakyReLU lr) {
            return lr.slope();
        }
        return Double.NaN;
    }

    /** Whether alpha-CROWN optimizes lower slopes of this activation (ReLU, LeakyReLU with slope {@code <= 1}). */
    static boolean optimizable(Activation f) {
        double s = leakSlope(f);
        return !Double.isNaN(s) && s <= 1;
    }

    /** The lines of {@code f} for every neuron with bounds {@code [l[i], u[i]]}. */
    static ActivationLines of(Activation f, double[] l, double[] u) {
        double s = leakSlope(f);
        ActivationLines r = new ActivationLines(l.length, Double.isNaN(s) ? 0 : Math.min(s, 1));
        for (int i = 0; i < l.length; i++) {
            if (!Double.isNaN(s)) {
                r.leaky(i, s, l[i], u[i]);
            } else {
                r.sShaped(i, f, l[i], u[i]);
            }
        }
        return r;
    }

    /** The adaptive lower slope of a free neuron (CROWN's default, the starting point of alpha-CROWN). */
    static double adaptive(double s, double l, double u) {
        double uu = Math.max(u, l + BoundReference.RELU_GUARD);
        return uu > -l ? 1 : s;
    }

    private void leaky(int i, double s, double l, double u) {
        if (l >= 0) {
            set(i, 1, 0, 1, 0);
            return;
        }
        if (u <= 0) {
            set(i, s, 0, s, 0);
            return;
        }
        double uu = Math.max(u, l + BoundReference.RELU_GUARD);
        double k = (uu - s * l) / (uu - l);
        // the chord's intercept (s - k) l, written without the cancellation in s - k
        double b = (s - 1) * uu * l / (uu - l);
        double a = uu > -l ? 1 : s;
        if (s <= 1) {
            set(i, a, 0, k, b);
            free[i] = true;
        } else {
            set(i, k, b, a, 0);
        }
    }

    private void set(int i, double la, double lb, double ua, double ub) {
        lowA[i] = la;
        lowB[i] = lb;
        upA[i] = ua;
        upB[i] = ub;
    }

    private static double f(Activation f, double z) {
        return f.apply(z);
    }

    private static double df(Activation f, double z) {
        double y = f.apply(z);
        return f instanceof Sigmoid ? y * (1 - y) : 1 - y * y;
    }

    private void sShaped(int i, Activation fn, double l, double u) {
        if (!(fn instanceof Sigmoid) && !(fn instanceof Tanh)) {
            throw new IllegalArgumentException("activation '" + fn.name() + "' (" + fn.kind() + ") has no relaxation");
        }
        double fl = f(fn, l);
        double fu = f(fn, u);
        double w = u - l;
        double span = Math.max(Math.abs(l), Math.abs(u));
        if (w <= DEGENERATE * (1 + Math.abs(l))) {
            double m = MARGIN * (1 + span);
            set(i, 0, fl - m, 0, fu + m);
            return;
        }
        double k = (fu - fl) / w;
        double la;
        double lb;
        double ua;
        double ub;
        if (u <= 0 || l >= 0) {
            double mid = 0.5 * (l + u);
            double tm = df(fn, mid);
            double tb = f(fn, mid) - tm * mid;
            if (u <= 0) {
                la = tm;
                lb = tb;
                ua = k;
                ub = fl - k * l;
            } else {
                la = k;
                lb = fl - k * l;
                ua = tm;
                ub = tb;
            }
        } else {
            if (k <= df(fn, u)) {
                ua = k;
                ub = fl - k * l;
            } else {
                // smallest d in [0, u] whose tangent passes on or above (l, f(l)); hi stays feasible
                double lo = 0;
                double hi = u;
                for (int it = 0; it < BISECTIONS; it++) {
                    double d = 0.5 * (lo + hi);
                    if (f(fn, d) + df(fn, d) * (l - d) >= fl) {
                        hi = d;
                    } else {
                        lo = d;
                    }
                }
                ua = df(fn, hi);
                ub = f(fn, hi) - ua * hi;
            }
            if (k <= df(fn, l)) {
                la = k;
                lb = fl - k * l;
            } else {
                // largest d in [l, 0] whose tangent passes on or below (u, f(u)); lo stays feasible
                double lo = l;
                double hi = 0;
                for (int it = 0; it < BISECTIONS; it++) {
                    double d = 0.5 * (lo + hi);
                    if (f(fn, d) + df(fn, d) * (u - d) <= fu) {
                        lo = d;
                    } else {
                        hi = d;
                    }
                }
                la = df(fn, lo);
                lb = f(fn, lo) - la * lo;
            }
        }
        set(i, la, lb - MARGIN * (1 + Math.abs(la) * span), ua, ub + MARGIN * (1 + Math.abs(ua) * span));
    }
}
