package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.model.ModelFile;
import org.lde.model.Network;

/**
 * Issue 14, case 6, through the real command: a subprocess {@code lde explain --out DIR} (the CLI's
 * main class on this test's class path) is sent SIGINT as soon as its first panel appears. Afterwards
 * no file in the folder is truncated: every PNG decodes, every line of {@code explanations.jsonl} is
 * a JSON object, every row of {@code explanations.csv} has the header's columns, and no temporary
 * file ({@code .NAME.RANDOM.tmp}) is left. Skipped, with the reason, where {@code kill -INT} is not
 * available (e.g. Windows). Bounded: the run is killed outright after 20 s.
 */
class InterruptedExplainTest {
    @TempDir
    Path dir;

    @Test
    void sigintDuringExplainLeavesNoTruncatedOrTemporaryFile() throws Exception {
        assumeTrue(!System.getProperty("os.name", "").toLowerCase().contains("win"), "SIGINT cannot be sent on Windows");
        Path kill = Stream.of("/bin/kill", "/usr/bin/kill").map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(kill != null, "no kill executable (/bin/kill, /usr/bin/kill) to send SIGINT with");
        // a small model so that the 400 panels, not the explaining, take the time
        Network net = Network.builder(1, 28, 28).seed(7).flatten().dense(10).build();
        Path model = dir.resolve("tiny.safetensors");
        ModelFile.save(net, model);
        Path out = dir.resolve("out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "explain", model.toString(), "--data", "sample:mnist", "--limit", "400", "--iterations", "1",
                "--batch", "100", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        boolean signalled = false;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (p.isAlive() && System.nanoTime() < deadline && !Files.exists(out.resolve("panel-0000.png"))) {
                Thread.sleep(5);
            }
            if (p.isAlive() && Files.exists(out.resolve("panel-0000.png"))) {
                int rc = new ProcessBuilder(kill.toString(), "-INT", Long.toString(p.pid())).inheritIO().start().waitFor();
                assumeTrue(rc == 0, "kill -INT " + p.pid() + " failed (exit " + rc + ")");
                signalled = true;
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "lde explain did not end within 20 s of SIGINT");
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String log = Files.readString(dir.resolve("log.txt"));
        assumeTrue(signalled || p.exitValue() != 0, "the run wrote every panel and ended before SIGINT could be sent"
                + " (a very fast machine); nothing was interrupted");
        assertTrue(signalled, "the run ended (exit " + p.exitValue() + ") before its first panel could be interrupted:\n" + log);
        assertTrue(p.exitValue() != 0, "an interrupted run must not exit 0:\n" + log);
        List<Path> files;
        try (Stream<Path> s = Files.list(out)) {
            files = s.sorted().toList();
        }
        assertFalse(files.isEmpty(), "at least the first panel was written");
        int panels = 0;
        for (Path f : files) {
            String name = f.getFileName().toString();
            assertFalse(name.startsWith(".") || name.endsWith(".tmp"), "temporary file left: " + name);
            if (name.endsWith(".png")) {
                assertNotNull(ImageIO.read(f.toFile()), name + " (" + Files.size(f) + " bytes) does not decode");
                panels++;
            } else if (name.equals("explanations.jsonl")) {
                for (String line : Files.readAllLines(f)) {
                    assertTrue(new ObjectMapper().readTree(line).isObject(), "not a JSON object: " + line);
                }
            } else if (name.equals("explanations.csv")) {
                List<String> rows = Files.readAllLines(f);
                int cols = rows.get(0).split(",", -1).length;
                for (String row : rows) {
                    assertEquals(cols, row.split(",", -1).length, "row with another number of columns: " + row);
                }
            } else {
                throw new AssertionError("unexpected file " + name);
            }
        }
        assertTrue(panels < 400, "the run was interrupted, so not every panel was written (" + panels + ")");
    }
}
