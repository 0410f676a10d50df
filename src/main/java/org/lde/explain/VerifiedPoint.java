package org.lde.explain;

import java.util.Objects;
import org.lde.tensor.Tensor;

/**
 * A perturbed input that a forward pass of the real network confirmed (METHOD.md section 4): for
 * {@link ExplainMode#FLIP} {@code max_{j != y} f_j(x') - f_y(x') >= kappa}, for
 * {@link ExplainMode#TARGET} {@code f_c(x') - max_{j != c} f_j(x') >= kappa}, for regression
 * {@code s (f(x') - f(x)) >= kappa}; with {@code kappa = 0} the margin must moreover be {@code > 0}
 * (a tie is not a changed decision). The confirming forward pass is always float64 (the backend's own
 * on EJML; on a float32 backend a host re-check, see {@link VerifiedBy}), and the margin and output class
 * are that pass's. Its norm is an upper bound on the true minimal perturbation.
 *
 * @param input      {@code x' = x + delta}, the input's shape
 * @param delta      {@code delta = D t} (input shape)
 * @param outputClass the argmax of {@code f(x')} (0 for regression)
 * @param margin     the verified margin at {@code x'} (the quantity compared with {@code kappa})
 * @param norm       the objective's norm of {@code t} ({@code ||t||_2}, {@code ||t||_inf} or
 *                   {@code ||t||_1}): comparable with the certificate's lower bound
 * @param deltaL2    {@code ||delta||_2}
 * @param deltaLinf  {@code ||delta||_inf}
 * @param iteration  the number of linearize-and-solve steps behind the point: {@code s} for the iterate
 *                   {@code z_s}, {@code s + 1} for a candidate {@code clip(gamma t_sub)} of iteration {@code s}
 *                   ({@code 0} only for {@code x} itself, when the explained class is not the predicted one)
 * @param verifiedBy which float64 computation confirmed the point (never {@link VerifiedBy#NONE})
 */
public record VerifiedPoint(Tensor input, Tensor delta, int outputClass, double margin, double norm, double deltaL2,
                            double deltaLinf, int iteration, VerifiedBy verifiedBy) {
    public VerifiedPoint {
        if (Objects.requireNonNull(verifiedBy, "verifiedBy") == VerifiedBy.NONE) {
            throw new IllegalArgumentException("a verified point needs the computation that verified it, got NONE");
        }
        input = Objects.requireNonNull(input, "input").copy();
        delta = Objects.requireNonNull(delta, "delta").copy();
    }

    @Override
    public Tensor input() {
        return input.copy();
    }

    @Override
    public Tensor delta() {
        return delta.copy();
    }
}
