package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code lde --version} names the build: the pom's version, and the commit git reports for this checkout. */
class VersionTest {

    /** The project's version, read from pom.xml independently of the filtered resource. */
    static String pomVersion() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<artifactId>lde</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "no project version in pom.xml");
        return m.group(1).trim();
    }

    /** git's standard output for {@code args} in the project folder, or null when git, the repository or the answer is absent. */
    static String git(String... args) {
        if (!Files.exists(Path.of(".git"))) {
            return null;
        }
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Test
    void versionNamesThePomVersionAndTheCommit() throws IOException {
        CliTest.Result r = CliTest.run("--version");
        assertEquals(0, r.code(), r.err());
        String line = r.out().trim();
        assertTrue(line.startsWith("lde " + pomVersion() + " "), line);
        String commit = git("rev-parse", "--short=12", "HEAD");
        if (commit != null) {
            // The resource was written when Maven last processed resources; a commit made since then
            // shows up as an older hash, so compare with HEAD only when the build is fresh enough:
            // the committed hash must at least be a commit of this repository.
            Matcher m = Pattern.compile("\\(commit ([0-9a-f]{7,40})( \\+ local changes)?\\)").matcher(line);
            assertTrue(m.find(), "no commit in: " + line);
            assertTrue(git("cat-file", "-e", m.group(1) + "^{commit}") != null, m.group(1) + " is not a commit of this repository: " + line);
        } else {
            assertTrue(line.contains("commit unknown"), line);
        }
    }

    @Test
    void everySubcommandsVersionOptionPrintsTheSameLine() {
        String want = CliTest.run("--version").out();
        for (String c : new String[] {"info", "train", "predict", "explain", "demo", "evaluate"}) {
            CliTest.Result r = CliTest.run(c, "--version");
            assertEquals(0, r.code(), r.err());
            assertEquals(want, r.out(), c + " --version");
        }
    }

    @Test
    void unresolvedPlaceholdersAreReportedAsUnknownNotPrinted() {
        Properties p = new Properties();
        p.setProperty("version", "1.2.3");
        p.setProperty("commit", "${lde.git.commit}");
        p.setProperty("dirty", "false");
        String line = Version.line(p);
        assertTrue(line.startsWith("lde 1.2.3 (commit unknown: built outside a git checkout)"), line);
        assertTrue(!line.contains("${"), line);

        p.setProperty("commit", "");
        assertTrue(Version.line(p).contains("commit unknown"), Version.line(p));

        p.setProperty("commit", "abcdef123456");
        p.setProperty("dirty", "true");
        assertTrue(Version.line(p).startsWith("lde 1.2.3 (commit abcdef123456 + local changes)"), Version.line(p));

        assertTrue(Version.line(new Properties()).startsWith("lde (version unknown"), Version.line(new Properties()));
    }
}
