package org.lde.cli;

import java.util.Locale;
import org.lde.engine.dual.Objective;
import org.lde.explain.AttributionKind;
import org.lde.explain.Baseline;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.Perturbation;

/**
 * An LDE setting written as a method name for {@code lde evaluate --methods}:
 * {@code lde:KEY=VALUE+KEY=VALUE...} (keys separated by {@code +}, since {@code --methods} is a
 * comma list), every key optional, defaults those of {@link LagrangeDualExplainer#builder()}:
 * {@code model} (deletion, additive), {@code baseline} (zero, mean, blur), {@code obj} (l2, l1, linf),
 * {@code iters} (S_max), {@code alpha}, {@code kappa}, {@code overshoot}, {@code cand} (1: verify
 * the candidate ladder, 0: not), {@code stop} (1: stop on convergence, 0: run every iteration), {@code attr} (dual, margin, path, perturbation, shadow). Example:
 * {@code lde:kappa=5+iters=16+cand=0+attr=path}.
 */
final class LdeSpec {
    static final String PREFIX = "lde:";

    private LdeSpec() {
    }

    static boolean matches(String name) {
        return name.startsWith(PREFIX);
    }

    /**
     * The explainer the name describes.
     *
     * @throws IllegalArgumentException naming the key or value that is not understood (and the explainer's
     *                                  own errors for inconsistent settings)
     */
    static LagrangeDualExplainer parse(String name) {
        if (!matches(name)) {
            throw new IllegalArgumentException("an LDE setting starts with '" + PREFIX + "', got '" + name + "'");
        }
        LagrangeDualExplainer.Builder b = LagrangeDualExplainer.builder();
        String body = name.substring(PREFIX.length());
        if (body.isEmpty()) {
            return b.build();
        }
        for (String kv : body.split("\\+", -1)) {
            int eq = kv.indexOf('=');
            if (eq <= 0 || eq == kv.length() - 1) {
                throw new IllegalArgumentException("LDE setting '" + name + "': '" + kv + "' is not KEY=VALUE");
            }
            String k = kv.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String v = kv.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            try {
                switch (k) {
                    case "model" -> b.perturbation(switch (v) {
                        case "deletion" -> Perturbation.DELETION;
                        case "additive" -> Perturbation.ADDITIVE;
                        default -> throw bad(name, k, v, "deletion, additive");
                    });
                    case "baseline" -> b.baseline(switch (v) {
                        case "zero" -> Baseline.ZERO;
                        case "mean" -> Baseline.MEAN;
                        case "blur" -> Baseline.BLUR;
                        default -> throw bad(name, k, v, "zero, mean, blur");
                    });
                    case "obj" -> b.objective(switch (v) {
                        case "l2" -> Objective.L2;
                        case "l1" -> Objective.L1;
                        case "linf" -> Objective.LINF;
                        default -> throw bad(name, k, v, "l2, l1, linf");
                    });
                    case "attr" -> b.attribution(switch (v) {
                        case "dual" -> AttributionKind.DUAL_CONTRIBUTION;
                        case "margin" -> AttributionKind.MARGIN_CONTRIBUTION;
                        case "path" -> AttributionKind.PATH;
                        case "perturbation" -> AttributionKind.PERTURBATION;
                        case "shadow" -> AttributionKind.SHADOW_PRICE;
                        default -> throw bad(name, k, v, "dual, margin, path, perturbation, shadow");
                    });
                    case "stop" -> b.stopOnConvergence(switch (v) {
                        case "1" -> true;
                        case "0" -> false;
                        default -> throw bad(name, k, v, "0, 1");
                    });
                    case "iters" -> b.maxOuterIterations(Integer.parseInt(v));
                    case "alpha" -> b.alpha(Double.parseDouble(v));
                    case "kappa" -> b.kappa(Double.parseDouble(v));
                    case "overshoot" -> b.overshoot(Double.parseDouble(v));
                    case "cand" -> b.verifyCandidates(switch (v) {
                        case "1" -> true;
                        case "0" -> false;
                        default -> throw bad(name, k, v, "0, 1");
                    });
                    default -> throw new IllegalArgumentException("LDE setting '" + name + "': unknown key '" + k
                            + "' (model, baseline, obj, iters, alpha, kappa, overshoot, cand, stop, attr)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("LDE setting '" + name + "': " + k + " = '" + v + "' is not a number");
            }
        }
        return b.build();
    }

    private static IllegalArgumentException bad(String name, String k, String v, String allowed) {
        return new IllegalArgumentException("LDE setting '" + name + "': " + k + " = '" + v + "' (one of " + allowed + ")");
    }
}
