package org.lde.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/**
 * The build that {@code lde --version} names: the Maven version and, when the build ran inside a
 * git checkout, the commit (with "+ local changes" when the tree was dirty). Both come from
 * {@code org/lde/cli/version.properties}, which Maven's resource filtering writes from the pom and
 * from the git-commit-id plugin; a build from a source tarball (no git) says "commit unknown".
 */
final class Version implements CommandLine.IVersionProvider {
    static final String RESOURCE = "/org/lde/cli/version.properties";

    /** The lines {@code --version} prints. */
    @Override
    public String[] getVersion() {
        return new String[] {line(read())};
    }

    /** Gives every subcommand this version provider (their standard {@code --version} option prints nothing otherwise). */
    static void applyTo(CommandLine cl) {
        cl.getCommandSpec().versionProvider(new Version());
        for (CommandLine sub : cl.getSubcommands().values()) {
            applyTo(sub);
        }
    }

    static Properties read() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the build's version resource " + RESOURCE + ": " + e, e);
        }
        return p;
    }

    /** "lde 0.1.0-SNAPSHOT (commit 27761ac)", from the filtered properties. */
    static String line(Properties p) {
        String version = known(p.getProperty("version"));
        String commit = known(p.getProperty("commit"));
        String dirty = known(p.getProperty("dirty"));
        StringBuilder sb = new StringBuilder("lde ").append(version == null ? "(version unknown: not built by Maven)" : version);
        if (commit == null) {
            sb.append(" (commit unknown: built outside a git checkout)");
        } else {
            sb.append(" (commit ").append(commit).append("true".equals(dirty) ? " + local changes" : "").append(')');
        }
        sb.append(", Java ").append(System.getProperty("java.version"));
        return sb.toString();
    }

    /** The value, or null when it is absent, empty, or a placeholder that filtering left unresolved. */
    private static String known(String v) {
        if (v == null || v.isBlank() || v.contains("${")) {
            return null;
        }
        return v.trim();
    }
}
