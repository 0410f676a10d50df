package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.lde.testing.MarkdownBlocks;

/**
 * docs/model-format.md and docs/lde-architecture.schema.json agree with {@link ModelFile}: every
 * embedded model's architecture validates against the schema; the page's example validates, and the
 * file its header describes loads with the layers and shapes the page states; and what the schema
 * refuses, the reader refuses too.
 */
class ModelFormatDocTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOC = "docs/model-format.md";

    static JsonSchema schema() throws IOException {
        JsonNode node = JSON.readTree(MarkdownBlocks.root().resolve("docs/lde-architecture.schema.json").toFile());
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node);
    }

    /** The header of a safetensors file's bytes. */
    static JsonNode header(byte[] bytes) throws IOException {
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
    }

    /** Every model file the repository embeds (main and test resources). */
    static List<Path> embeddedModels() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("src/main/resources", "src/test/resources")) {
            try (Stream<Path> s = Files.walk(MarkdownBlocks.root().resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".safetensors")).sorted().forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void everyEmbeddedModelsArchitectureValidatesAgainstTheSchema() throws IOException {
        JsonSchema schema = schema();
        List<Path> models = embeddedModels();
        assertTrue(models.size() >= 4, "expected the sample models, found " + models);
        for (Path p : models) {
            JsonNode meta = header(Files.readAllBytes(p)).get("__metadata__");
            JsonNode arch = JSON.readTree(meta.get(ModelFile.ARCHITECTURE_KEY).textValue());
            Set<ValidationMessage> errors = schema.validate(arch);
            assertTrue(errors.isEmpty(), p + ": " + errors);
            ModelFile.load(p); // and the reader takes it
        }
    }

    @Test
    void theExampleOnThePageValidatesAndItsHeaderLoadsAsDescribed() throws IOException {
        JsonNode arch = JSON.readTree(MarkdownBlocks.tagged(DOC, "architecture").text());
        assertEquals(Set.of(), schema().validate(arch));
        JsonNode header = JSON.readTree(MarkdownBlocks.tagged(DOC, "header").text());
        assertEquals(arch, JSON.readTree(header.get("__metadata__").get(ModelFile.ARCHITECTURE_KEY).textValue()),
                "the header's lde.architecture differs from the architecture block");
        Network net = ModelFile.fromBytes(fileFor(header), DOC + " example");
        List<String> names = List.of("conv1", "bn1", "relu1", "dw", "act", "res", "aff", "sig", "cat", "pool1", "pool2",
                "flat", "gap", "rs", "cat2", "fc1", "bn2", "th", "drop", "id", "fc");
        assertEquals(names, net.layers().stream().map(Layer::name).toList());
        assertEquals(List.of("conv2d", "batchnorm2d", "relu", "conv2d", "leaky_relu", "add", "affine", "sigmoid", "concat",
                "maxpool2d", "avgpool2d", "flatten", "global_avg_pool", "reshape", "concat", "dense", "batchnorm1d", "tanh",
                "dropout", "identity", "dense"), net.layers().stream().map(Layer::kind).toList());
        // the graph the page states
        assertEquals(List.of("relu1", "act"), net.inputNamesOf(5));
        assertEquals(List.of("relu1"), net.inputNamesOf(7));
        assertEquals(List.of("pool2"), net.inputNamesOf(12));
        assertEquals(List.of("flat", "rs"), net.inputNamesOf(14));
        Conv2d dw = (Conv2d) net.layers().get(3);
        assertEquals(List.of(2, 2, 2), List.of(dw.groups(), dw.dilationH(), dw.dilationW()));
        // the shapes the page states
        assertEquals(List.of("[2, 8, 8]", "[2, 8, 8]", "[2, 8, 8]", "[2, 8, 8]", "[2, 8, 8]", "[2, 8, 8]", "[2, 8, 8]",
                "[2, 8, 8]", "[4, 8, 8]", "[4, 4, 4]", "[4, 2, 2]", "[16]", "[4, 1, 1]", "[4]", "[20]", "[6]", "[6]", "[6]",
                "[6]", "[6]", "[3]"),
                java.util.stream.IntStream.range(0, 21).mapToObj(i -> java.util.Arrays.toString(net.outputShape(i).dims())).toList());
        assertEquals(List.of("circle", "square", "cross"), net.classNames());
        // "220 bytes of data follow it", every kind of the reader is used
        long end = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                end = Math.max(end, e.getValue().get("data_offsets").get(1).asLong());
            }
        }
        assertEquals(892, end);
        assertEquals(Set.copyOf(ModelFile.LAYER_KINDS), Set.copyOf(net.layers().stream().map(Layer::kind).toList()));
        // open() folds bn1 into conv1 and bn2 into fc1
        assertEquals(names.stream().filter(n -> !n.equals("bn1") && !n.equals("bn2")).toList(),
                ModelFile.fromBytes(fileFor(header), "example").folded().layers().stream().map(Layer::name).toList());
    }

    /** The file the header describes, its F32 tensors filled with small distinct values (variances positive). */
    static byte[] fileFor(JsonNode header) throws IOException {
        byte[] h = JSON.writeValueAsBytes(header);
        long dataLength = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                dataLength = Math.max(dataLength, e.getValue().get("data_offsets").get(1).asLong());
            }
        }
        ByteBuffer bb = ByteBuffer.allocate(8 + h.length + (int) dataLength).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(h.length).put(h);
        for (int i = 0; i < dataLength / 4; i++) {
            bb.putFloat(0.25f + 0.01f * i);
        }
        return bb.array();
    }

    /** Mutations of the example: the schema and the reader both refuse each one. */
    @Test
    void whatTheSchemaRefusesTheReaderRefuses() throws IOException {
        JsonSchema schema = schema();
        JsonNode header = JSON.readTree(MarkdownBlocks.tagged(DOC, "header").text());
        Map<String, Consumer<ObjectNode>> mutations = Map.ofEntries(
                Map.entry("unknown field dilations", a -> ((ObjectNode) a.get("layers").get(0)).putArray("dilations").add(2).add(2)),
                Map.entry("add with one input", a -> ((ArrayNode) a.get("layers").get(5).get("inputs")).remove(1)),
                Map.entry("inputs not a list", a -> ((ObjectNode) a.get("layers").get(7)).put("inputs", "relu1")),
                Map.entry("groups zero", a -> ((ObjectNode) a.get("layers").get(3)).put("groups", 0)),
                Map.entry("dropout p one", a -> ((ObjectNode) a.get("layers").get(18)).put("p", 1.0)),
                Map.entry("unknown layer kind", a -> ((ObjectNode) a.get("layers").get(2)).put("kind", "gelu")),
                Map.entry("missing stride", a -> ((ObjectNode) a.get("layers").get(3)).remove("stride")),
                Map.entry("negative padding", a -> ((ArrayNode) a.get("layers").get(0).get("padding")).set(0, -1)),
                Map.entry("bad layer name", a -> ((ObjectNode) a.get("layers").get(2)).put("name", "relu 1")),
                Map.entry("unknown top-level field", a -> a.put("version", 2)),
                Map.entry("task misspelt", a -> a.put("task", "classifier")),
                Map.entry("eps zero", a -> ((ObjectNode) a.get("layers").get(1)).put("eps", 0.0)),
                Map.entry("reshape without shape", a -> ((ObjectNode) a.get("layers").get(13)).remove("shape")),
                Map.entry("empty layers", a -> ((ArrayNode) a.get("layers")).removeAll()),
                Map.entry("kernel of three", a -> ((ArrayNode) a.get("layers").get(3).get("kernel")).add(2)));
        for (Map.Entry<String, Consumer<ObjectNode>> m : mutations.entrySet()) {
            ObjectNode arch = (ObjectNode) JSON.readTree(header.get("__metadata__").get(ModelFile.ARCHITECTURE_KEY).textValue());
            m.getValue().accept(arch);
            assertFalse(schema.validate(arch).isEmpty(), m.getKey() + ": the schema accepts " + arch);
            ObjectNode h = header.deepCopy();
            ((ObjectNode) h.get("__metadata__")).put(ModelFile.ARCHITECTURE_KEY, JSON.writeValueAsString(arch));
            byte[] bytes = fileFor(h);
            ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.fromBytes(bytes, "mutated"),
                    m.getKey() + ": the reader accepts " + arch);
            assertTrue(e.getMessage().contains("'mutated'"), e.getMessage());
        }
    }

    @Test
    void theSchemaKnowsExactlyTheReadersLayerKinds() throws IOException {
        try (InputStream in = Files.newInputStream(MarkdownBlocks.root().resolve("docs/lde-architecture.schema.json"))) {
            JsonNode kinds = JSON.readTree(in).get("$defs").get("layer").get("properties").get("kind").get("enum");
            List<String> k = new ArrayList<>();
            kinds.forEach(n -> k.add(n.textValue()));
            assertEquals(ModelFile.LAYER_KINDS, k);
        }
    }
}
