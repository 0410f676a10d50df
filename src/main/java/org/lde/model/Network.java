package org.lde.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * A feed-forward network: an input shape (without batch, e.g. {@code [1, 28, 28]} or
 * {@code [30]}), a list of layers, and what its outputs mean. Shapes are inferred and checked
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

    public Network(Shape inputShape, List<Layer> layers, Task task, List<String> classNames, double lo, double hi) {
        this.inputShape = Objects.requireNonNull(inputShape, "inputShape");
        this.layers = List.copyOf(layers);
        this.task = Objects.requireNonNull(task, "task");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
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
        Set<String> names = new HashSet<>();
        List<Shape> out = new ArrayList<>();
        Shape s = inputShape;
        Layer prev = null;
        for (Layer l : this.layers) {
            if (!names.add(l.name())) {
                throw new IllegalArgumentException("duplicate layer name '" + l.name() + "'");
            }
            if (l instanceof BatchNorm2d && !(prev instanceof Conv2d)) {
                throw new IllegalArgumentException("layer '" + l.name() + "' (batchnorm2d) must directly follow a conv2d "
                        + "(it is folded into it), but follows " + (prev == null ? "the input" : "'" + prev.name() + "' (" + prev.kind() + ")"));
            }
            s = l.outputShape(s);
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
            prev = l;
        }
        this.shapes = Collections.unmodifiableList(out);
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

    /** Input shape of layer {@code i} (without batch). */
    public Shape inputShape(int i) {
        return i == 0 ? inputShape : shapes.get(i - 1);
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
     * This network with every BatchNorm2d folded into the Conv2d before it:
     * {@code W'[o] = W[o] * s[o]}, {@code b'[o] = (b[o] - mean[o]) * s[o] + beta[o]} with
     * {@code s = gamma / sqrt(var + eps)}. Returns {@code this} when there is nothing to fold.
     * New tensors are made for folded layers; the others are shared.
     */
    public Network folded() {
        boolean any = layers.stream().anyMatch(l -> l instanceof BatchNorm2d);
        if (!any) {
            return this;
        }
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof BatchNorm2d bn) {
                Conv2d c = (Conv2d) out.remove(out.size() - 1); // checked in the constructor
                Tensor w = c.weight().copy();
                Tensor b = c.bias().copy();
                int per = c.inChannels() * c.kernelH() * c.kernelW();
                for (int o = 0; o < c.outChannels(); o++) {
                    double s = bn.weight().data()[o] / Math.sqrt(bn.runningVar().data()[o] + bn.eps());
                    for (int k = 0; k < per; k++) {
                        w.data()[o * per + k] *= s;
                    }
                    b.data()[o] = (b.data()[o] - bn.runningMean().data()[o]) * s + bn.bias().data()[o];
                    requireFiniteFold(bn, c, o, s, w.data(), o * per, per, b.data()[o]);
                }
                out.add(new Conv2d(c.name(), c.inChannels(), c.outChannels(), c.kernelH(), c.kernelW(),
                        c.strideH(), c.strideW(), c.padH(), c.padW(), w, b));
            } else {
                out.add(l);
            }
        }
        return new Network(inputShape, out, task, classNames, lo, hi);
    }

    /** After folding output channel {@code o}: its scale, weights and bias must be finite. */
    private static void requireFiniteFold(BatchNorm2d bn, Conv2d c, int o, double scale, double[] w, int from, int count,
                                          double bias) {
        int bad = -1;
        for (int k = from; k < from + count && bad < 0; k++) {
            if (!Double.isFinite(w[k])) {
                bad = k;
            }
        }
        if (bad < 0 && Double.isFinite(scale) && Double.isFinite(bias)) {
            return;
        }
        String what = bad >= 0 ? "weight " + c.name() + ".weight at flat index " + bad + " = " + w[bad]
                : !Double.isFinite(scale) ? "scale gamma/sqrt(var + eps) = " + scale : "bias " + c.name() + ".bias[" + o + "] = " + bias;
        throw new IllegalArgumentException("layer '" + bn.name() + "' (batchnorm2d) folded into '" + c.name()
                + "' gives a non-finite " + what + " for channel " + o + " (gamma " + bn.weight().data()[o] + ", running_var "
                + bn.runningVar().data()[o] + ", eps " + bn.eps() + "): the folded network would compute NaN or infinity");
    }

    /** A deep copy (all parameter tensors copied). */
    public Network copy() {
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof Dense d) {
                out.add(new Dense(d.name(), d.in(), d.out(), d.weight().copy(), d.bias().copy()));
            } else if (l instanceof Conv2d c) {
                out.add(new Conv2d(c.name(), c.inChannels(), c.outChannels(), c.kernelH(), c.kernelW(),
                        c.strideH(), c.strideW(), c.padH(), c.padW(), c.weight().copy(), c.bias().copy()));
            } else if (l instanceof BatchNorm2d b) {
                out.add(new BatchNorm2d(b.name(), b.channels(), b.weight().copy(), b.bias().copy(),
                        b.runningMean().copy(), b.runningVar().copy(), b.eps()));
            } else {
                out.add(l);
            }
        }
        return new Network(inputShape, out, task, classNames, lo, hi);
    }

    /** One line per layer: name, kind, output shape, parameter count. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-14s %-12s %-16s %10s%n", "layer", "kind", "output", "params"));
        sb.append(String.format("%-14s %-12s %-16s %10s%n", "(input)", "", inputShape, ""));
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long n = 0;
            for (Layer.Parameter p : l.parameters()) {
                n += p.value().size();
            }
            sb.append(String.format("%-14s %-12s %-16s %10d%n", l.name(), l.kind(), shapes.get(i), n));
        }
        sb.append(String.format("task %s, %d outputs, %d parameters, domain [%s, %s]%n",
                task.name().toLowerCase(), outputSize(), parameterCount(), lo, hi));
        return sb.toString();
    }

    /**
     * Builds a network layer by layer, inferring each layer's input from the previous output and
     * initialising weights as PyTorch does ({@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))}) from a
     * seeded {@link Rng}. Unnamed layers are named {@code <kind><index>}.
     */
    public static final class Builder {
        private final Shape input;
        private final List<Layer> layers = new ArrayList<>();
        private Shape current;
        private Rng rng = new Rng(0);
        private Task task = Task.CLASSIFICATION;
        private List<String> classNames = List.of();
        private double lo = 0;
        private double hi = 1;

        private Builder(Shape input) {
            this.input = input;
            this.current = input;
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

        /** Appends a layer as given (its parameters are used as they are). */
        public Builder add(Layer l) {
            current = l.outputShape(current);
            layers.add(l);
            return this;
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
            if (current.rank() != 3) {
                throw new IllegalArgumentException("conv2d '" + name + "' needs a [C, H, W] input, got " + current);
            }
            int in = current.dim(0);
            double bound = 1 / Math.sqrt((double) in * kh * kw);
            return add(new Conv2d(name, in, outChannels, kh, kw, sh, sw, ph, pw,
                    rng.uniform(Shape.of(outChannels, in, kh, kw), -bound, bound),
                    rng.uniform(Shape.of(outChannels), -bound, bound)));
        }

        public Builder relu() {
            return add(new ReLU(auto("relu")));
        }

        public Builder maxPool(int kernel, int stride) {
            return add(new MaxPool2d(auto("maxpool"), kernel, kernel, stride, stride, 0, 0));
        }

        public Builder avgPool(int kernel, int stride) {
            return add(new AvgPool2d(auto("avgpool"), kernel, kernel, stride, stride, 0, 0));
        }

        public Builder flatten() {
            return add(new Flatten(auto("flatten")));
        }

        /** Inference BatchNorm with random statistics (for tests) after the current Conv2d. */
        public Builder batchNorm(String name) {
            int c = current.dim(0);
            return add(new BatchNorm2d(name, c, rng.uniform(Shape.of(c), 0.5, 1.5), rng.uniform(Shape.of(c), -0.5, 0.5),
                    rng.uniform(Shape.of(c), -0.5, 0.5), rng.uniform(Shape.of(c), 0.5, 2.0), 1e-5));
        }

        public Network build() {
            return new Network(input, layers, task, classNames, lo, hi);
        }
    }
}
