package org.lde.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.lde.device.Devices;
import org.lde.device.GpuProbe;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The benchmarks' entry point ({@code mvn -Pbench test-compile exec:exec -Djmh.args="..."}): JMH's
 * own command line, except that without a usable CUDA GPU the {@code cuda} values of the benchmarks'
 * parameters ({@code device}, {@code kind}, ...) are left out, with one line that says so and why,
 * instead of a failed trial and a stack trace per benchmark. A parameter the user sets with
 * {@code -p} is left as given (so {@code -p device=cuda} on a machine without a GPU still fails,
 * loudly, as asked).
 *
 * <p>JMH's {@code -p} values apply to every benchmark with that parameter name, while the
 * benchmarks' value lists differ ({@code device} is emulator/cuda in the kernel benchmarks,
 * {@code kind} is emulator/cuda/cpu in {@code GpuBackendBench}); so each benchmark class with a
 * {@code cuda} value runs as its own JMH run with its own values, and all the others in one run.
 */
public final class BenchMain {
    static final String CUDA = "cuda";

    private BenchMain() {
    }

    /** One JMH run: the benchmark classes it covers and the parameter values it overrides. */
    record Plan(Set<String> classes, Map<String, String[]> params) {
    }

    /**
     * Splits the selected benchmarks into runs when CUDA is not usable: every class whose parameters
     * list {@code cuda} (for a parameter the user did not set) gets a run of its own with those
     * parameters' other values; all remaining classes share one run without overrides. With CUDA
     * usable, or nothing to leave out, the answer is one run of everything.
     *
     * @param params   per benchmark class, its parameters and their default values
     * @param userSet  parameter names given on the command line ({@code -p})
     */
    static List<Plan> plan(Map<String, Map<String, String[]>> params, Set<String> userSet, boolean cudaUsable) {
        List<Plan> out = new ArrayList<>();
        Set<String> plain = new TreeSet<>();
        if (!cudaUsable) {
            for (Map.Entry<String, Map<String, String[]>> c : params.entrySet()) {
                Map<String, String[]> over = new LinkedHashMap<>();
                for (Map.Entry<String, String[]> p : c.getValue().entrySet()) {
                    if (!userSet.contains(p.getKey()) && Arrays.asList(p.getValue()).contains(CUDA)) {
                        over.put(p.getKey(), Arrays.stream(p.getValue()).filter(v -> !v.equals(CUDA)).toArray(String[]::new));
                    }
                }
                if (over.isEmpty()) {
                    plain.add(c.getKey());
                } else if (over.values().stream().allMatch(v -> v.length > 0)) {
                    out.add(new Plan(Set.of(c.getKey()), over));
                } // else: a class that only runs on CUDA is left out entirely
            }
        } else {
            plain.addAll(params.keySet());
        }
        if (!plain.isEmpty()) {
            out.add(0, new Plan(plain, Map.of()));
        }
        return out;
    }

    public static void main(String[] args) throws RunnerException, java.io.IOException {
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("Error parsing command line: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (cmd.shouldHelp() || cmd.shouldList() || cmd.shouldListWithParams() || cmd.shouldListProfilers()
                || cmd.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        SortedSet<BenchmarkListEntry> selected = BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT),
                cmd.getIncludes().isEmpty() ? List.of(".*") : cmd.getIncludes(), cmd.getExcludes());
        Map<String, Map<String, String[]>> params = new LinkedHashMap<>();
        Map<String, List<String>> methods = new LinkedHashMap<>();
        for (BenchmarkListEntry e : selected) {
            params.computeIfAbsent(e.getUserClassQName(), k -> new LinkedHashMap<>())
                    .putAll(e.getParams().orElse(Map.of()));
            methods.computeIfAbsent(e.getUserClassQName(), k -> new ArrayList<>()).add(e.getUsername());
        }
        Set<String> userSet = new TreeSet<>();
        for (String name : params.values().stream().flatMap(m -> m.keySet().stream()).toList()) {
            if (cmd.getParameter(name).hasValue()) {
                userSet.add(name);
            }
        }
        boolean needsCuda = params.entrySet().stream().anyMatch(c -> c.getValue().entrySet().stream()
                .anyMatch(p -> !userSet.contains(p.getKey()) && Arrays.asList(p.getValue()).contains(CUDA)));
        if (!needsCuda) {
            new Runner(cmd).run();
            return;
        }
        GpuProbe.Result probe = Devices.probe();
        if (probe.usable()) {
            new Runner(cmd).run();
            return;
        }
        System.out.println("# skipping the cuda parameter values (no usable CUDA GPU: " + probe.reason() + ")");
        for (Plan p : plan(params, userSet, false)) {
            OptionsBuilder b = new OptionsBuilder();
            b.parent(cmd);
            // The parent's includes still apply; everything selected outside this run is excluded.
            for (Map.Entry<String, List<String>> c : methods.entrySet()) {
                if (!p.classes().contains(c.getKey())) {
                    for (String m : c.getValue()) {
                        b.exclude("^" + Pattern.quote(m) + "$");
                    }
                }
            }
            for (Map.Entry<String, String[]> o : p.params().entrySet()) {
                b.param(o.getKey(), o.getValue());
            }
            Options opts = b.build();
            new Runner(opts).run();
        }
    }
}
