package org.lde.metrics;

import java.util.Objects;
import org.lde.tensor.Tensor;

/**
 * The outcome of an attack on a batch: the adversarial points {@code [N, inputShape...]}, whether
 * a forward pass of the real network classifies each one differently from its label
 * ({@code fooled}), the class there, the perturbation's L2 and L_inf norms, and the attack's
 * description with all its parameters. A sample misclassified already without perturbation is
 * fooled with the zero perturbation.
 */
public record AttackResult(String attack, Tensor adversarial, boolean[] fooled, int[] adversarialClass, double[] l2,
                           double[] linf) {
    public AttackResult {
        Objects.requireNonNull(attack, "attack");
        Objects.requireNonNull(adversarial, "adversarial");
        fooled = fooled.clone();
        adversarialClass = adversarialClass.clone();
        l2 = l2.clone();
        linf = linf.clone();
    }

    @Override
    public boolean[] fooled() {
        return fooled.clone();
    }

    @Override
    public int[] adversarialClass() {
        return adversarialClass.clone();
    }

    @Override
    public double[] l2() {
        return l2.clone();
    }

    @Override
    public double[] linf() {
        return linf.clone();
    }

    /** Robust accuracy: the fraction of samples NOT fooled (correct on the clean input and at the adversarial point). */
    public double robustAccuracy() {
        int ok = 0;
        for (boolean f : fooled) {
            ok += f ? 0 : 1;
        }
        return (double) ok / fooled.length;
    }

    /**
     * Robust accuracy at an L2 budget for a minimal-norm attack (e.g. Carlini-Wagner): a sample
     * counts as broken when it is fooled with {@code ||delta||_2 <= eps}.
     */
    public double robustAccuracyWithinL2(double eps) {
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("budget must be >= 0, got " + eps);
        }
        int ok = 0;
        for (int i = 0; i < fooled.length; i++) {
            ok += fooled[i] && l2[i] <= eps ? 0 : 1;
        }
        return (double) ok / fooled.length;
    }
}
