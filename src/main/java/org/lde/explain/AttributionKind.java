package org.lde.explain;

/** Which map of an {@link Explanation} {@link LagrangeDualExplainer#attribute} returns (METHOD.md section 5). */
public enum AttributionKind {
    /**
     * The dual contribution {@code phi_i = t*_i (A^T lambda*)_i} of the final linearized problem
     * (default); sums to {@code lambda*^T r} at the optimum.
     */
    DUAL_CONTRIBUTION,
    /** For {@code K = 1}: {@code c_i = a_i t*_i}, summing to {@code r}; refused for {@code K > 1}. */
    MARGIN_CONTRIBUTION,
    /** The perturbation map {@code delta* = D t*} (signed). */
    PERTURBATION,
    /** The shadow prices {@code nu*} (signed; nonzero only where a box bound binds). */
    SHADOW_PRICE,
    /** The path attribution {@code sum_s g(z_s)_i (z_{s+1} - z_s)_i} along the outer iterates. */
    PATH
}
