package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.cli.Main;
import org.lde.model.onnx.proto.OnnxProto.AttributeProto;
import org.lde.model.onnx.proto.OnnxProto.GraphProto;
import org.lde.model.onnx.proto.OnnxProto.ModelProto;
import org.lde.model.onnx.proto.OnnxProto.NodeProto;
import org.lde.model.onnx.proto.OnnxProto.TensorProto;
import org.lde.model.onnx.proto.OnnxProto.TensorShapeProto;

/** Broken or unsupported ONNX files: each refused with a message that names the problem, and no model. */
class OnnxMalformedTest {

    private static byte[] bytes(String fixture) throws Exception {
        return Files.readAllBytes(OnnxImportTest.fixture(fixture + ".onnx"));
    }

    /** The fixture with its graph edited, re-serialized. */
    private static byte[] edited(String fixture, Consumer<GraphProto.Builder> edit) throws Exception {
        ModelProto.Builder m = ModelProto.parseFrom(bytes(fixture)).toBuilder();
        edit.accept(m.getGraphBuilder());
        return m.build().toByteArray();
    }

    private static String refused(byte[] b) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> OnnxImport.fromBytes(b, "bad.onnx"));
        assertTrue(e.getMessage().startsWith("model file 'bad.onnx': "), e.getMessage());
        return e.getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
        }
    }

    private static int node(GraphProto.Builder g, String name) {
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no node " + name);
    }

    private static int initializer(GraphProto.Builder g, String name) {
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no initializer " + name);
    }

    private static void setAttr(GraphProto.Builder g, String node, AttributeProto a) {
        NodeProto.Builder n = g.getNodeBuilder(node(g, node));
        for (int i = 0; i < n.getAttributeCount(); i++) {
            if (n.getAttribute(i).getName().equals(a.getName())) {
                n.setAttribute(i, a);
                return;
            }
        }
        n.addAttribute(a);
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    @Test
    void fixturesThemselvesImport() throws Exception {
        for (String f : OnnxImportTest.FIXTURES) {
            OnnxImport.fromBytes(bytes(f), f); // the edits below are what break them
        }
    }

    @Test
    void truncatedFile() throws Exception {
        byte[] b = bytes("cnn");
        for (int cut : new int[] {b.length / 2, b.length - 3, 7}) {
            assertContains(refused(Arrays.copyOf(b, cut)), "not an ONNX model: the protobuf does not parse", "truncated");
        }
    }

    @Test
    void wrongProtobufOrNotProtobufAtAll() throws Exception {
        // a valid protobuf of another message: an ONNX TensorProto
        TensorProto t = TensorProto.newBuilder().setName("w").addDims(2).setDataType(1).addFloatData(1).addFloatData(2)
                .build();
        assertContains(refused(t.toByteArray()), "not an ONNX model");
        // an LDE safetensors file given the .onnx name
        byte[] st = ModelFile.toBytes(Architectures.byName(Architectures.NAMES.get(0), 1));
        assertContains(refused(st), "ONNX model");
        assertContains(refused(new byte[0]), "not an ONNX model", "no graph");
    }

    @Test
    void missingInitializer() throws Exception {
        byte[] b = edited("mlp", g -> g.removeInitializer(initializer(g, "fc2.weight")));
        assertContains(refused(b), "node '/fc2/Gemm' (op type Gemm, opset 11)", "reads 'fc2.weight'",
                "no graph input, initializer or node output");
    }

    @Test
    void unsupportedOpNamesTheNodeItsOpTypeAndTheOpset() throws Exception {
        byte[] b = edited("cnn", g -> g.getNodeBuilder(node(g, "/Relu")).setOpType("Elu"));
        assertContains(refused(b), "node '/Relu' (op type Elu, opset 13)", "not supported", "Gemm");
        byte[] mid = edited("sigtanh", g -> {
            // a Softmax that is not at the output
            g.getNodeBuilder(node(g, "/Tanh")).setOpType("Softmax");
        });
        assertContains(refused(mid), "node '/Tanh' (op type Softmax, opset 17)", "only as the last node");
    }

    @Test
    void cycle() throws Exception {
        byte[] b = edited("mlp", g -> g.getNodeBuilder(node(g, "/fc2/Gemm")).setInput(0, "y"));
        assertContains(refused(b), "cycle", "'/fc2/Gemm' (Gemm)", "'/LeakyRelu' (LeakyRelu)", "'/fc3/Gemm' (Gemm)");
    }

    @Test
    void shapeMismatchNamesBothNodesAndShapes() throws Exception {
        byte[] b = edited("mlp", g -> {
            // fc2.weight [10, 16] -> [10, 15] (and its data to match): the Gemm now takes 15 features but reads 16
            TensorProto w = g.getInitializer(initializer(g, "fc2.weight"));
            g.setInitializer(initializer(g, "fc2.weight"), w.toBuilder().setDims(1, 15)
                    .setRawData(w.getRawData().substring(0, 10 * 15 * 4)).build());
        });
        assertContains(refused(b), "node '/fc2/Gemm' (op type Gemm, opset 11)", "shape mismatch", "'Relu' [16]",
                "layer 'fc2' (dense) expects a vector [15]");
        byte[] c = edited("residual", g -> {
            TensorProto w = g.getInitializer(initializer(g, "pw.weight"));
            g.setInitializer(initializer(g, "pw.weight"), w.toBuilder().setDims(0, 3)
                    .setRawData(w.getRawData().substring(0, 3 * 6 * 4)).build());
            TensorProto bias = g.getInitializer(initializer(g, "pw.bias"));
            g.setInitializer(initializer(g, "pw.bias"), bias.toBuilder().setDims(0, 3)
                    .setRawData(bias.getRawData().substring(0, 12)).build());
            // the Concat becomes a residual Add of the stem's ReLU [6, 8, 8] and pw, now [3, 8, 8]
            g.getNodeBuilder(node(g, "/Concat")).setOpType("Add").clearAttribute().setInput(0, "/Relu_output_0");
        });
        assertContains(refused(c), "node '/Concat' (op type Add, opset 14)", "shape mismatch", "'Relu' [6, 8, 8]",
                "'pw' [3, 8, 8]");
    }

    @Test
    void nanInitializer() throws Exception {
        byte[] b = edited("mlp", g -> {
            TensorProto t = g.getInitializer(initializer(g, "fc1.bias"));
            byte[] raw = t.getRawData().toByteArray();
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * 3, Float.NaN);
            g.setInitializer(initializer(g, "fc1.bias"), t.toBuilder().setRawData(ByteString.copyFrom(raw)).build());
        });
        assertContains(refused(b), "initializer 'fc1.bias'", "contains NaN at flat index 3", "finite");
        byte[] typed = edited("sigtanh", g -> {
            TensorProto t = g.getInitializer(initializer(g, "w"));
            g.setInitializer(initializer(g, "w"), t.toBuilder().setFloatData(5, Float.POSITIVE_INFINITY).build());
        });
        assertContains(refused(typed), "initializer 'w'", "contains Infinity at flat index 5");
    }

    @Test
    void attributesTheEngineCannotHonour() throws Exception {
        assertContains(refused(edited("cnn", g -> setAttr(g, "/MaxPool", intAttr("ceil_mode", 1)))),
                "node '/MaxPool' (op type MaxPool, opset 13)", "ceil_mode = 1");
        assertContains(refused(edited("cnn", g -> setAttr(g, "/conv1/Conv", ints("pads", 1, 1, 0, 0)))),
                "node '/conv1/Conv'", "pads [1, 1, 0, 0]", "asymmetric");
        assertContains(refused(edited("cnn", g -> {
            setAttr(g, "/AveragePool", ints("pads", 1, 1, 1, 1));
            setAttr(g, "/AveragePool", intAttr("count_include_pad", 0));
        })), "node '/AveragePool'", "count_include_pad = 0");
        assertContains(refused(edited("cnn", g -> setAttr(g, "/conv1/Conv", AttributeProto.newBuilder()
                .setName("auto_pad").setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8("SAME_UPPER")).build()))), "auto_pad = SAME_UPPER");
        assertContains(refused(edited("mlp", g -> setAttr(g, "/fc1/Gemm", intAttr("transA", 1)))), "transA = 1");
        assertContains(refused(edited("cnn", g -> setAttr(g, "/Relu", intAttr("mystery", 1)))),
                "node '/Relu' (op type Relu, opset 13)", "attribute 'mystery' is not supported");
        assertContains(refused(edited("cnn", g -> setAttr(g, "/Flatten", intAttr("axis", 2)))), "axis = 2");
        assertContains(refused(edited("cnn", g -> g.getNodeBuilder(node(g, "/Relu")).addInput("conv2.bias"))),
                "node '/Relu' (op type Relu, opset 13)", "has 2 inputs, expected 1");
    }

    @Test
    void dynamicShapesOtherThanTheBatch() throws Exception {
        byte[] b = edited("cnn", g -> g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .setDim(2, TensorShapeProto.Dimension.newBuilder().setDimParam("height")));
        assertContains(refused(b), "graph input 'x'", "dimension 2 is dynamic ('height')", "only the batch dimension");
        // a fixed batch works as a dynamic one does
        byte[] fixed = edited("cnn", g -> g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .setDim(0, TensorShapeProto.Dimension.newBuilder().setDimValue(1)));
        assertEquals(5, OnnxImport.fromBytes(fixed, "fixed").network().outputSize());
    }

    @Test
    void opsetsOutsideElevenToEighteen() throws Exception {
        for (long v : new long[] {10, 19}) {
            ModelProto.Builder m = ModelProto.parseFrom(bytes("mlp")).toBuilder();
            m.getOpsetImportBuilder(0).setVersion(v);
            assertContains(refused(m.build().toByteArray()), "opset " + v, "opsets 11 to 18");
        }
    }

    @Test
    void aFailedImportWritesNothing(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.onnx");
        Files.write(bad, edited("mlp", g -> g.getNodeBuilder(node(g, "/Relu")).setOpType("Elu")));
        Path out = dir.resolve("out.safetensors");
        assertEquals(1, Main.run("import", bad.toString(), "--out", out.toString()));
        assertFalse(Files.exists(out));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.open(bad));
        assertContains(e.getMessage(), bad.toString(), "op type Elu");
    }
}
