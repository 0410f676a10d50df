package org.lde.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * A point counts as verified only when a float64 forward pass confirms it (METHOD.md section 4): on a
 * backend that is not float64, the explainer re-checks the backend's claims on the host. The backend here
 * lies in its plain forward pass (the one that verifies candidates and the final iterate): it reports every
 * point as flipped to another class. Only the host's float64 re-check stands between those claims and
 * {@code r_hi}.
 */
class Float64VerificationTest {

    /**
     * An EJML backend that says it is not float64 and whose plain forward pass claims a flip everywhere: every
     * class but the argmax far ahead (a dynamic proxy; every other call goes to the EJML backend unchanged).
     */
    static Backend lying(Backend inner, int[] plainForwards) {
        int c = inner.network().outputSize();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "float64":
                            return false;
                        case "forward": {
                            plainForwards[0]++;
                            Tensor f = inner.forward((Tensor) args[0]);
                            double[] v = f.data();
                            for (int n = 0; n < v.length / c; n++) {
                                int arg = 0;
                                for (int k = 1; k < c; k++) {
                                    arg = v[n * c + k] > v[n * c + arg] ? k : arg;
                                }
                                for (int k = 0; k < c; k++) {
                                    v[n * c + k] = k == arg ? 0 : 100;
                                }
                            }
                            return new Tensor(f.shape(), v);
                        }
                        default:
                            try {
                                return method.invoke(inner, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
    }

    @Test
    void claimsOfABackendThatIsNotFloat64AreKeptOnlyWhereFloat64Confirms() {
        Network net = Network.builder(8).seed(21).dense(12).relu().dense(4).build();
        Tensor x = new Rng(22).uniform(Shape.of(16, 8), 0, 1);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().maxOuterIterations(4).build();
        List<Explanation> honest;
        List<Explanation> lied;
        int[] plainForwards = {0};
        try (Backend be = Backends.cpu(net); Backend liar = lying(Backends.cpu(net), plainForwards)) {
            honest = ex.explain(be, x);
            lied = ex.explain(liar, x);
        }
        int plain = plainForwards[0];
        assertTrue(plain > 0, "the lying forward pass was used");
        int verified = 0;
        try (Backend other = Backends.cpu(net.copy())) {
            for (int n = 0; n < 16; n++) {
                Explanation e = lied.get(n);
                if (!e.verified()) {
                    continue;
                }
                verified++;
                VerifiedPoint v = e.adversarial().get();
                assertEquals(VerifiedBy.FLOAT64_HOST_RECHECK, v.verifiedBy());
                assertEquals(VerifiedBy.FLOAT64_HOST_RECHECK, e.certificate().verifiedBy());
                double[] f = other.forward(v.input().reshape(Shape.of(1, 8))).data();
                int arg = 0;
                for (int k = 1; k < 4; k++) {
                    arg = f[k] > f[arg] ? k : arg;
                }
                assertNotEquals(e.predictedClass(), arg, "sample " + n + ": the kept point does not flip in float64");
                assertEquals(arg, v.outputClass(), "the recorded class is the float64 one");
                double m = f[arg] - f[e.predictedClass()];
                assertEquals(m, v.margin(), 1e-12, "the recorded margin is the float64 one");
            }
        }
        assertTrue(verified > 0, "some claims must survive the float64 re-check");
        // Every honest EJML explanation is confirmed by the backend itself.
        for (Explanation e : honest) {
            e.adversarial().ifPresent(v -> assertEquals(VerifiedBy.FLOAT64_BACKEND, v.verifiedBy()));
        }
    }
}
