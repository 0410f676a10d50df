package org.lde.certify;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.bound.Norm;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;

/**
 * Soundness: on random networks of every layer kind, no point of the input set (center, interior,
 * L_inf vertices, L2 sphere, PGD points within eps) has a specification value outside the bounds of
 * any method; alpha-CROWN is never looser than CROWN.
 */
class CertifySoundnessTest {
    private static final double TOL = 1e-9;

    @Test
    void sampledAndAttackedPointsStayInsideTheBounds() {
        Rng rng = new Rng(11);
        int[] counts = new int[2];
        for (Network net : CertifyNets.all(5)) {
            check(net, rng, counts);
        }
        assertTrue(counts[0] > 5000 && counts[1] > 500, "checked " + counts[0] + " values, " + counts[1] + " attacks");
    }

    /**
     * Checks every method and both norms on {@code net} (3 random inputs, several eps, logits and
     * margins) against the EJML float64 forward at sampled and attacked points; adds to
     * {@code counts = {values checked, attacks}}.
     */
    static void check(Network net, Rng rng, int[] counts) {
        try (Backend backend = Backends.cpu(net)) {
            Tensor x = CertifyNets.inputs(net, 3, 7);
            int d = net.inputSize();
            int c = net.outputSize();
            for (Norm norm : Norm.values()) {
                double[] eps = norm == Norm.LINF ? new double[] {0, 0.02, 0.15} : new double[] {0.05, 0.4};
                for (Specification spec : List.of(Specification.logits(), Specification.predictedMargins())) {
                    List<BoundResult> results = new ArrayList<>();
                    for (Method m : Method.values()) {
                        results.add(Certifier.builder().method(m).norm(norm).alphaIterations(8).build()
                                .bounds(backend, x, spec, eps));
                    }
                    BoundResult crown = results.get(Method.CROWN.ordinal());
                    BoundResult alpha = results.get(Method.ALPHA_CROWN.ordinal());
                    for (int i = 0; i < crown.lower().size(); i++) {
                        assertTrue(alpha.lower().data()[i] >= crown.lower().data()[i] - 1e-12, "alpha looser than CROWN");
                        assertTrue(alpha.upper().data()[i] <= crown.upper().data()[i] + 1e-12, "alpha looser than CROWN");
                    }
                    int rows = crown.rows();
                    for (int n = 0; n < 3; n++) {
                        double[] xn = java.util.Arrays.copyOfRange(x.data(), n * d, (n + 1) * d);
                        double[] sm = Specification.matrix(crown.anchors()[n], c);
                        for (int e = 0; e < eps.length; e++) {
                            List<double[]> pts = new ArrayList<>(List.of(CertifyNets.samples(xn, eps[e], norm, rng, 12)));
                            if (eps[e] > 0) {
                                for (int r = 0; r < rows; r++) {
                                    double[] row = java.util.Arrays.copyOfRange(sm, r * c, (r + 1) * c);
                                    pts.add(CertifyNets.pgd(backend, xn, eps[e], norm, row, 1, 10));
                                    pts.add(CertifyNets.pgd(backend, xn, eps[e], norm, row, -1, 10));
                                    counts[1] += 2;
                                }
                            }
                            Tensor pt = new Tensor(net.inputShape().withBatch(pts.size()), flatten(pts));
                            double[] logits = backend.forward(pt).data();
                            for (int k = 0; k < pts.size(); k++) {
                                for (int r = 0; r < rows; r++) {
                                    double v = 0;
                                    for (int j = 0; j < c; j++) {
                                        v += sm[r * c + j] * logits[k * c + j];
                                    }
                                    for (BoundResult br : results) {
                                        int idx = (n * eps.length + e) * rows + r;
                                        double lo = br.lower().data()[idx];
                                        double hi = br.upper().data()[idx];
                                        if (v < lo - TOL || v > hi + TOL) {
                                            fail(br.method() + " " + norm + " eps " + eps[e] + " spec " + spec + " net "
                                                    + net.layers().size() + " layers: value " + v + " outside [" + lo + ", "
                                                    + hi + "] at point " + k);
                                        }
                                    }
                                    counts[0]++;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static double[] flatten(List<double[]> pts) {
        int d = pts.get(0).length;
        double[] out = new double[pts.size() * d];
        for (int k = 0; k < pts.size(); k++) {
            System.arraycopy(pts.get(k), 0, out, k * d, d);
        }
        return out;
    }
}
