package org.lde.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lde.data.Dataset;
import org.lde.explain.Explanation;
import org.lde.model.Network;
import org.lde.tensor.Tensor;

/**
 * The CLI's checks of hostile input: option ranges (checked before anything is read or
 * computed, so that no option can make a run allocate without bound), output paths, and
 * finiteness of every number the CLI prints or writes. Every failure is an
 * IllegalArgumentException whose message names the option, file, sample or element.
 */
final class CliChecks {
    /** The largest batch or repetition count an option may ask for. */
    static final int MAX_COUNT = 1_000_000;

    private CliChecks() {
    }

    /** {@code value} must be an integer in {@code [lo, hi]}. */
    static int count(String option, int value, int lo, int hi) {
        if (value < lo || value > hi) {
            throw new IllegalArgumentException(option + " " + value + " must be an integer in [" + lo + ", " + hi + "]");
        }
        return value;
    }

    /** {@code value} must be finite and in {@code [lo, hi]}. */
    static double number(String option, double value, double lo, double hi) {
        if (!Double.isFinite(value) || value < lo || value > hi) {
            throw new IllegalArgumentException(option + " " + value + " must be a finite number in [" + lo + ", " + hi + "]");
        }
        return value;
    }

    /** {@code value} must be finite and {@code > 0} and at most {@code hi}. */
    static double positive(String option, double value, double hi) {
        if (!Double.isFinite(value) || !(value > 0) || value > hi) {
            throw new IllegalArgumentException(option + " " + value + " must be a finite number in (0, " + hi + "]");
        }
        return value;
    }

    /** An output folder: absent (it is created) or a folder, never an existing file. */
    static Path outputFolder(String option, Path out) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException(option + " '" + out + "' is an existing file, not a folder; give a folder "
                    + "(it is created when missing)");
        }
        return out;
    }

    /** An output file: its folder must exist, and it must not be a folder itself. */
    static Path outputFile(String option, Path out) {
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException(option + " '" + out + "' is a folder; give a file name");
        }
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " '" + out + "': the folder '" + dir + "' does not exist");
        }
        return out;
    }

    /**
     * Logits {@code [N, C]} of samples {@code from..from+N-1} must be finite.
     *
     * @throws IllegalArgumentException naming the sample, class and value, and where the model's numbers overflow
     */
    static void finiteLogits(Tensor z, int from, String model, String backend) {
        double[] d = z.data();
        int c = z.shape().dim(1);
        for (int i = 0; i < d.length; i++) {
            if (!Double.isFinite(d[i])) {
                throw new IllegalArgumentException("model " + model + " computes a non-finite logit " + d[i] + " for sample "
                        + (from + i / c) + ", output " + (i % c) + " on backend " + backend + ": its weights or this input "
                        + "overflow the arithmetic; nothing was written");
            }
        }
    }

    /**
     * The numbers an explanation report writes (attribution map, perturbation, logits) must be
     * finite, and its linearized bound {@code r_lin} not NaN ({@code r_lo} and {@code r_hi} may be NaN:
     * "not computed" and "none verified"; the record itself checks their consistency).
     */
    static void finiteExplanations(List<Explanation> ex, int from) {
        for (int i = 0; i < ex.size(); i++) {
            Explanation e = ex.get(i);
            finite(e.dualContribution().map().data(), "dual contribution", from + i);
            finite(e.delta().data(), "perturbation", from + i);
            finite(e.logits().data(), "logit", from + i);
            double lb = e.certificate().rLin();
            if (Double.isNaN(lb)) { // +infinity is valid: no perturbation in the box moves the linearized decision
                throw new IllegalArgumentException("the explanation of image " + (from + i) + " has a linearized bound "
                        + "r_lin of NaN; nothing was written");
            }
        }
    }

    /** Attributions {@code [N, ...]} of {@code method} must be finite before any metric uses them. */
    static void finiteAttributions(Tensor phi, String method) {
        double[] d = phi.data();
        int per = d.length / Math.max(1, phi.shape().dim(0));
        for (int j = 0; j < d.length; j++) {
            if (!Double.isFinite(d[j])) {
                throw new IllegalArgumentException("method " + method + " gives a non-finite attribution " + d[j] + " for sample "
                        + (j / Math.max(1, per)) + ", element " + (j % Math.max(1, per)) + "; nothing was written");
            }
        }
    }

    private static void finite(double[] d, String what, int sample) {
        for (int j = 0; j < d.length; j++) {
            if (!Double.isFinite(d[j])) {
                throw new IllegalArgumentException("the explanation of image " + sample + " has a non-finite " + what + " "
                        + d[j] + " at element " + j + "; nothing was written");
            }
        }
    }

    /** One line that states how the data's labels map to the model's classes (and how many samples each has). */
    static String labelMapping(Dataset ds, Network net) {
        if (!ds.hasLabels()) {
            return "labels: none (" + ds.source() + ")";
        }
        int[] count = new int[ds.classNames().size()];
        for (int l : ds.labels()) {
            count[l]++;
        }
        List<String> model = net.classNames();
        StringBuilder sb = new StringBuilder("labels of " + ds.name() + " -> model classes:");
        for (int k = 0; k < count.length; k++) {
            if (count[k] > 0) {
                sb.append(' ').append(k).append(" '").append(k < model.size() ? model.get(k) : "?").append("' (")
                        .append(count[k]).append(count[k] == 1 ? " sample)" : " samples)");
            }
        }
        return sb.append("; from ").append(ds.source()).toString();
    }
}
