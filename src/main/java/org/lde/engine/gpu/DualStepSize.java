package org.lde.engine.gpu;

import org.lde.engine.dual.DualLinearAlgebra;

/**
 * The dual-ascent step {@code eta = 1 / ||A||_2^2} of METHOD.md section 3, computed on the host in
 * float64: {@code ||A||_2^2} is the largest eigenvalue of the {@code K x K} Gram matrix {@code A A^T}
 * ({@link DualLinearAlgebra#gram}, then cyclic Jacobi rotations for every {@code K},
 * {@link DualLinearAlgebra#jacobiLargestEigenvalue}: exact to rounding; for {@code K = 1} simply
 * {@code ||a||^2}). With this step projected (accelerated) ascent on the concave dual converges,
 * since {@code grad G} is {@code ||A||_2^2}-Lipschitz ({@code t(lambda)} is a clip of
 * {@code A^T lambda}, 1-Lipschitz). What is specific to the kernel is the convention below: the
 * step is returned as 0 when {@code A = 0}, and the kernel reads {@code eta <= 0} as "compute the
 * safe step yourself".
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
        double l = DualLinearAlgebra.jacobiLargestEigenvalue(DualLinearAlgebra.gram(a, k, d), k);
        return l > 0 ? 1 / l : 0;
    }
}
