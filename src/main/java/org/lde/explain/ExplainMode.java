package org.lde.explain;

/** What the explained perturbation must achieve (METHOD.md section 2). */
public enum ExplainMode {
    /**
     * Move the decision away from the explained class {@code y} (by default the predicted one): one
     * {@code K = 1} problem per competitor {@code j != y} with {@code a = D g_jy(z)}; the answer is the
     * competitor with the smallest optimal value (the nearest linearized decision boundary). For a
     * regression network (one output) it is the single {@code K = 1} problem "change the output by
     * {@code kappa}" in the requested {@link RegressionGoal direction}.
     */
    FLIP,
    /**
     * Make a target class {@code c} win with margin {@code kappa}: one problem per sample with
     * {@code K = C - 1} rows {@code a_j = D g_cj(z)}, {@code j != c} (the intersection of those
     * half-spaces is exactly {@code f_c - max_{j != c} f_j >= kappa}). Classification only.
     */
    TARGET
}
