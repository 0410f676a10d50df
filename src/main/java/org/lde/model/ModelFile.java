package org.lde.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Reads and writes LDE model files: <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * files whose {@code __metadata__} carries the architecture.
 *
 * <h2>Layout</h2>
 * <pre>
 *   u64 little-endian N | N bytes UTF-8 JSON header (padded with spaces) | data section
 * </pre>
 * The header maps each tensor name to {@code {"dtype": .., "shape": [..], "data_offsets": [begin, end]}}
 * (offsets in bytes, relative to the start of the data section, {@code end} exclusive, values
 * little-endian and row-major). The optional {@code "__metadata__"} object maps strings to
 * strings; LDE stores {@code "lde.format_version": "1"} and {@code "lde.architecture"}, a JSON
 * document (as a string) of the form
 * <pre>
 * {"input":[1,28,28], "task":"classification", "classes":["0",..], "domain":[0.0,1.0],
 *  "layers":[{"name":"conv1","kind":"conv2d","in_channels":1,"out_channels":8,
 *             "kernel":[3,3],"stride":[1,1],"padding":[1,1]},
 *            {"name":"bn1","kind":"batchnorm2d","num_features":8,"eps":1.0E-5},
 *            {"name":"relu1","kind":"relu"},
 *            {"name":"pool1","kind":"maxpool2d","kernel":[2,2],"stride":[2,2],"padding":[0,0]},
 *            {"name":"pool2","kind":"avgpool2d","kernel":[2,2],"stride":[2,2],"padding":[0,0]},
 *            {"name":"flat","kind":"flatten"},
 *            {"name":"fc","kind":"dense","in_features":392,"out_features":10}]}
 * </pre>
 * {@code input} and {@code layers} are required; {@code task} defaults to classification,
 * {@code classes} to {@code ["0", "1", ..]} and {@code domain} to {@code [0, 1]}. Every field a
 * layer kind has is required, and unknown fields are errors (a silently ignored
 * {@code "dilation"} would give a different network). {@code lde.format_version} may be absent
 * (then version 1 is assumed); other {@code lde.*} metadata keys are errors, metadata keys
 * outside {@code lde.*} are the user's and are ignored.
 *
 * <h2>Tensors</h2>
 * Tensor names are PyTorch state-dict keys ({@link Layer#parameters()}), so a PyTorch model
 * whose module names equal the layer names is saved with
 * {@code safetensors.torch.save_file(model.state_dict(), path, metadata={"lde.format_version": "1",
 * "lde.architecture": json.dumps(arch)})}. Reading accepts F64, F32, F16 and BF16 (all widened
 * exactly to float64). PyTorch also stores {@code <bn>.num_batches_tracked} (I64, shape []) for
 * every BatchNorm: exactly that key, for a batchnorm2d layer, is accepted and ignored. Every
 * other tensor in the file must belong to a layer; an unused tensor is an error, as is a missing
 * one, a wrong shape, a NaN or infinite weight, overlapping offsets, holes in or bytes after the
 * data section (the safetensors rules), or a truncated file.
 *
 * <p>Writing stores F64 (so a save/load round trip is exact to the bit), tensors in layer order
 * with consecutive offsets, the header keys in a fixed order ({@code __metadata__} first), and
 * the header padded with spaces to a multiple of 8 bytes: the same network always gives the same
 * bytes.
 *
 * <p>Errors in the content are {@link ModelFileException}s whose message starts with the file
 * name; I/O failures are {@link UncheckedIOException}s naming the file. A load either returns a
 * complete network or throws; it never returns a partial one.
 */
public final class ModelFile {
    /** The format version written, and the only one read. */
    public static final String FORMAT_VERSION = "1";
    /** Metadata key of the architecture JSON. */
    public static final String ARCHITECTURE_KEY = "lde.architecture";
    /** Metadata key of the format version. */
    public static final String VERSION_KEY = "lde.format_version";
    /** Layer kinds known to the file format, as written in the {@code kind} field. */
    public static final List<String> LAYER_KINDS = List.of("conv2d", "batchnorm2d", "relu", "maxpool2d", "avgpool2d",
            "flatten", "dense");
    /** Largest header accepted (the limit of the reference safetensors implementation). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA = "__metadata__";
    private static final String NUM_BATCHES_TRACKED = "num_batches_tracked";
    /** Configured once here and never changed afterwards (Jackson mappers are thread-safe then). */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ModelFile() {
    }

    // ------------------------------------------------------------------------------------------
    // public API

    /**
     * Writes {@code network} to {@code path} (replacing an existing file). The file is first
     * written completely next to {@code path} and then moved over it, so a failure leaves an
     * existing file untouched.
     *
     * @throws IllegalArgumentException when a parameter contains NaN or infinity (nothing is written)
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public static void save(Network network, Path path) {
        byte[] bytes = toBytes(network);
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model file '" + path + "': " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    /**
     * Writes {@code network} to {@code out} (which is not closed).
     *
     * @throws IllegalArgumentException when a parameter contains NaN or infinity (nothing is written)
     * @throws UncheckedIOException when the stream fails
     */
    public static void write(Network network, OutputStream out) {
        byte[] bytes = toBytes(network);
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model: " + e, e);
        }
    }

    /**
     * The file's bytes for {@code network}: deterministic, F64 tensors in layer order.
     *
     * @throws IllegalArgumentException when a parameter contains NaN or infinity
     */
    public static byte[] toBytes(Network network) {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject(METADATA);
        meta.put(VERSION_KEY, FORMAT_VERSION);
        meta.put(ARCHITECTURE_KEY, architectureJson(network));
        List<Layer.Parameter> params = network.parameters();
        long offset = 0;
        for (Layer.Parameter p : params) {
            double[] d = p.value().data();
            for (int i = 0; i < d.length; i++) {
                if (!Double.isFinite(d[i])) {
                    throw new IllegalArgumentException("cannot save the network: tensor '" + p.name() + "' contains "
                            + d[i] + " at " + indexText(p.value().shape(), i));
                }
            }
            ObjectNode t = header.putObject(p.name());
            t.put("dtype", "F64");
            ArrayNode shape = t.putArray("shape");
            for (int dim : p.value().shape().dims()) {
                shape.add(dim);
            }
            long end = offset + 8L * d.length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] h;
        try {
            h = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the model header", e);
        }
        int padded = (h.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the network has " + network.parameterCount()
                    + " parameters, too many for one model file buffer");
        }
        ByteBuffer bb = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(padded);
        bb.put(h);
        for (int i = h.length; i < padded; i++) {
            bb.put((byte) ' ');
        }
        for (Layer.Parameter p : params) {
            for (double v : p.value().data()) {
                bb.putDouble(v);
            }
        }
        return bb.array();
    }

    /**
     * The network as stored in {@code path} (BatchNorm layers kept).
     *
     * @throws ModelFileException naming the file and the problem when the content is invalid
     * @throws UncheckedIOException naming the file when it cannot be read
     */
    public static Network load(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file '" + path + "': " + e, e);
        }
        return fromBytes(bytes, path.toString());
    }

    /**
     * {@link #load(Path)} followed by {@link Network#folded()}: what backends and the CLI use.
     */
    public static Network open(Path path) {
        return load(path).folded();
    }

    /**
     * Reads a whole model from {@code in} (read to its end, not closed); {@code sourceName} names
     * the source in error messages.
     */
    public static Network read(InputStream in, String sourceName) {
        byte[] bytes;
        try {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file '" + sourceName + "': " + e, e);
        }
        return fromBytes(bytes, sourceName);
    }

    /**
     * The network as stored in a classpath resource, e.g. {@code "org/lde/model/tiny_cnn_f32.safetensors"}
     * (a leading {@code /} is allowed); BatchNorm layers are kept.
     *
     * @throws UncheckedIOException when there is no such resource
     */
    public static Network loadResource(String classpathResourcePath) {
        String p = classpathResourcePath.startsWith("/") ? classpathResourcePath.substring(1) : classpathResourcePath;
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) {
            cl = ModelFile.class.getClassLoader();
        }
        InputStream in = cl.getResourceAsStream(p);
        if (in == null && cl != ModelFile.class.getClassLoader()) {
            in = ModelFile.class.getClassLoader().getResourceAsStream(p);
        }
        if (in == null) {
            throw new UncheckedIOException(new FileNotFoundException("no classpath resource '" + classpathResourcePath
                    + "' (model file)"));
        }
        try (InputStream s = in) {
            return read(s, "classpath:" + p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model resource '" + classpathResourcePath + "': " + e, e);
        }
    }

    /** {@link #loadResource(String)} followed by {@link Network#folded()}. */
    public static Network openResource(String classpathResourcePath) {
        return loadResource(classpathResourcePath).folded();
    }

    /**
     * Decodes a model from the complete file content {@code bytes} (not modified).
     *
     * @throws ModelFileException naming {@code sourceName} and the problem
     */
    public static Network fromBytes(byte[] bytes, String sourceName) {
        return new Reader(bytes, sourceName).read();
    }

    /** The architecture JSON (compact, fixed key order) that {@link #toBytes(Network)} stores. */
    public static String architectureJson(Network network) {
        ObjectNode a = JSON.createObjectNode();
        ArrayNode input = a.putArray("input");
        for (int d : network.inputShape().dims()) {
            input.add(d);
        }
        a.put("task", network.task() == Task.CLASSIFICATION ? "classification" : "regression");
        ArrayNode classes = a.putArray("classes");
        network.classNames().forEach(classes::add);
        a.putArray("domain").add(network.lo()).add(network.hi());
        ArrayNode layers = a.putArray("layers");
        for (Layer l : network.layers()) {
            ObjectNode o = layers.addObject();
            o.put("name", l.name());
            o.put("kind", l.kind());
            if (l instanceof Conv2d c) {
                o.put("in_channels", c.inChannels());
                o.put("out_channels", c.outChannels());
                o.putArray("kernel").add(c.kernelH()).add(c.kernelW());
                o.putArray("stride").add(c.strideH()).add(c.strideW());
                o.putArray("padding").add(c.padH()).add(c.padW());
            } else if (l instanceof BatchNorm2d b) {
                o.put("num_features", b.channels());
                o.put("eps", b.eps());
            } else if (l instanceof MaxPool2d m) {
                o.putArray("kernel").add(m.kernelH()).add(m.kernelW());
                o.putArray("stride").add(m.strideH()).add(m.strideW());
                o.putArray("padding").add(m.padH()).add(m.padW());
            } else if (l instanceof AvgPool2d m) {
                o.putArray("kernel").add(m.kernelH()).add(m.kernelW());
                o.putArray("stride").add(m.strideH()).add(m.strideW());
                o.putArray("padding").add(m.padH()).add(m.padW());
            } else if (l instanceof Dense d) {
                o.put("in_features", d.in());
                o.put("out_features", d.out());
            } else if (!(l instanceof ReLU) && !(l instanceof Flatten)) {
                throw new IllegalStateException("layer kind " + l.getClass().getName() + " has no file encoding");
            }
        }
        try {
            return JSON.writeValueAsString(a);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the architecture", e);
        }
    }

    /** "flat index i (index [a, b, c])" for error messages. */
    static String indexText(Shape shape, long flat) {
        int[] dims = shape.dims();
        long[] idx = new long[dims.length];
        long r = flat;
        for (int k = dims.length - 1; k >= 0; k--) {
            idx[k] = dims[k] == 0 ? 0 : r % dims[k];
            r = dims[k] == 0 ? r : r / dims[k];
        }
        return "flat index " + flat + " (index " + Arrays.toString(idx) + ")";
    }

    // ------------------------------------------------------------------------------------------
    // reading

    /** Element types of safetensors; the readable ones carry a decoder. */
    private enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8),
        BOOL(1), U8(1), I8(1), I16(2), U16(2), I32(4), U32(4), U64(8), F8_E5M2(1), F8_E4M3(1);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        boolean isFloat() {
            return this == F64 || this == F32 || this == F16 || this == BF16;
        }

        static DType parse(String s) {
            for (DType d : values()) {
                if (d.name().equals(s)) {
                    return d;
                }
            }
            return null;
        }
    }

    /** One header entry, validated against itself and the data section length. */
    private record Entry(String name, DType dtype, Shape shape, long begin, long end) {
    }

    /** Reads one file; a new instance per call (no shared state). */
    private static final class Reader {
        private final byte[] bytes;
        private final String src;
        private long dataStart;
        private long dataLength;

        Reader(byte[] bytes, String src) {
            this.bytes = bytes;
            this.src = src;
        }

        ModelFileException fail(String problem) {
            return new ModelFileException(src, problem);
        }

        Network read() {
            if (bytes.length < 8) {
                throw fail("the file has " + bytes.length
                        + " bytes, fewer than the 8-byte header length that starts a safetensors file");
            }
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw fail("header length " + Long.toUnsignedString(n) + " is absurd (at most " + MAX_HEADER_BYTES
                        + " bytes allowed); this is not a safetensors file");
            }
            if (n > bytes.length - 8L) {
                throw fail("header length " + n + " is larger than the " + (bytes.length - 8L)
                        + " bytes that follow it (truncated file, or not a safetensors file)");
            }
            dataStart = 8 + n;
            dataLength = bytes.length - dataStart;
            JsonNode root;
            try {
                root = JSON.readTree(bytes, 8, (int) n);
            } catch (IOException e) {
                throw fail("the header is not valid JSON: " + jsonMessage(e));
            }
            if (root == null || root.isMissingNode()) {
                throw fail("the header is empty (expected a JSON object)");
            }
            if (!root.isObject()) {
                throw fail("the header must be a JSON object, got " + typeName(root));
            }
            JsonNode metaNode = null;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = root.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals(METADATA)) {
                    metaNode = f.getValue();
                } else {
                    entries.put(f.getKey(), entry(f.getKey(), f.getValue()));
                }
            }
            checkLayout(entries);
            String archText = architectureText(metaNode);
            JsonNode arch;
            try {
                arch = JSON.readTree(archText);
            } catch (IOException e) {
                throw fail("metadata '" + ARCHITECTURE_KEY + "' is not valid JSON: " + jsonMessage(e));
            }
            return build(arch, entries);
        }

        // ---- header entries

        Entry entry(String name, JsonNode node) {
            String w = "tensor '" + name + "'";
            if (!node.isObject()) {
                throw fail(w + ": header entry must be an object with dtype, shape and data_offsets, got " + typeName(node));
            }
            for (Iterator<String> k = node.fieldNames(); k.hasNext(); ) {
                String key = k.next();
                if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                    throw fail(w + ": unknown header field '" + key + "' (expected dtype, shape, data_offsets)");
                }
            }
            JsonNode dt = node.get("dtype");
            if (dt == null || !dt.isTextual()) {
                throw fail(w + ": 'dtype' is " + (dt == null ? "missing" : "not a string but " + typeName(dt)));
            }
            DType dtype = DType.parse(dt.textValue());
            if (dtype == null) {
                throw fail(w + ": unknown dtype '" + dt.textValue() + "'; safetensors dtypes are "
                        + Arrays.toString(DType.values()) + ", of which LDE reads F64, F32, F16, BF16");
            }
            JsonNode sh = node.get("shape");
            if (sh == null || !sh.isArray()) {
                throw fail(w + ": 'shape' is " + (sh == null ? "missing" : "not an array but " + typeName(sh)));
            }
            int[] dims = new int[sh.size()];
            long count = 1;
            for (int i = 0; i < dims.length; i++) {
                JsonNode d = sh.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                    throw fail(w + ": shape " + sh + " must hold non-negative integers, entry " + i + " is " + d);
                }
                dims[i] = d.intValue();
                count *= dims[i];
                if (count > Integer.MAX_VALUE) {
                    throw fail(w + ": shape " + sh + " has too many elements");
                }
            }
            Shape shape = Shape.of(dims);
            JsonNode off = node.get("data_offsets");
            if (off == null || !off.isArray() || off.size() != 2) {
                throw fail(w + ": 'data_offsets' must be an array [begin, end], got " + (off == null ? "nothing" : off));
            }
            long[] be = new long[2];
            for (int i = 0; i < 2; i++) {
                JsonNode d = off.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                    throw fail(w + ": data_offsets " + off + " must be two non-negative integers");
                }
                be[i] = d.longValue();
            }
            if (be[1] < be[0]) {
                throw fail(w + ": data_offsets " + off + " end before they begin");
            }
            long need = count * dtype.bytes;
            if (be[1] - be[0] != need) {
                throw fail(w + ": data_offsets " + off + " span " + (be[1] - be[0]) + " bytes, but dtype " + dtype
                        + " and shape " + shape + " need " + need + " bytes");
            }
            if (be[1] > dataLength) {
                throw fail(w + ": data_offsets " + off + " go past the end of the data section, which has only "
                        + dataLength + " bytes: the data section is truncated or the offsets are out of range");
            }
            return new Entry(name, dtype, shape, be[0], be[1]);
        }

        /** Offsets must tile the data section exactly: no overlap, no holes, nothing after the end. */
        void checkLayout(Map<String, Entry> entries) {
            List<Entry> sorted = new ArrayList<>(entries.values());
            sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            long pos = 0;
            Entry prev = null;
            for (Entry e : sorted) {
                if (e.begin() < pos) {
                    throw fail("tensors '" + prev.name() + "' (bytes [" + prev.begin() + ", " + prev.end() + ")) and '"
                            + e.name() + "' (bytes [" + e.begin() + ", " + e.end() + ")) overlap");
                }
                if (e.begin() > pos) {
                    throw fail("bytes [" + pos + ", " + e.begin() + ") of the data section belong to no tensor "
                            + "(safetensors forbids holes); next tensor is '" + e.name() + "'");
                }
                pos = e.end();
                if (e.end() > e.begin()) {
                    prev = e;
                }
            }
            if (pos != dataLength) {
                throw fail("the data section has " + dataLength + " bytes but the tensors end at byte " + pos + ": "
                        + (dataLength - pos) + " bytes after the last tensor belong to no tensor");
            }
        }

        String architectureText(JsonNode meta) {
            if (meta == null) {
                throw fail("the header has no '" + METADATA + "'; an LDE model stores its architecture there under '"
                        + ARCHITECTURE_KEY + "'");
            }
            if (!meta.isObject()) {
                throw fail("'" + METADATA + "' must be an object of strings, got " + typeName(meta));
            }
            List<String> keys = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                keys.add(f.getKey());
                if (!f.getValue().isTextual()) {
                    throw fail("'" + METADATA + "' value of '" + f.getKey() + "' must be a string (safetensors rule), got "
                            + typeName(f.getValue()));
                }
                if (f.getKey().startsWith("lde.") && !f.getKey().equals(ARCHITECTURE_KEY)
                        && !f.getKey().equals(VERSION_KEY)) {
                    throw fail("unknown metadata key '" + f.getKey() + "' (LDE format version " + FORMAT_VERSION
                            + " knows " + VERSION_KEY + " and " + ARCHITECTURE_KEY + ")");
                }
            }
            JsonNode v = meta.get(VERSION_KEY);
            if (v != null && !v.textValue().equals(FORMAT_VERSION)) {
                throw fail("unsupported " + VERSION_KEY + " '" + v.textValue() + "'; this reader knows version "
                        + FORMAT_VERSION);
            }
            JsonNode a = meta.get(ARCHITECTURE_KEY);
            if (a == null) {
                throw fail("'" + METADATA + "' has no '" + ARCHITECTURE_KEY + "' (keys present: " + keys + ")");
            }
            return a.textValue();
        }

        // ---- architecture

        Network build(JsonNode arch, Map<String, Entry> entries) {
            Obj top = new Obj(this, "architecture", arch, Set.of("input", "task", "classes", "domain", "layers"));
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
            Set<String> used = new HashSet<>();
            for (int i = 0; i < layersNode.size(); i++) {
                Layer l = layer(i, layersNode.get(i), entries, used, owner);
                layers.add(l);
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
            try {
                return new Network(Shape.of(input), layers, task, classes, lo, hi);
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(src, "invalid network: " + e.getMessage(), e);
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
                    allowed = Set.of("name", "kind", "in_channels", "out_channels", "kernel", "stride", "padding");
                    break;
                case "batchnorm2d":
                    allowed = Set.of("name", "kind", "num_features", "eps");
                    break;
                case "maxpool2d":
                case "avgpool2d":
                    allowed = Set.of("name", "kind", "kernel", "stride", "padding");
                    break;
                case "dense":
                    allowed = Set.of("name", "kind", "in_features", "out_features");
                    break;
                case "relu":
                case "flatten":
                    allowed = Set.of("name", "kind");
                    break;
                default:
                    throw fail(where1 + ": unknown layer kind '" + kind + "'; known kinds are " + LAYER_KINDS);
            }
            Obj o = new Obj(this, where1 + " (" + kind + ")", node, allowed);
            String where = "layer '" + name + "' (" + kind + ")";
            try {
                switch (kind) {
                    case "conv2d": {
                        int cin = o.positiveInt("in_channels");
                        int cout = o.positiveInt("out_channels");
                        int[] k = o.intArray("kernel", 2, 1);
                        int[] s = o.intArray("stride", 2, 1);
                        int[] p = o.intArray("padding", 2, 0);
                        Tensor w = tensor(entries, used, owner, where, name + ".weight", Shape.of(cout, cin, k[0], k[1]));
                        Tensor b = tensor(entries, used, owner, where, name + ".bias", Shape.of(cout));
                        return new Conv2d(name, cin, cout, k[0], k[1], s[0], s[1], p[0], p[1], w, b);
                    }
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
                        return new BatchNorm2d(name, c, w, b, m, v, eps);
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

    /** IEEE binary16 bits to the exactly equal double. */
    static double halfToDouble(int h) {
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        double v;
        if (exp == 0) {
            v = mant * 0x1p-24;
        } else if (exp == 31) {
            v = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            v = (1024 + mant) * Math.scalb(1.0, exp - 25);
        }
        return (h & 0x8000) != 0 ? -v : v;
    }

    private static String jsonMessage(IOException e) {
        if (e instanceof JsonProcessingException j) {
            String loc = j.getLocation() == null ? "" : " (line " + j.getLocation().getLineNr() + ", column "
                    + j.getLocation().getColumnNr() + ")";
            return j.getOriginalMessage() + loc;
        }
        return e.toString();
    }

    private static String typeName(JsonNode n) {
        return n.getNodeType().name().toLowerCase() + " " + abbreviate(n.toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** A JSON object whose keys are checked against the allowed ones; errors name {@code where}. */
    private static final class Obj {
        private final Reader r;
        private final String where;
        private final JsonNode node;

        Obj(Reader r, String where, JsonNode node, Set<String> allowed) {
            this.r = r;
            this.where = where;
            this.node = node;
            if (!node.isObject()) {
                throw error("must be a JSON object, got " + typeName(node));
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    throw error("unknown field '" + k + "' (allowed: " + new java.util.TreeSet<>(allowed) + ")");
                }
            }
        }

        ModelFileException error(String problem) {
            return r.fail(where + ": " + problem);
        }

        boolean has(String key) {
            return node.has(key);
        }

        JsonNode required(String key) {
            JsonNode v = node.get(key);
            if (v == null) {
                throw error("missing field '" + key + "'");
            }
            return v;
        }

        String text(String key) {
            JsonNode v = required(key);
            if (!v.isTextual()) {
                throw error("field '" + key + "' must be a string, got " + typeName(v));
            }
            return v.textValue();
        }

        int positiveInt(String key) {
            JsonNode v = required(key);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw error("field '" + key + "' must be an integer, got " + typeName(v));
            }
            if (v.intValue() <= 0) {
                throw error("field '" + key + "' must be positive, got " + v.intValue());
            }
            return v.intValue();
        }

        double number(String key) {
            JsonNode v = required(key);
            if (!v.isNumber()) {
                throw error("field '" + key + "' must be a number, got " + typeName(v));
            }
            return v.doubleValue();
        }

        /** An array of {@code length} integers (any length when -1), each at least {@code min}. */
        int[] intArray(String key, int length, int min) {
            JsonNode v = required(key);
            String what = (length < 0 ? "a non-empty array of" : "an array of " + length) + " integers >= " + min;
            if (!v.isArray() || (length >= 0 && v.size() != length) || v.isEmpty()) {
                throw error("field '" + key + "' must be " + what + ", got " + v);
            }
            int[] out = new int[v.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode e = v.get(i);
                if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                    throw error("field '" + key + "' must be " + what + ", got " + v);
                }
                if (e.intValue() < min) {
                    throw error("field '" + key + "' must be " + what + ", got " + v + " (negative or zero size "
                            + e.intValue() + " at position " + i + ")");
                }
                out[i] = e.intValue();
            }
            return out;
        }

        double[] numberArray(String key, int length) {
            JsonNode v = required(key);
            if (!v.isArray() || v.size() != length) {
                throw error("field '" + key + "' must be an array of " + length + " numbers, got " + v);
            }
            double[] out = new double[length];
            for (int i = 0; i < length; i++) {
                if (!v.get(i).isNumber()) {
                    throw error("field '" + key + "' must be an array of " + length + " numbers, got " + v);
                }
                out[i] = v.get(i).doubleValue();
            }
            return out;
        }

        List<String> textArray(String key) {
            JsonNode v = required(key);
            if (!v.isArray()) {
                throw error("field '" + key + "' must be an array of strings, got " + typeName(v));
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw error("field '" + key + "' must be an array of strings, got " + v);
                }
                out.add(e.textValue());
            }
            return out;
        }
    }
}
