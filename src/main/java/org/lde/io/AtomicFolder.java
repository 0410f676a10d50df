package org.lde.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * A folder written as a whole: a run writes into a staging folder beside the target ({@code .NAME.lde-tmp-RANDOM},
 * same parent, so the same file system) and {@link #commit} renames it into place. Whoever looks at the target sees
 * the old folder (or none) until the commit and the complete new one after it, never a mix.
 *
 * <p>{@link #commit} with an existing target renames the old folder aside ({@code .NAME.lde-old-RANDOM}), renames the
 * staging folder to the target, then deletes the old one. Both renames happen under the lock of the
 * {@link AtomicFiles} shutdown hook, so SIGINT (which runs the hook) lands before them (the staging folder is
 * deleted, the old folder stays) or after them (the set-aside old folder is deleted). Only a hard kill
 * ({@code SIGKILL}, power loss) can leave a staging or set-aside folder behind; the target is then still the old
 * folder (or, between the two renames, absent, with the old content in {@code .NAME.lde-old-*}).
 *
 * <p>{@link #close} without a commit (an exception in the run) deletes the staging folder and leaves the target
 * as it was.
 */
public final class AtomicFolder implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private boolean done;

    private AtomicFolder(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
    }

    /**
     * Creates the staging folder for {@code target} (and the target's parent folders when missing).
     *
     * @throws UncheckedIOException naming the folder when it cannot be created, or when the program is exiting
     */
    public static AtomicFolder stage(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new IllegalArgumentException("cannot replace the root folder '" + target + "'");
        }
        try {
            Files.createDirectories(parent);
            synchronized (AtomicFiles.LOCK) {
                if (AtomicFiles.shuttingDown()) {
                    throw new IOException("the program is exiting; '" + target + "' was not written");
                }
                Path s = Files.createTempDirectory(parent, "." + abs.getFileName() + ".lde-tmp-");
                AtomicFiles.IN_FLIGHT_FOLDERS.add(s);
                return new AtomicFolder(abs, s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a staging folder beside '" + target + "': " + e, e);
        }
    }

    /** The folder to write into until {@link #commit}. */
    public Path path() {
        return staging;
    }

    /**
     * Puts the staging folder in the target's place. {@code carry} names entries of the old target folder that are
     * copied into the new one first (files or folders; an entry the new folder already has is not copied), so
     * that they survive the replacement; the copy happens before anything is renamed.
     *
     * @throws UncheckedIOException naming the folder when a copy or rename fails (the target is then unchanged)
     */
    public void commit(List<String> carry) {
        if (done) {
            throw new IllegalStateException("already committed or closed: " + target);
        }
        Path aside = null;
        try {
            for (String name : carry) {
                Path from = target.resolve(name);
                Path to = staging.resolve(name);
                if (Files.exists(from, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.exists(to)) {
                    copyTree(from, to);
                }
            }
            synchronized (AtomicFiles.LOCK) {
                if (AtomicFiles.shuttingDown()) {
                    throw new IOException("the program is exiting; '" + target + "' was left as it was");
                }
                if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    aside = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".lde-old-");
                    Files.delete(aside); // only its unique name is wanted; rename(2) replaces no non-empty folder
                    Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
                    AtomicFiles.IN_FLIGHT_FOLDERS.add(aside);
                }
                try {
                    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (aside != null) { // put the old folder back
                        Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
                        AtomicFiles.IN_FLIGHT_FOLDERS.remove(aside);
                        aside = null;
                    }
                    throw e;
                }
                AtomicFiles.IN_FLIGHT_FOLDERS.remove(staging);
                done = true;
            }
        } catch (IOException e) {
            if (aside != null) { // the old folder could not be put back: keep it where it is, and say where
                AtomicFiles.IN_FLIGHT_FOLDERS.remove(aside);
                throw new UncheckedIOException("cannot put the new folder in place of '" + target + "': " + e
                        + "; the earlier content is in '" + aside + "'", e);
            }
            throw new UncheckedIOException("cannot put the new folder in place of '" + target + "': " + e, e);
        }
        if (aside != null) {
            deleteTree(aside);
            AtomicFiles.IN_FLIGHT_FOLDERS.remove(aside);
        }
    }

    /** Deletes the staging folder unless {@link #commit} put it in place. */
    @Override
    public void close() {
        if (!done) {
            done = true;
            deleteTree(staging);
            AtomicFiles.IN_FLIGHT_FOLDERS.remove(staging);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.copy(f, to.resolve(from.relativize(f).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Deletes {@code dir} and everything in it, best effort (symbolic links are deleted, not followed). Retried a few
     * times, since a file being renamed into it by another thread at that moment makes the last delete fail.
     */
    static void deleteTree(Path dir) {
        for (int attempt = 0; attempt < 5 && Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS); attempt++) {
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                        Files.deleteIfExists(f);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path f, IOException e) {
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                        Files.deleteIfExists(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (NoSuchFileException | DirectoryNotEmptyException e) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } catch (IOException e) {
                return; // best effort
            }
        }
    }
}
