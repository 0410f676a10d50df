package org.lde.explain;

/**
 * The perturbation model of METHOD.md section 2: {@code delta = D t} with a diagonal scale
 * {@code D} and a box on {@code t}.
 */
public enum Perturbation {
    /**
     * Robustness: {@code D = I}, box {@code [lo - x, hi - x]} from the network's data domain,
     * intersected with {@code [-eps, eps]} when an L_inf budget is given. {@code t = delta} is the
     * change of the input itself.
     */
    ADDITIVE,
    /**
     * Attribution: {@code D = diag(b - x)} for a {@link Baseline} {@code b}, box {@code [0, 1]}.
     * {@code t_i} is the fraction of feature {@code i} moved toward the baseline ({@code t_i = 1}:
     * removed); the perturbed input {@code x + D t} always lies between {@code x} and {@code b}.
     */
    DELETION
}
