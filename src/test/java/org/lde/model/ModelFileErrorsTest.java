package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per malformed model file. Files are assembled here by hand (header text and raw
 * bytes), independently of {@link ModelFile}'s writer, from a valid base: a [3] -> dense(2) model
 * with F32 tensors {@code fc.weight [2,3]} (bytes [0, 24)) and {@code fc.bias [2]} ([24, 32)).
 */
class ModelFileErrorsTest {
    static final String SRC = "bad.safetensors";
    static final String DENSE = "{\"name\":\"fc\",\"kind\":\"dense\",\"in_features\":3,\"out_features\":2}";
    static final String ARCH = "{\"input\":[3],\"classes\":[\"no\",\"yes\"],\"layers\":[" + DENSE + "]}";
    static final String W = "\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}";
    static final String B = "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}";
    static final float[] WEIGHTS = {1.5f, -2.25f, 0.1f, 3f, -0.5f, 7f};
    static final float[] BIAS = {0.125f, -1f};

    /** {@code "__metadata__"} entry with the architecture JSON quoted as a JSON string. */
    static String meta(String arch) {
        return "\"__metadata__\":{\"lde.format_version\":\"1\",\"lde.architecture\":" + quote(arch) + "}";
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int k = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }

    /** 8-byte little-endian length, the header text (unpadded), then the data. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
        return concat(b.array(), h, data);
    }

    static String header(String... entries) {
        return "{" + String.join(",", entries) + "}";
    }

    static byte[] validData() {
        return concat(f32(WEIGHTS), f32(BIAS));
    }

    static byte[] valid() {
        return file(header(meta(ARCH), W, B), validData());
    }

    /** Asserts that reading fails with a message that names the source and contains every fragment. */
    static ModelFileException fails(byte[] bytes, String... fragments) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.fromBytes(bytes, SRC));
        String m = e.getMessage();
        assertTrue(m.startsWith("model file '" + SRC + "': "), m);
        assertEquals(SRC, e.source());
        for (String f : fragments) {
            assertTrue(m.contains(f), "message lacks '" + f + "': " + m);
        }
        return e;
    }

    @Test
    void validBaseLoads() {
        Network n = ModelFile.fromBytes(valid(), SRC);
        Dense d = (Dense) n.layers().get(0);
        for (int i = 0; i < 6; i++) {
            assertEquals((double) WEIGHTS[i], d.weight().data()[i]);
        }
        assertArrayEquals(new double[] {0.125, -1}, d.bias().data());
        assertEquals(java.util.List.of("no", "yes"), n.classNames());
        assertEquals(Task.CLASSIFICATION, n.task());
        assertEquals(0.0, n.lo());
        assertEquals(1.0, n.hi());
    }

    @Test
    void halfAndBfloat16TensorsAreWidenedExactly() {
        String w = W.replace("F32", "F16").replace("[0,24]", "[0,12]");
        String b = B.replace("F32", "BF16").replace("[24,32]", "[12,16]");
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (int h : new int[] {0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x8000}) {
            data.putShort((short) h);
        }
        data.putShort((short) 0x3f80).putShort((short) 0xbdcd);
        Network n = ModelFile.fromBytes(file(header(meta(ARCH), w, b), data.array()), SRC);
        Dense d = (Dense) n.layers().get(0);
        // binary16: 0x3555 = 2^-2 * (1 + 341/1024); 0x0001 = 2^-24; 0x7bff = 65504
        double[] expected = {1.0, -2.0, 0.25 * (1 + 341.0 / 1024), 0x1p-24, 65504.0, -0.0};
        for (int i = 0; i < 6; i++) {
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(d.weight().data()[i]), "F16 " + i);
        }
        // bfloat16 0xbdcd = -(2^-4 * (1 + 0x4d/128))
        assertArrayEquals(new double[] {1.0, -0.0625 * (1 + 0x4d / 128.0)}, d.bias().data());
    }

    @Test
    void fileShorterThanEightBytes() {
        fails(new byte[] {1, 2, 3, 4, 5}, "5 bytes", "fewer than the 8-byte header length");
        fails(new byte[0], "0 bytes");
    }

    @Test
    void headerLengthLargerThanFile() {
        byte[] b = valid();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, b.length); // needs b.length bytes after the prefix
        fails(b, "header length " + b.length, "larger than the " + (b.length - 8) + " bytes");
    }

    @Test
    void headerLengthAbsurd() {
        byte[] b = valid();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        fails(b, "header length 1099511627776 is absurd");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L); // u64 max
        fails(b, "header length 18446744073709551615 is absurd");
    }

    @Test
    void headerNotJson() {
        fails(file("{\"__metadata__\": {", validData()), "header is not valid JSON");
        fails(file("{} trailing", new byte[0]), "header is not valid JSON");
    }

    @Test
    void headerDuplicateKeysAreRejected() {
        fails(file(header(meta(ARCH), W, B, B), validData()), "header is not valid JSON", "fc.bias");
    }

    @Test
    void headerNotAnObject() {
        fails(file("[1, 2, 3]", new byte[0]), "header must be a JSON object", "array");
        fails(file("        ", new byte[0]), "header is empty");
    }

    @Test
    void missingMetadata() {
        fails(file(header(W, B), validData()), "no '__metadata__'", "lde.architecture");
    }

    @Test
    void missingArchitecture() {
        fails(file(header("\"__metadata__\":{\"lde.format_version\":\"1\",\"author\":\"me\"}", W, B), validData()),
                "has no 'lde.architecture'", "author");
    }

    @Test
    void metadataValuesMustBeStrings() {
        fails(file(header("\"__metadata__\":{\"lde.architecture\":" + ARCH + "}", W, B), validData()),
                "value of 'lde.architecture' must be a string", "object");
    }

    @Test
    void unsupportedFormatVersionAndUnknownLdeKey() {
        String m2 = "\"__metadata__\":{\"lde.format_version\":\"2\",\"lde.architecture\":" + quote(ARCH) + "}";
        fails(file(header(m2, W, B), validData()), "unsupported lde.format_version '2'");
        String m3 = "\"__metadata__\":{\"lde.frobnicate\":\"x\",\"lde.architecture\":" + quote(ARCH) + "}";
        fails(file(header(m3, W, B), validData()), "unknown metadata key 'lde.frobnicate'");
    }

    @Test
    void architectureNotJson() {
        fails(file(header(meta("{\"input\":[3],"), W, B), validData()), "'lde.architecture' is not valid JSON");
        fails(file(header(meta("[1,2]"), W, B), validData()), "architecture: must be a JSON object");
    }

    @Test
    void architectureMissingField() {
        fails(file(header(meta("{\"layers\":[" + DENSE + "]}"), W, B), validData()), "architecture: missing field 'input'");
        String noOut = "{\"input\":[3],\"layers\":[{\"name\":\"fc\",\"kind\":\"dense\",\"in_features\":3}]}";
        fails(file(header(meta(noOut), W, B), validData()), "layers[0] 'fc' (dense)", "missing field 'out_features'");
        String noName = "{\"input\":[3],\"layers\":[{\"kind\":\"dense\",\"in_features\":3,\"out_features\":2}]}";
        fails(file(header(meta(noName), W, B), validData()), "layers[0]: field 'name' is missing");
        String noKind = "{\"input\":[3],\"layers\":[{\"name\":\"fc\",\"in_features\":3,\"out_features\":2}]}";
        fails(file(header(meta(noKind), W, B), validData()), "layers[0] 'fc': field 'kind' is missing", "conv2d");
    }

    @Test
    void architectureWrongType() {
        String s = ARCH.replace("\"in_features\":3", "\"in_features\":\"3\"");
        fails(file(header(meta(s), W, B), validData()), "field 'in_features' must be an integer", "\"3\"");
        String f = ARCH.replace("\"in_features\":3", "\"in_features\":3.5");
        fails(file(header(meta(f), W, B), validData()), "field 'in_features' must be an integer", "3.5");
        String t = ARCH.replace("\"input\":[3]", "\"input\":[3],\"task\":\"ranking\"");
        fails(file(header(meta(t), W, B), validData()), "field 'task' must be \"classification\" or \"regression\"",
                "ranking");
        String l = "{\"input\":[3],\"layers\":" + DENSE + "}";
        fails(file(header(meta(l), W, B), validData()), "field 'layers' must be an array");
        String d = ARCH.replace("\"input\":[3]", "\"input\":[3],\"domain\":[0,\"1\"]");
        fails(file(header(meta(d), W, B), validData()), "field 'domain' must be an array of 2 numbers");
    }

    @Test
    void architectureUnknownField() {
        String s = ARCH.replace("\"out_features\":2", "\"out_features\":2,\"dilation\":[2,2]");
        fails(file(header(meta(s), W, B), validData()), "unknown field 'dilation'", "layers[0] 'fc' (dense)");
        String top = ARCH.replace("\"input\":[3]", "\"input\":[3],\"inputs\":[3]");
        fails(file(header(meta(top), W, B), validData()), "architecture: unknown field 'inputs'");
    }

    @Test
    void architectureNegativeSize() {
        String s = ARCH.replace("\"in_features\":3", "\"in_features\":-3");
        fails(file(header(meta(s), W, B), validData()), "field 'in_features' must be positive, got -3");
        String in = ARCH.replace("\"input\":[3]", "\"input\":[-3]");
        fails(file(header(meta(in), W, B), validData()), "field 'input'", "negative or zero size -3");
        String conv = "{\"input\":[1,4,4],\"layers\":[{\"name\":\"c\",\"kind\":\"conv2d\",\"in_channels\":1,"
                + "\"out_channels\":1,\"kernel\":[-1,3],\"stride\":[1,1],\"padding\":[0,0]}]}";
        fails(file(header(meta(conv)), new byte[0]), "layers[0] 'c' (conv2d)", "field 'kernel'", "-1");
        String pad = conv.replace("[-1,3]", "[3,3]").replace("\"padding\":[0,0]", "\"padding\":[0,-1]");
        fails(file(header(meta(pad)), new byte[0]), "field 'padding'", "-1");
    }

    @Test
    void unknownLayerKind() {
        String s = "{\"input\":[3],\"layers\":[{\"name\":\"c3\",\"kind\":\"conv3d\"}]}";
        fails(file(header(meta(s)), new byte[0]), "unknown layer kind 'conv3d'",
                "known kinds are " + ModelFile.LAYER_KINDS);
    }

    @Test
    void missingTensor() {
        fails(file(header(meta(ARCH), W), f32(WEIGHTS)), "missing tensor 'fc.bias' (shape [2]) for layer 'fc' (dense)");
    }

    @Test
    void tensorWithWrongShape() {
        String w = W.replace("[2,3]", "[3,2]");
        fails(file(header(meta(ARCH), w, B), validData()), "tensor 'fc.weight' has shape [3, 2]",
                "layer 'fc' (dense) needs [2, 3]");
    }

    @Test
    void dataOffsetsOutOfRange() {
        String b = B.replace("[24,32]", "[32,40]");
        fails(file(header(meta(ARCH), W, b), validData()), "tensor 'fc.bias'", "[32,40]",
                "past the end of the data section, which has only 32 bytes");
        String neg = B.replace("[24,32]", "[-8,0]");
        fails(file(header(meta(ARCH), W, neg), validData()), "data_offsets [-8,0] must be two non-negative integers");
        String one = B.replace("[24,32]", "[24]");
        fails(file(header(meta(ARCH), W, one), validData()), "'data_offsets' must be an array [begin, end]");
    }

    @Test
    void dataOffsetsOverlapping() {
        String b = B.replace("[24,32]", "[20,28]");
        fails(file(header(meta(ARCH), W, b), validData()), "tensors 'fc.weight' (bytes [0, 24)) and 'fc.bias' (bytes [20, 28)) overlap");
    }

    @Test
    void dataOffsetsNotMatchingDtypeAndShape() {
        String b = B.replace("[24,32]", "[24,36]");
        fails(file(header(meta(ARCH), W, b), concat(validData(), new byte[4])), "tensor 'fc.bias'",
                "span 12 bytes, but dtype F32 and shape [2] need 8 bytes");
        String f64 = B.replace("F32", "F64");
        fails(file(header(meta(ARCH), W, f64), validData()), "span 8 bytes, but dtype F64 and shape [2] need 16 bytes");
        String back = B.replace("[24,32]", "[32,24]");
        fails(file(header(meta(ARCH), W, back), validData()), "end before they begin");
    }

    @Test
    void holeInDataSection() {
        String b = B.replace("[24,32]", "[28,36]");
        fails(file(header(meta(ARCH), W, b), concat(validData(), new byte[4])),
                "bytes [24, 28) of the data section belong to no tensor");
    }

    @Test
    void bytesAfterLastTensor() {
        fails(file(header(meta(ARCH), W, B), concat(validData(), new byte[8])),
                "data section has 40 bytes but the tensors end at byte 32", "8 bytes after the last tensor");
    }

    @Test
    void unknownDtype() {
        fails(file(header(meta(ARCH), W, B.replace("F32", "F33")), validData()), "tensor 'fc.bias': unknown dtype 'F33'",
                "F64, F32, F16, BF16");
        fails(file(header(meta(ARCH), W, B.replace("F32", "I32")), validData()), "tensor 'fc.bias' has dtype I32",
                "weights must be F64, F32, F16 or BF16");
    }

    @Test
    void unusedTensor() {
        String extra = "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[32,36]}";
        fails(file(header(meta(ARCH), W, B, extra), concat(validData(), f32(9f))),
                "1 tensor(s) in the file are used by no layer: 'fc2.weight' (F32 [1])");
        // num_batches_tracked is accepted only for batchnorm layers
        String nbt = "\"fc.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[32,40]}";
        fails(file(header(meta(ARCH), W, B, nbt), concat(validData(), new byte[8])),
                "used by no layer: 'fc.num_batches_tracked'");
    }

    @Test
    void nanOrInfinityInWeight() {
        float[] w = WEIGHTS.clone();
        w[4] = Float.NaN;
        fails(file(header(meta(ARCH), W, B), concat(f32(w), f32(BIAS))),
                "tensor 'fc.weight' contains NaN at flat index 4 (index [1, 1])");
        fails(file(header(meta(ARCH), W, B), concat(f32(WEIGHTS), f32(0f, Float.NEGATIVE_INFINITY))),
                "tensor 'fc.bias' contains -Infinity at flat index 1 (index [1])");
    }

    @Test
    void truncatedDataSection() {
        byte[] v = valid();
        fails(Arrays.copyOf(v, v.length - 3), "tensor 'fc.bias'", "data section is truncated");
    }

    @Test
    void shapeMismatchBetweenLayersNamesFileLayerAndShapes() {
        String s = ARCH.replace("\"input\":[3]", "\"input\":[4]");
        fails(file(header(meta(s), W, B), validData()), "invalid network", "layer 'fc' (dense)", "[3]", "[4]");
        String reg = ARCH.replace("\"input\":[3]", "\"input\":[3],\"task\":\"regression\"").replace(",\"classes\":[\"no\",\"yes\"]", "");
        fails(file(header(meta(reg), W, B), validData()), "invalid network", "regression network must have exactly one output");
        String cls = ARCH.replace("[\"no\",\"yes\"]", "[\"a\",\"b\",\"c\"]");
        fails(file(header(meta(cls), W, B), validData()), "3 class names for 2 outputs");
    }

    @Test
    void invalidLayerParametersAreReportedWithTheFile() {
        String pool = "{\"input\":[1,4,4],\"layers\":[{\"name\":\"p\",\"kind\":\"maxpool2d\",\"kernel\":[2,2],"
                + "\"stride\":[2,2],\"padding\":[2,0]},{\"name\":\"f\",\"kind\":\"flatten\"}]}";
        fails(file(header(meta(pool)), new byte[0]), "layers[0] 'p'", "padding 2x0", "at most half the kernel");
        String bad = "{\"input\":[3],\"layers\":[{\"name\":\"f c\",\"kind\":\"relu\"}]}";
        fails(file(header(meta(bad)), new byte[0]), "invalid layer name 'f c'");
    }

    @Test
    void fileErrorsNameThePath(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("broken.safetensors");
        Files.write(p, Arrays.copyOf(valid(), 6));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(p));
        assertTrue(e.getMessage().startsWith("model file '" + p + "': the file has 6 bytes"), e.getMessage());
        Path missing = dir.resolve("nope.safetensors");
        UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> ModelFile.open(missing));
        assertTrue(u.getMessage().contains(missing.toString()), u.getMessage());
        UncheckedIOException r = assertThrows(UncheckedIOException.class,
                () -> ModelFile.loadResource("org/lde/model/nope.safetensors"));
        assertTrue(r.getMessage().contains("org/lde/model/nope.safetensors"), r.getMessage());
    }

    @Test
    void saveOfNonFiniteWeightFailsAndLeavesExistingFileUntouched(@TempDir Path dir) throws Exception {
        Network good = ModelFile.fromBytes(valid(), SRC);
        Path p = dir.resolve("m.safetensors");
        ModelFile.save(good, p);
        byte[] before = Files.readAllBytes(p);
        Network bad = good.copy();
        ((Dense) bad.layers().get(0)).weight().data()[5] = Double.POSITIVE_INFINITY;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.save(bad, p));
        assertTrue(e.getMessage().contains("tensor 'fc.weight' contains Infinity at flat index 5 (index [1, 2])"),
                e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }
}
