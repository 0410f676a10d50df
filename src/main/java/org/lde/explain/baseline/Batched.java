package org.lde.explain.baseline;

import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Batched building blocks shared by the baselines and the metrics: many rows (samples times
 * steps, masks, windows, ...) go to the backend as a few large calls of at most
 * {@code chunkRows} rows each. Rows are independent, so chunking changes nothing but memory.
 */
public final class Batched {
    /** Default upper bound on the rows of one backend call. */
    public static final int DEFAULT_CHUNK_ROWS = 512;

    private Batched() {
    }

    /** Logits {@code [R, C]} of all rows of {@code x: [R, inputShape...]}, in chunks of {@code chunkRows}. */
    public static Tensor logits(Backend backend, Tensor x, int chunkRows) {
        requireChunk(chunkRows);
        int r = x.shape().dim(0);
        int c = backend.network().outputSize();
        double[] out = new double[Math.multiplyExact(r, c)];
        for (int from = 0; from < r; from += chunkRows) {
            int to = Math.min(r, from + chunkRows);
            Tensor z = backend.forward(from == 0 && to == r ? x : x.slice(from, to));
            System.arraycopy(z.data(), 0, out, from * c, z.size());
        }
        return new Tensor(Shape.of(r, c), out);
    }

    /** {@code f_{classes[i]}(x_i)} for every row (logit of the given class). */
    public static double[] classLogits(Backend backend, Tensor x, int[] classes, int chunkRows) {
        Tensor z = logits(backend, x, chunkRows);
        return pick(z, classes);
    }

    /** Softmax probability {@code p_{classes[i]}(x_i)} for every row. */
    public static double[] classProbabilities(Backend backend, Tensor x, int[] classes, int chunkRows) {
        Tensor z = logits(backend, x, chunkRows);
        return pick(softmax(z), classes);
    }

    /** Row-wise softmax of logits {@code [R, C]} (max-subtracted, so large logits do not overflow). */
    public static Tensor softmax(Tensor logits) {
        int r = logits.shape().dim(0);
        int c = logits.shape().dim(1);
        double[] in = logits.data();
        double[] out = new double[in.length];
        for (int i = 0; i < r; i++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) {
                m = Math.max(m, in[i * c + k]);
            }
            double s = 0;
            for (int k = 0; k < c; k++) {
                out[i * c + k] = Math.exp(in[i * c + k] - m);
                s += out[i * c + k];
            }
            for (int k = 0; k < c; k++) {
                out[i * c + k] /= s;
            }
        }
        return new Tensor(logits.shape(), out);
    }

    /** {@code z[i, classes[i]]}. */
    public static double[] pick(Tensor z, int[] classes) {
        int r = z.shape().dim(0);
        int c = z.shape().dim(1);
        if (classes.length != r) {
            throw new IllegalArgumentException(classes.length + " classes for " + r + " rows");
        }
        double[] out = new double[r];
        for (int i = 0; i < r; i++) {
            checkClass(classes[i], c, i);
            out[i] = z.data()[i * c + classes[i]];
        }
        return out;
    }

    /**
     * Input gradients of one seed per row, {@code out[i] = J(x_i)^T seeds[i]} ({@code seeds: [R, C]}),
     * with one recorded forward and one reverse pass per chunk. Returns {@code [R, inputShape...]}.
     */
    public static Tensor seededGradients(Backend backend, Tensor x, Tensor seeds, int chunkRows) {
        requireChunk(chunkRows);
        int r = x.shape().dim(0);
        int c = backend.network().outputSize();
        if (!seeds.shape().equals(Shape.of(r, c))) {
            throw new IllegalArgumentException("seeds must be [" + r + ", " + c + "], got " + seeds.shape());
        }
        int d = backend.network().inputSize();
        double[] out = new double[Math.multiplyExact(r, d)];
        for (int from = 0; from < r; from += chunkRows) {
            int to = Math.min(r, from + chunkRows);
            Tensor xs = from == 0 && to == r ? x : x.slice(from, to);
            Tensor ss = seeds.slice(from, to).reshape(to - from, 1, c);
            try (Recorded rec = backend.forwardRecorded(xs)) {
                Tensor g = backend.reverse(rec, ss);
                System.arraycopy(g.data(), 0, out, from * d, g.size());
            }
        }
        return new Tensor(x.shape(), out);
    }

    /** Gradient of the class logit {@code f_{classes[i]}} at every row: {@code [R, inputShape...]}. */
    public static Tensor classGradients(Backend backend, Tensor x, int[] classes, int chunkRows) {
        int r = x.shape().dim(0);
        int c = backend.network().outputSize();
        if (classes.length != r) {
            throw new IllegalArgumentException(classes.length + " classes for " + r + " rows");
        }
        Tensor seeds = Tensor.zeros(r, c);
        for (int i = 0; i < r; i++) {
            checkClass(classes[i], c, i);
            seeds.data()[i * c + classes[i]] = 1;
        }
        return seededGradients(backend, x, seeds, chunkRows);
    }

    /** Each of the {@code n} classes repeated {@code times} times in a row: {@code [c0 x times, c1 x times, ...]}. */
    public static int[] repeatEach(int[] classes, int times) {
        int[] out = new int[Math.multiplyExact(classes.length, times)];
        for (int i = 0; i < classes.length; i++) {
            for (int t = 0; t < times; t++) {
                out[i * times + t] = classes[i];
            }
        }
        return out;
    }

    /**
     * Checks the common arguments of an attribution call: {@code x} is {@code [N, inputShape...]}
     * of the backend's network, finite, and {@code classes} holds {@code N} valid class indices.
     */
    public static void checkAttributionInput(Backend backend, Tensor x, int[] classes) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(classes, "classes");
        Shape in = backend.network().inputShape();
        if (x.shape().rank() != in.rank() + 1 || !x.shape().dropFirst().equals(in)) {
            throw new IllegalArgumentException("inputs must be [N, " + dimsOf(in) + "] for this network, got " + x.shape());
        }
        if (x.shape().dim(0) == 0) {
            throw new IllegalArgumentException("empty batch: no inputs to explain");
        }
        if (classes.length != x.shape().dim(0)) {
            throw new IllegalArgumentException(classes.length + " classes for " + x.shape().dim(0) + " inputs");
        }
        int c = backend.network().outputSize();
        for (int i = 0; i < classes.length; i++) {
            checkClass(classes[i], c, i);
        }
        x.requireFinite("inputs");
    }

    private static String dimsOf(Shape s) {
        String t = s.toString();
        return t.substring(1, t.length() - 1);
    }

    static void checkClass(int k, int c, int row) {
        if (k < 0 || k >= c) {
            throw new IllegalArgumentException("class " + k + " of row " + row + " is outside [0, " + c + ")");
        }
    }

    static void requireChunk(int chunkRows) {
        if (chunkRows < 1) {
            throw new IllegalArgumentException("chunk rows must be >= 1, got " + chunkRows);
        }
    }

    static void requirePositive(String what, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + v);
        }
    }

    static void requirePositiveFinite(String what, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(what + " must be positive and finite, got " + v);
        }
    }

    /** Rows of {@code x} each repeated {@code times} times consecutively: {@code [N times, ...]}. */
    public static Tensor repeatRows(Tensor x, int times) {
        int n = x.shape().dim(0);
        int row = x.size() / n;
        double[] out = new double[Math.multiplyExact(x.size(), times)];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < times; t++) {
                System.arraycopy(x.data(), i * row, out, (i * times + t) * row, row);
            }
        }
        int[] dims = x.shape().dims();
        dims[0] = n * times;
        return new Tensor(Shape.of(dims), out);
    }

    /**
     * Checks caller-supplied noise for {@code x} ({@code [N, inputShape...]}): it must be
     * {@code [N n, inputShape...]} for some {@code n >= 1} (row {@code i n + k} is draw {@code k} of
     * sample {@code i}) and finite.
     *
     * @return the draws per sample {@code n}
     * @throws IllegalArgumentException naming {@code what}, the shapes and the first non-finite value
     */
    public static int checkNoise(String what, Tensor noise, Tensor x) {
        Objects.requireNonNull(noise, what);
        Shape in = x.shape().dropFirst();
        int n = x.shape().dim(0);
        if (noise.shape().rank() != x.shape().rank() || !noise.shape().dropFirst().equals(in)
                || noise.shape().dim(0) == 0 || noise.shape().dim(0) % n != 0) {
            throw new IllegalArgumentException(what + " must be [N n, " + dimsOf(in) + "] with N = " + n
                    + " inputs and n >= 1 draws each (row i n + k is draw k of input i), got " + noise.shape());
        }
        noise.requireFinite(what);
        return noise.shape().dim(0) / n;
    }
}
