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
import org.lde.certify.Specification;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.AttributionKind;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.RegressionGoal;
import org.lde.model.Dense;
import org.lde.model.FeatureScaling;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Task;
import org.lde.report.FeatureTable;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Tabular models in their features' units, against closed forms: the smallest L2 change of a linear
 * regression model, and interval arithmetic by hand on a small ReLU network, both computed in raw units
 * (an independent path from the engine's scaled space).
 */
class TabularModelsTest {
    private static final List<String> NAMES = List.of("age", "bmi", "dose");
    private static final List<String> UNITS = List.of("years", "kg/m^2", "mg");
    private static final double[] LO = {20, 15, 0};
    private static final double[] HI = {80, 45, 200};
    private static final FeatureScaling SCALING = new FeatureScaling(NAMES, UNITS, LO, HI, "test domains");

    /** {@code f(raw) = w . raw + b} as a network on scaled inputs: {@code a_j = w_j (hi_j - lo_j)}, {@code c = b + w . lo}. */
    private static Network linear(double[] w, double b) {
        double[] a = new double[3];
        double c = b;
        for (int j = 0; j < 3; j++) {
            a[j] = w[j] * (HI[j] - LO[j]);
            c += w[j] * LO[j];
        }
        Dense d = new Dense("fc", 3, 1, Tensor.of(Shape.of(1, 3), a), Tensor.of(Shape.of(1), c));
        return new Network(Shape.of(3), List.of(d), Task.REGRESSION, List.of("y"), 0, 1).withFeatures(SCALING);
    }

    @Test
    void theSmallestChangeOfALinearModelIsTheClosedFormInUnits() {
        double[] w = {0.5, -2.0, 0.05};
        Network net = linear(w, 3);
        double kappa = 4;
        double[] raw = {50, 30, 100};
        Tensor x = SCALING.toNetwork(Tensor.of(Shape.of(1, 3), raw), "x", null);
        LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive().kappa(kappa).regressionGoal(RegressionGoal.INCREASE)
                .maxOuterIterations(3).attribution(AttributionKind.DUAL_CONTRIBUTION).build();
        Explanation e;
        try (Backend b = Backends.cpu(net)) {
            e = ex.explain(b, x).get(0);
        }
        // minimize ||t||_2 (t the scaled change) s.t. a . t >= kappa: t = kappa a / ||a||^2; in units
        // change_j = (hi_j - lo_j) t_j = kappa w_j (hi_j - lo_j)^2 / sum_k (w_k (hi_k - lo_k))^2
        double s = 0;
        for (int j = 0; j < 3; j++) {
            s += Math.pow(w[j] * (HI[j] - LO[j]), 2);
        }
        double[] change = SCALING.changeToUnits(e.delta()).data();
        double moved = 0;
        for (int j = 0; j < 3; j++) {
            double expect = kappa * w[j] * Math.pow(HI[j] - LO[j], 2) / s;
            assertEquals(expect, change[j], 1e-9 * Math.max(1, Math.abs(expect)), NAMES.get(j));
            moved += w[j] * change[j];
        }
        assertEquals(kappa, moved, 1e-9); // the change in units moves the raw linear model by exactly kappa
        // the table: sorted by |attribution|; the dual contribution t_j (A^T lambda)_j with lambda = kappa / s is
        // kappa^2 (w_j (hi_j - lo_j))^2 / s^2 (summing to lambda kappa): bmi (|a| 60), age (30), dose (10)
        List<FeatureTable.Row> rows = FeatureTable.rows(SCALING, x.row(0), e, AttributionKind.DUAL_CONTRIBUTION);
        assertEquals(List.of("bmi", "age", "dose"), rows.stream().map(FeatureTable.Row::name).toList());
        for (FeatureTable.Row r : rows) {
            int j = r.feature();
            double phi = kappa * kappa * Math.pow(w[j] * (HI[j] - LO[j]), 2) / (s * s);
            assertEquals(phi, r.attribution(), 1e-12, r.name());
            assertEquals(raw[j], r.value(), 1e-9);
            assertEquals(r.value() + r.change(), r.newValue(), 1e-12);
            assertEquals(r.change() / (HI[j] - LO[j]), r.share(), 1e-12);
        }
        // the table's change is the verified point's (a forward pass confirmed it), in units
        assertTrue(e.verified());
        double[] vd = e.adversarial().get().delta().data();
        for (FeatureTable.Row r : rows) {
            assertEquals(vd[r.feature()] * (HI[r.feature()] - LO[r.feature()]), r.change(), 1e-12);
        }
    }

    /** A 3-2-1 ReLU network given in raw units; the engine's copy takes scaled inputs. */
    private static final double[][] W1 = {{0.1, -0.2, 0.01}, {-0.05, 0.3, 0.02}};
    private static final double[] B1 = {1, -2};
    private static final double[] W2 = {2, -1.5};
    private static final double B2 = 0.5;

    private static Network relu() {
        double[] w = new double[6];
        double[] b = B1.clone();
        for (int o = 0; o < 2; o++) {
            for (int j = 0; j < 3; j++) {
                w[o * 3 + j] = W1[o][j] * (HI[j] - LO[j]);
                b[o] += W1[o][j] * LO[j];
            }
        }
        Dense fc1 = new Dense("fc1", 3, 2, Tensor.of(Shape.of(2, 3), w), Tensor.of(Shape.of(2), b));
        Dense fc2 = new Dense("fc2", 2, 1, Tensor.of(Shape.of(1, 2), W2), Tensor.of(Shape.of(1), B2));
        return new Network(Shape.of(3), List.of(fc1, new ReLU("relu"), fc2), Task.REGRESSION, List.of("y"), 0, 1)
                .withFeatures(SCALING);
    }

    private static double rawOutput(double[] p) {
        double y = B2;
        for (int o = 0; o < 2; o++) {
            double h = B1[o];
            for (int j = 0; j < 3; j++) {
                h += W1[o][j] * p[j];
            }
            y += W2[o] * Math.max(0, h);
        }
        return y;
    }

    /** Interval arithmetic by hand, in raw units: the box x_j +- eps (hi_j - lo_j), intersected with [lo_j, hi_j]. */
    private static double[] byHand(double[] raw, double eps) {
        double[] lo = new double[3];
        double[] hi = new double[3];
        for (int j = 0; j < 3; j++) {
            lo[j] = Math.max(LO[j], raw[j] - eps * (HI[j] - LO[j]));
            hi[j] = Math.min(HI[j], raw[j] + eps * (HI[j] - LO[j]));
        }
        double outLo = B2;
        double outHi = B2;
        for (int o = 0; o < 2; o++) {
            double l = B1[o];
            double u = B1[o];
            for (int j = 0; j < 3; j++) {
                l += Math.min(W1[o][j] * lo[j], W1[o][j] * hi[j]);
                u += Math.max(W1[o][j] * lo[j], W1[o][j] * hi[j]);
            }
            l = Math.max(0, l);
            u = Math.max(0, u);
            outLo += Math.min(W2[o] * l, W2[o] * u);
            outHi += Math.max(W2[o] * l, W2[o] * u);
        }
        return new double[] {outLo, outHi};
    }

    @Test
    void theRegressionCertificateIsIntervalArithmeticInUnits() {
        Network net = relu();
        double[][] raws = {{50, 30, 100}, {22, 44, 5}, {79, 16, 190}};
        double[] eps = {0, 0.02, 0.1, 0.5};
        Tensor x = SCALING.toNetwork(Tensor.of(Shape.of(3, 3), raws[0][0], raws[0][1], raws[0][2], raws[1][0], raws[1][1],
                raws[1][2], raws[2][0], raws[2][1], raws[2][2]), "x", null);
        BoundResult ibp = Certifier.builder().method(Method.IBP).build().bounds(net, x, Specification.logits(), eps);
        BoundResult crown = Certifier.builder().method(Method.CROWN).build().bounds(net, x, Specification.logits(), eps);
        for (int i = 0; i < 3; i++) {
            for (int e = 0; e < eps.length; e++) {
                double[] h = byHand(raws[i], eps[e]);
                int k = i * eps.length + e;
                assertEquals(h[0], ibp.lower().data()[k], 1e-9, "IBP lower, sample " + i + " eps " + eps[e]);
                assertEquals(h[1], ibp.upper().data()[k], 1e-9, "IBP upper, sample " + i + " eps " + eps[e]);
                // CROWN is sound: the box's corners (raw units, through the raw network) lie inside its bounds
                for (int c = 0; c < 8; c++) {
                    double[] p = new double[3];
                    for (int j = 0; j < 3; j++) {
                        double w = eps[e] * (HI[j] - LO[j]);
                        p[j] = (c >> j & 1) == 0 ? Math.max(LO[j], raws[i][j] - w) : Math.min(HI[j], raws[i][j] + w);
                    }
                    double y = rawOutput(p);
                    assertTrue(crown.lower().data()[k] <= y + 1e-9 && y <= crown.upper().data()[k] + 1e-9, "CROWN at a corner");
                }
            }
        }
    }

    @Test
    void certifyPrintsOutputBoundsAndEpsInUnits(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("r.safetensors");
        ModelFile.save(relu(), model);
        Path csv = dir.resolve("t.csv");
        Files.writeString(csv, "age,bmi,dose,y\n50,30,100,1\n22,44,5,2\n");
        Path out = dir.resolve("c");
        CliTest.Result r = CliTest.run("certify", model.toString(), "--data", "csv:" + csv + ":y:regression", "--eps", "0.1",
                "--method", "ibp", "--threshold", "0", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        // 0.1 of each width: age 6 years, bmi 3 kg/m^2, dose 20 mg
        assertTrue(r.out().contains("age [years] +-6.000; bmi [kg/m^2] +-3.000; dose [mg] +-20.00"), r.out());
        JsonNode doc = new ObjectMapper().readTree(out.resolve("certify.json").toFile());
        for (int i = 0; i < 2; i++) {
            double[] h = byHand(i == 0 ? new double[] {50, 30, 100} : new double[] {22, 44, 5}, 0.1);
            JsonNode b = doc.get("samples").get(i).get("bounds").get(0);
            assertEquals(h[0], b.get("lower").asDouble(), 1e-9);
            assertEquals(h[1], b.get("upper").asDouble(), 1e-9);
        }
        assertEquals(20.0, doc.get("settings").get("features").get("epsInUnits").get(0).get("perFeature").get("dose").asDouble(), 1e-12);
        // a value outside the model's domain is refused, naming the row, the feature and the value
        Files.writeString(csv, "age,bmi,dose,y\n50,30,100,1\n22,46,5,2\n");
        r = CliTest.run("certify", model.toString(), "--data", "csv:" + csv + ":y:regression", "--eps", "0.1", "--out",
                dir.resolve("c2").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("row 1, feature 1 ('bmi') = 46.0 is outside the model's domain [15.0, 45.0]"), r.err());
        // columns that are not the model's features are refused
        Files.writeString(csv, "age,weight,dose,y\n50,30,100,1\n");
        r = CliTest.run("predict", model.toString(), "--data", "csv:" + csv + ":y:regression");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("column 1 is 'weight', the model's feature 1 is 'bmi'"), r.err());
    }

    @Test
    void explainPrintsTheFeaturesInUnitsSortedByAttribution(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("ex");
        CliTest.Result r = CliTest.run("explain", "sample:diabetes-mlp", "--data", "sample:diabetes", "--limit", "2", "--kappa",
                "20", "--perturbation", "additive", "--attribution", "path", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("output progression = ") && r.out().contains("bmi      kg/m^2"), r.out());
        List<String> lines = Files.readAllLines(out.resolve("features.csv"));
        assertEquals(FeatureTable.csvHeader(), lines.get(0));
        assertEquals(1 + 2 * 10, lines.size());
        double prev = Double.POSITIVE_INFINITY;
        for (int k = 1; k <= 10; k++) { // sample 0: ranks 1..10, |attribution| descending, change = share (hi - lo)
            String[] f = lines.get(k).split(",");
            double a = Math.abs(Double.parseDouble(f[11]));
            assertTrue(a <= prev, lines.get(k));
            prev = a;
            FeatureScaling s = ModelRef.open("sample:diabetes-mlp").features().orElseThrow();
            int j = Integer.parseInt(f[2]);
            assertEquals(Double.parseDouble(f[8]) * s.width(j), Double.parseDouble(f[6]), 1e-9 * s.width(j));
        }
    }

    @Test
    void trainStoresTrainingDomainsAndRefusesHeldOutValuesOutsideThem(@TempDir Path dir) {
        Path m = dir.resolve("bc.safetensors");
        CliTest.Result r = CliTest.run("train", "--arch", "breast-cancer-mlp", "--data", "sample:breast-cancer", "--holdout", "169",
                "--seed", "1", "--epochs", "1", "--feature-domains", "--domain-margin", "0.3", "--out", m.toString(), "--quiet");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("row 213, feature 14 ('smoothness error') = 0.03113 is outside the model's domain"), r.err());
        assertTrue(!Files.exists(m));
        r = CliTest.run("train", "--arch", "diabetes-mlp", "--data", "sample:diabetes", "--holdout", "88", "--seed", "1", "--epochs",
                "1", "--feature-domains", "--domain-margin", "0", "--units", "age=years;bmi=kg/m^2", "--out", m.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("R^2") && r.out().contains("RMSE"), r.out());
        FeatureScaling f = ModelFile.open(m).features().orElseThrow();
        assertEquals(List.of("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"), f.names());
        assertEquals("years", f.units().get(0));
        assertEquals("kg/m^2", f.units().get(2));
        assertEquals("", f.units().get(1));
        // margin 0: the domains are the training rows' exact ranges (the 354 rows that --holdout 88 --seed 1 leaves)
        org.lde.data.Dataset all = org.lde.data.SampleData.diabetes();
        int[] perm = new org.lde.tensor.Rng(1).permutation(442);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int k = 88; k < 442; k++) {
            double v = all.inputs().data()[perm[k] * 10 + 2];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        assertEquals(lo, f.lo()[2], 0);
        assertEquals(hi, f.hi()[2], 0);
    }
}
