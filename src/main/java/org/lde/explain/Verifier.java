package org.lde.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.dual.Objective;
import org.lde.tensor.Tensor;

/**
 * Verification of perturbed inputs (METHOD.md section 4): a point {@code x + D t} counts as adversarial
 * only when a float64 forward pass of the network moves the decision with margin {@code >= kappa} (and
 * {@code > 0}; see {@link VerifiedPoint}); the best (smallest objective norm) verified point of each sample
 * is kept in {@link SampleState#best}. This class is its only writer.
 *
 * <p>On a float64 backend ({@link Backend#float64()}, the EJML reference) the backend's forward pass is the
 * confirmation. On a float32 backend (the kernels) the backend proposes: every point whose float32 margin
 * passes and whose norm would improve the sample's best is re-checked by ONE batched float64 forward pass
 * on the host, on an EJML backend over the backend's network snapshot ({@link Backend#snapshot()}), made
 * once per explain call on first need and closed with this verifier. Only points that float64 confirms are
 * kept, with the float64 margin and class. A float32 pass that does not improve the best sets only the
 * outer loop's convergence flag ({@link SampleState#verifiedNow}), never {@code r_hi}. Each re-checked
 * point counts as one forward evaluation of its sample.
 */
final class Verifier implements AutoCloseable {
    private final ExplainBatch batch;
    private final Backend backend;
    private Backend host; // float64 re-checks of a float32 backend's candidates; lazily made

    Verifier(ExplainBatch batch, Backend backend) {
        this.batch = batch;
        this.backend = backend;
    }

    /**
     * Verifies the points {@code x_q + D_q ts[q]} of {@code owners[q]} (their iterate when {@code ts} is
     * null) from the logits {@code [Q, C]} of one batched forward pass of the backend at those points, and
     * counts that forward evaluation for each owner.
     *
     * @param iteration the {@link VerifiedPoint#iteration()} to record
     */
    void verify(List<SampleState> owners, List<double[]> ts, Tensor logits, int iteration) {
        int c = batch.c;
        double[] ld = logits.data();
        boolean exact = backend.float64();
        List<SampleState> recheck = new ArrayList<>();
        List<double[]> recheckT = new ArrayList<>();
        for (int q = 0; q < owners.size(); q++) {
            SampleState s = owners.get(q);
            s.forwards++;
            double[] t = ts == null ? s.t : ts.get(q);
            double[] lg = Arrays.copyOfRange(ld, q * c, (q + 1) * c);
            double margin = decisionMargin(s.margins(lg, c));
            if (!passes(margin)) {
                continue;
            }
            boolean improves = s.best == null || norm(batch.cfg.objective(), t) < s.best.norm();
            if (exact) {
                s.verifiedNow = true;
                if (improves) {
                    keep(s, t, margin, lg, iteration, VerifiedBy.FLOAT64_BACKEND);
                }
            } else if (improves) {
                recheck.add(s);
                recheckT.add(t);
            } else {
                s.verifiedNow = true;
            }
        }
        if (recheck.isEmpty()) {
            return;
        }
        double[] l64 = host().forward(SampleState.gatherPoints(recheck, batch.in, batch.d, recheckT)).data();
        for (int q = 0; q < recheck.size(); q++) {
            SampleState s = recheck.get(q);
            s.forwards++;
            double[] t = recheckT.get(q);
            double[] lg = Arrays.copyOfRange(l64, q * c, (q + 1) * c);
            double margin = decisionMargin(s.margins(lg, c));
            if (passes(margin)) {
                s.verifiedNow = true;
                if (s.best == null || norm(batch.cfg.objective(), t) < s.best.norm()) {
                    keep(s, t, margin, lg, iteration, VerifiedBy.FLOAT64_HOST_RECHECK);
                }
            }
        }
    }

    private Backend host() {
        if (host == null) {
            host = Backends.cpu(backend.snapshot());
        }
        return host;
    }

    /** FLIP: {@code max_j f_j - f_y}; regression: {@code s (f - f(x))}; TARGET: {@code f_c - max_j f_j}. */
    private double decisionMargin(double[] mg) {
        double margin;
        if (batch.regression || batch.cfg.mode() == ExplainMode.FLIP) {
            margin = Double.NEGATIVE_INFINITY;
            for (double v : mg) {
                margin = Math.max(margin, v);
            }
        } else {
            margin = Double.POSITIVE_INFINITY;
            for (double v : mg) {
                margin = Math.min(margin, v);
            }
        }
        return margin;
    }

    private boolean passes(double margin) {
        return margin >= batch.cfg.kappa() && margin > 0;
    }

    private void keep(SampleState s, double[] t, double margin, double[] lg, int it, VerifiedBy by) {
        int d = batch.d;
        double[] delta = new double[d];
        double[] point = new double[d];
        double l2 = 0;
        double li = 0;
        for (int i = 0; i < d; i++) {
            delta[i] = s.scale[i] * t[i];
            point[i] = s.x[i] + delta[i];
            l2 += delta[i] * delta[i];
            li = Math.max(li, Math.abs(delta[i]));
        }
        int arg = 0;
        for (int k = 1; k < batch.c; k++) {
            if (lg[k] > lg[arg]) {
                arg = k;
            }
        }
        s.best = new VerifiedPoint(new Tensor(batch.in, point), new Tensor(batch.in, delta), batch.regression ? 0 : arg,
                margin, norm(batch.cfg.objective(), t), Math.sqrt(l2), li, it, by);
    }

    /** Closes the host re-check backend, if one was made. */
    @Override
    public void close() {
        if (host != null) {
            host.close();
            host = null;
        }
    }

    /** The objective's norm of {@code t}: {@code ||t||_2}, {@code ||t||_inf} or {@code ||t||_1}. */
    static double norm(Objective o, double[] t) {
        return o.norm(t, 0, t.length);
    }
}
