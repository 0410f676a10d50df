package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16 for the commands that write a folder besides explain: evaluate, certify and attack refuse a non-empty
 * {@code --out} (naming it) unless {@code --overwrite}, which replaces what the earlier run wrote (the new folder is
 * renamed into place: no staging or set-aside folder is left, the user's own files are kept, a folder lde did not
 * write is never replaced); and each shows progress only on a terminal or with {@code --progress}, nothing on stderr
 * with {@code --quiet}.
 */
class OutputFolderCliTest {
    /** A command line of {@code command} on {@code n} embedded samples, as small as the command allows. */
    static List<String> args(String command, Path out, int n, String... more) {
        List<String> a = new ArrayList<>(switch (command) {
            case "evaluate" -> List.of("evaluate", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--methods",
                    "saliency,grad-x-input", "--bootstrap", "10", "--infidelity-samples", "0", "--sensitivity-samples", "0");
            case "certify" -> List.of("certify", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--eps", "0.01",
                    "--method", "ibp");
            case "attack" -> List.of("attack", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--methods",
                    "deepfool", "--norms", "l2");
            default -> throw new IllegalArgumentException(command);
        });
        a.addAll(List.of("--limit", Integer.toString(n), "--out", out.toString()));
        a.addAll(Arrays.asList(more));
        return a;
    }

    static CliTest.Result run(List<String> args) {
        return CliTest.run(args.toArray(String[]::new));
    }

    /** The JSON file of {@code command} and how many samples it says the run had. */
    static int samples(String command, Path out) throws IOException {
        var json = new ObjectMapper();
        ToIntFunction<Path> count = switch (command) {
            case "certify" -> p -> read(json, p).get("images").size();
            default -> p -> read(json, p).get("samples").asInt();
        };
        return count.applyAsInt(out.resolve(command + ".json"));
    }

    private static com.fasterxml.jackson.databind.JsonNode read(ObjectMapper json, Path p) {
        try {
            return json.readTree(p.toFile());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"evaluate", "certify", "attack"})
    void rerunIsRefusedUnlessOverwriteWhichReplacesTheFolderWhole(String command, @TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CliTest.Result r = run(args(command, out, 2));
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("/s "), "no terminal in tests, no --progress: no bar: " + r.err());
        assertEquals(2, samples(command, out));
        String json = Files.readString(out.resolve(command + ".json"));
        assertFalse(json.contains("NaN") || json.contains("Infinity"), "JSON has null for missing numbers: " + json);
        assertTrue(Files.exists(out.resolve(OutputFolder.MARKER)), "the folder is marked as written by lde");
        Files.writeString(out.resolve("notes.txt"), "mine");
        byte[] csv = Files.readAllBytes(out.resolve(command + ".csv"));

        r = run(args(command, out, 3));
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("--out '" + out + "' is not empty") && r.err().contains("give --overwrite"), r.err());
        assertArrayEquals(csv, Files.readAllBytes(out.resolve(command + ".csv")), "a refused run changes nothing");
        assertEquals(2, samples(command, out));

        r = run(args(command, out, 3, "--overwrite", "--progress"));
        assertEquals(0, r.code(), r.err());
        assertEquals(3, samples(command, out), "the new run's results");
        assertEquals("mine", Files.readString(out.resolve("notes.txt")), "files the command does not write are kept");
        assertEquals(List.of("out"), names(dir), "no staging (.out.lde-tmp-*) or set-aside (.out.lde-old-*) folder left");
        assertTrue(r.err().contains("100%") && r.err().contains("/s") && r.err().contains("left 0:00"),
                "--progress shows the bar: " + r.err());

        Path quiet = dir.resolve("quiet");
        r = run(args(command, quiet, 2, "--progress", "--quiet"));
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err().trim(), "--quiet: nothing on stderr");
    }

    @ParameterizedTest
    @ValueSource(strings = {"evaluate", "certify", "attack"})
    void overwriteNeverReplacesAFolderLdeDidNotWrite(String command, @TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("thesis.tex"), "years of work");
        CliTest.Result r = run(args(command, dir, 2, "--overwrite"));
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("was not written by lde") && r.err().contains("thesis.tex"), r.err());
        assertEquals(List.of("thesis.tex"), names(dir), "nothing changed");
        Path file = dir.resolve("thesis.tex");
        r = run(args(command, file, 2, "--overwrite"));
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("is an existing file, not a folder"), r.err());
    }

    @org.junit.jupiter.api.Test
    void predictShowsProgressOnlyWhenAskedAndSizesTheConfusionMatrixToTheNames() {
        List<String> a = List.of("predict", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "300");
        CliTest.Result r = run(a);
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("/s "), "no terminal in tests, no --progress: no bar: " + r.err());
        assertTrue(r.err().contains("labels of"), "the label mapping is printed: " + r.err());
        assertTrue(r.out().contains(" 0 T-shirt/top ") && r.out().contains(" 9 Ankle boot "), "names are never cut: " + r.out());
        List<String> rows = r.out().lines().filter(l -> l.matches(" ?\\d .*")).toList();
        assertEquals(10, rows.size(), r.out());
        assertEquals(1, rows.stream().map(String::length).distinct().count(), "every row as wide: " + rows);
        List<String> p = new ArrayList<>(a);
        p.add("--progress");
        r = run(p);
        assertTrue(r.err().contains("300/300 samples 100%"), r.err());
        p.add("--quiet");
        r = run(p);
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err().trim(), "--quiet: nothing on stderr");
    }
}
