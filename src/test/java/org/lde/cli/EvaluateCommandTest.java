package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.baseline.Baselines;
import org.lde.explain.baseline.Saliency;
import org.lde.metrics.Aopc;
import org.lde.metrics.AopcOptions;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.tensor.Tensor;

/** {@code lde evaluate} end to end on a tiny CNN and the embedded Fashion-MNIST sample. */
class EvaluateCommandTest {

    static Network tinyCnn() {
        return Network.builder(1, 28, 28).seed(17)
                .conv2d("conv1", 3, 3, 3, 2, 2, 1, 1).relu()
                .flatten().dense("fc", 10).build();
    }

    @Test
    void writesConsistentCsvJsonAndPngForEveryMethod(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.safetensors");
        ModelFile.save(tinyCnn(), model);
        Path out = dir.resolve("out");
        CliTest.Result r = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--limit", "3",
                "--infidelity-samples", "8", "--sensitivity-samples", "2", "--deletion-steps", "10", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> methods = new java.util.ArrayList<>(EvaluateCommand.methods().keySet());
        methods.removeAll(Baselines.variants().keySet()); // named variants run only when --methods names them
        methods.removeAll(EvaluateCommand.ldeVariants().keySet());
        assertTrue(methods.containsAll(Baselines.names()) && methods.contains("lde-deletion-zero-flip"), methods.toString());
        assertTrue(r.err().contains("[1/" + methods.size() + "] saliency"), "progress lines missing:\n" + r.err());
        for (String m : methods) {
            assertTrue(r.out().contains(m), "table misses " + m + ":\n" + r.out());
        }
        List<String> csv = Files.readAllLines(out.resolve("evaluate.csv"));
        assertEquals(methods.size() + 1, csv.size());
        List<String> header = List.of(csv.get(0).split(","));
        assertTrue(header.containsAll(List.of("aopc_morf", "aopc_lerf", "aopc_random", "deletion_auc", "insertion_auc",
                "infidelity", "max_sensitivity", "sec_per_sample", "patch_size", "steps_L", "step_patches_s", "baseline")), header.toString());
        // the printed table: full headers (issue 16: "infidelity_nor"), one cell per column, values as in the CSV
        List<String> lines = List.of(r.out().split("\n"));
        int h = 0;
        while (h < lines.size() && !lines.get(h).startsWith("method ")) {
            h++;
        }
        assertTrue(h < lines.size(), "no table header in:\n" + r.out());
        List<String> tableHeader = List.of(lines.get(h).trim().split(" +"));
        List<String> wantHeader = new java.util.ArrayList<>(List.of("method", "aopc_morf", "aopc_lerf", "aopc_random"));
        wantHeader.addAll(List.of(EvaluateCommand.METRIC_COLUMNS));
        assertEquals(wantHeader, tableHeader);
        for (int i = 0; i < methods.size(); i++) {
            String line = lines.get(h + 1 + i);
            String[] cells = line.trim().split(" +");
            assertEquals(wantHeader.size(), cells.length, line);
            assertEquals(methods.get(i), cells[0]);
            assertEquals(lines.get(h).length(), line.length(), "columns are not aligned:\n" + lines.get(h) + "\n" + line);
            String[] row = csv.get(i + 1).split(",");
            assertEquals(Double.parseDouble(row[header.indexOf("aopc_morf")]), Double.parseDouble(cells[1]), 0.5e-4, line);
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve("evaluate.json").toFile());
        assertEquals(2, json.get("aopcProtocol").get("patchSize").asInt());
        assertEquals(196, json.get("aopcProtocol").get("patchCount").asInt());
        assertEquals(20, json.get("aopcProtocol").get("stepsL").asInt());
        assertEquals(2, json.get("aopcProtocol").get("stepPatchesS").asInt());
        assertEquals("zero", json.get("aopcProtocol").get("baseline").asText());
        assertEquals(methods.size(), json.get("methods").size());
        assertTrue(json.get("robustnessOfExplanations").get("sensitivityClippedToDomain").asBoolean());
        for (int i = 0; i < methods.size(); i++) {
            JsonNode m = json.get("methods").get(i);
            String[] row = csv.get(i + 1).split(",");
            assertEquals(methods.get(i), m.get("method").asText());
            assertEquals(methods.get(i), row[0]);
            JsonNode morf = m.get("aopc").get("morf");
            double aopc = morf.get("aopc").asDouble();
            assertEquals(aopc, Double.parseDouble(row[header.indexOf("aopc_morf")]), 0, "CSV and JSON disagree for " + row[0]);
            // AOPC = mean of the per-sample values = mean drop of the mean curve
            double mean = 0;
            for (JsonNode v : morf.get("perSample")) {
                mean += v.asDouble() / 3;
            }
            assertEquals(aopc, mean, 1e-12);
            JsonNode curve = morf.get("meanCurve");
            assertEquals(21, curve.size());
            double fromCurve = 0;
            for (JsonNode v : curve) {
                fromCurve += (curve.get(0).asDouble() - v.asDouble()) / 21;
            }
            assertEquals(aopc, fromCurve, 1e-12);
            assertTrue(m.get("efficiency").get("forwardRows").asLong() > 0 || m.get("efficiency").get("reverseRows").asLong() > 0);
        }
        // pass counts: saliency is one gradient row per sample; 50-point IG is 50 rows plus the 2 end points
        JsonNode sal = json.get("methods").get(methods.indexOf("saliency")).get("efficiency");
        assertEquals(3, sal.get("forwardRows").asLong());
        assertEquals(3, sal.get("reverseRows").asLong());
        JsonNode ig = json.get("methods").get(methods.indexOf("ig-gl50")).get("efficiency");
        assertEquals(3 * 52, ig.get("forwardRows").asLong());
        assertEquals(3 * 50, ig.get("reverseRows").asLong());
        // IG's completeness delta: the library's per-sample deltas, averaged in absolute value
        try (Backend be = Backends.cpu(ModelFile.open(model))) {
            Tensor xs = SampleData.fashionMnist().inputs().slice(0, 3);
            int[] y = org.lde.engine.Evaluation.argmax(be.forward(xs));
            double[] deltas = new org.lde.explain.baseline.IntegratedGradients().explain(be, xs, y).completenessDelta();
            double mean = 0;
            for (double dl : deltas) {
                mean += Math.abs(dl) / 3;
            }
            assertEquals(mean, json.get("methods").get(methods.indexOf("ig-gl50")).get("igCompletenessDeltaMeanAbs").asDouble(), 1e-9);
            assertTrue(json.get("methods").get(methods.indexOf("saliency")).get("igCompletenessDeltaMeanAbs").isNull());
        }
        // the saliency figure equals the library's, computed independently
        Tensor x = SampleData.fashionMnist().inputs().slice(0, 3);
        try (Backend be = Backends.cpu(ModelFile.open(model))) {
            double want = Aopc.evaluate(be, Saliency.signed(), x, AopcOptions.defaults(), AopcOptions.Order.MORF).aopc();
            assertEquals(want, json.get("methods").get(0).get("aopc").get("morf").get("aopc").asDouble(), 1e-15);
        }
        for (String chart : List.of("morf.png", "lerf.png")) { // JFreeChart at twice the nominal 760 x 420
            BufferedImage png = ImageIO.read(out.resolve(chart).toFile());
            assertEquals(2 * 760, png.getWidth(), chart);
            assertEquals(2 * 420, png.getHeight(), chart);
        }
    }

    @Test
    void offsetSelectsTheSamePerSampleValuesAndTheIntervalHoldsTheMean(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.safetensors");
        ModelFile.save(tinyCnn(), model);
        String[] common = {"--data", "sample:fashion-mnist", "--methods", "saliency,lde:iters=2+attr=path", "--order", "morf",
            "--steps", "5", "--infidelity-samples", "0", "--sensitivity-samples", "0", "--deletion-steps", "4"};
        List<String> all = new java.util.ArrayList<>(List.of("evaluate", model.toString(), "--limit", "4", "--out", dir.resolve("a").toString()));
        all.addAll(List.of(common));
        List<String> tail = new java.util.ArrayList<>(List.of("evaluate", model.toString(), "--offset", "2", "--limit", "2",
                "--out", dir.resolve("b").toString()));
        tail.addAll(List.of(common));
        CliTest.Result ra = CliTest.run(all.toArray(new String[0]));
        CliTest.Result rb = CliTest.run(tail.toArray(new String[0]));
        assertEquals(0, ra.code(), ra.err());
        assertEquals(0, rb.code(), rb.err());
        ObjectMapper om = new ObjectMapper();
        JsonNode a = om.readTree(dir.resolve("a/evaluate.json").toFile());
        JsonNode b = om.readTree(dir.resolve("b/evaluate.json").toFile());
        assertEquals(2, b.get("offset").asInt());
        for (int m = 0; m < 2; m++) {
            JsonNode pa = a.get("methods").get(m).get("aopc").get("morf");
            JsonNode pb = b.get("methods").get(m).get("aopc").get("morf");
            for (int i = 0; i < 2; i++) {
                assertEquals(pa.get("perSample").get(i + 2).asDouble(), pb.get("perSample").get(i).asDouble(), 1e-12);
            }
            double lo = pb.get("ci95").get(0).asDouble();
            double hi = pb.get("ci95").get(1).asDouble();
            double mean = pb.get("aopc").asDouble();
            double min = Math.min(pb.get("perSample").get(0).asDouble(), pb.get("perSample").get(1).asDouble());
            double max = Math.max(pb.get("perSample").get(0).asDouble(), pb.get("perSample").get(1).asDouble());
            assertTrue(min <= lo && lo <= mean && mean <= hi && hi <= max, lo + " " + mean + " " + hi);
        }
        CliTest.Result bad = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--offset", "999",
                "--limit", "2", "--out", dir.resolve("c").toString());
        assertTrue(bad.code() != 0 && bad.err().contains("--offset 999"), bad.err());
    }

    @Test
    void onTabularDataTheImageOnlyMethodsAreLeftOutWithTheReasonStated(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("mlp.safetensors");
        ModelFile.save(org.lde.model.Architectures.breastCancerMlp(2), model);
        Path out = dir.resolve("out");
        CliTest.Result r = CliTest.run("evaluate", model.toString(), "--data", "sample:breast-cancer", "--limit", "2",
                "--patch", "1", "--steps", "10", "--step-patches", "2", "--infidelity-samples", "4", "--sensitivity-samples", "1",
                "--deletion-steps", "5", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("not evaluating gradcam: the network has no conv2d layer"), r.err());
        assertTrue(r.err().contains("not evaluating rise: inputs [30] are not images"), r.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("evaluate.json").toFile());
        assertTrue(r.err().contains("not evaluating lde-additive-flip: the samples lie outside the network's data domain"), r.err());
        assertTrue(r.err().contains("max-sensitivity perturbs them without clipping"), r.err());
        assertEquals(EvaluateCommand.methods().size() - 3 - Baselines.variants().size() - EvaluateCommand.ldeVariants().size(),
                json.get("methods").size());
        assertEquals(3, json.get("notApplicable").size());
        assertTrue(!json.get("robustnessOfExplanations").get("sensitivityClippedToDomain").asBoolean());
        assertEquals(30, json.get("aopcProtocol").get("patchCount").asInt());
        assertEquals(2, json.get("aopcProtocol").get("stepPatchesS").asInt());
        // asked for explicitly, an inapplicable method is an error, not a silent skip
        r = CliTest.run("evaluate", model.toString(), "--data", "sample:breast-cancer", "--limit", "2", "--methods", "gradcam",
                "--patch", "1", "--steps", "10", "--out", dir.resolve("o2").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("method 'gradcam' cannot run on") && r.err().contains("no conv2d layer"), r.err());
        assertTrue(!Files.exists(dir.resolve("o2")), "nothing is written on bad input");
    }

    @Test
    void badOptionsNameTheProblem(@TempDir Path dir) {
        Path model = dir.resolve("tiny.safetensors");
        ModelFile.save(tinyCnn(), model);
        CliTest.Result r = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--methods", "saliency,magic",
                "--out", dir.resolve("o").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown method 'magic'") && r.err().contains("saliency"), r.err());
        r = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--patch", "4", "--steps", "60",
                "--out", dir.resolve("o").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("only 49 patches"), r.err());
        r = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--removal-baseline", "blur",
                "--out", dir.resolve("o").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown --removal-baseline 'blur'"), r.err());
        // --baseline is the deletion model's baseline in explain; evaluate refuses it and names its own option
        r = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--baseline", "zero",
                "--out", dir.resolve("o").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--removal-baseline"), r.err());
        assertTrue(!Files.exists(dir.resolve("o").resolve("evaluate.csv")), "nothing is written on bad input");
    }

    @Test
    void theLiteratureProtocolIsStatedAndMatchesTheLibrary(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.safetensors");
        ModelFile.save(tinyCnn(), model);
        Path out = dir.resolve("out");
        CliTest.Result r = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--limit", "2",
                "--methods", "saliency,gradcam-nearest,ig-captum-trap50", "--patch", "1", "--steps", "100",
                "--schedule", "proportional", "--aggregation", "literature", "--order", "morf", "--infidelity-samples", "0",
                "--sensitivity-samples", "0", "--deletion-steps", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("AOPC protocol: 1x1 patches (P=784), L=100, proportional n_k=round_half_up(k*784/100) "
                + "(n_1=8, n_L=784)") && r.out().contains("ties by lower patch index, AOPC 1/L sum_{k=1..L}"), r.out());
        JsonNode json = new ObjectMapper().readTree(out.resolve("evaluate.json").toFile());
        assertEquals("proportional", json.get("aopcProtocol").get("schedule").asText());
        assertEquals(24, json.get("aopcProtocol").get("removedPatchesByStep").get(3).asInt());
        Tensor x = SampleData.fashionMnist().inputs().slice(0, 2);
        try (Backend be = Backends.cpu(ModelFile.open(model))) {
            double want = Aopc.evaluate(be, new org.lde.explain.baseline.GradCam().withUpsampling(
                    org.lde.explain.baseline.GradCam.Upsampling.NEAREST), x, AopcOptions.literature(), AopcOptions.Order.MORF).aopc();
            assertEquals(want, json.get("methods").get(1).get("aopc").get("morf").get("aopc").asDouble(), 1e-15);
        }
        r = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--schedule", "linear",
                "--out", dir.resolve("o").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown --schedule 'linear'"), r.err());
    }

    @Test
    void theWassersteinAttackRunsBesidePgd(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.safetensors");
        ModelFile.save(tinyCnn(), model);
        CliTest.Result r = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--limit", "2",
                "--methods", "saliency", "--infidelity-samples", "0", "--sensitivity-samples", "0", "--deletion-steps", "2",
                "--wasserstein-eps", "0.01", "--attack-steps", "1", "--out", dir.resolve("out").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("robust accuracy wasserstein(eps=0.01 per unit mass, alpha=0.1, steps=1, lambda=1000.0, window=5"),
                r.out());
        JsonNode json = new ObjectMapper().readTree(dir.resolve("out").resolve("evaluate.json").toFile());
        assertEquals(1, json.get("robustAccuracy").size());
        r = CliTest.run("evaluate", model.toString(), "--data", "sample:fashion-mnist", "--wasserstein-eps", "-1",
                "--out", dir.resolve("o").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--wasserstein-eps"), r.err());
    }
}
