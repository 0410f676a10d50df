package org.lde.engine.dual;

/**
 * The float64 linear algebra of the L2 dual, public so that the float64 reference
 * ({@link ReferenceDualSolver}) and the host side of the GPU solver ({@code org.lde.engine.gpu}) share
 * one definition of each routine. {@code A} is the row-major {@code K x d} constraint matrix
 * ({@code a[j * d + i]}), matrices are row-major and square where stated. No method modifies its
 * arguments; every result is a fresh array.
 */
public final class DualLinearAlgebra {
    private DualLinearAlgebra() {
    }

    /**
     * {@code A^T lambda} ({@code d} entries): for each row {@code j} in order with
     * {@code lambda_j != 0}, {@code out_i += lambda_j a_ji} ({@code i = 0 .. d-1}); rows with
     * {@code lambda_j = 0} are skipped. No argument is modified.
     */
    public static double[] multTransA(double[] a, int k, int d, double[] lambda) {
        double[] out = new double[d];
        for (int j = 0; j < k; j++) {
            double l = lambda[j];
            if (l == 0) {
                continue;
            }
            int off = j * d;
            for (int i = 0; i < d; i++) {
                out[i] += l * a[off + i];
            }
        }
        return out;
    }

    /**
     * {@code clip(x, lo, hi)}: {@code lo} when {@code x < lo}, else {@code hi} when {@code x > hi}, else
     * {@code x} (so NaN stays NaN).
     */
    public static double clip(double x, double lo, double hi) {
        return x < lo ? lo : (x > hi ? hi : x);
    }

    /**
     * The Gram matrix {@code A A^T} ({@code K x K}, row-major, symmetric): entry {@code (p, q)} is
     * {@code sum_i a_pi a_qi}, summed in index order {@code i = 0 .. d-1}, computed for {@code q >= p}
     * and mirrored. {@code a} is not modified.
     */
    public static double[] gram(double[] a, int k, int d) {
        double[] gram = new double[k * k];
        for (int p = 0; p < k; p++) {
            for (int q = p; q < k; q++) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    s += a[p * d + i] * a[q * d + i];
                }
                gram[p * k + q] = s;
                gram[q * k + p] = s;
            }
        }
        return gram;
    }

    /**
     * The largest eigenvalue of the symmetric positive semidefinite {@code k x k} matrix {@code m}
     * (row-major) by cyclic Jacobi rotations, exact to rounding: sweeps over all pairs {@code p < q}
     * with {@code m_pq != 0}, each rotation by {@code t = sign(theta) / (|theta| + sqrt(theta^2 + 1))},
     * {@code theta = (m_qq - m_pp) / (2 m_pq)} ({@code t = 1} when {@code theta = 0}),
     * {@code c = 1/sqrt(t^2 + 1)}, {@code s = t c}; stops when the squared off-diagonal mass is 0 or at
     * most {@code 1e-30} times the squared diagonal mass, or after 100 sweeps (convergence is
     * quadratic). Returns {@code max(0, max_p m'_pp)} of the rotated matrix. {@code m} is not modified
     * (the rotations act on a copy).
     */
    public static double jacobiLargestEigenvalue(double[] m, int k) {
        double[] s = m.clone();
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < k; p++) {
                for (int q = p + 1; q < k; q++) {
                    off += s[p * k + q] * s[p * k + q];
                }
            }
            double diag = 0;
            for (int p = 0; p < k; p++) {
                diag += s[p * k + p] * s[p * k + p];
            }
            if (off <= 1e-30 * diag || off == 0) {
                break;
            }
            for (int p = 0; p < k; p++) {
                for (int q = p + 1; q < k; q++) {
                    double apq = s[p * k + q];
                    if (apq == 0) {
                        continue;
                    }
                    double app = s[p * k + p];
                    double aqq = s[q * k + q];
                    double theta = (aqq - app) / (2 * apq);
                    double tt = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        tt = 1;
                    }
                    double c = 1 / Math.sqrt(tt * tt + 1);
                    double sn = tt * c;
                    for (int r = 0; r < k; r++) {
                        double srp = s[r * k + p];
                        double srq = s[r * k + q];
                        s[r * k + p] = c * srp - sn * srq;
                        s[r * k + q] = sn * srp + c * srq;
                    }
                    for (int r = 0; r < k; r++) {
                        double spr = s[p * k + r];
                        double sqr = s[q * k + r];
                        s[p * k + r] = c * spr - sn * sqr;
                        s[q * k + r] = sn * spr + c * sqr;
                    }
                }
            }
        }
        double mx = 0;
        for (int p = 0; p < k; p++) {
            mx = Math.max(mx, s[p * k + p]);
        }
        return mx;
    }

    /**
     * Solves {@code m x = b} ({@code n x n}, row-major) by Gaussian elimination with partial pivoting
     * (the row of largest {@code |entry|} in the column, the first on ties) and back substitution.
     * Returns an empty array when the system is numerically singular: when the largest diagonal entry
     * {@code maxDiag = max_i |m_ii|} is not {@code > 0} (0, or NaN), or when a pivot is not
     * {@code > 1e-13 maxDiag} in magnitude (NaN included); so an empty array also stands for
     * {@code n = 0}. {@code m} and {@code b} are not modified (elimination acts on copies).
     */
    public static double[] solve(double[] m, double[] b, int n) {
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
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) {
                    p = r;
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
            for (int r = c + 1; r < n; r++) {
                double f = a[r * n + c] / a[c * n + c];
                if (f == 0) {
                    continue;
                }
                for (int j = c; j < n; j++) {
                    a[r * n + j] -= f * a[c * n + j];
                }
                x[r] -= f * x[c];
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

    /**
     * The exact active-set step of the L2 dual (METHOD.md section 3): with the active rows
     * {@code S = {k : lambda_k > 0}} and, at {@code w = A^T lambda}, the free coordinates
     * {@code F = {i : tl_i < w_i < tu_i}} (the others fixed at {@code clip(w_i, tl_i, tu_i)}), the KKT
     * conditions are the linear equations {@code A_SF A_SF^T lambda_S = r_S - A_S,notF t_notF}, solved
     * by {@link #solve}. When the solution has an entry that is not {@code >= 0}, those rows leave
     * {@code S} and the system is built and solved again, for at most {@code maxRounds} solves in all
     * ({@code maxRounds = 1}: a single solve that must be {@code >= 0}).
     *
     * @return the new multipliers ({@code K} entries, {@code >= 0}, 0 outside the final {@code S}), or an
     *         empty array when {@code S} is empty, a system is singular, or no solve within
     *         {@code maxRounds} was {@code >= 0}. No argument is modified.
     */
    public static double[] activeSetStep(double[] a, int k, int d, double[] r, double[] tl, double[] tu,
                                         double[] lambda, int maxRounds) {
        boolean[] active = new boolean[k];
        int ns = 0;
        for (int j = 0; j < k; j++) {
            active[j] = lambda[j] > 0;
            ns += active[j] ? 1 : 0;
        }
        if (ns == 0) {
            return new double[0];
        }
        double[] w = multTransA(a, k, d, lambda);
        boolean[] free = new boolean[d];
        double[] fixed = new double[d];
        for (int i = 0; i < d; i++) {
            free[i] = tl[i] < w[i] && w[i] < tu[i];
            fixed[i] = free[i] ? 0 : clip(w[i], tl[i], tu[i]);
        }
        for (int round = 0; round < maxRounds && ns > 0; round++) {
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
}
