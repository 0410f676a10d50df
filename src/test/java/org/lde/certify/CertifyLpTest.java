package org.lde.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.LinearConstraintSet;
import org.apache.commons.math3.optim.linear.LinearObjectiveFunction;
import org.apache.commons.math3.optim.linear.NonNegativeConstraint;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.SimplexSolver;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Norm;
import org.lde.model.Dense;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;

/**
 * Tightness against an independent solver: the LP relaxation (triangle relaxation of every unstable
 * ReLU, with CROWN's intermediate bounds) solved by Apache Commons Math's simplex bounds CROWN from the
 * tight side, and the sampled minimum bounds the LP: {@code CROWN <= alpha-CROWN <= LP <= min over
 * sampled and attacked points}, with alpha-CROWN strictly tighter than CROWN somewhere. IBP against
 * intervals computed by hand.
 */
class CertifyLpTest {

    @Test
    void crownIsBelowTheLpRelaxationWhichIsBelowTheSampledMinimum() {
        List<Network> nets = new ArrayList<>();
        for (long seed = 0; seed < 6; seed++) {
            nets.add(CertifyNets.mlp(100 + seed, 4, 7, 6, 3));
        }
        double[] st = compareWithLp(nets, 40, new Rng(3), CertifyLpTest::lpLower);
        System.out.printf("LP check: %d rows, alpha-CROWN strictly tighter on %d, closed %.4f of the CROWN-LP gap %.4f%n",
                (int) st[0], (int) st[1], st[2], st[3]);
        assertTrue(st[0] >= 40, "rows " + st[0]);
        assertTrue(st[1] > 0, "alpha-CROWN was never strictly tighter than CROWN");
        assertTrue(st[2] > 0.1 * st[3], "alpha-CROWN closed only " + st[2] + " of the CROWN-LP gap " + st[3]);
    }

    /** An LP relaxation's minimum of {@code row . f(x')} over the clipped L_inf box, given the intermediate bounds. */
    interface Lp {
        double lower(Network net, NodeBounds b, double[] x, double eps, double[] row);
    }

    /**
     * For each network (2 inputs seeded {@code inputSeed + index}, eps 0.1 and 0.3, predicted margins):
     * asserts {@code CROWN <= alpha-CROWN <= LP <= sampled minimum} (alpha never looser than CROWN).
     *
     * @return {rows checked, rows where alpha-CROWN is strictly tighter, gap closed by alpha, CROWN-LP gap}
     */
    static double[] compareWithLp(List<Network> nets, long inputSeed, Rng rng, Lp lpSolver) {
        double[] st = new double[4];
        for (int k = 0; k < nets.size(); k++) {
            Network net = nets.get(k);
            int d = net.inputSize();
            try (Backend backend = Backends.cpu(net)) {
                Tensor x = CertifyNets.inputs(net, 2, inputSeed + k);
                for (double eps : new double[] {0.1, 0.3}) {
                    Certifier crown = Certifier.builder().method(Method.CROWN).build();
                    Certifier alpha = Certifier.builder().method(Method.ALPHA_CROWN).alphaIterations(40).build();
                    BoundResult bc = crown.bounds(backend, x, Specification.predictedMargins(), eps);
                    BoundResult ba = alpha.bounds(backend, x, Specification.predictedMargins(), eps);
                    List<NodeBounds> nb = crown.nodeBounds(backend, x, eps);
                    int c = net.outputSize();
                    for (int n = 0; n < 2; n++) {
                        double[] xn = Arrays.copyOfRange(x.data(), n * d, (n + 1) * d);
                        double[] sm = Specification.matrix(bc.anchors()[n], c);
                        for (int r = 0; r < bc.rows(); r++) {
                            double[] row = Arrays.copyOfRange(sm, r * c, (r + 1) * c);
                            double lp = lpSolver.lower(backend.network(), nb.get(n), xn, eps, row);
                            double sampled = sampledMin(backend, xn, eps, row, rng);
                            double cl = bc.lower().data()[n * bc.rows() + r];
                            double al = ba.lower().data()[n * bc.rows() + r];
                            assertTrue(cl <= lp + 1e-7, "CROWN " + cl + " above the LP " + lp);
                            assertTrue(al <= lp + 1e-7, "alpha-CROWN " + al + " above the LP " + lp);
                            assertTrue(al >= cl - 1e-12, "alpha-CROWN " + al + " looser than CROWN " + cl);
                            assertTrue(lp <= sampled + 1e-7, "LP " + lp + " above the sampled minimum " + sampled);
                            st[0]++;
                            if (al > cl + 1e-6) {
                                st[1]++;
                            }
                            st[2] += al - cl;
                            st[3] += lp - cl;
                        }
                    }
                }
            }
        }
        return st;
    }

    /** The LP relaxation's minimum of {@code row . f(x')} over the clipped L_inf box. */
    static double lpLower(Network net, NodeBounds b, double[] x, double eps, double[] row) {
        List<Layer> layers = net.layers();
        // Variables: x (d), then the outputs y of every ReLU layer.
        List<int[]> offsets = new ArrayList<>();
        int nv = x.length;
        int[] prev = {0, x.length}; // offset, size of the variables feeding the next affine layer
        List<double[]> dense = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof ReLU) {
                Dense d = (Dense) layers.get(layers.indexOf(l) - 1);
                offsets.add(new int[] {nv, d.out()});
                nv += d.out();
            }
        }
        List<LinearConstraint> cons = new ArrayList<>();
        double[][] box = CertifyNets.box(x, eps, 0, 1);
        for (int i = 0; i < x.length; i++) {
            cons.add(new LinearConstraint(unit(nv, i), Relationship.GEQ, box[0][i]));
            cons.add(new LinearConstraint(unit(nv, i), Relationship.LEQ, box[1][i]));
        }
        int relu = 0;
        double[] objective = null;
        double constant = 0;
        for (int k = 0; k < layers.size(); k++) {
            if (!(layers.get(k) instanceof Dense d)) {
                continue;
            }
            double[] w = d.weight().data();
            double[] bias = d.bias().data();
            if (k == layers.size() - 1) {
                objective = new double[nv];
                for (int o = 0; o < d.out(); o++) {
                    constant += row[o] * bias[o];
                    for (int i = 0; i < d.in(); i++) {
                        objective[prev[0] + i] += row[o] * w[o * d.in() + i];
                    }
                }
                break;
            }
            int[] out = offsets.get(relu++);
            double[] l = b.lower(k + 1);
            double[] u = b.upper(k + 1);
            for (int o = 0; o < d.out(); o++) {
                // z = W_o . prev + b_o
                double[] z = new double[nv];
                for (int i = 0; i < d.in(); i++) {
                    z[prev[0] + i] = w[o * d.in() + i];
                }
                double[] y = unit(nv, out[0] + o);
                if (l[o] >= 0) {
                    cons.add(new LinearConstraint(minus(y, z), Relationship.EQ, bias[o]));
                } else if (u[o] <= 0) {
                    cons.add(new LinearConstraint(y, Relationship.EQ, 0));
                } else {
                    double uu = Math.max(u[o], l[o] + 1e-8);
                    double s = uu / (uu - l[o]);
                    cons.add(new LinearConstraint(y, Relationship.GEQ, 0));
                    cons.add(new LinearConstraint(minus(y, z), Relationship.GEQ, bias[o]));
                    // y <= s (z + b - l)  <=>  y - s z <= s (b - l)
                    double[] sz = z.clone();
                    for (int i = 0; i < nv; i++) {
                        sz[i] *= s;
                    }
                    cons.add(new LinearConstraint(minus(y, sz), Relationship.LEQ, s * (bias[o] - l[o])));
                }
            }
            prev = out;
        }
        PointValuePair p = new SimplexSolver(1e-9, 10, 1e-12).optimize(new MaxIter(10000),
                new LinearObjectiveFunction(objective, constant), new LinearConstraintSet(cons), GoalType.MINIMIZE,
                new NonNegativeConstraint(false));
        return p.getValue();
    }

    static double[] unit(int n, int i) {
        double[] v = new double[n];
        v[i] = 1;
        return v;
    }

    static double[] minus(double[] a, double[] b) {
        double[] v = a.clone();
        for (int i = 0; i < v.length; i++) {
            v[i] -= b[i];
        }
        return v;
    }

    static double sampledMin(Backend backend, double[] x, double eps, double[] row, Rng rng) {
        List<double[]> pts = new ArrayList<>(List.of(CertifyNets.samples(x, eps, Norm.LINF, rng, 200)));
        pts.add(CertifyNets.pgd(backend, x, eps, Norm.LINF, row, 1, 30));
        Tensor t = new Tensor(backend.network().inputShape().withBatch(pts.size()), CertifySoundnessTest.flatten(pts));
        double[] logits = backend.forward(t).data();
        int c = row.length;
        double m = Double.POSITIVE_INFINITY;
        for (int k = 0; k < pts.size(); k++) {
            double v = 0;
            for (int j = 0; j < c; j++) {
                v += row[j] * logits[k * c + j];
            }
            m = Math.min(m, v);
        }
        return m;
    }

    /** IBP against intervals computed by hand (see the comments), with the margin folded into the last layer. */
    @Test
    void ibpMatchesHandComputedIntervals() {
        Network net = new Network(org.lde.tensor.Shape.of(2), List.of(
                new Dense("fc1", 2, 2, Tensor.of(org.lde.tensor.Shape.of(2, 2), 1, -1, 2, 1), Tensor.of(org.lde.tensor.Shape.of(2), 0, -1)),
                new ReLU("relu"),
                new Dense("fc2", 2, 2, Tensor.of(org.lde.tensor.Shape.of(2, 2), 1, 1, -1, 2), Tensor.of(org.lde.tensor.Shape.of(2), 0.5, 0))),
                org.lde.model.Task.CLASSIFICATION, List.of(), 0, 1);
        Tensor x = Tensor.of(org.lde.tensor.Shape.of(1, 2), 0.6, 0.4);
        // box [0.5, 0.7] x [0.3, 0.5]; z1 = x1 - x2 in [0, 0.4], z2 = 2 x1 + x2 - 1 in [0.3, 0.9];
        // y = relu(z) the same; f1 = y1 + y2 + 0.5 in [0.8, 1.8], f2 = -y1 + 2 y2 in [0.2, 1.8];
        // f(x) = (1.3, 1.0): class 0; margin f1 - f2 = 2 y1 - y2 + 0.5 in [-0.4, 1.0] (not 0.8 - 1.8 = -1.0).
        for (Norm norm : Norm.values()) {
            Certifier ibp = Certifier.builder().method(Method.IBP).norm(norm).build();
            BoundResult logits = ibp.bounds(net, x, Specification.logits(), 0.1);
            assertArrayClose(new double[] {0.8, 0.2}, logits.lower().data());
            assertArrayClose(new double[] {1.8, 1.8}, logits.upper().data());
            BoundResult margin = ibp.bounds(net, x, Specification.predictedMargins(), 0.1);
            assertEquals(0, margin.anchors()[0]);
            assertArrayClose(new double[] {-0.4}, margin.lower().data());
            assertArrayClose(new double[] {1.0}, margin.upper().data());
        }
    }

    static void assertArrayClose(double[] want, double[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-12, "entry " + i + " of " + Arrays.toString(got));
        }
    }
}
