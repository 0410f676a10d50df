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
 * option without a stated default fails here.
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
}
