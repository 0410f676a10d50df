package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.lde.data.SampleData;
import org.lde.model.ModelFile;
import org.lde.report.PngImages;
import org.lde.testing.MarkdownBlocks;

/**
 * Every {@code java -jar target/lde.jar ...} line of README.md and docs/cli.md runs (in this JVM,
 * through {@link Main#run}) on the embedded samples, made small by the rewrites below and nothing
 * else: limits, counts and epochs shrink (the emulator runs one outer iteration), the full
 * Fashion-MNIST becomes the embedded sample, and outputs
 * and the files a reader makes first ({@code my-model.safetensors}, {@code a.png}, {@code model.onnx}) live in a
 * temporary folder. Each must exit with 0 and print something. A new line that cannot run this
 * way fails here.
 */
class ReadmeCommandsTest {
    static final String PREFIX = "java -jar target/lde.jar";
    static final List<String> FILES = List.of("README.md", "docs/cli.md");

    /** Options whose value shrinks, to this value (predict also gets --limit when it has none). */
    static final Map<String, String> SMALL = Map.of("--limit", "1", "--count", "1", "--epochs", "1");
    /** Data specs that need a download, and the embedded sample that stands in for them. */
    static final Map<String, String> DATA = Map.of("fashion-mnist:train", "sample:fashion-mnist",
            "fashion-mnist:test", "sample:fashion-mnist");
    /** Files a reader has made before running a line (they are made here, in the temporary folder). */
    static final Set<String> READER_FILES = Set.of("my-model.safetensors", "a.png", "b.png", "model.onnx");
    /** The commands that write into a default folder of the working directory when --out is absent. */
    static final Set<String> WRITES_BY_DEFAULT = Set.of("explain", "demo", "evaluate", "certify", "attack");

    record Line(String file, String text) {
    }

    /** Every lde command line of the documentation files (code blocks and indented code), comments cut. */
    static List<Line> lines() {
        List<Line> out = new ArrayList<>();
        for (String f : FILES) {
            List<String> code = new ArrayList<>(MarkdownBlocks.indentedCode(f));
            MarkdownBlocks.of(f).stream().filter(b -> !b.language().equals("java") && !b.language().equals("json"))
                    .forEach(b -> code.addAll(List.of(b.text().split("\n"))));
            for (String l : code) {
                for (String part : l.split("&&")) {
                    String p = part.strip();
                    int hash = p.indexOf(" #");
                    if (hash >= 0) {
                        p = p.substring(0, hash).strip();
                    }
                    if (p.startsWith(PREFIX + " ") || p.equals(PREFIX)) {
                        out.add(new Line(f, p));
                    }
                }
            }
        }
        return out;
    }

    /** The arguments to run for {@code line}, with the rewrites of the class comment. */
    static List<String> rewrite(String line, Path dir, int k) {
        List<String> in = List.of(line.substring(PREFIX.length()).strip().split("\\s+"));
        List<String> args = new ArrayList<>();
        boolean hasOut = false;
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            if (SMALL.containsKey(a) && i + 1 < in.size()) {
                args.add(a);
                args.add(SMALL.get(a));
                i++;
            } else if (a.equals("--out") && i + 1 < in.size()) {
                args.add(a);
                args.add(dir.resolve(k + "-" + in.get(i + 1)).toString());
                hasOut = true;
                i++;
            } else if (DATA.containsKey(a)) {
                args.add(DATA.get(a));
            } else if (READER_FILES.contains(a)) {
                args.add(dir.resolve(a).toString());
            } else {
                args.add(a);
            }
        }
        if (!args.isEmpty() && WRITES_BY_DEFAULT.contains(args.get(0))) {
            if (!hasOut) {
                args.add("--out");
                args.add(dir.resolve(k + "-default-out").toString());
            }
            if (args.get(0).equals("demo") && !args.contains("--count")) {
                args.add("--count");
                args.add(args.contains("emulator") ? "1" : SMALL.get("--count"));
            }
            if (args.contains("emulator") && !args.contains("--iterations")) { // the emulator is an interpreter
                args.add("--iterations");
                args.add("1");
            }
            if (args.get(0).equals("evaluate")) { // infidelity and max-sensitivity skipped (0 draws), a coarse deletion grid
                args.addAll(List.of("--infidelity-samples", "0", "--sensitivity-samples", "0", "--deletion-steps", "10"));
            }
        }
        if (!args.isEmpty() && args.get(0).equals("predict") && !args.contains("--limit")) {
            args.add("--limit");
            args.add(SMALL.get("--limit"));
        }
        return args;
    }

    @Test
    void theDocumentationHasItsCommandLines() {
        List<Line> all = lines();
        assertTrue(all.size() >= 12, "expected the README's and cli.md's lde lines, found " + all);
        for (String cmd : List.of("demo", "info", "predict", "train", "evaluate", "explain")) {
            assertTrue(all.stream().anyMatch(l -> l.text().startsWith(PREFIX + " " + cmd + " ") || l.text().equals(PREFIX + " " + cmd)),
                    "no documented line runs 'lde " + cmd + "'");
        }
    }

    @Test
    void theRewritesOnlyShrink(@TempDir Path dir) {
        List<String> a = rewrite(PREFIX + " evaluate sample:fmnist-cnn --data sample:fashion-mnist --limit 100 --out evaluate-out", dir, 3);
        assertEquals(List.of("evaluate", "sample:fmnist-cnn", "--data", "sample:fashion-mnist", "--limit", "1", "--out",
                dir.resolve("3-evaluate-out").toString(), "--infidelity-samples", "0", "--sensitivity-samples", "0",
                "--deletion-steps", "10"), a);
    }

    @TestFactory
    Stream<DynamicTest> everyDocumentedLineRuns(@TempDir Path dir) throws Exception {
        ModelFile.save(ModelFile.loadResource("/org/lde/models/fmnist-cnn.safetensors"), dir.resolve("my-model.safetensors"));
        PngImages.writeGrey(SampleData.fashionMnist().inputs().row(0).reshape(1, 28, 28), 0, 1, dir.resolve("a.png"));
        PngImages.writeGrey(SampleData.fashionMnist().inputs().row(1).reshape(1, 28, 28), 0, 1, dir.resolve("b.png"));
        try (java.io.InputStream in = ReadmeCommandsTest.class.getResourceAsStream("/org/lde/model/onnx/cnn.onnx")) {
            Files.copy(in, dir.resolve("model.onnx")); // a PyTorch-exported ONNX file (src/scripts/make-onnx-fixtures.py)
        }
        List<Line> all = lines();
        List<DynamicTest> tests = new ArrayList<>();
        for (int k = 0; k < all.size(); k++) {
            Line l = all.get(k);
            List<String> args = rewrite(l.text(), dir, k);
            tests.add(DynamicTest.dynamicTest(l.file() + ": " + l.text(), () -> {
                long t0 = System.nanoTime();
                CliTest.Result r = CliTest.run(args.toArray(String[]::new));
                System.out.printf("%s%n  ran as: lde %s (%.1f s)%n", l.text(), String.join(" ", args), (System.nanoTime() - t0) / 1e9);
                assertEquals(0, r.code(), "lde " + String.join(" ", args) + " failed:\n" + r.err());
                assertFalse(r.out().isBlank() && r.err().isBlank(), "lde " + String.join(" ", args) + " printed nothing");
                int out = args.indexOf("--out");
                if (out >= 0) {
                    assertTrue(Files.exists(Path.of(args.get(out + 1))), "nothing written to " + args.get(out + 1));
                }
            }));
        }
        return tests.stream();
    }
}
