package org.lde.certify;

import org.lde.engine.bound.BoundReference;
import org.lde.engine.bound.LinearRows;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Slopes;
import org.lde.model.Network;
import org.lde.model.Activation;

/**
 * alpha-CROWN for one input set: the lower slope {@code a_j in [s, 1]} of every unstable ReLU ({@code s = 0})
 * and LeakyReLU (negative slope {@code s <= 1}) neuron,
 * one set of slopes per specification row, maximizes that row's CROWN lower bound by projected
 * gradient ascent (Adam, as auto_LiRPA; gradient by {@link BoundReference#slopeGradient}). The
 * intermediate bounds stay CROWN's (auto_LiRPA also re-optimizes those; this does not). Every
 * iterate's bound is sound (any slope in {@code [s, 1]} gives a valid lower line), and the best per
 * row is kept, starting from CROWN's adaptive slopes: the result is never looser than CROWN.
 * Runs the float64 reference on the host.
 */
final class AlphaCrown {
    private AlphaCrown() {
    }

    static double[] optimize(Network net, NodeBounds b, LinearRows spec, int startNode, double[] x, double eps,
                             Certifier.Settings s) {
        int layers = net.layers().size();
        int rows = spec.rows();
        double[][][] alpha = new double[rows][layers][];
        double[][][] m1 = new double[rows][layers][];
        double[][][] m2 = new double[rows][layers][];
        double[][][] grad = new double[rows][layers][];
        boolean anyUnstable = false;
        double[] slopeMin = new double[layers];
        boolean[] leads = BoundReference.leadsTo(net, startNode);
        for (int k = 0; k < startNode; k++) {
            if (!leads[k] || !(net.layers().get(k) instanceof Activation f) || !BoundReference.optimizable(f)) {
                continue;
            }
            int in = net.inputsOf(k)[0] + 1;
            double[] l = b.lower(in);
            double[] u = b.upper(in);
            double s0 = BoundReference.leakSlope(f);
            slopeMin[k] = s0;
            for (int r = 0; r < rows; r++) {
                alpha[r][k] = new double[l.length];
                m1[r][k] = new double[l.length];
                m2[r][k] = new double[l.length];
                grad[r][k] = new double[l.length];
                for (int j = 0; j < l.length; j++) {
                    alpha[r][k][j] = BoundReference.adaptiveSlope(s0, l[j], u[j]);
                    anyUnstable |= l[j] < 0 && u[j] > 0;
                }
            }
        }
        Slopes slopes = new Slopes(alpha);
        double[] best = new double[rows];
        java.util.Arrays.fill(best, Double.NEGATIVE_INFINITY);
        double[] cur = new double[rows];
        int iterations = anyUnstable ? s.alphaIterations() : 0;
        double b1 = 0.9;
        double b2 = 0.999;
        for (int it = 0; it <= iterations; it++) {
            LinearRows[] trace = new LinearRows[layers];
            LinearRows in = BoundReference.backward(net, b, startNode, spec, slopes, trace);
            BoundReference.concretize(in, net.inputShape(), x, eps, s.norm(), s.lo(), s.hi(), cur, 0);
            for (int r = 0; r < rows; r++) {
                best[r] = Math.max(best[r], cur[r]);
            }
            if (it == iterations) {
                break;
            }
            double c1 = 1 - Math.pow(b1, it + 1);
            double c2 = 1 - Math.pow(b2, it + 1);
            for (int r = 0; r < rows; r++) {
                BoundReference.slopeGradient(net, b, spec, startNode, r, in, trace, slopes, x, eps, s.norm(), s.lo(), s.hi(),
                        grad[r]);
                for (int k = 0; k < startNode; k++) {
                    if (alpha[r][k] == null) {
                        continue;
                    }
                    double[] a = alpha[r][k];
                    double[] g = grad[r][k];
                    double[] p = m1[r][k];
                    double[] q = m2[r][k];
                    for (int j = 0; j < a.length; j++) {
                        p[j] = b1 * p[j] + (1 - b1) * g[j];
                        q[j] = b2 * q[j] + (1 - b2) * g[j] * g[j];
                        double step = s.alphaLearningRate() * (p[j] / c1) / (Math.sqrt(q[j] / c2) + 1e-8);
                        a[j] = Math.min(1, Math.max(slopeMin[k], a[j] + step));
                    }
                }
            }
        }
        return best;
    }
}
