package org.lde.engine;

import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** Seed vectors for reverse passes ({@code [N, S, C]}). */
public final class Seeds {
    private Seeds() {
    }

    /** {@code S = C} one-hot seeds per sample: a reverse pass with these is the whole Jacobian. */
    public static Tensor identity(int n, int c) {
        Tensor t = Tensor.zeros(Shape.of(n, c, c));
        double[] d = t.data();
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                d[(i * c + k) * c + k] = 1;
            }
        }
        return t;
    }

    /** One seed {@code e_a[n] - e_b[n]} per sample: the gradient of the margin {@code f_a - f_b}. */
    public static Tensor margin(int[] a, int[] b, int c) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("margin seeds: " + a.length + " classes a vs " + b.length + " classes b");
        }
        Tensor t = Tensor.zeros(Shape.of(a.length, 1, c));
        for (int i = 0; i < a.length; i++) {
            check(a[i], c);
            check(b[i], c);
            t.data()[i * c + a[i]] += 1;
            t.data()[i * c + b[i]] -= 1;
        }
        return t;
    }

    private static void check(int k, int c) {
        if (k < 0 || k >= c) {
            throw new IllegalArgumentException("class index " + k + " outside [0, " + c + ")");
        }
    }
}
