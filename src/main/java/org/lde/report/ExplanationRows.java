package org.lde.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lde.explain.AttributionMap;
import org.lde.explain.Certificate;
import org.lde.explain.Explanation;
import org.lde.explain.VerifiedPoint;

/**
 * One flat row of every number of an {@link Explanation} (certificate, statuses, norms, iterations,
 * passes, classes), in a fixed column order, for JSON lines and CSV. The certificate's columns carry the
 * names of METHOD.md section 4: {@code r_lin} (the linearized dual bound at {@code x}, local),
 * {@code r_lo} (the certified radius), {@code r_hi} (the verified upper bound), {@code r_lo_over_r_hi},
 * {@code norm} (of {@code delta} for {@code r_lo, r_hi}), {@code verified}, {@code verified_by} (which
 * float64 computation confirmed the point), {@code outcome}, and {@code linearized_status},
 * {@code linearized_*} for the solve at {@code x} (which describes the linear model only).
 *
 * <p>Doubles are written with {@link Double#toString(double)} (shortest decimal that reads back to the
 * same double), so a row holds exactly the API's numbers. In the row map an absent number (not computed,
 * nothing verified) is {@code NaN} and an absent class {@code -1}. JSON has no NaN or Infinity: every
 * non-finite number is written as {@code null} (an infinite {@code r_lin} and linearized values go with
 * {@code linearized_status = INFEASIBLE_IN_BOX}, which tells them from missing ones). In CSV an absent
 * number is an empty field, and infinities are {@code Infinity} / {@code -Infinity}.
 */
public final class ExplanationRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExplanationRows() {
    }

    /**
     * The row of one explanation.
     *
     * @param index      the image's index in its data set (its position among {@code --png} files)
     * @param source     where the image came from (data spec and index, or file name)
     * @param label      the true label, {@code -1} when unknown
     * @param classNames the network's class names
     * @param panel      the panel's file name ({@code ""} when none)
     */
    public static Map<String, Object> row(int index, String source, int label, List<String> classNames,
                                          Explanation e, String panel) {
        Map<String, Object> m = new LinkedHashMap<>();
        Certificate c = e.certificate();
        Optional<VerifiedPoint> v = e.adversarial();
        m.put("index", index);
        m.put("source", source);
        m.put("label", label);
        m.put("label_name", label >= 0 && label < classNames.size() ? classNames.get(label) : "");
        m.put("predicted_class", e.predictedClass());
        m.put("predicted_name", classNames.get(e.predictedClass()));
        m.put("explained_class", e.explainedClass());
        m.put("chosen_class", e.chosenClass());
        m.put("chosen_name", classNames.get(e.chosenClass()));
        m.put("perturbation", e.perturbation().name());
        m.put("mode", e.mode().name());
        m.put("objective", e.objective().name());
        m.put("kappa", e.kappa());
        m.put("outcome", c.outcome().name());
        m.put("verified", c.verified());
        m.put("verified_by", c.verifiedBy().label());
        m.put("norm", c.norm().name());
        m.put("r_lin", c.rLin());
        m.put("r_lo", c.rLo());
        m.put("r_hi", c.rHi());
        m.put("r_lo_over_r_hi", c.rLoOverRHi());
        m.put("linearized_status", c.linearizedStatus().name());
        m.put("linearized_dual_value", c.linearizedDualValue());
        m.put("linearized_primal_value", c.linearizedPrimalValue());
        m.put("linearized_relative_gap", c.linearizedRelativeGap());
        m.put("linearized_solver_iterations", c.linearizedIterations());
        m.put("stop_reason", e.stopReason().name());
        m.put("adversarial_class", v.map(VerifiedPoint::outputClass).orElse(-1));
        m.put("adversarial_name", v.map(p -> classNames.get(p.outputClass())).orElse(""));
        m.put("adversarial_margin", v.map(VerifiedPoint::margin).orElse(Double.NaN));
        m.put("adversarial_norm", v.map(VerifiedPoint::norm).orElse(Double.NaN));
        m.put("adversarial_delta_l2", v.map(VerifiedPoint::deltaL2).orElse(Double.NaN));
        m.put("adversarial_delta_linf", v.map(VerifiedPoint::deltaLinf).orElse(Double.NaN));
        m.put("adversarial_iteration", v.map(VerifiedPoint::iteration).orElse(-1));
        m.put("t_l2", l2(e.t().data()));
        m.put("delta_l2", l2(e.delta().data()));
        m.put("delta_linf", linf(e.delta().data()));
        List<Double> lambda = new ArrayList<>();
        for (double x : e.lambda().data()) {
            lambda.add(x);
        }
        m.put("lambda", lambda);
        m.put("constraint_classes", e.constraintClasses());
        put(m, "dual", e.dualContribution());
        Optional<AttributionMap> mc = e.marginContribution();
        m.put("margin_sum", mc.map(AttributionMap::sum).orElse(Double.NaN));
        m.put("margin_expected", mc.map(AttributionMap::expected).orElse(Double.NaN));
        m.put("margin_residual", mc.map(AttributionMap::relativeResidual).orElse(Double.NaN));
        put(m, "path", e.pathAttribution());
        m.put("outer_iterations", e.outerIterations());
        m.put("forward_passes", e.forwardPasses());
        m.put("reverse_passes", e.reversePasses());
        m.put("reverse_seeds", e.reverseSeeds());
        m.put("panel", panel);
        return m;
    }

    private static void put(Map<String, Object> m, String p, AttributionMap a) {
        m.put(p + "_sum", a.sum());
        m.put(p + "_expected", a.expected());
        m.put(p + "_residual", a.relativeResidual());
    }

    static double l2(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    static double linf(double[] v) {
        double s = 0;
        for (double x : v) {
            s = Math.max(s, Math.abs(x));
        }
        return s;
    }

    /** The row as one line of JSON (no line breaks); non-finite numbers are {@code null}. */
    public static String json(Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> en : row.entrySet()) {
            out.put(en.getKey(), finiteOrNull(en.getValue()));
        }
        try {
            return JSON.writeValueAsString(out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    private static Object finiteOrNull(Object o) {
        if (o instanceof Double x) {
            return Double.isFinite(x) ? x : null;
        }
        if (o instanceof List<?> l) {
            List<Object> c = new ArrayList<>(l.size());
            for (Object e : l) {
                c.add(finiteOrNull(e));
            }
            return c;
        }
        return o;
    }

    /** The CSV header line of the rows' columns. */
    public static String csvHeader(Map<String, Object> row) {
        return String.join(",", row.keySet());
    }

    /**
     * The row as one CSV line (RFC 4180: fields with a comma, quote or line break are quoted, quotes
     * doubled); lists are joined with {@code ;}; an absent number ({@code NaN}) is an empty field.
     */
    public static String csv(Map<String, Object> row) {
        StringBuilder sb = new StringBuilder();
        for (Object o : row.values()) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            String s;
            if (o instanceof List<?> l) {
                StringBuilder j = new StringBuilder();
                for (Object x : l) {
                    if (j.length() > 0) {
                        j.append(';');
                    }
                    j.append(x instanceof Double dx && Double.isNaN(dx) ? "" : x);
                }
                s = j.toString();
            } else if (o instanceof Double dx && Double.isNaN(dx)) {
                s = "";
            } else {
                s = String.valueOf(o);
            }
            if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
                s = "\"" + s.replace("\"", "\"\"") + "\"";
            }
            sb.append(s);
        }
        return sb.toString();
    }
}
