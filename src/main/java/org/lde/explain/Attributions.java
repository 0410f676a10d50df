package org.lde.explain;

import org.lde.engine.dual.DualLinearAlgebra;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualStatus;

import java.util.Arrays;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The attributions of METHOD.md section 5 that a solved problem gives without another network
 * pass: the dual contribution, the margin contribution ({@code K = 1}), the shadow-price map
 * {@code nu} and the perturbation map {@code delta = D t}.
 */
public final class Attributions {
    private Attributions() {
    }

    /**
     * An additive attribution and its completeness check.
     *
     * @param phi              the per-feature contributions ({@code d})
     * @param sum              {@code sum_i phi_i}
     * @param expected         what the sum should be
     * @param relativeResidual {@code |sum - expected| / |expected|}, or {@code / sum_i |phi_i|}
     *                         when {@code expected = 0}; 0 when both are 0
     */
    public record Contribution(double[] phi, double sum, double expected, double relativeResidual) {
        public Contribution {
            phi = phi.clone();
        }

        @Override
        public double[] phi() {
            return phi.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Contribution c && Arrays.equals(phi, c.phi) && Double.compare(sum, c.sum) == 0
                    && Double.compare(expected, c.expected) == 0;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(phi) * 31 + Double.hashCode(sum);
        }

        @Override
        public String toString() {
            return "Contribution[sum=" + sum + ", expected=" + expected + ", relativeResidual=" + relativeResidual + "]";
        }
    }

    /**
     * The dual contribution {@code phi_i = t*_i (A^T lambda*)_i}. Its sum is
     * {@code lambda*^T A t* = lambda*^T r} by complementary slackness
     * ({@code lambda_k (a_k^T t* - r_k) = 0}); the residual of that identity is returned.
     *
     * @throws IllegalStateException if the solution is not {@link DualStatus#SOLVED}
     */
    public static Contribution dualContribution(DualProblem p, int b, DualSolution s) {
        requireSolved(p, b, s);
        int k = p.constraints();
        int d = p.dim();
        double[] lambda = s.lambda();
        double[] t = s.t();
        double[] w = DualLinearAlgebra.multTransA(p.matrix(b), k, d, lambda);
        double[] phi = new double[d];
        for (int i = 0; i < d; i++) {
            phi[i] = t[i] * w[i];
        }
        double expected = 0;
        for (int j = 0; j < k; j++) {
            expected += lambda[j] * p.r(b, j);
        }
        return contribution(phi, expected);
    }

    /**
     * For {@code K = 1}: {@code c_i = a_i t*_i}, summing to {@code a^T t* = r} when the constraint
     * binds ({@code lambda* > 0}); when {@code lambda* = 0} the sum is {@code a^T t* >= r} and the
     * residual measures the slack.
     *
     * @throws IllegalArgumentException if {@code K != 1}
     * @throws IllegalStateException    if the solution is not {@link DualStatus#SOLVED}
     */
    public static Contribution marginContribution(DualProblem p, int b, DualSolution s) {
        if (p.constraints() != 1) {
            throw new IllegalArgumentException("margin contribution needs K = 1, problem has K = " + p.constraints());
        }
        requireSolved(p, b, s);
        int d = p.dim();
        double[] phi = new double[d];
        for (int i = 0; i < d; i++) {
            phi[i] = p.a(b, 0, i) * s.t(i);
        }
        return contribution(phi, p.r(b, 0));
    }

    /** The shadow-price map {@code nu} (signed; nonzero only where a bound binds). */
    public static double[] shadowPrices(DualSolution s) {
        return s.nu();
    }

    /**
     * The perturbation map {@code delta = D t} for a diagonal {@code D = diag(scale)}:
     * {@code I} for the additive model, {@code diag(baseline - x)} for deletion.
     *
     * @throws IllegalArgumentException on a length mismatch or a non-finite scale entry
     */
    public static double[] perturbation(double[] t, double[] scale) {
        if (t.length != scale.length) {
            throw new IllegalArgumentException("perturbation: t has " + t.length + " entries, D has " + scale.length);
        }
        double[] out = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            if (!Double.isFinite(scale[i])) {
                throw new IllegalArgumentException("perturbation: D[" + i + "] = " + scale[i] + " (must be finite)");
            }
            out[i] = scale[i] * t[i];
        }
        return out;
    }

    /** Batched {@link #perturbation(double[], double[])}: {@code scale [B, d]} gives {@code delta [B, d]}. */
    public static Tensor perturbation(DualSolutions solutions, Tensor scale) {
        Tensor t = solutions.t();
        if (!scale.shape().equals(t.shape())) {
            throw new IllegalArgumentException("perturbation: D has shape " + scale.shape() + ", t has " + t.shape());
        }
        int bN = t.shape().dim(0);
        int d = t.shape().dim(1);
        double[] out = new double[bN * d];
        for (int b = 0; b < bN; b++) {
            double[] row = perturbation(Arrays.copyOfRange(t.data(), b * d, (b + 1) * d),
                    Arrays.copyOfRange(scale.data(), b * d, (b + 1) * d));
            System.arraycopy(row, 0, out, b * d, d);
        }
        return new Tensor(Shape.of(bN, d), out);
    }

    private static void requireSolved(DualProblem p, int b, DualSolution s) {
        if (b < 0 || b >= p.batch()) {
            throw new IndexOutOfBoundsException("problem " + b + " outside batch of " + p.batch());
        }
        if (s.status() != DualStatus.SOLVED) {
            throw new IllegalStateException("problem " + b + ": attributions need a SOLVED problem, status is " + s.status());
        }
        if (s.t().length != p.dim() || s.lambda().length != p.constraints()) {
            throw new IllegalArgumentException("problem " + b + ": solution has d = " + s.t().length + ", K = "
                    + s.lambda().length + ", problem has d = " + p.dim() + ", K = " + p.constraints());
        }
    }

    private static Contribution contribution(double[] phi, double expected) {
        double sum = 0;
        double abs = 0;
        for (double v : phi) {
            sum += v;
            abs += Math.abs(v);
        }
        double scale = expected != 0 ? Math.abs(expected) : abs;
        double res = scale == 0 ? Math.abs(sum - expected) : Math.abs(sum - expected) / scale;
        return new Contribution(phi, sum, expected, res);
    }
}
