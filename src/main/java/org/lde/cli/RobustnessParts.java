package org.lde.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.Supplier;
import org.lde.engine.CountingBackend;
import org.lde.engine.Evaluation;
import org.lde.engine.dual.GradientStepSolver;
import org.lde.explain.Attributor;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.baseline.Batched;
import org.lde.metrics.Aopc;
import org.lde.metrics.AopcOptions;
import org.lde.metrics.AopcResult;
import org.lde.metrics.AttackResult;
import org.lde.metrics.Bootstrap;
import org.lde.metrics.CarliniWagner;
import org.lde.metrics.Efficiency;
import org.lde.metrics.MaskedBackend;
import org.lde.metrics.Pgd;
import org.lde.metrics.RankConsistency;
import org.lde.metrics.Shifts;
import org.lde.metrics.WassersteinAttack;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;

/**
 * The experiments of {@code lde robustness} (issue 17), one method per part. Each returns a {@link Part}:
 * the JSON object (ordered maps and lists) and the CSV rows written beside it. The command supplies the
 * inputs, the settings and the progress callback; nothing here reads or writes files.
 */
final class RobustnessParts {
    private RobustnessParts() {
    }

    /** One part's results: its JSON object and its CSV table (header first). */
    record Part(Map<String, Object> json, List<List<Object>> csv) {
    }

    /** The inputs every part shares. */
    record Inputs(CountingBackend backend, Tensor x, int[] labels, int[] predicted, Tensor devX) {
    }

    /** PGD (random start, seed 1, {@code 2.5 eps / steps} per step) on the inputs at one budget. */
    static AttackResult pgd(Inputs in, Pgd.Norm norm, double eps, int steps) {
        return Pgd.of(norm, eps, steps).run(in.backend(), in.x(), in.labels());
    }

    /**
     * Accuracy against the labels under an attack at each budget of {@code budgets} (0 is the clean
     * accuracy): the share of samples that the attack's point leaves correctly classified.
     */
    static Part accuracyCurve(String attack, String description, double[] budgets, DoubleFunction<AttackResult> run,
                              Runnable tick) {
        return accuracyCurve(attack, description, budgets, run, null, tick);
    }

    /**
     * As above; at budget 0 (the ball is the point {@code x} itself) {@code clean}, when given, answers
     * instead of the attack (one forward pass instead of the attack's steps).
     */
    static Part accuracyCurve(String attack, String description, double[] budgets, DoubleFunction<AttackResult> run,
                              Supplier<AttackResult> clean, Runnable tick) {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<List<Object>> csv = new ArrayList<>();
        csv.add(List.of("attack", "budget", "robust_accuracy", "correct", "samples", "seconds"));
        for (double eps : budgets) {
            long t0 = System.nanoTime();
            AttackResult r = eps == 0 && clean != null ? clean.get() : run.apply(eps);
            double secs = (System.nanoTime() - t0) / 1e9;
            int n = r.fooled().length;
            int ok = (int) Math.round(r.robustAccuracy() * n);
            rows.add(row("budget", eps, "robustAccuracy", r.robustAccuracy(), "correct", ok, "samples", n, "seconds", secs,
                    "attack", r.attack()));
            csv.add(List.of(attack, eps, r.robustAccuracy(), ok, n, secs));
            tick.run();
        }
        Map<String, Object> json = row("attack", attack, "description", description, "budgets", rows);
        return new Part(json, csv);
    }

    /**
     * Carlini-Wagner L2 is a minimal-norm attack: one run, and at each L2 budget the share of samples not
     * fooled within it ({@link AttackResult#robustAccuracyWithinL2}).
     */
    /** The "attack" of budget 0: the inputs themselves, fooled where misclassified. */
    static AttackResult unattacked(org.lde.engine.Backend backend, Tensor x, int[] labels) {
        int[] cls = Evaluation.argmax(Batched.logits(backend, x, 512));
        boolean[] fooled = new boolean[cls.length];
        for (int i = 0; i < cls.length; i++) {
            fooled[i] = cls[i] != labels[i];
        }
        return new AttackResult("none (budget 0: the clean input)", x, fooled, cls, new double[cls.length], new double[cls.length]);
    }

    static Part cwCurve(Inputs in, CarliniWagner cw, double[] budgets, Runnable tick) {
        long t0 = System.nanoTime();
        AttackResult r = cw.run(in.backend(), in.x(), in.labels());
        double secs = (System.nanoTime() - t0) / 1e9;
        List<Map<String, Object>> rows = new ArrayList<>();
        List<List<Object>> csv = new ArrayList<>();
        csv.add(List.of("attack", "budget", "robust_accuracy", "correct", "samples", "seconds"));
        int n = r.fooled().length;
        for (double eps : budgets) {
            double acc = r.robustAccuracyWithinL2(eps);
            int ok = (int) Math.round(acc * n);
            rows.add(row("budget", eps, "robustAccuracy", acc, "correct", ok, "samples", n));
            csv.add(List.of("cw-l2", eps, acc, ok, n, secs));
        }
        tick.run();
        List<Double> norms = new ArrayList<>();
        boolean[] fooled = r.fooled();
        double[] l2 = r.l2();
        for (int i = 0; i < n; i++) {
            if (fooled[i] && l2[i] > 0) {
                norms.add(l2[i]);
            }
        }
        Map<String, Object> json = row("attack", "cw-l2", "description", cw.describe(), "seconds", secs,
                "fooledWithPositiveNorm", norms.size(), "medianL2OfFooled", median(norms), "budgets", rows);
        return new Part(json, csv);
    }

    /** The inputs moved by each shift or attack of the consistency part, with the samples each one counts. */
    record Shifted(String name, String description, Tensor x, boolean[] include) {
    }

    /**
     * Consistency of each method's attribution between {@code x} and every shifted input: per sample
     * Spearman's rho and the top-k intersection ({@code k = round(topFraction d)}), both of the signed
     * maps of the class predicted at {@code x}; means with 95% bootstrap intervals over the included
     * samples (rho undefined for a constant map is counted, not averaged), and the means over the samples whose
     * predicted class did not change (an explainer of the decision, like LDE's FLIP model, has nothing to
     * remove once {@code x'} is no longer classified as the explained class: its map is then 0). Also each
     * method's time and passes per explanation on the clean inputs.
     */
    static Part consistency(Inputs in, Map<String, Supplier<Attributor>> methods, List<Shifted> shifts, double topFraction,
                            int bootstrap, Runnable tick) {
        int d = in.backend().network().inputSize();
        int k = Math.max(1, (int) Math.round(topFraction * d));
        int n = in.x().shape().dim(0);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Map<String, Object>> timing = new ArrayList<>();
        List<List<Object>> csv = new ArrayList<>();
        csv.add(List.of("method", "shift", "samples", "spearman_mean", "spearman_ci_lo", "spearman_ci_hi", "spearman_undefined",
                "topk_mean", "topk_ci_lo", "topk_ci_hi", "k", "same_decision_samples", "spearman_mean_same_decision",
                "topk_mean_same_decision"));
        for (Map.Entry<String, Supplier<Attributor>> m : methods.entrySet()) {
            Attributor a = m.getValue().get();
            Efficiency.Timed clean = Efficiency.measure(in.backend(), a, in.x(), in.predicted());
            timing.add(row("method", m.getKey(), "secondsPerExplanation", clean.efficiency().secondsPerSample(),
                    "forwardRowsPerExplanation", clean.efficiency().forwardRowsPerSample(),
                    "reverseRowsPerExplanation", clean.efficiency().reverseRowsPerSample()));
            double[] phi0 = clean.attributions().data();
            for (Shifted s : shifts) {
                Tensor phi1t = a.attribute(in.backend(), s.x(), in.predicted());
                double[] phi1 = phi1t.data();
                int[] now = Evaluation.argmax(Batched.logits(in.backend(), s.x(), 512));
                List<Double> rho = new ArrayList<>();
                List<Double> top = new ArrayList<>();
                List<Double> rhoSame = new ArrayList<>();
                List<Double> topSame = new ArrayList<>();
                int undefined = 0;
                int same = 0;
                for (int i = 0; i < n; i++) {
                    if (!s.include()[i]) {
                        continue;
                    }
                    double[] u = Arrays.copyOfRange(phi0, i * d, (i + 1) * d);
                    double[] v = Arrays.copyOfRange(phi1, i * d, (i + 1) * d);
                    double r = RankConsistency.spearman(u, v);
                    double t = RankConsistency.topKIntersection(u, v, k);
                    boolean kept = now[i] == in.predicted()[i];
                    same += kept ? 1 : 0;
                    if (Double.isNaN(r)) {
                        undefined++;
                    } else {
                        rho.add(r);
                        if (kept) {
                            rhoSame.add(r);
                        }
                    }
                    top.add(t);
                    if (kept) {
                        topSame.add(t);
                    }
                }
                double[] rhoCi = interval(rho, bootstrap);
                double[] topCi = interval(top, bootstrap);
                rows.add(row("method", m.getKey(), "shift", s.name(), "shiftDescription", s.description(), "samples", top.size(),
                        "spearmanMean", mean(rho), "spearmanCi95", rhoCi, "spearmanUndefined", undefined,
                        "topKMean", mean(top), "topKCi95", topCi, "k", k, "sameDecisionSamples", same,
                        "spearmanMeanSameDecision", mean(rhoSame), "topKMeanSameDecision", mean(topSame)));
                csv.add(List.of(m.getKey(), s.name(), top.size(), mean(rho), rhoCi[0], rhoCi[1], undefined, mean(top), topCi[0],
                        topCi[1], k, same, mean(rhoSame), mean(topSame)));
                tick.run();
            }
        }
        List<Map<String, Object>> shiftList = new ArrayList<>();
        for (Shifted s : shifts) {
            int c = 0;
            for (boolean b : s.include()) {
                c += b ? 1 : 0;
            }
            shiftList.add(row("shift", s.name(), "description", s.description(), "samples", c));
        }
        Map<String, Object> json = row("explainedClass", "predicted at the clean input, for both maps",
                "ranking", "signed attributions; top-k ties by the lower index; Spearman with average ranks",
                "k", k, "topFraction", topFraction, "bootstrap", bootstrap + " percentile resamples, seed 1",
                "shifts", shiftList, "timing", timing, "rows", rows);
        return new Part(json, csv);
    }

    /** LDE's deletion (or additive) explainer with the dual solve replaced by one gradient step ({@link GradientStepSolver}). */
    static LagrangeDualExplainer noDual(LagrangeDualExplainer.Builder b) {
        return b.solver(new GradientStepSolver()).build();
    }

    /**
     * The ablation that removes the dual: AOPC (the literature's form at patch size {@code patch}) of the
     * deletion explainer with and without the dual solve (saliency for reference), and the verified L2
     * norm {@code r_hi} of the additive explainer with and without it.
     */
    static Part ablation(Inputs in, int patch, int bootstrap, Runnable tick) {
        AopcOptions opts = AopcOptions.literature().withPatchSize(patch);
        Map<String, Supplier<Attributor>> methods = new LinkedHashMap<>();
        methods.put("lde-deletion-zero-flip", () -> LagrangeDualExplainer.builder().build());
        methods.put("lde-deletion-zero-flip-nodual", () -> noDual(LagrangeDualExplainer.builder()));
        methods.put("saliency", () -> org.lde.explain.baseline.Baselines.create("saliency"));
        List<Map<String, Object>> aopcRows = new ArrayList<>();
        List<List<Object>> csv = new ArrayList<>();
        csv.add(List.of("what", "method", "value", "ci_lo", "ci_hi", "samples", "seconds_per_explanation"));
        for (Map.Entry<String, Supplier<Attributor>> m : methods.entrySet()) {
            Attributor a = m.getValue().get();
            Efficiency.Timed t = Efficiency.measure(in.backend(), a, in.x(), in.predicted());
            AopcResult r = Aopc.evaluate(in.backend(), a.name(), in.x(), t.attributions(), opts, AopcOptions.Order.MORF,
                    in.predicted());
            double[] ci = Bootstrap.meanInterval(r.perSample(), bootstrap, 0.95, 1);
            aopcRows.add(row("method", m.getKey(), "aopc", r.aopc(), "ci95", ci, "secondsPerExplanation",
                    t.efficiency().secondsPerSample(), "meanCurve", r.meanCurve()));
            csv.add(List.of("aopc-morf-k" + patch, m.getKey(), r.aopc(), ci[0], ci[1], r.perSample().length,
                    t.efficiency().secondsPerSample()));
            tick.run();
        }
        List<Explanation> withDual = LagrangeDualExplainer.builder().additive().build().explain(in.backend(), in.x(), in.predicted());
        tick.run();
        List<Explanation> without = noDual(LagrangeDualExplainer.builder().additive()).explain(in.backend(), in.x(), in.predicted());
        tick.run();
        int n = withDual.size();
        int vDual = 0;
        int vNo = 0;
        List<Double> both = new ArrayList<>();
        List<Double> dualNorms = new ArrayList<>();
        List<Double> noNorms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean a = withDual.get(i).verified();
            boolean b = without.get(i).verified();
            vDual += a ? 1 : 0;
            vNo += b ? 1 : 0;
            if (a) {
                dualNorms.add(withDual.get(i).certificate().rHi());
            }
            if (b) {
                noNorms.add(without.get(i).certificate().rHi());
            }
            if (a && b && withDual.get(i).certificate().rHi() > 0) {
                both.add(without.get(i).certificate().rHi() / withDual.get(i).certificate().rHi());
            }
        }
        csv.add(List.of("verified-share-l2", "lde-additive-flip", (double) vDual / n, "", "", n, ""));
        csv.add(List.of("verified-share-l2", "lde-additive-flip-nodual", (double) vNo / n, "", "", n, ""));
        csv.add(List.of("median-r_hi-l2", "lde-additive-flip", median(dualNorms), "", "", dualNorms.size(), ""));
        csv.add(List.of("median-r_hi-l2", "lde-additive-flip-nodual", median(noNorms), "", "", noNorms.size(), ""));
        csv.add(List.of("median-ratio-nodual/dual", "lde-additive-flip", median(both), "", "", both.size(), ""));
        Map<String, Object> verified = row("norm", "l2", "samples", n, "verifiedWithDual", vDual, "verifiedWithoutDual", vNo,
                "medianRHiWithDual", median(dualNorms), "medianRHiWithoutDual", median(noNorms),
                "medianRatioWithoutOverWith", median(both), "ratioSamples", both.size());
        Map<String, Object> json = row("ablation", "the dual solve replaced by one projected dual-ascent step from lambda = 0 "
                        + "(t = clip(r a / ||a||^2, box): the plain gradient step; GradientStepSolver)",
                "aopcProtocol", "literature: MoRF, " + patch + "x" + patch + " patches, L = 100 proportional, baseline 0, signed, "
                        + "1/L sum_{k=1..L}; class predicted",
                "aopc", aopcRows, "verifiedNorm", verified);
        return new Part(json, csv);
    }

    /** A feature selection for the masking part: its name and one score per feature (the top-k are masked). */
    record Selection(String name, String description, double[] scores) {
    }

    /** Summed {@code |phi|} of {@code method} over the development images: a global sensitivity score per feature. */
    static double[] globalScores(Inputs in, Attributor method) {
        int[] cls = Evaluation.argmax(Batched.logits(in.backend(), in.devX(), 512));
        double[] phi = method.attribute(in.backend(), in.devX(), cls).data();
        int d = in.backend().network().inputSize();
        double[] s = new double[d];
        for (int i = 0; i < phi.length; i++) {
            s[i % d] += Math.abs(phi[i]);
        }
        return s;
    }

    /** Random scores (a random feature order) from {@code seed}. */
    static double[] randomScores(int d, long seed) {
        int[] p = new Rng(seed).permutation(d);
        double[] s = new double[d];
        for (int i = 0; i < d; i++) {
            s[p[i]] = i;
        }
        return s;
    }

    /**
     * The seeds' claim: mask the {@code k} most sensitive features (a global mask from the development
     * images) and measure clean accuracy and robust accuracy under PGD L_inf and L2 at the stated budgets,
     * against the unmasked network and against masks of the same size chosen at random or by saliency.
     */
    static Part masking(Inputs in, List<Selection> selections, int[] counts, double linf, double l2, int steps, Runnable tick) {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<List<Object>> csv = new ArrayList<>();
        csv.add(List.of("selection", "masked", "clean_accuracy", "pgd_linf_" + linf, "pgd_l2_" + l2));
        rows.add(maskRow(in, "none", 0, null, linf, l2, steps, csv));
        tick.run();
        for (Selection s : selections) {
            for (int k : counts) {
                rows.add(maskRow(in, s.name(), k, MaskedBackend.topK(s.scores(), k), linf, l2, steps, csv));
                tick.run();
            }
        }
        List<Map<String, Object>> sel = new ArrayList<>();
        for (Selection s : selections) {
            sel.add(row("selection", s.name(), "description", s.description()));
        }
        Map<String, Object> json = row("mask", "global: the k features with the largest score, replaced by 0 before the network "
                        + "(the attack may move them, they change nothing)",
                "selections", sel, "pgdLinf", Pgd.of(Pgd.Norm.LINF, linf, steps).describe(),
                "pgdL2", Pgd.of(Pgd.Norm.L2, l2, steps).describe(), "rows", rows);
        return new Part(json, csv);
    }

    private static Map<String, Object> maskRow(Inputs in, String selection, int k, boolean[] mask, double linf, double l2, int steps,
                                               List<List<Object>> csv) {
        MaskedBackend mb = new MaskedBackend(in.backend(), mask == null ? new boolean[in.backend().network().inputSize()] : mask);
        int[] cls = Evaluation.argmax(Batched.logits(mb, in.x(), 512));
        int ok = 0;
        for (int i = 0; i < cls.length; i++) {
            ok += cls[i] == in.labels()[i] ? 1 : 0;
        }
        double clean = (double) ok / cls.length;
        double rLinf = Pgd.of(Pgd.Norm.LINF, linf, steps).run(mb, in.x(), in.labels()).robustAccuracy();
        double rL2 = Pgd.of(Pgd.Norm.L2, l2, steps).run(mb, in.x(), in.labels()).robustAccuracy();
        csv.add(List.of(selection, k, clean, rLinf, rL2));
        return row("selection", selection, "masked", k, "cleanAccuracy", clean, "pgdLinfRobustAccuracy", rLinf,
                "pgdL2RobustAccuracy", rL2);
    }

    static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static double mean(List<Double> v) {
        return v.isEmpty() ? Double.NaN : v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    private static double[] interval(List<Double> v, int bootstrap) {
        if (v.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return Bootstrap.meanInterval(v.stream().mapToDouble(Double::doubleValue).toArray(), bootstrap, 0.95, 1);
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
