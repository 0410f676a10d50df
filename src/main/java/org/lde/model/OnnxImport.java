package org.lde.model;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.lde.model.OnnxTensors.Const;
import org.lde.model.onnx.proto.OnnxProto.GraphProto;
import org.lde.model.onnx.proto.OnnxProto.ModelProto;
import org.lde.model.onnx.proto.OnnxProto.NodeProto;
import org.lde.model.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.lde.model.onnx.proto.OnnxProto.TensorProto;
import org.lde.model.onnx.proto.OnnxProto.TensorShapeProto;
import org.lde.model.onnx.proto.OnnxProto.TypeProto;
import org.lde.model.onnx.proto.OnnxProto.ValueInfoProto;
import org.lde.tensor.Shape;

/**
 * Imports an <a href="https://onnx.ai">ONNX</a> model (opsets {@value #MIN_OPSET} to {@value #MAX_OPSET})
 * as a {@link Network}, parsed with the protobuf classes generated at build time from the official
 * {@code onnx.proto} ({@code src/main/protobuf}). The graph becomes a topologically sorted network
 * of the engine's node kinds (the table in {@code docs/model-format.md}, "ONNX import"): {@code Gemm}
 * and {@code MatMul} (+ a bias {@code Add}) become {@code dense}, {@code Conv} {@code conv2d}
 * (groups, dilations), {@code BatchNormalization} {@code batchnorm1d/2d}, and so on. A
 * {@code Softmax}/{@code LogSoftmax} whose output is the graph's output is removed (the engine works
 * on logits), and the import says so in {@link Result#notes()}.
 *
 * <p>Anything the engine cannot compute exactly is an error, never an approximation: another op
 * type, an attribute value it cannot honour ({@code ceil_mode}, asymmetric pads, {@code auto_pad}
 * SAME, {@code count_include_pad = 0} with padding, ...), a dynamic dimension other than the batch,
 * an unknown attribute, a missing input, a cycle, a shape mismatch, a non-finite weight. Errors are
 * {@link ModelFileException}s naming the file, and for a node its name, op type and the model's
 * opset; no network is returned.
 *
 * <p>Names: a layer takes the PyTorch module path when its weight initializer is called
 * {@code P.weight} (so the safetensors keys are the state-dict keys), otherwise the ONNX node's name
 * made to fit the engine's rule ({@code [A-Za-z0-9_.-]+}): a leading {@code /} is dropped, every
 * other {@code /} becomes {@code .}, every other character outside the rule becomes {@code _}, an
 * unnamed node is called {@code OpType_k} (k its index in the file), and a clash gets {@code _2},
 * {@code _3}, .... Every layer whose name differs from its node's is listed in the notes.
 *
 * <p>Float attributes (alpha, epsilon, ...) are float32 in ONNX; they are read as the double nearest
 * to their shortest decimal form ({@code Float.toString}), which is the value written in PyTorch
 * (e.g. {@code eps=1e-5}, not float32's 9.99999974737875e-6). Weights widen exactly.
 */
public final class OnnxImport {
    /** The lowest default-domain opset read. */
    public static final int MIN_OPSET = 11;
    /** The highest default-domain opset read. */
    public static final int MAX_OPSET = 18;
    /** The op types the importer takes. */
    public static final List<String> OP_TYPES = List.of("Gemm", "MatMul", "Add", "Conv", "MaxPool", "AveragePool",
            "GlobalAveragePool", "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Concat", "Flatten",
            "Reshape", "Identity", "Dropout", "Constant", "Softmax", "LogSoftmax");

    private OnnxImport() {
    }

    /** The imported network (BatchNorm kept, as {@link ModelFile#load}) and what the import did that a reader should know. */
    public record Result(Network network, List<String> notes) {
        public Result {
            notes = List.copyOf(notes);
        }
    }

    /** Whether {@code path} names an ONNX file (its name ends in {@code .onnx}, any case). */
    public static boolean isOnnx(Path path) {
        Path f = path.getFileName();
        return f != null && f.toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    /**
     * Imports the ONNX file at {@code path}.
     *
     * @throws ModelFileException naming the file (and node) when the model cannot be imported exactly
     * @throws UncheckedIOException naming the file when it cannot be read
     */
    public static Result read(Path path) {
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > ModelFile.MAX_FILE_BYTES) {
                throw new ModelFileException(path.toString(), "the file has " + size + " bytes; LDE reads model files of at "
                        + "most " + ModelFile.MAX_FILE_BYTES + " bytes");
            }
            try (InputStream in = Files.newInputStream(path)) {
                bytes = in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file '" + path + "': " + e, e);
        }
        return fromBytes(bytes, path.toString());
    }

    /**
     * Imports an ONNX model from the file content {@code bytes}; {@code source} names it in errors.
     *
     * @throws ModelFileException naming {@code source} (and the node) when the model cannot be imported exactly
     */
    public static Result fromBytes(byte[] bytes, String source) {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFileException(source, "not an ONNX model: the protobuf does not parse ("
                    + e.getMessage() + "); is the file truncated, or not ONNX?", e);
        }
        if (!model.getUnknownFields().asMap().isEmpty() || !model.hasGraph() || model.getIrVersion() <= 0) {
            throw new ModelFileException(source, "not an ONNX model: the protobuf parses, but "
                    + (!model.getUnknownFields().asMap().isEmpty() ? "has fields " + model.getUnknownFields().asMap().keySet()
                    + " that an ONNX ModelProto does not" : !model.hasGraph() ? "has no graph" : "has no ir_version")
                    + " (a different protobuf message, or not ONNX)");
        }
        try {
            return new Importer(model, source).run();
        } catch (ModelFileException e) {
            throw e;
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ModelFileException(source, e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------

    /** An ONNX value during the import: an engine node (name, per-sample shape) or a constant. */
    record Val(String node, Shape shape, Const constant) {
        boolean isConst() {
            return constant != null;
        }
    }

    static final class Importer {
        private final ModelProto model;
        private final String src;
        private final GraphProto g;
        private int opset;
        private final Map<String, Val> vals = new HashMap<>();
        private final Map<String, Integer> readers = new HashMap<>();
        private final Map<String, List<NodeProto>> readerNodes = new HashMap<>();
        private final Set<NodeProto> fused = new HashSet<>();
        private final Set<String> usedInitializers = new HashSet<>();
        private final Set<String> layerNames = new HashSet<>();
        private final List<Layer> layers = new ArrayList<>();
        private final List<List<String>> inputs = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private final List<String> renamed = new ArrayList<>();
        private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
        private long batch = -1; // the input's fixed batch size, or -1 when it is symbolic
        private String outputName;
        private String inputName;
        private int nodeIndex;

        Importer(ModelProto model, String src) {
            this.model = model;
            this.src = src;
            this.g = model.getGraph();
        }

        private ModelFileException fail(String problem) {
            return new ModelFileException(src, problem);
        }

        private ModelFileException fail(NodeProto n, String problem) {
            return new ModelFileException(src, where(n) + ": " + problem);
        }

        private String where(NodeProto n) {
            return "node '" + n.getName() + "' (op type " + n.getOpType() + ", opset " + opset + ")";
        }

        Result run() {
            opset = readOpset();
            if (g.getSparseInitializerCount() > 0) {
                throw fail("the graph has sparse initializers, which the importer does not read");
            }
            for (TensorProto t : g.getInitializerList()) {
                if (initializers.put(t.getName(), t) != null) {
                    throw fail("two initializers are named '" + t.getName() + "'");
                }
            }
            Val in = graphInput();
            vals.put(inputName, in);
            if (g.getOutputCount() != 1) {
                throw fail("the graph has " + g.getOutputCount() + " outputs " + names(g.getOutputList())
                        + "; the importer takes a graph with exactly one output (the logits)");
            }
            outputName = g.getOutput(0).getName();
            List<NodeProto> order = topologicalOrder(inputName);
            for (NodeProto n : order) {
                for (String v : n.getInputList()) {
                    if (!v.isEmpty()) {
                        readers.merge(v, 1, Integer::sum);
                        readerNodes.computeIfAbsent(v, k -> new ArrayList<>()).add(n);
                    }
                }
            }
            readers.merge(outputName, 1, Integer::sum);
            for (NodeProto n : order) {
                nodeIndex = indexInFile(n);
                if (!fused.contains(n)) {
                    node(n);
                }
            }
            Val out = vals.get(outputName);
            if (out == null || out.isConst()) {
                throw fail("the graph's output '" + outputName + "' is " + (out == null ? "produced by no node"
                        : "a constant") + "; nothing to import");
            }
            if (out.node().equals(Network.INPUT) || layers.isEmpty()) {
                throw fail("the graph's output is its input: the graph computes nothing");
            }
            List<String> unused = new ArrayList<>();
            for (String name : initializers.keySet()) {
                if (!usedInitializers.contains(name)) {
                    unused.add("'" + name + "'");
                }
            }
            if (!unused.isEmpty()) {
                notes.add(unused.size() + " initializer(s) read by no node were left out: " + String.join(", ", unused));
            }
            if (!renamed.isEmpty()) {
                notes.add("renamed to the engine's name rule ([A-Za-z0-9_.-]+, a weight 'P.weight' names its layer P): "
                        + String.join(", ", renamed));
            }
            Shape outShape = out.shape();
            Task task = outShape.rank() == 1 && outShape.dim(0) == 1 ? Task.REGRESSION : Task.CLASSIFICATION;
            Network net;
            try {
                net = new Network(vals.get(inputName).shape(), layers, inputs, task, List.of(), 0, 1);
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(src, "invalid network: " + e.getMessage(), e);
            }
            notes.add(0, "ONNX opset " + opset + ", IR version " + model.getIrVersion() + (model.getProducerName().isEmpty()
                    ? "" : ", made by " + model.getProducerName() + " " + model.getProducerVersion()) + ": "
                    + g.getNodeCount() + " node(s) -> " + layers.size() + " layer(s); domain [0, 1] and class names "
                    + "0.." + (net.outputSize() - 1) + " by default");
            return new Result(net, notes);
        }

        private int indexInFile(NodeProto n) {
            for (int i = 0; i < g.getNodeCount(); i++) {
                if (g.getNode(i) == n) {
                    return i;
                }
            }
            return -1;
        }

        private int readOpset() {
            Integer v = null;
            for (OperatorSetIdProto o : model.getOpsetImportList()) {
                if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                    v = (int) o.getVersion();
                }
            }
            if (v == null) {
                throw fail("the model imports no default-domain (ai.onnx) opset; the importer reads opsets " + MIN_OPSET
                        + " to " + MAX_OPSET);
            }
            if (v < MIN_OPSET || v > MAX_OPSET) {
                throw fail("the model uses ONNX opset " + v + "; the importer reads opsets " + MIN_OPSET + " to " + MAX_OPSET
                        + " (re-export with opset_version in that range)");
            }
            return v;
        }

        private static String names(List<ValueInfoProto> l) {
            List<String> s = new ArrayList<>();
            for (ValueInfoProto v : l) {
                s.add(v.getName());
            }
            return s.toString();
        }

        /** The one graph input that is not an initializer, with its per-sample shape. */
        private Val graphInput() {
            List<ValueInfoProto> real = new ArrayList<>();
            for (ValueInfoProto v : g.getInputList()) {
                if (!initializers.containsKey(v.getName())) {
                    real.add(v);
                }
            }
            if (real.size() != 1) {
                throw fail("the graph has " + real.size() + " inputs that are not initializers " + names(real)
                        + "; the importer takes exactly one (the batch of samples)");
            }
            ValueInfoProto v = real.get(0);
            inputName = v.getName();
            TypeProto t = v.getType();
            if (!t.hasTensorType()) {
                throw fail("graph input '" + v.getName() + "' is not a tensor");
            }
            int elem = t.getTensorType().getElemType();
            if (elem != OnnxTensors.FLOAT && elem != OnnxTensors.DOUBLE && elem != OnnxTensors.FLOAT16) {
                throw fail("graph input '" + v.getName() + "' has element type " + OnnxTensors.typeName(elem)
                        + "; the importer takes floating-point inputs");
            }
            if (!t.getTensorType().hasShape() || t.getTensorType().getShape().getDimCount() < 2) {
                throw fail("graph input '" + v.getName() + "' has " + (t.getTensorType().hasShape() ? "rank "
                        + t.getTensorType().getShape().getDimCount() : "no shape") + "; the importer needs a static shape "
                        + "[batch, ...] of rank 2 or more");
            }
            TensorShapeProto s = t.getTensorType().getShape();
            int[] dims = new int[s.getDimCount() - 1];
            TensorShapeProto.Dimension d0 = s.getDim(0);
            batch = d0.hasDimValue() ? d0.getDimValue() : -1;
            for (int k = 1; k < s.getDimCount(); k++) {
                TensorShapeProto.Dimension d = s.getDim(k);
                if (!d.hasDimValue() || d.getDimValue() < 1 || d.getDimValue() > Integer.MAX_VALUE) {
                    throw fail("graph input '" + v.getName() + "': dimension " + k + " is "
                            + (d.hasDimParam() ? "dynamic ('" + d.getDimParam() + "')" : d.hasDimValue() ? d.getDimValue()
                            : "unknown") + "; only the batch dimension (0) may be dynamic (export with a fixed input "
                            + "size and dynamic_axes on the batch alone)");
                }
                dims[k - 1] = (int) d.getDimValue();
            }
            return new Val(Network.INPUT, Shape.of(dims), null);
        }

        /** Kahn's algorithm (ties in file order); a missing input or a cycle is an error naming the nodes. */
        private List<NodeProto> topologicalOrder(String inputName) {
            Map<String, NodeProto> producer = new HashMap<>();
            for (NodeProto n : g.getNodeList()) {
                for (String o : n.getOutputList()) {
                    if (o.isEmpty()) {
                        continue;
                    }
                    if (initializers.containsKey(o) || o.equals(inputName)) {
                        throw fail(where(n) + " writes '" + o + "', which is already a graph input or initializer");
                    }
                    NodeProto prev = producer.put(o, n);
                    if (prev != null) {
                        throw fail("value '" + o + "' is written by two nodes: '" + prev.getName() + "' (" + prev.getOpType()
                                + ") and '" + n.getName() + "' (" + n.getOpType() + ")");
                    }
                }
            }
            Map<NodeProto, Integer> pending = new HashMap<>();
            Map<String, List<NodeProto>> waiting = new HashMap<>();
            Deque<NodeProto> ready = new ArrayDeque<>();
            for (NodeProto n : g.getNodeList()) {
                int k = 0;
                for (String v : n.getInputList()) {
                    if (v.isEmpty() || v.equals(inputName) || initializers.containsKey(v)) {
                        continue;
                    }
                    if (!producer.containsKey(v)) {
                        throw fail(where(n) + " reads '" + v + "', which is no graph input, initializer or node output "
                                + "(a missing initializer?)");
                    }
                    k++;
                    waiting.computeIfAbsent(v, x -> new ArrayList<>()).add(n);
                }
                pending.put(n, k);
                if (k == 0) {
                    ready.add(n);
                }
            }
            if (!producer.containsKey(outputName) && !outputName.equals(inputName)) {
                throw fail("the graph's output '" + outputName + "' is written by no node");
            }
            List<NodeProto> order = new ArrayList<>();
            while (!ready.isEmpty()) {
                NodeProto n = ready.poll();
                order.add(n);
                for (String o : n.getOutputList()) {
                    for (NodeProto r : waiting.getOrDefault(o, List.of())) {
                        if (pending.merge(r, -1, Integer::sum) == 0) {
                            ready.add(r);
                        }
                    }
                }
            }
            if (order.size() < g.getNodeCount()) {
                List<String> stuck = new ArrayList<>();
                for (NodeProto n : g.getNodeList()) {
                    if (pending.get(n) > 0) {
                        stuck.add("'" + n.getName() + "' (" + n.getOpType() + ")");
                    }
                }
                throw fail("the graph has a cycle: nodes " + String.join(", ", stuck) + " wait on each other's outputs; "
                        + "an ONNX graph must be acyclic");
            }
            return order;
        }

        // ---- nodes --------------------------------------------------------------------------

        private void node(NodeProto n) {
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw fail(n, "op domain '" + n.getDomain() + "' is not supported; the importer takes the default domain's "
                        + OP_TYPES);
            }
            OnnxNodes.Attrs a = new OnnxNodes.Attrs(n, where(n));
            if (Set.of("GlobalAveragePool", "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Flatten", "Identity", "Softmax",
                    "LogSoftmax").contains(n.getOpType())) {
                requireInputs(n, 1, 1); // a second input would otherwise be ignored
            }
            switch (n.getOpType()) {
                case "Constant" -> constant(n, a);
                case "Gemm" -> OnnxNodes.gemm(this, n, a);
                case "MatMul" -> OnnxNodes.matMul(this, n, a);
                case "Conv" -> OnnxNodes.conv(this, n, a);
                case "MaxPool", "AveragePool" -> OnnxNodes.pool(this, n, a);
                case "GlobalAveragePool" -> {
                    a.allow();
                    Val x = act(n, 0, 3, "[C, H, W]");
                    addLayer(n, new GlobalAvgPool(layerName(n, null)), x);
                }
                case "BatchNormalization" -> OnnxNodes.batchNorm(this, n, a);
                case "Relu", "Sigmoid", "Tanh" -> {
                    a.allow();
                    Val x = act(n, 0, -1, null);
                    String name = layerName(n, null);
                    addLayer(n, n.getOpType().equals("Relu") ? new ReLU(name) : n.getOpType().equals("Sigmoid")
                            ? new Sigmoid(name) : new Tanh(name), x);
                }
                case "LeakyRelu" -> {
                    a.allow("alpha");
                    Val x = act(n, 0, -1, null);
                    addLayer(n, new LeakyReLU(layerName(n, null), a.f("alpha", 0.01)), x);
                }
                case "Add" -> {
                    a.allow();
                    requireInputs(n, 2, 2);
                    Val x = val(n, 0);
                    Val y = val(n, 1);
                    if (x.isConst() || y.isConst()) {
                        throw fail(n, "adds the constant '" + (x.isConst() ? n.getInput(0) : n.getInput(1)) + "'; the "
                                + "importer takes Add of two computed values (a residual join) or a bias Add right after "
                                + "a MatMul that nothing else reads");
                    }
                    join(n, new Add(layerName(n, null)), List.of(x, y));
                }
                case "Concat" -> {
                    a.allow("axis");
                    requireInputs(n, 2, Integer.MAX_VALUE);
                    List<Val> xs = new ArrayList<>();
                    for (int k = 0; k < n.getInputCount(); k++) {
                        xs.add(act(n, k, -1, null));
                    }
                    long axis = a.i("axis", Long.MIN_VALUE);
                    int rank = xs.get(0).shape().rank() + 1;
                    if (axis != 1 && axis != 1 - rank) {
                        throw fail(n, "axis " + (axis == Long.MIN_VALUE ? "is missing" : "= " + axis) + "; the engine "
                                + "concatenates along the channel axis 1 (the first after the batch) only");
                    }
                    join(n, new Concat(layerName(n, null)), xs);
                }
                case "Flatten" -> {
                    a.allow("axis");
                    Val x = act(n, 0, -1, null);
                    long axis = a.i("axis", 1);
                    if (axis != 1 && axis != 1 - (x.shape().rank() + 1)) {
                        throw fail(n, "axis = " + axis + "; the engine flattens everything after the batch (axis 1) only");
                    }
                    addLayer(n, new Flatten(layerName(n, null)), x);
                }
                case "Reshape" -> OnnxNodes.reshape(this, n, a);
                case "Identity" -> {
                    a.allow();
                    Val x = act(n, 0, -1, null);
                    addLayer(n, new Identity(layerName(n, null)), x);
                }
                case "Dropout" -> OnnxNodes.dropout(this, n, a);
                case "Softmax", "LogSoftmax" -> {
                    a.allow("axis");
                    Val x = act(n, 0, 1, "[C] (a batch of vectors)");
                    long axis = a.i("axis", opset < 13 ? 1 : -1);
                    if (axis != 1 && axis != -1) {
                        throw fail(n, "axis = " + axis + " on a [batch, C] input; expected 1 or -1");
                    }
                    if (!n.getOutput(0).equals(outputName)) {
                        throw fail(n, "is not at the graph's output; the engine works on logits, and takes "
                                + n.getOpType() + " only as the last node (where the import removes it)");
                    }
                    outputName = n.getInput(0);
                    notes.add("removed the output " + n.getOpType() + " node '" + n.getName() + "': the engine works on "
                            + "logits, so the imported network's output is its input '" + n.getInput(0) + "' (the class "
                            + "order, argmax and margins are unchanged)");
                }
                default -> throw fail(n, "op type " + n.getOpType() + " is not supported; the importer takes " + OP_TYPES
                        + " (docs/model-format.md, \"ONNX import\")");
            }
        }

        private void constant(NodeProto n, OnnxNodes.Attrs a) {
            a.allow("value");
            if (!a.has("value")) {
                throw fail(n, "a Constant without a 'value' tensor is not supported");
            }
            if (n.getOutputCount() != 1) {
                throw fail(n, "has " + n.getOutputCount() + " outputs, expected 1");
            }
            Const c = OnnxTensors.decode(a.get("value").getT(), where(n) + ": its value tensor");
            vals.put(n.getOutput(0), new Val(null, null, c));
        }

        // ---- helpers used by OnnxNodes ------------------------------------------------------

        ModelFileException error(NodeProto n, String problem) {
            return fail(n, problem);
        }

        void requireInputs(NodeProto n, int min, int max) {
            int k = n.getInputCount();
            while (k > 0 && n.getInput(k - 1).isEmpty()) {
                k--;
            }
            if (k < min || k > max) {
                throw fail(n, "has " + k + " inputs, expected " + (min == max ? "" + min : max == Integer.MAX_VALUE
                        ? "at least " + min : min + " to " + max));
            }
        }

        /** Input k, as an engine value or a constant. */
        Val val(NodeProto n, int k) {
            String v = n.getInput(k);
            Val x = vals.get(v);
            if (x != null) {
                return x;
            }
            TensorProto t = initializers.get(v);
            if (t != null) {
                usedInitializers.add(v);
                Const c = OnnxTensors.decode(t, "initializer '" + v + "' (read by " + where(n) + ")");
                Val cv = new Val(null, null, c);
                vals.put(v, cv);
                return cv;
            }
            throw fail(n, "input '" + v + "' is not available"); // topologicalOrder() makes this unreachable
        }

        /** Input k, which must be a computed value of per-sample rank {@code rank} (-1: any). */
        Val act(NodeProto n, int k, int rank, String expected) {
            if (k >= n.getInputCount() || n.getInput(k).isEmpty()) {
                throw fail(n, "input " + k + " is missing");
            }
            Val x = val(n, k);
            if (x.isConst()) {
                throw fail(n, "input " + k + " '" + n.getInput(k) + "' is a constant; the engine's nodes compute on the "
                        + "network's input");
            }
            if (rank >= 0 && x.shape().rank() != rank) {
                throw fail(n, "reads '" + n.getInput(k) + "' of per-sample shape " + x.shape() + " (batch " + batchText()
                        + "), but takes " + expected);
            }
            return x;
        }

        /** Input k, which must be a constant (an initializer or a Constant node's output). */
        Const constIn(NodeProto n, int k, String what) {
            if (k >= n.getInputCount() || n.getInput(k).isEmpty()) {
                throw fail(n, "input " + k + " (" + what + ") is missing");
            }
            Val x = val(n, k);
            if (!x.isConst()) {
                throw fail(n, "input " + k + " (" + what + ") '" + n.getInput(k) + "' is computed from the network's "
                        + "input; the importer needs it as an initializer or Constant");
            }
            return x.constant();
        }

        /** Whether value {@code v} is an initializer or an already computed constant. */
        boolean isConstant(String v) {
            Val x = vals.get(v);
            return x != null ? x.isConst() : initializers.containsKey(v);
        }

        String batchText() {
            return batch < 0 ? "dynamic" : Long.toString(batch);
        }

        long batch() {
            return batch;
        }

        /** The nodes reading value {@code v} (graph output not included) and how many reads there are in all. */
        List<NodeProto> readersOf(String v) {
            return readerNodes.getOrDefault(v, List.of());
        }

        int readCount(String v) {
            return readers.getOrDefault(v, 0);
        }

        void fuse(NodeProto n) {
            fused.add(n);
        }

        /**
         * The layer name for node {@code n}: the module path P when {@code weight} is named "P.weight",
         * else the node's name made to fit the rule; unique; a rename is noted.
         */
        String layerName(NodeProto n, String weight) {
            String base = null;
            if (weight != null && weight.endsWith(".weight")) {
                String p = weight.substring(0, weight.length() - ".weight".length());
                if (p.matches("[A-Za-z0-9_.\\-]+") && !p.equals(Network.INPUT) && !layerNames.contains(p)) {
                    base = p;
                }
            }
            if (base == null) {
                base = sanitize(n.getName(), n.getOpType() + "_" + nodeIndex);
            }
            String name = base;
            for (int k = 2; layerNames.contains(name); k++) {
                name = base + "_" + k;
            }
            layerNames.add(name);
            if (!name.equals(n.getName())) {
                renamed.add("'" + n.getName() + "' -> '" + name + "'");
            }
            return name;
        }

        /** The rule of the class comment; {@code fallback} for an empty name. */
        static String sanitize(String s, String fallback) {
            if (s.isEmpty()) {
                return fallback;
            }
            String t = s.startsWith("/") ? s.substring(1) : s;
            t = t.replace('/', '.').replaceAll("[^A-Za-z0-9_.\\-]", "_");
            if (t.isEmpty()) {
                return fallback;
            }
            return t.equals(Network.INPUT) ? t + "_" : t;
        }

        /** Adds a one-input layer reading {@code x}; its output is node n's first output. */
        void addLayer(NodeProto n, Layer l, Val x) {
            addLayer(n, l, List.of(x), n.getOutput(0));
        }

        void addLayer(NodeProto n, Layer l, List<Val> xs, String output) {
            Shape s;
            try {
                if (l instanceof Join j) {
                    List<Shape> shapes = new ArrayList<>();
                    for (Val x : xs) {
                        shapes.add(x.shape());
                    }
                    s = j.outputShape(shapes);
                } else {
                    s = l.outputShape(xs.get(0).shape());
                }
            } catch (IllegalArgumentException e) {
                List<String> from = new ArrayList<>();
                for (int k = 0; k < xs.size(); k++) {
                    from.add("'" + xs.get(k).node() + "' " + xs.get(k).shape());
                }
                throw fail(n, "shape mismatch: it reads " + String.join(" and ", from) + " (per sample): "
                        + e.getMessage());
            }
            List<String> in = new ArrayList<>();
            for (Val x : xs) {
                in.add(x.node());
            }
            layers.add(l);
            inputs.add(in);
            Val out = new Val(l.name(), s, null);
            vals.put(output, out);
            for (int k = 1; k < n.getOutputCount(); k++) {
                String extra = n.getOutput(k);
                if (!extra.isEmpty() && readCount(extra) > 0) {
                    throw fail(n, "output " + k + " '" + extra + "' is read by the graph; the importer takes only the "
                            + "first output of " + n.getOpType());
                }
            }
        }

        private void join(NodeProto n, Layer l, List<Val> xs) {
            addLayer(n, l, xs, n.getOutput(0));
        }

        void alias(String onnxValue, Val v) {
            vals.put(onnxValue, v);
        }

        void note(String s) {
            notes.add(s);
        }

        static String dims(long[] d) {
            return Arrays.toString(d);
        }
    }
}
