package org.lde.explain;

/**
 * The requested change of a regression network's single output (METHOD.md section 1: the margin
 * is {@code f(z) - f(x)} and the goal is a change of {@code kappa > 0}). With the sign
 * {@code s = +1} ({@link #INCREASE}) or {@code -1} ({@link #DECREASE}) the explained margin is
 * {@code m(z) = s (f(z) - f(x))} and the constraint {@code m(x + delta) >= kappa}: the output must
 * rise by at least {@code kappa}, or fall by at least {@code kappa}. Its gradient is {@code s grad f},
 * i.e. one reverse pass with the seed {@code s}.
 */
public enum RegressionGoal {
    INCREASE,
    DECREASE;

    /** {@code +1} or {@code -1}. */
    public double sign() {
        return this == INCREASE ? 1 : -1;
    }
}
