package org.lde.explain;

import java.util.Arrays;
import java.util.List;
import org.lde.engine.dual.Objective;
import org.lde.tensor.Tensor;

/**
 * Verification of perturbed inputs (METHOD.md section 4): a point {@code x + D t} counts as
 * adversarial only when the network's logits there move the decision with margin {@code >= kappa}
 * (see {@link VerifiedPoint}); the best (smallest objective norm) verified point of each sample is
 * kept in {@link SampleState#best}.
 */
final class Verifier {
    private final ExplainBatch batch;

    Verifier(ExplainBatch batch) {
        this.batch = batch;
    }

    /**
     * Verifies the points {@code x_q + D_q ts[q]} of {@code owners[q]} (their iterate when {@code ts} is
     * null) from the logits {@code [Q, C]} of one batched forward pass at those points, and counts that
     * forward evaluation for each owner.
     *
     * @param iteration the {@link VerifiedPoint#iteration()} to record
     */
    void verify(List<SampleState> owners, List<double[]> ts, Tensor logits, int iteration) {
        int c = batch.c;
        double[] ld = logits.data();
        for (int q = 0; q < owners.size(); q++) {
            SampleState s = owners.get(q);
            s.forwards++;
            double[] lg = Arrays.copyOfRange(ld, q * c, (q + 1) * c);
            verifyOne(s, ts == null ? s.t : ts.get(q), s.margins(lg, c), lg, iteration);
        }
    }

    /**
     * Verifies the point {@code x + D t} from its logits {@code lg} and margins {@code mg}; keeps it in
     * {@code s.best} when its norm is smaller. Returns whether it verified.
     */
    boolean verifyOne(SampleState s, double[] t, double[] mg, double[] lg, int it) {
        ExplainerSettings cfg = batch.cfg;
        int c = batch.c;
        int d = batch.d;
        double margin;
        if (batch.regression || cfg.mode() == ExplainMode.FLIP) {
            margin = Double.NEGATIVE_INFINITY;
            for (double v : mg) {
                margin = Math.max(margin, v); // FLIP: max_j f_j - f_y; regression: s (f - f(x))
            }
        } else {
            margin = Double.POSITIVE_INFINITY;
            for (double v : mg) {
                margin = Math.min(margin, v); // TARGET: f_c - max_j f_j
            }
        }
        if (!(margin >= cfg.kappa() && margin > 0)) {
            return false;
        }
        s.verifiedNow = true;
        double norm = norm(cfg.objective(), t);
        if (s.best != null && !(norm < s.best.norm())) {
            return true;
        }
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
        for (int k = 1; k < c; k++) {
            if (lg[k] > lg[arg]) {
                arg = k;
            }
        }
        s.best = new VerifiedPoint(new Tensor(batch.in, point), new Tensor(batch.in, delta), batch.regression ? 0 : arg,
                margin, norm, Math.sqrt(l2), li, it);
        return true;
    }

    /** The objective's norm of {@code t}: {@code ||t||_2}, {@code ||t||_inf} or {@code ||t||_1}. */
    static double norm(Objective o, double[] t) {
        double acc = 0;
        for (double v : t) {
            switch (o) {
                case LINF:
                    acc = Math.max(acc, Math.abs(v));
                    break;
                case L1:
                    acc += Math.abs(v);
                    break;
                case L2:
                default:
                    acc += v * v;
                    break;
            }
        }
        return o == Objective.L2 ? Math.sqrt(acc) : acc;
    }
}
