package org.lde.explain;

import java.util.Objects;
import org.lde.certify.Certifier;
import org.lde.certify.Method;
import org.lde.certify.RadiusOptions;
import org.lde.engine.Backend;
import org.lde.engine.bound.Norm;
import org.lde.engine.dual.Objective;
import org.lde.tensor.Tensor;

/**
 * The engine's {@link RadiusCertifier}: the certified radius {@code r_lo} of package {@code certify}
 * (METHOD.md section 7), found by batched bisection on bounds of the margins of the explained class
 * over every other class ({@link Certifier#certifiedRadius}).
 *
 * <p>The norm follows the explanation's objective: {@link Objective#LINF} certifies the L_inf ball
 * intersected with the network's domain; {@link Objective#L2} the L2 ball; {@link Objective#L1} also the
 * L2 ball, which is sound for L1 since {@code ||delta||_2 <= ||delta||_1} (an L1 perturbation of size
 * {@code r} lies in the L2 ball of radius {@code r}). The radius returned was itself certified (the lower
 * end of the final bisection bracket), so it is sound whatever the tolerance.
 *
 * <p>Usage: {@code LagrangeDualExplainer.builder().certify(BoundCertifier.of(Method.CROWN))}.
 */
public final class BoundCertifier implements RadiusCertifier {
    private final Method method;
    private final RadiusOptions options;

    private BoundCertifier(Method method, RadiusOptions options) {
        this.method = Objects.requireNonNull(method, "method");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The given bound method, bisection to {@link RadiusOptions#defaults()} ({@code 1e-4} absolute). */
    public static BoundCertifier of(Method method) {
        return new BoundCertifier(method, RadiusOptions.defaults());
    }

    /** The given bound method and bisection options. */
    public static BoundCertifier of(Method method, RadiusOptions options) {
        return new BoundCertifier(method, options);
    }

    /** CROWN, tolerance {@code 1e-4}: the default a user would choose (tight and fast). */
    public static BoundCertifier crown() {
        return of(Method.CROWN);
    }

    public Method method() {
        return method;
    }

    @Override
    public double[] radius(Backend backend, Tensor x, int[] labels, Objective norm) {
        Norm ball = norm == Objective.LINF ? Norm.LINF : Norm.L2;
        Certifier c = Certifier.builder().method(method).norm(ball).build();
        return c.certifiedRadius(backend, x, labels, options);
    }

    @Override
    public String toString() {
        return "BoundCertifier[" + method.label() + ", tolerance " + options.tolerance() + "]";
    }
}
