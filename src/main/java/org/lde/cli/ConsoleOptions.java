package org.lde.cli;

import picocli.CommandLine.Option;

/** {@code --quiet} and {@code --progress}: what a long command prints on stderr while it runs. */
final class ConsoleOptions {
    @Option(names = "--quiet", description = "print no progress bar, no progress lines and no warnings on stderr")
    boolean quiet;

    @Option(names = "--progress", description = "show the progress bar also when stderr is not a terminal "
            + "(default: only on a terminal)")
    boolean progress;

    /** Whether to draw the progress bar: not with --quiet; with --progress, or when there is a console. */
    boolean showProgress() {
        return !quiet && (progress || System.console() != null);
    }

    /** Prints {@code line} on stderr unless {@code --quiet} (what a command says before its progress bar starts). */
    void info(String line) {
        if (!quiet) {
            System.err.println(line);
        }
    }

    /** A progress bar for {@code total} items, drawn as these options say. */
    Progress bar(String command, String unit, long total) {
        return new Progress(command, unit, total, showProgress(), System.console() != null, !quiet, System.err);
    }
}
