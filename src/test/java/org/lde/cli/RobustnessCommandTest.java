package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.CountingBackend;
import org.lde.metrics.Pgd;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.MarkdownBlocks;

/** {@code lde robustness} and {@code lde report}: closed-form accuracy curves, resuming, the report page. */
class RobustnessCommandTest {

    /**
     * A linear 2-class model in a box too wide to bind: a sample is robust at budget {@code eps} exactly when it
     * is classified correctly and its margin {@code |m|} exceeds {@code eps ||w_1 - w_0||_1} (L_inf) or
     * {@code eps ||w_1 - w_0||_2} (L2). PGD with 20 steps of {@code 2.5 eps / 20} reaches that worst case.
     */
    @Test
    void accuracyCurvesOfALinearModelAreTheClosedForm() {
        int d = 9;
        int n = 40;
        Rng rng = new Rng(21);
        double[] w = new double[2 * d];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.uniform(-1, 1);
        }
        Network net = new Network(Shape.of(d), List.of(new Dense("fc", d, 2, new Tensor(Shape.of(2, d), w), Tensor.of(Shape.of(2), 0.1, -0.1))),
                Task.CLASSIFICATION, List.of(), -100, 100);
        double l1 = 0;
        double l2 = 0;
        for (int i = 0; i < d; i++) {
            double dw = w[d + i] - w[i];
            l1 += Math.abs(dw);
            l2 += dw * dw;
        }
        l2 = Math.sqrt(l2);
        Tensor x = rng.uniform(Shape.of(n, d), -2, 2);
        double[] margin = new double[n]; // f_label - f_other
        int[] labels = new int[n];
        for (int s = 0; s < n; s++) {
            double f0 = 0.1;
            double f1 = -0.1;
            for (int i = 0; i < d; i++) {
                f0 += w[i] * x.data()[s * d + i];
                f1 += w[d + i] * x.data()[s * d + i];
            }
            labels[s] = s % 7 == 3 ? (f0 >= f1 ? 1 : 0) : (f0 >= f1 ? 0 : 1); // every 7th sample mislabelled
            margin[s] = labels[s] == 0 ? f0 - f1 : f1 - f0;
        }
        try (CountingBackend be = new CountingBackend(Backends.open(net, "cpu"))) {
            RobustnessParts.Inputs in = new RobustnessParts.Inputs(be, x, labels, labels, x);
            for (Pgd.Norm norm : Pgd.Norm.values()) {
                double scale = norm == Pgd.Norm.LINF ? l1 : l2;
                // budgets just below a threshold margin / scale with no other threshold within 12% below them: L_inf PGD
                // reaches the worst corner exactly; L2 PGD from its random start ends at least cos(atan(1 / 2.5)) = 0.93
                // of the way (its step adds 2.5 eps along the gradient to a start of norm <= eps), so it must
                // reach every threshold below 0.93 eps and none above eps
                double[] th = java.util.Arrays.stream(margin).filter(v -> v > 0).map(v -> v / scale).sorted().toArray();
                List<Double> picked = new java.util.ArrayList<>(List.of(0.0));
                for (int i = 1; i < th.length && picked.size() < 4; i++) {
                    if (th[i - 1] < 0.88 * th[i]) {
                        picked.add(0.999 * th[i]);
                    }
                }
                picked.add(th[th.length - 1] * 1.5);
                assertTrue(picked.size() >= 4, "too few separated thresholds: " + java.util.Arrays.toString(th));
                double[] budgets = picked.stream().mapToDouble(Double::doubleValue).toArray();
                RobustnessParts.Part p = RobustnessParts.accuracyCurve("pgd", "test", budgets,
                        e -> RobustnessParts.pgd(in, norm, e, 20), () -> RobustnessParts.unattacked(be, x, labels), () -> { });
                List<?> rows = (List<?>) p.json().get("budgets");
                for (int b = 0; b < budgets.length; b++) {
                    int want = 0;
                    for (int s = 0; s < n; s++) {
                        want += margin[s] > budgets[b] * scale ? 1 : 0;
                    }
                    @SuppressWarnings("unchecked")
                    java.util.Map<String, Object> row = (java.util.Map<String, Object>) rows.get(b);
                    assertEquals(want, row.get("correct"), norm + " at budget " + budgets[b]);
                    assertEquals((double) want / n, (Double) row.get("robustAccuracy"), 1e-15);
                }
                assertEquals(0, ((java.util.Map<?, ?>) rows.get(budgets.length - 1)).get("correct"));
            }
        }
    }

    @Test
    void runsResumesAndReports(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        String[] args = {"robustness", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "3", "--parts",
            "pgd-linf,ablation,masking", "--linf-budgets", "0,0.05", "--pgd-steps", "3", "--dev-limit", "4", "--mask-counts", "5",
            "--bootstrap", "50", "--out", out.toString()};
        CliTest.Result r = CliTest.run(args);
        assertEquals(0, r.code(), r.err());
        Path m = out.resolve("fmnist-mlp");
        for (String p : List.of("pgd-linf", "ablation", "masking")) {
            assertTrue(Files.isRegularFile(m.resolve(p + ".json")), p);
            assertTrue(Files.isRegularFile(m.resolve(p + ".csv")), p);
        }
        JsonNode lin = new ObjectMapper().readTree(m.resolve("pgd-linf.json").toFile());
        assertTrue(lin.get("command").asText().startsWith("lde robustness sample:fmnist-mlp --data sample:fashion-mnist --limit 3"),
                lin.get("command").asText());
        // budget 0 is the clean accuracy of the first 3 images
        try (Backend be = Backends.open(ModelRef.open("sample:fmnist-mlp"), "cpu")) {
            Tensor x = org.lde.data.SampleData.fashionMnist().inputs().slice(0, 3);
            int[] y = org.lde.engine.Evaluation.argmax(be.forward(x));
            int ok = 0;
            for (int i = 0; i < 3; i++) {
                ok += y[i] == org.lde.data.SampleData.fashionMnist().labels()[i] ? 1 : 0;
            }
            assertEquals(ok, lin.get("budgets").get(0).get("correct").asInt());
        }
        String before = Files.readString(m.resolve("ablation.json"));
        CliTest.Result again = CliTest.run(args);
        assertEquals(0, again.code(), again.err());
        assertEquals(3, again.err().split("same settings: reused", -1).length - 1, again.err());
        assertEquals(before, Files.readString(m.resolve("ablation.json")));
        // another setting of one part: that part alone is computed again
        args[9] = "0,0.1";
        CliTest.Result changed = CliTest.run(args);
        assertEquals(0, changed.code(), changed.err());
        assertEquals(2, changed.err().split("same settings: reused", -1).length - 1, changed.err());
        assertNotEquals(lin.get("config").asText(), new ObjectMapper().readTree(m.resolve("pgd-linf.json").toFile()).get("config").asText());

        CliTest.Result rep = CliTest.run("report", "--results", out.toString(), "--evaluate",
                MarkdownBlocks.root().resolve("bench/results/evaluate/faithfulness/fmnist-mlp-k2").toString());
        assertEquals(0, rep.code(), rep.err());
        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("<img src=\"accuracy-linf.png\""), html);
        assertTrue(html.contains("<img src=\"morf-fmnist-mlp-k2.png\""), html);
        assertTrue(html.contains("Made by: <br><code>lde robustness sample:fmnist-mlp"), html);
        assertTrue(html.contains("The seeds&#39; claim") || html.contains("The seeds' claim"), html);
        for (String f : List.of("accuracy-linf.png", "morf-fmnist-mlp-k2.png", "accuracy.csv", "consistency.csv", "summary.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        List<String> acc = Files.readAllLines(out.resolve("accuracy.csv"));
        assertEquals(3, acc.size(), String.join("\n", acc)); // header, budgets 0 and 0.1
    }

    @Test
    void badOptionsAreNamed(@TempDir Path dir) {
        CliTest.Result r = CliTest.run("robustness", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--parts", "pgd,cw",
                "--out", dir.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("unknown part 'pgd'"), r.err());
        r = CliTest.run("robustness", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "600", "--out", dir.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("overlap"), r.err());
        r = CliTest.run("robustness", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--mask-counts", "2.5", "--out", dir.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--mask-counts: '2.5' is not an integer"), r.err());
        r = CliTest.run("report", "--results", dir.resolve("nothing").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("no results to report"), r.err());
    }
}
