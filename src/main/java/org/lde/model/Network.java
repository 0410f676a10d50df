package org.lde.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * A feed-forward network: an input shape (without batch, e.g. {@code [1, 28, 28]} or
 * {@code [30]}), a list of layers forming a directed acyclic graph (each layer reads the layers
 * {@link #inputsOf} names; a sequential network is the special case where each reads the one
 * before it), and what its outputs mean. Shapes are inferred and checked
 * when the network is made; a mismatch names the layer and both shapes. Parameter tensors are
 * shared with the layers (training updates them in place); {@link #copy()} is deep.
 */
public final class Network {
    /** The most values one activation, parameter or batch of activations may hold (the largest Java array). */
    public static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    private final Shape inputShape;
    private final List<Layer> layers;
    private final List<Shape> shapes; // shapes.get(i) = output of layer i; input is inputShape
    private final Task task;
    private final List<String> classNames;
    private final double lo;
    private final double hi;
    private final int[][] inputs;     // inputs[i]: nodes layer i reads, -1 = the network input
    private final int[][] consumers;  // consumers[j + 1]: layers reading node j
    private final boolean sequential;
    private final FeatureScaling features; // null: no per-feature domains

    /** The name that stands for the network's input in a layer's input list. */
    public static final String INPUT = "input";

    /**
     * A sequential network: each layer reads the output of the layer before it (the first reads the input).
     *
     * @throws IllegalArgumentException naming the layer and both shapes when shapes do not fit
     */
    public Network(Shape inputShape, List<Layer> layers, Task task, List<String> classNames, double lo, double hi) {
        this(inputShape, layers, null, task, classNames, lo, hi);
    }

    /**
     * A network whose layers form a directed acyclic graph, listed in an order where every layer comes
     * after the layers it reads (a topological order). {@code inputs.get(i)} names the nodes layer
     * {@code i} reads, in order: earlier layers' names or {@link #INPUT} for the network's input; a null
     * or empty entry (or a null {@code inputs}) means the layer before it, as in a sequential network. The
     * last layer's output is the network's output; every other layer and the input must be read by some
     * later layer (nothing is silently dropped).
     *
     * @throws IllegalArgumentException naming the layer(s) and shapes when the graph or its shapes do not fit
     */
    public Network(Shape inputShape, List<Layer> layers, List<List<String>> inputs, Task task, List<String> classNames,
                   double lo, double hi) {
        this.inputShape = Objects.requireNonNull(inputShape, "inputShape");
        this.features = null;
        this.layers = List.copyOf(layers);
        this.task = Objects.requireNonNull(task, "task");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
        }
        if (inputs != null && inputs.size() != layers.size()) {
            throw new IllegalArgumentException(inputs.size() + " input lists for " + layers.size() + " layers");
        }
        if (inputShape.size() == 0) {
            throw new IllegalArgumentException("input shape " + inputShape + " has no elements");
        }
        if (inputShape.size() > MAX_VALUES) {
            throw new IllegalArgumentException("input shape " + inputShape + " has " + inputShape.size()
                    + " values per sample, more than the " + MAX_VALUES + " that one array holds");
        }
        if (!(lo < hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException("data domain [" + lo + ", " + hi + "] must be finite with lo < hi");
        }
        this.lo = lo;
        this.hi = hi;
        Map<String, Integer> index = new HashMap<>();
        List<Shape> out = new ArrayList<>();
        int[][] in = new int[this.layers.size()][];
        Shape s = inputShape;
        for (int i = 0; i < this.layers.size(); i++) {
            Layer l = this.layers.get(i);
            if (l.name().equals(INPUT)) {
                throw new IllegalArgumentException("layer " + i + " is named '" + INPUT + "', the name that stands for the "
                        + "network's input; rename it");
            }
            if (index.containsKey(l.name())) {
                throw new IllegalArgumentException("duplicate layer name '" + l.name() + "'");
            }
            List<String> names = inputs == null ? null : inputs.get(i);
            if (names == null || names.isEmpty()) {
                in[i] = new int[] {i - 1};
            } else {
                in[i] = new int[names.size()];
                for (int k = 0; k < names.size(); k++) {
                    String n = names.get(k);
                    Integer j = INPUT.equals(n) ? Integer.valueOf(-1) : index.get(n);
                    if (j == null) {
                        boolean later = this.layers.stream().anyMatch(x -> x.name().equals(n));
                        throw new IllegalArgumentException("layer '" + l.name() + "' (" + l.kind() + ") reads '" + n + "', "
                                + (later ? "which comes at or after it: a cycle, or layers not listed in topological order"
                                : "which is no layer of the network (nor '" + INPUT + "')"));
                    }
                    in[i][k] = j;
                }
            }
            boolean join = l instanceof Join;
            if (join && in[i].length < 2 || !join && in[i].length != 1) {
                throw new IllegalArgumentException("layer '" + l.name() + "' (" + l.kind() + ") reads " + in[i].length
                        + " input(s) " + (names == null ? "[previous layer]" : names) + " but takes "
                        + (join ? "two or more" : "exactly one"));
            }
            if (join) {
                List<Shape> shapesIn = new ArrayList<>();
                for (int j : in[i]) {
                    shapesIn.add(j < 0 ? inputShape : out.get(j));
                }
                try {
                    s = ((Join) l).outputShape(shapesIn);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage() + " from " + describeNodes(in[i], out), e);
                }
            } else {
                Shape from = in[i][0] < 0 ? inputShape : out.get(in[i][0]);
                try {
                    s = l.outputShape(from);
                } catch (IllegalArgumentException e) {
                    throw in[i][0] == i - 1 ? e : new IllegalArgumentException(e.getMessage() + " (from "
                            + describeNodes(in[i], out) + ")", e);
                }
            }
            if (s.size() > MAX_VALUES) {
                throw new IllegalArgumentException("layer '" + l.name() + "' (" + l.kind() + ") gives output shape " + s
                        + " = " + s.size() + " values per sample, more than the " + MAX_VALUES + " that one array holds");
            }
            for (Layer.Parameter p : l.parameters()) {
                if (p.value().size() > MAX_VALUES) {
                    throw new IllegalArgumentException("layer '" + l.name() + "' (" + l.kind() + "): parameter " + p.name()
                            + " of shape " + p.value().shape() + " has more than " + MAX_VALUES + " values");
                }
            }
            out.add(s);
            index.put(l.name(), i);
        }
        this.shapes = Collections.unmodifiableList(out);
        this.inputs = in;
        this.consumers = consumers(in, this.layers.size());
        for (int j = -1; j < this.layers.size() - 1; j++) {
            if (consumers[j + 1].length == 0) {
                throw new IllegalArgumentException((j < 0 ? "the network's input" : "layer '" + this.layers.get(j).name()
                        + "' (" + this.layers.get(j).kind() + ")") + " is read by no later layer; only the last layer ('"
                        + this.layers.get(this.layers.size() - 1).name() + "') may be unread (it is the output)");
            }
        }
        boolean seq = true;
        for (int i = 0; i < in.length; i++) {
            seq &= in[i].length == 1 && in[i][0] == i - 1;
        }
        this.sequential = seq;
        if (s.rank() != 1) {
            throw new IllegalArgumentException("the network's output must be a vector [C], but layer '"
                    + this.layers.get(this.layers.size() - 1).name() + "' gives " + s + " (add Flatten and Dense)");
        }
        int c = s.dim(0);
        if (task == Task.REGRESSION && c != 1) {
            throw new IllegalArgumentException("a regression network must have exactly one output, got " + c);
        }
        if (task == Task.CLASSIFICATION && c < 2) {
            throw new IllegalArgumentException("a classification network needs at least 2 outputs, got " + c);
        }
        if (classNames.isEmpty()) {
            List<String> gen = new ArrayList<>();
            for (int i = 0; i < c; i++) {
                gen.add(Integer.toString(i));
            }
            this.classNames = List.copyOf(gen);
        } else if (classNames.size() != c) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + c + " outputs");
        } else {
            this.classNames = List.copyOf(classNames);
        }
    }

    /** {@code base} with per-feature domains (see {@link #withFeatures}). */
    private Network(Network base, FeatureScaling f) {
        this.inputShape = base.inputShape;
        this.layers = base.layers;
        this.shapes = base.shapes;
        this.task = base.task;
        this.classNames = base.classNames;
        this.lo = base.lo;
        this.hi = base.hi;
        this.inputs = base.inputs;
        this.consumers = base.consumers;
        this.sequential = base.sequential;
        this.features = f;
    }

    /**
     * This network (layers shared) with per-feature domains, names and units: it then takes features scaled
     * to {@code [0, 1]} ({@link FeatureScaling}), so its domain must be {@code [0, 1]} and its input {@code [F]}.
     */
    public Network withFeatures(FeatureScaling f) {
        if (!inputShape.equals(f.inputShape())) {
            throw new IllegalArgumentException("a scaling of " + f.size() + " features needs a network on inputs [" + f.size()
                    + "], this one takes " + inputShape);
        }
        if (lo != 0 || hi != 1) {
            throw new IllegalArgumentException("a network with per-feature domains takes features scaled to [0, 1], so its "
                    + "domain must be [0, 1], not [" + lo + ", " + hi + "]");
        }
        return new Network(this, f);
    }

    /** The per-feature domains, names and units when the network takes scaled features; empty otherwise. */
    public java.util.Optional<FeatureScaling> features() {
        return java.util.Optional.ofNullable(features);
    }

    private Network carry(Network n) {
        return features == null ? n : new Network(n, features);
    }

    private String describeNodes(int[] nodes, List<Shape> out) {
        List<String> parts = new ArrayList<>();
        for (int j : nodes) {
            parts.add(j < 0 ? "'" + INPUT + "' " + inputShape : "'" + layers.get(j).name() + "' " + out.get(j));
        }
        return String.join(" and ", parts);
    }

    /** {@code result[j + 1]}: the layers reading node {@code j} ({@code -1} = the input), ascending, each once. */
    private static int[][] consumers(int[][] in, int n) {
        List<List<Integer>> c = new ArrayList<>();
        for (int j = 0; j <= n; j++) {
            c.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            for (int j : in[i]) {
                List<Integer> l = c.get(j + 1);
                if (l.isEmpty() || l.get(l.size() - 1) != i) {
                    l.add(i);
                }
            }
        }
        int[][] r = new int[n + 1][];
        for (int j = 0; j <= n; j++) {
            r[j] = c.get(j).stream().mapToInt(Integer::intValue).toArray();
        }
        return r;
    }

    /**
     * The nodes layer {@code i} reads, in its input order: layer indices, {@code -1} for the network's
     * input. A sequential network's layer {@code i} reads {@code {i - 1}}. A copy.
     */
    public int[] inputsOf(int i) {
        return inputs[i].clone();
    }

    /** The names of the nodes layer {@code i} reads ({@link #INPUT} for the network's input). */
    public List<String> inputNamesOf(int i) {
        List<String> r = new ArrayList<>();
        for (int j : inputs[i]) {
            r.add(j < 0 ? INPUT : layers.get(j).name());
        }
        return r;
    }

    /** The layers that read node {@code j} ({@code -1} = the network's input), ascending. A copy. */
    public int[] consumersOf(int j) {
        return consumers[j + 1].clone();
    }

    /** Whether every layer reads exactly the layer before it (the first reads the input). */
    public boolean sequential() {
        return sequential;
    }

    /**
     * Fails with {@code IllegalArgumentException("<who> runs only sequential networks; layer '<name>' reads
     * [...]")} when this network is a graph. For code paths that are not graph-aware yet.
     */
    public void requireSequential(String who) {
        if (sequential) {
            return;
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].length != 1 || inputs[i][0] != i - 1) {
                throw new IllegalArgumentException(who + " runs only sequential networks; layer '" + layers.get(i).name()
                        + "' (" + layers.get(i).kind() + ") reads " + inputNamesOf(i));
            }
        }
    }

    /** Shapes of the nodes layer {@code i} reads, in its input order. */
    public List<Shape> inputShapes(int i) {
        List<Shape> r = new ArrayList<>();
        for (int j : inputs[i]) {
            r.add(j < 0 ? inputShape : shapes.get(j));
        }
        return r;
    }

    public static Builder builder(int... inputDims) {
        return new Builder(Shape.of(inputDims));
    }

    public Shape inputShape() {
        return inputShape;
    }

    /** Number of input features {@code d}. */
    public int inputSize() {
        return inputShape.sizeInt();
    }

    /**
     * Checks that a batch of {@code n} samples fits: {@code n} times the largest activation (input
     * included) must be at most {@link #MAX_VALUES}, the most one array holds.
     *
     * @throws IllegalArgumentException naming the layer with the largest activation and the sizes
     */
    public void checkBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + n);
        }
        checkRows(n, "a batch of " + n + " samples", "sample", "for the batch", "samples per batch", 0, layers.size());
    }

    /**
     * Checks that {@code rows} rows of every activation from the input of layer {@code from} (the network's
     * input when {@code from == 0}) through the outputs of layers {@code from .. to - 1} fit in one array:
     * {@code rows} times the largest of them must be at most {@link #MAX_VALUES}. The message reads
     * "{@code <what> does not fit: <layer> has <k> values per <row>, <total> <forAll>, more than the
     * <MAX_VALUES> one array holds (at most <MAX_VALUES / k> <atMost>)"}, as {@link #checkBatch} does.
     *
     * @throws IllegalArgumentException naming the layer with the largest activation and the sizes
     */
    public void checkRows(long rows, String what, String row, String forAll, String atMost, int from, int to) {
        Shape first = from == 0 ? inputShape : shapes.get(from - 1);
        long largest = first.size();
        String where = from == 0 ? "the input " + inputShape
                : "layer '" + layers.get(from - 1).name() + "' (" + layers.get(from - 1).kind() + ", output " + first + ")";
        for (int i = from; i < to; i++) {
            if (shapes.get(i).size() > largest) {
                largest = shapes.get(i).size();
                where = "layer '" + layers.get(i).name() + "' (" + layers.get(i).kind() + ", output " + shapes.get(i) + ")";
            }
        }
        if (rows > MAX_VALUES / largest) {
            String total = Math.multiplyHigh(rows, largest) == 0 && rows * largest >= 0 ? Long.toString(rows * largest)
                    : new java.math.BigInteger(Long.toString(rows)).multiply(java.math.BigInteger.valueOf(largest)).toString();
            throw new IllegalArgumentException(what + " does not fit: " + where + " has " + largest + " values per " + row
                    + ", " + total + " " + forAll + ", more than the " + MAX_VALUES + " one array holds (at most "
                    + (MAX_VALUES / largest) + " " + atMost + ")");
        }
    }

    /** Number of outputs {@code C}. */
    public int outputSize() {
        return shapes.get(shapes.size() - 1).dim(0);
    }

    public List<Layer> layers() {
        return layers;
    }

    /** Output shape of layer {@code i} (without batch). */
    public Shape outputShape(int i) {
        return shapes.get(i);
    }

    /** Input shape of layer {@code i} (without batch): the shape of the first node it reads. */
    public Shape inputShape(int i) {
        int j = inputs[i][0];
        return j < 0 ? inputShape : shapes.get(j);
    }

    public int indexOf(String layerName) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().equals(layerName)) {
                return i;
            }
        }
        List<String> names = layers.stream().map(Layer::name).toList();
        throw new IllegalArgumentException("no layer named '" + layerName + "'; layers are " + names);
    }

    public Task task() {
        return task;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Lower end of the data domain (default 0). */
    public double lo() {
        return lo;
    }

    /** Upper end of the data domain (default 1). */
    public double hi() {
        return hi;
    }

    /** All parameters and buffers in layer order. */
    public List<Layer.Parameter> parameters() {
        List<Layer.Parameter> ps = new ArrayList<>();
        for (Layer l : layers) {
            ps.addAll(l.parameters());
        }
        return ps;
    }

    /** Parameters updated by training, in layer order (the order of parameter gradients). */
    public List<Layer.Parameter> trainableParameters() {
        List<Layer.Parameter> ps = new ArrayList<>();
        for (Layer l : layers) {
            if (l.trainable()) {
                ps.addAll(l.parameters());
            }
        }
        return ps;
    }

    public long parameterCount() {
        long n = 0;
        for (Layer.Parameter p : parameters()) {
            n += p.value().size();
        }
        return n;
    }

    /** The name of the last Conv2d layer (Grad-CAM's default), if any. */
    public java.util.Optional<String> lastConvLayer() {
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i) instanceof Conv2d) {
                return java.util.Optional.of(layers.get(i).name());
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * This network with every {@link BatchNorm} removed: folded into the {@link Dense} (BatchNorm1d) or
     * {@link Conv2d} (BatchNorm2d) it reads when that layer has no other reader,
     * {@code W'[o] = W[o] s[o]}, {@code b'[o] = b[o] s[o] + t[o]} with {@code s = gamma / sqrt(var + eps)},
     * {@code t = beta - mean s}; otherwise replaced by the equal {@link Affine} node of the same name.
     * Layers that read a folded BatchNorm read the layer it was folded into ({@link #foldedAliases()}).
     * Returns {@code this} when there is nothing to fold. New tensors are made for changed layers; the
     * others are shared.
     */
    public Network folded() {
        boolean any = layers.stream().anyMatch(l -> l instanceof BatchNorm);
        if (!any) {
            return this;
        }
        Map<String, String> alias = foldedAliases();
        List<Layer> out = new ArrayList<>();
        List<List<String>> ins = new ArrayList<>();
        Map<String, Integer> at = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l instanceof BatchNorm bn && alias.containsKey(l.name())) {
                int p = at.get(alias.get(l.name()));
                out.set(p, BatchNormFolding.fold(bn, out.get(p)));
                continue;
            }
            Layer kept = l instanceof BatchNorm bn ? Affine.of(bn) : l;
            List<String> names = new ArrayList<>();
            for (String n : inputNamesOf(i)) {
                names.add(alias.getOrDefault(n, n));
            }
            at.put(l.name(), out.size());
            out.add(kept);
            ins.add(names);
        }
        return carry(new Network(inputShape, out, ins, task, classNames, lo, hi));
    }

    /**
     * The names of the BatchNorm layers that {@link #folded()} folds away, each mapped to the layer it is
     * folded into: a BatchNorm1d reading a Dense, or a BatchNorm2d reading a Conv2d, that no other layer
     * reads. (A BatchNorm reading a folded BatchNorm's output maps to that layer in turn.)
     */
    public Map<String, String> foldedAliases() {
        Map<String, String> alias = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof BatchNorm bn)) {
                continue;
            }
            int p = inputs[i][0];
            if (p < 0 || consumers[p + 1].length != 1) {
                continue;
            }
            Layer src = layers.get(p);
            boolean fits = bn instanceof BatchNorm1d && src instanceof Dense || bn instanceof BatchNorm2d && src instanceof Conv2d;
            if (fits) {
                alias.put(bn.name(), src.name());
            }
        }
        return alias;
    }

    /** A deep copy (all parameter tensors copied). */
    public Network copy() {
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            out.add(l.deepCopy());
        }
        return carry(new Network(inputShape, out, inputLists(), task, classNames, lo, hi));
    }

    /** This network's topology as the input-name lists {@link #Network(Shape, List, List, Task, List, double, double)} takes. */
    public List<List<String>> inputLists() {
        List<List<String>> r = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            r.add(inputNamesOf(i));
        }
        return r;
    }

    /** The same graph with other layers (same names, kinds and shapes, e.g. with new parameters). */
    public Network withLayers(List<Layer> newLayers) {
        return carry(new Network(inputShape, newLayers, inputLists(), task, classNames, lo, hi));
    }

    /** One line per layer: name, kind, output shape, parameter count. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-14s %-12s %-16s %10s%s%n", "layer", "kind", "output", "params", sequential ? "" : "  reads"));
        sb.append(String.format("%-14s %-12s %-16s %10s%n", "(input)", "", inputShape, ""));
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long n = 0;
            for (Layer.Parameter p : l.parameters()) {
                n += p.value().size();
            }
            sb.append(String.format("%-14s %-12s %-16s %10d%s%n", l.name(), l.kind(), shapes.get(i), n,
                    sequential ? "" : "  " + String.join(", ", inputNamesOf(i))));
        }
        sb.append(String.format("task %s, %d outputs, %d parameters, domain [%s, %s]%n",
                task.name().toLowerCase(), outputSize(), parameterCount(), lo, hi));
        if (features != null) {
            sb.append("inputs scaled to [0, 1] per feature, domains in units: ");
            for (int j = 0; j < features.size(); j++) {
                sb.append(j == 0 ? "" : "; ").append(features.label(j)).append(" [").append(features.lo()[j]).append(", ")
                        .append(features.hi()[j]).append(']');
            }
            sb.append(String.format("%n"));
        }
        return sb.toString();
    }

    /**
     * Builds a network layer by layer, inferring each layer's input from the previous output and
     * initialising weights as PyTorch does ({@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))}) from a
     * seeded {@link Rng}. Unnamed layers are named {@code <kind><index>}. Graphs: {@link #from}
     * makes the next layer read a named earlier node instead of the last one, and {@link #residual}
     * and {@link #concat} join named nodes.
     */
    public static final class Builder {
        private final Shape input;
        private final List<Layer> layers = new ArrayList<>();
        private final List<List<String>> inputs = new ArrayList<>();
        private final Map<String, Shape> shapes = new HashMap<>();
        private String from;  // the node the next single-input layer reads; null = the last one
        private Shape current;
        private Rng rng = new Rng(0);
        private Task task = Task.CLASSIFICATION;
        private List<String> classNames = List.of();
        private double lo = 0;
        private double hi = 1;

        private Builder(Shape input) {
            this.input = input;
            this.current = input;
            shapes.put(INPUT, input);
        }

        public Builder seed(long seed) {
            this.rng = new Rng(seed);
            return this;
        }

        public Builder task(Task t) {
            this.task = t;
            return this;
        }

        public Builder classNames(List<String> names) {
            this.classNames = List.copyOf(names);
            return this;
        }

        public Builder domain(double lo, double hi) {
            this.lo = lo;
            this.hi = hi;
            return this;
        }

        private String auto(String kind) {
            return kind + layers.size();
        }

        /** The output shape of node {@code name} ({@link Network#INPUT} for the input). */
        public Shape shapeOf(String name) {
            Shape s = shapes.get(name);
            if (s == null) {
                throw new IllegalArgumentException("no node named '" + name + "' yet; nodes are " + shapes.keySet());
            }
            return s;
        }

        /** The name of the last layer added ({@link Network#INPUT} before any). */
        public String last() {
            return layers.isEmpty() ? INPUT : layers.get(layers.size() - 1).name();
        }

        /**
         * Makes the next single-input layer read node {@code name} (an earlier layer or
         * {@link Network#INPUT}) instead of the last layer added.
         */
        public Builder from(String name) {
            Shape s = shapes.get(name);
            if (s == null) {
                throw new IllegalArgumentException("no node named '" + name + "' yet; nodes are " + shapes.keySet());
            }
            from = name;
            current = s;
            return this;
        }

        /** Appends a layer as given (its parameters are used as they are), reading the current node. */
        public Builder add(Layer l) {
            List<String> in = from == null ? List.of() : List.of(from);
            current = l.outputShape(current);
            return append(l, in, current);
        }

        /** Appends a layer reading the named nodes ({@link Network#INPUT} for the network's input). */
        public Builder node(Layer l, String... inputNames) {
            List<Shape> in = new ArrayList<>();
            for (String n : inputNames) {
                Shape s = shapes.get(n);
                if (s == null) {
                    throw new IllegalArgumentException("layer '" + l.name() + "' reads '" + n + "', no node of that name yet");
                }
                in.add(s);
            }
            current = l instanceof Join j ? j.outputShape(in) : l.outputShape(in.get(0));
            return append(l, List.of(inputNames), current);
        }

        private Builder append(Layer l, List<String> in, Shape out) {
            layers.add(l);
            inputs.add(in);
            shapes.put(l.name(), out);
            from = null;
            return this;
        }

        /** {@code y = a + b (+ ...)}: an {@link Add} of the named nodes. */
        public Builder residual(String... names) {
            return node(new Add(auto("add")), names);
        }

        /** A channel {@link Concat} of the named nodes. */
        public Builder concat(String... names) {
            return node(new Concat(auto("concat")), names);
        }

        public Builder dense(int out) {
            return dense(auto("dense"), out);
        }

        public Builder dense(String name, int out) {
            if (current.rank() != 1) {
                flatten();
            }
            int in = current.dim(0);
            double bound = 1 / Math.sqrt(in);
            return add(new Dense(name, in, out, rng.uniform(Shape.of(out, in), -bound, bound),
                    rng.uniform(Shape.of(out), -bound, bound)));
        }

        public Builder conv2d(int outChannels, int kernel, int stride, int pad) {
            return conv2d(auto("conv"), outChannels, kernel, kernel, stride, stride, pad, pad);
        }

        public Builder conv2d(String name, int outChannels, int kh, int kw, int sh, int sw, int ph, int pw) {
            return conv2d(name, outChannels, kh, kw, sh, sw, ph, pw, 1, 1, 1);
        }

        /** A convolution with {@code groups} (depthwise when it equals the input channels) and dilation. */
        public Builder conv2d(String name, int outChannels, int kh, int kw, int sh, int sw, int ph, int pw, int groups,
                              int dh, int dw) {
            if (current.rank() != 3) {
                throw new IllegalArgumentException("conv2d '" + name + "' needs a [C, H, W] input, got " + current);
            }
            int in = current.dim(0);
            if (groups < 1 || in % groups != 0) {
                throw new IllegalArgumentException("conv2d '" + name + "': groups " + groups + " must divide the "
                        + in + " input channels");
            }
            double bound = 1 / Math.sqrt((double) in / groups * kh * kw);
            return add(new Conv2d(name, in, outChannels, kh, kw, sh, sw, ph, pw, groups, dh, dw,
                    rng.uniform(Shape.of(outChannels, in / groups, kh, kw), -bound, bound),
                    rng.uniform(Shape.of(outChannels), -bound, bound)));
        }

        public Builder relu() {
            return add(new ReLU(auto("relu")));
        }

        public Builder sigmoid() {
            return add(new Sigmoid(auto("sigmoid")));
        }

        public Builder tanh() {
            return add(new Tanh(auto("tanh")));
        }

        public Builder leakyRelu(double slope) {
            return add(new LeakyReLU(auto("leaky_relu"), slope));
        }

        public Builder maxPool(int kernel, int stride) {
            return add(new MaxPool2d(auto("maxpool"), kernel, kernel, stride, stride, 0, 0));
        }

        public Builder avgPool(int kernel, int stride) {
            return add(new AvgPool2d(auto("avgpool"), kernel, kernel, stride, stride, 0, 0));
        }

        public Builder globalAvgPool() {
            return add(new GlobalAvgPool(auto("gap")));
        }

        public Builder flatten() {
            return add(new Flatten(auto("flatten")));
        }

        public Builder identity() {
            return add(new Identity(auto("identity")));
        }

        /**
         * Inference BatchNorm with random statistics (for tests) on the current node: BatchNorm2d on
         * {@code [C, H, W]}, BatchNorm1d on {@code [C]}.
         */
        public Builder batchNorm(String name) {
            int c = current.dim(0);
            Tensor g = rng.uniform(Shape.of(c), 0.5, 1.5);
            Tensor b = rng.uniform(Shape.of(c), -0.5, 0.5);
            Tensor m = rng.uniform(Shape.of(c), -0.5, 0.5);
            Tensor v = rng.uniform(Shape.of(c), 0.5, 2.0);
            return add(current.rank() == 1 ? new BatchNorm1d(name, c, g, b, m, v, 1e-5) : new BatchNorm2d(name, c, g, b, m, v, 1e-5));
        }

        public Network build() {
            return new Network(input, layers, inputs, task, classNames, lo, hi);
        }
    }
}
