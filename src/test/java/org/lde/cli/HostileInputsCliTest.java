package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.data.IdxWriter;
import org.lde.model.BatchNorm2d;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Task;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Issue 14's hostile inputs through the {@code lde} command: each case checks the exit code, the
 * one-line message, and that nothing was written (the output file or folder does not exist).
 */
class HostileInputsCliTest {
    @TempDir
    Path dir;

    private static CliTest.Result run(String... args) {
        return CliTest.run(args);
    }

    private static void fails(CliTest.Result r, String... fragments) {
        assertEquals(1, r.code(), "exit code; stderr:\n" + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "stderr lacks '" + f + "':\n" + r.err());
        }
        assertFalse(r.err().contains("\tat "), "a stack trace escaped:\n" + r.err());
        assertFalse(r.err().contains(": null"), r.err());
    }

    /** Nothing was written under {@code dir} but the given inputs. */
    private void nothingWrittenBut(Path... inputs) throws Exception {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> !p.equals(dir)).forEach(found::add);
        }
        found.removeAll(List.of(inputs));
        assertTrue(found.isEmpty(), "written although the run failed: " + found);
    }

    /** The breast-cancer table's header and the rows whose target is {@code target} (0 malignant, 1 benign). */
    private Path breastCancerRows(String name, int target, String labelText) throws Exception {
        String all;
        try (var in = new GZIPInputStream(HostileInputsCliTest.class.getResourceAsStream(
                "/org/lde/data/breast-cancer/breast_cancer.csv.gz"))) {
            all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String[] lines = all.split("\n");
        StringBuilder sb = new StringBuilder(lines[0]).append('\n');
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].endsWith("," + target)) {
                sb.append(lines[i], 0, lines[i].lastIndexOf(',') + 1).append(labelText).append('\n');
            }
        }
        Path p = dir.resolve(name);
        Files.writeString(p, sb);
        return p;
    }

    private static Network dense30(double w) {
        double[] ws = new double[60];
        java.util.Arrays.fill(ws, w);
        return new Network(Shape.of(30), List.of(new Dense("fc", 30, 2, Tensor.of(Shape.of(2, 30), ws),
                Tensor.of(Shape.of(2), 0, 0))), Task.CLASSIFICATION, List.of("malignant", "benign"), 0, 1);
    }

    // ---- 1. finite in, finite out

    @Test
    void batchNormFoldingToInfinityIsAnErrorNamingTheLayer() throws Exception {
        Conv2d conv = new Conv2d("conv1", 1, 1, 1, 1, 1, 1, 0, 0, Tensor.of(Shape.of(1, 1, 1, 1), 1e300),
                Tensor.of(Shape.of(1), 0));
        BatchNorm2d bn = new BatchNorm2d("bn1", 1, Tensor.of(Shape.of(1), 1e10), Tensor.of(Shape.of(1), 0),
                Tensor.of(Shape.of(1), 0), Tensor.of(Shape.of(1), 1), 1e-5);
        Network net = new Network(Shape.of(1, 28, 28), List.of(conv, bn, new Flatten("f"),
                new Dense("fc", 784, 10, Tensor.zeros(Shape.of(10, 784)), Tensor.zeros(Shape.of(10)))),
                Task.CLASSIFICATION, List.of(), 0, 1);
        Path m = dir.resolve("bn.safetensors");
        ModelFile.save(net, m);
        Path out = dir.resolve("p.csv");
        fails(run("predict", m.toString(), "--data", "sample:fashion-mnist", "--limit", "2", "--out", out.toString()),
                "model file '" + m + "'", "layer 'bn1' (batchnorm2d) folded into 'conv1'", "non-finite");
        nothingWrittenBut(m);
    }

    @Test
    void weightsThatOverflowTheLogitsAreAnErrorAndNothingIsWritten() throws Exception {
        Path m = dir.resolve("big.safetensors");
        ModelFile.save(dense30(1e308), m);
        Path out = dir.resolve("p.csv");
        fails(run("predict", m.toString(), "--data", "sample:breast-cancer", "--limit", "3", "--out", out.toString()),
                "non-finite logit", "sample 0", "nothing was written");
        Path folder = dir.resolve("ex");
        fails(run("explain", m.toString(), "--data", "sample:breast-cancer", "--limit", "1", "--out", folder.toString()),
                "non-finite logit");
        nothingWrittenBut(m);
    }

    @Test
    void aCsvValueThatOverflowsFloat32IsNamedOnTheEmulator() throws Exception {
        Path m = dir.resolve("ok.safetensors");
        ModelFile.save(dense30(1e-3), m);
        Path csv = breastCancerRows("big.csv", 1, "1");
        List<String> lines = new ArrayList<>(Files.readAllLines(csv));
        lines.set(1, "1e39" + lines.get(1).substring(lines.get(1).indexOf(',')));
        Files.write(csv, lines);
        Path out = dir.resolve("p.csv");
        fails(run("predict", m.toString(), "--data", "csv:" + csv + ":target", "--limit", "2", "--backend", "emulator",
                "--out", out.toString()), "input x: element 0 = 1.0E39 overflows float32");
        Path w = dir.resolve("w.safetensors");
        ModelFile.save(dense30(1e39), w);
        fails(run("predict", w.toString(), "--data", "sample:breast-cancer", "--limit", "2", "--backend", "emulator",
                "--out", out.toString()), "layer 'fc' weight: element 0 = 1.0E39 overflows float32");
        nothingWrittenBut(m, csv, w);
    }

    // ---- 2. labels keep their meaning

    @Test
    void benignRowsStayBenignAndTheMappingIsPrinted() throws Exception {
        Path csv = breastCancerRows("benign.csv", 1, "1");
        CliTest.Result r = run("predict", "sample:breast-cancer-mlp", "--data", "csv:" + csv + ":target");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("-> model classes: 1 'benign' (357 samples)"), r.err());
        assertFalse(r.err().contains("'malignant' ("), r.err());
        java.util.regex.Matcher acc = java.util.regex.Pattern.compile("accuracy ([0-9.]+)%").matcher(r.out());
        assertTrue(acc.find() && Double.parseDouble(acc.group(1)) > 80, r.out());

        Path named = breastCancerRows("named.csv", 0, "malignant");
        CliTest.Result n = run("predict", "sample:breast-cancer-mlp", "--data", "csv:" + named + ":target");
        assertEquals(0, n.code(), n.err());
        assertTrue(n.err().contains("-> model classes: 0 'malignant' (212 samples)"), n.err());
        assertTrue(n.err().contains("'malignant' -> 0 'malignant'"), n.err());

        Path bad = breastCancerRows("bad.csv", 1, "7");
        Path out = dir.resolve("p.csv");
        fails(run("predict", "sample:breast-cancer-mlp", "--data", "csv:" + bad + ":target", "--out", out.toString()),
                "line 2", "class label '7' is neither one of the 2 class names [malignant, benign] nor a class index 0..1");
        assertFalse(Files.exists(out));
    }

    @Test
    void trainStatesTheMappingAndKeepsTheLabels() throws Exception {
        Path csv = breastCancerRows("benign.csv", 1, "benign");
        Path m = dir.resolve("t.safetensors");
        CliTest.Result r = run("train", "--arch", "breast-cancer-mlp", "--data", "csv:" + csv + ":target", "--epochs", "1",
                "--standardize", "--out", m.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("-> model classes: 1 'benign' (357 samples)"), r.err());
    }

    // ---- 3. memory bounded by what is read

    @Test
    void endlessCsvInputIsAnErrorNotAnExhaustedHeap() throws Exception {
        Path zero = Path.of("/dev/zero");
        if (!Files.exists(zero)) {
            return;
        }
        Path out = dir.resolve("p.csv");
        fails(run("predict", "sample:breast-cancer-mlp", "--data", "csv:/dev/zero", "--out", out.toString()),
                "/dev/zero: line 1 is longer than 4194304 characters");
        nothingWrittenBut();
    }

    @Test
    void modelFilesOverTwoGibAreRefused() throws Exception {
        Path p = dir.resolve("huge.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(5L << 29); // sparse
        }
        fails(run("info", p.toString()), "model file '" + p + "'", "this model is refused");
        Files.delete(p);
    }

    @Test
    void optionRangesAreCheckedBeforeAnythingRuns() throws Exception {
        Path out = dir.resolve("ex");
        fails(run("explain", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "1", "--baseline", "blur",
                "--blur-sigma", "3e8", "--out", out.toString()), "--blur-sigma 3.0E8 must be a finite number in (0, 28.0]");
        fails(run("explain", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "1", "--blur-sigma", "7.2e8",
                "--out", out.toString()), "--blur-sigma 7.2E8");
        fails(run("explain", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "1", "--batch", "0",
                "--out", out.toString()), "--batch 0 must be an integer in [1, 1000000]");
        Path ev = dir.resolve("ev");
        fails(run("evaluate", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "2", "--linf-eps", "0.1",
                "--attack-steps", "-1", "--out", ev.toString()), "--attack-steps -1 must be an integer in [1, 1000000]");
        fails(run("evaluate", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "0", "--out", ev.toString()),
                "--limit 0 must be an integer");
        fails(run("train", "--arch", "breast-cancer-mlp", "--data", "sample:breast-cancer", "--epochs", "0", "--out",
                dir.resolve("m.safetensors").toString()), "--epochs 0 must be an integer in [1, 1000000]");
        nothingWrittenBut();
    }

    @Test
    void outOfMemoryIsOneClearLine() {
        String m = Main.describe(new OutOfMemoryError("Java heap space"));
        assertTrue(m.startsWith("out of memory (Java heap space, maximum heap ") && m.contains("--limit") && !m.contains("\n"),
                m);
        String wrapped = Main.describe(new RuntimeException("worker failed", new OutOfMemoryError("Java heap space")));
        assertTrue(wrapped.startsWith("out of memory"), wrapped);
    }

    // ---- 4. model-file errors

    @Test
    void utf16HeadersAndOverflowingShapesAreModelFileErrors() throws Exception {
        String arch = "{\"input\":[2147483647,2147483647,2147483647],\"layers\":[{\"name\":\"f\",\"kind\":\"flatten\"}]}";
        String header = "{\"__metadata__\":{\"lde.architecture\":" + com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .build().writeValueAsString(arch) + "}}";
        Path p = dir.resolve("overflow.safetensors");
        Files.write(p, withLength(header.getBytes(StandardCharsets.UTF_8)));
        fails(run("info", p.toString()), "lde info: model file '" + p + "': invalid network", "overflows a long");
        Path u = dir.resolve("utf16.safetensors");
        Files.write(u, withLength(header.getBytes(StandardCharsets.UTF_16LE)));
        fails(run("info", u.toString()), "lde info: model file '" + u + "'", "safetensors headers are UTF-8");
    }

    private static byte[] withLength(byte[] header) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < 8; i++) {
            b.write((int) ((long) header.length >>> (8 * i)) & 0xff);
        }
        b.writeBytes(header);
        return b.toByteArray();
    }

    // ---- 5. empty inputs

    @Test
    void emptyInputsAreErrorsBeforeAnythingIsWritten() throws Exception {
        Path img = dir.resolve("empty-images");
        Path lab = dir.resolve("empty-labels");
        IdxWriter.write(img, new int[] {0, 28, 28}, new byte[0], false);
        IdxWriter.write(lab, new int[] {0}, new byte[0], false);
        Path out = dir.resolve("ex");
        fails(run("explain", "sample:fmnist-mlp", "--idx", img.toString(), "--out", out.toString()), "holds no images");
        fails(run("explain", "sample:fmnist-mlp", "--data", "idx:" + img + "," + lab, "--out", out.toString()),
                "holds no samples");
        Path p = dir.resolve("p.csv");
        fails(run("predict", "sample:fmnist-mlp", "--data", "idx:" + img + "," + lab, "--out", p.toString()),
                "holds no samples");
        fails(run("evaluate", "sample:fmnist-mlp", "--data", "idx:" + img + "," + lab, "--out", out.toString()),
                "holds no samples");
        Path csv = dir.resolve("header-only.csv");
        Files.writeString(csv, "a,b,target\n");
        fails(run("train", "--arch", "breast-cancer-mlp", "--data", "csv:" + csv, "--out",
                dir.resolve("m.safetensors").toString()), "no data lines after the header");
        nothingWrittenBut(img, lab, csv);
    }

    // ---- 7. lesser

    @Test
    void outNamingAnExistingFileIsAClearError() throws Exception {
        Path f = dir.resolve("afile");
        Files.writeString(f, "keep");
        fails(run("explain", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "1", "--out", f.toString()),
                "--out '" + f + "' is an existing file, not a folder");
        assertEquals("keep", Files.readString(f));
        nothingWrittenBut(f);
    }

    @Test
    void bmpAndCorruptPngInputsAreRefused() throws Exception {
        Path png = dir.resolve("a.png");
        org.lde.report.PngImages.writeGrey(Tensor.zeros(Shape.of(1, 28, 28)), 0, 1, png);
        byte[] b = Files.readAllBytes(png);
        b[b.length - 20] ^= 0x01; // inside the IDAT data or its CRC
        Path bad = dir.resolve("crc.png");
        Files.write(bad, b);
        Path out = dir.resolve("ex");
        fails(run("explain", "sample:fmnist-mlp", "--png", bad.toString(), "--out", out.toString()),
                "PNG '" + bad + "'", "CRC");
        Path bmp = dir.resolve("b.png");
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        javax.imageio.ImageIO.write(img, "bmp", bmp.toFile());
        fails(run("explain", "sample:fmnist-mlp", "--png", bmp.toString(), "--out", out.toString()),
                "is not a PNG file", "BMP");
        nothingWrittenBut(png, bad, bmp);
    }
}
