package org.lde.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.lde.engine.Backend;
import org.lde.engine.Loss;
import org.lde.engine.LossValue;
import org.lde.engine.ParameterGradients;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.model.BatchNorm2d;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Property tests of {@link EjmlBackend} on random small networks that use every layer kind
 * ({@link RandomNetworks}), against central finite differences in float64 (relative error
 * {@code <= 1e-6}) and against the naive loop forward pass of {@link NaiveNetwork}. Inputs are
 * resampled until no ReLU input or max-pool near-tie lies within {@code 1e-4} of a kink; the
 * networks are piecewise affine, so a difference step of {@code 1e-6} is exact up to rounding.
 */
class EjmlBackendProperties {
    private static final double H = 1e-6;
    private static final double MARGIN = 1e-4;
    private static final double TOL = 1e-6;

    /** (f) forward and every layer output agree with direct loops over the unfolded network (BatchNorm applied as written). */
    @Property(tries = 40)
    void forwardMatchesNaiveLoops(@ForAll long seed) {
        RandomNetworks.Case cs = RandomNetworks.smoothCase(seed, 0);
        Network net = cs.net();
        int n = cs.n(), d = net.inputSize(), c = net.outputSize();
        try (Backend b = new EjmlBackend(net); Recorded rec = b.forwardRecorded(cs.x())) {
            Tensor logits = b.forward(cs.x());
            assertEquals(Shape.of(n, c), logits.shape());
            assertArrayEquals(logits.data(), rec.logits().data(), 0.0, "forward and forwardRecorded differ");
            for (int i = 0; i < n; i++) {
                double[] xi = Arrays.copyOfRange(cs.x().data(), i * d, (i + 1) * d);
                double[][] outs = NaiveNetwork.layerOutputs(net, xi);
                double[] got = Arrays.copyOfRange(logits.data(), i * c, (i + 1) * c);
                assertTrue(relErr(got, outs[outs.length - 1]) < 1e-12, "logits of sample " + i);
                // layer outputs: a folded conv's output is the original BatchNorm's output
                for (Layer l : b.network().layers()) {
                    int orig = net.indexOf(l.name());
                    if (orig + 1 < net.layers().size() && net.layers().get(orig + 1) instanceof BatchNorm2d) {
                        orig++;
                    }
                    Tensor out = b.layerOutput(rec, l.name());
                    int size = out.size() / n;
                    assertEquals(net.outputShape(orig).withBatch(n), out.shape(), "shape of layer " + l.name());
                    assertTrue(relErr(Arrays.copyOfRange(out.data(), i * size, (i + 1) * size), outs[orig]) < 1e-12,
                            "output of layer " + l.name() + ", sample " + i);
                }
            }
        }
    }

    /** (a) reverse with random seeds equals central differences of {@code seeds . logits}, per entry and along random directions. */
    @Property(tries = 40)
    void reverseWithRandomSeedsMatchesFiniteDifferences(@ForAll long seed) {
        RandomNetworks.Case cs = RandomNetworks.smoothCase(seed, MARGIN);
        Rng rng = new Rng(seed ^ 0x5DEECE66DL);
        Network net = cs.net();
        int n = cs.n(), d = net.inputSize(), c = net.outputSize(), s = 1 + rng.nextInt(4);
        Tensor seeds = rng.uniform(Shape.of(n, s, c), -1, 1);
        // half of the tries bound the reverse pass so that the samples are split into groups
        long cap = rng.nextInt(2) == 0 ? EjmlBackend.DEFAULT_MAX_REVERSE_DOUBLES : 1 + rng.nextInt(2000);
        try (Backend b = new EjmlBackend(net, cap); Recorded rec = b.forwardRecorded(cs.x())) {
            Tensor g = b.reverse(rec, seeds);
            assertEquals(net.inputShape().withBatch(s).withBatch(n), g.shape());
            double[][][] jac = fdInputJacobian(b, cs.x()); // [n][c][d]
            double[] expected = new double[n * s * d];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < s; k++) {
                    for (int q = 0; q < d; q++) {
                        double v = 0;
                        for (int o = 0; o < c; o++) {
                            v += seeds.get(i, k, o) * jac[i][o][q];
                        }
                        expected[(i * s + k) * d + q] = v;
                    }
                }
            }
            assertRel(g.data(), expected, "reverse vs per-entry differences");
            for (int dir = 0; dir < 3; dir++) {
                Tensor v = rng.uniform(cs.x().shape(), -1, 1);
                double[] lp = b.forward(axpy(cs.x(), H, v)).data(), lm = b.forward(axpy(cs.x(), -H, v)).data();
                double[] fd = new double[n * s], an = new double[n * s];
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < s; k++) {
                        for (int o = 0; o < c; o++) {
                            fd[i * s + k] += seeds.get(i, k, o) * (lp[i * c + o] - lm[i * c + o]) / (2 * H);
                        }
                        for (int q = 0; q < d; q++) {
                            an[i * s + k] += g.data()[(i * s + k) * d + q] * v.data()[i * d + q];
                        }
                    }
                }
                assertRel(an, fd, "directional derivative " + dir);
            }
        }
    }

    /** (b) a whole Jacobian (Seeds.identity) in one call equals the finite-difference Jacobian. */
    @Property(tries = 40)
    void identitySeedsGiveTheJacobian(@ForAll long seed) {
        RandomNetworks.Case cs = RandomNetworks.smoothCase(seed, MARGIN);
        Network net = cs.net();
        int n = cs.n(), d = net.inputSize(), c = net.outputSize();
        try (Backend b = new EjmlBackend(net); Recorded rec = b.forwardRecorded(cs.x())) {
            Tensor jac = b.reverse(rec, Seeds.identity(n, c));
            assertEquals(net.inputShape().withBatch(c).withBatch(n), jac.shape());
            double[][][] fd = fdInputJacobian(b, cs.x());
            double[] expected = new double[n * c * d];
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < c; o++) {
                    System.arraycopy(fd[i][o], 0, expected, (i * c + o) * d, d);
                }
            }
            assertRel(jac.data(), expected, "Jacobian");
        }
    }

    /**
     * (c) layerGradient at a random layer equals differences of {@code seeds . logits} under a
     * perturbation of that layer's output, propagated by the naive forward from the next layer on.
     * A cell that sits exactly on a max-pool tie of dead ReLU outputs (a window of zeros) is a kink
     * of the function (the one-sided differences disagree); no difference quotient defines its
     * derivative, so such cells are left out (the first-maximum rule is tested in EjmlBackendTest).
     */
    @Property(tries = 40)
    void layerGradientMatchesFiniteDifferences(@ForAll long seed) {
        RandomNetworks.Case cs = RandomNetworks.smoothCase(seed, MARGIN);
        Rng rng = new Rng(seed ^ 0x9E3779B97F4A7C15L);
        int n = cs.n(), d = cs.net().inputSize();
        long cap = rng.nextInt(2) == 0 ? EjmlBackend.DEFAULT_MAX_REVERSE_DOUBLES : 1 + rng.nextInt(2000);
        try (Backend b = new EjmlBackend(cs.net(), cap); Recorded rec = b.forwardRecorded(cs.x())) {
            Network folded = b.network();
            int c = folded.outputSize(), layer = rng.nextInt(folded.layers().size()), s = 1 + rng.nextInt(3);
            String name = folded.layers().get(layer).name();
            Tensor seeds = rng.uniform(Shape.of(n, s, c), -1, 1);
            Tensor g = b.layerGradient(rec, name, seeds);
            int size = folded.outputShape(layer).sizeInt();
            assertEquals(folded.outputShape(layer).withBatch(s).withBatch(n), g.shape());
            double[] got = g.data();
            double[] expected = new double[got.length];
            for (int i = 0; i < n; i++) {
                double[] xi = Arrays.copyOfRange(cs.x().data(), i * d, (i + 1) * d);
                double[] act = NaiveNetwork.layerOutputs(folded, xi)[layer];
                double[] f0 = NaiveNetwork.forwardFrom(folded, layer + 1, act);
                for (int q = 0; q < size; q++) {
                    double[] ap = act.clone(), am = act.clone();
                    ap[q] += H;
                    am[q] -= H;
                    double[] fp = NaiveNetwork.forwardFrom(folded, layer + 1, ap);
                    double[] fm = NaiveNetwork.forwardFrom(folded, layer + 1, am);
                    for (int k = 0; k < s; k++) {
                        double central = 0, fwd = 0, bwd = 0;
                        for (int o = 0; o < c; o++) {
                            double w = seeds.get(i, k, o);
                            central += w * (fp[o] - fm[o]) / (2 * H);
                            fwd += w * (fp[o] - f0[o]) / H;
                            bwd += w * (f0[o] - fm[o]) / H;
                        }
                        int at = (i * s + k) * size + q;
                        boolean kink = Math.abs(fwd - bwd) > 1e-6 * (1e-3 + Math.abs(central));
                        expected[at] = kink ? Double.NaN : central;
                    }
                }
            }
            int kept = 0;
            for (double e : expected) {
                kept += Double.isNaN(e) ? 0 : 1;
            }
            double[] g2 = new double[kept], e2 = new double[kept];
            for (int q = 0, j = 0; q < expected.length; q++) {
                if (!Double.isNaN(expected[q])) {
                    g2[j] = got[q];
                    e2[j++] = expected[q];
                }
            }
            assertRel(g2, e2, "gradient at layer " + name + " (" + kept + " of " + expected.length + " entries away from ties)");
        }
    }

    /** (d) parameter gradients of {@code sum_n g[n] . logits[n]} equal differences on (a sample of) every parameter entry. */
    @Property(tries = 30)
    void parameterGradientsMatchFiniteDifferences(@ForAll long seed) {
        RandomNetworks.Case cs = RandomNetworks.smoothCase(seed, MARGIN);
        Rng rng = new Rng(seed ^ 0x2545F4914F6CDD1DL);
        int n = cs.n(), d = cs.net().inputSize();
        try (Backend b = new EjmlBackend(cs.net()); Recorded rec = b.forwardRecorded(cs.x())) {
            Network folded = b.snapshot();
            int c = folded.outputSize();
            Tensor outGrad = rng.uniform(Shape.of(n, c), -1, 1);
            ParameterGradients pg = b.parameterGradients(rec, outGrad);
            List<Layer.Parameter> params = folded.trainableParameters();
            assertEquals(params.size(), pg.gradients().size(), "one gradient per trainable parameter");
            for (int p = 0; p < params.size(); p++) {
                Tensor value = params.get(p).value();
                Tensor grad = pg.gradients().get(p);
                assertEquals(value.shape(), grad.shape(), "shape of gradient of " + params.get(p).name());
                int entries = Math.min(value.size(), 12);
                int[] picks = value.size() <= 12 ? identityPerm(value.size()) : rng.permutation(value.size());
                double[] got = new double[entries], expected = new double[entries];
                for (int e = 0; e < entries; e++) {
                    int q = picks[e];
                    double old = value.data()[q];
                    value.data()[q] = old + H;
                    double fp = objective(folded, cs.x(), outGrad, n, d, c);
                    value.data()[q] = old - H;
                    double fm = objective(folded, cs.x(), outGrad, n, d, c);
                    value.data()[q] = old;
                    expected[e] = (fp - fm) / (2 * H);
                    got[e] = grad.data()[q];
                }
                assertRel(got, expected, "gradient of " + params.get(p).name());
            }
        }
    }

    /** (e) loss values against the direct formulas and loss gradients against central differences. */
    @Property(tries = 50)
    void lossGradientsMatchFiniteDifferences(@ForAll long seed) {
        Rng rng = new Rng(seed);
        int n = 1 + rng.nextInt(5), c = 2 + rng.nextInt(5);
        Network net = Network.builder(3).seed(seed).dense("fc", c).build();
        double scale = rng.uniform(0.1, 10);
        Tensor logits = rng.uniform(Shape.of(n, c), -scale, scale);
        Tensor classes = Tensor.zeros(n);
        int correct = 0;
        double ce = 0;
        for (int i = 0; i < n; i++) {
            int y = rng.nextInt(c);
            classes.data()[i] = y;
            double sum = 0;
            int arg = 0;
            for (int o = 0; o < c; o++) {
                sum += Math.exp(logits.get(i, o));
                if (logits.get(i, o) > logits.get(i, arg)) {
                    arg = o;
                }
            }
            ce += -Math.log(Math.exp(logits.get(i, y)) / sum) / n;
            correct += arg == y ? 1 : 0;
        }
        Tensor targets = rng.uniform(Shape.of(n, c), -2, 2);
        double mse = 0;
        for (int q = 0; q < n * c; q++) {
            mse += Math.pow(logits.data()[q] - targets.data()[q], 2) / (n * c);
        }
        try (Backend b = new EjmlBackend(net)) {
            LossValue lce = b.loss(logits, classes, Loss.SOFTMAX_CROSS_ENTROPY);
            assertEquals(ce, lce.value(), 1e-12 * Math.max(1, ce), "cross-entropy value");
            assertEquals(correct, lce.correct(), "correct predictions");
            LossValue lmse = b.loss(logits, targets, Loss.MSE);
            assertEquals(mse, lmse.value(), 1e-12 * Math.max(1, mse), "MSE value");
            assertEquals(0, lmse.correct());
            for (Loss kind : Loss.values()) {
                Tensor t = kind == Loss.MSE ? targets : classes;
                double[] got = b.loss(logits, t, kind).gradient().data();
                double[] fd = new double[n * c];
                for (int q = 0; q < n * c; q++) {
                    Tensor lp = logits.copy(), lm = logits.copy();
                    lp.data()[q] += 1e-5;
                    lm.data()[q] -= 1e-5;
                    fd[q] = (b.loss(lp, t, kind).value() - b.loss(lm, t, kind).value()) / 2e-5;
                }
                assertRel(got, fd, kind + " gradient");
            }
        }
    }

    // ----------------------------------------------------------------------------------------

    /** {@code sum_n g[n] . f(x_n)} by the naive forward pass. */
    private static double objective(Network net, Tensor x, Tensor g, int n, int d, int c) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double[] f = NaiveNetwork.forward(net, Arrays.copyOfRange(x.data(), i * d, (i + 1) * d));
            for (int o = 0; o < c; o++) {
                sum += g.data()[i * c + o] * f[o];
            }
        }
        return sum;
    }

    /** {@code J[n][c][k] = d logits[n, c] / d x[n, k]} by central differences (coordinate k moved in every sample at once). */
    private static double[][][] fdInputJacobian(Backend b, Tensor x) {
        int n = x.shape().dim(0), d = x.size() / n, c = b.network().outputSize();
        double[][][] jac = new double[n][c][d];
        for (int q = 0; q < d; q++) {
            Tensor xp = x.copy(), xm = x.copy();
            for (int i = 0; i < n; i++) {
                xp.data()[i * d + q] += H;
                xm.data()[i * d + q] -= H;
            }
            double[] fp = b.forward(xp).data(), fm = b.forward(xm).data();
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < c; o++) {
                    jac[i][o][q] = (fp[i * c + o] - fm[i * c + o]) / (2 * H);
                }
            }
        }
        return jac;
    }

    private static Tensor axpy(Tensor x, double a, Tensor v) {
        Tensor out = x.copy();
        for (int q = 0; q < out.size(); q++) {
            out.data()[q] += a * v.data()[q];
        }
        return out;
    }

    private static int[] identityPerm(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    static double relErr(double[] got, double[] ref) {
        return new Tensor(Shape.of(got.length), got).relativeError(new Tensor(Shape.of(ref.length), ref));
    }

    /** Relative 2-norm error {@code <= 1e-6}, or, for a (near) zero reference, absolute error {@code <= 1e-8}. */
    private static void assertRel(double[] got, double[] ref, String what) {
        double num = 0, den = 0;
        for (int i = 0; i < got.length; i++) {
            num += (got[i] - ref[i]) * (got[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        double err = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-2);
        assertTrue(err <= TOL, what + ": relative error " + err + " > " + TOL + " (|ref| = " + Math.sqrt(den) + ")");
    }
}
