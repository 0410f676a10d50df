package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;

/** Save/load is exact to the bit, deterministic, and covers every layer kind. */
class ModelFileRoundTripTest {

    /**
     * A random CNN with every layer kind and sizes that are not multiples of anything, whose
     * parameters are then overwritten with random finite bit patterns (every exponent, subnormals,
     * signed zeros) so that only a bit-exact format can round-trip them.
     */
    static Network randomCnn(long seed) {
        Rng r = new Rng(seed);
        int c = 1 + r.nextInt(3);
        int h = 6 + r.nextInt(4);
        int w = 6 + r.nextInt(5);
        Network.Builder b = Network.builder(c, h, w).seed(seed);
        int k = 1 + 2 * r.nextInt(2); // 1 or 3
        b.conv2d("conv_a", 2 + r.nextInt(4), k, 3, 1, 1 + r.nextInt(2), k / 2, 1);
        if (r.nextInt(2) == 0) {
            b.batchNorm("bn_a");
        }
        b.relu();
        b.add(new MaxPool2d("mp", 2, 2, 2, 1 + r.nextInt(2), r.nextInt(2), 0));
        b.add(new AvgPool2d("ap", 3, 2, 1, 1, 1, 1));
        b.conv2d("conv_b", 1 + r.nextInt(3), 2, 2, 1, 1, 0, 0).batchNorm("bn_b").relu();
        b.flatten().dense("fc1", 3 + r.nextInt(5)).relu();
        boolean regression = r.nextInt(3) == 0;
        if (regression) {
            b.task(Task.REGRESSION).dense("out", 1);
        } else {
            int classes = 2 + r.nextInt(4);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < classes; i++) {
                names.add("class \"" + i + "\" \u00e9\\"); // quotes, backslash and non-ASCII in names
            }
            b.classNames(names).dense("out", classes);
        }
        b.domain(-r.uniform(0, 3), 0.1 + r.uniform(0, 300));
        Network n = b.build();
        scramble(n, r);
        return n;
    }

    /**
     * A random graph network with forks and joins and the kinds {@link #randomCnn} lacks: a stem
     * convolution forks into a grouped, dilated branch (sometimes leaky, sometimes a BatchNorm that
     * reads a fork, i.e. an affine node once folded) and a sigmoid or tanh branch; they are added
     * (residual) or concatenated; a global average pool branch is reshaped and concatenated with the
     * flattened features; a dense layer with batchnorm1d, dropout and identity ends it. Sizes vary with
     * the seed; parameters are then scrambled as in {@link #randomCnn}.
     */
    static Network randomGraph(long seed) {
        Rng r = new Rng(seed);
        int c = 1 + r.nextInt(3);
        int h = 5 + r.nextInt(4);
        int w = 5 + r.nextInt(4);
        Network.Builder b = Network.builder(c, h, w).seed(seed);
        int groups = 1 + r.nextInt(3);
        int ch = groups * (1 + r.nextInt(2));
        b.conv2d("stem", ch, 3, 3, 1, 1, 1, 1).relu();
        String stem = b.last();
        int d = 1 + r.nextInt(2);
        b.conv2d("gd", ch, 3, 3, 1, 1, d, d, groups, d, d); // same size: pad = dilation for a 3x3 kernel
        if (r.nextInt(2) == 0) {
            b.leakyRelu(r.uniform(0.01, 0.3));
        } else {
            b.batchNorm("bn_gd"); // reads gd alone: folds into it
        }
        String a = b.last();
        b.from(stem).batchNorm("bn_fork"); // reads the stem's ReLU, which has other readers: affine when folded
        String f = b.last();
        double[] wa = new double[ch];
        double[] ba = new double[ch];
        for (int i = 0; i < ch; i++) {
            wa[i] = r.uniform(0.5, 1.5);
            ba[i] = r.uniform(-0.1, 0.1);
        }
        b.node(new Affine("aff", ch, new Tensor(org.lde.tensor.Shape.of(ch), wa), new Tensor(org.lde.tensor.Shape.of(ch), ba)),
                f);
        if (r.nextInt(2) == 0) {
            b.sigmoid();
        } else {
            b.tanh();
        }
        String s2 = b.last();
        boolean residual = r.nextInt(2) == 0;
        if (residual) {
            b.residual(a, s2, stem);
        } else {
            b.concat(a, s2);
        }
        String j = b.last();
        b.globalAvgPool();
        int chj = residual ? ch : 2 * ch;
        b.add(new Reshape("rs", org.lde.tensor.Shape.of(chj)));
        String g = b.last();
        b.from(j).flatten();
        String fl = b.last();
        b.concat(fl, g).dense("fc1", 3 + r.nextInt(4)).batchNorm("bn1d").tanh().add(new Dropout("drop", r.uniform(0, 0.9)))
                .identity().dense("out", 2 + r.nextInt(3));
        Network n = b.build();
        scramble(n, r);
        return n;
    }

    static void scramble(Network n, Rng r) {
        for (Layer l : n.layers()) {
            for (Layer.Parameter p : l.parameters()) {
                double[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    double v;
                    do {
                        v = Double.longBitsToDouble(r.nextLong());
                    } while (!Double.isFinite(v));
                    if (i == 0) {
                        v = -0.0;
                    } else if (i == 1) {
                        v = Double.MIN_VALUE;
                    }
                    if (p.name().endsWith(".running_var")) {
                        v = Math.abs(v);
                    }
                    d[i] = v;
                }
            }
        }
    }

    /** Every record component equal; tensors compared by shape and raw bits. */
    static void assertSameNetwork(Network a, Network b) {
        assertEquals(a.inputShape(), b.inputShape());
        assertEquals(a.task(), b.task());
        assertEquals(a.classNames(), b.classNames());
        assertEquals(Double.doubleToRawLongBits(a.lo()), Double.doubleToRawLongBits(b.lo()));
        assertEquals(Double.doubleToRawLongBits(a.hi()), Double.doubleToRawLongBits(b.hi()));
        assertEquals(a.layers().size(), b.layers().size());
        assertEquals(a.inputLists(), b.inputLists());
        for (int i = 0; i < a.layers().size(); i++) {
            Layer la = a.layers().get(i);
            Layer lb = b.layers().get(i);
            assertEquals(la.getClass(), lb.getClass(), "layer " + i);
            assertEquals(a.outputShape(i), b.outputShape(i));
            for (RecordComponent rc : la.getClass().getRecordComponents()) {
                Object va;
                Object vb;
                try {
                    va = rc.getAccessor().invoke(la);
                    vb = rc.getAccessor().invoke(lb);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
                String what = la.name() + "." + rc.getName();
                if (va instanceof Tensor ta) {
                    Tensor tb = (Tensor) vb;
                    assertEquals(ta.shape(), tb.shape(), what);
                    for (int j = 0; j < ta.size(); j++) {
                        if (Double.doubleToRawLongBits(ta.data()[j]) != Double.doubleToRawLongBits(tb.data()[j])) {
                            fail(what + "[" + j + "]: " + ta.data()[j] + " != " + tb.data()[j]);
                        }
                    }
                } else if (va instanceof Double da) {
                    assertEquals(Double.doubleToRawLongBits(da), Double.doubleToRawLongBits((Double) vb), what);
                } else {
                    assertEquals(va, vb, what);
                }
            }
        }
    }

    @Test
    void randomNetworksOfEveryLayerKindRoundTripBitForBit() {
        List<String> kindsSeen = new ArrayList<>();
        int graphsSeen = 0;
        long groupedSeen = 0;
        for (long seed = 1; seed <= 24; seed++) {
            Network n = seed % 2 == 0 ? randomCnn(seed) : randomGraph(seed);
            n.layers().forEach(l -> kindsSeen.add(l.kind()));
            graphsSeen += n.sequential() ? 0 : 1;
            groupedSeen += n.layers().stream().filter(l -> l instanceof Conv2d cv && !cv.plain()).count();
            byte[] bytes = ModelFile.toBytes(n);
            Network back = ModelFile.fromBytes(bytes, "seed" + seed);
            assertSameNetwork(n, back);
            for (Layer.Parameter p : back.parameters()) {
                assertNotSame(p.value().data(), findParam(n, p.name()).data(), "loaded tensors are new arrays");
            }
        }
        assertTrue(kindsSeen.containsAll(ModelFile.LAYER_KINDS), "every kind covered: " + kindsSeen);
        assertTrue(graphsSeen > 0 && groupedSeen > 0, "graphs with forks and joins, grouped/dilated convolutions");
    }

    @Test
    void sampleArchitecturesRoundTripThroughFiles(@TempDir Path dir) {
        for (String name : Architectures.NAMES) {
            Network n = Architectures.byName(name, 7);
            Path p = dir.resolve(name + ".safetensors");
            ModelFile.save(n, p);
            assertSameNetwork(n, ModelFile.load(p));
            assertSameNetwork(n.folded(), ModelFile.open(p)); // resnet18-shaped has BatchNorms to fold
        }
    }

    @Test
    void streamsRoundTrip() {
        Network n = randomCnn(42);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelFile.write(n, out);
        assertSameNetwork(n, ModelFile.read(new ByteArrayInputStream(out.toByteArray()), "stream"));
        assertArrayEquals(ModelFile.toBytes(n), out.toByteArray());
    }

    @Test
    void savingTwiceGivesTheSameBytes(@TempDir Path dir) throws Exception {
        Network n = randomCnn(3);
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        ModelFile.save(n, a);
        ModelFile.save(n.copy(), b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        // and a loaded model saves to the bytes it came from
        assertArrayEquals(Files.readAllBytes(a), ModelFile.toBytes(ModelFile.load(a)));
        // an independently built equal network gives the same bytes too
        assertArrayEquals(ModelFile.toBytes(randomCnn(3)), Files.readAllBytes(a));
        assertFalse(java.util.Arrays.equals(ModelFile.toBytes(randomCnn(4)), Files.readAllBytes(a)));
    }

    /** The layout of the written file, decoded here by hand (not by ModelFile's reader). */
    @Test
    void writtenLayoutFollowsTheSafetensorsSpec() throws Exception {
        Network n = randomCnn(5);
        byte[] f = ModelFile.toBytes(n);
        long len = ByteBuffer.wrap(f, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, len % 8, "header padded to 8 bytes");
        String header = new String(f, 8, (int) len, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"lde.format_version\":\"1\",\"lde.architecture\":\"{"), header);
        String json0 = header.stripTrailing();
        assertTrue(json0.endsWith("}") && header.length() - json0.length() < 8, "padding is fewer than 8 spaces");
        assertEquals(" ".repeat(header.length() - json0.length()), header.substring(json0.length()));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(header);
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        List<String> expected = new ArrayList<>(List.of("__metadata__"));
        n.parameters().forEach(p -> expected.add(p.name()));
        assertEquals(expected, keys, "tensors in layer order");
        long pos = 0;
        for (Layer.Parameter p : n.parameters()) {
            var e = json.get(p.name());
            assertEquals("F64", e.get("dtype").asText());
            assertEquals(pos, e.get("data_offsets").get(0).asLong());
            assertEquals(pos + 8L * p.value().size(), e.get("data_offsets").get(1).asLong());
            ByteBuffer bb = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < p.value().size(); i++) {
                assertEquals(Double.doubleToRawLongBits(p.value().data()[i]), bb.getLong((int) (8 + len + pos) + 8 * i));
            }
            pos += 8L * p.value().size();
        }
        assertEquals(f.length, 8 + len + pos);
        // the architecture JSON is itself valid JSON with the documented fields
        var arch = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.get("__metadata__").get("lde.architecture").asText());
        assertEquals(n.inputShape().rank(), arch.get("input").size());
        assertEquals(n.layers().size(), arch.get("layers").size());
        assertEquals("conv_a", arch.get("layers").get(0).get("name").asText());
        assertEquals("conv2d", arch.get("layers").get(0).get("kind").asText());
    }

    @Test
    void openFoldsBatchNormLikeNetworkFolded(@TempDir Path dir) {
        Network n = Network.builder(2, 7, 5).seed(11).conv2d("c", 3, 3, 2, 1, 1, 1, 0).batchNorm("bn").relu()
                .flatten().dense("fc", 3).build();
        Path p = dir.resolve("bn.safetensors");
        ModelFile.save(n, p);
        Network opened = ModelFile.open(p);
        assertTrue(opened.layers().stream().noneMatch(l -> l instanceof BatchNorm2d));
        assertSameNetwork(n.folded(), opened);
        assertEquals(5, ModelFile.load(p).layers().size(), "load keeps the batchnorm");
        assertEquals(4, opened.layers().size());
    }

    @Test
    void halfPrecisionDecodingIsExact() {
        // independent: binary16 value = (-1)^s * 2^(e-15) * (1 + m/1024), subnormal 2^-14 * m/1024
        assertEquals(1.0, ModelFile.halfToDouble(0x3c00));
        assertEquals(-2.0, ModelFile.halfToDouble(0xc000));
        assertEquals(65504.0, ModelFile.halfToDouble(0x7bff));
        assertEquals(Math.pow(2, -24), ModelFile.halfToDouble(0x0001));
        assertEquals(Math.pow(2, -14) * 1023 / 1024, ModelFile.halfToDouble(0x03ff));
        assertEquals(1 + 1.0 / 1024, ModelFile.halfToDouble(0x3c01));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(ModelFile.halfToDouble(0x8000)));
        assertEquals(Double.POSITIVE_INFINITY, ModelFile.halfToDouble(0x7c00));
        assertTrue(Double.isNaN(ModelFile.halfToDouble(0x7e00)));
    }

    private static Tensor findParam(Network n, String name) {
        for (Layer.Parameter p : n.parameters()) {
            if (p.name().equals(name)) {
                return p.value();
            }
        }
        throw new AssertionError("no parameter " + name);
    }
}
