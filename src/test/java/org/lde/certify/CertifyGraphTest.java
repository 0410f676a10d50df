package org.lde.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.optim.MaxIter;
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
import org.lde.engine.Recorded;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Norm;
import org.lde.model.AvgPool2d;
import org.lde.model.Concat;
import org.lde.model.Dense;
import org.lde.model.Dropout;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Reshape;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The bound passes on graph networks (forks, Add, Concat) and the new node kinds (sigmoid, tanh,
 * LeakyReLU, affine, global average pooling, reshape, identity, dropout, grouped and dilated
 * convolutions), each against an independent computation: the EJML float64 forward at sampled and
 * attacked points (soundness), the exact minimum of a network that is linear on the box (CROWN is
 * tight there), the logits themselves at {@code eps = 0}, and an LP of the triangle relaxation of tiny
 * ReLU graphs solved by Apache Commons Math's simplex.
 */
class CertifyGraphTest {

    @Test
    void sampledAndAttackedPointsStayInsideTheBoundsOnGraphs() {
        Rng rng = new Rng(21);
        int[] counts = new int[2];
        for (Network net : CertifyNets.graphs(31)) {
            CertifySoundnessTest.check(net, rng, counts);
        }
        assertTrue(counts[0] > 3000 && counts[1] > 300, "checked " + counts[0] + " values, " + counts[1] + " attacks");
    }

    @Test
    void atEpsZeroEveryMethodReturnsTheLogits() {
        for (Network net : CertifyNets.graphs(41)) {
            try (Backend backend = Backends.cpu(net)) {
                Tensor x = CertifyNets.inputs(net, 2, 5);
                double[] logits = backend.forward(x).data();
                for (Method m : Method.values()) {
                    BoundResult r = Certifier.builder().method(m).build().bounds(backend, x, Specification.logits(), 0);
                    for (int i = 0; i < logits.length; i++) {
                        assertEquals(logits[i], r.lower().data()[i], 1e-9, m + " lower, logit " + i);
                        assertEquals(logits[i], r.upper().data()[i], 1e-9, m + " upper, logit " + i);
                    }
                }
            }
        }
    }

    /** A graph without nonlinearity: forks, Add, an affine node, Concat, Identity, Dropout. */
    static Network linearMlp(long seed) {
        Network.Builder b = Network.builder(5).seed(seed);
        b.dense("a", 4);
        b.dense("b", 4);
        b.from("a").batchNorm("bn");
        b.node(new org.lde.model.Add("sum"), "b", "bn").node(new Concat("cat"), "sum", "a");
        b.identity().add(new Dropout("drop", 0.5));
        return b.dense("out", 3).build();
    }

    /** A convolutional graph without nonlinearity: grouped and dilated convolutions, Add, affine, Concat, pools, Reshape. */
    static Network linearCnn(long seed) {
        Network.Builder b = Network.builder(2, 6, 5).seed(seed);
        b.conv2d("c1", 4, 3, 3, 1, 1, 1, 1);
        b.conv2d("g", 4, 3, 3, 1, 1, 1, 1, 2, 1, 1);
        b.from("c1").conv2d("dil", 4, 2, 3, 1, 1, 1, 2, 1, 2, 2);
        b.residual("g", "dil").batchNorm("bn");
        b.concat("bn", "c1").add(new AvgPool2d("ap", 3, 2, 2, 1, 1, 0));
        b.conv2d("dw", 8, 2, 2, 1, 1, 0, 0, 8, 1, 1);
        b.globalAvgPool().add(new Reshape("rs", Shape.of(8)));
        return b.dense("out", 3).build();
    }

    @Test
    void linearRelaxationsAreExactOnANetworkThatIsLinearOnTheBox() {
        int checked = 0;
        for (Network net : List.of(linearMlp(3), linearMlp(4), linearCnn(5))) {
            assertTrue(!net.sequential(), "a graph");
            try (Backend backend = Backends.cpu(net)) {
                int d = net.inputSize();
                int c = net.outputSize();
                Tensor x = CertifyNets.inputs(net, 2, 9);
                for (Norm norm : Norm.values()) {
                    double eps = norm == Norm.LINF ? 0.2 : 0.7;
                    for (Method m : List.of(Method.CROWN, Method.CROWN_IBP, Method.ALPHA_CROWN)) {
                        BoundResult br = Certifier.builder().method(m).norm(norm).build()
                                .bounds(backend, x, Specification.logits(), eps);
                        for (int n = 0; n < 2; n++) {
                            double[] xn = Arrays.copyOfRange(x.data(), n * d, (n + 1) * d);
                            for (int j = 0; j < c; j++) {
                                double[] seed = new double[c];
                                seed[j] = 1;
                                double[] g;
                                try (Recorded rec = backend.forwardRecorded(new Tensor(net.inputShape().withBatch(1), xn.clone()))) {
                                    g = backend.reverse(rec, new Tensor(Shape.of(1, 1, c), seed)).data();
                                }
                                double lo = logitAt(backend, extreme(xn, g, eps, norm, -1), j);
                                double hi = logitAt(backend, extreme(xn, g, eps, norm, 1), j);
                                assertEquals(lo, br.lower().data()[n * c + j], 1e-10 * (1 + Math.abs(lo)), m + " " + norm + " lower");
                                assertEquals(hi, br.upper().data()[n * c + j], 1e-10 * (1 + Math.abs(hi)), m + " " + norm + " upper");
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked >= 100, "checked " + checked);
    }

    /** The point of the set that minimizes ({@code sign -1}) or maximizes {@code g . x'}. */
    static double[] extreme(double[] x, double[] g, double eps, Norm norm, int sign) {
        double[] p = x.clone();
        double n2 = 0;
        for (double v : g) {
            n2 += v * v;
        }
        for (int i = 0; i < x.length; i++) {
            if (norm == Norm.LINF) {
                boolean up = (g[i] > 0) == (sign > 0);
                p[i] = up ? Math.min(x[i] + eps, 1) : Math.max(x[i] - eps, 0);
            } else {
                p[i] = x[i] + sign * eps * g[i] / Math.sqrt(n2);
            }
        }
        return p;
    }

    static double logitAt(Backend backend, double[] p, int j) {
        return backend.forward(new Tensor(backend.network().inputShape().withBatch(1), p)).data()[j];
    }

    /** A tiny residual ReLU graph: two ReLU layers whose outputs are added, a Concat with the first. */
    static Network tinyResidual(long seed) {
        Network.Builder b = Network.builder(3).seed(seed);
        b.dense("d1", 5).relu();
        String r1 = b.last();
        b.dense("d2", 5).relu();
        String r2 = b.last();
        b.residual(r1, r2);
        String a = b.last();
        b.dense("d3", 4).relu();
        b.node(new Concat("cat"), b.last(), a);
        return b.dense("out", 3).build();
    }

    @Test
    void crownIsBelowTheLpRelaxationOfTinyReluGraphsWhichIsBelowTheSampledMinimum() {
        List<Network> nets = new ArrayList<>();
        for (long seed = 0; seed < 5; seed++) {
            nets.add(tinyResidual(300 + seed));
        }
        double[] st = CertifyLpTest.compareWithLp(nets, 60, new Rng(8), CertifyGraphTest::lpLower);
        System.out.printf("graph LP check: %d rows, alpha-CROWN strictly tighter on %d, closed %.4f of the CROWN-LP gap "
                + "%.4f%n", (int) st[0], (int) st[1], st[2], st[3]);
        assertTrue(st[0] >= 30, "rows " + st[0]);
        assertTrue(st[3] > 0, "CROWN was exact everywhere: the test does not exercise the relaxation");
        assertTrue(st[2] > 0.05 * st[3], "alpha-CROWN closed only " + st[2] + " of the CROWN-LP gap " + st[3]);
    }

    /**
     * The LP relaxation's minimum of {@code row . f(x')} over the clipped L_inf box for a graph of Dense,
     * ReLU (triangle relaxation with the given bounds of its input node), Add and Concat nodes: one
     * variable per value of every node.
     */
    static double lpLower(Network net, NodeBounds b, double[] x, double eps, double[] row) {
        List<Layer> layers = net.layers();
        int[] off = new int[layers.size() + 1];
        int nv = x.length;
        for (int k = 0; k < layers.size(); k++) {
            off[k + 1] = nv;
            nv += net.outputShape(k).sizeInt();
        }
        List<LinearConstraint> cons = new ArrayList<>();
        double[][] box = CertifyNets.box(x, eps, 0, 1);
        for (int i = 0; i < x.length; i++) {
            cons.add(new LinearConstraint(CertifyLpTest.unit(nv, i), Relationship.GEQ, box[0][i]));
            cons.add(new LinearConstraint(CertifyLpTest.unit(nv, i), Relationship.LEQ, box[1][i]));
        }
        for (int k = 0; k < layers.size(); k++) {
            Layer layer = layers.get(k);
            int[] ins = net.inputsOf(k);
            int size = net.outputShape(k).sizeInt();
            int y0 = off[k + 1];
            int x0 = off[ins[0] + 1];
            if (layer instanceof Dense d) {
                for (int o = 0; o < d.out(); o++) {
                    double[] v = CertifyLpTest.unit(nv, y0 + o);
                    for (int i = 0; i < d.in(); i++) {
                        v[x0 + i] -= d.weight().data()[o * d.in() + i];
                    }
                    cons.add(new LinearConstraint(v, Relationship.EQ, d.bias().data()[o]));
                }
            } else if (layer instanceof ReLU) {
                double[] l = b.lower(ins[0] + 1);
                double[] u = b.upper(ins[0] + 1);
                for (int o = 0; o < size; o++) {
                    double[] y = CertifyLpTest.unit(nv, y0 + o);
                    double[] z = CertifyLpTest.unit(nv, x0 + o);
                    if (l[o] >= 0) {
                        cons.add(new LinearConstraint(CertifyLpTest.minus(y, z), Relationship.EQ, 0));
                    } else if (u[o] <= 0) {
                        cons.add(new LinearConstraint(y, Relationship.EQ, 0));
                    } else {
                        double uu = Math.max(u[o], l[o] + 1e-8);
                        double s = uu / (uu - l[o]);
                        cons.add(new LinearConstraint(y, Relationship.GEQ, 0));
                        cons.add(new LinearConstraint(CertifyLpTest.minus(y, z), Relationship.GEQ, 0));
                        double[] v = y.clone();
                        v[x0 + o] -= s;
                        cons.add(new LinearConstraint(v, Relationship.LEQ, -s * l[o]));
                    }
                }
            } else if (layer instanceof org.lde.model.Add) {
                for (int o = 0; o < size; o++) {
                    double[] v = CertifyLpTest.unit(nv, y0 + o);
                    for (int j : ins) {
                        v[off[j + 1] + o] -= 1;
                    }
                    cons.add(new LinearConstraint(v, Relationship.EQ, 0));
                }
            } else if (layer instanceof Concat) {
                int o = 0;
                for (int j : ins) {
                    int sz = j < 0 ? x.length : net.outputShape(j).sizeInt();
                    for (int i = 0; i < sz; i++, o++) {
                        double[] v = CertifyLpTest.unit(nv, y0 + o);
                        v[off[j + 1] + i] -= 1;
                        cons.add(new LinearConstraint(v, Relationship.EQ, 0));
                    }
                }
            } else {
                throw new IllegalArgumentException("no LP rule for " + layer.kind());
            }
        }
        double[] objective = new double[nv];
        int out = off[layers.size()];
        for (int j = 0; j < row.length; j++) {
            objective[out + j] = row[j];
        }
        return new SimplexSolver(1e-9, 10, 1e-12).optimize(new MaxIter(20000), new LinearObjectiveFunction(objective, 0),
                new LinearConstraintSet(cons), GoalType.MINIMIZE, new NonNegativeConstraint(false)).getValue();
    }
}
