package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lde.cli.Main;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * ONNX files exported by PyTorch (src/scripts/make-onnx-fixtures.py) against PyTorch's own float64
 * logits and input Jacobians, computed from the same float32 weights: the float64 reference backend
 * must agree within 1e-10. And the import survives safetensors save/load bit for bit.
 */
class OnnxImportTest {
    static final List<String> FIXTURES = List.of("mlp", "cnn", "residual", "sigtanh");

    static Path fixture(String name) throws Exception {
        return Path.of(OnnxImportTest.class.getResource("/org/lde/model/onnx/" + name).toURI());
    }

    static JsonNode reference(String name) throws Exception {
        return JsonMapper.builder().build().readTree(fixture(name + ".json").toFile());
    }

    static double[] doubles(JsonNode a) {
        List<Double> out = new ArrayList<>();
        flatten(a, out);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void flatten(JsonNode a, List<Double> out) {
        if (a.isArray()) {
            a.forEach(x -> flatten(x, out));
        } else {
            out.add(a.doubleValue());
        }
    }

    private static void assertClose(double[] ref, double[] got, double tol, String what) {
        assertEquals(ref.length, got.length, what + ": length");
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            worst = Math.max(worst, Math.abs(ref[i] - got[i]) / Math.max(1, Math.abs(ref[i])));
        }
        assertTrue(worst <= tol, what + ": worst error " + worst + " > " + tol);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "residual", "sigtanh"})
    void ejmlAgreesWithPyTorchFloat64LogitsAndJacobians(String name) throws Exception {
        JsonNode ref = reference(name);
        Network net = ModelFile.open(fixture(name + ".onnx"));
        int[] in = new int[ref.get("input_shape").size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = ref.get("input_shape").get(i).intValue();
        }
        assertEquals(Shape.of(in), net.inputShape());
        int n = ref.get("inputs").size();
        Tensor x = new Tensor(Shape.of(in).withBatch(n), doubles(ref.get("inputs")));
        int c = net.outputSize();
        try (EjmlBackend b = new EjmlBackend(net)) {
            Tensor logits = b.forward(x);
            assertClose(doubles(ref.get("logits")), logits.data(), 1e-10, name + " logits");
            Recorded rec = b.forwardRecorded(x);
            Tensor jac = b.reverse(rec, Seeds.identity(n, c)); // [N, C, input...]: row k = d logit_k / d x
            assertClose(doubles(ref.get("jacobians")), jac.data(), 1e-10, name + " input Jacobians");
        }
        // the references are not trivial: logits differ between the fixed inputs and Jacobians are not 0
        double[] l = doubles(ref.get("logits"));
        assertTrue(l[0] != l[c], name + ": logits of the first two inputs differ");
        assertTrue(java.util.Arrays.stream(doubles(ref.get("jacobians"))).anyMatch(v -> Math.abs(v) > 1e-3));
    }

    /**
     * The same fixtures as float32 kernels on the PTX emulator (GpuBackend): METHOD.md section 10's
     * norm-relative error {@code ||out - ref|| / ||ref|| <= 1e-5} against PyTorch's float64 logits and Jacobians.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "residual", "sigtanh"})
    void emulatedKernelsAgreeWithPyTorchWithinTheFloat32Tolerance(String name) throws Exception {
        JsonNode ref = reference(name);
        Network net = ModelFile.open(fixture(name + ".onnx"));
        int n = ref.get("inputs").size();
        Tensor x = new Tensor(net.inputShape().withBatch(n), doubles(ref.get("inputs")));
        try (org.lde.engine.gpu.GpuBackend b = org.lde.engine.gpu.GpuBackend.open(net, "emulator");
             Recorded rec = b.forwardRecorded(x)) {
            assertNormClose(doubles(ref.get("logits")), b.forward(x).data(), name + " logits (emulated kernels)");
            Tensor jac = b.reverse(rec, Seeds.identity(n, net.outputSize()));
            assertNormClose(doubles(ref.get("jacobians")), jac.data(), name + " Jacobians (emulated kernels)");
        }
    }

    private static void assertNormClose(double[] ref, double[] got, String what) {
        assertEquals(ref.length, got.length, what + ": length");
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < ref.length; i++) {
            assertTrue(Double.isFinite(got[i]), what + ": non-finite value at " + i);
            diff += (got[i] - ref[i]) * (got[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel <= 1e-5, what + ": ||out - ref|| / ||ref|| = " + rel + " > 1e-5");
    }

    @Test
    void fixturesCoverTheOpTypesTheirScriptPromises() throws Exception {
        List<String> all = new ArrayList<>();
        for (String f : FIXTURES) {
            reference(f).get("op_types").forEach(o -> all.add(o.textValue()));
        }
        for (String op : OnnxImport.OP_TYPES) {
            assertTrue(all.contains(op), op + " is exercised by some PyTorch-made fixture: " + all);
        }
        int[] opsets = {11, 13, 14, 17};
        for (int i = 0; i < FIXTURES.size(); i++) {
            assertEquals(opsets[i], reference(FIXTURES.get(i)).get("opset").intValue());
        }
    }

    @Test
    void importMapsNodesToTheEngineKindsAndSaysWhatItDid() throws Exception {
        OnnxImport.Result cnn = OnnxImport.read(fixture("cnn.onnx"));
        String kinds = cnn.network().layers().stream().map(Layer::kind).collect(Collectors.joining(","));
        assertEquals("conv2d,batchnorm2d,relu,maxpool2d,conv2d,relu,batchnorm2d,avgpool2d,flatten,dense,batchnorm1d,relu,dropout,dense",
                kinds);
        assertTrue(cnn.notes().stream().anyMatch(s -> s.startsWith("removed the output Softmax node '/Softmax'")),
                cnn.notes().toString());
        assertTrue(cnn.notes().stream().anyMatch(s -> s.contains("'/conv1/Conv' -> 'conv1'")), cnn.notes().toString());
        // layers named after their PyTorch modules where the weight says so: the state-dict keys
        assertEquals(List.of("conv1", "conv2", "fc1", "bn3", "fc2"), cnn.network().layers().stream()
                .filter(l -> !l.parameters().isEmpty() && !(l instanceof BatchNorm2d)).map(Layer::name).toList());
        assertEquals(0.25, ((Dropout) cnn.network().layers().get(12)).p());
        assertEquals(1e-5, ((BatchNorm1d) cnn.network().layers().get(10)).eps(), "float32 1e-5 read as 1e-5");
        // bn1 reads only conv1: folded into it when opened; bn2 reads a ReLU: an affine node
        Network folded = cnn.network().folded();
        assertEquals(List.of("conv2d", "relu", "maxpool2d", "conv2d", "relu", "affine"), folded.layers().subList(0, 6).stream()
                .map(Layer::kind).toList());

        OnnxImport.Result res = OnnxImport.read(fixture("residual.onnx"));
        Network r = res.network();
        assertTrue(!r.sequential());
        Conv2d dw = (Conv2d) r.layers().get(r.indexOf("dw"));
        assertEquals(6, dw.groups());
        assertEquals(2, dw.dilationH());
        assertEquals(List.of("Relu", "a2"), r.inputNamesOf(r.indexOf("Add")));
        assertEquals(List.of("bn", "pw"), r.inputNamesOf(r.indexOf("Concat")));
        assertTrue(r.layers().get(r.indexOf("Reshape")) instanceof Reshape);
        assertTrue(r.layers().get(r.indexOf("pooled")) instanceof Identity);
        // the BatchNorm reads a fork: it stays a node of its own (an affine node once folded)
        assertTrue(r.folded().layers().get(r.indexOf("bn")) instanceof Affine);

        OnnxImport.Result st = OnnxImport.read(fixture("sigtanh.onnx"));
        assertTrue(st.notes().stream().anyMatch(s -> s.contains("(MatMul) and its bias node '/Add' (Add) -> dense layer 'MatMul'")),
                st.notes().toString());
        assertTrue(st.notes().stream().anyMatch(s -> s.startsWith("removed the output LogSoftmax")), st.notes().toString());
        // weights are the float32 values, widened exactly (w was stored in float_data, the others in raw_data)
        Dense fc1 = (Dense) st.network().layers().get(0);
        for (double v : fc1.weight().data()) {
            assertEquals(v, (double) (float) v);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "residual", "sigtanh"})
    void importThenSaveAndOpenRoundTripsBitForBit(String name, @TempDir Path dir) throws Exception {
        Path onnx = fixture(name + ".onnx");
        Path out = dir.resolve(name + ".safetensors");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Main.run("import", onnx.toString(), "--out", out.toString());
        } finally {
            System.setOut(old);
        }
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, printed);
        assertTrue(printed.contains("import: ONNX opset"), printed);
        Network imported = ModelFile.load(onnx);
        byte[] file = Files.readAllBytes(out);
        assertArrayEquals(ModelFile.toBytes(imported), file, "lde import writes what ModelFile.save writes");
        Network back = ModelFile.load(out);
        assertArrayEquals(file, ModelFile.toBytes(back), "load + save gives the same bytes");
        ModelFileRoundTripTest.assertSameNetwork(imported, back);
        // and the folded networks compute the same bits
        JsonNode ref = reference(name);
        Network a = ModelFile.open(onnx);
        Network b = ModelFile.open(out);
        int n = ref.get("inputs").size();
        Tensor x = new Tensor(a.inputShape().withBatch(n), doubles(ref.get("inputs")));
        try (EjmlBackend ea = new EjmlBackend(a); EjmlBackend eb = new EjmlBackend(b)) {
            assertArrayEquals(ea.forward(x).data(), eb.forward(x).data());
        }
    }
}
