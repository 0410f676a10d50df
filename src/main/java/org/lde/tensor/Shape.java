package org.lde.tensor;

import java.util.Arrays;

/**
 * An immutable list of dimensions, row-major (the last dimension varies fastest). A batch of
 * images is {@code [N, C, H, W]}; one image's shape (without the batch) is {@code [C, H, W]}.
 */
public final class Shape {
    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        long s = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException("negative dimension " + dims[i] + " at axis " + i + " of " + Arrays.toString(dims));
            }
            long next = s * dims[i];
            if (dims[i] != 0 && next / dims[i] != s) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than " + Long.MAX_VALUE
                        + " elements (the product of its dimensions overflows a long)");
            }
            s = next;
        }
        this.dims = dims;
        this.size = s;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** {@code [n] ++ this}: this shape with a leading batch dimension. */
    public Shape withBatch(int n) {
        int[] d = new int[dims.length + 1];
        d[0] = n;
        System.arraycopy(dims, 0, d, 1, dims.length);
        return new Shape(d);
    }

    /** This shape without its first dimension. */
    public Shape dropFirst() {
        if (dims.length == 0) {
            throw new IllegalStateException("cannot drop the first dimension of a scalar shape");
        }
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int axis) {
        return dims[axis];
    }

    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements (product of the dimensions). */
    public long size() {
        return size;
    }

    /** Number of elements as an int, failing if it does not fit a Java array. */
    public int sizeInt() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("shape " + this + " has " + size + " elements, too many for one array");
        }
        return (int) size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
