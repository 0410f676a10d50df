package org.lde.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lde} command. */
@Command(name = "lde", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Lagrange Dual Explainers: explanations and certificates for neural networks.",
        subcommands = {InfoCommand.class, ImportCommand.class, TrainCommand.class, PredictCommand.class, ExplainCommand.class, DemoCommand.class,
                CertifyCommand.class,
                EvaluateCommand.class, AttackCommand.class, RobustnessCommand.class, ReportCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs the command line and returns its exit code (0 ok, 1 error, 2 usage). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Version.applyTo(cl); // so that `lde explain --version` names the build too
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // One clear line for user errors; the stack trace only with LDE_DEBUG set.
            cmd.getErr().println("lde " + cmd.getCommandName() + ": " + describe(ex));
            if (System.getenv("LDE_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes Errors through; one line, never a stack trace (LDE_DEBUG shows it)
            System.err.println("lde: " + describe(e));
            if (System.getenv("LDE_DEBUG") != null) {
                e.printStackTrace();
            }
            return 1;
        }
    }

    static String describe(Throwable ex) {
        for (Throwable c = ex.getCause(); c != null && c != ex; c = c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return describe(c); // thrown in a worker thread and wrapped
            }
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (" + ex.getMessage() + ", maximum heap " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB): use a smaller --limit or --batch, or give Java more memory (java -Xmx8g -jar lde.jar ...)";
        }
        String m = ex.getMessage();
        if (ex instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + m;
        }
        return m == null ? ex.getClass().getSimpleName() : m;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }
}
