package org.lde.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder written through {@link AtomicFolder} is the old one or the complete new one, and no staging folder stays. */
class AtomicFolderTest {
    @TempDir
    Path dir;

    private List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void nothingIsVisibleUntilTheCommitAndTheStagingFolderIsASibling() throws IOException {
        Path out = dir.resolve("sub").resolve("out");
        try (AtomicFolder f = AtomicFolder.stage(out)) {
            assertEquals(out.toAbsolutePath().getParent(), f.path().getParent(), "same parent, so rename(2) works");
            assertTrue(f.path().getFileName().toString().startsWith(".out.lde-tmp-"), f.path().toString());
            AtomicFiles.writeString(f.path().resolve("a.txt"), "new");
            assertFalse(Files.exists(out), "not visible before the commit");
            f.commit(List.of());
        }
        assertEquals("new", Files.readString(out.resolve("a.txt")));
        assertEquals(List.of("out"), names(out.getParent()), "no staging or set-aside folder left");
    }

    @Test
    void aFailedRunLeavesTheOldFolderAsItWas() throws IOException {
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("a.txt"), "old");
        RuntimeException boom = assertThrows(RuntimeException.class, () -> {
            try (AtomicFolder f = AtomicFolder.stage(out)) {
                AtomicFiles.writeString(f.path().resolve("a.txt"), "half");
                throw new RuntimeException("boom");
            }
        });
        assertEquals("boom", boom.getMessage());
        assertEquals("old", Files.readString(out.resolve("a.txt")));
        assertEquals(List.of("out"), names(dir), "the staging folder was deleted");
    }

    @Test
    void commitReplacesTheOldFolderWholeAndCarriesTheNamedEntries() throws IOException {
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("mine"));
        Files.writeString(out.resolve("a.txt"), "old");
        Files.writeString(out.resolve("stale.txt"), "old");
        Files.writeString(out.resolve("notes.txt"), "keep me");
        Files.writeString(out.resolve("mine").resolve("deep.txt"), "keep me too");
        try (AtomicFolder f = AtomicFolder.stage(out)) {
            AtomicFiles.writeString(f.path().resolve("a.txt"), "new");
            AtomicFiles.writeString(f.path().resolve("notes.txt"), "the new run's own");
            f.commit(List.of("notes.txt", "mine", "absent.txt"));
        }
        assertEquals(List.of("a.txt", "mine", "notes.txt"), names(out), "stale.txt of the old folder is gone");
        assertEquals("new", Files.readString(out.resolve("a.txt")));
        assertEquals("the new run's own", Files.readString(out.resolve("notes.txt")), "a carried entry never replaces a new file");
        assertEquals("keep me too", Files.readString(out.resolve("mine").resolve("deep.txt")));
        assertEquals(List.of("out"), names(dir), "the old folder, set aside, was deleted");
    }

    @Test
    void aClosedFolderCannotBeCommitted() {
        AtomicFolder f = AtomicFolder.stage(dir.resolve("out"));
        f.close();
        assertThrows(IllegalStateException.class, () -> f.commit(List.of()));
        assertFalse(Files.exists(dir.resolve("out")));
    }
}
