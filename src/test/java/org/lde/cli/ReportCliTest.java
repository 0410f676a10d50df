package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.data.Datasets;

/**
 * The CLI's messages and defaults of issue 16: target mode, the eps default, one meaning of
 * {@code --baseline}, the Fashion-MNIST part, the train example, output folders (refusal, --overwrite,
 * files named by image index), progress and quiet, and {@code --compare}.
 */
class ReportCliTest {
    static final String MLP = "sample:fmnist-mlp";

    static CliTest.Result explain(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("explain", MLP, "--data", "sample:fashion-mnist", "--iterations", "1",
                "--out", out.toString()));
        a.addAll(Arrays.asList(more));
        return CliTest.run(a.toArray(String[]::new));
    }

    @Test
    void targetModeWithoutTargetSaysWhatToGive(@TempDir Path dir) {
        CliTest.Result r = explain(dir.resolve("o"), "--indices", "0", "--mode", "target");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--mode target needs --target CLASS") && r.err().contains("0..9"), r.err());
        assertFalse(r.err().contains("Builder") || r.err().contains("target(int)"), "no Java API advice: " + r.err());
        assertFalse(Files.exists(dir.resolve("o")), "nothing written");
    }

    @Test
    void targetEqualToThePredictionIsANote(@TempDir Path dir) throws Exception {
        // image 0 of the embedded Fashion-MNIST is an ankle boot (class 9), predicted as such; image 1 a pullover
        CliTest.Result r = explain(dir.resolve("o"), "--indices", "0,1", "--target", "9");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("note: --target 9 ('Ankle boot') is already the prediction for image [0]"), r.err());
        String line0 = r.out().lines().filter(l -> l.trim().startsWith("0 ")).findFirst().orElseThrow();
        assertTrue(line0.contains("already the target class") && line0.contains("nothing to change"), line0);
        assertFalse(line0.contains("r_hi 0.000"), line0);
        String line1 = r.out().lines().filter(l -> l.trim().startsWith("1 ")).findFirst().orElseThrow();
        assertFalse(line1.contains("already the target"), line1);
    }

    @Test
    void everyExplainerDefaultIsStatedAndBaselineMeansOneThing() {
        String explain = CliTest.run("explain", "--help").out();
        assertTrue(describe(explain, "--eps").contains("default: none"), describe(explain, "--eps"));
        assertTrue(describe(explain, "--baseline").contains("zero, mean or blur"), explain);
        String evaluate = CliTest.run("evaluate", "--help").out();
        assertFalse(evaluate.contains("--baseline"), "evaluate's option of another meaning has another name");
        assertTrue(describe(evaluate, "--removal-baseline").contains("default zero"), evaluate);
        // every option with a value states its default (or that there is none)
        for (String cmd : List.of("explain", "demo")) {
            String help = CliTest.run(cmd, "--help").out();
            for (String opt : List.of("--eps", "--compare", "--out", "--perturbation", "--iterations", "--baseline")) {
                assertTrue(describe(help, opt).contains("default"), cmd + " " + opt + " states no default: "
                        + describe(help, opt));
            }
        }
    }

    /** The description of {@code opt} in a picocli help text (its lines up to the next option), spaces collapsed. */
    static String describe(String help, String opt) {
        List<String> lines = help.lines().toList();
        StringBuilder sb = new StringBuilder();
        boolean in = false;
        for (String l : lines) {
            String t = l.trim();
            if (!in && sb.length() == 0 && (t.startsWith(opt + "=") || t.equals(opt) || t.matches(Pattern.quote(opt) + "\\s{2,}.*"))) {
                in = true;
            } else if (in && t.matches("(-\\w, )?--[\\w-]+(=\\S+)?(\\s{2,}.*)?")) { // the next option's first line
                break;
            }
            if (in) {
                sb.append(t).append(' ');
            }
        }
        assertTrue(sb.length() > 0, opt + " is not described");
        return sb.toString();
    }

    @Test
    void fashionMnistNeedsAPart() {
        CliTest.Result r = CliTest.run("predict", MLP, "--data", "fashion-mnist");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("say which part of Fashion-MNIST") && r.err().contains("fashion-mnist:test"), r.err());
        r = CliTest.run("predict", MLP, "--data", "fashion-mnist:/nowhere");
        assertTrue(r.err().contains("fashion-mnist:/nowhere:train"), r.err());
    }

    @Test
    void theTrainHelpExamplesExistAndTheFirstRuns(@TempDir Path dir) throws Exception {
        String help = CliTest.run("train", "--help").out().replaceAll("\\s+", " ");
        // every absolute path the help names exists, or is Debian's Fashion-MNIST folder with the apt-get line
        Matcher m = Pattern.compile("(?<![\\w.])/[\\w./-]+").matcher(help);
        while (m.find()) {
            String p = m.group().replaceAll("[).,]+$", "");
            assertTrue(Files.exists(Path.of(p)) || (p.equals(Datasets.DEBIAN_FASHION_MNIST_DIR)
                    && help.contains("apt-get install dataset-fashion-mnist")), "train --help names '" + p + "'");
        }
        Matcher ex = Pattern.compile("runs anywhere\\): lde (train [^\"]*?\\.safetensors)").matcher(help);
        assertTrue(ex.find(), help);
        List<String> args = new ArrayList<>(Arrays.asList(ex.group(1).split(" ")));
        int out = args.indexOf("--out");
        args.set(out + 1, dir.resolve(args.get(out + 1)).toString());
        CliTest.Result r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(dir.resolve("mlp.safetensors")) > 1000);
    }

    @Test
    void outputFolderIsRefusedWhenNotEmptyAndOverwriteReplacesTheOldReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("o");
        CliTest.Result r = explain(out, "--indices", "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out.resolve("panel-0005.png")) && Files.exists(out.resolve("img-0005-input.png")));
        Files.writeString(out.resolve("notes.txt"), "mine");
        r = explain(out, "--indices", "7");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is not empty") && r.err().contains("--overwrite"), r.err());
        assertFalse(Files.exists(out.resolve("panel-0007.png")), "a refused run writes nothing");
        r = explain(out, "--indices", "7", "--overwrite");
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(out.resolve("panel-0005.png")), "the earlier run's panel is gone");
        assertFalse(Files.exists(out.resolve("img-0005-input.png")), "the earlier run's tile is gone");
        assertTrue(Files.exists(out.resolve("panel-0007.png")));
        assertEquals("mine", Files.readString(out.resolve("notes.txt")), "files a report never writes are kept");
        assertTrue(r.err().contains("notes.txt"), r.err());
        assertEquals(1, Files.readAllLines(out.resolve("explanations.jsonl")).size());
    }

    @Test
    void filesAreNamedByTheImagesIndexInTheData(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("o");
        CliTest.Result r = explain(out, "--indices", "12,3");
        assertEquals(0, r.code(), r.err());
        for (int i : new int[] {12, 3}) {
            assertTrue(Files.exists(out.resolve(String.format("panel-%04d.png", i))), "panel " + i);
            assertTrue(Files.exists(out.resolve(String.format("img-%04d-input.png", i))), "tile " + i);
        }
        assertFalse(Files.exists(out.resolve("panel-0000.png")) || Files.exists(out.resolve("panel-0001.png")),
                "not named by position");
        List<String> jl = Files.readAllLines(out.resolve("explanations.jsonl"));
        ObjectMapper json = new ObjectMapper();
        assertEquals(12, json.readTree(jl.get(0)).get("index").asInt());
        assertEquals("panel-0012.png", json.readTree(jl.get(0)).get("panel").asText());
        assertEquals(3, json.readTree(jl.get(1)).get("index").asInt());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("12 sample:fashion-mnist#12")), r.out());
        r = explain(dir.resolve("p"), "--indices", "3,3");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("names an image twice"), r.err());
    }

    @Test
    void progressOnlyWhenAskedOrOnATerminalAndQuietSilencesStderr(@TempDir Path dir) {
        CliTest.Result r = explain(dir.resolve("a"), "--limit", "3", "--progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("3/3 images 100%") && r.err().contains("images/s") && r.err().contains("left 0:00"),
                r.err());
        r = explain(dir.resolve("b"), "--limit", "3");
        assertFalse(r.err().contains("images/s"), "tests have no terminal: no bar: " + r.err());
        r = explain(dir.resolve("c"), "--limit", "3", "--progress", "--quiet");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err().trim(), "--quiet: nothing on stderr");
    }

    @Test
    void trainingShowsProgressWithinEpochsAndQuietSilencesIt(@TempDir Path dir) {
        CliTest.Result r = CliTest.run("train", "--arch", "breast-cancer-mlp", "--data", "sample:breast-cancer", "--epochs", "2",
                "--batch", "100", "--progress", "--out", dir.resolve("a.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        // 569 samples in batches of 100: the bar counts samples over both epochs, ending at 1138
        assertTrue(r.err().contains("/1138 samples") && r.err().contains("1138/1138 samples 100%"), r.err());
        assertTrue(r.err().contains("epoch 1/2") && r.err().contains("epoch 2/2"), r.err());
        r = CliTest.run("train", "--arch", "breast-cancer-mlp", "--data", "sample:breast-cancer", "--epochs", "1",
                "--quiet", "--out", dir.resolve("b.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err().trim(), "--quiet: nothing on stderr");
        assertTrue(r.out().contains("saved"), r.out());
    }

    @Test
    void longRunWarningIsEstimatedFromTheFirstBatch() {
        assertNull(Progress.longRunWarning("explain", "images", 4, 100, 1.0, ""), "25 s is not long");
        String w = Progress.longRunWarning("explain", "images", 4, 256, 4.0, "--limit makes it shorter");
        assertTrue(w.contains("about 4:16 for 256 images (the first 4 took 4.0 s); --limit makes it shorter"), w);
        assertNull(Progress.longRunWarning("explain", "images", 4, 4, 400, ""), "nothing is left to warn about");
        assertEquals("1:01:01", Progress.clock(3661));
        String line = Progress.line("explain", "images", 32, 256, 16.0);
        assertEquals("explain [##------------------] 32/256 images  12%  2.00 images/s  elapsed 0:16  left 1:52", line);
    }

    @Test
    void compareDrawsOtherMethodsBesideLde(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("o");
        CliTest.Result r = explain(out, "--indices", "2", "--compare", "ig,saliency");
        assertEquals(0, r.code(), r.err());
        String html = Files.readString(out.resolve("index.html"));
        for (String m : List.of("ig-gl50", "saliency")) {
            String tile = "img-0002-compare-" + m + ".png";
            assertTrue(Files.exists(out.resolve(tile)), tile);
            assertTrue(html.contains("src=\"" + tile + "\""), tile);
        }
        assertTrue(html.contains("Attribution methods side by side"), html);
        r = explain(dir.resolve("p"), "--indices", "2", "--compare", "ig,telepathy");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown method 'telepathy'") && r.err().contains("occlusion"), r.err());
        assertFalse(Files.exists(dir.resolve("p")), "nothing written");
    }
}
