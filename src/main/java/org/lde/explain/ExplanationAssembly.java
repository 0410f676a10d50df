package org.lde.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.lde.engine.dual.Certificates;
import org.lde.engine.dual.DualLinearAlgebra;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualStatus;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Builds a sample's {@link Explanation} from its {@link SampleState} after the search: the attributions
 * of METHOD.md section 5 from the final linearized problem (the dual contribution, the margin
 * contribution, the path attribution) and the {@link Certificate} of section 4.
 */
final class ExplanationAssembly {
    private final ExplainBatch batch;

    ExplanationAssembly(ExplainBatch batch) {
        this.batch = batch;
    }

    Explanation assemble(SampleState s) {
        ExplainerSettings cfg = batch.cfg;
        Shape in = batch.in;
        int d = batch.d;
        int rows = batch.rows;
        boolean flipRows = batch.flipRows;
        boolean regression = batch.regression;
        // The final linearized problem: FLIP uses the chosen competitor's row (K = 1); TARGET all rows.
        int kRows = flipRows ? 1 : rows;
        int first = flipRows ? s.chosenRow : 0;
        DualSolution ds = s.solLast.get(flipRows ? s.chosenRow : 0);
        double[] a = Arrays.copyOfRange(s.aLast, first * d, (first + kRows) * d);
        double[] r = Arrays.copyOfRange(s.rLast, first, first + kRows);
        double[] t = ds.t();
        double[] lambda = ds.lambda();
        double[] w = DualLinearAlgebra.multTransA(a, kRows, d, lambda);
        double[] phi = new double[d];
        double[] delta = new double[d];
        double lr = 0;
        for (int k = 0; k < kRows; k++) {
            lr += lambda[k] * r[k];
        }
        for (int i = 0; i < d; i++) {
            phi[i] = t[i] * w[i];
            delta[i] = s.scale[i] * t[i];
        }
        AttributionMap dual = AttributionMap.of(phi, in, lr);
        Optional<AttributionMap> marginC = Optional.empty();
        if (kRows == 1) {
            double[] cm = new double[d];
            for (int i = 0; i < d; i++) {
                cm[i] = a[i] * t[i];
            }
            marginC = Optional.of(AttributionMap.of(cm, in, r[0]));
        }
        List<Integer> cls = new ArrayList<>();
        for (int k = first; k < first + kRows; k++) {
            cls.add(s.rowClass[k]);
        }
        // Path attribution for one margin.
        int pathRow;
        if (regression || cfg.mode() == ExplainMode.FLIP) {
            pathRow = s.chosenRow;
        } else {
            pathRow = 0;
            for (int k = 1; k < rows; k++) {
                if (s.mLast[k] < s.mLast[pathRow]) {
                    pathRow = k; // smallest f_c - f_j: the strongest rival j
                }
            }
        }
        AttributionMap path = AttributionMap.of(Arrays.copyOfRange(s.path, pathRow * d, (pathRow + 1) * d), in,
                s.mLast[pathRow] - s.m0[pathRow]);
        double[] finalDelta = new double[d];
        for (int i = 0; i < d; i++) {
            finalDelta[i] = s.scale[i] * s.t[i];
        }
        Certificate cert = certificate(s);
        int chosenClass = regression ? 0 : (cfg.mode() == ExplainMode.FLIP ? s.rowClass[s.chosenRow] : s.explained);
        return new Explanation(s.n, cfg.perturbation(), cfg.mode(), cfg.objective(), cfg.kappa(), s.predicted,
                s.explained, chosenClass, new Tensor(Shape.of(batch.c), s.logits0), cls, new Tensor(in, t),
                new Tensor(in, delta), new Tensor(Shape.of(kRows), lambda), new Tensor(in, ds.nu()), dual, marginC, path,
                new Tensor(in, finalDelta), Optional.ofNullable(s.best), cert, s.outer, s.forwards, s.reverses,
                s.reverses * rows, s.stop);
    }

    /**
     * The certificate (METHOD.md section 4): the linearized fields from the first linearization (at
     * {@code x}), {@code r_hi} from the best float64-verified point (its {@code ||delta||_p} in input space),
     * {@code r_lo} as the certifier left it in {@code s}.
     */
    private Certificate certificate(SampleState s) {
        ExplainerSettings cfg = batch.cfg;
        boolean verified = s.best != null;
        double rHi = verified ? Verifier.norm(cfg.objective(), s.best.delta().data()) : Double.NaN;
        VerifiedBy by = verified ? s.best.verifiedBy() : VerifiedBy.NONE;
        boolean allInfeasible = true;
        boolean anyMaxIter = false;
        double g = Double.POSITIVE_INFINITY;
        int iters = 0;
        for (DualSolution q : s.solFirst) {
            iters += q.iterations();
            if (q.status() == DualStatus.INFEASIBLE_IN_BOX) {
                continue;
            }
            allInfeasible = false;
            anyMaxIter |= q.status() == DualStatus.MAX_ITER;
            g = Math.min(g, q.dualValue());
        }
        if (allInfeasible) {
            double inf = Double.POSITIVE_INFINITY;
            return new Certificate(cfg.objective(), DualStatus.INFEASIBLE_IN_BOX, inf, inf, inf, inf, iters, verified, by,
                    rHi, s.rLo);
        }
        double p = s.solFirst.get(SampleState.choose(s.solFirst)).primalValue();
        return new Certificate(cfg.objective(), anyMaxIter ? DualStatus.MAX_ITER : DualStatus.SOLVED, g,
                Certificates.normLowerBound(cfg.objective(), g), p, Certificates.relativeGap(p, g), iters, verified, by,
                rHi, s.rLo);
    }
}
