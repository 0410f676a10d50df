package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.data.IdxWriter;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.model.Architectures;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.report.PngImages;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** {@code lde explain} and {@code lde demo} end to end: files written, numbers equal to the API's, errors. */
class ExplainCliTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The embedded trained sample CNN (so that most explanations verify). */
    static final String SAMPLE = "sample:fmnist-cnn";

    static List<String> lines(Path p) throws Exception {
        return Files.readAllLines(p, StandardCharsets.UTF_8);
    }

    @Test
    void explainWritesPanelsJsonAndCsvWithTheApisNumbers(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        CliTest.Result r = CliTest.run("explain", SAMPLE, "--data", "sample:fashion-mnist", "--indices", "4,0,7",
                "--perturbation", "additive", "--iterations", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote 3 panels"), r.out());
        for (int i : new int[] {4, 0, 7}) { // named by the image's index in the data
            BufferedImage img = ImageIO.read(out.resolve(String.format("panel-%04d.png", i)).toFile());
            assertNotNull(img);
            assertEquals(8 + 4 * (130 + 8), img.getWidth());
            assertEquals(8 + 30 + 112 + 8 + 3 * 14 + 8, img.getHeight());
        }
        // The same explanations through the API.
        Network net = ModelFile.openResource("/org/lde/models/fmnist-cnn.safetensors");
        Tensor all = SampleData.fashionMnist().inputs();
        Tensor x = Tensor.stack(List.of(all.row(4), all.row(0), all.row(7)));
        List<Explanation> api;
        try (Backend be = Backends.cpu(net)) {
            api = LagrangeDualExplainer.builder().additive().maxOuterIterations(3).build().explain(be, x);
        }
        List<String> jl = lines(out.resolve("explanations.jsonl"));
        List<String> csv = lines(out.resolve("explanations.csv"));
        assertEquals(3, jl.size());
        assertEquals(4, csv.size(), "header and one row per image");
        List<String> header = List.of(csv.get(0).split(","));
        int[] labels = SampleData.fashionMnist().labels();
        int[] picked = {4, 0, 7};
        for (int i = 0; i < 3; i++) {
            Explanation e = api.get(i);
            JsonNode j = JSON.readTree(jl.get(i));
            String[] c = csv.get(i + 1).split(",", -1);
            assertEquals(header.size(), c.length);
            assertEquals("sample:fashion-mnist#" + picked[i], j.get("source").asText());
            assertEquals(labels[picked[i]], j.get("label").asInt());
            assertEquals(e.predictedClass(), j.get("predicted_class").asInt());
            assertEquals(e.chosenClass(), Integer.parseInt(c[header.indexOf("chosen_class")]));
            assertEquals(e.linearizedStatus().name(), c[header.indexOf("linearized_status")]);
            assertEquals(e.certificate().rLin(), j.get("r_lin").asDouble());
            assertEquals(e.certificate().rLin(), Double.parseDouble(c[header.indexOf("r_lin")]));
            assertEquals(e.certificate().linearizedRelativeGap(),
                    Double.parseDouble(c[header.indexOf("linearized_relative_gap")]));
            if (e.verified()) {
                assertEquals(e.certificate().rHi(), Double.parseDouble(c[header.indexOf("r_hi")]));
                assertEquals(e.certificate().rHi(), j.get("r_hi").asDouble());
                assertEquals("float64-backend", j.get("verified_by").asText());
            } else {
                assertTrue(j.get("r_hi").isNull(), "a missing r_hi is null in JSON");
                assertEquals("", c[header.indexOf("r_hi")]);
            }
            assertTrue(j.get("r_lo").isNull(), "r_lo not computed: null in JSON, not the string NaN");
            assertTrue(j.get("r_lo_over_r_hi").isNull());
            assertEquals("", c[header.indexOf("r_lo")]);
            assertEquals(e.forwardPasses(), j.get("forward_passes").asInt());
            assertEquals(e.reversePasses(), Integer.parseInt(c[header.indexOf("reverse_passes")]));
            assertEquals(e.outerIterations(), j.get("outer_iterations").asInt());
            assertEquals(e.dualContribution().relativeResidual(), Double.parseDouble(c[header.indexOf("dual_residual")]));
            assertEquals(e.pathAttribution().relativeResidual(), j.get("path_residual").asDouble());
            assertEquals(e.verified(), j.get("verified").asBoolean());
            assertEquals(e.adversarial().map(v -> v.outputClass()).orElse(-1), j.get("adversarial_class").asInt());
            assertEquals(e.lambda().data()[0], j.get("lambda").get(0).asDouble());
        }
    }

    @Test
    void explainReadsPngAndIdxImagesAndRejectsAWrongSize(@TempDir Path dir) throws Exception {
        Network net = Architectures.fashionCnn(2);
        Path m = dir.resolve("rand.safetensors");
        ModelFile.save(net, m);
        Tensor x = SampleData.fashionMnist().inputs().slice(0, 2);
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        PngImages.writeGrey(x.row(0), 0, 1, a);
        PngImages.writeGrey(x.row(1), 0, 1, b);
        // The embedded images are u8/255, so the PNG round trip is exact.
        assertEquals(0, PngImages.readGrey(List.of(a, b), 28, 28).maxAbsDiff(x), 1e-15);
        Path out = dir.resolve("png");
        CliTest.Result r = CliTest.run("explain", m.toString(), "--png", a.toString(), b.toString(), "--iterations", "1",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> jl = lines(out.resolve("explanations.jsonl"));
        assertEquals(2, jl.size());
        assertEquals("b.png", JSON.readTree(jl.get(1)).get("source").asText());
        assertEquals(-1, JSON.readTree(jl.get(1)).get("label").asInt());

        Path idx = dir.resolve("imgs-idx3-ubyte");
        IdxWriter.writeImages(idx, x.reshape(Shape.of(2, 28, 28)), false);
        Path out2 = dir.resolve("idx");
        r = CliTest.run("explain", m.toString(), "--idx", idx.toString(), "--iterations", "1", "--out", out2.toString());
        assertEquals(0, r.code(), r.err());
        // Same images, same explanations: the JSON rows agree except for the source.
        List<String> jl2 = lines(out2.resolve("explanations.jsonl"));
        for (int i = 0; i < 2; i++) {
            JsonNode p = JSON.readTree(jl.get(i));
            JsonNode q = JSON.readTree(jl2.get(i));
            assertEquals(p.get("r_lin").asDouble(), q.get("r_lin").asDouble());
            assertEquals(p.get("chosen_class").asInt(), q.get("chosen_class").asInt());
        }

        BufferedImage small = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
        Path s = dir.resolve("small.png");
        ImageIO.write(small, "png", s.toFile());
        r = CliTest.run("explain", m.toString(), "--png", a.toString(), s.toString(), "--out", dir.resolve("bad").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("small.png") && r.err().contains("20x20"), r.err());
        assertTrue(!Files.exists(dir.resolve("bad")), "nothing written on bad input");

        r = CliTest.run("explain", m.toString(), "--png", a.toString(), "--data", "sample:mnist");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("exactly one of --data, --idx, --png"), r.err());
        r = CliTest.run("explain", m.toString(), "--data", "sample:fashion-mnist", "--limit", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--limit 0"), r.err());
        r = CliTest.run("explain", m.toString(), "--data", "sample:fashion-mnist", "--limit", "1", "--baseline", "fog");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--baseline 'fog'") && r.err().contains("blur"), r.err());
        r = CliTest.run("explain", m.toString(), "--data", "sample:fashion-mnist", "--limit", "1", "--eps", "0.1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("ADDITIVE"), r.err());
    }

    @Test
    void demoWritesAnIndexThatShowsEveryPanel(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        CliTest.Result r = CliTest.run("demo", "--count", "3", "--out", out.toString(), "--iterations", "2");
        assertEquals(0, r.code(), r.err());
        Path index = out.resolve("index.html");
        assertTrue(r.out().contains("open " + index.toAbsolutePath()), r.out());
        String html = Files.readString(index);
        List<String> jl = lines(out.resolve("explanations.jsonl"));
        assertEquals(3, jl.size());
        for (int i = 0; i < 3; i++) {
            String panel = String.format("panel-%04d.png", i);
            assertNotNull(ImageIO.read(out.resolve(panel).toFile()));
            for (String tile : List.of("input", "attribution", "delta")) {
                String name = String.format("img-%04d-%s.png", i, tile);
                assertTrue(html.contains("src=\"" + name + "\""), "index misses " + name);
                assertNotNull(ImageIO.read(out.resolve(name).toFile()), name);
            }
            JsonNode j = JSON.readTree(jl.get(i));
            assertTrue(html.contains(j.get("predicted_name").asText()));
        }
        assertFalse(r.err().contains("images/s"), "no progress bar without a terminal or --progress: " + r.err());
        assertTrue(r.err().contains("sample:fmnist-cnn"), r.err());
        assertTrue(html.contains("verified: a perturbation confirmed by a float64 forward pass"), html);
        // Honest labels (METHOD.md section 4): the interval, r_lo "not computed" without --certify, no NaN shown,
        // r_lin never called certified.
        assertTrue(html.contains("r_lo not computed &lt;= r_true &lt;= r_hi"), html);
        assertFalse(html.contains("NaN"), html);
        assertFalse(html.contains("certified lower bound"), html);
        assertTrue(html.contains("linearized at x (local, not a network bound")
                || html.contains("linearization at x infeasible in the box (local, not a network bound"), html);
        for (int i = 0; i < 3; i++) {
            JsonNode j = JSON.readTree(jl.get(i));
            assertTrue(j.get("r_lo").isNull());
            if (j.get("verified").asBoolean()) {
                assertTrue(html.contains("r_hi " + String.format(java.util.Locale.ROOT, "%.4g", j.get("r_hi").asDouble())
                        + " verified"), html);
                assertTrue(html.contains("(confirmed by float64-backend)"), html);
            } else {
                assertTrue(j.get("r_hi").isNull());
                assertTrue(html.contains("r_hi: none verified"), html);
            }
        }
        assertFalse(r.out().contains("NaN"), r.out());
        assertTrue(r.out().contains("r_lo not computed"), r.out());
    }

    @Test
    void certifyComputesRLoBelowEveryVerifiedRHi(@TempDir Path dir) throws Exception {
        // The real certifier (package certify, CROWN) behind --certify, on the sample MLP in L_inf: every r_lo is
        // a number, at most the float64-verified r_hi of the same explanation, and positive where the decision
        // has any margin (CROWN certifies most of these images at L_inf 0.001, see the README).
        Path crown = dir.resolve("crown");
        CliTest.Result r = CliTest.run("explain", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "4",
                "--perturbation", "additive", "--objective", "linf", "--certify", "--out", crown.toString());
        assertEquals(0, r.code(), r.err());
        int positive = 0;
        for (String line : lines(crown.resolve("explanations.jsonl"))) {
            JsonNode j = JSON.readTree(line);
            assertFalse(j.get("r_lo").isNull(), line);
            double rLo = j.get("r_lo").asDouble();
            assertTrue(rLo >= 0, line);
            if (j.get("verified").asBoolean()) {
                assertTrue(rLo <= j.get("r_hi").asDouble(), line);
            }
            positive += rLo > 0 ? 1 : 0;
        }
        assertTrue(positive >= 2, "CROWN certified only " + positive + " of 4");
        CliTest.Result bad = CliTest.run("explain", SAMPLE, "--data", "sample:fashion-mnist", "--limit", "1", "--certify",
                "--certify-method", "lp", "--out", dir.resolve("none").toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("lp"), bad.err());
        assertFalse(Files.exists(dir.resolve("none")), "nothing written");
        // With a certifier (a test double: half of the verified r_hi is not sound in general, so it returns 0
        // here, the always-sound radius) the CLI prints and writes r_lo and r_lo / r_hi.
        ExplainCommand cmd = new ExplainCommand();
        new picocli.CommandLine(cmd).parseArgs(SAMPLE, "--data", "sample:fashion-mnist", "--indices", "0,1",
                "--perturbation", "additive", "--iterations", "2");
        Network net = ModelRef.open(SAMPLE);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().maxOuterIterations(2)
                .certify((be, x, labels, norm) -> new double[labels.length]).build();
        Path out = dir.resolve("cert");
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        List<Explanation> all;
        try {
            System.setOut(new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
            all = ExplainCommand.run(net, ex, cmd.load(net), out, 2, cmd.options, cmd.report, "explain", "t", "d");
        } finally {
            System.setOut(old);
        }
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("r_lo 0.000 certified <= r_true <= r_hi"), printed);
        String page = Files.readString(out.resolve("index.html"));
        // the interval line (a JFreeChart PNG, see FigureReportTest): its image states r_lo in its text, or, with
        // nothing verified and r_lo = 0, the sentence that replaces it says so
        for (int i = 0; i < 2; i++) {
            String png = String.format("img-%04d-interval.png", i);
            boolean drawn = page.contains("<img class=\"interval\" src=\"" + png + "\"");
            assertEquals(drawn, Files.exists(out.resolve(png)), png);
            assertTrue(drawn ? page.contains("alt=\"r_lo 0.000 certified") : page.contains("none verified, r_lo = 0"),
                    "the interval line marks r_lo: " + png);
        }
        assertTrue(page.contains("certified radius r_lo computed (--certify)</th><td>2 of 2"), page);
        List<String> jl = lines(out.resolve("explanations.jsonl"));
        for (int i = 0; i < 2; i++) {
            JsonNode j = JSON.readTree(jl.get(i));
            assertEquals(0.0, j.get("r_lo").asDouble());
            assertEquals(all.get(i).certificate().rLo(), j.get("r_lo").asDouble());
            if (all.get(i).verified()) {
                assertEquals(0.0, j.get("r_lo_over_r_hi").asDouble());
            }
        }
    }
}
