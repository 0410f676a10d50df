package org.lde.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * One batch to explain (METHOD.md section 2): the inputs checked against the network and the
 * options, and per sample its {@link SampleState} with the box {@code [tl, tu]} and the scale
 * {@code D} of the perturbation model and {@code t = 0}. The margin rows ({@link #initRows}) are set
 * from the logits at {@code x}, by the outer loop's first forward pass.
 */
final class ExplainBatch {
    final ExplainerSettings cfg;
    final Shape in;
    final int d;
    final int c;
    final boolean regression;
    /** Margin rows per sample: {@code C - 1}, or 1 for regression. */
    final int rows;
    /** FLIP: {@code K = 1} problems, one per row; TARGET: one problem with {@code K = rows}. */
    final boolean flipRows;
    private final int[] classes;
    final List<SampleState> samples;

    private ExplainBatch(ExplainerSettings cfg, Shape in, int d, int c, boolean regression, int[] classes,
                         List<SampleState> samples) {
        this.cfg = cfg;
        this.in = in;
        this.d = d;
        this.c = c;
        this.regression = regression;
        this.rows = regression ? 1 : c - 1;
        this.flipRows = cfg.mode() == ExplainMode.FLIP;
        this.classes = classes;
        this.samples = samples;
    }

    /**
     * Checks {@code x} and {@code classes} (null: the predicted class, or the builder's target) and
     * sets up the samples.
     *
     * @throws IllegalArgumentException naming the argument, its shape or value
     */
    static ExplainBatch of(ExplainerSettings cfg, Backend backend, Tensor x, int[] classes) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(x, "x");
        Network net = backend.network();
        Shape in = net.inputShape();
        int d = net.inputSize();
        int c = net.outputSize();
        boolean regression = net.task() == Task.REGRESSION;
        ExplainMode mode = cfg.mode();
        if (x.shape().rank() != in.rank() + 1 || !x.shape().dropFirst().equals(in)) {
            throw new IllegalArgumentException("x has shape " + x.shape() + ", the network takes [N, "
                    + Arrays.toString(in.dims()).replace("[", "").replace("]", "") + "]");
        }
        int nN = x.shape().dim(0);
        if (nN == 0) {
            throw new IllegalArgumentException("x is an empty batch (shape " + x.shape() + ")");
        }
        x.requireFinite("x");
        if (regression) {
            if (mode == ExplainMode.TARGET) {
                throw new IllegalArgumentException("TARGET mode needs a classifier; the network is a regression model "
                        + "(use FLIP with a RegressionGoal and kappa > 0)");
            }
            if (!(cfg.kappa() > 0)) {
                throw new IllegalArgumentException("a regression explanation needs kappa > 0 (the requested change of "
                        + "the output), got " + cfg.kappa());
            }
        }
        if (classes != null) {
            if (classes.length != nN) {
                throw new IllegalArgumentException(classes.length + " classes for a batch of " + nN);
            }
            for (int i = 0; i < nN; i++) {
                int lim = regression ? 1 : c;
                if (classes[i] < 0 || classes[i] >= lim) {
                    throw new IllegalArgumentException("class " + classes[i] + " of sample " + i + " is outside [0, "
                            + lim + ")" + (regression ? " (a regression network has the one output 0)" : ""));
                }
            }
        } else if (mode == ExplainMode.TARGET) {
            if (cfg.target().isEmpty()) {
                throw new IllegalArgumentException("TARGET mode needs a target class: builder.target(c), or "
                        + "explain(backend, x, targets)");
            }
            if (cfg.target().getAsInt() >= c) {
                throw new IllegalArgumentException("target class " + cfg.target().getAsInt() + " is outside the network's "
                        + c + " classes");
            }
        }
        double lo = net.lo();
        double hi = net.hi();
        double[] xd = x.data();
        boolean additive = cfg.perturbation() == Perturbation.ADDITIVE;
        if (additive) {
            for (int i = 0; i < xd.length; i++) {
                if (xd[i] < lo || xd[i] > hi) {
                    throw new IllegalArgumentException("sample " + i / d + ", feature " + i % d + " = " + xd[i]
                            + " lies outside the network's data domain [" + lo + ", " + hi + "] (the additive box "
                            + "[lo - x, hi - x] needs x inside it)");
                }
            }
        }
        double[] base = additive ? null : cfg.baseline().of(x, cfg.blurSigma()).data();
        if (base != null && cfg.certifier().isPresent()) {
            for (int i = 0; i < base.length; i++) {
                if (!(base[i] >= lo && base[i] <= hi)) {
                    throw new IllegalArgumentException("certify: the " + cfg.baseline() + " baseline of sample " + i / d
                            + ", feature " + i % d + " = " + base[i] + " lies outside the network's domain [" + lo + ", "
                            + hi + "]; the certified radius is about perturbations inside it");
                }
            }
        }
        int rows = regression ? 1 : c - 1;
        List<SampleState> st = new ArrayList<>(nN);
        for (int n = 0; n < nN; n++) {
            SampleState s = new SampleState();
            s.n = n;
            s.x = Arrays.copyOfRange(xd, n * d, (n + 1) * d);
            s.scale = new double[d];
            s.tl = new double[d];
            s.tu = new double[d];
            s.t = new double[d];
            for (int i = 0; i < d; i++) {
                if (additive) {
                    s.scale[i] = 1;
                    double l = lo - s.x[i];
                    double u = hi - s.x[i];
                    if (cfg.linfBudget().isPresent()) {
                        l = Math.max(l, -cfg.linfBudget().getAsDouble());
                        u = Math.min(u, cfg.linfBudget().getAsDouble());
                    }
                    s.tl[i] = l;
                    s.tu[i] = u;
                } else {
                    s.scale[i] = base[n * d + i] - s.x[i];
                    s.tl[i] = 0;
                    s.tu[i] = 1;
                }
                s.t[i] = 0; // both boxes contain 0, so z_0 = x
            }
            s.path = new double[rows * d];
            st.add(s);
        }
        return new ExplainBatch(cfg, in, d, c, regression, classes, st);
    }

    /** The predicted and explained classes of {@code s} and its margin rows, from its logits {@code lg} at {@code x}. */
    void initRows(SampleState s, double[] lg) {
        s.logits0 = lg.clone();
        int pred = 0;
        for (int k = 1; k < c; k++) {
            if (lg[k] > lg[pred]) {
                pred = k;
            }
        }
        s.predicted = regression ? 0 : pred;
        if (regression) {
            s.explained = 0;
            s.rowClass = new int[] {0};
            s.seeds = new double[] {cfg.regressionGoal().sign()};
            s.offsets = new double[] {cfg.regressionGoal().sign() * lg[0]};
            return;
        }
        if (classes != null) {
            s.explained = classes[s.n];
        } else {
            s.explained = cfg.mode() == ExplainMode.FLIP ? pred : cfg.target().getAsInt();
        }
        int y = s.explained;
        s.rowClass = new int[c - 1];
        s.seeds = new double[(c - 1) * c];
        s.offsets = new double[c - 1];
        int k = 0;
        for (int j = 0; j < c; j++) {
            if (j == y) {
                continue;
            }
            s.rowClass[k] = j;
            if (cfg.mode() == ExplainMode.FLIP) {
                s.seeds[k * c + j] = 1; // m_jy = f_j - f_y
                s.seeds[k * c + y] = -1;
            } else {
                s.seeds[k * c + y] = 1; // m_cj = f_c - f_j
                s.seeds[k * c + j] = -1;
            }
            k++;
        }
    }
}
