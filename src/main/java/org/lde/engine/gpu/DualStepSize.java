package org.lde.engine.gpu;

/**
 * The dual-ascent step {@code eta = 1 / ||A||_2^2} of METHOD.md section 3, computed on the host in
 * float64: {@code ||A||_2^2} is the largest eigenvalue of the {@code K x K} Gram matrix {@code A A^T}
 * (cyclic Jacobi rotations, exact to rounding; for {@code K = 1} simply {@code ||a||^2}). With this
 * step projected (accelerated) ascent on the concave dual converges, since {@code grad G} is
 * {@code ||A||_2^2}-Lipschitz ({@code t(lambda)} is a clip of {@code A^T lambda}, 1-Lipschitz).
 *
 * <p>Where the rows never reach the host (the future GpuBackend), the kernel computes the safe
 * step {@code 1/||A||_F^2} itself when given {@code eta <= 0}; see kernels/dual.cu.
 */
public final class DualStepSize {
    private DualStepSize() {
    }

    /**
     * {@code 1 / lambda_max(A A^T)} for the row-major {@code K x d} matrix {@code a}; 0 when
     * {@code A = 0} (any step does: then {@code A t = 0} and the kernel decides at its first check).
     */
    public static double of(double[] a, int k, int d) {
        if (a.length != k * d) {
            throw new IllegalArgumentException("A has " + a.length + " entries, expected K * d = " + k * d);
        }
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
        double l = largestEigenvalue(gram, k);
        return l > 0 ? 1 / l : 0;
    }

    /**
     * Largest eigenvalue of the symmetric positive semidefinite {@code k x k} matrix {@code m}
     * (row-major) by cyclic Jacobi rotations (at most 100 sweeps; converges quadratically).
     */
    static double largestEigenvalue(double[] m, int k) {
        double[] s = m.clone();
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diag = 0;
            for (int p = 0; p < k; p++) {
                diag += s[p * k + p] * s[p * k + p];
                for (int q = p + 1; q < k; q++) {
                    off += s[p * k + q] * s[p * k + q];
                }
            }
            if (off == 0 || off <= 1e-30 * diag) {
                break;
            }
            for (int p = 0; p < k; p++) {
                for (int q = p + 1; q < k; q++) {
                    double apq = s[p * k + q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (s[q * k + q] - s[p * k + p]) / (2 * apq);
                    double tt = theta == 0 ? 1 : Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
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
}
