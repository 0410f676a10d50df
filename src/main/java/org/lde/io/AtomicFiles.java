package org.lde.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes files so that nobody ever sees a partial one: the content goes to a temporary file in
 * the target's folder ({@code .NAME.RANDOM.tmp}), which is then renamed over the target
 * atomically (a plain replace where the file system cannot move atomically). A failure, an
 * exception in the writer or an interruption (SIGINT runs the JVM's shutdown hooks, which delete
 * the temporary files still being written) leaves the target as it was: absent, or its old
 * content, never truncated. Every file the engine and the CLI write goes through here.
 *
 * <p>This package imports nothing of the engine, so every other package may use it.
 */
public final class AtomicFiles {
    /** Temporary files being written now; deleted by the shutdown hook if the JVM exits first. */
    private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    /** Staging and set-aside folders of {@link AtomicFolder}; deleted by the same hook, after the files. */
    static final Set<Path> IN_FLIGHT_FOLDERS = ConcurrentHashMap.newKeySet();

    /**
     * Guards {@link #shuttingDown}, the registration of a new temporary file or folder, and {@link AtomicFolder}'s
     * renames (so that the hook runs either before a folder is swapped into place or after).
     */
    static final Object LOCK = new Object();
    /** Set by the shutdown hook: no temporary file is created after it has looked (other threads still run then). */
    private static boolean shuttingDown;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (LOCK) {
                shuttingDown = true;
            }
            for (Path p : IN_FLIGHT) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort at exit
                }
            }
            for (Path d : IN_FLIGHT_FOLDERS) {
                AtomicFolder.deleteTree(d);
            }
        }, "lde-atomic-files-cleanup"));
    }

    /** Whether the shutdown hook has run (call with {@link #LOCK} held). */
    static boolean shuttingDown() {
        return shuttingDown;
    }

    private AtomicFiles() {
    }

    /** Writes the content into a stream. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} from {@code body} atomically (see the class comment); the folder must exist.
     *
     * @throws UncheckedIOException naming the file when it cannot be written (the target is then unchanged)
     */
    public static void write(Path target, Body body) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) {
            throw new UncheckedIOException(new IOException("cannot write '" + target + "': it is a folder"));
        }
        if (dir != null && Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UncheckedIOException(new IOException("cannot write '" + target + "': '" + dir
                    + "' is a file, not a folder"));
        }
        Path tmp = null;
        try {
            synchronized (LOCK) {
                if (shuttingDown) {
                    throw new IOException("the program is exiting; '" + target + "' was not written");
                }
                tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
                IN_FLIGHT.add(tmp);
            }
            // WRITE without CREATE: if the shutdown hook deleted the file meanwhile, this fails instead of
            // creating it again after the hook has run
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING), 1 << 16)) {
                body.writeTo(out);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            IN_FLIGHT.remove(tmp);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write '" + target + "': " + e, e);
        } finally {
            if (tmp != null) {
                IN_FLIGHT.remove(tmp);
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    /** Writes {@code bytes} to {@code target} atomically. */
    public static void writeBytes(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically. */
    public static void writeString(Path target, CharSequence text) {
        write(target, out -> out.write(text.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
