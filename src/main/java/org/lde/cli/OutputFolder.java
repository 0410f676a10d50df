package org.lde.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.lde.io.AtomicFiles;
import org.lde.io.AtomicFolder;

/**
 * The {@code --out} folder of a command that writes a folder (explain, demo, evaluate, certify, attack), written as a
 * whole. {@link #check} runs before anything is computed: a folder that holds anything is refused unless
 * {@code --overwrite}; with it, the files the command writes (its {@code written} names) are replaced, and other
 * entries (say, notes of the user) are kept, but only in a folder an lde run wrote (it holds {@link #MARKER}) or one
 * that holds nothing but the command's names: {@code --out . --overwrite} in a home folder is refused, never
 * replaced. {@link #write} writes the run into a staging folder beside {@code --out} and renames it into place
 * ({@link AtomicFolder}): an interrupted run leaves the old folder (or none), never a mix of old and new files.
 */
final class OutputFolder {
    /** The file every run writes into its folder: it marks the folder as one that {@code --overwrite} may replace. */
    static final String MARKER = ".lde-run";

    private final String command;
    private final Path out;
    private final List<String> kept;

    private OutputFolder(String command, Path out, List<String> kept) {
        this.command = command;
        this.out = out;
        this.kept = kept;
    }

    /**
     * Checks {@code out} before a run of {@code lde command}.
     *
     * @param written the names of the files the command writes (replaced by {@code --overwrite})
     * @throws IllegalArgumentException when {@code out} is a file; non-empty without {@code overwrite}; or, with it,
     *                                  holds other files and was not written by lde
     */
    static OutputFolder check(String command, Path out, boolean overwrite, Pattern written) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out '" + out + "' is an existing file, not a folder; give a folder "
                    + "(it is created when missing)");
        }
        List<String> entries = list(out);
        if (entries.isEmpty()) {
            return new OutputFolder(command, out, List.of());
        }
        if (!overwrite) {
            throw new IllegalArgumentException("--out '" + out + "' is not empty (" + entries.size()
                    + (entries.size() == 1 ? " entry" : " entries") + ", e.g. '" + entries.get(0) + "'); give --overwrite "
                    + "to replace what an earlier run wrote there, or another folder; nothing was written");
        }
        List<String> others = new ArrayList<>();
        for (String e : entries) {
            if (!e.equals(MARKER) && !written.matcher(e).matches()) {
                others.add(e);
            }
        }
        if (!others.isEmpty() && !entries.contains(MARKER)) {
            throw new IllegalArgumentException("--overwrite: '" + out + "' was not written by lde (it has no " + MARKER
                    + " file) and holds files that lde " + command + " does not write (" + preview(others)
                    + "); lde replaces only its own output folders: give another --out; nothing was written");
        }
        return new OutputFolder(command, out, others);
    }

    /** The entries of the old folder that {@code --overwrite} keeps (files the command does not write). */
    List<String> kept() {
        return kept;
    }

    /**
     * Runs {@code body} on a staging folder beside {@code --out}, adds {@link #MARKER}, copies the {@link #kept}
     * entries of the old folder, and renames the staging folder into place (the old one is deleted after that).
     * When {@code body} throws, the staging folder is deleted and {@code --out} is left as it was.
     */
    void write(Body body) {
        try (AtomicFolder f = AtomicFolder.stage(out)) {
            try {
                body.writeInto(f.path());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the results into '" + out + "': " + e.getMessage(), e);
            }
            AtomicFiles.writeString(f.path().resolve(MARKER), "written by lde " + command + "; "
                    + Version.line(Version.read()) + "\n");
            f.commit(kept);
        }
    }

    /** Writes a run's files into a folder. */
    @FunctionalInterface
    interface Body {
        void writeInto(Path dir) throws IOException;
    }

    private static String preview(List<String> names) {
        List<String> first = names.subList(0, Math.min(5, names.size()));
        return "'" + String.join("', '", first) + "'" + (names.size() > first.size() ? " and " + (names.size() - first.size())
                + " more" : "");
    }

    private static List<String> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the folder '" + dir + "': " + e.getMessage(), e);
        }
    }
}
