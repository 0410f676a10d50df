package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lde.model.ModelFileErrorsTest.B;
import static org.lde.model.ModelFileErrorsTest.W;
import static org.lde.model.ModelFileErrorsTest.fails;
import static org.lde.model.ModelFileErrorsTest.file;
import static org.lde.model.ModelFileErrorsTest.header;
import static org.lde.model.ModelFileErrorsTest.meta;
import static org.lde.model.ModelFileErrorsTest.validData;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The hostile model files of issue 14: overflowing shapes and padding, a BatchNorm fold that
 * overflows to infinity, headers that are not UTF-8, files over 2 GiB, batches whose activations
 * overflow an int. Each must end in a {@link ModelFileException} naming the file (or, for the
 * API-only cases, an IllegalArgumentException naming the layer and the size).
 */
class ModelFileHostileTest {

    private static String convArch(String input, int pad) {
        return "{\"input\":" + input + ",\"layers\":[{\"name\":\"c\",\"kind\":\"conv2d\",\"in_channels\":1,"
                + "\"out_channels\":1,\"kernel\":[1,1],\"stride\":[1,1],\"padding\":[" + pad + "," + pad + "]},"
                + "{\"name\":\"f\",\"kind\":\"flatten\"},{\"name\":\"fc\",\"kind\":\"dense\",\"in_features\":3,"
                + "\"out_features\":2}]}";
    }

    private static byte[] convFile(String input, int pad) {
        String cw = "\"c.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],\"data_offsets\":[32,36]}";
        String cb = "\"c.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[36,40]}";
        return file(header(meta(convArch(input, pad)), W, B, cw, cb),
                ModelFileErrorsTest.concat(validData(), ModelFileErrorsTest.f32(1f, 0f)));
    }

    @Test
    void inputShapeWhoseSizeOverflowsALongIsAModelFileError() {
        String arch = "{\"input\":[2147483647,2147483647,2147483647],\"layers\":[{\"name\":\"f\",\"kind\":\"flatten\"}]}";
        ModelFileException e = fails(file(header(meta(arch)), new byte[0]), "invalid network", "overflows a long");
        assertTrue(e.getCause() instanceof IllegalArgumentException, String.valueOf(e.getCause()));
    }

    @Test
    void hugeConvPaddingNamesTheFileTheLayerAndTheSize() {
        fails(convFile("[1,1,1]", 100000), "invalid network", "layer 'c' (conv2d)", "values per sample");
        fails(convFile("[1,1,1]", 1 << 30), "layer 'c' (conv2d)", "padding 1073741824", "more than an int holds");
        String pool = "{\"input\":[1,4,4],\"layers\":[{\"name\":\"p\",\"kind\":\"maxpool2d\",\"kernel\":[2,2],"
                + "\"stride\":[2,2],\"padding\":[1073741824,0]},{\"name\":\"f\",\"kind\":\"flatten\"}]}";
        fails(file(header(meta(pool)), new byte[0]), "layers[0] 'p'", "padding 1073741824x0", "at most half the kernel");
    }

    @Test
    void headersMustBeUtf8WithoutByteOrderMark() {
        String h = header(meta(ModelFileErrorsTest.ARCH), W, B);
        fails(rawHeaderFile(concatBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, h.getBytes(StandardCharsets.UTF_8))),
                "byte-order mark");
        for (String cs : List.of("UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32LE", "UTF-32BE")) {
            fails(rawHeaderFile(h.getBytes(Charset.forName(cs))), "safetensors headers are UTF-8");
        }
        byte[] latin1 = header(meta(ModelFileErrorsTest.ARCH.replace("yes", "y\u00e9s")), W, B)
                .getBytes(StandardCharsets.ISO_8859_1);
        fails(rawHeaderFile(latin1), "not valid UTF-8");
    }

    private static byte[] rawHeaderFile(byte[] h) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
        return ModelFileErrorsTest.concat(b.array(), h, validData());
    }

    private static byte[] concatBytes(byte[] a, byte[] b) {
        return ModelFileErrorsTest.concat(a, b);
    }

    @Test
    void batchNormFoldThatOverflowsNamesTheLayerAndTheFile(@TempDir Path dir) throws Exception {
        Conv2d conv = new Conv2d("conv1", 1, 1, 1, 1, 1, 1, 0, 0, Tensor.of(Shape.of(1, 1, 1, 1), 1e300),
                Tensor.of(Shape.of(1), 0));
        BatchNorm2d bn = new BatchNorm2d("bn1", 1, Tensor.of(Shape.of(1), 1e10), Tensor.of(Shape.of(1), 0),
                Tensor.of(Shape.of(1), 0), Tensor.of(Shape.of(1), 1), 1e-5);
        Dense fc = new Dense("fc", 4, 2, Tensor.of(Shape.of(2, 4), 1, 1, 1, 1, 1, 1, 1, 1), Tensor.of(Shape.of(2), 0, 0));
        Network net = new Network(Shape.of(1, 2, 2), List.of(conv, bn, new Flatten("f"), fc), Task.CLASSIFICATION,
                List.of(), 0, 1);
        Path p = dir.resolve("bn.safetensors");
        ModelFile.save(net, p);
        ModelFile.load(p); // the stored weights are finite
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.open(p));
        assertTrue(e.getMessage().startsWith("model file '" + p + "': layer 'bn1' (batchnorm2d) folded into 'conv1'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("non-finite weight conv1.weight at flat index 0 = Infinity"), e.getMessage());
    }

    @Test
    void filesOverTwoGibAreRefusedBeforeReading(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("huge.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: no disk space used, never read
        }
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(p));
        assertTrue(e.getMessage().contains("the file has " + (3L << 30) + " bytes")
                && e.getMessage().contains("this model is refused"), e.getMessage());
        Files.delete(p);
    }

    @Test
    void batchTimesActivationOverflowNamesTheLayerAndTheSize() {
        Conv2d conv = new Conv2d("wide", 1, 256, 1, 1, 1, 1, 0, 0, Tensor.zeros(Shape.of(256, 1, 1, 1)),
                Tensor.zeros(Shape.of(256)));
        Network net = new Network(Shape.of(1, 2000, 2000), List.of(conv, new MaxPool2d("p", 2000, 2000, 2000, 2000, 0, 0),
                new Flatten("f")), Task.CLASSIFICATION, List.of(), 0, 1);
        net.checkBatch(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.checkBatch(3));
        assertTrue(e.getMessage().contains("layer 'wide' (conv2d, output [256, 2000, 2000])")
                && e.getMessage().contains("1024000000 values per sample") && e.getMessage().contains("at most 2 samples"),
                e.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> new Network(Shape.of(1, 5000, 5000),
                List.of(conv, new Flatten("f")), Task.CLASSIFICATION, List.of(), 0, 1));
        assertTrue(big.getMessage().contains("layer 'wide' (conv2d) gives output shape [256, 5000, 5000]"), big.getMessage());
    }
}
