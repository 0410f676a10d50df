package org.lde.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file written through {@link AtomicFiles} is complete or absent, whatever happens while it is written. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void writesAndReplaces() throws IOException {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        assertEquals(List.of(f), files());
    }

    @Test
    void aFailureInTheWriterLeavesTheOldContentAndNoTemporaryFile() throws IOException {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "old");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IllegalStateException("boom");
        }));
        assertEquals("boom", e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), files());
        Path g = dir.resolve("new.txt");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(g, out -> {
            out.write(1);
            throw new IOException("disk full");
        }));
        assertEquals(List.of(f), files(), "no partial new file");
    }

    @Test
    void aFolderOrAFileAsFolderIsAClearError() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeString(sub, "x"));
        assertTrue(e.getMessage().contains("it is a folder"), e.getMessage());
        Path file = dir.resolve("afile");
        Files.writeString(file, "keep");
        e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeString(file.resolve("x.png"), "x"));
        assertTrue(e.getMessage().contains("is a file, not a folder"), e.getMessage());
        assertEquals("keep", Files.readString(file));
    }

    /** What SIGINT/SIGTERM does to a running `lde`: the JVM's shutdown hooks run while a file is half written. */
    @Test
    void anInterruptedWriterLeavesNeitherATruncatedFileNorATemporaryOne() throws Exception {
        Path target = dir.resolve("panel-0000.png");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SlowWriter.class.getName(),
                target.toString()).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("writing", r.readLine());
            assertEquals(1, files().size(), "the temporary file exists while writing: " + files());
            assertFalse(Files.exists(target));
            p.destroy(); // SIGTERM: the shutdown hooks run, as on SIGINT
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(List.of(), files(), "nothing left behind");
    }

    /** Writes 43 bytes, says so, then waits to be killed. */
    public static final class SlowWriter {
        public static void main(String[] args) {
            AtomicFiles.write(Path.of(args[0]), out -> {
                out.write(new byte[43]);
                out.flush();
                System.out.println("writing");
                System.out.flush();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }
}
