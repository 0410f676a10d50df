package org.lde.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.lde.model.SafetensorsHeader.DType;
import org.lde.model.SafetensorsHeader.Entry;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

import static org.lde.model.ModelFile.LAYER_KINDS;
import static org.lde.model.ModelFile.halfToDouble;
import static org.lde.model.ModelFile.indexText;
import static org.lde.model.ModelJson.typeName;

/** Builds the {@link Network} that a model file's architecture JSON and tensors describe. */
final class ArchitectureReader {
    private static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

    private final byte[] bytes;
    private final String src;
    private final long dataStart;
    private final JsonNode arch;
    private final Map<String, Entry> entries;

    ArchitectureReader(SafetensorsHeader h) {
        this.bytes = h.bytes;
        this.src = h.src;
        this.dataStart = h.dataStart;
        this.arch = h.architecture;
        this.entries = h.entries;
    }

    ModelFileException fail(String problem) {
        return new ModelFileException(src, problem);
    }

    /** The network, complete, or a {@link ModelFileException}. */
    Network build() {
        ModelJson.Obj top = new ModelJson.Obj(src, "architecture", arch, Set.of("input", "task", "classes", "domain", "features",
                "layers"));
        int[] input = top.intArray("input", -1, 1);
        Task task = Task.CLASSIFICATION;
        if (top.has("task")) {
            String t = top.text("task");
            if (t.equals("classification")) {
                task = Task.CLASSIFICATION;
            } else if (t.equals("regression")) {
                task = Task.REGRESSION;
            } else {
                throw top.error("field 'task' must be \"classification\" or \"regression\", got \"" + t + "\"");
            }
        }
        List<String> classes = top.has("classes") ? top.textArray("classes") : List.of();
        double lo = 0;
        double hi = 1;
        if (top.has("domain")) {
            double[] dom = top.numberArray("domain", 2);
            lo = dom[0];
            hi = dom[1];
        }
        JsonNode layersNode = top.required("layers");
        if (!layersNode.isArray()) {
            throw top.error("field 'layers' must be an array, got " + typeName(layersNode));
        }
        if (layersNode.isEmpty()) {
            throw top.error("field 'layers' is empty");
        }
        Map<String, String> owner = new TreeMap<>();
        List<Layer> layers = new ArrayList<>();
        List<List<String>> inputs = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (int i = 0; i < layersNode.size(); i++) {
            Layer l = layer(i, layersNode.get(i), entries, used, owner);
            layers.add(l);
            inputs.add(inputs(i, layersNode.get(i), l));
        }
        List<String> unused = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (!used.contains(e.name())) {
                unused.add("'" + e.name() + "' (" + e.dtype() + " " + e.shape() + ")");
            }
        }
        if (!unused.isEmpty()) {
            throw fail(unused.size() + " tensor(s) in the file are used by no layer: " + String.join(", ", unused)
                    + "; layers use " + owner.keySet());
        }
        FeatureScaling features = top.has("features") ? features(top) : null;
        try {
            Network net = new Network(Shape.of(input), layers, inputs, task, classes, lo, hi);
            return features != null ? net.withFeatures(features) : net;
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(src, "invalid network: " + e.getMessage(), e);
        }
    }

    /** The {@code features} object: per-feature names, units, domains and their provenance. */
    private FeatureScaling features(ModelJson.Obj top) {
        JsonNode node = top.required("features");
        ModelJson.Obj f = new ModelJson.Obj(src, "architecture: features", node, Set.of("names", "units", "lo", "hi", "source"));
        List<String> names = f.textArray("names");
        List<String> units = f.textArray("units");
        double[] lo = f.numberArray("lo", names.size());
        double[] hi = f.numberArray("hi", names.size());
        try {
            return new FeatureScaling(names, units, lo, hi, f.text("source"));
        } catch (IllegalArgumentException e) {
            throw f.error(e.getMessage());
        }
    }

    Layer layer(int i, JsonNode node, Map<String, Entry> entries, Set<String> used, Map<String, String> owner) {
        String where0 = "architecture: layers[" + i + "]";
        if (!node.isObject()) {
            throw fail(where0 + " must be an object, got " + typeName(node));
        }
        JsonNode kindNode = node.get("kind");
        JsonNode nameNode = node.get("name");
        if (nameNode == null || !nameNode.isTextual()) {
            throw fail(where0 + ": field 'name' is " + (nameNode == null ? "missing" : "not a string but "
                    + typeName(nameNode)) + " (every layer needs a name)");
        }
        String name = nameNode.textValue();
        String where1 = where0 + " '" + name + "'";
        if (kindNode == null || !kindNode.isTextual()) {
            throw fail(where1 + ": field 'kind' is " + (kindNode == null ? "missing" : "not a string but "
                    + typeName(kindNode)) + "; known kinds are " + LAYER_KINDS);
        }
        String kind = kindNode.textValue();
        Set<String> allowed;
        switch (kind) {
            case "conv2d":
                allowed = Set.of("name", "kind", "inputs", "in_channels", "out_channels", "kernel", "stride", "padding",
                        "groups", "dilation");
                break;
            case "batchnorm1d":
            case "batchnorm2d":
                allowed = Set.of("name", "kind", "inputs", "num_features", "eps");
                break;
            case "affine":
                allowed = Set.of("name", "kind", "inputs", "num_features");
                break;
            case "leaky_relu":
                allowed = Set.of("name", "kind", "inputs", "negative_slope");
                break;
            case "dropout":
                allowed = Set.of("name", "kind", "inputs", "p");
                break;
            case "reshape":
                allowed = Set.of("name", "kind", "inputs", "shape");
                break;
            case "maxpool2d":
            case "avgpool2d":
                allowed = Set.of("name", "kind", "inputs", "kernel", "stride", "padding");
                break;
            case "dense":
                allowed = Set.of("name", "kind", "inputs", "in_features", "out_features");
                break;
            case "relu":
            case "sigmoid":
            case "tanh":
            case "flatten":
            case "identity":
            case "global_avg_pool":
            case "add":
            case "concat":
                allowed = Set.of("name", "kind", "inputs");
                break;
            default:
                throw fail(where1 + ": unknown layer kind '" + kind + "'; known kinds are " + LAYER_KINDS);
        }
        ModelJson.Obj o = new ModelJson.Obj(src, where1 + " (" + kind + ")", node, allowed);
        String where = "layer '" + name + "' (" + kind + ")";
        try {
            switch (kind) {
                case "conv2d": {
                    int cin = o.positiveInt("in_channels");
                    int cout = o.positiveInt("out_channels");
                    int[] k = o.intArray("kernel", 2, 1);
                    int[] s = o.intArray("stride", 2, 1);
                    int[] p = o.intArray("padding", 2, 0);
                    int groups = o.has("groups") ? o.positiveInt("groups") : 1;
                    int[] dil = o.has("dilation") ? o.intArray("dilation", 2, 1) : new int[] {1, 1};
                    if (cin % groups != 0 || cout % groups != 0) {
                        throw o.error("field 'groups' = " + groups + " must divide in_channels " + cin + " and out_channels "
                                + cout);
                    }
                    Tensor w = tensor(entries, used, owner, where, name + ".weight",
                            Shape.of(cout, cin / groups, k[0], k[1]));
                    Tensor b = tensor(entries, used, owner, where, name + ".bias", Shape.of(cout));
                    return new Conv2d(name, cin, cout, k[0], k[1], s[0], s[1], p[0], p[1], groups, dil[0], dil[1], w, b);
                }
                case "affine": {
                    int c = o.positiveInt("num_features");
                    Tensor w = tensor(entries, used, owner, where, name + ".weight", Shape.of(c));
                    Tensor b = tensor(entries, used, owner, where, name + ".bias", Shape.of(c));
                    return new Affine(name, c, w, b);
                }
                case "leaky_relu":
                    return new LeakyReLU(name, o.has("negative_slope") ? o.number("negative_slope") : 0.01);
                case "dropout":
                    return new Dropout(name, o.has("p") ? o.number("p") : 0.5);
                case "reshape":
                    return new Reshape(name, Shape.of(o.intArray("shape", -1, 1)));
                case "sigmoid":
                    return new Sigmoid(name);
                case "tanh":
                    return new Tanh(name);
                case "identity":
                    return new Identity(name);
                case "global_avg_pool":
                    return new GlobalAvgPool(name);
                case "add":
                    return new Add(name);
                case "concat":
                    return new Concat(name);
                case "batchnorm1d":
                case "batchnorm2d": {
                    int c = o.positiveInt("num_features");
                    double eps = o.number("eps");
                    Shape cs = Shape.of(c);
                    Tensor w = tensor(entries, used, owner, where, name + ".weight", cs);
                    Tensor b = tensor(entries, used, owner, where, name + ".bias", cs);
                    Tensor m = tensor(entries, used, owner, where, name + ".running_mean", cs);
                    Tensor v = tensor(entries, used, owner, where, name + ".running_var", cs);
                    String nbt = name + "." + NUM_BATCHES_TRACKED;
                    Entry e = entries.get(nbt);
                    if (e != null) {
                        if (e.dtype() != DType.I64 || e.shape().rank() != 0) {
                            throw fail("tensor '" + nbt + "' must be PyTorch's I64 scalar (shape []), got "
                                    + e.dtype() + " " + e.shape());
                        }
                        used.add(nbt); // PyTorch's training counter: accepted and ignored
                        owner.put(nbt, name);
                    }
                    return kind.equals("batchnorm1d") ? new BatchNorm1d(name, c, w, b, m, v, eps)
                            : new BatchNorm2d(name, c, w, b, m, v, eps);
                }
                case "maxpool2d":
                case "avgpool2d": {
                    int[] k = o.intArray("kernel", 2, 1);
                    int[] s = o.intArray("stride", 2, 1);
                    int[] p = o.intArray("padding", 2, 0);
                    return kind.equals("maxpool2d") ? new MaxPool2d(name, k[0], k[1], s[0], s[1], p[0], p[1])
                            : new AvgPool2d(name, k[0], k[1], s[0], s[1], p[0], p[1]);
                }
                case "dense": {
                    int in = o.positiveInt("in_features");
                    int out = o.positiveInt("out_features");
                    Tensor w = tensor(entries, used, owner, where, name + ".weight", Shape.of(out, in));
                    Tensor b = tensor(entries, used, owner, where, name + ".bias", Shape.of(out));
                    return new Dense(name, in, out, w, b);
                }
                case "relu":
                    return new ReLU(name);
                default: // "flatten"; other kinds were rejected above
                    return new Flatten(name);
            }
        } catch (ModelFileException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(src, where1 + ": " + e.getMessage(), e);
        }
    }

    /** The names in a layer's optional {@code inputs} field (empty: the layer before it). */
    List<String> inputs(int i, JsonNode node, Layer l) {
        JsonNode in = node.get("inputs");
        if (in == null) {
            return List.of();
        }
        String where = "architecture: layers[" + i + "] '" + l.name() + "' (" + l.kind() + ")";
        if (!in.isArray() || in.isEmpty()) {
            throw fail(where + ": field 'inputs' must be a non-empty array of layer names (or \"" + Network.INPUT
                    + "\"), got " + in);
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < in.size(); k++) {
            if (!in.get(k).isTextual()) {
                throw fail(where + ": inputs[" + k + "] must be a layer name, got " + typeName(in.get(k)));
            }
            names.add(in.get(k).textValue());
        }
        return names;
    }

    Tensor tensor(Map<String, Entry> entries, Set<String> used, Map<String, String> owner, String where,
                  String key, Shape expected) {
        String prevOwner = owner.put(key, where);
        if (prevOwner != null) {
            throw fail("tensor '" + key + "' would be used by both " + prevOwner + " and " + where);
        }
        Entry e = entries.get(key);
        if (e == null) {
            throw fail("missing tensor '" + key + "' (shape " + expected + ") for " + where);
        }
        if (!e.shape().equals(expected)) {
            throw fail("tensor '" + key + "' has shape " + e.shape() + " in the file, but " + where + " needs "
                    + expected);
        }
        if (!e.dtype().isFloat()) {
            throw fail("tensor '" + key + "' has dtype " + e.dtype() + "; weights must be F64, F32, F16 or BF16");
        }
        used.add(key);
        int n = expected.sizeInt();
        double[] d = new double[n];
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int base = Math.toIntExact(dataStart + e.begin());
        for (int i = 0; i < n; i++) {
            double v;
            switch (e.dtype()) {
                case F64:
                    v = bb.getDouble(base + 8 * i);
                    break;
                case F32:
                    v = bb.getFloat(base + 4 * i); // float -> double widening is exact
                    break;
                case F16:
                    v = halfToDouble(bb.getShort(base + 2 * i) & 0xffff);
                    break;
                default: // BF16
                    v = Float.intBitsToFloat((bb.getShort(base + 2 * i) & 0xffff) << 16);
                    break;
            }
            if (!Double.isFinite(v)) {
                throw fail("tensor '" + key + "' contains " + v + " at " + indexText(expected, i)
                        + "; weights must be finite");
            }
            d[i] = v;
        }
        return new Tensor(expected, d);
    }
}
