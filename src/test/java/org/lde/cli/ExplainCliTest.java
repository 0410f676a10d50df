package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        for (int i = 0; i < 3; i++) {
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
            assertEquals(e.status().name(), c[header.indexOf("status")]);
            assertEquals(e.certificate().normLowerBound(), j.get("norm_lower_bound").asDouble());
            assertEquals(e.certificate().normLowerBound(), Double.parseDouble(c[header.indexOf("norm_lower_bound")]));
            assertEquals(e.certificate().relativeGap(), Double.parseDouble(c[header.indexOf("relative_gap")]));
            assertEquals(e.certificate().verifiedUpperBound(), Double.parseDouble(c[header.indexOf("r_hi")]));
            assertEquals(Double.toString(e.certificate().verifiedUpperBound()), j.get("r_hi").asText());
            assertEquals("NaN", c[header.indexOf("r_lo")]);
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
            assertEquals(p.get("norm_lower_bound").asDouble(), q.get("norm_lower_bound").asDouble());
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
            assertTrue(html.contains("src=\"" + panel + "\""), "index misses " + panel);
            assertNotNull(ImageIO.read(out.resolve(panel).toFile()));
            JsonNode j = JSON.readTree(jl.get(i));
            assertTrue(html.contains(j.get("predicted_name").asText()));
        }
        assertTrue(r.err().contains("explained 3/3"), r.err());
        assertTrue(r.err().contains("sample:fmnist-cnn"), r.err());
        assertTrue(html.contains("have a verified adversarial point"), html);
    }
}
