package org.lde.metrics;

import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.explain.baseline.Batched;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;

/**
 * Carlini-Wagner L2 (Carlini and Wagner 2017), untargeted, batched over samples. Change of
 * variables {@code x'(w) = lo + (hi - lo) (tanh(w) + 1) / 2}, so every iterate lies in the data
 * box; start {@code w_0 = atanh(0.999999 (2 (x - lo) / (hi - lo) - 1))}. For each constant
 * {@code c} (per sample) Adam ({@code beta = 0.9, 0.999}, step {@code lr}) minimises
 *
 * <pre>
 *   ||x' - x||_2^2 + c max(f_y(x') - max_{j != y} f_j(x'), -kappa)
 * </pre>
 *
 * (one recorded forward and one reverse pass per iteration for the whole batch). Every iterate is
 * checked on the real network; the smallest L2 perturbation that is misclassified is kept. After
 * each of the {@code binarySteps} rounds, {@code c} is bisected per sample: success sets the upper
 * end, failure the lower one ({@code c *= 10} while no upper end is known). A sample never fooled
 * returns its clean input (zero perturbation), reported as not fooled.
 */
public final class CarliniWagner {
    private final int binarySteps;
    private final int iterations;
    private final double learningRate;
    private final double initialConst;
    private final double kappa;

    public CarliniWagner(int binarySteps, int iterations, double learningRate, double initialConst, double kappa) {
        if (binarySteps < 1) {
            throw new IllegalArgumentException("CW binarySteps (the number of binary-search steps on c) must be >= 1, got "
                    + binarySteps);
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("CW iterations (the number of Adam steps per binary-search step) must be >= 1,"
                    + " got " + iterations);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("CW learningRate must be positive and finite, got " + learningRate);
        }
        if (!(initialConst > 0) || !Double.isFinite(initialConst)) {
            throw new IllegalArgumentException("CW initialConst c_0 must be positive and finite, got " + initialConst);
        }
        if (!(kappa >= 0) || !Double.isFinite(kappa)) {
            throw new IllegalArgumentException("CW kappa must be finite and >= 0, got " + kappa);
        }
        this.binarySteps = binarySteps;
        this.iterations = iterations;
        this.learningRate = learningRate;
        this.initialConst = initialConst;
        this.kappa = kappa;
    }

    /** 5 binary-search steps of 100 Adam iterations, lr 0.01, c_0 = 1, kappa = 0. */
    public CarliniWagner() {
        this(5, 100, 0.01, 1, 0);
    }

    public String describe() {
        return String.format("cw-l2(binarySteps=%d, iterations=%d, lr=%s, c0=%s, kappa=%s)", binarySteps, iterations,
                learningRate, initialConst, kappa);
    }

    public AttackResult run(Backend backend, Tensor x, int[] labels) {
        Batched.checkAttributionInput(backend, x, labels);
        double lo = backend.network().lo();
        double hi = backend.network().hi();
        Pgd.requireInBox(x, lo, hi);
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        int c = backend.network().outputSize();
        double[] xd = x.data();
        double[] w0 = new double[n * d];
        for (int i = 0; i < w0.length; i++) {
            w0[i] = atanh(0.999999 * (2 * (xd[i] - lo) / (hi - lo) - 1));
        }
        double[] best = xd.clone();
        double[] bestL2 = new double[n];
        java.util.Arrays.fill(bestL2, Double.POSITIVE_INFINITY);
        int[] cls = Evaluation.argmax(backend.forward(x));
        for (int i = 0; i < n; i++) {
            if (cls[i] != labels[i]) {
                bestL2[i] = 0;
            }
        }
        double[] cst = new double[n];
        double[] lower = new double[n];
        double[] upper = new double[n];
        java.util.Arrays.fill(cst, initialConst);
        java.util.Arrays.fill(upper, Double.POSITIVE_INFINITY);
        for (int round = 0; round < binarySteps; round++) {
            double[] w = w0.clone();
            double[] m = new double[n * d];
            double[] v = new double[n * d];
            boolean[] success = new boolean[n];
            double[] xp = new double[n * d];
            for (int it = 0; it <= iterations; it++) {
                for (int j = 0; j < n * d; j++) {
                    xp[j] = lo + (hi - lo) * (Math.tanh(w[j]) + 1) / 2;
                }
                double[] g;
                try (Recorded rec = backend.forwardRecorded(new Tensor(x.shape(), xp.clone()))) {
                    double[] z = rec.logits().data();
                    Tensor seeds = Tensor.zeros(n, 1, c);
                    int[] now = Evaluation.argmax(rec.logits());
                    for (int i = 0; i < n; i++) {
                        double l2 = 0;
                        for (int j = 0; j < d; j++) {
                            double e = xp[i * d + j] - xd[i * d + j];
                            l2 += e * e;
                        }
                        l2 = Math.sqrt(l2);
                        if (now[i] != labels[i]) {
                            success[i] = true;
                            if (l2 < bestL2[i]) {
                                bestL2[i] = l2;
                                cls[i] = now[i];
                                System.arraycopy(xp, i * d, best, i * d, d);
                            }
                        }
                        int y = labels[i];
                        int jmax = -1;
                        for (int k = 0; k < c; k++) {
                            if (k != y && (jmax < 0 || z[i * c + k] > z[i * c + jmax])) {
                                jmax = k;
                            }
                        }
                        if (z[i * c + y] - z[i * c + jmax] > -kappa) {
                            seeds.data()[i * c + y] = cst[i];
                            seeds.data()[i * c + jmax] = -cst[i];
                        }
                    }
                    if (it == iterations) {
                        break;
                    }
                    g = backend.reverse(rec, seeds).data();
                }
                double b1 = 0.9;
                double b2 = 0.999;
                double t = it + 1;
                for (int j = 0; j < n * d; j++) {
                    double th = Math.tanh(w[j]);
                    double dxdw = (hi - lo) / 2 * (1 - th * th);
                    double grad = (2 * (xp[j] - xd[j]) + g[j]) * dxdw;
                    m[j] = b1 * m[j] + (1 - b1) * grad;
                    v[j] = b2 * v[j] + (1 - b2) * grad * grad;
                    double mh = m[j] / (1 - Math.pow(b1, t));
                    double vh = v[j] / (1 - Math.pow(b2, t));
                    w[j] -= learningRate * mh / (Math.sqrt(vh) + 1e-8);
                }
            }
            for (int i = 0; i < n; i++) {
                if (success[i]) {
                    upper[i] = Math.min(upper[i], cst[i]);
                    cst[i] = (lower[i] + upper[i]) / 2;
                } else {
                    lower[i] = Math.max(lower[i], cst[i]);
                    cst[i] = Double.isInfinite(upper[i]) ? cst[i] * 10 : (lower[i] + upper[i]) / 2;
                }
            }
        }
        int[] finalCls = Evaluation.argmax(backend.forward(new Tensor(x.shape(), best.clone())));
        return Pgd.finish(describe(), x, best, labels, finalCls, n, d);
    }

    private static double atanh(double v) {
        return 0.5 * Math.log((1 + v) / (1 - v));
    }
}
