package org.lde.explain;

import org.lde.engine.Backend;
import org.lde.engine.dual.Objective;
import org.lde.tensor.Tensor;

/**
 * The source of the certified radius {@code r_lo} of an explanation (METHOD.md sections 4 and 7), given
 * to {@link LagrangeDualExplainer.Builder#certify}. The engine's sound certifier lives in package
 * {@code certify} (IBP/CROWN bounds and a bisection over {@code eps}); this interface is what the
 * explainer needs from it, so that {@code explain} does not depend on how the radius is found.
 *
 * <p>Contract (soundness): for every sample {@code n}, no {@code delta} with {@code ||delta||_p <= r_n}
 * and {@code x_n + delta} in the network's domain {@code [lo, hi]^d} changes the decision away from
 * {@code labels[n]}, i.e. {@code f_{labels[n]}(x_n + delta) > f_j(x_n + delta)} for every {@code j}.
 * A radius of 0 is always sound (nothing certified). The explainer asks only for samples whose label is
 * the predicted class, and checks {@code r_lo <= r_hi} against its own float64-verified points.
 */
@FunctionalInterface
public interface RadiusCertifier {
    /**
     * @param backend the explainer's backend (for batched bound passes)
     * @param x       inputs {@code [N, inputShape...]}
     * @param labels  the class whose decision is certified, per sample (the predicted class)
     * @param norm    {@link Objective#L2} or {@link Objective#LINF}
     * @return {@code [N]} radii, each finite or {@code +Infinity} and {@code >= 0}
     */
    double[] radius(Backend backend, Tensor x, int[] labels, Objective norm);
}
