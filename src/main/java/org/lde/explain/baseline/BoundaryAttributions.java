package org.lde.explain.baseline;

import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.tensor.Tensor;

/**
 * Boundary attributions (Wang, Fredrikson and Datta 2022, "Robust models are more interpretable
 * because attributions look normal"), both anchored at the nearest verified boundary point
 * {@code x'} that {@link DeepFool} finds (a forward pass confirms {@code argmax f(x') = k != y}):
 * <ul>
 * <li><b>BSM</b> (boundary-based saliency): the normal of the decision boundary at {@code x'},
 *     {@code phi = grad (f_y - f_k)(x')}, oriented toward class {@code y};</li>
 * <li><b>BIG</b> (boundary-based integrated gradients): integrated gradients of {@code f_y} from
 *     the baseline {@code x'} to {@code x}, so {@code sum_i phi_i ~= f_y(x) - f_y(x')}.</li>
 * </ul>
 * A sample for which DeepFool finds no verified point has no boundary to anchor at: the call
 * fails with an exception that lists those samples (raise DeepFool's iteration limit), rather than
 * returning an attribution that pretends to be one.
 */
public final class BoundaryAttributions {
    private BoundaryAttributions() {
    }

    /** BSM with the given DeepFool. */
    public static Attributor bsm(DeepFool deepFool) {
        return new Attributor() {
            @Override
            public String name() {
                return "bsm";
            }

            @Override
            public Tensor attribute(Backend backend, Tensor x, int[] classes) {
                DeepFool.Result r = verifiedBoundary(deepFool, backend, x, classes);
                int n = classes.length;
                int c = backend.network().outputSize();
                int[] adv = r.adversarialClass();
                Tensor seeds = Tensor.zeros(n, c);
                for (int i = 0; i < n; i++) {
                    seeds.data()[i * c + classes[i]] += 1;
                    seeds.data()[i * c + adv[i]] -= 1;
                }
                return Batched.seededGradients(backend, r.adversarial(), seeds, Batched.DEFAULT_CHUNK_ROWS);
            }
        };
    }

    /** BIG with the given DeepFool and integrated-gradients settings. */
    public static Attributor big(DeepFool deepFool, IntegratedGradients ig) {
        return new Attributor() {
            @Override
            public String name() {
                return "big";
            }

            @Override
            public Tensor attribute(Backend backend, Tensor x, int[] classes) {
                DeepFool.Result r = verifiedBoundary(deepFool, backend, x, classes);
                return ig.explain(backend, x, r.adversarial(), classes).attributions();
            }
        };
    }

    /** BSM with the default DeepFool. */
    public static Attributor bsm() {
        return bsm(new DeepFool());
    }

    /** BIG with the default DeepFool and 50-point Gauss-Legendre integrated gradients. */
    public static Attributor big() {
        return big(new DeepFool(), new IntegratedGradients());
    }

    static DeepFool.Result verifiedBoundary(DeepFool df, Backend backend, Tensor x, int[] classes) {
        DeepFool.Result r = df.run(backend, x, classes);
        if (r.verifiedCount() != classes.length) {
            throw new IllegalStateException("DeepFool found no verified boundary point for " + (classes.length - r.verifiedCount())
                    + " of " + classes.length + " samples " + DeepFool.unverifiedList(r.verified())
                    + "; boundary attributions need one (raise the iteration limit)");
        }
        return r;
    }
}
