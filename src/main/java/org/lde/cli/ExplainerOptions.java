package org.lde.cli;

import java.util.Locale;
import java.util.Optional;
import org.lde.certify.Method;
import org.lde.explain.BoundCertifier;
import org.lde.model.Network;
import org.lde.explain.AttributionKind;
import org.lde.explain.Baseline;
import org.lde.explain.ExplainMode;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.engine.dual.Objective;
import org.lde.explain.Perturbation;
import org.lde.explain.RadiusCertifier;
import org.lde.explain.RegressionGoal;
import picocli.CommandLine.Option;

/** The explainer options shared by {@code lde explain} and {@code lde demo}. */
final class ExplainerOptions {
    @picocli.CommandLine.Mixin
    BackendOption backendOption = new BackendOption();

    @Option(names = "--perturbation", defaultValue = "deletion", description = "additive or deletion (default ${DEFAULT-VALUE})")
    String perturbation;

    @Option(names = "--baseline", defaultValue = "zero", description = "deletion baseline: zero, mean or blur (default ${DEFAULT-VALUE})")
    String baseline;

    @Option(names = "--blur-sigma", defaultValue = "2.0", description = "Gaussian sigma of the blur baseline in pixels (default ${DEFAULT-VALUE})")
    double blurSigma;

    @Option(names = "--mode", defaultValue = "flip", description = "flip or target (default ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--target", description = "target class, 0-based (implies --mode target; default: none, the mode is flip)")
    Integer target;

    @Option(names = "--goal", defaultValue = "increase", description = "regression models: increase or decrease the output by kappa (default ${DEFAULT-VALUE})")
    String goal;

    @Option(names = "--objective", defaultValue = "l2", description = "l2, linf or l1 (linf and l1: additive flip only; default ${DEFAULT-VALUE})")
    String objective;

    @Option(names = "--kappa", defaultValue = "0", description = "confidence margin (regression: the requested change; default ${DEFAULT-VALUE})")
    double kappa;

    @Option(names = "--eps", description = "L_inf budget of the additive model, |delta_i| <= eps "
            + "(default: none, delta is bounded only by the model's data domain [lo, hi])")
    Double eps;

    @Option(names = "--iterations", defaultValue = "5", description = "outer iterations S_max (default ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--alpha", defaultValue = "0.5", description = "outer step in (0, 1] (default ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--overshoot", defaultValue = "1.1", description = "overshoot factor >= 1 of the total perturbation on the last step (default ${DEFAULT-VALUE})")
    double overshoot;

    @Option(names = "--factors", split = ",", defaultValue = "1.1,1.25,1.5,2",
            description = "factors >= 1 of the candidates clip(gamma t_sub) verified at every outer iteration (default ${DEFAULT-VALUE})")
    double[] factors;

    @Option(names = "--attribution", defaultValue = "dual_contribution",
            description = "map drawn and returned: dual_contribution, margin_contribution, perturbation, shadow_price, path (default ${DEFAULT-VALUE})")
    String attribution;

    @Option(names = "--certify", description = "also compute the certified radius r_lo of every explanation "
            + "(bounds on the network, docs/method.md section 7); without it r_lo is reported as not computed")
    boolean certify;

    @Option(names = "--certify-method", defaultValue = "crown",
            description = "bounds behind --certify: ibp, crown, crown-ibp or alpha-crown (default ${DEFAULT-VALUE})")
    String certifyMethod;

    /** The engine's radius certifier for {@code --certify}: package {@code certify}'s bounds ({@code --certify-method}). */
    Optional<RadiusCertifier> engineCertifier() {
        return Optional.of(BoundCertifier.of(Method.parse(certifyMethod)));
    }

    static <E extends Enum<E>> E parse(Class<E> type, String option, String value) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            StringBuilder known = new StringBuilder();
            for (E k : type.getEnumConstants()) {
                known.append(known.length() == 0 ? "" : ", ").append(k.name().toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException(option + " '" + value + "' is not one of " + known);
        }
    }

    /**
     * Checks the numeric options' ranges for {@code net} before anything runs (the builder checks
     * the rest): a blur wider than the image, or counts that would allocate without bound, are
     * refused with the option's name.
     */
    void validate(Network net) {
        int[] dims = net.inputShape().dims();
        int widest = 1;
        for (int i = dims.length == 3 ? 1 : 0; i < dims.length; i++) {
            widest = Math.max(widest, dims[i]);
        }
        CliChecks.positive("--blur-sigma", blurSigma, widest);
        CliChecks.count("--iterations", iterations, 1, 10_000);
        CliChecks.number("--kappa", kappa, -Double.MAX_VALUE, Double.MAX_VALUE);
        CliChecks.number("--overshoot", overshoot, 1, 1e6);
        CliChecks.positive("--alpha", alpha, 1);
        if (eps != null) {
            CliChecks.positive("--eps", eps, Double.MAX_VALUE);
        }
        if (factors.length > 1000) {
            throw new IllegalArgumentException("--factors: " + factors.length + " factors, at most 1000");
        }
        for (double f : factors) {
            CliChecks.number("--factors", f, 1, 1e6);
        }
        if (target == null && parse(ExplainMode.class, "--mode", mode) == ExplainMode.TARGET) {
            throw new IllegalArgumentException("--mode target needs --target CLASS, the class index (0.."
                    + (net.outputSize() - 1) + ") to move each decision to, e.g. --target 3; --target alone implies "
                    + "--mode target");
        }
        if (target != null && (target < 0 || target >= net.outputSize())) {
            throw new IllegalArgumentException("--target " + target + " must be a class index in [0, " + (net.outputSize() - 1)
                    + "]");
        }
    }

    AttributionKind attributionKind() {
        return parse(AttributionKind.class, "--attribution", attribution);
    }

    LagrangeDualExplainer build() {
        LagrangeDualExplainer.Builder b = LagrangeDualExplainer.builder()
                .perturbation(parse(Perturbation.class, "--perturbation", perturbation))
                .baseline(parse(Baseline.class, "--baseline", baseline))
                .blurSigma(blurSigma)
                .mode(parse(ExplainMode.class, "--mode", mode))
                .regressionGoal(parse(RegressionGoal.class, "--goal", goal))
                .objective(parse(Objective.class, "--objective", objective))
                .kappa(kappa).maxOuterIterations(iterations).alpha(alpha).overshoot(overshoot).candidateFactors(factors)
                .attribution(attributionKind());
        if (target != null) {
            b.target(target);
        }
        if (eps != null) {
            b.linfBudget(eps);
        }
        if (certify) {
            b.certify(engineCertifier().orElseThrow(() -> new IllegalArgumentException("--certify: this build has no "
                    + "radius certifier (package certify); r_lo cannot be computed")));
        }
        return b.build();
    }
}
