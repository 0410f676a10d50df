package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.dual.Objective;
import org.lde.metrics.Fab;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;

/** {@code lde attack} end to end on a tiny CNN and the embedded Fashion-MNIST sample. */
class AttackCommandTest {

    @Test
    void writesTheTableCsvAndJsonWithFabAsTheReferenceOfTheRatios(@TempDir Path dir) throws Exception {
        Network net = EvaluateCommandTest.tinyCnn();
        Path model = dir.resolve("tiny.safetensors");
        ModelFile.save(net, model);
        Path out = dir.resolve("out");
        CliTest.Result r = CliTest.run("attack", model.toString(), "--data", "sample:fashion-mnist", "--limit", "3",
                "--methods", "lde,fab,deepfool", "--norms", "l2,linf", "--fab-iterations", "5", "--fab-restarts", "2",
                "--batch", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> csv = Files.readAllLines(out.resolve("attack.csv"));
        // l2: fab, lde, deepfool; linf: fab, lde (deepfool is L2 only)
        assertEquals(6, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(1).startsWith("l2,fab,3,"), csv.get(1));
        assertTrue(csv.get(4).startsWith("linf,fab,3,"), csv.get(4));
        JsonNode rows = new ObjectMapper().readTree(out.resolve("attack.json").toFile()).get("rows");
        Tensor x = SampleData.fashionMnist().inputs().slice(0, 3);
        try (Backend be = Backends.cpu(ModelFile.open(model))) {
            int[] y = Evaluation.argmax(be.forward(x));
            for (int k : new int[] {0, 3}) {
                JsonNode fabRow = rows.get(k);
                Objective o = k == 0 ? Objective.L2 : Objective.LINF;
                // FAB in the command is FAB through the API, batch by batch (seeds follow the index in the batch)
                Fab f = Fab.builder(o).iterations(5).restarts(2).build();
                Fab.Result a = f.run(be, x.slice(0, 2), new int[] {y[0], y[1]});
                Fab.Result b = f.run(be, x.slice(2, 3), new int[] {y[2]});
                double[] want = {a.normValue()[0], a.normValue()[1], b.normValue()[0]};
                int verified = 0;
                for (int i = 0; i < 3; i++) {
                    JsonNode v = fabRow.get("perSampleNorm").get(i);
                    if (Double.isFinite(want[i])) {
                        verified++;
                        assertEquals(want[i], v.asDouble(), 0, "sample " + i);
                    } else {
                        assertTrue(v.isNull());
                    }
                }
                assertEquals(verified, fabRow.get("verified").asInt());
                if (verified > 0) {
                    assertEquals(1.0, fabRow.get("medianRatioToFab").asDouble(), 0);
                }
                assertEquals(0, fabRow.get("missedWhereFabVerified").asInt());
                // per sample: 1 forward at x, then 2 forwards and 1 reverse per iteration and restart, 3 final-search steps at most
                assertTrue(fabRow.get("reversePerSample").asDouble() == 10, fabRow.toString());
                assertTrue(fabRow.get("reverseRowsPerSample").asDouble() == 100, fabRow.toString());
            }
        }
        assertTrue(r.out().contains("ratio_fab"), r.out());
    }

    @Test
    void badOptionsGiveOneClearLine() {
        CliTest.Result r = CliTest.run("attack", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--norms", "l3");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown norm 'l3'"), r.err());
        r = CliTest.run("attack", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--methods", "fab,pgd");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown method 'pgd'"), r.err());
    }

    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        double[] v = {1, 2, 4, 8};
        assertEquals(1.75, AttackCommand.quantile(v, 0.25), 1e-15);
        assertEquals(3, AttackCommand.quantile(v, 0.5), 1e-15);
        assertEquals(5, AttackCommand.quantile(v, 0.75), 1e-15);
        assertTrue(Double.isNaN(AttackCommand.quantile(new double[0], 0.5)));
    }
}
