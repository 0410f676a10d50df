package org.lde.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The output folder of a report run. A run never mixes its files with an earlier run's: a folder that
 * holds anything is refused unless the caller passes {@code overwrite}, and then the files an earlier report
 * wrote ({@link #WRITTEN}: panels, tiles, {@code explanations.jsonl/.csv}, {@code index.html}) are deleted
 * first, so no old panel is left beside the new rows. Files a report never writes are left alone and named.
 */
public final class ReportFolder {
    /** The names a report writes. */
    public static final Pattern WRITTEN = Pattern.compile(
            "panel-\\d+\\.png|img-\\d+-[A-Za-z0-9_-]+\\.png|explanations\\.jsonl|explanations\\.csv|features\\.csv|index\\.html");

    private ReportFolder() {
    }

    /**
     * Makes {@code dir} ready for a run: absent or empty is fine (the report's writer creates it); non-empty is refused
     * without {@code overwrite}; with it, the earlier report's files are deleted.
     *
     * @param option the option that named the folder, for messages
     * @return the names of the files left in the folder that a report never writes (empty when none)
     * @throws IllegalArgumentException when {@code dir} is a file, or non-empty without {@code overwrite}
     */
    public static List<String> prepare(Path dir, boolean overwrite, String option) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " '" + dir + "' is an existing file, not a folder; give a folder "
                    + "(it is created when missing)");
        }
        List<Path> entries = list(dir);
        if (entries.isEmpty()) {
            return List.of(); // created by the writer, once there is something to write (a failed run leaves no folder)
        }
        if (!overwrite) {
            throw new IllegalArgumentException(option + " '" + dir + "' is not empty (" + entries.size() + " entries, e.g. '"
                    + entries.get(0).getFileName() + "'); give --overwrite to replace the report an earlier run wrote "
                    + "there, or another folder");
        }
        List<String> others = new ArrayList<>();
        for (Path p : entries) {
            String name = p.getFileName().toString();
            if (Files.isRegularFile(p) && WRITTEN.matcher(name).matches()) {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException("--overwrite: cannot delete '" + p + "': " + e.getMessage(), e);
                }
            } else {
                others.add(name);
            }
        }
        return others;
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the folder '" + dir + "': " + e.getMessage(), e);
        }
    }
}
