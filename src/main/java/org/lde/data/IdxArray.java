package org.lde.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * The content of a u8 IDX file: its dimensions (big-endian u32 in the file, e.g. {@code [N, rows,
 * cols]} for images, {@code [N]} for labels) and its data bytes in row-major order. {@code data}
 * holds unsigned bytes (read them with {@code & 0xFF}); arrays are copied on construction and on access.
 *
 * @param source where the array was read from (file or resource name), for messages
 */
public record IdxArray(String source, int[] dims, byte[] data) {
    public IdxArray {
        Objects.requireNonNull(source, "source");
        dims = dims.clone();
        data = data.clone();
        long size = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException(source + ": negative dimension in " + Arrays.toString(dims));
            }
            size *= d;
        }
        if (size != data.length) {
            throw new IllegalArgumentException(source + ": dimensions " + Arrays.toString(dims) + " need " + size
                    + " bytes, got " + data.length);
        }
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Dimension {@code axis}. */
    public int dim(int axis) {
        return dims[axis];
    }

    /** The unsigned value of byte {@code i} (0..255). */
    public int u8(int i) {
        return data[i] & 0xFF;
    }

    /** Total number of values. */
    public int size() {
        return data.length;
    }
}
