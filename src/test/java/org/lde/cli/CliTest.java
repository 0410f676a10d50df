package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.data.Dataset;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.Architectures;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;

/** The {@code lde} command end to end: exit codes, printed figures checked against the library, error messages. */
class CliTest {

    record Result(int code, String out, String err) {
    }

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void infoPrintsEveryLayerAndTheParameterCount(@TempDir Path dir) {
        Network net = Architectures.fashionCnn(3);
        Path f = dir.resolve("cnn.safetensors");
        ModelFile.save(net, f);
        Result r = run("info", f.toString());
        assertEquals(0, r.code(), r.err());
        for (var l : net.layers()) {
            assertTrue(r.out().contains(l.name()), "missing layer " + l.name() + " in\n" + r.out());
        }
        assertTrue(r.out().contains(net.parameterCount() + " parameters"), r.out());
        assertTrue(r.out().contains("[16, 7, 7]"), "conv2 block output shape missing:\n" + r.out());
    }

    @Test
    void trainIsRepeatableAndPredictReportsTheLibrarysAccuracy(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        String[] args = {"train", "--arch", "breast-cancer-mlp", "--data", "sample:breast-cancer", "--holdout", "100",
            "--standardize", "--epochs", "3", "--batch", "32", "--seed", "7", "--out", a.toString()};
        Result r1 = run(args);
        assertEquals(0, r1.code(), r1.err());
        assertTrue(r1.err().contains("epoch 3/3"), "progress lines missing:\n" + r1.err());
        args[args.length - 1] = b.toString();
        Result r2 = run(args);
        assertEquals(0, r2.code(), r2.err());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same seed must give the same model bytes");

        Result p = run("predict", a.toString(), "--data", "sample:breast-cancer");
        assertEquals(0, p.code(), p.err());
        Matcher m = Pattern.compile("accuracy ([0-9.]+)% \\((\\d+)/(\\d+)\\)").matcher(p.out());
        assertTrue(m.find(), p.out());
        Dataset ds = SampleData.breastCancer();
        double expected;
        try (Backend be = Backends.cpu(ModelFile.open(a))) {
            expected = Evaluation.accuracy(be, ds.inputs(), ds.labels(), 100);
        }
        assertEquals(Math.round(expected * ds.size()), Long.parseLong(m.group(2)));
        assertEquals(ds.size(), Integer.parseInt(m.group(3)));
    }

    @Test
    void standardisationFoldedIntoTheFirstDenseLayerGivesTheSameLogits() {
        Network net = Architectures.breastCancerMlp(5);
        Rng rng = new Rng(11);
        Tensor raw = rng.uniform(Shape.of(9, 30), 0, 50);
        double[] mean = new double[30];
        double[] std = new double[30];
        TrainCommand.Standardize.fit(raw, mean, std);
        Tensor z = TrainCommand.Standardize.apply(raw, mean, std);
        Network folded = TrainCommand.Standardize.foldIntoFirstDense(net, mean, std, raw);
        try (Backend onStandardised = Backends.cpu(net); Backend onRaw = Backends.cpu(folded)) {
            Tensor want = onStandardised.forward(z);
            Tensor got = onRaw.forward(raw);
            assertTrue(got.relativeError(want) < 1e-12, "relative error " + got.relativeError(want));
        }
        // Independent check of the statistics on one feature.
        double s = 0;
        for (int i = 0; i < 9; i++) {
            s += raw.get(i, 4);
        }
        assertEquals(s / 9, mean[4], 1e-12);
    }

    @Test
    void errorsNameTheProblemAndExitWithOne(@TempDir Path dir) {
        Result r = run("train", "--arch", "resnet", "--data", "sample:mnist", "--out", dir.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown architecture 'resnet'") && r.err().contains("fmnist-cnn"), r.err());

        r = run("info", "sample:nope");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown sample model 'nope'"), r.err());

        r = run("info", dir.resolve("missing.safetensors").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("missing.safetensors") && r.err().contains("does not exist"), r.err());

        Path f = dir.resolve("mlp.safetensors");
        ModelFile.save(Architectures.fashionMlp(1), f);
        r = run("predict", f.toString(), "--data", "sample:breast-cancer");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("[1, 28, 28]") && r.err().contains("[30]"), r.err());

        r = run("predict", f.toString(), "--data", "sample:fashion-mnist", "--limit", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--limit 0"), r.err());

        r = run("train", "--arch", "fmnist-mlp", "--data", "sample:fashion-mnist", "--out", dir.resolve("y").toString(),
                "--optimizer", "rmsprop");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown optimizer 'rmsprop'"), r.err());
    }

    @Test
    void predictOnTheEmulatedKernelsGivesTheReferencePredictions(@TempDir Path dir) throws Exception {
        Path cpu = dir.resolve("cpu.csv");
        Path emu = dir.resolve("emu.csv");
        Result a = run("predict", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "24", "--out", cpu.toString());
        Result b = run("predict", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "24", "--out", emu.toString(),
                "--backend", "emulator");
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        java.util.List<String> ra = Files.readAllLines(cpu);
        java.util.List<String> rb = Files.readAllLines(emu);
        assertEquals(25, ra.size());
        assertEquals(ra.size(), rb.size());
        for (int i = 1; i < ra.size(); i++) {
            String[] x = ra.get(i).split(",");
            String[] y = rb.get(i).split(",");
            assertEquals(x[2], y[2], "prediction of sample " + (i - 1));
            for (int k = 3; k < x.length; k++) {
                double ref = Double.parseDouble(x[k]);
                double got = Double.parseDouble(y[k]);
                assertTrue(Math.abs(got - ref) <= 1e-4 * (1 + Math.abs(ref)), "logit " + (k - 3) + " of sample " + (i - 1)
                        + ": float32 kernels " + got + " vs float64 reference " + ref);
            }
        }
        Result c = run("predict", "sample:fmnist-mlp", "--data", "sample:fashion-mnist", "--limit", "2", "--backend", "tpu");
        assertEquals(1, c.code());
        assertTrue(c.err().contains("unknown backend kind 'tpu'"), c.err());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String c : new String[] {"info", "train", "predict"}) {
            Result r = run(c, "--help");
            assertEquals(0, r.code(), c);
            assertTrue(r.out().contains("Usage: lde " + c), r.out());
        }
    }
}
