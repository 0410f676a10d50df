package org.lde.engine.dual;

import java.util.Arrays;

/**
 * Package-private float64 kernels of one problem: {@code A} is {@code K x d} row-major.
 * Shared by the solver, {@link Certificates} and {@code org.lde.explain.Attributions}, so that every quantity
 * has one definition.
 */
final class DualMath {
    private DualMath() {
    }

    /** {@link DualLinearAlgebra#clip}. */
    static double clip(double x, double lo, double hi) {
        return DualLinearAlgebra.clip(x, lo, hi);
    }

    /** {@code out = A^T lambda} ({@code d}): {@link DualLinearAlgebra#multTransA}. */
    static double[] multTransA(double[] a, int k, int d, double[] lambda) {
        return DualLinearAlgebra.multTransA(a, k, d, lambda);
    }

    /** {@code out = A t} ({@code K}). */
    static double[] mult(double[] a, int k, int d, double[] t) {
        double[] out = new double[k];
        for (int j = 0; j < k; j++) {
            int off = j * d;
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += a[off + i] * t[i];
            }
            out[j] = s;
        }
        return out;
    }

    /** {@code t(lambda) = clip(A^T lambda, tl, tu)}. */
    static double[] tOfLambda(double[] a, int k, int d, double[] lambda, double[] tl, double[] tu) {
        double[] t = multTransA(a, k, d, lambda);
        for (int i = 0; i < d; i++) {
            t[i] = clip(t[i], tl[i], tu[i]);
        }
        return t;
    }

    static double halfSquaredNorm(double[] t) {
        double s = 0;
        for (double v : t) {
            s += v * v;
        }
        return 0.5 * s;
    }

    /**
     * The L2 dual function {@code G(lambda) = 1/2||t||^2 - lambda^T (A t - r)} at
     * {@code t = t(lambda)}; defined for every {@code lambda} (the caller checks {@code lambda >= 0}).
     */
    static double dualL2(double[] a, int k, int d, double[] r, double[] tl, double[] tu, double[] lambda) {
        double[] t = tOfLambda(a, k, d, lambda, tl, tu);
        double[] at = mult(a, k, d, t);
        double g = halfSquaredNorm(t);
        for (int j = 0; j < k; j++) {
            g -= lambda[j] * (at[j] - r[j]);
        }
        return g;
    }

    /**
     * The support function of the box, {@code sigma(w) = max_{tl <= t <= tu} w^T t
     * = sum_i max(w_i tl_i, w_i tu_i)}, with a term 0 where {@code w_i = 0} (even for infinite
     * bounds); {@code +Infinity} when unbounded.
     */
    static double supportBox(double[] w, double[] tl, double[] tu) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] > 0) {
                s += w[i] * tu[i];
            } else if (w[i] < 0) {
                s += w[i] * tl[i];
            }
        }
        return s;
    }

    /** A maximizer of {@code w^T t} over the box: {@code tu} where {@code w > 0}, {@code tl} where {@code w < 0}, {@code clip(0)} where {@code w = 0}. */
    static double[] argmaxBox(double[] w, double[] tl, double[] tu) {
        double[] t = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            t[i] = w[i] > 0 ? tu[i] : (w[i] < 0 ? tl[i] : clip(0, tl[i], tu[i]));
        }
        return t;
    }

    /** {@code clip(0, tl, tu)}: the box point of least magnitude in every coordinate. */
    static double[] clipZero(double[] tl, double[] tu) {
        double[] t = new double[tl.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = clip(0, tl[i], tu[i]);
        }
        return t;
    }

    /** {@code max_k max(0, r_k - a_k^T t)}. */
    static double maxViolation(double[] a, int k, int d, double[] r, double[] t) {
        double[] at = mult(a, k, d, t);
        double m = 0;
        for (int j = 0; j < k; j++) {
            m = Math.max(m, r[j] - at[j]);
        }
        return m;
    }

    /** Feasibility in the sense of {@link DualSolverOptions#feasibilityTolerance()} (the box is assumed). */
    static boolean feasible(double[] a, int k, int d, double[] r, double[] t, double tol) {
        for (int j = 0; j < k; j++) {
            int off = j * d;
            double s = 0;
            double scale = Math.abs(r[j]);
            for (int i = 0; i < d; i++) {
                double p = a[off + i] * t[i];
                s += p;
                scale += Math.abs(p);
            }
            if (!(r[j] - s <= tol * scale)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A bound on the float64 rounding error of the gap {@code p - G = lambda^T (A t - r)} at
     * {@code t = fl(clip(A^T lambda))}: the computed {@code t_i} carries an error up to
     * {@code gamma_K (|A|^T lambda)_i} (cancellation in {@code A^T lambda}), which moves
     * {@code a_k^T t} by up to {@code sum_i |a_ki| gamma_K (|A|^T lambda)_i}; evaluating
     * {@code a_k^T t - r_k} adds {@code gamma_d (sum_i |a_ki t_i| + |r_k|)}; forming {@code p - G}
     * adds {@code eps |p|}. {@code gamma_n = n u / (1 - n u)} with {@code u = 2^-53}, taken as
     * {@code (n + 2) 2^-52} for safety.
     */
    static double gapRoundingFloor(double[] a, int k, int d, double[] r, double[] lambda, double[] t, double p) {
        double u = Math.ulp(1.0);
        double gk = (k + 2) * u;
        double gd = (d + 2) * u;
        double[] absAl = new double[d];
        for (int j = 0; j < k; j++) {
            double l = Math.abs(lambda[j]);
            if (l == 0) {
                continue;
            }
            for (int i = 0; i < d; i++) {
                absAl[i] += l * Math.abs(a[j * d + i]);
            }
        }
        double floor = u * Math.abs(p);
        for (int j = 0; j < k; j++) {
            double l = Math.abs(lambda[j]);
            if (l == 0) {
                continue;
            }
            double move = 0;
            double eval = Math.abs(r[j]);
            for (int i = 0; i < d; i++) {
                double aji = Math.abs(a[j * d + i]);
                move += aji * absAl[i];
                eval += aji * Math.abs(t[i]);
            }
            floor += l * (gk * move + gd * eval);
        }
        return floor;
    }

    static double boxViolation(double[] t, double[] tl, double[] tu) {
        double m = 0;
        for (int i = 0; i < t.length; i++) {
            m = Math.max(m, Math.max(tl[i] - t[i], t[i] - tu[i]));
        }
        return m;
    }

    /** {@code (p - g) / max(|p|, |g|)}; 0 when both are 0; {@code +Infinity} when {@code p} is infinite. */
    static double relativeGap(double primal, double dual) {
        if (Double.isInfinite(primal) || Double.isInfinite(dual)) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = Math.max(Math.abs(primal), Math.abs(dual));
        return scale == 0 ? 0 : (primal - dual) / scale;
    }

    /**
     * The L_inf dual function for {@code K = 1}:
     * {@code g(lambda) = lambda r + min_{t in box} (||t||_inf - lambda a^T t)
     *                  = lambda r + min_{s >= s0} (s - lambda M(s))},
     * with {@code s0 = max_i max(0, tl_i, -tu_i)} and {@code M(s) = sum_i |a_i| min(c_i, s)},
     * {@code c_i = tu_i} where {@code a_i > 0} and {@code -tl_i} where {@code a_i < 0}.
     * {@code s - lambda M(s)} is convex and piecewise linear in {@code s}; its minimum lies at
     * {@code s0} or at a cap {@code c_i > s0}, or is {@code -Infinity} when the final slope
     * {@code 1 - lambda sum_{c_i = inf} |a_i|} is negative.
     */
    static double dualLinf(double[] a, double r, double[] tl, double[] tu, double lambda) {
        int d = a.length;
        double s0 = linfStart(tl, tu);
        double[] caps = new double[d];
        int n = 0;
        double slopeM = 0;
        double m0 = 0;
        for (int i = 0; i < d; i++) {
            if (a[i] == 0) {
                continue;
            }
            double c = a[i] > 0 ? tu[i] : -tl[i];
            double w = Math.abs(a[i]);
            if (c > s0) {
                slopeM += w;
                m0 += w * s0;
                if (c < Double.POSITIVE_INFINITY) {
                    caps[n++] = c;
                }
            } else {
                m0 += w * c;
            }
        }
        // weights by cap position
        double[] capPos = Arrays.copyOf(caps, n);
        Arrays.sort(capPos);
        double[] capW = capWeights(a, tl, tu, s0, capPos);
        double s = s0;
        double h = s0 - lambda * m0;
        double best = h;
        for (int e = 0; e < n; e++) {
            double slope = 1 - lambda * slopeM;
            h += slope * (capPos[e] - s);
            s = capPos[e];
            best = Math.min(best, h);
            slopeM -= capW[e];
        }
        // the slope of M on the last ray, summed directly (not by subtraction) and in index order,
        // as the solver sums it, so that lambda* = 1/slope gives a final slope of exactly >= 0
        double inf = 0;
        for (int i = 0; i < d; i++) {
            if (a[i] != 0 && (a[i] > 0 ? tu[i] : -tl[i]) == Double.POSITIVE_INFINITY) {
                inf += Math.abs(a[i]);
            }
        }
        double finalSlope = 1 - lambda * inf;
        if (finalSlope < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        return lambda * r + best;
    }

    /** For each sorted cap position, the |a_i| whose cap it is (same order as capPos). */
    private static double[] capWeights(double[] a, double[] tl, double[] tu, double s0, double[] capPos) {
        int d = a.length;
        int n = capPos.length;
        Integer[] idx = new Integer[n];
        double[] c = new double[n];
        double[] w = new double[n];
        int m = 0;
        for (int i = 0; i < d; i++) {
            if (a[i] == 0) {
                continue;
            }
            double ci = a[i] > 0 ? tu[i] : -tl[i];
            if (ci > s0 && ci < Double.POSITIVE_INFINITY) {
                c[m] = ci;
                w[m] = Math.abs(a[i]);
                idx[m] = m;
                m++;
            }
        }
        Arrays.sort(idx, (x, y) -> Double.compare(c[x], c[y]));
        double[] out = new double[n];
        for (int e = 0; e < n; e++) {
            out[e] = w[idx[e]];
        }
        return out;
    }

    /** {@code s0 = max_i max(0, tl_i, -tu_i)}: the least L_inf magnitude of any box point. */
    static double linfStart(double[] tl, double[] tu) {
        double s0 = 0;
        for (int i = 0; i < tl.length; i++) {
            s0 = Math.max(s0, Math.max(tl[i], -tu[i]));
        }
        return s0;
    }

    /**
     * The L1 dual function for {@code K = 1}:
     * {@code g(lambda) = lambda r + sum_i min_{tl_i <= t_i <= tu_i} (|t_i| - lambda a_i t_i)}.
     * Each term is convex piecewise linear with its kink at 0, so its minimum is at
     * {@code clip(0, tl_i, tu_i)} or at a finite bound, or is {@code -Infinity} when the slope
     * toward an infinite bound is negative.
     */
    static double dualL1(double[] a, double r, double[] tl, double[] tu, double lambda) {
        double g = lambda * r;
        for (int i = 0; i < a.length; i++) {
            double c = lambda * a[i];
            if (tu[i] == Double.POSITIVE_INFINITY && 1 - c < 0) {
                return Double.NEGATIVE_INFINITY;
            }
            if (tl[i] == Double.NEGATIVE_INFINITY && 1 + c < 0) {
                return Double.NEGATIVE_INFINITY;
            }
            double z = clip(0, tl[i], tu[i]);
            double best = Math.abs(z) - c * z;
            if (Double.isFinite(tl[i])) {
                best = Math.min(best, Math.abs(tl[i]) - c * tl[i]);
            }
            if (Double.isFinite(tu[i])) {
                best = Math.min(best, Math.abs(tu[i]) - c * tu[i]);
            }
            g += best;
        }
        return g;
    }

    static double normInf(double[] t) {
        double m = 0;
        for (double v : t) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double norm1(double[] t) {
        double m = 0;
        for (double v : t) {
            m += Math.abs(v);
        }
        return m;
    }

    /**
     * Largest eigenvalue of the symmetric positive semidefinite {@code K x K} matrix {@code m}
     * (row-major): cyclic Jacobi rotations ({@link DualLinearAlgebra#jacobiLargestEigenvalue}, exact to
     * rounding) for {@code K <= 48}; otherwise the
     * power method's Rayleigh quotient inflated by 1% (an estimate from below made safe in practice).
     */
    static double largestEigenvalue(double[] m, int k) {
        if (k <= 48) {
            return DualLinearAlgebra.jacobiLargestEigenvalue(m, k);
        }
        org.lde.tensor.Rng rng = new org.lde.tensor.Rng(0x5eed);
        double[] v = new double[k];
        for (int i = 0; i < k; i++) {
            v[i] = rng.gaussian();
        }
        double rq = 0;
        for (int it = 0; it < 1000; it++) {
            double nrm = 0;
            for (double x : v) {
                nrm += x * x;
            }
            nrm = Math.sqrt(nrm);
            if (nrm == 0) {
                return 0;
            }
            for (int i = 0; i < k; i++) {
                v[i] /= nrm;
            }
            double[] w = new double[k];
            for (int i = 0; i < k; i++) {
                double s = 0;
                for (int j = 0; j < k; j++) {
                    s += m[i * k + j] * v[j];
                }
                w[i] = s;
            }
            double next = 0;
            for (int i = 0; i < k; i++) {
                next += v[i] * w[i];
            }
            v = w;
            if (it > 10 && Math.abs(next - rq) <= 1e-15 * Math.abs(next)) {
                rq = next;
                break;
            }
            rq = next;
        }
        return rq * 1.01;
    }
}
