package org.lde.model;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.lde.io.AtomicFiles;
import org.lde.tensor.Shape;

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
 * {@code classes} to {@code ["0", "1", ..]} and {@code domain} to {@code [0, 1]}. An optional {@code features}
 * object ({@code names}, {@code units}, {@code lo}, {@code hi}, {@code source}) gives a tabular model per-feature
 * domains ({@link FeatureScaling}); the network then takes features scaled to [0, 1]. Every field a
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
    public static final List<String> LAYER_KINDS = List.of("conv2d", "batchnorm1d", "batchnorm2d", "affine", "relu",
            "sigmoid", "tanh", "leaky_relu", "maxpool2d", "avgpool2d", "global_avg_pool", "add", "concat", "reshape",
            "identity", "dropout",
            "flatten", "dense");
    /** Largest header accepted (the limit of the reference safetensors implementation). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Largest model file read (the largest Java byte array); larger files are refused with a {@link ModelFileException}. */
    public static final int MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private static final String METADATA = "__metadata__";
    private static final JsonMapper JSON = ModelJson.JSON;

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
        try {
            AtomicFiles.writeBytes(path, bytes);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot write model file '" + path + "': " + e.getCause(), e.getCause());
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
     * The network as stored in {@code path} (BatchNorm layers kept). A file whose name ends in
     * {@code .onnx} is imported with {@link OnnxImport} (its notes are dropped here; {@code lde import}
     * prints them).
     *
     * @throws ModelFileException naming the file and the problem when the content is invalid
     * @throws UncheckedIOException naming the file when it cannot be read
     */
    public static Network load(Path path) {
        if (OnnxImport.isOnnx(path)) {
            return OnnxImport.read(path).network();
        }
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file '" + path + "': " + e, e);
        }
        if (size > MAX_FILE_BYTES) {
            throw tooLarge(path.toString(), size + " bytes");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = readAtMost(in, path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file '" + path + "': " + e, e);
        }
        return fromBytes(bytes, path.toString());
    }

    /** The whole stream, or a {@link ModelFileException} as soon as it passes {@link #MAX_FILE_BYTES}. */
    private static byte[] readAtMost(InputStream in, String source) throws IOException {
        byte[] bytes = in.readNBytes(MAX_FILE_BYTES);
        if (in.read() >= 0) {
            throw tooLarge(source, "more than " + MAX_FILE_BYTES + " bytes");
        }
        return bytes;
    }

    private static ModelFileException tooLarge(String source, String size) {
        return new ModelFileException(source, "the file has " + size + "; LDE reads model files of at most "
                + MAX_FILE_BYTES + " bytes (2 GiB, the largest Java array), so this model is refused");
    }

    /**
     * {@link #load(Path)} followed by {@link Network#folded()}: what backends and the CLI use
     * (an {@code .onnx} file included).
     */
    public static Network open(Path path) {
        return folded(load(path), path.toString());
    }

    /** {@link Network#folded()}, its errors (a fold that overflows to infinity) naming the source. */
    static Network folded(Network n, String source) {
        try {
            return n.folded();
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(source, e.getMessage(), e);
        }
    }

    /**
     * Reads a whole model from {@code in} (read to its end, not closed); {@code sourceName} names
     * the source in error messages.
     */
    public static Network read(InputStream in, String sourceName) {
        byte[] bytes;
        try {
            bytes = readAtMost(in, sourceName);
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
        return folded(loadResource(classpathResourcePath), "classpath:" + classpathResourcePath);
    }

    /**
     * Decodes a model from the complete file content {@code bytes} (not modified).
     *
     * @throws ModelFileException naming {@code sourceName} and the problem
     */
    public static Network fromBytes(byte[] bytes, String sourceName) {
        try {
            return new ArchitectureReader(new SafetensorsHeader(bytes, sourceName)).build();
        } catch (ModelFileException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException | ArithmeticException | IndexOutOfBoundsException e) {
            // the readers check what they know of; anything else the content provokes still names the file
            throw new ModelFileException(sourceName, "invalid content: " + e, e);
        }
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
        network.features().ifPresent(f -> {
            ObjectNode o = a.putObject("features");
            f.names().forEach(o.putArray("names")::add);
            f.units().forEach(o.putArray("units")::add);
            ArrayNode lo = o.putArray("lo");
            ArrayNode hi = o.putArray("hi");
            for (int j = 0; j < f.size(); j++) {
                lo.add(f.lo()[j]);
                hi.add(f.hi()[j]);
            }
            o.put("source", f.source());
        });
        ArrayNode layers = a.putArray("layers");
        for (int i = 0; i < network.layers().size(); i++) {
            Layer l = network.layers().get(i);
            ObjectNode o = layers.addObject();
            o.put("name", l.name());
            o.put("kind", l.kind());
            int[] from = network.inputsOf(i);
            if (from.length != 1 || from[0] != i - 1) {
                ArrayNode in = o.putArray("inputs");
                network.inputNamesOf(i).forEach(in::add);
            }
            if (l instanceof Conv2d c) {
                o.put("in_channels", c.inChannels());
                o.put("out_channels", c.outChannels());
                o.putArray("kernel").add(c.kernelH()).add(c.kernelW());
                o.putArray("stride").add(c.strideH()).add(c.strideW());
                o.putArray("padding").add(c.padH()).add(c.padW());
                if (!c.plain()) {
                    o.put("groups", c.groups());
                    o.putArray("dilation").add(c.dilationH()).add(c.dilationW());
                }
            } else if (l instanceof BatchNorm b) {
                o.put("num_features", b.channels());
                o.put("eps", b.eps());
            } else if (l instanceof Affine f) {
                o.put("num_features", f.channels());
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
            } else if (l instanceof LeakyReLU r) {
                o.put("negative_slope", r.slope());
            } else if (l instanceof Dropout d) {
                o.put("p", d.p());
            } else if (l instanceof Reshape r) {
                ArrayNode sh = o.putArray("shape");
                for (int d : r.dims()) {
                    sh.add(d);
                }
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
}
