package org.lde.tensor;

import java.util.Arrays;

/**
 * A dense row-major float64 array with a {@link Shape}. This is the host representation that
 * every backend accepts and returns; backends that compute in float32 convert at the boundary.
 * The data array is shared, not copied: {@link #data()} gives direct access (training updates
 * parameters in place), {@link #copy()} makes an independent tensor.
 */
public final class Tensor {
    private final Shape shape;
    private final double[] data;

    public Tensor(Shape shape, double[] data) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("tensor of shape " + shape + " needs " + shape.size()
                    + " values, got " + data.length);
        }
        this.shape = shape;
        this.data = data;
    }

    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new double[shape.sizeInt()]);
    }

    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    public static Tensor of(Shape shape, double... data) {
        return new Tensor(shape, data);
    }

    public Shape shape() {
        return shape;
    }

    /** The backing array (row-major); writes are visible through this tensor. */
    public double[] data() {
        return data;
    }

    public int size() {
        return data.length;
    }

    public double get(int... idx) {
        return data[offset(idx)];
    }

    public void set(double v, int... idx) {
        data[offset(idx)] = v;
    }

    private int offset(int[] idx) {
        if (idx.length != shape.rank()) {
            throw new IllegalArgumentException("index of rank " + idx.length + " into tensor of shape " + shape);
        }
        int off = 0;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape.dim(i)) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " outside shape " + shape);
            }
            off = off * shape.dim(i) + idx[i];
        }
        return off;
    }

    /** A tensor with the same data viewed under another shape of the same size (data shared). */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.size() + " values) to "
                    + newShape + " (" + newShape.size() + " values)");
        }
        return new Tensor(newShape, data);
    }

    public Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    /** Rows {@code [from, to)} of the first dimension, copied. */
    public Tensor slice(int from, int to) {
        if (shape.rank() == 0 || from < 0 || to > shape.dim(0) || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of tensor " + shape);
        }
        int row = (int) (shape.size() / Math.max(1, shape.dim(0)));
        int[] d = shape.dims();
        d[0] = to - from;
        return new Tensor(Shape.of(d), Arrays.copyOfRange(data, from * row, to * row));
    }

    /** Row {@code i} of the first dimension as a tensor of the remaining shape, copied. */
    public Tensor row(int i) {
        return slice(i, i + 1).reshape(shape.dropFirst());
    }

    /** Stacks equally shaped tensors along a new first dimension. */
    public static Tensor stack(java.util.List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("cannot stack an empty list");
        }
        Shape s = parts.get(0).shape();
        double[] out = new double[Math.multiplyExact(parts.size(), s.sizeInt())];
        for (int i = 0; i < parts.size(); i++) {
            Tensor p = parts.get(i);
            if (!p.shape().equals(s)) {
                throw new IllegalArgumentException("cannot stack tensor " + i + " of shape " + p.shape() + " with shape " + s);
            }
            System.arraycopy(p.data, 0, out, i * s.sizeInt(), s.sizeInt());
        }
        return new Tensor(s.withBatch(parts.size()), out);
    }

    /** Throws if any element is NaN or infinite, naming {@code what} and the first bad index. */
    public Tensor requireFinite(String what) {
        for (int i = 0; i < data.length; i++) {
            if (!Double.isFinite(data[i])) {
                throw new IllegalArgumentException(what + " contains " + data[i] + " at flat index " + i + " (shape " + shape + ")");
            }
        }
        return this;
    }

    public double maxAbsDiff(Tensor o) {
        requireSameShape(o);
        double m = 0;
        for (int i = 0; i < data.length; i++) {
            m = Math.max(m, Math.abs(data[i] - o.data[i]));
        }
        return m;
    }

    /** {@code ||this - ref|| / ||ref||} in the 2-norm (METHOD.md section 10); NaN anywhere gives NaN. */
    public double relativeError(Tensor ref) {
        requireSameShape(ref);
        double num = 0, den = 0;
        for (int i = 0; i < data.length; i++) {
            double d = data[i] - ref.data[i];
            num += d * d;
            den += ref.data[i] * ref.data[i];
        }
        if (Double.isNaN(num) || Double.isNaN(den)) {
            return Double.NaN;
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    private void requireSameShape(Tensor o) {
        if (!shape.equals(o.shape)) {
            throw new IllegalArgumentException("shape mismatch: " + shape + " vs " + o.shape);
        }
    }

    @Override
    public String toString() {
        return "Tensor" + shape + (data.length <= 16 ? Arrays.toString(data) : "");
    }
}
