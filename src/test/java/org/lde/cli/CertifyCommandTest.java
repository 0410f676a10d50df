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
import org.lde.certify.BoundResult;
import org.lde.certify.Certifier;
import org.lde.certify.Method;
import org.lde.certify.RadiusOptions;
import org.lde.certify.Specification;
import org.lde.data.Datasets;
import org.lde.engine.bound.Norm;
import org.lde.model.Network;
import org.lde.tensor.Tensor;

/** {@code lde certify}: the printed table, CSV and JSON agree with the library; bad options are named. */
class CertifyCommandTest {

    @Test
    void certifyWritesTheLibrarysBoundsAndRadii(@TempDir Path dir) throws Exception {
        CliTest.Result r = CliTest.run("certify", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "3",
                "--norm", "l2", "--eps", "0.01,0.2", "--radius", "--method", "crown-ibp", "--tolerance", "1e-3", "--out",
                dir.toString(), "--progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("3/3 images 100%"), "progress line missing:\n" + r.err());
        // the table sizes its columns (issue 16): full headers, every line as wide as the header
        List<String> table = r.out().lines().takeWhile(l -> !l.startsWith("eps ")).toList();
        assertTrue(table.get(0).startsWith("#") && table.get(0).contains("eps 0.01 (min margin lower)")
                && table.get(0).endsWith("r_lo"), table.get(0));
        assertEquals(4, table.size(), r.out());
        assertEquals(1, table.stream().map(String::length).distinct().count(), String.join("\n", table));

        Network net = ModelRef.open("sample:fmnist-mlp");
        Tensor x = Datasets.load("sample:fashion-mnist").inputs().slice(0, 3);
        Certifier c = Certifier.builder().method(Method.CROWN_IBP).norm(Norm.L2).build();
        BoundResult b = c.bounds(net, x, Specification.predictedMargins(), 0.01, 0.2);
        double[] radius = c.certifiedRadius(net, x, b.anchors(), RadiusOptions.defaults().withTolerance(1e-3));
        for (int e = 0; e < 2; e++) {
            int count = 0;
            for (int n = 0; n < 3; n++) {
                count += b.certified(n, e) ? 1 : 0;
            }
            assertTrue(r.out().contains("eps " + (e == 0 ? "0.01" : "0.2") + ": certified " + count + "/3 (crown-ibp, l2)"), r.out());
        }

        JsonNode doc = new ObjectMapper().readTree(dir.resolve("certify.json").toFile());
        assertEquals("l2", doc.get("settings").get("norm").asText());
        assertEquals("crown-ibp", doc.get("settings").get("method").asText());
        assertEquals(1e-3, doc.get("settings").get("tolerance").asDouble());
        for (int n = 0; n < 3; n++) {
            JsonNode img = doc.get("images").get(n);
            assertEquals(radius[n], img.get("certifiedRadius").asDouble(), 0);
            assertEquals(b.anchors()[n], img.get("predicted").asInt());
            for (int e = 0; e < 2; e++) {
                JsonNode pe = img.get("bounds").get(e);
                assertEquals(b.certified(n, e), pe.get("certified").asBoolean());
                assertEquals(b.minLower(n, e), pe.get("minMarginLower").asDouble(), 0);
                assertEquals(b.lower().data()[(n * 2 + e) * 9], pe.get("marginLower").get(0).asDouble(), 0);
            }
        }
        List<String> csv = Files.readAllLines(dir.resolve("certify.csv"));
        assertEquals(1 + 3 * 2, csv.size());
        assertTrue(csv.get(0).contains("norm,method,tolerance"), csv.get(0));
        assertTrue(csv.get(1).contains(",l2,crown-ibp,0.001,"), csv.get(1));
        assertTrue(csv.get(1).endsWith("," + radius[0]), csv.get(1));
    }

    @Test
    void certifyNamesBadOptions(@TempDir Path dir) {
        CliTest.Result r = CliTest.run("certify", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "2",
                "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--eps") && r.err().contains("--radius"), r.err());
        r = CliTest.run("certify", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "2", "--eps", "0.1",
                "--method", "deeppoly", "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown bound method 'deeppoly'"), r.err());
        r = CliTest.run("certify", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "2", "--eps", "0.1",
                "--norm", "l1", "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown norm 'l1'"), r.err());
        r = CliTest.run("certify", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "2", "--eps", "-0.1",
                "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--eps"), r.err());
    }
}
