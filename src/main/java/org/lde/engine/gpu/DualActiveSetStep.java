package org.lde.engine.gpu;

/**
 * The last exact step of ReferenceDualSolver, in float64 on the host, applied to the multipliers a
 * float32 kernel returned: with the active rows {@code S = {k : lambda_k > 0}} and the free coordinates
 * {@code F = {i : tl_i < (A^T lambda)_i < tu_i}} (the others fixed at their bound), the KKT conditions
 * are the linear equations {@code A_SF A_SF^T lambda_S = r_S - A_S,notF t_notF}. A row whose solved
 * multiplier is negative leaves {@code S} and the system is solved again (at most {@code K} rounds).
 * For {@code K = 1} this is the exact root of the segment that contains {@code lambda}.
 *
 * <p>Why: the float32 ascent stops when its float32 gap test passes, which pins {@code t} and
 * {@code G} to float32 accuracy but leaves {@code lambda} inaccurate along directions where
 * {@code A_F A_F^T} is ill-conditioned (nearly parallel rows: about {@code 2^-24 cond(A_F A_F^T)}
 * relative). Once the kernel has found the active set, one float64 solve removes that error. The
 * caller accepts the step only when it certifies a smaller float64 gap than the kernel's multipliers.
 */
final class DualActiveSetStep {
    private DualActiveSetStep() {
    }

    /** The new multipliers ({@code K} entries, {@code >= 0}), or an empty array when no step applies. */
    static double[] of(double[] a, int k, int d, double[] r, double[] tl, double[] tu, double[] lambda) {
        boolean[] active = new boolean[k];
        int ns = 0;
        for (int j = 0; j < k; j++) {
            active[j] = lambda[j] > 0;
            ns += active[j] ? 1 : 0;
        }
        if (ns == 0) {
            return new double[0];
        }
        double[] w = new double[d];
        for (int j = 0; j < k; j++) {
            if (lambda[j] != 0) {
                for (int i = 0; i < d; i++) {
                    w[i] += lambda[j] * a[j * d + i];
                }
            }
        }
        boolean[] free = new boolean[d];
        double[] fixed = new double[d];
        for (int i = 0; i < d; i++) {
            free[i] = tl[i] < w[i] && w[i] < tu[i];
            fixed[i] = free[i] ? 0 : (w[i] < tl[i] ? tl[i] : (w[i] > tu[i] ? tu[i] : w[i]));
        }
        for (int round = 0; round < k && ns > 0; round++) {
            int[] s = new int[ns];
            int n = 0;
            for (int j = 0; j < k; j++) {
                if (active[j]) {
                    s[n++] = j;
                }
            }
            double[] m = new double[ns * ns];
            double[] rhs = new double[ns];
            for (int p = 0; p < ns; p++) {
                int rp = s[p] * d;
                double v = r[s[p]];
                for (int i = 0; i < d; i++) {
                    if (!free[i]) {
                        v -= a[rp + i] * fixed[i];
                    }
                }
                rhs[p] = v;
                for (int q = p; q < ns; q++) {
                    int rq = s[q] * d;
                    double acc = 0;
                    for (int i = 0; i < d; i++) {
                        if (free[i]) {
                            acc += a[rp + i] * a[rq + i];
                        }
                    }
                    m[p * ns + q] = acc;
                    m[q * ns + p] = acc;
                }
            }
            double[] sol = solve(m, rhs, ns);
            if (sol.length == 0) {
                return sol;
            }
            boolean allNonNegative = true;
            for (int p = 0; p < ns; p++) {
                if (!(sol[p] >= 0)) {
                    allNonNegative = false;
                    active[s[p]] = false;
                }
            }
            if (allNonNegative) {
                double[] out = new double[k];
                for (int p = 0; p < ns; p++) {
                    out[s[p]] = sol[p];
                }
                return out;
            }
            ns = 0;
            for (boolean x : active) {
                ns += x ? 1 : 0;
            }
        }
        return new double[0];
    }

    /** Gaussian elimination with partial pivoting; empty when a pivot is below 1e-13 of the largest diagonal. */
    static double[] solve(double[] m, double[] b, int n) {
        double[] a = m.clone();
        double[] x = b.clone();
        double maxDiag = 0;
        for (int i = 0; i < n; i++) {
            maxDiag = Math.max(maxDiag, Math.abs(a[i * n + i]));
        }
        if (!(maxDiag > 0)) {
            return new double[0];
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int row = c + 1; row < n; row++) {
                if (Math.abs(a[row * n + c]) > Math.abs(a[p * n + c])) {
                    p = row;
                }
            }
            if (!(Math.abs(a[p * n + c]) > 1e-13 * maxDiag)) {
                return new double[0];
            }
            if (p != c) {
                for (int j = 0; j < n; j++) {
                    double tmp = a[c * n + j];
                    a[c * n + j] = a[p * n + j];
                    a[p * n + j] = tmp;
                }
                double tmp = x[c];
                x[c] = x[p];
                x[p] = tmp;
            }
            for (int row = c + 1; row < n; row++) {
                double f = a[row * n + c] / a[c * n + c];
                if (f != 0) {
                    for (int j = c; j < n; j++) {
                        a[row * n + j] -= f * a[c * n + j];
                    }
                    x[row] -= f * x[c];
                }
            }
        }
        for (int c = n - 1; c >= 0; c--) {
            double s = x[c];
            for (int j = c + 1; j < n; j++) {
                s -= a[c * n + j] * x[j];
            }
            x[c] = s / a[c * n + c];
        }
        return x;
    }
}
