package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Issue 16, "every default is stated in --help": every option of every command either is required, is a flag, or
 * says in its description what happens when it is not given ("default ..."). Read from the picocli model, so a new
 * option without a stated default fails here. Also: {@code --limit} on the embedded MNIST takes every digit, and the
 * long-run warning of every command with a progress bar, through a real subprocess whose threshold is lowered.
 */
class CliOptionsTest {
    @Test
    void everyOptionStatesItsDefault() {
        CommandLine root = new CommandLine(new Main());
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, CommandLine> sub : new TreeMap<>(root.getSubcommands()).entrySet()) {
            for (OptionSpec o : sub.getValue().getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp() || o.hidden() || o.required() || o.arity().max() == 0) {
                    continue; // --help, --version, hidden aliases, required options and flags have no default to state
                }
                String d = String.join(" ", o.description());
                if (!d.contains("default")) {
                    missing.add("lde " + sub.getKey() + " " + o.longestName() + ": " + d);
                }
            }
        }
        assertEquals(List.of(), missing, "options whose --help does not state the default");
    }

    @Test
    void limitOnTheEmbeddedMnistTakesEveryDigit() {
        CliTest.Result r = CliTest.run("predict", "sample:mnist-cnn", "--data", "sample:mnist", "--limit", "20");
        assertEquals(0, r.code(), r.err());
        for (int d = 0; d < 10; d++) {
            org.junit.jupiter.api.Assertions.assertTrue(r.err().contains(" " + d + " '" + d + "' (2 samples)"),
                    "digit " + d + " twice among the first 20: " + r.err());
        }
    }

    /** {@code lde ARGS} in a new JVM with the long-run threshold at {@code seconds}; its stderr. */
    static String stderrOf(double seconds, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx1g", "-Dlde.longRunSeconds=" + seconds, "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        return err;
    }

    @Test
    void everyLongCommandWarnsFromItsFirstBatchUnlessQuiet(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String data = "sample:fashion-mnist";
        String[][] runs = {
            {"certify", "sample:fmnist-mlp", "--data", data, "--limit", "4", "--batch", "2", "--eps", "0.01", "--method", "ibp"},
            {"evaluate", "sample:fmnist-mlp", "--data", data, "--limit", "2", "--methods", "saliency,grad-x-input",
                "--bootstrap", "10", "--infidelity-samples", "0", "--sensitivity-samples", "0"},
            {"attack", "sample:fmnist-mlp", "--data", data, "--limit", "4", "--batch", "2", "--methods", "deepfool",
                "--norms", "l2"},
            {"predict", "sample:fmnist-mlp", "--data", data, "--limit", "300"},
        };
        for (String[] run : runs) {
            List<String> a = new ArrayList<>(List.of(run));
            if (!run[0].equals("predict")) {
                a.addAll(List.of("--out", dir.resolve(run[0]).toString()));
            }
            String err = stderrOf(1e-9, a.toArray(String[]::new));
            org.junit.jupiter.api.Assertions.assertTrue(err.contains("lde " + run[0] + ": warning: this run will take about")
                    && err.contains("(the first "), run[0] + " warns: " + err);
            if (!run[0].equals("certify")) {
                continue; // --quiet silences the same Progress in every command (OutputFolderCliTest runs each in-process)
            }
            a.add("--quiet");
            if (!run[0].equals("predict")) {
                a.set(a.indexOf(dir.resolve(run[0]).toString()), dir.resolve(run[0] + "-q").toString());
            }
            assertEquals("", stderrOf(1e-9, a.toArray(String[]::new)).trim(), run[0] + " --quiet: nothing on stderr");
        }
    }
}
