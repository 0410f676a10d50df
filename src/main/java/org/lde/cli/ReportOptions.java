package org.lde.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lde.explain.Attributor;
import org.lde.explain.baseline.Baselines;
import picocli.CommandLine.Option;

/** The report options of {@code lde explain} and {@code lde demo}, with {@code --overwrite} and the console options ({@code --quiet}, {@code --progress}). */
final class ReportOptions {
    @picocli.CommandLine.Mixin
    OverwriteOption overwrite = new OverwriteOption();

    @Option(names = "--compare", split = ",", paramLabel = "METHOD",
            description = "also draw these attribution methods beside LDE's map in index.html, comma-separated, e.g. "
                    + "ig,saliency,occlusion (the baselines of 'lde evaluate --methods'; ig means ig-gl50; default: none)")
    List<String> compare;

    @picocli.CommandLine.Mixin
    ConsoleOptions console = new ConsoleOptions();

    /** Aliases of baseline names accepted by {@code --compare}. */
    static String canonical(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.equals("ig") ? "ig-gl50" : n;
    }

    /**
     * The {@code --compare} methods, checked before anything runs.
     *
     * @throws IllegalArgumentException naming an unknown method and the known ones
     */
    List<Attributor> compareMethods() {
        List<Attributor> out = new ArrayList<>();
        if (compare == null) {
            return out;
        }
        List<String> seen = new ArrayList<>();
        for (String raw : compare) {
            String n = canonical(raw);
            if (seen.contains(n)) {
                throw new IllegalArgumentException("--compare names " + n + " twice");
            }
            seen.add(n);
            if (!Baselines.names().contains(n)) {
                throw new IllegalArgumentException("--compare: unknown method '" + raw + "'; known: ig (= ig-gl50), "
                        + String.join(", ", Baselines.names()));
            }
            out.add(Baselines.create(n));
        }
        return out;
    }
}
