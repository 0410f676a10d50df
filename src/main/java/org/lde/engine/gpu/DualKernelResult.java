package org.lde.engine.gpu;

/**
 * The raw float32 outputs of one launch of {@code dual_ascent_box}, on the host: {@code lambda [B, K]},
 * {@code t [B, d]}, {@code dualValue [B]}, {@code iterations [B]}, {@code status [B]} (codes of
 * {@link GpuDualSolver#STATUS_SOLVED} and friends). Arrays are shared, not copied (a transfer record).
 */
public record DualKernelResult(int batch, int constraints, int dim, float[] lambda, float[] t, float[] dualValue,
                               int[] iterations, int[] status) {

    /** {@code lambda} of problem {@code b}, widened to float64. */
    public double[] lambda(int b) {
        double[] out = new double[constraints];
        for (int k = 0; k < constraints; k++) {
            out[k] = lambda[b * constraints + k];
        }
        return out;
    }

    /** {@code t} of problem {@code b}, widened to float64. */
    public double[] t(int b) {
        double[] out = new double[dim];
        for (int i = 0; i < dim; i++) {
            out[i] = t[b * dim + i];
        }
        return out;
    }
}
